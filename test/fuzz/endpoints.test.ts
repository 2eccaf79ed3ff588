// The stateful endpoints against a stream of hostile datagrams (captured-style packets mutated, random bytes):
// nothing throws, state stays bounded, and nothing changes unless the datagram carries valid credentials — no
// authentication bypass, no teardown or state change from unauthenticated input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TransportAddress } from '../../sim/core/endpoint.ts';
import { utf8Encode } from '../../sim/core/encoding.ts';
import { Rng } from '../../sim/core/rng.ts';
import { dtlsPair } from '../../sim/dtls/test-pair.ts';
import { IceAgent } from '../../sim/ice/agent.ts';
import { encodeCheck } from '../../sim/ice/checks.ts';
import { peekUdpDatagram } from '../../sim/wire/ip/udp-datagram.ts';
import type { StunAttribute } from '../../sim/wire/stun/index.ts';
import {
  ChannelNumber, Data, encodeChannelData, encodeStun, Lifetime, Method, RequestedTransport, shortTermKey, verifyMessageIntegrity, XorPeerAddress,
} from '../../sim/wire/stun/index.ts';
import { Bench, CLIENT, KEY, LISTEN, PEER, RELAYS } from '../../sim/turn/test-bench.ts';
import type { TurnServer } from '../../sim/turn/server.ts';
import { fuzzInput } from './mutate.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

/** Everything about the server's allocations an attacker must not be able to change. */
function turnState(s: TurnServer): string {
  return JSON.stringify(
    [...s.allocations.values()].map((a) => ({
      key: a.key,
      relayed: a.relayed,
      expiresAt: a.expiresAt,
      permissions: [...a.permissions.values()].map((p) => [p.ip, p.expiresAt]),
      channels: [...a.channels.values()].map((c) => [c.channel, c.peer, c.expiresAt]),
    })),
  );
}

describe('TURN server under fuzzed datagrams', () => {
  it('never throws, stays within its caps, and changes an allocation only for a request whose MESSAGE-INTEGRITY verifies', () => {
    const b = new Bench();
    b.allocate();
    const seeds: Uint8Array[] = [];
    const keep = (m: number, attrs: StunAttribute[]): void => {
      seeds.push(b.request(m, attrs));
      b.ask(m, attrs);
    };
    keep(Method.CreatePermission, [XorPeerAddress.of(PEER)]);
    keep(Method.ChannelBind, [ChannelNumber.of(0x4001), XorPeerAddress.of(PEER)]);
    keep(Method.Refresh, [Lifetime.of(300)]);
    seeds.push(b.request(Method.Allocate, [RequestedTransport.of(17)], { auth: false }));
    seeds.push(b.request(Method.Refresh, [Lifetime.of(0)], { auth: false }));
    seeds.push(encodeStun({ method: Method.Send, class: 'indication', transactionId: new Uint8Array(12), attributes: [XorPeerAddress.of(PEER), Data.of(utf8Encode('x'))] }));
    seeds.push(encodeChannelData({ channel: 0x4001, data: utf8Encode('hello') }));
    b.drain();
    const sources: TransportAddress[] = [CLIENT, PEER, { ip: '198.51.100.66', port: 4000 }];
    const targets: TransportAddress[] = [LISTEN, RELAYS[0]!, RELAYS[1]!];
    fc.assert(
      fc.property(fuzzInput(seeds), fc.nat({ max: 2 }), fc.nat({ max: 2 }), (bytes, s, t) => {
        const before = turnState(b.server);
        b.now += 1000;
        b.server.handleDatagram(b.now, sources[s]!, targets[t]!, bytes);
        const out = b.drain();
        const after = turnState(b.server);
        if (after !== before) expect(verifyMessageIntegrity(bytes, KEY).ok, 'state changed by an unauthenticated datagram').toBe(true);
        const size = b.server.stateSize;
        expect(size.allocations).toBeLessThanOrEqual(b.server.maxAllocations);
        expect(size.cachedResponses).toBeLessThanOrEqual(1024);
        for (const a of b.server.allocations.values()) {
          expect(a.permissions.size).toBeLessThanOrEqual(b.server.maxPermissionsPerAllocation);
          expect(a.channels.size).toBeLessThanOrEqual(b.server.maxChannelsPerAllocation);
        }
        // O(1) answers: at most one transmit per datagram
        expect(out.filter((o) => o.type === 'transmit').length).toBeLessThanOrEqual(1);
      }),
      { numRuns: RUNS * 5, seed: 23 },
    );
  });
});

