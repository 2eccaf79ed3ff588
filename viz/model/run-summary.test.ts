import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { dissectPacket } from '../../sim/dissect/dissect.ts';
import { hopBytes, packTrace, PROTOCOLS, type PackedTrace } from './packed.ts';
import { channelDataCarriesRtp, summarizeRun } from './run-summary.ts';

// Compare's run summary reads the packed trace and the notes: it dissects nothing (the worker's one pass has), and
// finds the first media inside TURN ChannelData by the RFC 7983 class of the application data, as the dissector does.
const counts = vi.hoisted(() => ({ stateless: 0 }));
vi.mock('../../sim/dissect/dissect.ts', async (original) => {
  const m = await original<typeof import('../../sim/dissect/dissect.ts')>();
  return {
    ...m,
    dissectPacket: (...a: Parameters<typeof m.dissectPacket>) => {
      counts.stateless++;
      return m.dissectPacket(...a);
    },
  };
});

const CHANNELDATA = PROTOCOLS.indexOf('TURN-CHANNELDATA');

describe("compare's run summary of a call relayed through TURN (call-p2p-turn, 3 s)", () => {
  let p: PackedTrace;
  beforeAll(() => {
    const s = parseScenario(findPreset('call-p2p-turn')!.build());
    p = packTrace(runScenario({ ...s, duration: 3_000_000 } as typeof s).trace);
  }, 120_000);

  it('dissects no hop', () => {
    counts.stateless = 0;
    summarizeRun(p);
    expect(counts.stateless).toBe(0);
  });

  it('says of every ChannelData hop what the dissector says: RTP (or SRTP) inside, or not', () => {
    let rtp = 0;
    let other = 0;
    for (let i = 0; i < p.n; i++) {
      if (p.proto[i] !== CHANNELDATA) continue;
      const b = hopBytes(p, i);
      const dissected = dissectPacket(b, { spans: false }).layers.some((l) => l.protocol === 'RTP' || l.protocol === 'SRTP');
      expect(channelDataCarriesRtp(b), `hop ${i}`).toBe(dissected);
      if (dissected) rtp++;
      else other++;
    }
    // media and the rest (DTLS, RTCP) both travel as ChannelData here
    expect(rtp).toBeGreaterThan(10);
    expect(other).toBeGreaterThan(0);
  });

  it('the first media is the first datagram with RTP or SRTP in it, bare or in ChannelData', () => {
    let first: number | undefined;
    for (let i = 0; i < p.n && first === undefined; i++) {
      if (p.prevOfPacket[i]! >= 0 || p.offsets[i] === p.offsets[i + 1]) continue;
      if (dissectPacket(hopBytes(p, i), { spans: false }).layers.some((l) => l.protocol === 'RTP' || l.protocol === 'SRTP')) first = p.t[i];
    }
    expect(first).toBeDefined();
    expect(summarizeRun(p).firstMedia).toBe(first);
  });
});
