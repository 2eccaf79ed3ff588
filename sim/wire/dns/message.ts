/**
 * DNS messages as Multicast DNS sends them (RFC 1035 §4.1, RFC 6762): the header, questions and resource records,
 * with A and AAAA data read as addresses and any other type kept as raw RDATA. The encoder writes names without
 * compression (RFC 6762 §18.14 allows either); the decoder follows compression pointers (RFC 1035 §4.1.4) backwards
 * only, so a pointer loop is an error, never a hang. mDNS reuses two class bits: the question's top bit asks for a
 * unicast answer (QU, RFC 6762 §5.4) and the record's top bit is cache-flush (§10.2).
 */
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../ip/address.ts';

/** RFC 6762 §3: the mDNS group and port. */
export const MDNS_PORT = 5353;
export const MDNS_IPV4 = '224.0.0.251';
export const MDNS_IPV6 = 'ff02::fb';

export const DnsType = { A: 1, AAAA: 28 } as const;
const CLASS_IN = 1;

export interface DnsQuestion {
  readonly name: string;
  readonly type: number;
  /** RFC 6762 §5.4: the QU bit, a unicast answer asked for. */
  readonly unicastResponse?: boolean;
}

export interface DnsRecord {
  readonly name: string;
  readonly type: number;
  /** RFC 6762 §10.2: the cache-flush bit, this record replaces what the cache holds for the name. */
  readonly cacheFlush?: boolean;
  readonly ttl: number;
  /** The address for A and AAAA records. */
  readonly address?: string;
  /** RDATA of any other type, as it is. */
  readonly data?: Uint8Array;
}

export interface DnsMessage {
  readonly id: number;
  /** QR: a response. RFC 6762 §18.2: mDNS responses set it with AA (§18.4). */
  readonly response: boolean;
  readonly authoritative?: boolean;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsRecord[];
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

export function encodeDnsMessage(m: DnsMessage): Uint8Array {
  const out: number[] = [];
  u16(out, m.id);
  u16(out, (m.response ? 0x8000 : 0) | (m.authoritative ? 0x0400 : 0));
  u16(out, m.questions.length);
  u16(out, m.answers.length);
  u16(out, 0);
  u16(out, 0);
  for (const q of m.questions) {
    writeName(out, q.name);
    u16(out, q.type);
    u16(out, CLASS_IN | (q.unicastResponse ? 0x8000 : 0));
  }
  for (const r of m.answers) {
    writeName(out, r.name);
    u16(out, r.type);
    u16(out, CLASS_IN | (r.cacheFlush ? 0x8000 : 0));
    u16(out, (r.ttl >>> 16) & 0xffff);
    u16(out, r.ttl & 0xffff);
    const rdata = r.address !== undefined ? (r.type === DnsType.AAAA ? parseIPv6(r.address) : parseIPv4(r.address)) : (r.data ?? new Uint8Array(0));
    if (!rdata) throw new RangeError(`DNS record for ${r.name}: bad address ${r.address}`);
    u16(out, rdata.length);
    out.push(...rdata);
  }
  return new Uint8Array(out);
}

/** Reads a name at `at`; returns it and where the name ended in the message (after a pointer, the pointer's end). */
function readName(b: Uint8Array, at: number): { name: string; end: number } | { error: string } {
  const labels: string[] = [];
  let pos = at;
  let end: number | undefined;
  let length = 0;
  for (;;) {
    if (pos >= b.length) return { error: `name at byte ${at} runs past the message` };
    const len = b[pos]!;
    if (len === 0) break;
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= b.length) return { error: `compression pointer at byte ${pos} is cut` };
      const target = ((len & 0x3f) << 8) | b[pos + 1]!;
      // RFC 1035 §4.1.4: a pointer names an earlier occurrence; one pointing forward or at itself could loop
      if (target >= pos) return { error: `compression pointer at byte ${pos} points forward (to ${target})` };
      end ??= pos + 2;
      pos = target;
      continue;
    }
    if ((len & 0xc0) !== 0) return { error: `label type 0x${(len & 0xc0).toString(16)} at byte ${pos} is not defined` };
    if (pos + 1 + len > b.length) return { error: `label at byte ${pos} runs past the message` };
    length += len + 1;
    if (length > 255) return { error: `name at byte ${at} is longer than 255 bytes (RFC 1035 §3.1)` };
    labels.push(new TextDecoder().decode(b.subarray(pos + 1, pos + 1 + len)));
    pos += 1 + len;
  }
  return { name: labels.join('.'), end: end ?? pos + 1 };
}

/** Decodes a DNS message; a malformed one gives an error naming what and where. */
export function decodeDnsMessage(b: Uint8Array): DnsMessage | { error: string } {
  if (b.length < 12) return { error: `DNS header needs 12 bytes, got ${b.length}` };
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const flags = v.getUint16(2);
  const counts = [v.getUint16(4), v.getUint16(6), v.getUint16(8), v.getUint16(10)] as const;
  let pos = 12;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const n = readName(b, pos);
    if ('error' in n) return { error: `question ${i + 1}: ${n.error}` };
    if (n.end + 4 > b.length) return { error: `question ${i + 1}: type and class cut at byte ${n.end}` };
    const cls = v.getUint16(n.end + 2);
    questions.push({ name: n.name, type: v.getUint16(n.end), ...(cls & 0x8000 ? { unicastResponse: true } : {}) });
    pos = n.end + 4;
  }
  const answers: DnsRecord[] = [];
  // answers, then authority and additional records, read alike; only the answers are kept
  for (let i = 0; i < counts[1] + counts[2] + counts[3]; i++) {
    const n = readName(b, pos);
    if ('error' in n) return { error: `record ${i + 1}: ${n.error}` };
    if (n.end + 10 > b.length) return { error: `record ${i + 1}: header cut at byte ${n.end}` };
    const type = v.getUint16(n.end);
    const cls = v.getUint16(n.end + 2);
    const ttl = v.getUint32(n.end + 4);
    const rdlength = v.getUint16(n.end + 8);
    const start = n.end + 10;
    if (start + rdlength > b.length) return { error: `record ${i + 1}: RDATA of ${rdlength} bytes runs past the message` };
    const rdata = b.subarray(start, start + rdlength);
    pos = start + rdlength;
    if (i >= counts[1]) continue;
    const flush = cls & 0x8000 ? { cacheFlush: true } : {};
    if (type === DnsType.A && rdlength === 4) answers.push({ name: n.name, type, ...flush, ttl, address: formatIPv4(rdata, 0) });
    else if (type === DnsType.AAAA && rdlength === 16) answers.push({ name: n.name, type, ...flush, ttl, address: formatIPv6(rdata, 0) });
    else answers.push({ name: n.name, type, ...flush, ttl, data: rdata.slice() });
  }
  return { id: v.getUint16(0), response: (flags & 0x8000) !== 0, ...(flags & 0x0400 ? { authoritative: true } : {}), questions, answers };
}
