// Cutting STUN, ChannelData and RFC 4571 frames back out of a byte stream, however TCP split or merged them.
import { describe, expect, it } from 'vitest';
import { encodeChannelData, encodeStun, Method, Software } from '../wire/stun/index.ts';
import { frameForStream, StreamFramer } from './stream-framer.ts';

const tid = new Uint8Array(12).fill(7);
const binding = encodeStun({ method: Method.Binding, class: 'request', transactionId: tid, attributes: [Software.of('x')] });
const data5 = new Uint8Array([1, 2, 3, 4, 5]);
const cd = encodeChannelData({ channel: 0x4001, data: data5 });

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('STUN/TURN stream framing (RFC 8656 §3.1, §12.5)', () => {
  it('pads ChannelData to a multiple of 4 on a stream and leaves STUN as it is', () => {
    expect(cd.length).toBe(9);
    const framed = frameForStream('stun', cd);
    expect(framed.length).toBe(12);
    expect([...framed.subarray(9)]).toEqual([0, 0, 0]);
    expect(frameForStream('stun', binding)).toBe(binding);
  });

  it('reassembles messages delivered one byte at a time and splits messages delivered together', () => {
    const stream = concat(binding, frameForStream('stun', cd), binding);
    const oneByOne = new StreamFramer('stun');
    const got: Uint8Array[] = [];
    for (const b of stream) got.push(...oneByOne.push(new Uint8Array([b])).messages);
    expect(got.map((m) => m.length)).toEqual([binding.length, 12, binding.length]);
    expect([...got[1]!.subarray(0, 9)]).toEqual([...cd]);
    const together = new StreamFramer('stun').push(stream);
    expect(together.messages.map((m) => m.length)).toEqual([binding.length, 12, binding.length]);
    expect(together.error).toBeUndefined();
  });

  it('keeps a partial message until the rest arrives', () => {
    const f = new StreamFramer('stun');
    expect(f.push(binding.subarray(0, 3)).messages).toEqual([]);
    expect(f.push(binding.subarray(3, 25)).messages).toEqual([]);
    expect(f.pending).toBe(25);
    const r = f.push(binding.subarray(25));
    expect(r.messages).toHaveLength(1);
    expect([...r.messages[0]!]).toEqual([...binding]);
    expect(f.pending).toBe(0);
  });

  it('breaks for good on a first byte that is neither STUN nor ChannelData, naming the byte and where', () => {
    const f = new StreamFramer('stun');
    const r = f.push(concat(binding, new Uint8Array([0x16, 0x03, 0x01, 0x00, 0x10])));
    expect(r.messages).toHaveLength(1);
    expect(r.error).toBe(`first byte 0x16 starts neither a STUN message (00) nor ChannelData (01) (RFC 8656 §12) at byte ${binding.length} of the stream`);
    expect(f.push(binding)).toEqual({ messages: [], error: r.error });
  });

  it('refuses a STUN length that is not a multiple of 4', () => {
    const bad = binding.slice();
    bad[3] = bad[3]! + 1;
    expect(new StreamFramer('stun').push(bad).error).toMatch(/^STUN message length \d+ is not a multiple of 4 \(RFC 8489 §5\) at byte 0/);
  });
});

describe('RFC 4571 framing (ICE-TCP, RFC 6544 §3)', () => {
  it('prefixes a 16-bit length and cuts frames back out, empty ones included', () => {
    const framed = frameForStream('rfc4571', data5);
    expect([...framed]).toEqual([0, 5, 1, 2, 3, 4, 5]);
    const f = new StreamFramer('rfc4571');
    const r = f.push(concat(framed, frameForStream('rfc4571', new Uint8Array(0)), framed.subarray(0, 4)));
    expect(r.messages.map((m) => [...m])).toEqual([[1, 2, 3, 4, 5], []]);
    expect(f.push(framed.subarray(4)).messages.map((m) => [...m])).toEqual([[1, 2, 3, 4, 5]]);
  });
});
