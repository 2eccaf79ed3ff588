import { netNote } from './notes.ts';
import type { Hop, JsonValue, NodeKind } from '../core/trace.ts';
import { onesSum } from '../wire/checksum.ts';
import { formatIPv4, formatIPv6 } from '../wire/ip/address.ts';
import { Interface, type InterfaceAddress } from './interface.ts';
import type { Network } from './network.ts';
import { RouteTable } from './routing.ts';
import { encodeIcmpError, offendingDatagram, whyNoError, type IcmpErrorKind } from './icmp/errors.ts';
import { IcmpRateLimiter } from './icmp/rate-limit.ts';
import { fragmentIPv4, isFragment, mayFragment, Reassembler } from './fragment.ts';
import { refragment6, type Reassembled6 } from './nat/ipv6-refragment.ts';
import { findIpv6Fragment, Ipv6Reassembly } from './ipv6-fragment.ts';

/** Anything on the virtual network that owns interfaces and receives datagrams: hosts, routers, NATs, firewalls. */
export abstract class NetNode {
  readonly interfaces: Interface[] = [];
  readonly routes = new RouteTable();
  /** Whether this node sends ICMP errors (real stacks do; some NATs and firewalls are configured not to). */
  icmpErrors = true;
  private icmpLimiter_: IcmpRateLimiter | undefined;
  readonly icmpCounters = { errorsSent: 0, rateLimited: 0 };
  /** Room for a datagram in the trace's arena (a forwarded copy, a host's own): its hop keeps it without a copy. */
  protected readonly arenaRoom = (n: number): Uint8Array => this.net.trace.reserve(n);
  private reassembler_: Reassembler | undefined;
  private reassemblyTimer = false;
  private reassembler6_: Ipv6Reassembly | undefined;
  /**
   * IPv6 fragments are put back together only at their destination (RFC 8200 §4.5): hosts say true; so do NATs, which
   * need the transport header only the first fragment carries (as Linux's nf_defrag_ipv6 does for conntrack).
   */
  protected reassemblesIpv6 = false;
  /** IPv6 datagrams this node reassembled: their largest fragment as it arrived (frag_max_size) and Identification. */
  protected readonly reassembled6 = new WeakMap<Uint8Array, Reassembled6>();
  private reassemblyTimer6 = false;

  constructor(
    readonly net: Network,
    readonly name: string,
    readonly kind: NodeKind,
  ) {}

  addInterface(name: string, addresses: InterfaceAddress[] = []): Interface {
    if (this.interfaces.some((i) => i.name === name)) throw new Error(`${this.name}: interface ${name} exists`);
    const iface = new Interface(this, name, addresses);
    this.interfaces.push(iface);
    return iface;
  }

  ownsAddress(ip: string): boolean {
    return this.interfaces.some((i) => i.has(ip));
  }

  addresses(): string[] {
    return this.interfaces.flatMap((i) => i.addresses.map((a) => a.ip));
  }

  /** Called by a link when a datagram arrives on one of this node's interfaces. */
  abstract receive(iface: Interface, bytes: Uint8Array, hop: Hop): void;

  /** What the topology panel shows about this node. */
  details(): { [key: string]: JsonValue } {
    return {};
  }

  /** The node's ICMP error rate limiter (Linux's defaults), made on first use. */
  get icmpLimiter(): IcmpRateLimiter {
    return (this.icmpLimiter_ ??= new IcmpRateLimiter());
  }

  /**
   * Sends an ICMP error about `offending` back to its source, from this node's address on the route there, when the
   * rules allow one (never about an ICMP error or a non-first fragment) and the rate limiter does. Returns whether
   * one was sent.
   */
  sendIcmpError(e: IcmpErrorKind, offending: Uint8Array): boolean {
    if (!this.icmpErrors) return false;
    const d = offendingDatagram(offending);
    if (!d || whyNoError(d) !== undefined) return false;
    const out = this.routes.lookup(d.src);
    // the outgoing interface's address, else any of the node's (a router whose downstream side has none)
    const from = out?.addressOf(d.family) ?? this.interfaces.map((i) => i.addressOf(d.family)).find((a) => a !== undefined);
    if (!out || from === undefined) return false;
    if (!this.icmpLimiter.allow(this.net.now, d.src, e.kind === 'too-big')) {
      this.icmpCounters.rateLimited++;
      return false;
    }
    this.icmpCounters.errorsSent++;
    out.send(encodeIcmpError(e, offending, d, from), this.net.trace.newPacketId());
    return true;
  }

