/**
 * TCP presets with nothing but TCP on the wire (the `tcp-peer` app, sim/apps/tcp-peer.ts): a bulk transfer that loses
 * segments and recovers them, and two peers behind NATs that punch a TCP hole by connecting to each other at once.
 */
import type { PresetInfo } from './index.ts';

type Json = Record<string, unknown>;

const nat = (inside: string, outside: string, link: Json): Json => ({ kind: 'nat', uplink: 'internet', preset: 'port-restricted-cone', internal: `${inside}.1/24`, external: [outside], link });

export function tcpPresets(): PresetInfo[] {
  const out: PresetInfo[] = [];
  const add = (name: string, title: string, description: string, build: (n: string, t: string, d: string) => Json): void => {
    out.push({ name, title, description, build: () => build(name, title, description) });
  };
  add('tcp-transfer-lossy', 'A TCP transfer that loses segments and recovers them', "Alice, behind a NAT, opens a TCP connection to the server (the three-way handshake with MSS, window scaling, SACK-permitted and timestamps) and sends 300 kB over a path that loses 3% of datagrams each way. Slow start grows the window; each loss shows as duplicate ACKs with SACK blocks and a fast retransmit (RFC 5681, RFC 6582 NewReno), or, when the tail of a flight is lost, as a retransmission timeout (RFC 6298). Every byte arrives once and in order: the server checks the pattern. Then FIN both ways and TIME-WAIT.", (n, t, d) => {
    const natA = nat('10.0.1', '203.0.113.10', { delay: '15ms', loss: 0.03, rate: '20mbit' });
    return {
      name: n, title: t, description: d, seed: 3, duration: '20s',
      nodes: {
        internet: { kind: 'router' },
        server: { kind: 'host', uplink: 'internet', addresses: ['198.51.100.10/24'], link: { delay: '10ms' } },
        natA,
        alice: { kind: 'host', uplink: 'natA', addresses: ['10.0.1.10/24'], link: { delay: '1ms' } },
      },
      apps: [
        { kind: 'tcp-peer', host: 'server', listen: 5001, close: false },
        { kind: 'tcp-peer', host: 'alice', connect: '198.51.100.10:5001', send: 300_000, at: '100ms' },
      ],
    };
  });
  add('tcp-hole-punching', 'TCP hole punching: a simultaneous open through two NATs', "Alice and bob sit behind endpoint-independent NATs that keep ports, and each knows the other's public address (from a rendezvous server, not shown). At about the same moment each connects from port 40000 to the other's public address and port 40000. Alice's SYN opens a mapping in her NAT and is dropped by bob's, which has no mapping for it yet (RFC 5382 REQ-4: silently, no RST); bob's SYN, 50 ms later, opens bob's mapping and passes alice's NAT, which now lets bob's address in. Alice answers with a SYN-ACK (RFC 9293 §3.5, simultaneous open), and the two connections become one: each side sends 20 kB and reads the other's.", (n, t, d) => {
    const natA = nat('10.0.1', '203.0.113.10', { delay: '10ms' });
    const natB = nat('10.0.2', '203.0.113.20', { delay: '20ms' });
    return {
      name: n, title: t, description: d, seed: 1, duration: '10s',
      nodes: {
        internet: { kind: 'router' },
        natA,
        alice: { kind: 'host', uplink: 'natA', addresses: ['10.0.1.10/24'], link: { delay: '1ms' } },
        natB,
        bob: { kind: 'host', uplink: 'natB', addresses: ['10.0.2.10/24'], link: { delay: '1ms' } },
      },
      apps: [
        { kind: 'tcp-peer', host: 'alice', connect: '203.0.113.20:40000', localPort: 40000, send: 20_000, at: '100ms' },
        { kind: 'tcp-peer', host: 'bob', connect: '203.0.113.10:40000', localPort: 40000, send: 20_000, at: '150ms' },
      ],
    };
  });
  return out;
}
