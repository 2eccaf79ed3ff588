import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Trace } from '../../sim/core/trace.ts';
import { Dissector } from '../../sim/dissect/dissector.ts';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { traceKeyLog } from '../../sim/wire/pcap/pcapng-writer.ts';
import { HopFlowCollector } from './hop-flows.ts';
import { KeyedDetail } from './keyed-detail.ts';
import { passOverTrace } from './trace-pass.ts';

// Every dissection, stateless (dissectPacket) or stateful (Dissector.packet, which calls dissectPacket once per
// datagram), counted: the worker's one pass dissects each hop it reads once, and what comes after it (the hop flows,
// the keyed packet detail) does not dissect the trace again.
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

describe('the worker dissects a simulated call once (call-p2p, 3 s)', () => {
  let trace: Trace;
  let flows: Int32Array;
  let read = 0;
  let skipped = 0;
  let passDissections = 0;
  let passStateless = 0;
  beforeAll(() => {
    const s = parseScenario(findPreset('call-p2p')!.build());
    trace = runScenario({ ...s, duration: 3_000_000 } as typeof s).trace;
    const stateful = vi.spyOn(Dissector.prototype, 'packet');
    counts.stateless = 0;
    const seen = new HopFlowCollector();
    passOverTrace(trace, [
      {
        hop: (p, h, r) => {
          read++;
          seen.observe(r.hop, p.flow, h.link);
        },
        skipped: (h, hop) => {
          skipped++;
          seen.skipped(hop, h.bytes, h.link);
        },
      },
    ]);
    flows = seen.table(trace.hops.length);
    passDissections = stateful.mock.calls.length;
    passStateless = counts.stateless;
    stateful.mockRestore();
  }, 120_000);

  it('the pass dissects every hop it reads exactly once, and only those', () => {
    expect(read + skipped).toBe(trace.hops.length);
    expect(skipped).toBeGreaterThan(0);
    expect(passDissections).toBe(read);
    // one stateless dissection inside each Dissector.packet (no IP fragments in this run), none besides
    expect(passStateless).toBe(read);
  });

  it('every hop has its flow from the pass, each link its own vantage point (media hops mid-path too)', () => {
    expect([...flows].filter((f) => f < 0)).toHaveLength(0);
    const ids = new Set(flows);
    // a datagram crossing four links is on four flows
    const first = trace.hops.findIndex((h) => h.bytes.length > 0);
    const links = new Set(trace.hops.filter((h) => h.packet === trace.hops[first]!.packet).map((h) => h.link));
    expect(links.size).toBeGreaterThan(1);
    expect(ids.size).toBeGreaterThanOrEqual(links.size);
  });

  it("the keyed detail of a hop dissects that hop's flow up to it, and nothing else", () => {
    const kd = new KeyedDetail(trace.hops, [traceKeyLog(trace)], true, false, () => flows);
    const finished = trace.hops.findIndex((h, i) => i > 0 && kd.packet(i)?.summary.includes('decrypted: Finished'));
    expect(finished).toBeGreaterThan(0);
    const stateful = vi.spyOn(Dissector.prototype, 'packet');
    counts.stateless = 0;
    const fresh = new KeyedDetail(trace.hops, [traceKeyLog(trace)], true, false, () => flows);
    expect(fresh.packet(finished)?.summary).toContain('decrypted: Finished');
    let flowHops = 0;
    for (let j = 0; j <= finished; j++) if (flows[j] === flows[finished]) flowHops++;
    expect(stateful.mock.calls.length).toBe(flowHops);
    expect(counts.stateless).toBe(flowHops);
    stateful.mockRestore();
  });
});
