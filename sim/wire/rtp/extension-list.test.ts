import { describe, expect, it } from 'vitest';
import { decodeRtp, encodeRtp } from './rtp.ts';

// Without spans (a packet list) the header extension's elements are checked at once but listed only when read:
// the list must be the one a detail view gets, and a malformed element must still be reported at once.

const elements = [
  { id: 1, data: Uint8Array.of(0x30) },
  { id: 3, data: Uint8Array.of(0x12, 0x34, 0x56) },
  { id: 5, data: Uint8Array.of(0x00, 0x2a) },
];
const packet = encodeRtp({ payloadType: 111, sequenceNumber: 9, timestamp: 960, ssrc: 7, extension: { elements }, payload: Uint8Array.of(1, 2, 3) });

describe('RTP header extension elements listed on first read', () => {
  it('lists the same elements as a decode with spans', () => {
    const fast = decodeRtp(packet, { spans: false });
    const full = decodeRtp(packet);
    expect(fast.fields).toEqual([]);
    expect(fast.value.header.extension!.elements).toEqual(full.value.header.extension!.elements);
    expect(fast.value.header.extension!.elements.map((e) => e.id)).toEqual([1, 3, 5]);
  });

  it('reports a malformed element when the packet is decoded, before any list is read', () => {
    const bad = packet.slice();
    bad[16] = 0xf0; // first element byte: id 15 is reserved (RFC 8285 §4.2)
    const fast = decodeRtp(bad, { spans: false });
    expect(fast.problems.map((p) => p.message)).toEqual(decodeRtp(bad).problems.map((p) => p.message));
    expect(fast.problems.map((p) => p.message)).toContain('one-byte extension id 15 is reserved: the rest of the extension is ignored');
  });
});