  /**
   * An arriving IPv4 fragment for this node (a host, or a NAT that must see whole datagrams, as Linux's conntrack
   * defragments): kept until its datagram is whole (RFC 791 §3.2). Returns the whole datagram, or undefined while it
   * waits (or was dropped, with the reason on the hop).
   */
  protected reassemble(bytes: Uint8Array, hop: Hop): Uint8Array | undefined {
    if (bytes[0]! >> 4 === 6) return this.reassemblesIpv6 ? this.reassemble6(bytes, hop) : bytes;
    if (!isFragment(bytes)) return bytes;
    const r = (this.reassembler_ ??= new Reassembler());
    const d = r.add(this.net.now, bytes);
    if (d.kind === 'dropped') {
      this.drop(hop, `IPv4 fragment: ${d.reason}`);
      return undefined;
    }
    this.armReassemblyTimer();
    if (d.kind === 'waiting') return undefined;
    const w = d.datagram;
    this.net.note(this.name, netNote('net.ip.reassembled', `${this.name}: ${d.fragments} fragments reassembled into a ${w.length}-byte datagram from ${formatIPv4(w, 12)} (id ${(w[4]! << 8) | w[5]!})`, { datagram: `${formatIPv4(w, 12)} → ${formatIPv4(w, 16)} id ${(w[4]! << 8) | w[5]!}`, length: w.length, fragments: d.fragments }), hop.packet);
    return w;
  }

  /**
   * An arriving IPv6 datagram for this node: a fragment is kept until its datagram is whole (RFC 8200 §4.5), an
   * atomic fragment goes on alone without its Fragment header (RFC 6946); a malformed fragment is dropped with a
   * Parameter Problem, as §4.5 asks.
   */
  private reassemble6(bytes: Uint8Array, hop: Hop): Uint8Array | undefined {
    if (!this.reassembler6_ && !findIpv6Fragment(bytes)) return bytes;
    const r = (this.reassembler6_ ??= new Ipv6Reassembly());
    const d = r.push(this.net.now, bytes);
    switch (d.kind) {
      case 'whole':
        return d.datagram;
      case 'dropped': {
        const told = d.parameterProblem !== undefined && this.sendIcmpError({ kind: 'parameter-problem', pointer: d.parameterProblem }, bytes);
        this.drop(hop, `IPv6 fragment: ${d.reason}${told ? '; ICMPv6 Parameter Problem sent' : ''}`);
        return undefined;
      }
      case 'pending':
        this.armReassemblyTimer6();
        return undefined;
      case 'complete': {
        const w = d.datagram;
        this.reassembled6.set(w, { largest: d.largest, identification: d.identification, fragments: d.fragments });
        this.net.note(this.name, netNote('net.ip.reassembled', `${this.name}: ${d.fragments} fragments reassembled into a ${w.length}-byte IPv6 datagram from ${formatIPv6(w, 8)} (id 0x${Number(d.key.split(' ').at(-1)).toString(16)})`, { datagram: d.key, length: w.length, fragments: d.fragments }), hop.packet);
        return w;
      }
    }
  }

