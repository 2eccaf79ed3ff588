import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { readCapture } from '../wire/pcap/index.ts';
import { Dissector } from './dissector.ts';
import { CAPTURES_DIR } from '../../test/support/dissect-captures.ts';
import type { DissectedPacket } from './types.ts';

// Hostile TCP streams: the signaling capture's segments mutated (bytes flipped, cut short, replayed, dropped and
// reordered) through one stateful dissector. It never throws, layers stay inside the packet (or carry their own
// bytes), and the stream state stays bounded.

function inside(p: DissectedPacket, size: number): void {
  for (const l of p.layers) {
    if (l.plaintext || l.bytes) {
      for (const f of l.fields) expect(f.offset + f.length, l.protocol).toBeLessThanOrEqual((l.plaintext ?? l.bytes)!.length);
      continue;
    }
    expect(l.offset + l.length, l.protocol).toBeLessThanOrEqual(size);
    for (const f of l.fields) expect(f.offset + f.length, `${l.protocol} ${f.name}`).toBeLessThanOrEqual(size);
  }
}

describe('hostile TCP streams', () => {
  const cap = readCapture(new Uint8Array(readFileSync(`${CAPTURES_DIR}signaling/janus-websocket.pcapng`)));
  const seeds = cap.packets.map((p) => p.data.subarray(p.link.ipOffset!));

  it('three thousand mutated, replayed, dropped and reordered segments never throw', { timeout: 60_000 }, () => {
    const rng = Rng.fromSeed(12).fork('hostile-tcp');
    const d = new Dissector();
    for (let i = 0; i < 3000; i++) {
      // mostly the stream in order with faults, sometimes any packet at random (replays, reordering)
      const b = (rng.chance(0.7) ? seeds[i % seeds.length]! : rng.pick(seeds)).slice();
      if (rng.chance(0.1)) continue; // dropped
      const cut = rng.chance(0.2) ? rng.int(0, b.length + 1) : b.length;
      const m = b.subarray(0, cut);
      // flip bytes past the IP header mostly, where the TCP header and the stream are
      for (let k = rng.int(0, 4); k > 0 && m.length > 20; k--) m[rng.int(20, m.length)] = rng.int(0, 256);
      inside(d.packet(m, { index: i, t: i }), m.length);
    }
    expect(d.tcp.size).toBeLessThan(3000);
  });
});
