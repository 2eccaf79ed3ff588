import type { Micros } from '../core/time.ts';
import { SECOND } from '../core/time.ts';
import { onesSum } from '../wire/checksum.ts';

/** IPv4 flags and fragment offset (RFC 791 §3.1): bytes 6–7 of the header. */
const MF = 0x20;
const DF = 0x40;

/** Whether an IPv4 datagram is a fragment: More Fragments set, or a non-zero offset. IPv6 never here (hosts only). */
export function isFragment(b: Uint8Array): boolean {
  return b[0]! >> 4 === 4 && b.length >= 20 && ((b[6]! & MF) !== 0 || ((b[6]! & 0x1f) | b[7]!) !== 0);
}

/** Whether an IPv4 datagram may be fragmented on the way (Don't Fragment clear). */
export function mayFragment(b: Uint8Array): boolean {
  return b[0]! >> 4 === 4 && (b[6]! & DF) === 0;
}

/**
 * Splits an IPv4 datagram into fragments that fit `mtu` (RFC 791 §2.3, "Fragmentation"; §3.2 procedure): each
 * carries the header (options that are not copied are dropped from later fragments — none are sent here), a data
 * length that is a multiple of 8 except in the last, the offset in 8-byte units, More Fragments on all but the last
 * (keeping the original's MF when it was itself a fragment), and a fresh header checksum. Returns [datagram] when it
 * already fits; undefined when it may not be fragmented or `mtu` cannot hold a header and 8 bytes.
 */
export function fragmentIPv4(b: Uint8Array, mtu: number): Uint8Array[] | undefined {
  const total = (b[2]! << 8) | b[3]!;
  if (total <= mtu) return [b];
  if (!mayFragment(b)) return undefined;
  const ihl = (b[0]! & 0x0f) * 4;
  const room = Math.floor((mtu - ihl) / 8) * 8;
  if (room < 8) return undefined;
  const baseOffset = (((b[6]! & 0x1f) << 8) | b[7]!) * 8;
  const lastHadMf = (b[6]! & MF) !== 0;
  const data = b.subarray(ihl, total);
  const out: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += room) {
    const chunk = data.subarray(at, Math.min(data.length, at + room));
    const last = at + room >= data.length;
    const f = new Uint8Array(ihl + chunk.length);
    f.set(b.subarray(0, ihl));
    f.set(chunk, ihl);
    f[2] = f.length >> 8;
    f[3] = f.length & 0xff;
    const offset = (baseOffset + at) / 8;
    f[6] = ((last && !lastHadMf) ? 0 : MF) | ((offset >> 8) & 0x1f);
    f[7] = offset & 0xff;
    setHeaderChecksum(f, ihl);
    out.push(f);
  }
  return out;
}

function setHeaderChecksum(f: Uint8Array, ihl: number): void {
  f[10] = 0;
  f[11] = 0;
  const c = ~onesSum(f, 0, ihl) & 0xffff;
  f[10] = c >> 8;
  f[11] = c & 0xff;
}

/** Linux's defaults: net.ipv4.ipfrag_time (30 s) and a bound on datagrams being put back together. */
export const REASSEMBLY_TIMEOUT: Micros = 30 * SECOND;
const MAX_PENDING = 64;

interface Pending {
  readonly key: string;
  readonly started: Micros;
  /** The first fragment's header (offset 0), when it has come. */
  header: Uint8Array | undefined;
  /** Data ranges by offset in bytes: [start, bytes]. */
  readonly parts: [number, Uint8Array][];
  /** The total data length, known once the last fragment (MF clear) has come. */
  end: number | undefined;
}

export type ReassemblyResult =
  | { readonly kind: 'complete'; readonly datagram: Uint8Array; readonly fragments: number }
  | { readonly kind: 'waiting' }
  | { readonly kind: 'dropped'; readonly reason: string };

/** What expired without its last piece: the first fragment (for Time Exceeded, RFC 792 code 1), if it came. */
export interface ExpiredDatagram {
  readonly key: string;
  readonly first: Uint8Array | undefined;
  readonly fragments: number;
}

