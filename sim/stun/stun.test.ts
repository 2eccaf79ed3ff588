// STUN endpoints driven by hand, with explicit instants: the client transaction timer of RFC 8489 §6.2.1, the
// Binding server and its RFC 5780 answers, and the 420 for unknown comprehension-required attributes.
import { describe, expect, it } from 'vitest';
import type { EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import { MS } from '../core/time.ts';
import {
  ChangeRequest,
  decodeStun,
  encodeStun,
  ErrorCode,
  getAttribute,
  Method,
  OtherAddress,
  Padding,
  ResponsePort,
  rawAttribute,
  ResponseOrigin,
  Software,
  UnknownAttributes,
  verifyFingerprint,
  XorMappedAddress,
} from '../wire/stun/index.ts';
import { StunBindingClient } from './binding-client.ts';
import { StunServer } from './server.ts';

const CLIENT: TransportAddress = { ip: '203.0.113.10', port: 5000 };
const SERVER: TransportAddress = { ip: '198.51.100.10', port: 3478 };
const ALT: TransportAddress = { ip: '198.51.100.11', port: 3479 };

function drain(e: { poll(now: number): EndpointOutput }, now: number): EndpointOutput[] {
  const out: EndpointOutput[] = [];
  for (;;) {
    const o = e.poll(now);
    out.push(o);
    if (o.type === 'timeout' || o.type === 'idle') return out;
  }
}
const transmits = (o: EndpointOutput[]) => o.filter((x) => x.type === 'transmit');

describe('STUN client transactions (RFC 8489 §6.2.1)', () => {
  it('retransmits at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s and times out at 39.5 s', () => {
    const c = new StunBindingClient('alice', CLIENT, SERVER, Rng.fromSeed(1));
    const sentAt: number[] = [];
    let now = 0;
    let notes: string[] = [];
    for (let i = 0; i < 20; i++) {
      c.handleTimeout(now);
      const out = drain(c, now);
      for (let k = 0; k < transmits(out).length; k++) sentAt.push(now);
      notes = notes.concat(out.flatMap((o) => (o.type === 'note' ? [o.kind] : [])));
      const last = out[out.length - 1]!;
      if (last.type !== 'timeout') break;
      expect(last.reason).toBe('stun-retransmit');
      now = last.at;
    }
    expect(sentAt.map((t) => t / MS)).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(now / MS).toBe(39500);
    expect(notes.filter((k) => k === 'stun.retransmit')).toHaveLength(6);
    expect(notes).toContain('stun.transaction.timeout');
    expect(c.outcomes).toEqual([expect.objectContaining({ error: 'timeout', attempts: 7 })]);
  });

  it('every retransmission is the same bytes, and the transaction id comes from the RNG', () => {
    const run = (seed: number) => {
      const c = new StunBindingClient('alice', CLIENT, SERVER, Rng.fromSeed(seed));
      c.handleTimeout(0);
      const a = transmits(drain(c, 0));
      c.handleTimeout(500 * MS);
      const b = transmits(drain(c, 500 * MS));
      return [a[0]!, b[0]!].map((t) => (t.type === 'transmit' ? t.bytes : new Uint8Array()));
    };
    const [first, second] = run(7);
    expect(second).toEqual(first);
    expect(run(7)[0]).toEqual(first);
    expect(run(8)[0]!.subarray(8, 20)).not.toEqual(first!.subarray(8, 20));
  });

  it('a response ends the transaction: no retransmission follows, the mapped address is reported', () => {
    const c = new StunBindingClient('alice', CLIENT, SERVER, Rng.fromSeed(1));
    const s = new StunServer({ primary: SERVER });
    c.handleTimeout(0);
    const req = transmits(drain(c, 0))[0]!;
    if (req.type !== 'transmit') throw new Error('no request');
    s.handleDatagram(20 * MS, { ip: '192.0.2.77', port: 40000 }, SERVER, req.bytes);
    const resp = transmits(drain(s, 20 * MS))[0]!;
    if (resp.type !== 'transmit') throw new Error('no response');
    c.handleDatagram(40 * MS, SERVER, CLIENT, resp.bytes);
    const after = drain(c, 40 * MS);
    expect(after[after.length - 1]).toEqual({ type: 'idle' });
    expect(c.outcomes).toEqual([expect.objectContaining({ mapped: '192.0.2.77:40000', rtt: 40 * MS, attempts: 1 })]);
  });
});

describe('the STUN server', () => {
  const request = (attrs: Parameters<typeof encodeStun>[0]['attributes']) =>
    encodeStun({ method: Method.Binding, class: 'request', transactionId: new Uint8Array(12).fill(7), attributes: attrs });
  const ask = (s: StunServer, bytes: Uint8Array, to: TransportAddress = SERVER) => {
    s.handleDatagram(0, CLIENT, to, bytes);
    const t = transmits(drain(s, 0));
    expect(t).toHaveLength(1);
    const x = t[0]!;
    if (x.type !== 'transmit') throw new Error();
    return { from: x.from, to: x.to, bytes: x.bytes, msg: decodeStun(x.bytes).value! };
  };

  it('answers Binding with XOR-MAPPED-ADDRESS, SOFTWARE and a valid FINGERPRINT', () => {
    const r = ask(new StunServer({ primary: SERVER }), request([]));
    expect(r.msg.class).toBe('success');
    expect(getAttribute(r.msg, XorMappedAddress)).toEqual(CLIENT);
    expect(getAttribute(r.msg, Software)).toBe('rtclab stun');
    expect(verifyFingerprint(r.bytes).ok).toBe(true);
    expect(r.from).toEqual(SERVER);
  });

  it('answers an unknown comprehension-required attribute with 420 and UNKNOWN-ATTRIBUTES', () => {
    const r = ask(new StunServer({ primary: SERVER }), request([rawAttribute(0x7f01, new Uint8Array(4)), rawAttribute(0xbf01, new Uint8Array(4))]));
    expect(r.msg.class).toBe('error');
    expect(getAttribute(r.msg, ErrorCode)?.code).toBe(420);
    expect(getAttribute(r.msg, UnknownAttributes)).toEqual([0x7f01]);
  });

  it('with an alternate address, tells OTHER-ADDRESS and RESPONSE-ORIGIN and obeys CHANGE-REQUEST (RFC 5780 §6.1)', () => {
    const s = new StunServer({ primary: SERVER, alternate: ALT });
    const plain = ask(s, request([]));
    expect(getAttribute(plain.msg, OtherAddress)).toEqual(ALT);
    expect(getAttribute(plain.msg, ResponseOrigin)).toEqual(SERVER);
    const both = ask(s, request([ChangeRequest.of({ changeIp: true, changePort: true })]));
    expect(both.from).toEqual(ALT);
    expect(getAttribute(both.msg, ResponseOrigin)).toEqual(ALT);
    const port = ask(s, request([ChangeRequest.of({ changeIp: false, changePort: true })]));
    expect(port.from).toEqual({ ip: SERVER.ip, port: ALT.port });
    // a request that arrived on A2:P1 has OTHER-ADDRESS A1:P2
    const onAlt = ask(s, request([]), { ip: ALT.ip, port: SERVER.port });
    expect(getAttribute(onAlt.msg, OtherAddress)).toEqual({ ip: SERVER.ip, port: ALT.port });
    expect(s.addresses()).toHaveLength(4);
  });

  it('sends the answer to RESPONSE-PORT, and pads the answer to a padded request (RFC 5780 §7.5, §7.6)', () => {
    const s = new StunServer({ primary: SERVER, alternate: ALT });
    const moved = ask(s, request([ResponsePort.of(6000)]));
    expect(moved.to).toEqual({ ip: CLIENT.ip, port: 6000 });
    const padded = request([Padding.of(new Uint8Array(400))]);
    const r = ask(s, padded);
    expect(r.bytes.length).toBe(padded.length);
    expect(verifyFingerprint(r.bytes).ok).toBe(true);
  });

  it('without an alternate address, CHANGE-REQUEST gets 420 (RFC 5780 §6.1)', () => {
    const r = ask(new StunServer({ primary: SERVER }), request([ChangeRequest.of({ changeIp: true, changePort: false })]));
    expect(getAttribute(r.msg, ErrorCode)?.code).toBe(420);
    expect(getAttribute(r.msg, UnknownAttributes)).toEqual([0x0003]);
  });

  it('ignores indications, responses and non-STUN bytes', () => {
    const s = new StunServer({ primary: SERVER });
    s.handleDatagram(0, CLIENT, SERVER, new Uint8Array([1, 2, 3]));
    s.handleDatagram(0, CLIENT, SERVER, encodeStun({ method: Method.Binding, class: 'indication', transactionId: new Uint8Array(12), attributes: [] }));
    expect(drain(s, 0)).toEqual([{ type: 'idle' }]);
  });
});
