/**
 * DNS names and resource records on the wire (RFC 1035 §3.1, §4.1.3, §4.1.4), for the message codec (message.ts):
 * a name read through compression pointers that may only point backwards, and one record read with a span for each
 * of its fields. A and AAAA data are read as addresses (RFC 1035 §3.4.1, RFC 3596 §2.2); any other type is kept.
 */
import { formatIPv4, formatIPv6 } from '../ip/address.ts';
import type { Reader } from '../reader.ts';

/** The record types the house reads by name (IANA DNS parameters; RFC 6762 uses ANY in probes, §8.1). */
export const DnsType = { A: 1, NS: 2, CNAME: 5, PTR: 12, HINFO: 13, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, NSEC: 47, ANY: 255 } as const;

const TYPE_NAMES = new Map<number, string>(Object.entries(DnsType).map(([k, v]) => [v, k]));

/** The type's mnemonic, or undefined for a type not named here. */
export function dnsTypeNameOrUndefined(t: number): string | undefined {
  return TYPE_NAMES.get(t);
}

/** "A", "AAAA", "TYPE65280" (RFC 3597 §5 writes unknown types so). */
export function dnsTypeName(t: number): string {
  return TYPE_NAMES.get(t) ?? `TYPE${t}`;
}

export interface DnsRecord {
  readonly name: string;
  readonly type: number;
  /** RFC 6762 §10.2: the cache-flush bit, this record replaces what the cache holds for the name. */
  readonly cacheFlush?: boolean;
  /** Seconds; 0 in a response is a goodbye (RFC 6762 §10.1). */
  readonly ttl: number;
  /** The address for A and AAAA records. */
  readonly address?: string;
  /** RDATA of any other type, as it is. */
  readonly data?: Uint8Array;
}

const textDecoder = new TextDecoder();

/** Reads a name at `at`; returns it and where the name ended in the message (after a pointer, the pointer's end). */
export function readName(b: Uint8Array, at: number): { name: string; end: number } | { error: string } {
  const labels: string[] = [];
  let pos = at;
  let end: number | undefined;
  let length = 0;
  let hops = 0;
  for (;;) {
    if (pos >= b.length) return { error: `name at byte ${at} runs past the message` };
    const len = b[pos]!;
    if (len === 0) break;
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= b.length) return { error: `compression pointer at byte ${pos} is cut` };
      const target = ((len & 0x3f) << 8) | b[pos + 1]!;
      // RFC 1035 §4.1.4: a pointer names an earlier occurrence; one pointing forward or at itself could loop
      if (target >= pos) return { error: `compression pointer at byte ${pos} points forward (to ${target})` };
      // a name of at most 255 bytes has at most 127 labels, so no more pointers than that: a chain of pointers to
      // pointers (each backwards, so finite) is cut short instead of walked across the whole message
      if (++hops > 127) return { error: `name at byte ${at} follows more than 127 compression pointers` };
      end ??= pos + 2;
      pos = target;
      continue;
    }
    if ((len & 0xc0) !== 0) return { error: `label type 0x${(len & 0xc0).toString(16)} at byte ${pos} is not defined` };
    if (pos + 1 + len > b.length) return { error: `label at byte ${pos} runs past the message` };
    length += len + 1;
    if (length > 255) return { error: `name at byte ${at} is longer than 255 bytes (RFC 1035 §3.1)` };
    labels.push(textDecoder.decode(b.subarray(pos + 1, pos + 1 + len)));
    pos += 1 + len;
  }
  return { name: labels.join('.'), end: end ?? pos + 1 };
}

/** RFC 1035 §3.4.1 and RFC 3596 §2.2: the only RDATA length an address record may have. */
const ADDRESS_LENGTH = new Map<number, number>([
  [DnsType.A, 4],
  [DnsType.AAAA, 16],
]);

/** "<name>: type A, class IN, cache flush, addr 192.0.2.1, TTL 120" as a record's group reads. */
function describeRecord(v: DnsRecord): string {
  const data = v.address !== undefined ? `, addr ${v.address}` : '';
  return `${v.name}: type ${dnsTypeName(v.type)}${v.cacheFlush ? ', cache flush' : ''}${data}, TTL ${v.ttl}`;
}

/**
 * Reads one resource record at the reader's position (which is `b`'s own offset: the reader reads `b` from 0),
 * its fields grouped; or an error and where the record began, having read nothing.
 */
export function readRecord(r: Reader, b: Uint8Array): DnsRecord | { error: string; at: number } {
  const start = r.pos;
  const n = readName(b, start);
  if ('error' in n) return { error: n.error, at: start };
  if (n.end + 10 > b.length) return { error: `header cut at byte ${n.end}`, at: start };
  const type = (b[n.end]! << 8) | b[n.end + 1]!;
  const rdlength = (b[n.end + 8]! << 8) | b[n.end + 9]!;
  const dataAt = n.end + 10;
  if (dataAt + rdlength > b.length) return { error: `RDATA of ${rdlength} bytes runs past the message`, at: start };
  const want = ADDRESS_LENGTH.get(type);
  if (want !== undefined && rdlength !== want) return { error: `${dnsTypeName(type)} record with ${rdlength} bytes of RDATA, ${want} expected (${type === DnsType.A ? 'RFC 1035 §3.4.1' : 'RFC 3596 §2.2'})`, at: start };
  return r.group('Record', () => {
    r.skip(n.end - start, 'Name', () => n.name);
    r.u16('Type', (t) => `${dnsTypeName(t)} (${t})`);
    const cls = (b[r.pos]! << 8) | b[r.pos + 1]!;
    r.fieldBits('Cache flush', r.pos, 2, 0, 1, cls & 0x8000 ? 'True (RFC 6762 §10.2)' : 'False');
    r.fieldBits('Class', r.pos, 2, 1, 15, (cls & 0x7fff) === 1 ? 'IN (0x0001)' : `0x${(cls & 0x7fff).toString(16).padStart(4, '0')}`);
    r.u16();
    const ttl = r.u32('Time to live', (t) => (t === 0 ? '0 (goodbye: remove the record, RFC 6762 §10.1)' : `${t} s`));
    r.u16('Data length');
    const flush = cls & 0x8000 ? { cacheFlush: true } : {};
    if (type === DnsType.A || type === DnsType.AAAA) {
      const address = type === DnsType.A ? formatIPv4(b, dataAt) : formatIPv6(b, dataAt);
      r.skip(rdlength, 'Address', () => address);
      return { name: n.name, type, ...flush, ttl, address };
    }
    const data = r.bytes(rdlength, rdlength ? 'Data' : undefined).slice();
    return { name: n.name, type, ...flush, ttl, data };
  }, describeRecord);
}
