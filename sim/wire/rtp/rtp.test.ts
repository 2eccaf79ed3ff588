import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8Encode } from '../../core/encoding.ts';
import { findField } from '../field.ts';
import { absSendTimeFromMicros, encodeNamedExtension, EXT_URI } from './extensions.ts';
import { decodeRtp, encodeRtp, rtpHeaderLength, rtpPacketToSpec } from './rtp.ts';

const MAP = new Map<number, string>([
  [1, EXT_URI.audioLevel],
  [2, EXT_URI.absSendTime],
  [3, EXT_URI.transportWideCc],
  [4, EXT_URI.mid],
  [20, EXT_URI.rid],
]);

describe('RTP fixed header (RFC 3550 §5.1)', () => {
  // V=2 P=0 X=0 CC=0, M=1 PT=96, seq 0x1234, ts 0xdeadbeef, SSRC 0x01020304, payload "hi".
  const bytes = fromHex('80e01234deadbeef01020304' + '6869');

  it('decodes every field of a hand-written packet', () => {
    const { value, problems } = decodeRtp(bytes);
    expect(problems).toEqual([]);
    expect(value.header).toMatchObject({ version: 2, padding: false, marker: true, payloadType: 96, sequenceNumber: 0x1234, timestamp: 0xdeadbeef, ssrc: 0x01020304, csrcs: [], headerLength: 12 });
    expect(toHex(value.payload)).toBe('6869');
  });

  it('gives bit-field spans for the flags and byte spans for the rest', () => {
    const { fields } = decodeRtp(bytes);
    // A bit field's span is the bytes its bits touch, with the bit range inside them.
    expect(findField(fields, 'marker')).toMatchObject({ offset: 1, length: 1, bits: { start: 0, count: 1 }, display: '1' });
    expect(findField(fields, 'payloadType')).toMatchObject({ offset: 1, length: 1, bits: { start: 1, count: 7 }, display: '96' });
    expect(findField(fields, 'sequence number')).toMatchObject({ offset: 2, length: 2, display: '4660' });
    expect(findField(fields, 'SSRC')).toMatchObject({ offset: 8, length: 4, display: '0x01020304' });
    expect(findField(fields, 'payload')).toMatchObject({ offset: 12, length: 2 });
  });

  it('encodes the same bytes back', () => {
    expect(toHex(encodeRtp({ marker: true, payloadType: 96, sequenceNumber: 0x1234, timestamp: 0xdeadbeef, ssrc: 0x01020304, payload: utf8Encode('hi') }))).toBe(toHex(bytes));
  });

  it('round-trips CSRCs and padding, and strips padding from the payload', () => {
    const b = encodeRtp({ payloadType: 0, sequenceNumber: 1, timestamp: 2, ssrc: 3, csrcs: [0xa, 0xb], payload: Uint8Array.of(9, 9, 9), padding: 5 });
    expect(b.length).toBe(12 + 8 + 3 + 5);
    expect(b[0]).toBe(0xa2); // V=2, P=1, CC=2
    const { value, problems, fields } = decodeRtp(b);
    expect(problems).toEqual([]);
    expect(value.header.csrcs).toEqual([0xa, 0xb]);
    expect(value.paddingLength).toBe(5);
    expect(toHex(value.payload)).toBe('090909');
    expect(findField(fields, 'padding bytes')).toMatchObject({ offset: 23, length: 5 });
    expect(toHex(encodeRtp(rtpPacketToSpec(value)))).toBe(toHex(b));
  });

  it('reports an impossible padding count instead of trusting it', () => {
    const b = fromHex('a0000001000000020000000301ff');
    const { value, problems } = decodeRtp(b);
    expect(problems[0]?.message).toMatch(/padding count 255/);
    expect(value.paddingLength).toBe(0);
  });
});

