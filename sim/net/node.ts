import { netNote } from './notes.ts';
import type { Hop, JsonValue, NodeKind } from '../core/trace.ts';
import { onesSum } from '../wire/checksum.ts';
import { formatIPv4, formatIPv6 } from '../wire/ip/address.ts';
import { Interface, type InterfaceAddress } from './interface.ts';
import type { Network } from './network.ts';
import { RouteTable } from './routing.ts';

/** Anything on the virtual network that owns interfaces and receives datagrams: hosts, routers, NATs, firewalls. */
export abstract class NetNode {
  readonly interfaces: Interface[] = [];
  readonly routes = new RouteTable();

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
      const fwd = decrementTtl(bytes);
      if (!fwd) {
        this.drop(arriving, 'TTL expired in transit');
        return;
      }
      outBytes = fwd;
    }
    if (!out.send(outBytes, packet) && arriving) this.drop(arriving, `interface ${out.name} is not connected`);
  }
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
 * checksum recomputed; undefined when it would reach zero.
 */
export function decrementTtl(bytes: Uint8Array): Uint8Array | undefined {
  const v = bytes[0]! >> 4;
  const out = new Uint8Array(bytes.length); // a copy (cheaper than slice() per packet)
  out.set(bytes);
  if (v === 4) {
    if (out[8]! <= 1) return undefined;
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
    if (out[7]! <= 1) return undefined;
    out[7] = out[7]! - 1;
    return out;
  }
  return out;
}
