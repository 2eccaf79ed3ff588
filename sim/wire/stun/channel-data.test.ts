// ChannelData (RFC 8656 §12.4, §12.5) and the quick demultiplexing checks (RFC 7983).
import { describe as suite, expect, it } from 'vitest';
import { toHex } from '../../core/encoding.ts';
import { findField } from '../field.ts';
import { decodeChannelData, describe, encodeChannelData, isChannelData, isStun, tcpFrameLength } from './index.ts';
import { SAMPLE_REQUEST } from './testdata/rfc5769.ts';

const data = new Uint8Array([1, 2, 3, 4, 5]);

suite('ChannelData', () => {
  it('encodes the 4-byte header, unpadded over UDP by default and padded to 4 over TCP', () => {
    expect(toHex(encodeChannelData({ channel: 0x4000, data }))).toBe('400000050102030405');
    expect(toHex(encodeChannelData({ channel: 0x4000, data }, { transport: 'tcp' }))).toBe('400000050102030405000000');
    expect(toHex(encodeChannelData({ channel: 0x4001, data }, { pad: true }))).toBe('400100050102030405000000');
  });

  it('decodes with or without padding over UDP, with spans for header, data and padding', () => {
    for (const bytes of [encodeChannelData({ channel: 0x4000, data }), encodeChannelData({ channel: 0x4000, data }, { pad: true })]) {
      const d = decodeChannelData(bytes);
      expect(d.problems).toEqual([]);
      expect(d.value).toEqual({ channel: 0x4000, data });
      expect(findField(d.fields, 'Channel Number')).toMatchObject({ offset: 0, length: 2, display: '0x4000' });
      expect(findField(d.fields, 'Application Data')).toMatchObject({ offset: 4, length: 5 });
    }
    expect(findField(decodeChannelData(encodeChannelData({ channel: 0x4000, data }, { pad: true })).fields, 'Padding')).toMatchObject({ offset: 9, length: 3 });
  });

  it('over TCP, a missing padding is a problem', () => {
    const d = decodeChannelData(encodeChannelData({ channel: 0x4000, data }), { transport: 'tcp' });
    expect(d.problems.map((p) => p.message).join()).toMatch(/padded to a multiple of 4/);
  });

  it('over UDP, stray bytes that are not padding are a problem', () => {
    const bytes = new Uint8Array([0x40, 0x00, 0x00, 0x01, 0xaa, 0, 0, 0, 0]);
    expect(decodeChannelData(bytes).problems).toHaveLength(1);
  });

  it('decodes RFC 5766 channels (coturn uclient 0x6ab8) with a warning, and rejects numbers below 0x4000 when encoding', () => {
    const d = decodeChannelData(new Uint8Array([0x6a, 0xb8, 0, 1, 7]));
    expect(d.value).toEqual({ channel: 0x6ab8, data: new Uint8Array([7]) });
    expect(d.problems[0]?.message).toMatch(/RFC 5766/);
    expect(() => encodeChannelData({ channel: 0x3fff, data })).toThrow(RangeError);
  });

  it('a truncated message yields problems and the bytes that were there', () => {
    const d = decodeChannelData(new Uint8Array([0x40, 0, 0, 10, 1, 2]));
    expect(d.value?.data).toEqual(new Uint8Array([1, 2]));
    expect(d.problems[0]?.message).toMatch(/only 2 follow/);
    expect(decodeChannelData(new Uint8Array([0x40, 0])).value).toBeUndefined();
  });

  it('describes itself for the ladder', () => {
    expect(describe({ channel: 0x4000, data: new Uint8Array(120) })).toBe('ChannelData 0x4000 (120 bytes)');
  });
});

suite('demultiplexing (RFC 7983)', () => {
  it('isStun accepts a STUN message and refuses ChannelData, DTLS and short input', () => {
    expect(isStun(SAMPLE_REQUEST)).toBe(true);
    expect(isStun(SAMPLE_REQUEST.subarray(0, 19))).toBe(false);
    expect(isStun(encodeChannelData({ channel: 0x4000, data }))).toBe(false);
    expect(isStun(new Uint8Array(40).fill(22))).toBe(false);
    const badCookie = SAMPLE_REQUEST.slice();
    badCookie[4] = 0;
    expect(isStun(badCookie)).toBe(false);
  });

  it('isChannelData takes first bytes 64–79, and up to 127 only when asked for the RFC 5766 range', () => {
    expect(isChannelData(encodeChannelData({ channel: 0x4fff, data }))).toBe(true);
    const old = new Uint8Array([0x6a, 0xb8, 0, 1, 7]);
    expect(isChannelData(old)).toBe(false);
    expect(isChannelData(old, { rfc5766Range: true })).toBe(true);
    expect(isChannelData(SAMPLE_REQUEST)).toBe(false);
    expect(isChannelData(new Uint8Array([0x40, 0, 0, 9, 1]))).toBe(false);
  });

  it('tcpFrameLength frames STUN by its length and ChannelData padded to 4', () => {
    expect(tcpFrameLength(SAMPLE_REQUEST)).toBe(SAMPLE_REQUEST.length);
    expect(tcpFrameLength(encodeChannelData({ channel: 0x4000, data }))).toBe(12);
    expect(tcpFrameLength(new Uint8Array([0x40, 0]))).toBeUndefined();
    expect(tcpFrameLength(new Uint8Array([0x80, 0, 0, 0]))).toBeUndefined();
  });
});
