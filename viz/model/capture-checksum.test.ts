import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dissectPacket } from '../../sim/dissect/dissect.ts';
import { loadCapture } from './capture-load.ts';
import { LabelCache } from './labels.ts';
import { packTrace } from './packed.ts';

// A loopback capture's UDP checksums are offloaded (the kernel never filled them in): the list and the detail leave
// them unverified, as Wireshark does by default, instead of flagging every packet. A simulated run's are verified.
const LOOPBACK = '/work/shared/captures/chromium-loopback-call/chromium-host.pcapng';

describe.skipIf(!existsSync(LOOPBACK))('checksums of a loopback capture', () => {
  it('are not flagged in the packet labels and detail, though verifying them would flag them', () => {
    const loaded = loadCapture(new Uint8Array(readFileSync(LOOPBACK)), 'chromium-host.pcapng', () => undefined, undefined);
    const p = packTrace(loaded.trace);
    const labels = new LabelCache(p);
    const n = Math.min(p.n, 400);
    let wouldFlag = 0;
    for (let i = 0; i < n; i++) {
      const hop = loaded.trace.hops[i]!;
      if (hop.bytes.length === 0) continue;
      const verified = dissectPacket(hop.bytes);
      if (verified.layers.some((l) => l.problems.some((x) => /checksum/i.test(x.message)))) wouldFlag++;
      const shown = labels.dissect(i)!;
      expect(shown.layers.flatMap((l) => l.problems).filter((x) => /checksum/i.test(x.message)), `hop ${i}`).toEqual([]);
    }
    // the capture really has offloaded checksums: verifying them flags packets
    expect(wouldFlag).toBeGreaterThan(0);
  }, 120_000);
});
