import { netNote } from './notes.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import type { Hop, JsonValue } from '../core/trace.ts';
import type { Interface } from './interface.ts';
import type { Network } from './network.ts';
import { formatIPv6 } from '../wire/ip/address.ts';
import { destinationOf, NetNode } from './node.ts';
import { readIcmp } from './icmp/receive.ts';
import { linkLocalDropReason } from './multicast.ts';

export type Direction = 'outbound' | 'inbound';

/** The decision logic a firewall node consults for every datagram it forwards. */
export interface FirewallPolicy {
  readonly name: string;
  /** `firstByte`: a UDP payload's first byte (RFC 7983 §7), for rules that inspect it. */
  decide(now: number, direction: Direction, proto: 'udp' | 'tcp' | 'other', src: TransportAddress, dst: TransportAddress, tcpFlags?: number, firstByte?: number): { allow: true } | { allow: false; reason: string };
  /** ICMP errors: filtered as related to the flow of the datagram they quote, when the policy tracks flows. */
  decideRelated?(now: number, direction: Direction, src: TransportAddress, dst: TransportAddress, quoted: { proto: 'udp' | 'tcp' | 'other'; src: TransportAddress; dst: TransportAddress }): { allow: true } | { allow: false; reason: string };
}

/**
 * A firewall: a transparent router between its outside (the uplink) and inside interfaces that lets a datagram
 * through only when its policy allows it; refusals become drop reasons in the trace.
 */
export class FirewallBox extends NetNode {
  readonly stats = { allowed: 0, blocked: 0 };
  private uplink: Interface | undefined;

  constructor(
    net: Network,
    name: string,
    readonly policy: FirewallPolicy,
  ) {
    super(net, name, 'firewall');
  }

  /** Marks which interface faces outside (the uplink); called when the topology is wired. */
  setUplink(iface: Interface): void {
    this.uplink = iface;
  }

  start(): void {
    this.net.note(this.name, netNote('firewall.config', `${this.name} is a firewall with policy ${this.policy.name}`, { policy: this.policy.name }));
  }

  receive(iface: Interface, bytes: Uint8Array, hop: Hop): void {
    const dst = destinationOf(bytes);
    if (dst === undefined) {
      this.drop(hop, 'not an IP datagram');
      return;
    }
    const local = linkLocalDropReason(dst);
    if (local) return this.drop(hop, local);
    const direction: Direction = iface === this.uplink ? 'inbound' : 'outbound';
    const t = transportOf(bytes);
    const icmp = readIcmp(bytes);
    const related = 'error' in icmp || icmp.type !== 'error' || !this.policy.decideRelated ? undefined : icmp.quoted;
    const quotedProto = related ? (related.protocol === 17 ? 'udp' : related.protocol === 6 ? 'tcp' : 'other') : 'other';
    const d = related
      ? this.policy.decideRelated!(this.net.now, direction, t.src, t.dst, { proto: quotedProto, src: { ip: related.src, port: related.srcPort }, dst: { ip: related.dst, port: related.dstPort } })
      : t.proto === 'tcp' && t.flags !== undefined
        ? this.policy.decide(this.net.now, direction, t.proto, t.src, t.dst, t.flags)
        : t.proto === 'udp' && t.firstByte !== undefined
          ? this.policy.decide(this.net.now, direction, t.proto, t.src, t.dst, undefined, t.firstByte)
          : this.policy.decide(this.net.now, direction, t.proto, t.src, t.dst);
    if (!d.allow) {
      this.stats.blocked++;
      this.net.note(this.name, netNote('firewall.blocked', `${this.name} blocked ${direction} ${t.proto.toUpperCase()} ${fmt(t.src)} → ${fmt(t.dst)}: ${d.reason}`, { direction, proto: t.proto }), hop.packet);
      this.drop(hop, `firewall: ${d.reason}`);
      return;
    }
    this.stats.allowed++;
    this.route(bytes, hop.packet, hop, dst);
  }

  override details(): { [key: string]: JsonValue } {
    return { policy: this.policy.name };
  }
}

const fmt = (a: TransportAddress): string => (a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`);

/** Protocol, addresses and ports of an IPv4/IPv6 datagram (ports are 0 for anything but UDP and TCP). */
export function transportOf(b: Uint8Array): { proto: 'udp' | 'tcp' | 'other'; src: TransportAddress; dst: TransportAddress; flags?: number; firstByte?: number } {
  const v4 = b[0]! >> 4 === 4;
  const protoNum = v4 ? b[9]! : b[6]!;
  const l4 = v4 ? (b[0]! & 0x0f) * 4 : 40;
  const srcIp = v4 ? `${b[12]}.${b[13]}.${b[14]}.${b[15]}` : ipv6At(b, 8);
  const dstIp = destinationOf(b) ?? '';
  const proto: 'udp' | 'tcp' | 'other' = protoNum === 17 ? 'udp' : protoNum === 6 ? 'tcp' : 'other';
  // ICMP echo request and reply (types 8/0, 128/129) are tracked by identifier, as conntrack does, in both port slots
  const echo = (protoNum === 1 && (b[l4] === 8 || b[l4] === 0)) || (protoNum === 58 && (b[l4] === 128 || b[l4] === 129));
  const port = (o: number): number => (echo && b.length >= l4 + 6 ? (b[l4 + 4]! << 8) | b[l4 + 5]! : proto === 'other' || b.length < l4 + 4 ? 0 : (b[l4 + o]! << 8) | b[l4 + o + 1]!);
  const out = { proto, src: { ip: srcIp, port: port(0) }, dst: { ip: dstIp, port: port(2) } };
  // the TCP flag byte, for connection tracking (RFC 9293 §3.1: offset 13 of the header)
  // a UDP payload's first byte, past the 8-byte header (RFC 7983 §7 tells STUN, DTLS and RTP apart by it)
  if (proto === 'udp' && b.length > l4 + 8) return { ...out, firstByte: b[l4 + 8]! };
  return proto === 'tcp' && b.length >= l4 + 14 ? { ...out, flags: b[l4 + 13]! } : out;
}

const ipv6At = (b: Uint8Array, o: number): string => formatIPv6(b, o);
