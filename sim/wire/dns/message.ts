/**
 * DNS messages as Multicast DNS sends them (RFC 1035 §4.1, RFC 6762): the header, questions and the three record
 * sections, with A and AAAA data read as addresses and any other type kept as raw RDATA. The encoder writes names
 * without compression (RFC 6762 §18.14 allows either); the decoder follows compression pointers (RFC 1035 §4.1.4)
 * backwards only, so a pointer loop is an error, never a hang. mDNS reuses two class bits: the question's top bit
 * asks for a unicast answer (QU, RFC 6762 §5.4) and the record's top bit is cache-flush (§10.2). One decoder for the
 * simulator's responder and the dissector: `decodeDns` records a span for every field when asked.
 */
import type { Decoded, Problem } from '../field.ts';
import { parseIPv4, parseIPv6 } from '../ip/address.ts';
import { Reader } from '../reader.ts';
import { dnsTypeNameOrUndefined, readName, readRecord, type DnsRecord } from './records.ts';

export { DnsType, dnsTypeName, type DnsRecord } from './records.ts';

/** RFC 6762 §3: the mDNS group and port. */
export const MDNS_PORT = 5353;
export const MDNS_IPV4 = '224.0.0.251';
export const MDNS_IPV6 = 'ff02::fb';

const CLASS_IN = 1;
/** RFC 1035 §4.1.1: the header is six 16-bit words. */
const HEADER = 12;

export interface DnsQuestion {
  readonly name: string;
  readonly type: number;
  /** RFC 6762 §5.4: the QU bit, a unicast answer asked for. */
  readonly unicastResponse?: boolean;
}

export interface DnsMessage {
  readonly id: number;
  /** QR: a response. RFC 6762 §18.2: mDNS responses set it with AA (§18.4). */
  readonly response: boolean;
  readonly authoritative?: boolean;
  /** TC (RFC 6762 §18.5: in a query, more known answers follow in the next packet). */
  readonly truncated?: boolean;
  /** OPCODE and RCODE when not 0 (RFC 6762 §18.3, §18.11: mDNS messages with either set are ignored). */
  readonly opcode?: number;
  readonly rcode?: number;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsRecord[];
  /** The authority section: in a probe, the records the prober proposes to claim (RFC 6762 §8.2). */
  readonly authorities?: readonly DnsRecord[];
  readonly additionals?: readonly DnsRecord[];
}

function writeName(out: number[], name: string): void {
  for (const label of name.replace(/\.$/, '').split('.')) {
    const bytes = new TextEncoder().encode(label);
    if (bytes.length === 0 || bytes.length > 63) throw new RangeError(`DNS label ${JSON.stringify(label)}: 1 to 63 bytes (RFC 1035 §2.3.4)`);
    out.push(bytes.length, ...bytes);
  }
  out.push(0);
}

const u16 = (out: number[], v: number): void => void out.push((v >> 8) & 0xff, v & 0xff);

function writeRecord(out: number[], r: DnsRecord): void {
  writeName(out, r.name);
  u16(out, r.type);
  u16(out, CLASS_IN | (r.cacheFlush ? 0x8000 : 0));
  u16(out, (r.ttl >>> 16) & 0xffff);
  u16(out, r.ttl & 0xffff);
  const rdata = r.address !== undefined ? (r.address.includes(':') ? parseIPv6(r.address) : parseIPv4(r.address)) : (r.data ?? new Uint8Array(0));
  if (!rdata) throw new RangeError(`DNS record for ${r.name}: bad address ${r.address}`);
  u16(out, rdata.length);
  out.push(...rdata);
}

export function encodeDnsMessage(m: DnsMessage): Uint8Array {
  const out: number[] = [];
  const authorities = m.authorities ?? [];
  const additionals = m.additionals ?? [];
  u16(out, m.id);
  u16(out, (m.response ? 0x8000 : 0) | ((m.opcode ?? 0) << 11) | (m.authoritative ? 0x0400 : 0) | (m.truncated ? 0x0200 : 0) | (m.rcode ?? 0));
  u16(out, m.questions.length);
  u16(out, m.answers.length);
  u16(out, authorities.length);
  u16(out, additionals.length);
  for (const q of m.questions) {
    writeName(out, q.name);
    u16(out, q.type);
    u16(out, CLASS_IN | (q.unicastResponse ? 0x8000 : 0));
  }
  for (const r of [...m.answers, ...authorities, ...additionals]) writeRecord(out, r);
  return new Uint8Array(out);
}

export interface DnsDecodeOptions {
  /** Where the message sits in the outermost buffer (field spans and problems are absolute). */
  readonly base?: number;
  /** Record field spans (default true). */
  readonly spans?: boolean;
}

const SECTIONS = [
  ['Answers', 'answer'],
  ['Authoritative nameservers', 'authority record'],
  ['Additional records', 'additional record'],
] as const;

const yesNo = (set: boolean, yes: string, no: string): string => (set ? yes : no);

/**
 * Decodes a DNS message. A malformed one gives a problem naming what and where (message offsets in its text) and
 * no value; the fields read before it stay, for the hex view. Never throws, never loops.
 */
