import type { Micros } from '../core/time.ts';
import { SECOND } from '../core/time.ts';
import { formatIPv6 } from '../wire/ip/address.ts';
import { IpReassembler, type ReassemblyResult } from '../wire/ip/reassembly.ts';
import { IPPROTO } from '../wire/ip/protocols.ts';

/**
 * IPv6 fragmentation as an end host does it (RFC 8200 §4.5: routers never fragment IPv6, the source does) and the
 * per-destination path MTU that Packet Too Big lowers (RFC 8201). The splitting and reassembly themselves are the
 * codec layer's (sim/wire/ip/fragment.ts, sim/wire/ip/reassembly.ts), shared with the dissector.
 */

/** RFC 8200 §5: every IPv6 link carries 1280 bytes; no path MTU is ever taken below it (RFC 8201 §4). */
export const IPV6_MIN_MTU = 1280;

/** Where an IPv6 datagram's Fragment header is, and what it says; undefined when it has none (or is not IPv6). */
export interface Ipv6FragmentHeader {
  /** Offset of the Fragment header, and of the Next Header byte that names it (6, or in an earlier extension). */
  readonly at: number;
  readonly nextHeaderAt: number;
  /** The header after the fragmentable part (UDP 17 …). */
  readonly nextHeader: number;
  /** Byte offset of this fragment's data, More Fragments, identification. */
  readonly offset: number;
  readonly more: boolean;
  readonly identification: number;
}

/** The upper layer of an IPv6 datagram past its extension headers, and its Fragment header when it has one. */
export interface Ipv6Chain {
  /** The protocol after the chain (17 UDP, 58 ICMPv6 …) and where it starts; for a non-first fragment, where its data starts. */
  readonly protocol: number;
  readonly at: number;
  readonly fragment?: Ipv6FragmentHeader;
}

