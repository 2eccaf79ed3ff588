import { Host } from './host.ts';
import type { LinkDirection } from './link-params.ts';
import type { Link } from './link.ts';
import { Network } from './network.ts';

/** Two hosts joined by one link, for tests of link behaviour. */
export function twoHosts(ab: Partial<LinkDirection> = {}, seed = 1): { net: Network; a: Host; b: Host; link: Link } {
  const net = new Network(seed);
  const a = net.add(new Host(net, 'a'));
  const b = net.add(new Host(net, 'b'));
  const link = net.connect('a-b', { node: a, addresses: [{ ip: '10.0.0.1', prefix: 24 }, { ip: 'fd00::1', prefix: 64 }] }, { node: b, addresses: [{ ip: '10.0.0.2', prefix: 24 }, { ip: 'fd00::2', prefix: 64 }] }, ab);
  for (const p of ['0.0.0.0/0', '::/0']) {
    a.routes.add(p, link.a);
    b.routes.add(p, link.b);
  }
  return { net, a, b, link };
}
