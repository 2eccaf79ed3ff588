// The one signaling hub over its ideal transport: order per destination (the server) or per pair (a relay), the
// sent/received/delivered notes, and the endpoint contract's order (a reply made while handling a message leaves
// before the next message of the same batch is delivered; receivers act once the batch is in).
import { describe, expect, it } from 'vitest';
import type { EndpointOutput, SignalingEndpoint } from '../core/endpoint.ts';
import { SignalOutbox } from '../core/signal-outbox.ts';
import type { Micros } from '../core/time.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import type { Network } from '../net/network.ts';
import { twoHosts } from '../net/test-topology.ts';
import { SignalingHub, type SignalingParty } from './hub.ts';
import { iceSignal, jsep, protoo, type SignalingMessage } from './message.ts';

const MS = 1000;

/** A party that records what it got and when it was let act. */
function recorder(log: string[], name: string): SignalingParty {
  return {
    deliver: (now, from, m) => log.push(`${now} ${name} ← ${from}: ${m.protocol === 'protoo' && 'request' in m.body ? m.body.method : m.protocol}`),
    pump: () => log.push(`pump ${name}`),
  };
}

const request = (id: number, method: string): SignalingMessage => protoo({ request: true, id, method, data: {} });

function run(net: Network): void {
  while (net.scheduler.step()) { /* until nothing is left */ }
}

describe('the signaling hub', () => {
  it('keeps order per destination on the server: a faster sender waits behind an earlier, slower one', () => {
    const { net } = twoHosts();
    const hub = new SignalingHub(net);
    const log: string[] = [];
    hub.join('slow', recorder(log, 'slow'), { delay: 30 * MS });
    hub.join('fast', recorder(log, 'fast'), { delay: 5 * MS });
    hub.join('sfu', recorder(log, 'sfu'), { delay: 20 * MS });
    hub.send(0, 'slow', 'sfu', request(1, 'first'));
    hub.send(0, 'fast', 'sfu', request(2, 'second'));
    run(net);
    // the fast message would arrive at 5 ms but the server writes to sfu in order: both at 30 ms, in one batch
    expect(log).toEqual(['30000 sfu ← slow: first', '30000 sfu ← fast: second', 'pump sfu']);
    const sent = net.trace.notes.filter((n) => n.kind === 'signaling.sent').map((n) => n.data?.arrives);
    expect(sent).toEqual([30 * MS, 30 * MS]);
  });

  it('keeps order per pair on a relay, delivers with signaling.received, and wakes the receiver after each of its arrivals', () => {
    const { net } = twoHosts();
    const hub = new SignalingHub(net);
    const log: string[] = [];
    hub.join('alice', recorder(log, 'alice'), { path: 'relay', delay: 50 * MS });
    hub.join('bob', recorder(log, 'bob'), { path: 'relay', delay: 10 * MS });
    hub.send(0, 'alice', 'bob', iceSignal({ type: 'candidate', ufrag: 'a', candidate: '1 1 udp 1 10.0.0.1 5000 typ host' }));
    hub.send(0, 'bob', 'alice', iceSignal({ type: 'end-of-candidates', ufrag: 'b' }));
    run(net);
    expect(log).toEqual(['10000 alice ← bob: ice', 'pump alice', '50000 bob ← alice: ice', 'pump bob']);
    const kinds = net.trace.notes.map((n) => `${n.source} ${n.kind}`);
    expect(kinds).toEqual(['alice/signaling signaling.sent', 'bob/signaling signaling.sent', 'alice/signaling signaling.received', 'bob/signaling signaling.received']);
    expect(net.trace.notes[0]!.data).toEqual({ from: 'alice', to: 'bob', message: 'candidate', arrives: 50 * MS });
  });

  it('notes a message to a party that is not there, or on another path, as signaling.error and carries nothing', () => {
    const { net } = twoHosts();
    const hub = new SignalingHub(net);
    const log: string[] = [];
    hub.join('alice', recorder(log, 'alice'));
    hub.join('agent', recorder(log, 'agent'), { path: 'relay' });
    hub.send(0, 'alice', 'nobody', jsep({ type: 'end-of-candidates', ufrag: 'x' }));
    hub.send(0, 'alice', 'agent', jsep({ type: 'end-of-candidates', ufrag: 'x' }));
    run(net);
    expect(log).toEqual([]);
    expect(net.trace.notes.map((n) => [n.kind, n.text])).toEqual([
      ['signaling.error', 'alice → nobody: no such party on the signaling server'],
      ['signaling.error', "alice → agent: agent is not reachable on alice's signaling server"],
    ]);
  });
});