  /** IPv6 datagrams whose fragments waited 60 s: dropped, with Time Exceeded code 1 about the first fragment when it came (RFC 8200 §4.5). */
  private armReassemblyTimer6(): void {
    const at = this.reassembler6_?.nextDeadline();
    if (at === undefined || this.reassemblyTimer6) return;
    this.reassemblyTimer6 = true;
    this.net.scheduler.at(at, 'ipv6-reassembly', () => {
      this.reassemblyTimer6 = false;
      for (const e of this.reassembler6_!.expire(this.net.now)) {
        const icmp = e.first !== undefined && this.sendIcmpError({ kind: 'reassembly-time-exceeded' }, e.first);
        this.net.note(this.name, netNote('net.ip.reassembly-timeout', `${this.name}: ${e.fragments} fragment(s) of ${e.key} waited 60 s for the rest and were dropped${icmp ? '; ICMPv6 Time Exceeded (fragment reassembly time exceeded) sent' : ''}`, { datagram: e.key, fragments: e.fragments, icmp }));
      }
      this.armReassemblyTimer6();
    });
  }

  /** Expires datagrams whose fragments waited 30 s, with Time Exceeded (code 1) about the first fragment when it came (RFC 792). */
  private armReassemblyTimer(): void {
    const at = this.reassembler_?.nextExpiry();
    if (at === undefined || this.reassemblyTimer) return;
    this.reassemblyTimer = true;
    this.net.scheduler.at(at, 'ip-reassembly', () => {
      this.reassemblyTimer = false;
      for (const e of this.reassembler_!.expire(this.net.now)) {
        const icmp = e.first !== undefined && this.sendIcmpError({ kind: 'reassembly-time-exceeded' }, e.first);
        this.net.note(this.name, netNote('net.ip.reassembly-timeout', `${this.name}: ${e.fragments} fragment(s) of ${e.key} waited 30 s for the rest and were dropped${icmp ? '; ICMP Time Exceeded (fragment reassembly) sent' : ''}`, { datagram: e.key, fragments: e.fragments, icmp }));
      }
      this.armReassemblyTimer();
    });
  }

  /**
   * Sends a datagram out of `out`, split into fragments when it is larger than the link's MTU and may be (IPv4, DF
   * clear; RFC 791 §2.3). Returns the hop of the first.
   */
  protected sendFragmenting(out: Interface, bytes: Uint8Array, packet: number): Hop | undefined {
    const mtu = out.link?.params(out).mtu;
    if (mtu === undefined || bytes.length <= mtu || !mayFragment(bytes)) return out.send(bytes, packet);
    const parts = fragmentIPv4(bytes, mtu);
    if (!parts) return out.send(bytes, packet);
    this.net.note(this.name, netNote('net.ip.fragmented', `${this.name}: a ${bytes.length}-byte datagram to ${formatIPv4(bytes, 16)} split into ${parts.length} fragments for the ${mtu}-byte MTU of ${out.name}`, { id: (bytes[4]! << 8) | bytes[5]!, length: bytes.length, mtu, fragments: parts.length }), packet);
    const first = out.send(parts[0]!, packet);
    for (const f of parts.slice(1)) out.send(f, this.net.trace.newPacketId());
    return first;
  }

  /**
   * `bytes` is an IPv6 datagram this node reassembled (a NAT, to translate it): `translated` leaves in fragments again,
   * or Packet Too Big goes to the sender (nat/ipv6-refragment.ts). False when it was not one (nothing done).
   */
  protected refragment6(bytes: Uint8Array, translated: Uint8Array, hop: Hop, out: Interface, mtu: number | undefined): boolean {
    const v6 = this.reassembled6.get(bytes);
    if (!v6) return false;
    const r = refragment6(translated, v6, mtu, out.name);
    if (r.kind === 'too-big') this.drop(hop, `${r.reason}${this.sendIcmpError({ kind: 'too-big', mtu: r.mtu }, bytes) ? '; ICMPv6 Packet Too Big sent' : ''}`);
    else if (r.kind === 'error') this.drop(hop, r.reason);
    else {
      this.net.note(this.name, netNote('net.ip.fragmented', `${this.name}: ${r.text}`, r.facts), hop.packet);
      out.send(r.parts[0]!, hop.packet);
      for (const f of r.parts.slice(1)) out.send(f, this.net.trace.newPacketId());
    }
    return true;
  }

