// The TURN server against an attacker on the path and a careless or greedy client: attributes appended after
// MESSAGE-INTEGRITY are ignored (RFC 8489 §14.5), the relay never reaches the server itself or a denied address in
// any of its spellings, caps hold per allocation and globally, and unauthenticated traffic leaves no state.
import { describe, expect, it } from 'vitest';
import type { TransportAddress } from '../core/endpoint.ts';
import { utf8Encode } from '../core/encoding.ts';
import { SECOND } from '../core/time.ts';
import type { StunAttribute } from '../wire/stun/index.ts';
import { Data, encodeStun, Lifetime, Method, RequestedAddressFamily, RequestedTransport, XorPeerAddress } from '../wire/stun/index.ts';
import { deniedBy, DEFAULT_DENIED_PEERS, embeddedIPv4 } from './deny.ts';
import { Bench, CLIENT, code, LISTEN, PEER } from './test-bench.ts';

/** `signed` with `extra` appended after its MESSAGE-INTEGRITY (and no FINGERPRINT), the header length fixed up. */
function appendAfterIntegrity(signed: Uint8Array, extra: StunAttribute[]): Uint8Array {
  const tid = signed.subarray(8, 20);
  const tail = encodeStun({ method: Method.Binding, class: 'request', transactionId: tid, attributes: extra }).subarray(20);
  const out = new Uint8Array(signed.length + tail.length);
  out.set(signed);
  out.set(tail, signed.length);
  new DataView(out.buffer).setUint16(2, out.length - 20);
  return out;
}

/** The request `ask` would send, signed without FINGERPRINT, then tampered with; the server's answer is returned. */
function tamper(b: Bench, method: number, attrs: StunAttribute[], extra: StunAttribute[]): Uint8Array {
  const bytes = b.request(method, attrs, { fingerprint: false });
  b.server.handleDatagram(b.now, CLIENT, LISTEN, appendAfterIntegrity(bytes, extra));
  return b.sends()[0]!.bytes;
}

describe('TURN server ignores attributes after MESSAGE-INTEGRITY (RFC 8489 §14.5)', () => {
  it('an XOR-PEER-ADDRESS appended to a signed CreatePermission installs no permission', () => {
    const b = new Bench();
    b.allocate();
    const mallory: TransportAddress = { ip: '198.51.100.66', port: 9 };
    tamper(b, Method.CreatePermission, [XorPeerAddress.of(PEER)], [XorPeerAddress.of(mallory)]);
    const alloc = [...b.server.allocations.values()][0]!;
    expect([...alloc.permissions.keys()]).toEqual([PEER.ip]);
  });

  it('a LIFETIME 0 appended to a signed Refresh does not delete the allocation', () => {
    const b = new Bench();
    b.allocate();
    tamper(b, Method.Refresh, [], [Lifetime.of(0)]);
    expect(b.server.allocations.size).toBe(1);
    expect([...b.server.allocations.values()][0]!.expiresAt).toBe(600 * SECOND);
  });
});

describe('TURN server relays only where it may', () => {
  it('drops a Send indication addressed to its own listening address', () => {
    const b = new Bench({ deniedPeers: [] });
    b.allocate();
    b.ask(Method.CreatePermission, [XorPeerAddress.of(LISTEN)]);
    b.server.handleDatagram(b.now, CLIENT, LISTEN, encodeStun({ method: Method.Send, class: 'indication', transactionId: new Uint8Array(12), attributes: [XorPeerAddress.of(LISTEN), Data.of(utf8Encode('loop'))] }));
    const out = b.drain();
    expect(out.filter((o) => o.type === 'transmit')).toEqual([]);
    expect(out.some((o) => o.type === 'note' && o.kind === 'turn.drop' && /own listening address/.test(o.text))).toBe(true);
  });

  it('finds loopback and private addresses inside every IPv6 spelling that embeds IPv4', () => {
    for (const ip of ['::127.0.0.1', '::ffff:127.0.0.1', '::ffff:0:127.0.0.1', '64:ff9b::7f00:1', '64:ff9b:1::7f00:1', '2002:7f00:1::', '2002:c0a8:101::1', '2001:0:7f00:1::ffff:fffe', '2001:0:c633:6401::80ff:fffe', 'fe80::5efe:10.0.0.1', '2001:db8::5efe:7f00:1']) {
      expect(deniedBy(ip, DEFAULT_DENIED_PEERS), ip).toBeDefined();
    }
    expect(embeddedIPv4('2001:0:c633:6401::80ff:fffe').map((e) => e.v4)).toContain('127.0.0.1');
    // a public IPv6 address and a public IPv4 one stay allowed
    for (const ip of ['2001:db8::1', '2606:4700::1111', '203.0.113.5', '64:ff9b::cb00:7105']) expect(deniedBy(ip, DEFAULT_DENIED_PEERS), ip).toBeUndefined();
  });

  it('refuses multicast, broadcast and 240/4 even when the configured deny list is empty', () => {
    for (const ip of ['224.0.0.1', '239.255.255.250', '255.255.255.255', '240.0.0.1', 'ff02::1', '0.1.2.3', '64:ff9b::e000:1']) expect(deniedBy(ip, []), ip).toBeDefined();
    const b = new Bench({ deniedPeers: [] });
    b.allocate();
    for (const ip of ['224.0.0.251', '255.255.255.255', '240.1.2.3']) expect(code(b.ask(Method.CreatePermission, [XorPeerAddress.of({ ip, port: 5353 })]).msg), ip).toBe(403);
  });

  it('refuses ::127.0.0.1, 64:ff9b::7f00:1 and 2002:7f00:1:: as peers of an IPv6 allocation', () => {
    const b = new Bench({ relayAddresses: [{ ip: '2001:db8::20', port: 49152 }] });
    expect(b.allocate([RequestedAddressFamily.of(6)]).class).toBe('success');
    for (const ip of ['::127.0.0.1', '64:ff9b::7f00:1', '2002:7f00:1::']) expect(code(b.ask(Method.CreatePermission, [XorPeerAddress.of({ ip, port: 1 })]).msg), ip).toBe(403);
  });
});

