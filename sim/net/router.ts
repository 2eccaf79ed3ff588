import type { Hop } from '../core/trace.ts';
import type { Interface } from './interface.ts';
import type { Network } from './network.ts';
import { destinationOf, NetNode } from './node.ts';

/** A plain IP router (the public internet is one): forwards by longest-prefix match, lowering the TTL. */
export class Router extends NetNode {
  constructor(net: Network, name: string) {
    super(net, name, name === 'internet' ? 'internet' : 'router');
  }

  receive(_iface: Interface, bytes: Uint8Array, hop: Hop): void {
    const dst = destinationOf(bytes);
    if (dst !== undefined && this.ownsAddress(dst)) {
      this.drop(hop, `addressed to the router itself (${dst}), which runs no service`);
      return;
    }
    this.route(bytes, hop.packet, hop, dst);
  }
}
