import { describe, expect, it } from 'vitest';
import { Reader } from './reader.ts';
import { bytes, hex, struct, uint } from './struct.ts';
import { Writer } from './writer.ts';

// The DTLS 1.2 record header (RFC 6347 §4.1): whole-byte fields of 8, 16, 16, 48 and 16 bits
const RecordHeader = struct('DTLSPlaintext', [uint('type', 8), uint('version', 16, hex(4)), uint('epoch', 16), uint('sequence_number', 48), uint('length', 16)]);
// The RTP fixed header's first two bytes (RFC 3550 §5.1): bit fields
const RtpFirst = struct('RTP', [uint('V', 2), uint('P', 1), uint('X', 1), uint('CC', 4), uint('M', 1), uint('PT', 7), uint('sequence', 16), bytes('ssrc', 4)]);

describe('struct', () => {
  it('decodes and encodes runs of whole-byte fields wider than 32 bits in total', () => {
    const raw = Uint8Array.from([0x16, 0xfe, 0xfd, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x30]);
    const r = new Reader(raw);
    const v = RecordHeader.decode(r);
    expect(v).toEqual({ type: 22, version: 0xfefd, epoch: 1, sequence_number: 0x102, length: 48 });
    expect(r.fields.map((f) => [f.name, f.offset, f.length])).toEqual([
      ['type', 0, 1],
      ['version', 1, 2],
      ['epoch', 3, 2],
      ['sequence_number', 5, 6],
      ['length', 11, 2],
    ]);
    const w = new Writer();
    RecordHeader.encode(w, v);
    expect(w.finish()).toEqual(raw);
    expect(RecordHeader.size).toBe(13);
  });

  it('records a bit range for each bit field and round-trips them', () => {
    const raw = Uint8Array.from([0x90, 0xe0, 0x12, 0x34, 1, 2, 3, 4]);
    const r = new Reader(raw);
    const v = RtpFirst.decode(r);
    expect(v).toMatchObject({ V: 2, P: 0, X: 1, CC: 0, M: 1, PT: 96, sequence: 0x1234 });
    const pt = r.fields.find((f) => f.name === 'PT');
    // PT is the low 7 bits of the second byte: its span is that byte alone
    expect(pt).toMatchObject({ offset: 1, length: 1, bits: { start: 1, count: 7 } });
    const w = new Writer();
    RtpFirst.encode(w, v);
    expect(w.finish()).toEqual(raw);
  });

  it('refuses to encode a value that does not fit its field', () => {
    expect(() => RecordHeader.encode(new Writer(), { type: 256, version: 0, epoch: 0, sequence_number: 0, length: 0 })).toThrow(/type: 256 does not fit in 8 bits/);
  });

  it('reports truncation as a problem instead of throwing', () => {
    const r = new Reader(Uint8Array.from([0x16, 0xfe]));
    RecordHeader.decode(r);
    expect(r.truncated).toBe(true);
    expect(r.problems[0]?.message).toMatch(/truncated/);
  });

  it('without spans reads the same values, key order and position, and falls back to the checked path when cut short', () => {
    // a 32-bit run of bit fields, a 48-bit integer and bytes: every kind of group the fast path reads
    const Mixed = struct('mixed', [uint('a', 1), uint('b', 7), uint('c', 24), uint('seq', 48), bytes('tail', 2), uint('all', 32)]);
    const raw = Uint8Array.from([0xff, 0xde, 0xad, 0xbe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x0b, 0xff, 0xff, 0xff, 0xfe, 0x99]);
    const withSpans = new Reader(raw, 0, 0);
    const slow = Mixed.decode(withSpans);
    const r = new Reader(raw, 0, 0, raw.length, false);
    const quick = Mixed.decode(r);
    expect(quick).toEqual(slow);
    expect(Object.keys(quick)).toEqual(Object.keys(slow));
    expect(quick).toMatchObject({ a: 1, b: 0x7f, c: 0xdeadbe, seq: 0x800000000001, all: 0xfffffffe });
    expect([r.pos, r.fields.length, withSpans.pos]).toEqual([Mixed.size, 0, Mixed.size]);
    const cut = new Reader(raw, 0, 0, 10, false);
    Mixed.decode(cut);
    expect(cut.truncated).toBe(true);
    expect(cut.problems[0]?.message).toMatch(/truncated: tail needs 2 byte/);
  });
});