/** Answers every request at once (a reply queued in handleSignal) and notes, on its next poll, what it answered. */
class Answerer implements SignalingEndpoint<SignalingMessage> {
  private readonly outbox = new SignalOutbox<SignalingMessage>();
  private readonly notes: EndpointOutput[] = [];
  handleDatagram(): void {}
  handleTimeout(): void {}
  handleSignal(_now: Micros, from: string, m: SignalingMessage): void {
    this.outbox.input();
    if (m.protocol !== 'protoo' || !('request' in m.body)) return;
    this.outbox.queue(from, protoo({ response: true, id: m.body.id, ok: true }));
    this.notes.push({ type: 'note', kind: 'test.answered', text: `answered #${m.body.id}` });
  }
  signalPending(): boolean {
    return this.outbox.pending();
  }
  poll(): EndpointOutput<SignalingMessage> {
    return this.outbox.take() ?? this.outbox.settle(this.notes.shift() ?? { type: 'idle' });
  }
}

/** Sends its requests on its first poll. */
class Asker implements SignalingEndpoint<SignalingMessage> {
  private readonly outbox = new SignalOutbox<SignalingMessage>();
  private asked = false;
  constructor(private readonly methods: readonly string[]) {}
  handleDatagram(): void {}
  handleTimeout(): void {}
  handleSignal(): void {
    this.outbox.input();
  }
  signalPending(): boolean {
    return this.outbox.pending();
  }
  poll(): EndpointOutput<SignalingMessage> {
    if (!this.asked) {
      this.asked = true;
      this.methods.forEach((m, i) => this.outbox.queue('server', request(i + 1, m)));
    }
    return this.outbox.take() ?? { type: 'idle' };
  }
}

describe('signaling through the endpoint contract', () => {
  it('sends a reply made while handling a message before the next message of the batch is delivered, and lets the receiver act after the batch', () => {
    const { net, a, b } = twoHosts();
    const hub = new SignalingHub(net);
    const client = new EndpointDriver(net, a, new Asker(['connect', 'produce']), 'a/client');
    const server = new EndpointDriver(net, b, new Answerer(), 'b/server');
    client.joinSignaling(hub, 'client', { delay: 20 * MS });
    server.joinSignaling(hub, 'server', { delay: 20 * MS });
    net.scheduler.at(0, 'start', () => client.pump());
    run(net);
    expect(net.trace.notes.map((n) => `${n.t / MS} ${n.source} ${n.kind}${n.kind === 'test.answered' ? ` ${n.text}` : ''}`)).toEqual([
      '0 client/signaling signaling.sent',
      '0 client/signaling signaling.sent',
      '20 server/signaling signaling.received',
      '20 server/signaling signaling.sent', // the reply to #1, before #2 is delivered
      '20 server/signaling signaling.received',
      '20 server/signaling signaling.sent',
      '20 b/server test.answered answered #1', // the server's own outputs once the batch is in
      '20 b/server test.answered answered #2',
      '40 client/signaling signaling.received',
      '40 client/signaling signaling.received',
    ]);
  });

  it('notes a signal from an endpoint that has not joined a hub instead of dropping it silently', () => {
    const { net, a } = twoHosts();
    const d = new EndpointDriver(net, a, new Asker(['hello']), 'a/client');
    d.pump();
    expect(net.trace.notes.map((n) => n.kind)).toEqual(['endpoint.error']);
    expect(net.trace.notes[0]!.text).toContain('has not joined a signaling hub');
  });
});