  /** Marks the arriving hop as dropped here, with the reason in the trace. */
  protected drop(hop: Hop, reason: string): void {
    this.net.dropAt(hop, this.name, reason);
  }

  /**
   * Forwards a datagram that is not for this node: decrements the TTL (dropping it at zero) and sends it out of
   * the interface the routing table chooses.
   */
  protected route(bytes: Uint8Array, packet: number, arriving?: Hop, dst?: string): void {
    const dest = dst ?? destinationOf(bytes);
    const out = dest === undefined ? undefined : this.routes.lookup(dest);
    if (!out) {
      if (arriving) this.drop(arriving, `no route to ${dest ?? 'an unreadable destination'}`);
      else this.net.note(this.name, netNote('net.no-route', `${this.name} has no route to ${dest}`, { dst: dest ?? null }));
      return;
    }
    let outBytes = bytes;
    if (arriving) {
      const fwd = decrementTtl(bytes, this.arenaRoom);
      if (!fwd) {
        // RFC 1812 §5.3.1 / RFC 4443 §3.3: the router says so with Time Exceeded (what traceroute relies on)
        const told = this.sendIcmpError({ kind: 'time-exceeded' }, bytes);
        this.drop(arriving, `TTL expired in transit${told ? '; ICMP Time Exceeded sent' : ''}`);
        return;
      }
      outBytes = fwd;
      const mtu = out.link?.params(out).mtu;
      if (mtu !== undefined && outBytes.length > mtu && mustNotFragment(outBytes)) {
        // RFC 1191 §4 (IPv4 with DF) and RFC 8201 §4 (IPv6, where routers never fragment): Packet Too Big
        const told = this.sendIcmpError({ kind: 'too-big', mtu }, bytes);
        this.drop(arriving, `exceeds the next-hop MTU of ${out.name} (${outBytes.length} bytes > ${mtu}) and may not be fragmented${told ? `; ICMP ${outBytes[0]! >> 4 === 4 ? 'Fragmentation Needed' : 'Packet Too Big'} sent` : ''}`);
        return;
      }
    }
    if (!this.sendFragmenting(out, outBytes, packet) && arriving) this.drop(arriving, `interface ${out.name} is not connected`);
  }
}

/** IPv6 datagrams, and IPv4 datagrams with Don't Fragment set (RFC 791 §3.1 flags), may not be fragmented on the way. */
export function mustNotFragment(bytes: Uint8Array): boolean {
  return bytes[0]! >> 4 === 6 || (bytes[6]! & 0x40) !== 0;
}

/** The destination address of an IPv4 or IPv6 datagram, or undefined if it is neither. */
export function destinationOf(bytes: Uint8Array): string | undefined {
  const v = bytes[0]! >> 4;
  if (v === 4 && bytes.length >= 20) return formatIPv4(bytes, 16);
  if (v === 6 && bytes.length >= 40) return formatIPv6(bytes, 24);
  return undefined;
}

/**
 * A copy with the TTL (IPv4, RFC 791 §3.2) or hop limit (IPv6, RFC 8200 §3) lowered by one and the IPv4 header
 * checksum recomputed; undefined when it would reach zero. `room` gives the zeroed bytes the copy is written into (a
 * router's: the trace's arena, where the hop keeps them).
 */
export function decrementTtl(bytes: Uint8Array, room: (n: number) => Uint8Array = (n) => new Uint8Array(n)): Uint8Array | undefined {
  const v = bytes[0]! >> 4;
  if (v === 4 ? bytes[8]! <= 1 : v === 6 && bytes[7]! <= 1) return undefined;
  const out = room(bytes.length);
  out.set(bytes);
  if (v === 4) {
    out[8] = out[8]! - 1;
    const ihl = (out[0]! & 0x0f) * 4;
    out[10] = 0;
    out[11] = 0;
    const c = ~onesSum(out, 0, ihl) & 0xffff;
    out[10] = c >> 8;
    out[11] = c & 0xff;
    return out;
  }
  if (v === 6) {
    out[7] = out[7]! - 1;
    return out;
  }
  return out;
}
