import { describe, expect, it } from 'vitest';
import { utf8Decode, utf8Encode } from '../core/encoding.ts';
import { peekUdpDatagram, udpChecksumOk } from '../wire/ip/udp-datagram.ts';
import { twoHosts } from './test-topology.ts';

const payload = (n: number): Uint8Array => new Uint8Array(n).fill(0x61);

describe('links', () => {
  it('delivers a datagram after the one-way delay, as real IPv4+UDP bytes with valid checksums', () => {
    const { net, a, b } = twoHosts({ delay: 25_000 });
    const got: { t: number; text: string; from: string }[] = [];
    b.bindUdp('10.0.0.2', 9).onDatagram((from, _to, p) => got.push({ t: net.now, text: utf8Decode(p), from: `${from.ip}:${from.port}` }));
    const s = a.bindUdp('10.0.0.1', 5000);
    net.scheduler.at(1000, 'send', () => s.send({ ip: '10.0.0.2', port: 9 }, utf8Encode('hello')));
    net.run(1_000_000);
    expect(got).toEqual([{ t: 26_000, text: 'hello', from: '10.0.0.1:5000' }]);
    const hop = net.trace.hops[0]!;
    expect(hop).toMatchObject({ t: 1000, arrive: 26_000, link: 'a-b', from: 'a', to: 'b' });
    expect(hop.drop).toBeUndefined();
    const v = peekUdpDatagram(hop.bytes);
    if ('error' in v) throw new Error(v.error);
    expect(v).toMatchObject({ family: 4, src: '10.0.0.1', dst: '10.0.0.2', srcPort: 5000, dstPort: 9, ttl: 64 });
    expect(udpChecksumOk(hop.bytes, 4, v.udpOffset)).toBe(true);
  });

  it('carries IPv6 when both ends use IPv6 addresses', () => {
    const { net, a, b } = twoHosts();
    let from = '';
    b.bindUdp('fd00::2', 9).onDatagram((f) => (from = f.ip));
    a.bindUdp('fd00::1', 7).send({ ip: 'fd00::2', port: 9 }, payload(10));
    net.run(100_000);
    expect(from).toBe('fd00::1');
    expect(net.trace.hops[0]!.bytes[0]! >> 4).toBe(6);
  });

  it('drops a datagram larger than the MTU, naming both sizes', () => {
    const { net, a, b } = twoHosts({ mtu: 576 });
    let n = 0;
    b.bindUdp('10.0.0.2', 9).onDatagram(() => n++);
    a.bindUdp('10.0.0.1', 7).send({ ip: '10.0.0.2', port: 9 }, payload(600));
    net.run(100_000);
    expect(n).toBe(0);
    expect(net.trace.hops[0]!.drop).toBe('exceeds MTU: 628 bytes > 576');
  });

  it('loses about the configured share of datagrams, the same ones for the same seed', () => {
    const lossOf = (seed: number): number[] => {
      const { net, a, b } = twoHosts({ loss: 0.3 }, seed);
      b.bindUdp('10.0.0.2', 9).onDatagram(() => {});
      const s = a.bindUdp('10.0.0.1', 7);
      for (let i = 0; i < 2000; i++) net.scheduler.at(i * 100, 'send', () => s.send({ ip: '10.0.0.2', port: 9 }, payload(10)));
      net.run(10_000_000);
      return net.trace.hops.flatMap((h, i) => (h.drop === 'loss' ? [i] : []));
    };
    const one = lossOf(1);
    expect(one.length).toBeGreaterThan(520);
    expect(one.length).toBeLessThan(680);
    expect(lossOf(1)).toEqual(one);
    expect(lossOf(2)).not.toEqual(one);
  });

  it('loses in bursts with a Gilbert–Elliott channel', () => {
    const { net, a, b } = twoHosts({ loss: 0, burst: { pGoodToBad: 0.02, pBadToGood: 0.25, lossGood: 0, lossBad: 1 } });
    b.bindUdp('10.0.0.2', 9).onDatagram(() => {});
    const s = a.bindUdp('10.0.0.1', 7);
    for (let i = 0; i < 5000; i++) net.scheduler.at(i * 100, 'send', () => s.send({ ip: '10.0.0.2', port: 9 }, payload(10)));
    net.run(10_000_000);
    const lost = net.trace.hops.map((h) => h.drop !== undefined);
    const losses = lost.filter(Boolean).length;
    let runs = 0;
    for (let i = 0; i < lost.length; i++) if (lost[i] && !lost[i - 1]) runs++;
    // stationary bad share 0.02 / (0.02 + 0.25) ≈ 7.4%, mean burst length 1 / 0.25 = 4
    expect(losses / lost.length).toBeGreaterThan(0.05);
    expect(losses / lost.length).toBeLessThan(0.1);
    expect(losses / runs).toBeGreaterThan(3);
  });

  it('serializes at the link rate and tail-drops when the queue is full', () => {
    // 1 Mbit/s: a 1028-byte datagram takes 8224 µs to serialize; a 3100-byte queue holds three of them
    const { net, a, b } = twoHosts({ delay: 0, rate: 1_000_000, queue: 3100 });
    const arrivals: number[] = [];
    b.bindUdp('10.0.0.2', 9).onDatagram(() => arrivals.push(net.now));
    const s = a.bindUdp('10.0.0.1', 7);
    net.scheduler.at(0, 'burst', () => {
      for (let i = 0; i < 5; i++) s.send({ ip: '10.0.0.2', port: 9 }, payload(1000));
    });
    net.run(1_000_000);
    expect(arrivals).toEqual([8224, 16448, 24672]);
    expect(net.trace.hops.map((h) => h.drop?.replace(/:.*/, ''))).toEqual([undefined, undefined, undefined, 'queue full', 'queue full']);
  });

  it('never reorders by default, however large the jitter', () => {
    const { net, a, b } = twoHosts({ delay: 10_000, jitter: 8_000 });
    const order: number[] = [];
    b.bindUdp('10.0.0.2', 9).onDatagram((_f, _t, p) => order.push(p[0]!));
    const s = a.bindUdp('10.0.0.1', 7);
    for (let i = 0; i < 200; i++) net.scheduler.at(i * 500, 'send', () => s.send({ ip: '10.0.0.2', port: 9 }, new Uint8Array([i])));
    net.run(10_000_000);
    expect(order).toEqual([...Array(200).keys()]);
  });

  it('reorders when jitter is larger than the spacing and reordering is allowed', () => {
    const { net, a, b } = twoHosts({ delay: 10_000, jitter: 8_000, reorder: true });
    const order: number[] = [];
    b.bindUdp('10.0.0.2', 9).onDatagram((_f, _t, p) => order.push(p[0]!));
    const s = a.bindUdp('10.0.0.1', 7);
    for (let i = 0; i < 200; i++) net.scheduler.at(i * 500, 'send', () => s.send({ ip: '10.0.0.2', port: 9 }, new Uint8Array([i])));
    net.run(10_000_000);
    expect(order).toHaveLength(200);
    expect(order).not.toEqual([...Array(200).keys()]);
  });

  it('drops everything while a link is down', () => {
    const { net, a, b, link } = twoHosts();
    let n = 0;
    b.bindUdp('10.0.0.2', 9).onDatagram(() => n++);
    link.setParams(link.a, { ...link.params(link.a), down: true });
    a.bindUdp('10.0.0.1', 7).send({ ip: '10.0.0.2', port: 9 }, payload(1));
    net.run(100_000);
    expect(n).toBe(0);
    expect(net.trace.hops[0]!.drop).toBe('link down');
  });

  it('reports a datagram to a port nobody listens on as dropped at the host, which answers with ICMP', () => {
    const { net, a } = twoHosts();
    a.bindUdp('10.0.0.1', 7).send({ ip: '10.0.0.2', port: 4444 }, payload(1));
    net.run(100_000);
    expect(net.trace.hops[0]!.drop).toBe('b: port unreachable: no socket bound to 10.0.0.2 port 4444; ICMP Port Unreachable sent');
  });
});
