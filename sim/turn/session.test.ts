// TurnSession, the sans-IO TURN client core, against the TURN server in memory: no sockets, no network, a clock
// moved by hand. It shares its owner's socket, so it must say which datagrams are its own, and it hands peer data
// back as bytes (the scripted TurnClient turns them into text; ICE gives them to its checks and DTLS).
import { describe, expect, it } from 'vitest';
import type { EndpointOutput, IcmpError, TransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { MS, SECOND } from '../core/time.ts';
import { Outbox } from '../stun/outbox.ts';
import { decodeStun, encodeStun, messageTypeName, Method, XorMappedAddress } from '../wire/stun/index.ts';
import type { TurnPeerData, TurnRequestOutcome } from './session.ts';
import { TurnSession } from './session.ts';
import { icmpErrorOfRelay, type TurnPeerIcmp } from './client-icmp.ts';
import { TurnServer } from './server.ts';

const LISTEN: TransportAddress = { ip: '198.51.100.20', port: 3478 };
const CLIENT: TransportAddress = { ip: '203.0.113.10', port: 5000 };
const PEER: TransportAddress = { ip: '203.0.113.50', port: 7000 };
const RELAY: TransportAddress = { ip: LISTEN.ip, port: 49152 };

/**
 * A session and a server joined by a lossless zero-delay wire. `tamper` may rewrite what the server sends the client
 * (or return undefined to drop it). Peer-bound datagrams are kept in `atPeer`; peer data the session returns in `got`.
 */
function bench(opts: { server?: boolean; tamper?: (bytes: Uint8Array) => Uint8Array | undefined } = {}) {
  const out = new Outbox();
  const outcomes: TurnRequestOutcome[] = [];
  const notes: string[] = [];
  const requests: { at: Micros; method: string }[] = [];
  const atPeer: Uint8Array[] = [];
  const got: (TurnPeerData | TurnPeerIcmp | 'consumed' | undefined)[] = [];
  const session = new TurnSession({ local: CLIENT, server: LISTEN, username: 'alice', password: 's3cr3t', name: 'alice' }, Rng.fromSeed(2), out, (_now, o) => outcomes.push(o));
  const server = new TurnServer({ listen: LISTEN, relayAddresses: [RELAY], realm: 'example.org', users: { alice: 's3cr3t' } }, Rng.fromSeed(3));
  let now: Micros = 0;
  const pump = (): void => {
    for (let moved = true; moved; ) {
      moved = false;
      for (let o = out.next(); o; o = out.next()) {
        moved = true;
        if (o.type === 'note') notes.push(o.kind);
        if (o.type !== 'transmit') continue;
        const m = decodeStun(o.bytes).value;
        if (m?.class === 'request') requests.push({ at: now, method: messageTypeName(m.method, 'request') });
        if (opts.server !== false) server.handleDatagram(now, o.from, o.to, o.bytes);
      }
      for (let s: EndpointOutput = server.poll(now); s.type !== 'timeout' && s.type !== 'idle'; s = server.poll(now)) {
        moved = true;
        if (s.type !== 'transmit') continue;
        if (s.to.ip === PEER.ip) atPeer.push(s.bytes);
        else {
          const bytes = opts.tamper ? opts.tamper(s.bytes) : s.bytes;
          if (bytes) got.push(session.receive(now, s.from, bytes));
        }
      }
    }
  };
  /** Moves the clock to `until`, stopping at every deadline of the session and the server on the way. */
  const run = (until: Micros): void => {
    pump();
    for (;;) {
      const s = server.poll(now);
      const next = Math.min(session.deadline()?.at ?? Infinity, s.type === 'timeout' ? s.at : Infinity);
      if (next > until) break;
      now = Math.max(now, next);
      session.handleTimeout(now);
      server.handleTimeout(now);
      pump();
    }
    now = until;
  };
  const fromPeer = (bytes: Uint8Array): void => {
    server.handleDatagram(now, PEER, RELAY, bytes);
    pump();
  };
  /** The server's host got an ICMP error about a datagram it sent from the relayed address (RFC 8656 §11.5). */
  const icmp = (e: IcmpError): void => {
    server.handleIcmpError(now, e);
    pump();
  };
  return { session, outcomes, notes, requests, atPeer, got, run, fromPeer, pump, icmp, at: () => now };
}

describe('TurnSession (RFC 8656 client)', () => {
  it('allocates through the 401 challenge, binds a channel and hands binary peer data back as bytes', () => {
    const b = bench();
    b.session.allocate(0);
    b.run(0);
    expect(b.requests.map((r) => r.method)).toEqual(['Allocate Request', 'Allocate Request']);
    expect(b.session.relayed).toEqual(RELAY);
    expect(b.session.mapped).toEqual(CLIENT);
    expect(b.session.bindChannel(0, PEER)).toBe(0x4000);
    expect(b.session.boundChannel(PEER)).toBeUndefined();
    b.run(0);
    expect(b.session.boundChannel(PEER)).toBe(0x4000);
    const binary = Uint8Array.of(0x16, 0xfe, 0xfd, 0x00, 0xff, 0x80, 0x00);
    b.fromPeer(binary);
    expect(b.got.at(-1)).toEqual({ peer: PEER, data: binary, via: 'channel', channel: 0x4000 });
    expect(b.session.send(PEER, binary)).toBe('channel');
    b.pump();
    expect(b.atPeer).toEqual([binary]);
    expect(b.outcomes.map((o) => [o.kind, o.ok])).toEqual([['allocate', true], ['channel', true]]);
  });

  it('gets an ICMP error about relayed data back from the server only with a permission, as the error its relayed socket would have had', () => {
    const b = bench();
    b.session.allocate(0);
    b.run(0);
    const portUnreachable: IcmpError = { from: '192.0.2.1', local: RELAY, remote: PEER, kind: 'unreachable', error: 'Port Unreachable', type: 3, code: 3, family: 4 };
    b.icmp(portUnreachable);
    expect(b.got.filter((g) => typeof g === 'object' && g.via === 'icmp')).toEqual([]);
    b.session.bindChannel(0, PEER);
    b.run(0);
    b.icmp(portUnreachable);
    const r = b.got.at(-1);
    expect(r).toEqual({ peer: PEER, via: 'icmp', icmp: { type: 3, code: 3, data: 0 } });
    expect(icmpErrorOfRelay(RELAY, LISTEN, r as TurnPeerIcmp)).toEqual({ from: LISTEN.ip, local: RELAY, remote: PEER, kind: 'unreachable', error: 'Port Unreachable', type: 3, code: 3, family: 4 });
    expect(b.notes).toContain('turn.icmp.received');
  });

  it('sends a Send indication until a channel is bound, and gets a Data indication back', () => {
    const b = bench();
    b.session.allocate(0);
    b.run(0);
    b.session.createPermission(0, [PEER]);
    b.run(0);
    expect(b.session.send(PEER, Uint8Array.of(1, 2, 3))).toBe('indication');
    b.pump();
    expect(b.atPeer).toEqual([Uint8Array.of(1, 2, 3)]);
    b.fromPeer(Uint8Array.of(4, 5));
    expect(b.got.at(-1)).toEqual({ peer: PEER, data: Uint8Array.of(4, 5), via: 'data-indication' });
  });

  it('leaves datagrams that are not its own to the owner of the shared socket', () => {
    const b = bench();
    b.session.allocate(0);
    b.run(0);
    // a Binding answer from the same server address (a STUN server on the TURN port) belongs to someone else
    const binding = encodeStun({ method: Method.Binding, class: 'success', transactionId: new Uint8Array(12).fill(7), attributes: [XorMappedAddress.of(CLIENT)] });
    expect(b.session.receive(0, LISTEN, binding)).toBeUndefined();
    expect(b.session.receive(0, PEER, Uint8Array.of(0x40, 0x00, 0x00, 0x01, 0xaa))).toBeUndefined();
    expect(b.session.receive(0, LISTEN, Uint8Array.of(0x17, 0xfe, 0xfd))).toBeUndefined();
    // ChannelData on a channel it never bound is the session's kind of traffic, but carries nothing for the owner
    expect(b.session.receive(0, LISTEN, Uint8Array.of(0x40, 0x07, 0x00, 0x01, 0xaa, 0, 0, 0))).toBe('consumed');
  });

  it('keeps a bound channel and its permission alive with a ChannelBind every 240 s, so peer data still gets through at 400 s', () => {
    const b = bench();
    b.session.allocate(0);
    b.run(0);
    b.session.bindChannel(0, PEER);
    b.run(400 * SECOND);
    const later = b.requests.filter((r) => r.at > 0);
    expect(later.map((r) => [r.method, r.at / SECOND])).toEqual([
      ['ChannelBind Request', 240],
    ]);
    b.fromPeer(Uint8Array.of(9));
    expect(b.got.at(-1)).toMatchObject({ via: 'channel', data: Uint8Array.of(9) });
  });

  it('refreshes the allocation a minute before it expires, asking for the same lifetime', () => {
    const b = bench();
    b.session.allocate(0, 120);
    b.run(0);
    expect(b.session.lifetime).toBe(120);
    b.run(61 * SECOND);
    expect(b.requests.filter((r) => r.at > 0).map((r) => [r.method, r.at / SECOND])).toEqual([['Refresh Request', 60]]);
    expect(b.session.expiresAt).toBe(180 * SECOND);
    expect(b.notes).toContain('turn.refreshed');
  });

  it('discards a success response that fails MESSAGE-INTEGRITY and retransmits until a good one comes (RFC 8489 §9.2.5)', () => {
    let spoil = false;
    const b = bench({
      tamper: (bytes) => {
        if (!spoil) return bytes;
        spoil = false;
        const bad = bytes.slice();
        const at = bad.length - 9; // inside MESSAGE-INTEGRITY, before FINGERPRINT's 8 bytes
        bad[at] = bad[at]! ^ 0xff;
        return bad;
      },
    });
    b.session.allocate(0);
    b.run(0);
    spoil = true;
    b.session.createPermission(0, [PEER]);
    b.run(0);
    expect(b.got.at(-1)).toBe('consumed');
    expect(b.notes).toContain('turn.integrity');
    expect(b.outcomes).toHaveLength(1);
    b.run(500 * MS);
    expect(b.requests.map((r) => r.method).filter((m) => m.startsWith('CreatePermission'))).toHaveLength(2);
    expect(b.outcomes.map((o) => [o.kind, o.ok])).toEqual([['allocate', true], ['permission', true]]);
  });

  it('an Allocate nobody answers fails the session when its transaction times out at 39.5 s', () => {
    const b = bench({ server: false });
    b.session.allocate(0);
    b.run(60 * SECOND);
    expect(b.requests).toHaveLength(7);
    expect(b.outcomes).toEqual([{ kind: 'allocate', keepAlive: false, ok: false, error: 'Allocate Request: timeout' }]);
    expect(b.session.failed).toBe(true);
    expect(b.notes).toEqual(expect.arrayContaining(['turn.timeout', 'turn.failed', 'stun.transaction.timeout']));
    expect(b.session.deadline()).toBeUndefined();
  });
});