describe('RTP header extensions (RFC 8285)', () => {
  const elements = [
    { id: 1, data: encodeNamedExtension({ kind: 'audio-level', voiceActivity: true, level: 42 }) },
    { id: 2, data: encodeNamedExtension({ kind: 'abs-send-time', raw: absSendTimeFromMicros(1_500_000), seconds: 1.5 }) },
    { id: 3, data: encodeNamedExtension({ kind: 'transport-wide-cc', sequenceNumber: 4321 }) },
    { id: 4, data: encodeNamedExtension({ kind: 'mid', value: '0' }) },
  ];

  it('writes the one-byte form 0xBEDE with ID/len nibbles and zero padding to 32 bits', () => {
    const b = encodeRtp({ payloadType: 111, sequenceNumber: 1, timestamp: 0, ssrc: 1, extension: { elements }, payload: new Uint8Array(0) });
    // 2 + 4 + 3 + 2 = 11 bytes of elements, one byte of padding: 3 words.
    expect(toHex(b.subarray(12))).toBe('bede0003' + '10aa' + '22' + '060000' + '3110e1' + '4030' + '00');
  });

  it('names the elements from the extmap: audio level, abs-send-time, transport-wide seq, mid', () => {
    const b = encodeRtp({ payloadType: 111, sequenceNumber: 1, timestamp: 0, ssrc: 1, extension: { elements }, payload: Uint8Array.of(1) });
    const { value, problems, fields } = decodeRtp(b, { extensions: MAP });
    expect(problems).toEqual([]);
    const ext = value.header.extension!;
    expect(ext.form).toBe('one-byte');
    expect(ext.elements.map((e) => e.named)).toEqual([
      { kind: 'audio-level', voiceActivity: true, level: 42 },
      { kind: 'abs-send-time', raw: 0x060000, seconds: 1.5 },
      { kind: 'transport-wide-cc', sequenceNumber: 4321 },
      { kind: 'mid', value: '0' },
    ]);
    expect(findField(fields, 'extension 4 mid')).toMatchObject({ offset: 25, length: 2, display: 'mid "0"' });
    expect(findField(fields, 'extension padding')).toMatchObject({ offset: 27, length: 1 });
    expect(toHex(value.payload)).toBe('01');
  });

  it('switches to the two-byte form for ids above 14 or empty/long data, and reads it back', () => {
    const two = [{ id: 20, data: utf8Encode('hq') }, { id: 5, data: new Uint8Array(0) }, { id: 6, data: new Uint8Array(17).fill(7) }];
    const b = encodeRtp({ payloadType: 96, sequenceNumber: 1, timestamp: 0, ssrc: 1, extension: { elements: two, appBits: 3 }, payload: new Uint8Array(0) });
    expect(toHex(b.subarray(12, 16))).toBe('10030007'); // 0x100 + appbits 3; elements 4 + 2 + 19 = 25 bytes → 7 words
    const { value, problems } = decodeRtp(b, { extensions: MAP });
    expect(problems).toEqual([]);
    const ext = value.header.extension!;
    expect(ext.form).toBe('two-byte');
    expect(ext.elements.map((e) => [e.id, e.data.length])).toEqual([[20, 2], [5, 0], [6, 17]]);
    expect(ext.elements[0]!.named).toEqual({ kind: 'rid', value: 'hq' });
  });

  it('keeps an unknown profile opaque and stops at a reserved one-byte id 15', () => {
    const opaque = encodeRtp({ payloadType: 96, sequenceNumber: 1, timestamp: 0, ssrc: 1, extension: { profile: 0xabac, raw: fromHex('01020304') }, payload: new Uint8Array(0) });
    expect(decodeRtp(opaque).value.header.extension).toMatchObject({ form: 'opaque', elements: [] });
    const reserved = fromHex('900000010000000000000001bede0001f0000000');
    const d = decodeRtp(reserved);
    expect(d.problems[0]?.message).toMatch(/id 15 is reserved/);
  });

  it('reports a one-byte element that uses the padding id 0', () => {
    expect(decodeRtp(fromHex('900000010000000000000001bede0001' + '05000000')).problems[0]?.message).toMatch(/padding id 0/);
  });

  it('reports an element running past the extension', () => {
    const b = fromHex('900000010000000000000001bede0001' + '13aabbcc'); // id 1, len 4, only 3 bytes left
    expect(decodeRtp(b).problems[0]?.message).toMatch(/needs 4 byte/);
  });
});

describe('RTP decoding never throws', () => {
  it('turns every truncation of a packet with CSRCs, extension and padding into problems', () => {
    const b = encodeRtp({ payloadType: 96, sequenceNumber: 7, timestamp: 0, ssrc: 1, csrcs: [5], extension: { elements: [{ id: 1, data: Uint8Array.of(1, 2) }] }, payload: Uint8Array.of(1, 2, 3), padding: 4 });
    const headerLength = 12 + 4 + 8;
    for (let n = 0; n < b.length; n++) {
      const cut = b.subarray(0, n);
      const d = decodeRtp(cut, { extensions: MAP });
      // Cut inside the header: always a problem. Cut in the payload: the last byte may pass for a padding count.
      if (n < headerLength) expect(d.problems.length, `cut at ${n}`).toBeGreaterThan(0);
      expect(rtpHeaderLength(cut) === undefined).toBe(n < headerLength);
    }
    expect(decodeRtp(b).problems).toEqual([]);
  });
});
