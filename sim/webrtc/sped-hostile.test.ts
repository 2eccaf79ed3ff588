// SPED against bad input: checks with DTLS-IN-STUN attributes that do not authenticate, that are garbled (an ACK cut
// short, a repeated DATA), or that carry a truncated record or CRCs of nothing. Only an authenticated check may
// change SPED's state or reach DTLS; every refusal is a note. A transport with SPED on (a DTLS server) faces a
// hand-made peer whose checks are built field by field.
import { describe, expect, it } from 'vitest';
import type { EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import { generateDtlsIdentity } from '../dtls/identity.ts';
import { createDtlsEndpoint } from '../dtls/v13/factory.ts';
import { IceAgent } from '../ice/agent.ts';
import { checkAttributes, checkEncodeOptions } from '../ice/checks.ts';
import { AttrType, crc32, decodeStun, DtlsInStunAck, DtlsInStunData, encodeStun, getAttribute, Method, rawAttribute, type StunAttribute } from '../wire/stun/index.ts';
import { IceDtlsSrtpTransport } from './transport.ts';

const ALICE: TransportAddress = { ip: '192.0.2.1', port: 5000 };
const BOB: TransportAddress = { ip: '192.0.2.2', port: 6000 };

function setup() {
  const rng = Rng.fromSeed(11);
  const ids = { client: generateDtlsIdentity(rng.fork('client-id'), 'client'), server: generateDtlsIdentity(rng.fork('server-id'), 'server') };
  const alice = new IceAgent({ name: 'alice', rng: rng.fork('alice'), role: 'controlling', trickle: false });
  const bob = new IceAgent({ name: 'bob', rng: rng.fork('bob'), role: 'controlled', trickle: false });
  alice.addLocalAddress(ALICE);
  bob.addLocalAddress(BOB);
  const t = new IceDtlsSrtpTransport(alice, { media: () => undefined }, { sped: true });
  t.startDtls({ role: 'server', rng: rng.fork('server-dtls'), identity: ids.server, remoteFingerprint: ids.client.fingerprint });
  const drain = (now: number): EndpointOutput[] => {
    const out: EndpointOutput[] = [];
    for (let o = t.poll(now); o.type !== 'timeout' && o.type !== 'idle'; o = t.poll(now)) out.push(o);
    return out;
  };
  drain(0);
  for (let o = bob.poll(0); o.type !== 'timeout' && o.type !== 'idle'; o = bob.poll(0));
  for (const s of bob.takeSignals()) alice.handleSignal(0, s);
  for (const s of alice.takeSignals()) bob.handleSignal(0, s);
  // bob's ClientHello, from a real DTLS client
  const client = createDtlsEndpoint({ role: 'client', rng: rng.fork('client-dtls'), identity: ids.client, remoteFingerprint: ids.server.fingerprint, local: BOB, remote: ALICE });
  let hello: Uint8Array | undefined;
  for (let o = client.poll(0); !hello && o.type !== 'timeout' && o.type !== 'idle'; o = client.poll(0)) if (o.type === 'transmit') hello = o.bytes;
  let id = 0;
  /** A check from bob with `extra` after ICE's attributes, signed with `pwd` (alice's when left out). */
  const check = (extra: StunAttribute[], pwd = alice.pwd): Uint8Array =>
    encodeStun({
      method: Method.Binding, class: 'request', transactionId: new Uint8Array(12).fill(++id),
      attributes: [...checkAttributes({ localUfrag: bob.ufrag, remoteUfrag: alice.ufrag, priority: 1853824767, controlling: false, tieBreaker: bob.tieBreaker, useCandidate: false }), ...extra],
    }, checkEncodeOptions(pwd));
  /** Hands a datagram from bob to alice's transport at 100 ms: SPED's notes, the DTLS datagrams sent, the STUN answers. */
  const deliver = (bytes: Uint8Array): { notes: string[]; dtlsOut: number; answers: ReturnType<typeof decodeStun>['value'][] } => {
    t.handleDatagram(100_000, BOB, ALICE, bytes);
    const out = drain(100_000);
    return {
      notes: out.flatMap((o) => (o.type === 'note' && o.kind === 'peer.sped' ? [o.text] : [])),
      dtlsOut: out.filter((o) => o.type === 'transmit' && o.bytes[0]! >= 20 && o.bytes[0]! <= 63).length,
      answers: out.flatMap((o) => (o.type === 'transmit' && o.bytes[0]! < 2 ? [decodeStun(o.bytes, false).value] : [])).filter((m) => m?.class !== 'request'),
    };
  };
  return { t, hello: hello!, check, deliver };
}

describe('SPED refuses what a check did not authenticate', () => {
  it('a check with a wrong MESSAGE-INTEGRITY: a note, a 401, no state change and nothing for DTLS', () => {
    const { t, hello, check, deliver } = setup();
    const r = deliver(check([DtlsInStunData.of(hello), DtlsInStunAck.of([0x11111111])], 'not-alices-password-0123'));
    expect(r.notes).toEqual(['alice: ignores DTLS-IN-STUN from 192.0.2.2:6000: check rejected: 401 Unauthorized, nothing in it is taken']);
    expect(r.answers.map((a) => a?.class)).toEqual(['error']);
    expect(t.sped!.state).toBe('tentative');
    expect(t.sped!.acknowledgements()).toEqual([]);
    expect(r.dtlsOut).toBe(0);
    expect(t.dtls!.state).not.toBe('failed');
  });

  it('the same check signed with the right password is taken: DTLS answers in the success response, which acknowledges it', () => {
    const { t, hello, check, deliver } = setup();
    const r = deliver(check([DtlsInStunData.of(hello), DtlsInStunAck.of([])]));
    expect(t.sped!.state).toBe('confirmed');
    expect(r.notes[0]).toContain('TENTATIVE → CONFIRMED');
    const ok = r.answers.find((a) => a?.class === 'success')!;
    expect(getAttribute(ok, DtlsInStunAck)).toEqual([crc32(hello)]);
    expect(getAttribute(ok, DtlsInStunData)![0]).toBe(22); // the HelloVerifyRequest's handshake record
  });
});

describe('SPED and garbled attributes in an authenticated check', () => {
  it('an ACK cut short (6 bytes): the SPED attributes are ignored with a note naming the problem, nothing changes', () => {
    const { t, hello, check, deliver } = setup();
    const r = deliver(check([DtlsInStunData.of(hello), rawAttribute(AttrType.DtlsInStunAck, Uint8Array.from([1, 2, 3, 4, 5, 6]))]));
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]).toMatch(/^alice: ignores the SPED attributes of an authenticated check: DTLS-IN-STUN-ACK: 2 byte\(s\) left over/);
    expect(t.sped!.state).toBe('tentative');
    expect(r.dtlsOut).toBe(0);
    // the check itself is answered as ICE answers any good check
    expect(r.answers.map((a) => a?.class)).toEqual(['success']);
  });

  it('DTLS-IN-STUN-DATA twice: ignored with a note', () => {
    const { t, hello, check, deliver } = setup();
    const r = deliver(check([DtlsInStunData.of(hello), DtlsInStunData.of(hello), DtlsInStunAck.of([])]));
    expect(r.notes[0]).toContain('DTLS-IN-STUN-DATA appears 2 times');
    expect(t.sped!.state).toBe('tentative');
    expect(r.dtlsOut).toBe(0);
  });

  it('a truncated DTLS record reaches DTLS, which discards it without failing; CRCs of nothing prune nothing', () => {
    const { t, hello, check, deliver } = setup();
    const r = deliver(check([DtlsInStunData.of(hello.subarray(0, 40)), DtlsInStunAck.of([0xdeadbeef, 0x01020304])]));
    expect(t.sped!.state).toBe('confirmed');
    expect(r.notes.some((n) => n.includes('takes a 40-byte DTLS packet'))).toBe(true);
    expect(r.dtlsOut).toBe(0);
    expect(t.dtls!.state).toBe('connecting');
    // the whole ClientHello afterwards still works
    const next = deliver(check([DtlsInStunData.of(hello), DtlsInStunAck.of([])]));
    expect(next.answers.some((a) => a && getAttribute(a, DtlsInStunData)?.[0] === 22)).toBe(true);
  });

  it('an embedded packet that is not DTLS is dropped with a note; the check still confirms SPED', () => {
    const { t, check, deliver } = setup();
    const r = deliver(check([DtlsInStunData.of(Uint8Array.from([0x80, 0x60, 0, 1])), DtlsInStunAck.of([])]));
    expect(r.notes.some((n) => n.includes('first byte 128 is not DTLS'))).toBe(true);
    expect(t.sped!.state).toBe('confirmed');
    expect(r.dtlsOut).toBe(0);
  });
});
