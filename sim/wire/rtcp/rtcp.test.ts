import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../core/encoding.ts';
import { findField } from '../field.ts';
import { nackItems, nackLost } from './feedback.ts';
import { decodeRtcp, encodeRtcp, type RtcpPacket } from './rtcp.ts';
import { twccArrivals, twccFromArrivals, type TransportCcFeedback } from './twcc.ts';

const roundTrip = (packets: RtcpPacket[]): RtcpPacket[] => {
  const bytes = encodeRtcp(packets);
  const d = decodeRtcp(bytes);
  expect(d.problems).toEqual([]);
  expect(toHex(encodeRtcp(d.value))).toBe(toHex(bytes));
  return d.value;
};

describe('RTCP reports and source description (RFC 3550 §6.4–6.7)', () => {
  const compound: RtcpPacket[] = [
    {
      type: 'sr',
      ssrc: 0x11111111,
      ntpTimestamp: 0xe6a1b2c3_80000000n,
      rtpTimestamp: 123456,
      packetCount: 50,
      octetCount: 8000,
      reports: [{ ssrc: 0x22222222, fractionLost: 25, cumulativeLost: -2, highestSequence: 0x0001_0005, jitter: 17, lastSr: 0xb2c38000, delaySinceLastSr: 32768 }],
    },
    { type: 'sdes', chunks: [{ ssrc: 0x11111111, items: [{ itemType: 1, value: 'user@host' }, { itemType: 6, value: 'rtclab' }] }] },
    { type: 'bye', ssrcs: [0x11111111], reason: 'done' },
    { type: 'app', subtype: 3, ssrc: 0x11111111, name: 'TEST', data: Uint8Array.of(1, 2, 3, 4) },
  ];

  it('decodes a hand-written SR with one report block, field by field', () => {
    const b = fromHex(
      '81c8000c 11111111 e6a1b2c3 80000000 0001e240 00000032 00001f40' + '22222222 19fffffe 00010005 00000011 b2c38000 00008000',
    );
    const d = decodeRtcp(b);
    expect(d.problems).toEqual([]);
    expect(d.value).toEqual([compound[0]]);
    expect(findField(d.fields, 'cumulative number of packets lost')).toMatchObject({ offset: 33, length: 3, display: '-2' });
    expect(findField(d.fields, 'NTP timestamp')).toMatchObject({ offset: 8, length: 8 });
  });

  it('round-trips SR + SDES + BYE + APP as one compound packet', () => {
    expect(roundTrip(compound)).toEqual(compound);
  });

  it('ends each SDES chunk with a null item and pads it to 32 bits', () => {
    const b = encodeRtcp([{ type: 'sdes', chunks: [{ ssrc: 1, items: [{ itemType: 1, value: 'abcd' }] }] }]);
    // header, SSRC, CNAME(1) len 4 "abcd", then 2 bytes: null + pad to the word.
    expect(toHex(b)).toBe('81ca0003' + '00000001' + '010461626364' + '0000');
  });

  it('round-trips an RR with no blocks and padding on the last packet', () => {
    const v = roundTrip([{ type: 'rr', ssrc: 5, reports: [] }, { type: 'bye', ssrcs: [5], padding: 8 }]);
    expect(v[1]).toEqual({ type: 'bye', ssrcs: [5], padding: 8 });
  });
});

describe('RTCP feedback (RFC 4585, RFC 5104, REMB)', () => {
  it('packs lost sequence numbers into generic NACK PID/BLP pairs and back, across the wrap', () => {
    const lost = [100, 101, 105, 116, 117, 65535, 0, 3];
    const items = nackItems(lost);
    expect(items).toEqual([{ pid: 100, blp: 0b1000000000010001 }, { pid: 117, blp: 0 }, { pid: 65535, blp: 0b1001 }]);
    expect(nackLost(items)).toEqual(lost);
    const v = roundTrip([{ type: 'nack', senderSsrc: 1, mediaSsrc: 2, items }]);
    expect(v[0]).toMatchObject({ type: 'nack', items });
  });

  it('writes PLI, FIR and REMB with the exact bytes of their specs', () => {
    expect(toHex(encodeRtcp([{ type: 'pli', senderSsrc: 1, mediaSsrc: 2 }]))).toBe('81ce0002 00000001 00000002'.replace(/ /g, ''));
    expect(toHex(encodeRtcp([{ type: 'fir', senderSsrc: 1, mediaSsrc: 0, entries: [{ ssrc: 9, sequenceNumber: 7 }] }]))).toBe(
      '84ce0004 00000001 00000000 00000009 07000000'.replace(/ /g, ''),
    );
    // 1 Mbit/s = 250000 × 2^2: exponent 2, mantissa 0x3d090.
    expect(toHex(encodeRtcp([{ type: 'remb', senderSsrc: 1, mediaSsrc: 0, bitrate: 1_000_000, ssrcs: [0xabcd] }]))).toBe(
      '8fce0005 00000001 00000000 52454d42 01 0bd090 0000abcd'.replace(/ /g, ''),
    );
  });

  it('decodes them back, naming REMB inside application layer feedback', () => {
    const v = roundTrip([
      { type: 'rr', ssrc: 1, reports: [] },
      { type: 'pli', senderSsrc: 1, mediaSsrc: 2 },
      { type: 'fir', senderSsrc: 1, mediaSsrc: 0, entries: [{ ssrc: 9, sequenceNumber: 7 }] },
      { type: 'remb', senderSsrc: 1, mediaSsrc: 0, bitrate: 1_000_000, ssrcs: [0xabcd] },
      { type: 'feedback', packetType: 206, fmt: 15, senderSsrc: 1, mediaSsrc: 0, fci: fromHex('41424344') },
    ]);
    expect(v.map((p) => p.type)).toEqual(['rr', 'pli', 'fir', 'remb', 'feedback']);
  });
});

