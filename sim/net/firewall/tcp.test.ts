// Firewall presets with real TCP: web-only lets out connections to 80 and 443 and nothing else, block-udp leaves
// TCP alone, drop-all-inbound admits replies but no inbound SYN, a rule for new connections matches only a SYN,
// and a half-open flow is forgotten after the transitory timeout.
import { describe, expect, it } from 'vitest';
import { MS, SECOND } from '../../core/time.ts';
import { inject } from '../tcp-test-support.ts';
import { TcpHost } from '../tcp-host.ts';
import { sites } from '../test-topology.ts';
import type { FirewallPresetName } from './presets.ts';
import type { FirewallPolicyAdapter } from './policy.ts';

/** office (192.0.2.10) behind firewall fw, and a public server (198.51.100.10) listening on 80, 443 and 8443. */
function office(preset: FirewallPresetName) {
  const w = sites([
    { host: 'office', ip: '192.0.2.10', firewall: { name: 'fw', preset }, link: { delay: 5 * MS } },
    { host: 'server', ip: '198.51.100.10', link: { delay: 5 * MS } },
  ]);
  const client = new TcpHost(w.net, w.hosts['office']!);
  const server = new TcpHost(w.net, w.hosts['server']!);
  for (const port of [80, 443, 8443]) server.listen(port);
  return { ...w, client, server, fw: w.firewalls['fw']! };
}

describe('allow-outbound-tcp-web-only', () => {
  it('connections out to 80 and 443 work; to 8443 the SYN is dropped naming the rule', () => {
    const w = office('allow-outbound-tcp-web-only');
    const web = w.client.connect({ ip: '198.51.100.10', port: 443 });
    const http = w.client.connect({ ip: '198.51.100.10', port: 80 });
    const other = w.client.connect({ ip: '198.51.100.10', port: 8443 });
    w.net.run(2 * SECOND);
    expect(web.state).toBe('ESTABLISHED');
    expect(http.state).toBe('ESTABLISHED');
    expect(other.state).toBe('SYN-SENT');
    const drops = w.net.finish().hops.filter((h) => h.drop?.startsWith('fw: firewall'));
    expect(drops.length).toBe(2); // the SYN and its retransmission at 1 s
    expect(drops[0]!.drop).toMatch(/firewall default policy drop: no rule allows it: tcp 192\.0\.2\.10:\d+ → 198\.51\.100\.10:8443 \(outbound, new\)/);
  });

  it('nothing gets in: an inbound SYN to 443 is dropped', () => {
    const w = office('allow-outbound-tcp-web-only');
    w.client.listen(443);
    const c = w.server.connect({ ip: '192.0.2.10', port: 443 });
    w.net.run(SECOND);
    expect(c.state).toBe('SYN-SENT');
  });

  it('a rule for new connections matches only a SYN: a stray ACK to 443 is not let out', () => {
    const w = office('allow-outbound-tcp-web-only');
    inject(w.net, w.hosts['office']!, { ip: '192.0.2.10', port: 40000 }, { ip: '198.51.100.10', port: 443 }, { seq: 1, ack: 1, flags: ['ACK'], window: 100, options: [] });
    w.net.run(SECOND);
    const hops = w.net.finish().hops;
    expect(hops[0]!.drop).toMatch(/^fw: firewall: firewall default policy drop: no rule allows it: tcp 192.0.2.10:40000 → 198.51.100.10:443 \(outbound, new, not a SYN so no new connection\)/);
  });

  it('UDP to 443 is dropped too', () => {
    const w = office('allow-outbound-tcp-web-only');
    w.hosts['office']!.bindUdp('192.0.2.10', 5000).send({ ip: '198.51.100.10', port: 443 }, new Uint8Array(10));
    w.net.run(SECOND);
    expect(w.net.finish().hops[0]!.drop).toMatch(/^fw: firewall: firewall default policy drop: no rule allows it: udp/);
  });
});

describe('block-udp and drop-all-inbound', () => {
  it('block-udp leaves TCP alone', () => {
    const w = office('block-udp');
    const c = w.client.connect({ ip: '198.51.100.10', port: 8443 });
    w.net.run(SECOND);
    expect(c.state).toBe('ESTABLISHED');
  });

  it('drop-all-inbound: replies to an outbound connection come in, an inbound SYN does not', () => {
    const w = office('drop-all-inbound');
    w.client.listen(22);
    const out = w.client.connect({ ip: '198.51.100.10', port: 8443 });
    const inbound = w.server.connect({ ip: '192.0.2.10', port: 22 });
    w.net.run(SECOND);
    expect(out.state).toBe('ESTABLISHED');
    expect(inbound.state).toBe('SYN-SENT');
  });
});

describe('stateful TCP tracking', () => {
  it('an unanswered SYN is tracked for the transitory 4 minutes, an established connection for 2 h 4 min', () => {
    const w = office('allow-all');
    const fw = (w.fw.policy as FirewallPolicyAdapter).firewall;
    w.client.connect({ ip: '198.51.100.10', port: 443 });
    w.client.connect({ ip: '198.51.100.99', port: 443 }); // nobody there
    w.net.run(SECOND);
    const flows = fw.connections();
    expect(flows).toHaveLength(2);
    const [ok, dead] = flows;
    expect(ok!.expires - ok!.lastSeen).toBe(7440 * SECOND);
    expect(dead!.expires - dead!.lastSeen).toBe(240 * SECOND);
  });
});
