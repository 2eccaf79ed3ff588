import type { Hop } from '../core/trace.ts';
import type { Interface } from './interface.ts';
import type { Network } from './network.ts';
import { destinationOf, NetNode } from './node.ts';
import { encodeEchoDatagram } from './icmp/echo.ts';
import { readIcmp } from './icmp/receive.ts';
import { linkLocalDropReason } from './multicast.ts';

/** A plain IP router (the public internet is one): forwards by longest-prefix match, lowering the TTL. */
export class Router extends NetNode {
  constructor(net: Network, name: string) {
    super(net, name, name === 'internet' ? 'internet' : 'router');
  }

  receive(_iface: Interface, bytes: Uint8Array, hop: Hop): void {
    const dst = destinationOf(bytes);
    if (dst !== undefined && this.ownsAddress(dst)) {
      this.toSelf(bytes, hop, dst);
      return;
    }
    const local = linkLocalDropReason(dst);
    if (local) return this.drop(hop, local);
    this.route(bytes, hop.packet, hop, dst);
  }

  /** A router answers ping (RFC 1812 §4.3.3.6) and says Port Unreachable to UDP (the last hop of a UDP traceroute). */
  private toSelf(bytes: Uint8Array, hop: Hop, dst: string): void {
    const m = readIcmp(bytes);
    if (!('error' in m) && m.type === 'echo-request') {
      const data = bytes.subarray(m.at + m.message.bodyOffset, m.at + m.message.bodyOffset + m.message.bodyLength).slice();
      const out = this.routes.lookup(m.src);
      if (out) out.send(encodeEchoDatagram(dst, m.src, 'reply', m.message.identifier ?? 0, m.message.sequence ?? 0, data), this.net.trace.newPacketId());
      return;
    }
    const udp = (bytes[0]! >> 4 === 4 ? bytes[9] : bytes[6]) === 17;
    const told = udp && this.sendIcmpError({ kind: 'port-unreachable' }, bytes);
    this.drop(hop, `addressed to the router itself (${dst}), which runs no service${told ? '; ICMP Port Unreachable sent' : ''}`);
  }
}
