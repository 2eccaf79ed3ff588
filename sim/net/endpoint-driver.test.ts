// The endpoint driver contains an endpoint's exceptions: a throw becomes a note and a failed endpoint, the run goes on.
import { describe, expect, it } from 'vitest';
import type { Endpoint, EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { EndpointDriver } from './endpoint-driver.ts';
import { twoHosts } from './test-topology.ts';

/** Echoes datagrams, throws on one whose first byte is 0xff, and ticks every 10 ms. */
class Fragile implements Endpoint {
  private readonly out: EndpointOutput[] = [];
  ticks = 0;
  constructor(private readonly local: TransportAddress) {}
  handleDatagram(_now: number, from: TransportAddress, _to: TransportAddress, bytes: Uint8Array): void {
    if (bytes[0] === 0xff) throw new RangeError('hostile byte');
    this.out.push({ type: 'transmit', from: this.local, to: from, bytes });
  }
  handleTimeout(): void {
    this.ticks++;
  }
  poll(now: number): EndpointOutput {
    return this.out.shift() ?? { type: 'timeout', at: Math.floor(now / 10_000) * 10_000 + 10_000, reason: 'tick' };
  }
}

describe('EndpointDriver', () => {
  it('turns an exception out of handleDatagram into an endpoint.failed note and stops that endpoint, the run goes on', () => {
    const { net, a, b } = twoHosts({ delay: 1000 });
    const victim = new Fragile({ ip: '10.0.0.2', port: 9 });
    const dv = new EndpointDriver(net, b, victim, 'b/fragile');
    dv.bind('10.0.0.2', 9);
    const sender = a.bindUdp('10.0.0.1', 5000);
    const echoes: number[] = [];
    sender.onDatagram((_f, _t, p) => echoes.push(p[0]!));
    net.scheduler.at(0, 'start', () => dv.pump());
    net.scheduler.at(5_000, 'ok', () => sender.send({ ip: '10.0.0.2', port: 9 }, new Uint8Array([1])));
    net.scheduler.at(25_000, 'hostile', () => sender.send({ ip: '10.0.0.2', port: 9 }, new Uint8Array([0xff])));
    net.scheduler.at(35_000, 'after', () => sender.send({ ip: '10.0.0.2', port: 9 }, new Uint8Array([2])));
    expect(() => net.run(100_000)).not.toThrow();
    expect(echoes).toEqual([1]);
    const failed = net.trace.notes.filter((n) => n.kind === 'endpoint.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.source).toBe('b/fragile');
    expect(failed[0]!.text).toMatch(/handleDatagram\(\) threw RangeError: hostile byte/);
    expect(dv.failure).toMatch(/RangeError/);
    // its timer is cancelled: no tick after the failure at 26 ms
    expect(victim.ticks).toBe(2);
  });

  it('stops an endpoint whose poll never ends instead of throwing out of the run', () => {
    const { net, b } = twoHosts();
    const chatty: Endpoint = {
      handleDatagram() {},
      handleTimeout() {},
      poll: () => ({ type: 'note', kind: 'x', text: 'again' }),
    };
    const d = new EndpointDriver(net, b, chatty, 'b/chatty');
    net.scheduler.at(0, 'start', () => d.pump());
    expect(() => net.run(1000)).not.toThrow();
    expect(d.failure).toMatch(/more than 100000 outputs/);
  });
});
