import { MS, SECOND } from '../sim/core/time.ts';
import { tcpPair, pattern, sink, source } from '../sim/net/tcp-test-support.ts';
import { twoHosts } from '../sim/net/test-topology.ts';
import { best, rate, row } from './measure.ts';

const BYTES = 8 * 1024 * 1024;
/** One path: 20 ms each way, 100 Mbit/s (a bulk transfer is paced by the bottleneck, not by the simulator). */
const LINK = { delay: 20 * MS, rate: 100_000_000 };
const MSS_PAYLOAD = 1448; // Linux's payload with timestamps on a 1500-byte MTU

/**
 * A bulk TCP transfer through the simulator (handshake, slow start, delayed ACKs, every segment real IPv4 + TCP bytes
 * with checksums, each crossing a hop in the trace) beside a baseline: as many UDP datagrams of the same payload size
 * on the same path, sent at the same average pace. Printed: segments per wall second, the transfer's goodput in
 * virtual time, virtual seconds simulated per wall second, and the TCP/UDP cost ratio per packet.
 */
export function benchTcp(): void {
  process.stdout.write(`bulk TCP transfer: ${BYTES / 1024 / 1024} MiB over 20 ms / 100 Mbit/s\n`);
  const data = pattern(BYTES);
  let segments = 0;
  let virtualDuration = 0;
  const tcp = (): void => {
    const { net, a, b } = tcpPair(LINK);
    const got = sink(net, b, 80);
    source(net, a, { ip: '10.0.0.2', port: 80 }, data);
    net.run(120 * SECOND);
    const n = got.received.reduce((s, p) => s + p.length, 0);
    if (n !== BYTES) throw new Error(`bench: ${n} of ${BYTES} bytes arrived`);
    segments = net.trace.hops.length;
    // from the SYN to the last segment toward b (its FIN) arriving
    virtualDuration = net.trace.hops.reduce((t, h) => (h.to === 'b' && h.drop === undefined ? Math.max(t, h.arrive) : t), 0) - (net.trace.hops[0]?.t ?? 0);
  };
  const tt = best(tcp, 2);
  const datagrams = segments;
  const udp = (): void => {
    const { net, a, b } = twoHosts(LINK);
    const sock = a.bindUdp('10.0.0.1', 5000);
    let got = 0;
    b.bindUdp('10.0.0.2', 5000).onDatagram(() => got++);
    const payload = new Uint8Array(MSS_PAYLOAD);
    const gap = Math.max(1, Math.floor(virtualDuration / datagrams));
    for (let i = 0; i < datagrams; i++) net.scheduler.at(i * gap, 'send', () => sock.send({ ip: '10.0.0.2', port: 5000 }, payload));
    net.run(datagrams * gap + 10 * SECOND);
    if (got < datagrams * 0.99) throw new Error(`bench: ${got} of ${datagrams} datagrams arrived`);
  };
  const tu = best(udp, 2);
  row('TCP segments (both directions, ACKs included)', String(segments));
  row('TCP segments per wall second', rate(segments, tt));
  row('goodput in virtual time', `${((BYTES * 8) / (virtualDuration / SECOND) / 1e6).toFixed(1)} Mbit/s`, `(${(virtualDuration / SECOND).toFixed(2)} s of virtual time)`);
  row('virtual time per wall second', `${(virtualDuration / SECOND / tt).toFixed(2)} s/s`);
  row('baseline: as many UDP datagrams, same path', rate(datagrams, tu));
  row('TCP / UDP per packet', `${(tt / tu).toFixed(2)}×`, '(the cost of the TCP state machines over bare datagrams)');
}
