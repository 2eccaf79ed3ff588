import type { Hop } from '../core/trace.ts';
import type { Interface } from './interface.ts';
import type { Network } from './network.ts';
import { destinationOf, NetNode } from './node.ts';
import { isMulticast } from './multicast.ts';

/**
 * A LAN segment: a layer-2 switch joining the hosts of one subnet and their gateway. It forwards each datagram
 * to the port that owns its destination address (or up to the gateway) unchanged — no TTL decrement, no
 * checksum change — so hosts on one segment reach each other directly, as on a real LAN. A multicast datagram goes
 * out of every port but the one it came in on (sim/net/multicast.ts).
 */
export class Switch extends NetNode {
  constructor(net: Network, name: string) {
    super(net, name, 'switch');
  }

  receive(iface: Interface, bytes: Uint8Array, hop: Hop): void {
    const dst = destinationOf(bytes);
    if (dst !== undefined && isMulticast(dst)) {
      // flooded to every other port (no IGMP/MLD snooping): each host of the segment, and the gateway, which drops it
      for (const i of this.interfaces) if (i !== iface && i.link) i.send(bytes, hop.packet);
      return;
    }
    const out = dst === undefined ? undefined : this.routes.lookup(dst);
    if (!out) {
      this.drop(hop, `no port leads to ${dst ?? 'an unreadable destination'}`);
      return;
    }
    if (out === iface) {
      this.drop(hop, `destination ${dst} is behind the port it came from`);
      return;
    }
    out.send(bytes, hop.packet);
  }
}