describe('DTLS endpoints under fuzzed datagrams', () => {
  it('a connected client and server stay connected, take no application data, and never throw', () => {
    const { net, client, server } = dtlsPair();
    net.run(5_000_000);
    expect(client.state).toBe('connected');
    // the handshake's own datagrams, both directions, as seeds
    const seeds = net.trace.hops.flatMap((h) => {
      const v = peekUdpDatagram(h.bytes);
      return 'error' in v ? [] : [h.bytes.slice(v.payloadOffset, v.payloadOffset + v.payloadLength)];
    });
    fc.assert(
      fc.property(fuzzInput(seeds), fc.boolean(), (bytes, toClient) => {
        const [e, from] = toClient ? [client, server.local] : [server, client.local];
        e.handleDatagram(net.now, from, e.local, bytes);
        for (let o = e.poll(net.now); o.type !== 'timeout' && o.type !== 'idle'; o = e.poll(net.now));
        expect(e.state).toBe('connected');
        expect(e.takeApplicationData()).toEqual([]);
      }),
      { numRuns: RUNS * 2, seed: 23 },
    );
  });

  it('a server waiting for a ClientHello answers at most one datagram per input and keeps no state for fuzzed hellos', () => {
    const { net, client, server } = dtlsPair();
    // only the client's first flight, recorded before it reaches the server
    net.run(1);
    const seeds = net.trace.hops.flatMap((h) => {
      const v = peekUdpDatagram(h.bytes);
      return 'error' in v ? [] : [h.bytes.slice(v.payloadOffset, v.payloadOffset + v.payloadLength)];
    });
    expect(seeds.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(fuzzInput(seeds), (bytes) => {
        server.handleDatagram(0, { ip: '10.0.0.9', port: 9 }, server.local, bytes);
        let sent = 0;
        for (let o = server.poll(0); o.type !== 'timeout' && o.type !== 'idle'; o = server.poll(0)) if (o.type === 'transmit') sent++;
        expect(sent).toBeLessThanOrEqual(1);
        // RFC 6347 §4.2.1: a hello without the cookie this server made for that address leaves no state
        expect(server.session.transcript.length).toBe(0);
      }),
      { numRuns: RUNS * 2, seed: 23 },
    );
    void client;
  });
});

describe('ICE agent under fuzzed checks', () => {
  it('never throws, and learns candidates or nominates only from checks signed with its password', () => {
    const rng = Rng.fromSeed(8);
    const alice = new IceAgent({ name: 'alice', rng: rng.fork('alice'), role: 'controlling' });
    const bob = new IceAgent({ name: 'bob', rng: rng.fork('bob'), role: 'controlled' });
    const A: TransportAddress = { ip: '192.0.2.1', port: 5000 };
    const B: TransportAddress = { ip: '192.0.2.2', port: 6000 };
    alice.addLocalAddress(A);
    bob.addLocalAddress(B);
    const settle = (x: IceAgent, now: number): void => {
      x.handleTimeout(now);
      for (let o = x.poll(now); o.type !== 'timeout' && o.type !== 'idle'; o = x.poll(now));
    };
    settle(alice, 0);
    settle(bob, 0);
    for (const m of alice.takeSignals()) bob.handleSignal(0, m);
    settle(bob, 0);
    const check = (useCandidate: boolean, pwd: string): Uint8Array =>
      encodeCheck({ transactionId: new Uint8Array(12).fill(useCandidate ? 1 : 2), localUfrag: alice.ufrag, remoteUfrag: bob.ufrag, remotePwd: pwd, priority: 1862270975, controlling: true, tieBreaker: alice.tieBreaker, useCandidate });
    const seeds = [check(false, 'not-bobs-password-at-all'), check(true, 'not-bobs-password-at-all')];
    const key = shortTermKey(bob.pwd);
    let now = 1000;
    fc.assert(
      fc.property(fuzzInput(seeds), fc.nat({ max: 3 }), (bytes, port) => {
        const remote = bob.remote.length;
        now += 1000;
        bob.handleDatagram(now, { ip: '198.51.100.7', port: 40000 + port }, B, bytes);
        settle(bob, now);
        const authentic = verifyMessageIntegrity(bytes, key).ok;
        if (!authentic) {
          expect(bob.remote.length).toBe(remote);
          expect(bob.checklist.pairs.some((p) => p.nominated || p.nominateOnSuccess)).toBe(false);
        }
        expect(bob.remote.length).toBeLessThanOrEqual(remote + 1);
      }),
      { numRuns: RUNS * 2, seed: 23 },
    );
  });
});