/** Walks the extension header chain (Hop-by-Hop, Routing, Destination Options, Fragment: RFC 8200 §4.1). */
export function walkIpv6(b: Uint8Array): Ipv6Chain | undefined {
  if (b.length < 40 || b[0]! >> 4 !== 6) return undefined;
  let next = b[6]!;
  let nextHeaderAt = 6;
  let at = 40;
  let fragment: Ipv6FragmentHeader | undefined;
  for (let hops = 0; hops < 16; hops++) {
    if (next === IPPROTO.IPV6_FRAG) {
      if (at + 8 > b.length || fragment) return undefined;
      const word = (b[at + 2]! << 8) | b[at + 3]!;
      const identification = ((b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!) >>> 0;
      fragment = { at, nextHeaderAt, nextHeader: b[at]!, offset: word & 0xfff8, more: (word & 1) === 1, identification };
      nextHeaderAt = at;
      next = b[at]!;
      at += 8;
      // a later fragment's data is not a header: the chain ends here (RFC 8200 §4.5)
      if (fragment.offset !== 0) break;
      continue;
    }
    if (next !== IPPROTO.HOPOPT && next !== IPPROTO.IPV6_ROUTE && next !== IPPROTO.IPV6_OPTS) break;
    if (at + 2 > b.length) return undefined;
    nextHeaderAt = at;
    next = b[at]!;
    at += (b[at + 1]! + 1) * 8;
  }
  return { protocol: next, at, ...(fragment ? { fragment } : {}) };
}

/** The Fragment header of an IPv6 datagram, or undefined when it has none (or is not IPv6). */
export function findIpv6Fragment(b: Uint8Array): Ipv6FragmentHeader | undefined {
  return walkIpv6(b)?.fragment;
}

/**
 * An atomic fragment (offset 0, M clear: RFC 6946) is a whole datagram with a Fragment header in it: it is processed
 * on its own, never joined with other fragments of the same identification. Returns the datagram without it.
 */
export function stripFragmentHeader(b: Uint8Array, f: Ipv6FragmentHeader): Uint8Array {
  const end = Math.min(b.length, 40 + ((b[4]! << 8) | b[5]!));
  const out = new Uint8Array(end - 8);
  out.set(b.subarray(0, f.at));
  out.set(b.subarray(f.at + 8, end), f.at);
  out[f.nextHeaderAt] = f.nextHeader;
  const payloadLength = out.length - 40;
  out[4] = payloadLength >> 8;
  out[5] = payloadLength & 0xff;
  return out;
}

/** Linux's net.ipv6.route.mtu_expires: a learnt path MTU is forgotten after 10 minutes (RFC 8201 §4 asks ≥ 5). */
export const PMTU_EXPIRES: Micros = 600 * SECOND;

/**
 * A host's path MTU per destination (RFC 8201 §5.2, "associate the PMTU with the destination"): a destination
 * starts at its first hop's link MTU (§4); a Packet Too Big lowers it to the MTU it reports, never below 1280 and
 * never up; after 10 minutes the estimate is dropped and the link MTU tried again (§4: "at least 5 minutes").
 */
export class PathMtuCache {
  private readonly learnt = new Map<string, { mtu: number; at: Micros }>();

  /** The path MTU to use towards `dst` now, given the first hop's link MTU. */
  get(now: Micros, dst: string, linkMtu: number): number {
    const e = this.learnt.get(dst);
    if (!e) return linkMtu;
    if (now - e.at >= PMTU_EXPIRES) {
      this.learnt.delete(dst);
      return linkMtu;
    }
    return Math.min(e.mtu, linkMtu);
  }

  /**
   * A Packet Too Big about a datagram to `dst` reports `mtu`: returns the new estimate when it is lower than the
   * current one, or undefined when nothing changes (a larger value is ignored, RFC 8201 §4; a value below 1280 is
   * taken as 1280, RFC 8200 §5, with no atomic fragments since RFC 8021).
   */
  lower(now: Micros, dst: string, mtu: number, linkMtu: number): { previous: number; mtu: number } | undefined {
    const previous = this.get(now, dst, linkMtu);
    const next = Math.max(IPV6_MIN_MTU, mtu);
    if (next >= previous) return undefined;
    this.learnt.set(dst, { mtu: next, at: now });
    return { previous, mtu: next };
  }

  /** Destinations with a learnt path MTU (for the topology panel). */
  entries(): { dst: string; mtu: number }[] {
    return [...this.learnt].map(([dst, e]) => ({ dst, mtu: e.mtu }));
  }
}

const MAX_FIRSTS = 64;

/** What the host's IPv6 reassembly gives back for one arriving datagram. */
export type Ipv6Arrival =
  | { readonly kind: 'whole'; readonly datagram: Uint8Array; readonly atomic: boolean }
  | { readonly kind: 'pending' }
  /** `largest`: the largest fragment as it arrived (Linux's frag_max_size); `identification`: the Fragment header's. */
  | { readonly kind: 'complete'; readonly datagram: Uint8Array; readonly fragments: number; readonly key: string; readonly largest: number; readonly identification: number }
  /** `parameterProblem`: the pointer a Parameter Problem code 0 names (RFC 8200 §4.5: 4, the Payload Length; the Fragment Offset field). */
  | { readonly kind: 'dropped'; readonly reason: string; readonly parameterProblem?: number };

export interface Ipv6Expired {
  readonly key: string;
  readonly fragments: number;
  /** The offset-0 fragment as it arrived, to quote in Time Exceeded (code 1), when it came (RFC 8200 §4.5). */
  readonly first: Uint8Array | undefined;
}

/**
 * The destination's side of RFC 8200 §4.5 over the codec layer's IpReassembler: fragments keyed by source,
 * destination and identification, 60 s to complete, overlapping fragments discarding the whole datagram (RFC 5722),
 * atomic fragments handed on alone (RFC 6946), and the first fragment kept for the Time Exceeded a timeout sends.
 */
export class Ipv6Reassembly {
  private readonly r = new IpReassembler();
  private readonly firsts = new Map<string, Uint8Array>();
  /** The largest fragment seen per datagram, bounded as `firsts`. */
  private readonly largest = new Map<string, number>();

  push(now: Micros, b: Uint8Array): Ipv6Arrival {
    const f = findIpv6Fragment(b);
    if (!f) return { kind: 'whole', datagram: b, atomic: false };
    if (f.offset === 0 && !f.more) return { kind: 'whole', datagram: stripFragmentHeader(b, f), atomic: true };
    const payloadEnd = 40 + ((b[4]! << 8) | b[5]!);
    const dataLength = payloadEnd - f.at - 8;
    // RFC 8200 §4.5: a non-last fragment whose length is not a multiple of 8 → Parameter Problem at the Payload Length
    if (f.more && (dataLength <= 0 || dataLength % 8 !== 0)) return { kind: 'dropped', reason: `a fragment with M set carries ${dataLength} bytes, not a multiple of 8`, parameterProblem: 4 };
    // … and one that would end past 65,535 bytes → Parameter Problem at the Fragment Offset field
    if (f.offset + dataLength > 65535) return { kind: 'dropped', reason: `a fragment at ${f.offset} ends past 65,535 bytes`, parameterProblem: f.at + 2 };
    const res: ReassemblyResult = this.r.push(now, b);
    const key = 'key' in res ? res.key : undefined;
    const largest = Math.max(b.length, key !== undefined ? (this.largest.get(key) ?? 0) : 0);
    switch (res.kind) {
      case 'whole':
        return { kind: 'whole', datagram: res.datagram, atomic: false };
      case 'pending':
        this.largest.set(res.key, largest);
        if (this.largest.size > MAX_FIRSTS) this.largest.delete(this.largest.keys().next().value!);
        if (f.offset === 0) {
          this.firsts.set(res.key, b.slice());
          // bounded like the reassembler's own state (its partials may be evicted without a word)
          if (this.firsts.size > MAX_FIRSTS) this.firsts.delete(this.firsts.keys().next().value!);
        }
        return { kind: 'pending' };
      case 'complete':
        this.firsts.delete(res.key);
        this.largest.delete(res.key);
        return { kind: 'complete', datagram: res.datagram, fragments: res.fragments, key: res.key, largest, identification: f.identification };
      case 'dropped':
        if (res.key !== undefined) {
          this.firsts.delete(res.key);
          this.largest.delete(res.key);
        }
        return { kind: 'dropped', reason: res.reason };
    }
  }

  /** Forgets datagrams whose 60 s are up, with their first fragment when it came. */
  expire(now: Micros): Ipv6Expired[] {
    return this.r.expire(now).map((e) => {
      const first = this.firsts.get(e.key);
      this.firsts.delete(e.key);
      this.largest.delete(e.key);
      return { key: e.key, fragments: e.fragments, first };
    });
  }

  nextDeadline(): Micros | undefined {
    return this.r.nextDeadline();
  }
}

/** "2001:db8:a::10 → 2001:db8:5::10 id 0x1a2b3c4d" for notes. */
export function describeIpv6Datagram(b: Uint8Array, identification?: number): string {
  const id = identification === undefined ? '' : ` id 0x${identification.toString(16).padStart(8, '0')}`;
  return `${formatIPv6(b, 8)} → ${formatIPv6(b, 24)}${id}`;
}
