import { parseIp, parseIpShared, prefixMatches } from '../wire/ip/address.ts';
import type { Interface } from './interface.ts';

interface Route {
  readonly prefix: string;
  readonly net: Uint8Array;
  readonly bits: number;
  readonly iface: Interface;
}

/** A routing table: longest-prefix match from a destination address to an outgoing interface. */
export class RouteTable {
  private readonly routes: Route[] = [];

  /** Adds a route such as "192.168.1.0/24", "0.0.0.0/0" or "::/0". */
  add(prefix: string, iface: Interface): void {
    const slash = prefix.indexOf('/');
    const net = parseIp(slash >= 0 ? prefix.slice(0, slash) : prefix);
    if (!net) throw new Error(`route: not a prefix: ${prefix}`);
    const bits = slash >= 0 ? Number(prefix.slice(slash + 1)) : net.length * 8;
    if (!Number.isInteger(bits) || bits < 0 || bits > net.length * 8) throw new Error(`route: bad prefix length in ${prefix}`);
    this.routes.push({ prefix, net, bits, iface });
    // longest prefix first; ties keep insertion order (Array.prototype.sort is stable)
    this.routes.sort((x, y) => y.bits - x.bits);
  }

  lookup(ip: string): Interface | undefined {
    const addr = parseIpShared(ip);
    if (!addr) return undefined;
    for (const r of this.routes) {
      if (r.net.length === addr.length && prefixMatches(addr, r.net, r.bits)) return r.iface;
    }
    return undefined;
  }

  list(): { prefix: string; iface: string }[] {
    return this.routes.map((r) => ({ prefix: r.prefix, iface: r.iface.toString() }));
  }
}