export function decodeDns(b: Uint8Array, o: DnsDecodeOptions = {}): Decoded<DnsMessage | undefined> {
  const r = new Reader(b, o.base ?? 0, 0, b.length, o.spans !== false);
  const fail = (message: string, at: number, length = b.length - at): Decoded<undefined> => {
    r.problem(message, at, Math.max(0, length));
    return { value: undefined, fields: r.fieldList(), problems: r.problemList() };
  };
  if (b.length < HEADER) {
    r.skip(b.length, 'Header (cut)');
    return fail(`DNS header needs ${HEADER} bytes, got ${b.length}`, 0);
  }
  const id = r.u16('Transaction ID', (v) => `0x${v.toString(16).padStart(4, '0')}`);
  const flags = (b[2]! << 8) | b[3]!;
  const opcode = (flags >> 11) & 0xf;
  const rcode = flags & 0xf;
  r.group('Flags', () => {
    r.fieldBits('Response', 2, 2, 0, 1, yesNo((flags & 0x8000) !== 0, 'Message is a response', 'Message is a query'));
    r.fieldBits('Opcode', 2, 2, 1, 4, opcode === 0 ? 'Standard query (0)' : String(opcode));
    r.fieldBits('Authoritative', 2, 2, 5, 1, yesNo((flags & 0x0400) !== 0, 'Server is an authority for domain', 'Server is not an authority for domain'));
    r.fieldBits('Truncated', 2, 2, 6, 1, yesNo((flags & 0x0200) !== 0, 'Message is truncated', 'Message is not truncated'));
    r.fieldBits('Reply code', 2, 2, 12, 4, rcode === 0 ? 'No error (0)' : String(rcode));
    r.u16();
  }, () => `0x${flags.toString(16).padStart(4, '0')}`);
  const counts = [r.u16('Questions'), r.u16('Answer RRs'), r.u16('Authority RRs'), r.u16('Additional RRs')] as const;
  const questions: DnsQuestion[] = [];
  const sections: DnsRecord[][] = [[], [], []];
  let error: { message: string; at: number } | undefined;
  if (counts[0]) {
    r.group('Queries', () => {
      for (let i = 0; i < counts[0] && !error; i++) {
        const start = r.pos;
        const n = readName(b, start);
        if ('error' in n) error = { message: `question ${i + 1}: ${n.error}`, at: start };
        else if (n.end + 4 > b.length) error = { message: `question ${i + 1}: type and class cut at byte ${n.end}`, at: start };
        else {
          const q = r.group('Query', () => {
            r.skip(n.end - start, 'Name', () => n.name);
            const type = r.u16('Type', dnsTypeLabel);
            const cls = (b[r.pos]! << 8) | b[r.pos + 1]!;
            r.fieldBits('"QU" question', r.pos, 2, 0, 1, yesNo((cls & 0x8000) !== 0, 'True (unicast response asked for, RFC 6762 §5.4)', 'False (QM)'));
            r.fieldBits('Class', r.pos, 2, 1, 15, className(cls & 0x7fff));
            r.u16();
            return { name: n.name, type, ...(cls & 0x8000 ? { unicastResponse: true } : {}) };
          }, (v) => `${v.name}: type ${dnsTypeLabel(v.type)}, ${v.unicastResponse ? '"QU"' : '"QM"'}`);
          questions.push(q);
        }
      }
    });
  }
  for (let s = 0; s < 3 && !error; s++) {
    const count = counts[s + 1]!;
    if (!count) continue;
    const [title, what] = SECTIONS[s]!;
    r.group(title, () => {
      for (let i = 0; i < count && !error; i++) {
        const rec = readRecord(r, b);
        if ('error' in rec) error = { message: `${what} ${i + 1}: ${rec.error}`, at: rec.at };
        else sections[s]!.push(rec);
      }
    });
  }
  if (error) return fail(error.message, error.at);
  const problems: Problem[] = [...r.problemList()];
  if (r.pos < b.length) {
    // RFC 1035 §4.1: the counts say where the message ends; what follows is no part of it
    problems.push({ offset: r.base + r.pos, length: b.length - r.pos, message: `${b.length - r.pos} byte(s) after the last record`, severity: 'warning' });
    r.skip(b.length - r.pos, 'Trailing bytes');
  }
  const [answers, authorities, additionals] = sections as [DnsRecord[], DnsRecord[], DnsRecord[]];
  const value: DnsMessage = {
    id,
    response: (flags & 0x8000) !== 0,
    ...(flags & 0x0400 ? { authoritative: true } : {}),
    ...(flags & 0x0200 ? { truncated: true } : {}),
    ...(opcode ? { opcode } : {}),
    ...(rcode ? { rcode } : {}),
    questions,
    answers,
    ...(authorities.length ? { authorities } : {}),
    ...(additionals.length ? { additionals } : {}),
  };
  return { value, fields: r.fieldList(), problems };
}

/** "A (1)", "AAAA (28)", "65280". */
function dnsTypeLabel(t: number): string {
  const n = dnsTypeNameOrUndefined(t);
  return n ? `${n} (${t})` : String(t);
}

function className(c: number): string {
  return c === CLASS_IN ? 'IN (0x0001)' : `0x${c.toString(16).padStart(4, '0')}`;
}

/** Decodes a DNS message as the responder reads one: the message, or an error naming what and where. */
export function decodeDnsMessage(b: Uint8Array): DnsMessage | { error: string } {
  const d = decodeDns(b, { spans: false });
  const first = d.problems.find((p) => p.severity !== 'warning');
  if (!d.value || first) return { error: first?.message ?? 'unreadable DNS message' };
  return d.value;
}
