import { describe, expect, it } from 'vitest';
import { extensionElementData } from './extensions.ts';
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

describe('one element read off the bytes (extensionElementData)', () => {
  // the list's first element with the id, or undefined: the same answer for every id in every packet below
  const same = (bytes: Uint8Array): void => {
    const ext = decodeRtp(bytes, { spans: false }).value.header.extension!;
    for (let id = 0; id < 256; id++) {
      const listed = ext.elements.find((e) => e.id === id)?.data;
      expect(extensionElementData(ext, id), `id ${id}`).toEqual(listed);
    }
  };

  it('finds what the element list finds, in the one-byte and two-byte forms, with padding between elements', () => {
    same(packet);
    const twoByte = encodeRtp({ payloadType: 96, sequenceNumber: 1, timestamp: 0, ssrc: 7, extension: { elements: [...elements, { id: 200, data: new Uint8Array(0) }, { id: 3, data: Uint8Array.of(9) }] }, payload: Uint8Array.of(1) });
    same(twoByte);
    expect(extensionElementData(decodeRtp(twoByte, { spans: false }).value.header.extension!, 200)).toEqual(new Uint8Array(0));
    // padding bytes (0) before, between and after elements (RFC 8285 §4.2), written as raw bytes under 0xBEDE
    const padded = encodeRtp({ payloadType: 96, sequenceNumber: 2, timestamp: 0, ssrc: 7, extension: { profile: 0xbede, raw: Uint8Array.of(0, 0x10, 0x30, 0, 0x51, 0x00, 0x2a, 0) }, payload: Uint8Array.of(1) });
    expect(extensionElementData(decodeRtp(padded, { spans: false }).value.header.extension!, 5)).toEqual(Uint8Array.of(0x00, 0x2a));
    same(padded);
  });

  it('stops where the list stops: a reserved id, id 0 with a length, an element running past the end', () => {
    for (const [at, value] of [[16, 0xf0], [16, 0x03], [18, 0x3f], [16, 0x1f]] as const) {
      const bad = packet.slice();
      bad[at] = value;
      same(bad);
    }
  });
});
