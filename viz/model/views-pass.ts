import type { Hop, Note, Trace } from '../../sim/core/trace.ts';
import { diagnose } from '../../sim/diagnosis/diagnose.ts';
import { DissectionPass } from '../../sim/pass/pass.ts';
import { CertificateCollector, checkWithNotes, type CertificateView } from '../../sim/sdpview/certs.ts';
import { SdpCollector, type SdpExchange } from '../../sim/sdpview/collect.ts';

/** A certificate with the diagnosis finding its mismatch is evidence of, when there is one. */
export interface CertificateRow extends CertificateView {
  readonly finding?: { readonly cause: string; readonly text: string; readonly fix: string };
}

/** What the analysis panel shows of a trace: its SDP exchanges side by side (sim/sdpview), its certificates. */
export interface TraceViews {
  readonly sdp: readonly SdpExchange[];
  readonly certificates: readonly CertificateRow[];
}

/**
 * One dissection pass over a trace's hops with its keys (a capture's key logs, a run's own), collecting the SDPs its
 * signaling carried and the certificates its handshakes sent; a simulated run's hub signaling (notes without
 * packets) is added from its notes. A certificate that matches no fingerprint is tied to the diagnosis's finding.
 */
export function computeViews(trace: Pick<Trace, 'meta' | 'nodes' | 'links' | 'notes'> & { readonly hops: readonly Hop[] }, keyLogs: readonly string[], vantages: boolean, capture: boolean): TraceViews {
  const pass = new DissectionPass({ spans: false, keyLogs, ...(capture ? { verifyChecksums: false } : {}) });
  const sdp = new SdpCollector();
  const certs = new CertificateCollector(pass.dissector);
  pass.observe(sdp).observe(certs);
  for (const h of trace.hops) pass.hop({ bytes: h.bytes, index: h.index, t: h.t, ...(vantages ? { vantage: h.link } : {}) });
  pass.finish();
  sdp.addNotes(trace.notes);
  const rows = certs.views(sdp.seen).map((v) => checkWithNotes(v, trace.notes));
  const finding = rows.some((r) => r.check.status === 'mismatch') ? fingerprintFinding(trace, capture) : undefined;
  return { sdp: sdp.exchanges(), certificates: rows.map((r) => (r.check.status === 'mismatch' && finding ? { ...r, finding } : r)) };
}

function fingerprintFinding(trace: Pick<Trace, 'meta' | 'nodes' | 'links' | 'notes'> & { readonly hops: readonly Hop[] }, capture: boolean): CertificateRow['finding'] {
  const notes: readonly Note[] = trace.notes;
  const d = diagnose({ meta: trace.meta, nodes: trace.nodes, links: trace.links, hops: capture ? [] : trace.hops, notes });
  const f = d.findings.find((x) => x.cause.includes('fingerprint'));
  return f ? { cause: f.cause, text: f.text, fix: f.fix } : undefined;
}
