// Multicast DNS (RFC 6762) in the dissector: recognised on UDP port 5353 before RFC 7983's first byte (its message ID
// 0 would say STUN), decoded by the one DNS codec (sim/wire/dns), with field spans for the hex view; checked on the
// call-mdns-lan preset and on hand-made probes and goodbyes, field by field against tshark, and on hostile bytes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dissectFile } from '../../test/support/dissect-captures.ts';
import { tsharkAvailable, tsharkFields } from '../../test/support/tshark.ts';
import { Rng } from '../core/rng.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { answer6, goodbye, knownAnswer, mdnsDatagram, mdnsKindsPcap, NAME, OTHER, probe } from '../../test/support/mdns-messages.ts';
import { DnsType, encodeDnsMessage, MDNS_IPV6, MDNS_PORT, type DnsMessage } from '../wire/dns/message.ts';
import { findField, type Field } from '../wire/field.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { dissectPacket } from './dissect.ts';
import { packetToJson } from './json.ts';
import { classifyDatagram, PROTOCOL_CLASSES } from './registry.ts';
import type { DissectedPacket, LayerOf } from './types.ts';

const dir = mkdtempSync(join(tmpdir(), 'rtclab-mdns-dissect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mdnsOf = (p: DissectedPacket): LayerOf<'MDNS'> | undefined => p.layers.find((l): l is LayerOf<'MDNS'> => l.protocol === 'MDNS');
const dgram = mdnsDatagram;

describe('mDNS in the dissector', () => {
  it('reads port 5353 as mDNS before RFC 7983 (whose first byte 0x00 says STUN), in the dissector and the visualizer class', () => {
    const bytes = dgram(encodeDnsMessage(goodbye));
    const p = dissectPacket(bytes);
    const l = mdnsOf(p)!;
    expect(p.layers.map((x) => x.protocol)).toEqual(['IPv4', 'UDP', 'MDNS']);
    expect(l.summary).toBe(`mDNS goodbye: ${NAME} A 192.168.1.10 (TTL 0, cache flush)`);
    expect(l.classification).toMatch(/port 5353 is Multicast DNS \(RFC 6762 §3\).*first byte 0x00 would say STUN/);
    expect(l.problems).toEqual([]);
    expect(PROTOCOL_CLASSES[classifyDatagram(bytes)]!.name).toBe('MDNS');
    // the same payload between other ports is what RFC 7983 makes of it: STUN's range, no magic cookie, data
    const elsewhere = dissectPacket(dgram(encodeDnsMessage(goodbye), '192.168.1.10', '192.168.1.20', 40000, 40001)).layers.at(-1)!;
    expect([elsewhere.protocol, elsewhere.classification]).toEqual(['DATA', expect.stringMatching(/^first byte 0x00 is in 0–3: STUN .*no magic cookie/)]);
    // a unicast reply from 5353 to a querier's own port (RFC 6762 §6.7) is mDNS too
    expect(mdnsOf(dissectPacket(dgram(encodeDnsMessage(goodbye), '192.168.1.10', '192.168.1.20', MDNS_PORT, 40000)))).toBeDefined();
  });

  it('says what a probe, a known-answer query and an answer with an additional record are', () => {
    expect(mdnsOf(dissectPacket(dgram(encodeDnsMessage(probe))))!.summary).toBe(`mDNS probe: ANY ${NAME} (QU), proposing A 192.168.1.10`);
    expect(mdnsOf(dissectPacket(dgram(encodeDnsMessage(knownAnswer))))!.summary).toBe(`mDNS query: AAAA ${OTHER} (QM), 1 known answer`);
    const p = dissectPacket(dgram(encodeDnsMessage(answer6), 'fe80::1', MDNS_IPV6));
    expect(mdnsOf(p)!.summary).toBe(`mDNS response: ${OTHER} AAAA fe80::1 (TTL 120, cache flush)`);
    expect((packetToJson(p, { no: 1, ts: 0 }).layers as Record<string, unknown>[]).at(-1)).toMatchObject({
      protocol: 'MDNS', id: 0, response: true, authoritative: true, questions: [],
      answers: [{ name: OTHER, type: 'AAAA', ttl: 120, cacheFlush: true, address: 'fe80::1' }],
      additionals: [{ name: OTHER, type: 'TXT', ttl: 4500, cacheFlush: false, dataLength: 4 }],
    });
  });

  it('gives every field a span on its own bytes: header, flags, the QU and cache-flush bits, TTL, address', () => {
    const payload = encodeDnsMessage(probe);
    const bytes = dgram(payload);
    const l = mdnsOf(dissectPacket(bytes))!;
    expect([l.offset, l.length]).toEqual([28, payload.length]);
    const f = (name: string): Field => findField(l.fields, name)!;
    expect([f('Transaction ID').offset, f('Transaction ID').length, f('Transaction ID').display]).toEqual([28, 2, '0x0000']);
    expect(f('Flags').children!.map((c) => c.name)).toEqual(['Response', 'Opcode', 'Authoritative', 'Truncated', 'Reply code']);
    expect(f('Query').display).toBe(`${NAME}: type ANY (255), "QU"`);
    expect(f('Name').display).toBe(NAME);
    expect([f('Name').offset, f('Name').length]).toEqual([40, NAME.length + 2]);
    expect(f('"QU" question')).toMatchObject({ length: 2, bits: { start: 0, count: 1 } });
    expect(bytes[f('"QU" question').offset]! & 0x80).toBe(0x80);
    const rec = findField(l.fields, 'Authoritative nameservers')!.children![0]!;
    expect(rec.display).toBe(`${NAME}: type A, addr 192.168.1.10, TTL 120`);
    const ttl = findField(rec.children!, 'Time to live')!;
    expect(new DataView(bytes.buffer, bytes.byteOffset + ttl.offset, 4).getUint32(0)).toBe(120);
    const addr = findField(rec.children!, 'Address')!;
    expect([...bytes.subarray(addr.offset, addr.offset + addr.length)]).toEqual([192, 168, 1, 10]);
    // every span inside the layer's
    const walk = (fs: readonly Field[]): Field[] => fs.flatMap((x) => [x, ...walk(x.children ?? [])]);
    for (const x of walk(l.fields)) expect(x.offset >= l.offset && x.offset + x.length <= l.offset + l.length, x.name).toBe(true);
    // without spans: the same value and no fields
    const bare = mdnsOf(dissectPacket(bytes, { spans: false }))!;
    expect([bare.value, bare.fields]).toEqual([l.value, []]);
  });

  it('names what is wrong in hostile mDNS and never throws', () => {
    const problem = (payload: Uint8Array): string => {
      const l = mdnsOf(dissectPacket(dgram(payload)))!;
      expect(l.value).toBeUndefined();
      expect(l.summary).toMatch(/^mDNS \(malformed: /);
      return l.problems.map((p) => p.message).join('; ');
    };
    expect(problem(new Uint8Array(5))).toBe('DNS header needs 12 bytes, got 5');
    const full = encodeDnsMessage(goodbye);
    expect(problem(full.subarray(0, full.length - 3))).toBe('answer 1: RDATA of 4 bytes runs past the message');
    expect(problem(new Uint8Array([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]))).toBe('question 1: compression pointer at byte 12 points forward (to 12)');
    const many = new Uint8Array(12);
    many[5] = 0xff;
    expect(problem(many)).toBe('question 1: name at byte 12 runs past the message');
    const long = full.slice();
    long[full.length - 5] = 5; // an A record with RDLENGTH 5
    expect(problem(new Uint8Array([...long, 0]))).toBe('answer 1: A record with 5 bytes of RDATA, 4 expected (RFC 1035 §3.4.1)');
    // bytes after the last record: read, and said
    const trailing = mdnsOf(dissectPacket(dgram(new Uint8Array([...full, 1, 2, 3]))))!;
    expect([trailing.value?.answers.length, trailing.problems, trailing.classification]).toEqual([1, [], expect.stringMatching(/3 byte\(s\) after the last record/)]);
    // a response without AA, with a non-zero ID: read, and the rules it breaks said
    const odd = mdnsOf(dissectPacket(dgram(encodeDnsMessage({ ...goodbye, id: 7, authoritative: false }))))!;
    expect(odd.classification).toMatch(/ID 0x7 is not 0 \(RFC 6762 §18\.1\); response without the AA bit \(RFC 6762 §18\.4\)/);
    // a legacy unicast reply (§6.7: to the querier's own port) echoes its ID: no remark
    const legacy = mdnsOf(dissectPacket(dgram(encodeDnsMessage({ ...goodbye, id: 7 }), '192.168.1.10', '192.168.1.20', MDNS_PORT, 40000)))!;
    expect(legacy.classification).not.toMatch(/is not 0/);
    // seeded mutations of real messages: a value or a problem, every time
    const rng = Rng.fromSeed(5353);
    const seeds = [probe, goodbye, answer6, knownAnswer].map(encodeDnsMessage);
    for (let i = 0; i < 2000; i++) {
      const b = seeds[i % seeds.length]!.slice(0, 12 + rng.int(0, 60));
      for (let k = 0, n = rng.int(1, 5); k < n; k++) b[rng.int(0, b.length)] = rng.int(0, 256);
      const l = mdnsOf(dissectPacket(dgram(b)))!;
      expect(l.value !== undefined || l.problems.length > 0).toBe(true);
      expect(l.summary.length).toBeGreaterThan(0);
    }
  });
});

/** tshark's DNS fields, in the order both sides list them. */
const TSHARK = ['frame.number', 'frame.protocols', 'dns.flags.response', 'dns.flags.authoritative', 'dns.count.queries', 'dns.count.answers', 'dns.count.auth_rr', 'dns.count.add_rr', 'dns.qry.name', 'dns.qry.type', 'dns.qry.qu', 'dns.resp.name', 'dns.resp.type', 'dns.resp.ttl', 'dns.resp.cache_flush', 'dns.a', 'dns.aaaa'] as const;

/** Our reading as tshark's row (its booleans 0/1 as it prints them, every record of the three sections). */
function ourRow(no: number, m: DnsMessage): string[] {
  const records = [...m.answers, ...(m.authorities ?? []), ...(m.additionals ?? [])];
  const bit = (b: boolean | undefined): string => (b ? '1' : '0');
  return [
    String(no), 'mdns', bit(m.response), m.response ? bit(m.authoritative) : '', // tshark shows AA in responses only
    String(m.questions.length), String(m.answers.length), String(m.authorities?.length ?? 0), String(m.additionals?.length ?? 0),
    m.questions.map((q) => q.name).join(','), m.questions.map((q) => q.type).join(','), m.questions.map((q) => bit(q.unicastResponse)).join(','),
    records.map((r) => r.name).join(','), records.map((r) => r.type).join(','), records.map((r) => r.ttl).join(','), records.map((r) => bit(r.cacheFlush)).join(','),
    records.filter((r) => r.type === DnsType.A).map((r) => r.address).join(','), records.filter((r) => r.type === DnsType.AAAA).map((r) => r.address).join(','),
  ];
}

function compare(file: string): { ours: string[][]; theirs: string[][] } {
  const d = dissectFile(file);
  const ours = d.packets.flatMap(({ d: p }, i) => {
    const l = mdnsOf(p);
    return l?.value ? [ourRow(i + 1, l.value)] : [];
  });
  const theirs = tsharkFields(file, TSHARK, { filter: 'mdns' }).map((r) => [r[0]!, r[1]!.split(':').at(-1)!, ...r.slice(2).map((x) => x.replace(/True/g, '1').replace(/False/g, '0'))]);
  return { ours, theirs };
}

describe.runIf(tsharkAvailable())('mDNS dissected as tshark reads it', () => {
  it('call-mdns-lan: every mDNS hop, names, types, QU bits, TTLs, cache-flush bits and addresses as tshark has them', () => {
    const { trace } = runScenario(parseScenario(findPreset('call-mdns-lan')!.build()), { until: 2_500_000 });
    const file = join(dir, 'call-mdns-lan.pcapng');
    writeFileSync(file, writePcapng(trace));
    const { ours, theirs } = compare(file);
    expect(ours.length).toBeGreaterThan(10);
    expect(ours).toEqual(theirs);
    // the summaries say who asks and who answers
    const names = trace.notes.filter((n) => n.kind === 'mdns.name.created').map((n) => (n.data as { name: string }).name);
    const summaries = new Set(dissectFile(file).packets.flatMap(({ d: p }) => (mdnsOf(p) ? [mdnsOf(p)!.summary] : [])));
    expect(summaries).toEqual(new Set([
      `mDNS response: ${names[0]} A 192.168.1.10 (TTL 120, cache flush)`,
      `mDNS response: ${names[1]} A 192.168.1.20 (TTL 120, cache flush)`,
      ...names.flatMap((n) => [`mDNS query: A ${n} (QM)`, `mDNS query: AAAA ${n} (QM)`]),
      // each responder's probes for its own name (RFC 6762 §8.1): the first QU, the next two QM
      ...names.flatMap((n, i) => ['QU', 'QM'].map((q) => `mDNS probe: ANY ${n} (${q}), proposing A 192.168.1.${10 + 10 * i}`)),
    ]));
  });

  it('probes, goodbyes, known answers, IPv6 and additional records, field for field', () => {
    const file = join(dir, 'mdns-kinds.pcap');
    writeFileSync(file, mdnsKindsPcap());
    const { ours, theirs } = compare(file);
    expect(ours.length).toBe(4);
    expect(ours).toEqual(theirs);
  });
});