describe('TURN server caps', () => {
  it('one CreatePermission with 1,000 peers is a 508 that installs none; up to the cap of 64 they go in', () => {
    const b = new Bench();
    b.allocate();
    const peers = (n: number, third: number): StunAttribute[] => Array.from({ length: n }, (_, i) => XorPeerAddress.of({ ip: `198.${third}.${i >> 8}.${i & 255}`, port: 1 }));
    expect(code(b.ask(Method.CreatePermission, peers(1000, 18)).msg)).toBe(508);
    const alloc = [...b.server.allocations.values()][0]!;
    expect(alloc.permissions.size).toBe(0);
    expect(b.ask(Method.CreatePermission, peers(64, 18)).msg.class).toBe('success');
    expect(alloc.permissions.size).toBe(64);
    expect(code(b.ask(Method.CreatePermission, peers(1, 19)).msg)).toBe(508);
    // once they lapse, room is made again
    b.now = 301 * SECOND;
    b.ask(Method.Refresh, []);
    expect(b.ask(Method.CreatePermission, peers(1, 19)).msg.class).toBe('success');
  });

  it('holds at most maxAllocations allocations server-wide: the next Allocate is a 508', () => {
    const relays = Array.from({ length: 5 }, (_, i) => ({ ip: LISTEN.ip, port: 49152 + i }));
    const b = new Bench({ relayAddresses: relays, maxAllocations: 2, userQuota: 10 });
    const client = (i: number): TransportAddress => ({ ip: '203.0.113.10', port: 5000 + i });
    expect(b.allocate([], client(1)).class).toBe('success');
    expect(b.allocate([], client(2)).class).toBe('success');
    expect(code(b.allocate([], client(3)))).toBe(508);
  });
});

describe('TURN server under an unauthenticated flood', () => {
  it('5,000 unauthenticated requests from 5,000 addresses leave no nonce, cached answer or deadline behind', () => {
    const b = new Bench();
    b.allocate();
    const before = b.server.stateSize;
    let answered = 0;
    for (let i = 0; i < 5_000; i++) {
      const from = { ip: `203.0.${i >> 8}.${i & 255}`, port: 1000 + i };
      b.server.handleDatagram(b.now, from, LISTEN, b.request(Method.Allocate, [RequestedTransport.of(17)], { auth: false }));
      answered += b.sends().length;
      b.now += 1000;
    }
    expect(answered).toBe(5_000);
    expect(b.server.stateSize).toEqual(before);
  });

  it('a nonce works only from the address it was given to, and only until it expires', () => {
    const b = new Bench({ nonceLifetime: 10 * SECOND });
    b.ask(Method.Allocate, [RequestedTransport.of(17)], { auth: false });
    const other = { ip: '203.0.113.99', port: 5000 };
    expect(code(b.ask(Method.Allocate, [RequestedTransport.of(17)], { from: other, nonce: b.nonce }).msg)).toBe(438);
    b.ask(Method.Allocate, [RequestedTransport.of(17)], { auth: false });
    expect(code(b.ask(Method.Allocate, [RequestedTransport.of(17)], { nonce: b.nonce.replace(/^./, (c) => (c === '0' ? '1' : '0')) }).msg)).toBe(438);
    b.now = 10 * SECOND;
    expect(code(b.ask(Method.Allocate, [RequestedTransport.of(17)]).msg)).toBe(438);
    expect(b.ask(Method.Allocate, [RequestedTransport.of(17)]).msg.class).toBe('success');
  });
});
