import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Trace } from '../../sim/core/trace.ts';
import { dissectPacket } from '../../sim/dissect/dissect.ts';
import { Dissector } from '../../sim/dissect/dissector.ts';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { traceKeyLog } from '../../sim/wire/pcap/pcapng-writer.ts';
import { HopFlowCollector } from './hop-flows.ts';
import { KeyedDetail } from './keyed-detail.ts';
import { isMediaHop, passOverTrace } from './trace-pass.ts';
import { KeyedRecord } from './keyed-record.ts';
import { loadCapture } from './capture-load.ts';
import { packTrace } from './packed.ts';
import { computeRelations, hopEnds, RelationFinder, relationObserver } from './relations.ts';

// Every dissection, stateless (dissectPacket) or stateful (Dissector.packet, which calls dissectPacket once per
// datagram), counted: the worker's one pass dissects each hop it reads once, and what comes after it (the hop flows,
// the keyed packet detail) does not dissect the trace again.
const counts = vi.hoisted(() => ({ stateless: 0, frames: 0 }));
vi.mock('../../sim/dissect/dissect.ts', async (original) => {
  const m = await original<typeof import('../../sim/dissect/dissect.ts')>();
  return {
    ...m,
    dissectPacket: (...a: Parameters<typeof m.dissectPacket>) => {
      counts.stateless++;
      return m.dissectPacket(...a);
    },
    dissectFrame: (...a: Parameters<typeof m.dissectFrame>) => {
      counts.frames++;
      return m.dissectFrame(...a);
    },
  };
});

describe('the worker dissects a simulated call once (call-p2p, 3 s)', () => {
  let trace: Trace;
  let flows: Int32Array;
  let signatures: Uint32Array;
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
    // the signatures of the worker's pass with every hop dissected (the keyed detail checks its answers by them)
    const record = new KeyedRecord();
    passOverTrace(trace, [], () => [{ hop: (p, h) => record.observe(h.index, p) }]);
    signatures = record.table(trace.hops.length);
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

  it("the keyed detail of a hop dissects a few hops before it (far fewer than its flow's), and nothing else", () => {
    const kd = new KeyedDetail(trace.hops, [traceKeyLog(trace)], true, false, () => flows, () => signatures);
    const finished = trace.hops.findIndex((h, i) => i > 0 && kd.packet(i)?.summary.includes('decrypted: Finished'));
    expect(finished).toBeGreaterThan(0);
    const last = trace.hops.length - 1 - [...trace.hops].reverse().findIndex((h) => isMediaHop(h.bytes));
    for (const i of [finished, last]) {
      const stateful = vi.spyOn(Dissector.prototype, 'packet');
      counts.stateless = 0;
      const fresh = new KeyedDetail(trace.hops, [traceKeyLog(trace)], true, false, () => flows, () => signatures);
      const d = fresh.packet(i);
      if (i === finished) expect(d?.summary).toContain('decrypted: Finished');
      else expect(d?.layers.some((l) => l.fields.some((f) => f.name === 'plaintext'))).toBe(true);
      // answered from the short replay (its signature is the pass's), each of its hops dissected once
      expect(fresh.counts).toMatchObject({ primed: 1, replayed: 0 });
      expect(stateful.mock.calls.length).toBe(fresh.counts.dissected);
      expect(counts.stateless).toBe(fresh.counts.dissected);
      stateful.mockRestore();
      let flowHops = 0;
      for (let j = 0; j <= i; j++) if (flows[j] === flows[i]) flowHops++;
      if (i === last) expect(fresh.counts.dissected * 5).toBeLessThan(flowHops);
    }
  });
});

describe('relations come from the one pass, not from a second dissection', () => {
  // counts.stateless counts dissectPacket; a capture's frames go through dissectFrame, counted here too
  it('a simulated call (call-p2p-turn, 3 s): the pass with the relation observer dissects each hop it reads once, and the relations equal the keyless ones', () => {
    const s = parseScenario(findPreset('call-p2p-turn')!.build());
    const trace = runScenario({ ...s, duration: 3_000_000 } as typeof s).trace;
    const p = packTrace(trace);
    const keyless = computeRelations(p);
    counts.stateless = 0;
    let read = 0;
    const f = new RelationFinder(p);
    passOverTrace(trace, [relationObserver(f), { hop: () => void read++ }]);
    const found = f.finish();
    expect(counts.stateless).toBe(read);
    expect(found.length).toBeGreaterThan(20);
    expect(new Set(found.map((r) => r.kind))).toEqual(new Set(['response', 'retransmission', 'channel-data', 'relay-use', 'first-media', 'dtls-cookie', 'relayed'].filter((k) => keyless.some((r) => r.kind === k))));
    expect(found).toEqual(keyless);
  }, 120_000);

  it('a capture (coturn, TURN over UDP): after the load, finding its relations dissects nothing', () => {
    const file = new URL('../../captures/stun-turn-coturn/stun-turn-coturn.pcapng', import.meta.url).pathname;
    const loaded = loadCapture(new Uint8Array(readFileSync(file)), 'stun-turn-coturn.pcapng');
    const p = packTrace(loaded.trace);
    const keyless = computeRelations(p);
    counts.stateless = 0;
    counts.frames = 0;
    const found = loaded.relations(p);
    expect(counts.stateless + counts.frames).toBe(0);
    expect(found.filter((r) => r.kind === 'response').length).toBeGreaterThan(5);
    // every keyless relation, and more: the pass has the flow state, so coturn's channel 0x6ab8 (above RFC 8656's
    // 0x4FFF, allowed by RFC 5766 and bound by a ChannelBind on the 5-tuple) is ChannelData to it, data to a
    // keyless reading; its first ChannelData links to the ChannelBind, and each such ChannelData to its other leg
    const same = (a: (typeof found)[number], b: (typeof found)[number]): boolean => JSON.stringify(a) === JSON.stringify(b);
    for (const r of keyless) expect(found.some((f) => same(f, r)), JSON.stringify(r)).toBe(true);
    const more = found.filter((f) => !keyless.some((r) => same(f, r)));
    expect(more.length).toBeGreaterThan(0);
    for (const r of more) {
      expect(['channel-data', 'relayed']).toContain(r.kind);
      const channel = /(?:channel|ChannelData) (0x[0-9a-f]+)/.exec(r.detail)?.[1];
      expect(Number.parseInt(channel ?? '0', 16), r.detail).toBeGreaterThan(0x4fff);
    }
  }, 120_000);

  it("a hop's ends read from its headers are the dissector's src and dst, on every hop of a call and of every capture kept", () => {
    const s = parseScenario(findPreset('call-p2p-turn')!.build());
    const traces = [runScenario({ ...s, duration: 2_000_000 } as typeof s).trace];
    const dir = new URL('../../captures/', import.meta.url).pathname;
    for (const f of readdirSync(dir, { recursive: true }) as string[]) {
      if (/\.pcapng?$/.test(f)) traces.push(loadCapture(new Uint8Array(readFileSync(join(dir, f))), f).trace);
    }
    let compared = 0;
    for (const t of traces) {
      for (const h of t.hops) {
        if (h.bytes.length === 0) continue;
        const d = dissectPacket(h.bytes, { spans: false, verifyChecksums: false });
        expect(hopEnds(h.bytes), `${t.meta.title ?? ''} hop ${h.index}`).toEqual([d.src, d.dst]);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  }, 300_000);
});