/**
 * Puts IPv4 fragments back together (RFC 791 §3.2 reassembly; RFC 815's holes as ranges), keyed by source,
 * destination, protocol and identification. Overlapping fragments drop the whole datagram (as Linux does since
 * CVE-era hardening; RFC 5722 mandates it for IPv6); bounded state: at most 64 datagrams wait, each for 30 s.
 */
export class Reassembler {
  private readonly pending = new Map<string, Pending>();

  add(now: Micros, b: Uint8Array): ReassemblyResult {
    const ihl = (b[0]! & 0x0f) * 4;
    const total = (b[2]! << 8) | b[3]!;
    if (total < ihl || total > b.length) return { kind: 'dropped', reason: 'fragment length field disagrees with its bytes' };
    const key = `${b[12]}.${b[13]}.${b[14]}.${b[15]}>${b[16]}.${b[17]}.${b[18]}.${b[19]}/${b[9]}/${(b[4]! << 8) | b[5]!}`;
    const offset = (((b[6]! & 0x1f) << 8) | b[7]!) * 8;
    const more = (b[6]! & MF) !== 0;
    const data = b.slice(ihl, total);
    if (more && data.length % 8 !== 0) return { kind: 'dropped', reason: 'a fragment other than the last must carry a multiple of 8 bytes (RFC 791 §3.2)' };
    if (offset + data.length > 65535 - ihl) return { kind: 'dropped', reason: 'fragment past 65,535 bytes' };
    let p = this.pending.get(key);
    if (!p) {
      if (this.pending.size >= MAX_PENDING) return { kind: 'dropped', reason: `${MAX_PENDING} datagrams already wait for their fragments` };
      p = { key, started: now, header: undefined, parts: [], end: undefined };
      this.pending.set(key, p);
    }
    for (const [s, d] of p.parts) {
      if (offset < s + d.length && s < offset + data.length) {
        this.pending.delete(key);
        return { kind: 'dropped', reason: `overlapping fragment at offset ${offset}: the whole datagram is dropped` };
      }
    }
    if (offset === 0) p.header = b.slice(0, ihl);
    if (!more) {
      if (p.end !== undefined && p.end !== offset + data.length) {
        this.pending.delete(key);
        return { kind: 'dropped', reason: 'two last fragments disagree on the length' };
      }
      p.end = offset + data.length;
    }
    p.parts.push([offset, data]);
    if (p.header === undefined || p.end === undefined) return { kind: 'waiting' };
    p.parts.sort((a, c) => a[0] - c[0]);
    let covered = 0;
    for (const [s, d] of p.parts) {
      if (s !== covered) return { kind: 'waiting' };
      covered += d.length;
    }
    if (covered !== p.end) return { kind: 'waiting' };
    this.pending.delete(key);
    const h = p.header;
    const whole = new Uint8Array(h.length + p.end);
    whole.set(h);
    for (const [s, d] of p.parts) whole.set(d, h.length + s);
    whole[2] = whole.length >> 8;
    whole[3] = whole.length & 0xff;
    whole[6] = whole[6]! & DF; // reassembled: no MF, offset 0
    whole[7] = 0;
    setHeaderChecksum(whole, h.length);
    return { kind: 'complete', datagram: whole, fragments: p.parts.length };
  }

  /** Datagrams whose fragments have waited `REASSEMBLY_TIMEOUT` or longer: forgotten, and returned. */
  expire(now: Micros): ExpiredDatagram[] {
    const out: ExpiredDatagram[] = [];
    for (const p of this.pending.values()) {
      if (now - p.started < REASSEMBLY_TIMEOUT) continue;
      this.pending.delete(p.key);
      const first = p.header && p.parts.find(([s]) => s === 0);
      out.push({ key: p.key, first: first ? concat(p.header!, first[1]) : undefined, fragments: p.parts.length });
    }
    return out;
  }

  /** When the oldest waiting datagram expires, or undefined when none waits. */
  nextExpiry(): Micros | undefined {
    let t: Micros | undefined;
    for (const p of this.pending.values()) if (t === undefined || p.started + REASSEMBLY_TIMEOUT < t) t = p.started + REASSEMBLY_TIMEOUT;
    return t;
  }

  get size(): number {
    return this.pending.size;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length + b.length);
  o.set(a);
  o.set(b, a.length);
  return o;
}
