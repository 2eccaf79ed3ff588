/// <reference lib="webworker" />
import type { Trace } from '../sim/core/trace.ts';
import { traceFromJson } from '../sim/core/trace-json.ts';
import { dissectPacket } from '../sim/dissect/dissect.ts';
import { parseScenario } from '../sim/scenario/parse.ts';
import { findPreset } from '../sim/scenario/presets/index.ts';
import { runScenario } from '../sim/scenario/run.ts';
import { applyCaptureEvent, emptyCapture } from '../sim/wire/pcap/capture.ts';
import { CaptureReader } from '../sim/wire/pcap/capture-reader.ts';
import { captureToTrace } from '../sim/wire/pcap/capture-to-trace.ts';
import { writePcapng } from '../sim/wire/pcap/pcapng-writer.ts';
import { packTrace, transferables, hopBytes, type PackedTrace } from './model/packed.ts';
import { syntheticPacked } from './model/synthetic.ts';
import type { Request, Response } from './protocol.ts';

/**
 * The simulator, capture reader and dissector run here, so the page never blocks on a run, a big capture or a
 * text filter over a million packets. The worker keeps the current trace for filtering and export.
 */
declare const self: DedicatedWorkerGlobalScope;

let current: { trace?: Trace; packed: PackedTrace; summaries?: string[] } | undefined;

const post = (r: Response, transfer: Transferable[] = []): void => self.postMessage(r, transfer);

function sendTrace(id: number, trace: Trace | undefined, packed: PackedTrace, label: string, t0: number, scenario?: Record<string, unknown>): void {
  // The worker keeps its own copy of the columns it filters on; the originals are transferred.
  current = { ...(trace ? { trace } : {}), packed: { ...packed, proto: packed.proto.slice(), from: packed.from.slice(), to: packed.to.slice(), offsets: packed.offsets.slice(), bytes: packed.bytes.slice() } };
  post({ type: 'trace', id, packed, label, ms: performance.now() - t0, ...(scenario ? { scenario } : {}) }, transferables(packed));
}

function run(id: number, scenario: string | Record<string, unknown>, seed: number | undefined): void {
  const t0 = performance.now();
  const raw = typeof scenario === 'string' ? findPreset(scenario)?.build() : scenario;
  if (!raw) throw new Error(`no preset named "${String(scenario)}"`);
  const s = parseScenario(raw);
  const { trace } = runScenario(s, seed !== undefined ? { seed } : {});
  sendTrace(id, trace, packTrace(trace), s.title, t0, raw);
}

function capture(id: number, name: string, bytes: ArrayBuffer): void {
  const t0 = performance.now();
  const all = new Uint8Array(bytes);
  const c = emptyCapture();
  const r = new CaptureReader();
  const CHUNK = 1 << 20;
  for (let o = 0; o < all.length; o += CHUNK) {
    for (const e of r.push(all.subarray(o, Math.min(all.length, o + CHUNK)))) applyCaptureEvent(c, e);
    post({ type: 'progress', id, done: Math.min(all.length, o + CHUNK), total: all.length, what: 'reading' });
  }
  for (const e of r.end()) applyCaptureEvent(c, e);
  const trace = captureToTrace(c, name);
  sendTrace(id, trace, packTrace(trace), name, t0);
}

function summaries(): string[] {
  const cur = current!;
  if (cur.summaries) return cur.summaries;
  const p = cur.packed;
  const out = new Array<string>(p.n);
  for (let i = 0; i < p.n; i++) {
    if (p.offsets[i] === p.offsets[i + 1]) {
      out[i] = '';
      continue;
    }
    const d = dissectPacket(hopBytes(p, i));
    out[i] = `${d.summary}\u0000${d.src}\u0000${d.dst}`.toLowerCase();
  }
  cur.summaries = out;
  return out;
}

function filter(id: number, proto: number, host: string, text: string): void {
  if (!current) return post({ type: 'filtered', id, indices: null });
  const p = current.packed;
  if (proto < 0 && host === '' && text === '') return post({ type: 'filtered', id, indices: null });
  const h = host.toLowerCase();
  const q = text.toLowerCase();
  const laneMatch = p.lanes.map((l) => h !== '' && l.toLowerCase().includes(h));
  const sums = h !== '' || q !== '' ? summaries() : undefined;
  const out: number[] = [];
  for (let i = 0; i < p.n; i++) {
    if (proto >= 0 && p.proto[i] !== proto) continue;
    const s = sums?.[i] ?? '';
    if (h !== '' && !laneMatch[p.from[i]!] && !laneMatch[p.to[i]!] && !s.includes(h)) continue;
    if (q !== '' && !s.includes(q) && !(p.drop[i]! >= 0 && p.dropReasons[p.drop[i]!]!.toLowerCase().includes(q))) continue;
    out.push(i);
  }
  const indices = Int32Array.from(out);
  post({ type: 'filtered', id, indices }, [indices.buffer]);
}

self.onmessage = (ev: MessageEvent<Request>): void => {
  const m = ev.data;
  try {
    switch (m.type) {
      case 'run':
        return run(m.id, m.scenario, m.seed);
      case 'capture':
        return capture(m.id, m.name, m.bytes);
      case 'trace-json': {
        const t0 = performance.now();
        const trace = traceFromJson(m.text);
        return sendTrace(m.id, trace, packTrace(trace), m.name, t0);
      }
      case 'synthetic': {
        const t0 = performance.now();
        return sendTrace(m.id, undefined, syntheticPacked(m.hops), `synthetic ${m.hops} hops`, t0);
      }
      case 'filter':
        return filter(m.id, m.proto, m.host, m.text);
      case 'pcapng': {
        if (!current?.trace) throw new Error('nothing to export: this trace has no packets to write');
        const bytes = writePcapng(current.trace);
        return post({ type: 'file', id: m.id, bytes, name: `${(current.trace.meta.scenario ?? current.trace.meta.title ?? 'trace').replace(/[^A-Za-z0-9._-]+/g, '_')}.pcapng` }, [bytes.buffer as ArrayBuffer]);
      }
    }
  } catch (e) {
    post({ type: 'error', id: m.id, message: e instanceof Error ? e.message : String(e) });
  }
};
