// TURN (RFC 8656) server behaviour pinned request by request, and the relay presets run end to end.
import { describe, expect, it } from 'vitest';
import { utf8Decode, utf8Encode } from '../core/encoding.ts';
import { SECOND } from '../core/time.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { applySet } from '../scenario/set.ts';
import {
  ChannelNumber,
  Data,
  decodeChannelData,
  decodeStun,
  encodeChannelData,
  encodeStun,
  getAttribute,
  Lifetime,
  longTermKey,
  Method,
  Nonce,
  Realm,
  RequestedTransport,
  Username,
  verifyFingerprint,
  verifyMessageIntegrity,
  XorPeerAddress,
  XorRelayedAddress,
} from '../wire/stun/index.ts';
import { Bench, CLIENT, code, KEY, LISTEN, PEER, RELAYS } from './test-bench.ts';

describe('TURN server: authentication (RFC 8489 §9.2.4)', () => {
  it('answers an unauthenticated Allocate with 401, REALM and NONCE, then accepts the long-term credentials', () => {
    const b = new Bench();
    const first = b.ask(Method.Allocate, [RequestedTransport.of(17)], { auth: false }).msg;
    expect(code(first)).toBe(401);
    expect(getAttribute(first, Realm)).toBe('example.org');
    expect(getAttribute(first, Nonce)).toBeTruthy();
    const { msg, bytes } = b.ask(Method.Allocate, [RequestedTransport.of(17)]);
    expect(msg.class).toBe('success');
    expect(getAttribute(msg, XorRelayedAddress)).toEqual(RELAYS[0]);
    expect(getAttribute(msg, Lifetime)).toBe(600);
    expect(verifyMessageIntegrity(bytes, KEY).ok).toBe(true);
    expect(verifyFingerprint(bytes).ok).toBe(true);
  });

  it('a wrong password gets 401; a nonce past its lifetime gets 438 with a fresh nonce', () => {
    const b = new Bench({ nonceLifetime: 10 * SECOND });
    b.ask(Method.Allocate, [RequestedTransport.of(17)], { auth: false });
    expect(code(b.ask(Method.Allocate, [RequestedTransport.of(17)], { key: longTermKey('alice', 'example.org', 'wrong') }).msg)).toBe(401);
    const old = b.nonce;
    b.now = 11 * SECOND;
    const stale = b.ask(Method.Allocate, [RequestedTransport.of(17)], { nonce: old }).msg;
    expect(code(stale)).toBe(438);
    expect(getAttribute(stale, Nonce)).not.toBe(old);
    expect(b.ask(Method.Allocate, [RequestedTransport.of(17)]).msg.class).toBe('success');
  });
});

describe('TURN server: allocations (RFC 8656 §7)', () => {
  it('refuses a missing REQUESTED-TRANSPORT with 400 and TCP with 442', () => {
    const b = new Bench();
    b.ask(Method.Allocate, [], { auth: false });
    expect(code(b.ask(Method.Allocate, []).msg)).toBe(400);
    expect(code(b.ask(Method.Allocate, [RequestedTransport.of(6)]).msg)).toBe(442);
  });

  it('a second Allocate on the same 5-tuple is 437; Refresh without an allocation is 437', () => {
    const b = new Bench();
    expect(code(b.ask(Method.Refresh, [], { auth: false }).msg)).toBe(401);
    expect(code(b.ask(Method.Refresh, []).msg)).toBe(437);
    expect(b.allocate().class).toBe('success');
    expect(code(b.allocate())).toBe(437);
  });

  it('clamps LIFETIME to 3600 s, and Refresh with LIFETIME 0 deletes the allocation', () => {
    const b = new Bench();
    expect(getAttribute(b.allocate([Lifetime.of(99999)]), Lifetime)).toBe(3600);
    expect(getAttribute(b.ask(Method.Refresh, [Lifetime.of(0)]).msg, Lifetime)).toBe(0);
    expect(b.server.allocations.size).toBe(0);
    expect(code(b.ask(Method.Refresh, []).msg)).toBe(437);
  });

  it('another user on the allocation\'s 5-tuple gets 441; the per-user quota gives 486; an empty pool 508', () => {
    const b = new Bench({ userQuota: 1 });
    b.allocate();
    expect(code(b.ask(Method.Refresh, [], { user: 'bob', key: longTermKey('bob', 'example.org', 'b0b') }).msg)).toBe(441);
    const other = { ip: '203.0.113.11', port: 6000 };
    expect(code(b.allocate([], other))).toBe(486);
    const c = new Bench();
    c.allocate();
    c.allocate([], { ip: '203.0.113.11', port: 6000 });
    expect(code(c.allocate([], { ip: '203.0.113.12', port: 6000 }))).toBe(508);
  });

  it('an allocation without Refresh expires at its lifetime', () => {
    const b = new Bench();
    b.allocate([Lifetime.of(60)]);
    const out = b.server.poll(0);
    expect(out).toMatchObject({ type: 'timeout', at: 60 * SECOND, reason: 'turn-allocation-expiry' });
    b.now = 60 * SECOND;
    b.server.handleTimeout(b.now);
    expect(b.notes().join('\n')).toContain('expired');
    expect(b.server.allocations.size).toBe(0);
  });
});