describe('transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01)', () => {
  // base 100, 10 statuses, reference 1 (×64 ms), fb count 5; a run of 3 small deltas, then a 2-bit vector
  // [large, none, small, small, none, none, small]; deltas 4, 8, 0 | -4 (2 bytes) | 2, 3, 4.
  const hand = fromHex('8fcd0007 00000001 00000002 0064 000a 000001 05 2003 e141 040800 fffc 020304');

  it('decodes the run-length and status vector chunks and the receive deltas', () => {
    const d = decodeRtcp(hand);
    expect(d.problems).toEqual([]);
    const fb = d.value[0] as TransportCcFeedback;
    expect(fb).toMatchObject({ type: 'twcc', senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 100, referenceTime: 1, feedbackPacketCount: 5 });
    expect(fb.chunks).toEqual([
      { kind: 'run-length', symbol: 'small-delta', runLength: 3 },
      { kind: 'status-vector', symbolSize: 2, symbols: ['large-delta', 'not-received', 'small-delta', 'small-delta', 'not-received', 'not-received', 'small-delta'] },
    ]);
    expect(fb.packets.map((p) => [p.sequenceNumber, p.delta ?? null])).toEqual([
      [100, 4], [101, 8], [102, 0], [103, -4], [104, null], [105, 2], [106, 3], [107, null], [108, null], [109, 4],
    ]);
    expect(twccArrivals(fb).map((a) => a.arrivalUs)).toEqual([65000, 67000, 67000, 66000, 66500, 67250, 68250]);
    expect(toHex(encodeRtcp(d.value))).toBe(toHex(hand));
  });

  it('chooses its own chunks when none are given, and they decode to the same statuses', () => {
    const fb = decodeRtcp(hand).value[0] as TransportCcFeedback;
    const { chunks: _omit, ...bare } = fb;
    const again = decodeRtcp(encodeRtcp([bare])).value[0] as TransportCcFeedback;
    expect(again.packets).toEqual(fb.packets);
  });

  it('builds feedback from arrival times with run-length chunks for long runs and pads to 32 bits', () => {
    const arrivals = Array.from({ length: 40 }, (_, i) => (i === 20 ? undefined : 1_000_000 + i * 1000));
    const fb = twccFromArrivals({ senderSsrc: 7, feedbackPacketCount: 0, baseSequenceNumber: 65530, arrivalsUs: arrivals });
    const bytes = encodeRtcp([fb]);
    expect(bytes.length % 4).toBe(0);
    const back = decodeRtcp(bytes).value[0] as TransportCcFeedback;
    expect(back.packets[10]!.sequenceNumber).toBe(4); // wrapped
    expect(back.packets[20]!.symbol).toBe('not-received');
    expect(twccArrivals(back).map((a) => a.arrivalUs)).toEqual(arrivals.filter((a) => a !== undefined));
  });
});

describe('RTCP decoding never throws', () => {
  it('reports a length field that runs past the buffer (RFC 7714 §17 prints such a packet)', () => {
    const b = fromHex('81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef');
    const d = decodeRtcp(b);
    expect(d.problems.map((p) => p.message).join('\n')).toMatch(/length field says 56 bytes, only 52 present/);
    expect(d.value[0]).toMatchObject({ type: 'sr', ssrc: 0x4d617273 });
  });

  it('survives every truncation of a compound packet', () => {
    const b = encodeRtcp([
      { type: 'sr', ssrc: 1, ntpTimestamp: 5n, rtpTimestamp: 1, packetCount: 1, octetCount: 1, reports: [{ ssrc: 2, fractionLost: 0, cumulativeLost: 0, highestSequence: 0, jitter: 0, lastSr: 0, delaySinceLastSr: 0 }] },
      { type: 'sdes', chunks: [{ ssrc: 1, items: [{ itemType: 1, value: 'x@y' }] }] },
      twccFromArrivals({ senderSsrc: 1, feedbackPacketCount: 1, baseSequenceNumber: 1, arrivalsUs: [1000, undefined, 3000, 900000] }),
      { type: 'remb', senderSsrc: 1, mediaSsrc: 0, bitrate: 5000, ssrcs: [3, 4] },
    ]);
    const boundaries = new Set<number>([0]);
    for (let at = 0; at < b.length; ) {
      at += (((b[at + 2]! << 8) | b[at + 3]!) + 1) * 4;
      boundaries.add(at);
    }
    for (let n = 0; n < b.length; n++) {
      const d = decodeRtcp(b.subarray(0, n));
      if (!boundaries.has(n)) expect(d.problems.length, `cut at ${n}`).toBeGreaterThan(0);
    }
  });
});
