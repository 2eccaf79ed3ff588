import type { Hop, Trace } from '../../sim/core/trace.ts';
import { DissectionPass } from '../../sim/pass/pass.ts';
import { traceKeyLog } from '../../sim/wire/pcap/pcapng-writer.ts';
import { HopFlowCollector } from '../../viz/model/hop-flows.ts';
import { KeyedDetail } from '../../viz/model/keyed-detail.ts';
import { KeyedRecord } from '../../viz/model/keyed-record.ts';

/** What a keyed pass over hops kept, and the keyed detail made from it. */
export interface KeyedHops {
  readonly detail: KeyedDetail;
  readonly flows: Int32Array;
  readonly signatures: Uint32Array;
  /** Plaintext bytes of the decrypted layers, summed over the hops (what keeping them would cost). */
  readonly plaintextBytes: number;
}

/**
 * The worker's one pass over a simulated trace's hops (its key log, each link a vantage point, spans off) as far as
 * the keyed detail needs it: hop flows and signatures. `capture`: hops of a capture (checksums unverified).
 */
export function keyedHops(hops: readonly Hop[], keyLogs: readonly string[], vantages = true, capture = false): KeyedHops {
  const pass = new DissectionPass({ spans: false, keyLogs, ...(capture ? { verifyChecksums: false } : {}) });
  const flows = new HopFlowCollector();
  const record = new KeyedRecord();
  let plaintextBytes = 0;
  hops.forEach((h, i) => {
    const p = pass.hop({ bytes: h.bytes, index: h.index, t: h.t, ...(vantages ? { vantage: h.link } : {}) });
    flows.observe(i, p.flow, vantages ? h.link : undefined);
    record.observe(i, p);
    for (const l of p.layers) plaintextBytes += l.plaintext?.length ?? 0;
  });
  const f = flows.table(hops.length);
  const s = record.table(hops.length);
  return { detail: new KeyedDetail(hops, keyLogs, vantages, capture, () => f, () => s), flows: f, signatures: s, plaintextBytes };
}

/** A simulated trace's keyed detail, as the worker makes it (its own key log). */
export function traceKeyedHops(trace: Trace): KeyedHops {
  return keyedHops(trace.hops, [traceKeyLog(trace)]);
}
