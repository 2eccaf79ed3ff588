import { describe, expect, test } from 'vitest';
import { toHex } from '../../core/encoding.ts';
import { Rng } from '../../core/rng.ts';
import { decodeHandshakeFragments, encodeHandshake } from './handshake.ts';
import type { HandshakeFragment, HandshakeMessage } from './handshake.ts';
import { HandshakeReassembler, fragmentHandshake, fragmentHandshakeBody } from './fragment.ts';

const cert: HandshakeMessage = { messageSeq: 2, body: { type: 'certificate', certificates: [Uint8Array.from({ length: 600 }, (_, i) => i & 0xff)] } };

function frags(m: HandshakeMessage, max: number): HandshakeFragment[] {
  return fragmentHandshake(m, max).map((b) => decodeHandshakeFragments(b).value[0]!.fragment);
}

describe('fragmenting a handshake message (RFC 6347 §4.2.3)', () => {
  test('each piece fits the size limit and the pieces tile the body', () => {
    const pieces = fragmentHandshake(cert, 200);
    expect(pieces.every((p) => p.length <= 200)).toBe(true);
    const fs = pieces.map((b) => decodeHandshakeFragments(b).value[0]!.fragment);
    expect(fs.map((f) => f.fragmentOffset)).toEqual([0, 188, 376, 564]);
    expect(fs.every((f) => f.length === 606 && f.messageSeq === 2 && f.msgType === 11)).toBe(true);
  });

  test('an empty body still makes one fragment; a size with no room for data is refused', () => {
    expect(fragmentHandshakeBody(14, 4, new Uint8Array(0), 100).map((b) => toHex(b))).toEqual(['0e0000000004000000000000']);
    expect(() => fragmentHandshakeBody(14, 4, new Uint8Array(3), 12)).toThrow(RangeError);
  });
});

describe('reassembling fragments', () => {
  const whole = toHex(encodeHandshake(cert));

  test('fragments in any order yield the message once, with the unfragmented header', () => {
    const rng = Rng.fromSeed(9);
    for (let round = 0; round < 20; round++) {
      const fs = frags(cert, 12 + rng.int(1, 300));
      for (let i = fs.length - 1; i > 0; i--) {
        const j = rng.int(0, i + 1);
        [fs[i], fs[j]] = [fs[j]!, fs[i]!];
      }
      const r = new HandshakeReassembler({ firstMessageSeq: 2 });
      const out = fs.flatMap((f) => r.push(f).messages);
      expect(out.length).toBe(1);
      expect(toHex(out[0]!.bytes)).toBe(whole);
    }
  });

  test('overlapping fragments of different sizes (a retransmission with a smaller MTU) still reassemble', () => {
    const r = new HandshakeReassembler({ ordered: false });
    const big = frags(cert, 400);
    const small = frags(cert, 100);
    expect(r.push(big[0]!).messages).toEqual([]);
    const out = small.flatMap((f) => r.push(f).messages);
    expect(out.map((m) => toHex(m.bytes))).toEqual([whole]);
    expect(r.push(big[1]!).duplicate).toBe(true);
  });

  test('an overlap whose bytes disagree is a problem and is dropped', () => {
    const r = new HandshakeReassembler({ firstMessageSeq: 2 });
    const [a] = frags(cert, 200);
    r.push(a!);
    const evil = { ...a!, fragment: a!.fragment.map((x) => x ^ 1) };
    const res = r.push(evil);
    expect(res.problems[0]?.message).toMatch(/disagrees/);
  });

  test('fragments that disagree on type or length, run past the end, or claim a huge length are problems', () => {
    const r = new HandshakeReassembler({ firstMessageSeq: 2, maxMessageLength: 4096 });
    const [a, b] = frags(cert, 200);
    r.push(a!);
    expect(r.push({ ...b!, msgType: 12 }).problems[0]?.message).toMatch(/earlier fragments said/);
    expect(r.push({ ...b!, length: 700 }).problems[0]?.message).toMatch(/earlier fragments said/);
    expect(r.push({ ...b!, fragmentOffset: 600 }).problems[0]?.message).toMatch(/runs past/);
    expect(r.push({ ...b!, messageSeq: 3, length: 0xffffff, fragmentOffset: 0 }).problems[0]?.message).toMatch(/exceeds the limit/);
  });

  test('limits bound what a hostile peer can make us buffer', () => {
    const r = new HandshakeReassembler({ maxPendingMessages: 3, maxSeqAhead: 100 });
    const piece = { msgType: 11, length: 1000, fragmentOffset: 0, fragment: new Uint8Array(10) };
    for (let s = 1; s <= 3; s++) expect(r.push({ ...piece, messageSeq: s }).problems).toEqual([]);
    expect(r.push({ ...piece, messageSeq: 4 }).problems[0]?.message).toMatch(/too many/);
    expect(new HandshakeReassembler({ maxSeqAhead: 4 }).push({ ...piece, messageSeq: 9 }).problems[0]?.message).toMatch(/too far ahead/);
    expect(r.incomplete).toEqual([1, 2, 3]);
  });

  test('ordered mode holds a later message until the earlier one is complete, and ignores retransmissions', () => {
    const r = new HandshakeReassembler();
    const m0 = frags({ messageSeq: 0, body: { type: 'server_hello_done' } }, 100)[0]!;
    const m1 = frags({ messageSeq: 1, body: { type: 'finished', verifyData: new Uint8Array(12) } }, 100)[0]!;
    expect(r.push(m1).messages).toEqual([]);
    expect(r.push(m0).messages.map((m) => m.messageSeq)).toEqual([0, 1]);
    expect(r.push(m0).duplicate).toBe(true);
    expect(r.nextSeq).toBe(2);
  });
});
