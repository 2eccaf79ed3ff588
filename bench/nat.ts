import { Host } from '../sim/net/host.ts';
import { NatBox } from '../sim/net/nat-box.ts';
import { natPreset } from '../sim/net/nat/presets.ts';
import { Network } from '../sim/net/network.ts';
import { Router } from '../sim/net/router.ts';
import { best, rate, row } from './measure.ts';

const N = 100_000;

/**
 * Datagrams per second through a NAT (host → link → NAT rewrite → link → router → link → host, each crossing
 * recorded as a hop), beside a baseline: the same path through a plain router instead of the NAT.
 */
export function benchNat(): void {
  process.stdout.write('datagrams through a NAT\n');
  const build = (withNat: boolean): (() => void) => () => {
    const net = new Network(1);
    const alice = net.add(new Host(net, 'alice'));
    const server = net.add(new Host(net, 'server'));
    const internet = net.add(new Router(net, 'internet'));
    const mid = withNat
      ? net.add(new NatBox(net, 'nat', natPreset('port-restricted-cone'), 'port-restricted-cone', { ip: '192.168.1.1', prefix: 24 }, ['203.0.113.1']))
      : net.add(new Router(net, 'nat'));
    const l1 = net.connect('alice-lan', { node: alice, addresses: [{ ip: withNat ? '192.168.1.10' : '203.0.113.10', prefix: 24 }] }, { node: mid, addresses: withNat ? [{ ip: '192.168.1.1', prefix: 24 }] : [] });
    const l2 = net.connect('nat-wan', { node: mid, addresses: withNat ? [{ ip: '203.0.113.1', prefix: 32 }] : [] }, { node: internet });
    const l3 = net.connect('server-wan', { node: server, addresses: [{ ip: '198.51.100.1', prefix: 24 }] }, { node: internet });
    alice.routes.add('0.0.0.0/0', l1.a);
    mid.routes.add('0.0.0.0/0', l2.a);
    mid.routes.add(withNat ? '192.168.1.10/32' : '203.0.113.10/32', l1.b);
    internet.routes.add(withNat ? '203.0.113.1/32' : '203.0.113.10/32', l2.b);
    internet.routes.add('198.51.100.1/32', l3.b);
    server.routes.add('0.0.0.0/0', l3.a);
    const sock = alice.bindUdp(withNat ? '192.168.1.10' : '203.0.113.10', 5000);
    let got = 0;
    server.bindUdp('198.51.100.1', 3478).onDatagram(() => got++);
    const payload = new Uint8Array(100);
    for (let i = 0; i < N; i++) net.scheduler.at(i * 10, 'send', () => sock.send({ ip: '198.51.100.1', port: 3478 }, payload));
    net.run(N * 10 + 1_000_000);
    if (got !== N) throw new Error(`bench: ${got} of ${N} datagrams arrived`);
  };
  const tn = best(build(true), 3);
  const tr = best(build(false), 3);
  row('datagrams through a NAT (3 hops each)', rate(N, tn));
  row('baseline: same path through a plain router', rate(N, tr));
  row('NAT / router', `${(tr / tn).toFixed(2)}×`, '(the cost of translation and mapping lookups)');
}
