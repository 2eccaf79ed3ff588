// pushEach/endEach: the same events as push/end, in the same order, handed out one at a time while the chunk is
// read (a packet can be dissected and dropped before the next is framed), for pcapng and classic pcap alike.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureReader } from './capture-reader.ts';
import type { CaptureEvent } from './capture.ts';

const file = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`./testdata/${name}`, import.meta.url)));

/** Every event of `bytes` read in chunks of `size` with push/end. */
function listed(bytes: Uint8Array, size: number): CaptureEvent[] {
  const r = new CaptureReader();
  const out: CaptureEvent[] = [];
  for (let o = 0; o < bytes.length; o += size) out.push(...r.push(bytes.subarray(o, o + size)));
  out.push(...r.end());
  return out;
}

/** The same with pushEach/endEach; also notes how many events each pushEach call handed out. */
function streamed(bytes: Uint8Array, size: number): { events: CaptureEvent[]; perCall: number[] } {
  const r = new CaptureReader();
  const events: CaptureEvent[] = [];
  const perCall: number[] = [];
  for (let o = 0; o < bytes.length; o += size) {
    const before = events.length;
    r.pushEach(bytes.subarray(o, o + size), (e) => events.push(e));
    perCall.push(events.length - before);
  }
  r.endEach((e) => events.push(e));
  return { events, perCall };
}

/** Events compared by what they say (packets by index, bytes and time; other events as they are). */
function described(events: CaptureEvent[]): unknown[] {
  return events.map((e) => (e.kind === 'packet' ? { packet: e.packet.index, offset: e.packet.offset, data: [...e.packet.data], us: e.packet.time?.us, link: e.packet.link.ipOffset } : e));
}

describe('CaptureReader.pushEach', () => {
  for (const size of [1 << 20, 4096, 777, 13]) {
    it(`hands out the events push gives, in order, for a pcapng read in ${size}-byte chunks`, () => {
      const bytes = file('chromium-host.pcapng');
      const { events } = streamed(bytes, size);
      expect(events.filter((e) => e.kind === 'packet').length).toBe(1030);
      expect(described(events)).toEqual(described(listed(bytes, size)));
    });
  }

  it('hands out each packet while the chunk is being read, before the next packet is framed', () => {
    const bytes = file('stun-turn-coturn.pcapng');
    const r = new CaptureReader();
    const seen: number[] = [];
    let framedWhenSeen = -1;
    r.pushEach(bytes, (e) => {
      if (e.kind !== 'packet') return;
      // the reader's position is still at this packet's block: later blocks are not read yet
      if (e.packet.index === 0) framedWhenSeen = r.position;
      seen.push(e.packet.index);
    });
    expect(seen.length).toBeGreaterThan(10);
    expect(framedWhenSeen).toBeLessThan(bytes.length / 4);
  });

  it('reports a file cut inside a block at the end, as end() does', () => {
    const bytes = file('stun-binding.pcapng').subarray(0, 300);
    const { events } = streamed(bytes, 64);
    expect(described(events)).toEqual(described(listed(bytes, 64)));
    expect(events.at(-1)).toMatchObject({ kind: 'problem', problem: { fatal: true } });
  });

  it('reads classic pcap the same way', () => {
    const header = new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 101, 0, 0, 0]);
    const record = new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 0x45, 0, 0, 4]);
    const bytes = new Uint8Array([...header, ...record, ...record]);
    const { events } = streamed(bytes, 7);
    expect(events.map((e) => e.kind)).toEqual(['format', 'interface', 'packet', 'packet']);
    expect(described(events)).toEqual(described(listed(bytes, 7)));
  });
});
