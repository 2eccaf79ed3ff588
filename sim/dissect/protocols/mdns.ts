import { decodeDns, dnsTypeName, MDNS_PORT, type DnsMessage, type DnsQuestion, type DnsRecord } from '../../wire/dns/message.ts';
import type { Problem } from '../../wire/field.ts';
import { isWarning, LazyLayer, type LayerText } from '../layer.ts';
import { defineProtocol, type Json } from '../table.ts';
import type { Layer, PayloadContext } from '../types.ts';

declare module '../types.ts' {
  interface LayerValues {
    /** A DNS message on UDP port 5353: Multicast DNS (RFC 6762). */
    MDNS: DnsMessage;
  }
}

const question = (q: DnsQuestion): string => `${dnsTypeName(q.type)} ${q.name} (${q.unicastResponse ? 'QU' : 'QM'})`;

const record = (r: DnsRecord): string => {
  const data = r.address ?? `${r.data?.length ?? 0} bytes`;
  return `${r.name} ${dnsTypeName(r.type)} ${data} (TTL ${r.ttl}${r.cacheFlush ? ', cache flush' : ''})`;
};

/** Lists the first two and counts the rest: a line, not a paragraph. */
function some<T>(items: readonly T[], say: (x: T) => string): string {
  const head = items.slice(0, 2).map(say).join(', ');
  return items.length > 2 ? `${head} and ${items.length - 2} more` : head;
}

/**
 * One line per message: a query (a probe when it proposes records in its authority section, RFC 6762 §8.2; known
 * answers counted, §7.1), or a response (a goodbye when every record has TTL 0, §10.1).
 */
export function describeMdns(m: DnsMessage): string {
  const odd = m.opcode || m.rcode ? ` [opcode ${m.opcode ?? 0}, rcode ${m.rcode ?? 0}: ignored, RFC 6762 §18.3, §18.11]` : '';
  if (!m.response) {
    const proposed = m.authorities ?? [];
    const what = proposed.length ? 'probe' : 'query';
    const known = m.answers.length ? `, ${m.answers.length} known answer${m.answers.length > 1 ? 's' : ''}` : '';
    const claims = proposed.length ? `, proposing ${some(proposed, (r) => `${dnsTypeName(r.type)} ${r.address ?? r.name}`)}` : '';
    return `mDNS ${what}: ${m.questions.length ? some(m.questions, question) : 'no question'}${claims}${known}${odd}`;
  }
  const records = m.answers.length ? m.answers : (m.additionals ?? []);
  const goodbye = m.answers.length > 0 && m.answers.every((r) => r.ttl === 0);
  return `mDNS ${goodbye ? 'goodbye' : 'response'}: ${records.length ? some(records, record) : 'no records'}${odd}`;
}

const MDNS_TEXT: LayerText<'MDNS', undefined> = {
  summary: (l) => (l.value ? describeMdns(l.value) : `mDNS (malformed: ${l.problems[0]?.message ?? 'unreadable'})`),
};

/** RFC 6762 rules a message breaks on the link, said as notes (the message still reads). */
function mdnsRemarks(m: DnsMessage, dstPort: number): string[] {
  const out: string[] = [];
  // RFC 6762 §18.1: a response to port 5353 carries ID 0 (a legacy unicast reply to another port echoes the querier's, §6.7)
  if (m.id !== 0 && dstPort === MDNS_PORT && m.response) out.push(`response ID 0x${m.id.toString(16)} is not 0 (RFC 6762 §18.1)`);
  // RFC 6762 §18.4: in a response the AA bit must be set
  if (m.response && !m.authoritative) out.push('response without the AA bit (RFC 6762 §18.4)');
  return out;
}

/** RFC 6762: the message on port 5353, its problems if malformed; what it breaks of mDNS's rules in its classification. */
function dissectMdns(out: Layer[], payload: Uint8Array, offset: number, ctx: PayloadContext, srcPort: number, dstPort: number): void {
  const d = decodeDns(payload, { base: offset, spans: ctx.spans !== false });
  const problems: Problem[] = d.problems.filter((p) => !isWarning(p));
  const warnings = d.problems.filter(isWarning).map((p) => p.message);
  if (d.value) warnings.push(...mdnsRemarks(d.value, dstPort));
  const why = whyMdns(payload, srcPort, dstPort);
  const classification = warnings.length ? `${why}; ${warnings.join('; ')}` : why;
  out.push(new LazyLayer({ protocol: 'MDNS', offset, length: payload.length, fields: d.fields, problems, value: d.value, text: MDNS_TEXT, a: undefined, b: undefined, classification }));
}

function whyMdns(payload: Uint8Array, srcPort: number, dstPort: number): string {
  const first = payload[0] ?? 0;
  const misread = first <= 3 ? `; its first byte 0x${first.toString(16).padStart(2, '0')} would say STUN to RFC 7983 (the mDNS message ID is 0, §18.1)` : '';
  return `UDP port ${srcPort} → ${dstPort}: port ${MDNS_PORT} is Multicast DNS (RFC 6762 §3), read before RFC 7983's first byte${misread}`;
}

const recordJson = (r: DnsRecord): Json => ({
  name: r.name,
  type: dnsTypeName(r.type),
  ttl: r.ttl,
  cacheFlush: r.cacheFlush === true,
  ...(r.address !== undefined ? { address: r.address } : { dataLength: r.data?.length ?? 0 }),
});

function mdnsJson(m: DnsMessage, _l: unknown, base: Json): Json {
  base.id = m.id;
  base.response = m.response;
  base.authoritative = m.authoritative === true;
  if (m.truncated) base.truncated = true;
  if (m.opcode) base.opcode = m.opcode;
  if (m.rcode) base.rcode = m.rcode;
  base.questions = m.questions.map((q) => ({ name: q.name, type: dnsTypeName(q.type), unicastResponse: q.unicastResponse === true }));
  base.answers = m.answers.map(recordJson);
  if (m.authorities) base.authorities = m.authorities.map(recordJson);
  if (m.additionals) base.additionals = m.additionals.map(recordJson);
  return base;
}

export const MDNS = defineProtocol({
  name: 'MDNS',
  description: 'Multicast DNS (RFC 6762) on UDP port 5353, read before RFC 7983 (its ID 0 looks like STUN): questions with the QU bit, records with TTL and cache-flush bit, A and AAAA data, probes and goodbyes',
  viz: { class: 'MDNS', colour: '#a3d977' },
  json: mdnsJson,
  on: [{ table: 'udp.port', key: MDNS_PORT, dissect: dissectMdns }],
});