describe('TURN server: permissions, channels and relaying (RFC 8656 §9–§12)', () => {
  it('refuses loopback and private peers with 403 by default, and allows them when the deny list is emptied', () => {
    const b = new Bench();
    b.allocate();
    expect(code(b.ask(Method.CreatePermission, [XorPeerAddress.of({ ip: '127.0.0.1', port: 1 })]).msg)).toBe(403);
    expect(code(b.ask(Method.CreatePermission, [XorPeerAddress.of({ ip: '192.168.1.20', port: 1 })]).msg)).toBe(403);
    expect(code(b.ask(Method.CreatePermission, []).msg)).toBe(400);
    const open = new Bench({ deniedPeers: [] });
    open.allocate();
    expect(open.ask(Method.CreatePermission, [XorPeerAddress.of({ ip: '192.168.1.20', port: 1 })]).msg.class).toBe('success');
  });

  it('relays Send indications only to permitted peers, and peer data back as Data indications', () => {
    const b = new Bench();
    b.allocate();
    const send = (data: string) =>
      b.server.handleDatagram(b.now, CLIENT, LISTEN, encodeStun({ method: Method.Send, class: 'indication', transactionId: new Uint8Array(12), attributes: [XorPeerAddress.of(PEER), Data.of(utf8Encode(data))] }));
    send('too early');
    expect(b.sends()).toHaveLength(0);
    b.ask(Method.CreatePermission, [XorPeerAddress.of(PEER)]);
    send('hello');
    const out = b.sends();
    expect(out).toEqual([{ from: RELAYS[0], to: PEER, bytes: utf8Encode('hello') }]);
    b.server.handleDatagram(b.now, PEER, RELAYS[0]!, utf8Encode('hi back'));
    const back = b.sends();
    expect(back[0]!.to).toEqual(CLIENT);
    const ind = decodeStun(back[0]!.bytes).value!;
    expect([ind.method, ind.class]).toEqual([Method.Data, 'indication']);
    expect(utf8Decode(getAttribute(ind, Data)!)).toBe('hi back');
  });

  it('binds channels in 0x4000–0x4FFF only, relays ChannelData both ways, and refuses rebinding a channel to another peer', () => {
    const b = new Bench();
    b.allocate();
    expect(code(b.ask(Method.ChannelBind, [ChannelNumber.of(0x5000), XorPeerAddress.of(PEER)]).msg)).toBe(400);
    expect(b.ask(Method.ChannelBind, [ChannelNumber.of(0x4001), XorPeerAddress.of(PEER)]).msg.class).toBe('success');
    expect(code(b.ask(Method.ChannelBind, [ChannelNumber.of(0x4001), XorPeerAddress.of({ ip: PEER.ip, port: 7001 })]).msg)).toBe(400);
    b.server.handleDatagram(b.now, CLIENT, LISTEN, encodeChannelData({ channel: 0x4001, data: utf8Encode('via channel') }));
    expect(b.sends()).toEqual([{ from: RELAYS[0], to: PEER, bytes: utf8Encode('via channel') }]);
    b.server.handleDatagram(b.now, PEER, RELAYS[0]!, utf8Encode('back'));
    const cd = decodeChannelData(b.sends()[0]!.bytes).value!;
    expect(cd.channel).toBe(0x4001);
    expect(utf8Decode(cd.data)).toBe('back');
  });

  it('drops peer data after the 300 s permission lapses, saying why', () => {
    const b = new Bench();
    b.allocate();
    b.ask(Method.CreatePermission, [XorPeerAddress.of(PEER)]);
    b.now = 301 * SECOND;
    b.server.handleDatagram(b.now, PEER, RELAYS[0]!, utf8Encode('late'));
    const out = b.drain();
    expect(out.filter((o) => o.type === 'transmit')).toHaveLength(0);
    const drop = out.find((o) => o.type === 'note' && o.kind === 'turn.drop');
    expect(drop).toMatchObject({ data: { reason: 'permission expired', direction: 'from-peer' } });
  });

  it('answers a retransmitted request with the same bytes', () => {
    const b = new Bench();
    b.allocate();
    const tid = new Uint8Array(12).fill(9);
    const req = encodeStun({ method: Method.CreatePermission, class: 'request', transactionId: tid, attributes: [XorPeerAddress.of(PEER), Username.of('alice'), Realm.of('example.org'), Nonce.of(b.nonce)] }, { integrity: KEY, fingerprint: true });
    b.server.handleDatagram(b.now, CLIENT, LISTEN, req);
    const a = b.sends()[0]!.bytes;
    b.server.handleDatagram(b.now + 500_000, CLIENT, LISTEN, req);
    expect(b.sends()[0]!.bytes).toEqual(a);
  });
});

describe('TURN presets', () => {
  it('turn-relay: allocate, permission, Send and ChannelData both ways, refresh, deallocate', () => {
    const r = runScenario(parseScenario(findPreset('turn-relay')!.build()));
    const [server, client] = r.summary.turn as Record<string, unknown>[];
    expect(client).toMatchObject({ relayed: '198.51.100.20:49152', mapped: '203.0.113.10:5000', sentIndications: 1, sentChannelData: 1, refreshes: 1, deallocated: true, errors: [] });
    expect((client!.received as { via: string }[]).map((x) => x.via)).toEqual(['Data indication', 'ChannelData 0x4000']);
    expect(server).toMatchObject({ allocations: 1, deleted: 1, relayedToPeer: 2, relayedToClient: 2, allocationsLeft: [] });
    const kinds = r.trace.notes.map((n) => n.kind);
    for (const k of ['turn.auth', 'turn.allocated', 'turn.permission', 'turn.channel-bound', 'turn.refreshed', 'turn.deallocated']) expect(kinds).toContain(k);
  });

  it('turn-permission-expiry: the late answer is dropped at the relay with the reason in the trace', () => {
    const r = runScenario(parseScenario(findPreset('turn-permission-expiry')!.build()));
    const [server, client] = r.summary.turn as Record<string, unknown>[];
    expect(server).toMatchObject({ droppedFromPeer: 1, relayedToClient: 1 });
    expect((client!.received as unknown[]).length).toBe(1);
    const expired = r.trace.notes.find((n) => n.kind === 'turn.permission.expired')!;
    expect(expired.t).toBe(301 * SECOND + expired.t % SECOND);
    const drop = r.trace.notes.find((n) => n.kind === 'turn.drop')!;
    expect(drop.data).toMatchObject({ reason: 'permission expired', peer: '203.0.113.50:7001' });
    expect(drop.t).toBeGreaterThan(expired.t);
    // the datagram's hop into the TURN host carries the fate, and the run counts it
    const hop = r.trace.hops.find((h) => h.drop?.startsWith('turn: TURN permission expired'))!;
    expect(hop.drop).toBe('turn: TURN permission expired: peer 203.0.113.50, relayed address 198.51.100.20:49152');
    expect(hop.arrive).toBe(drop.t);
    expect(r.summary.drops).toMatchObject({ 'TURN permission expired': 1 });
  });

  const withSets = (sets: string[]) => {
    let raw: unknown = findPreset('turn-relay')!.build();
    for (const x of sets) raw = applySet(raw, x);
    return runScenario(parseScenario(raw));
  };

  it('the client answers 438 Stale Nonce by retrying with the fresh nonce, and the session carries on', () => {
    const r = withSets(['apps[0].nonceLifetime=30s']);
    const client = (r.summary.turn as Record<string, unknown>[])[1]!;
    expect(client).toMatchObject({ errors: [], refreshes: 1, deallocated: true });
    expect(r.trace.notes.filter((n) => n.kind === 'turn.auth' && n.data?.code === 438).length).toBeGreaterThanOrEqual(2);
  });

  it('a peer in a denied range is refused with 403, and nothing reaches it', () => {
    const r = withSets(['apps[0].deniedPeers=["203.0.113.0/24"]']);
    const [server, client] = r.summary.turn as Record<string, unknown>[];
    expect(client!.errors).toEqual(expect.arrayContaining([expect.stringMatching(/^CreatePermission Request: 403/), expect.stringMatching(/^ChannelBind Request: 403/)]));
    expect(server).toMatchObject({ relayedToPeer: 0 });
    expect(r.trace.notes.some((n) => n.kind === 'turn.peer.denied')).toBe(true);
  });
});
