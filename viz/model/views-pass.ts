import type { Hop, Note, Trace } from '../../sim/core/trace.ts';
import { diagnose } from '../../sim/diagnosis/diagnose.ts';
import type { Dissector } from '../../sim/dissect/dissector.ts';
import type { DissectedPacket } from '../../sim/dissect/types.ts';
import { DissectionPass, type PassHop, type PassObserver } from '../../sim/pass/pass.ts';
import { CertificateCollector, checkWithNotes, type CertificateView, type HiddenCertificates } from '../../sim/sdpview/certs.ts';
import { SdpCollector, type SdpExchange, type SeenSdp } from '../../sim/sdpview/collect.ts';

/** A certificate with the diagnosis finding its mismatch is evidence of, when there is one. */
export interface CertificateRow extends CertificateView {
  readonly finding?: { readonly cause: string; readonly text: string; readonly fix: string };
}

/** What the analysis panel shows of a trace: its SDP exchanges side by side (sim/sdpview), its certificates. */
export interface TraceViews {
  readonly sdp: readonly SdpExchange[];
  readonly certificates: readonly CertificateRow[];
  /** TLS/DTLS 1.3 handshakes whose certificates stayed encrypted (no key log opened them). */
  readonly hiddenCertificates: readonly HiddenCertificates[];
}

/**
 * The analysis views' observer of the one dissection pass (the worker's pass over a trace, a capture's load): the
 * packets that carried an SDP (signaling is a handful of packets) and the certificates the handshakes sent, found as
 * the pass goes; `views` reads them, with a simulated run's hub signaling (notes without packets) and descriptions
 * from elsewhere, as often as those change. A certificate that matches no fingerprint is tied to the diagnosis's
 * finding. Hop numbers are the trace's (a capture's pass hands its hops' numbers, `hopOf` maps the dissector's).
 */
export class ViewsObserver implements PassObserver {
  private readonly sdpHops: { p: DissectedPacket; h: PassHop }[] = [];
  private readonly certs: CertificateCollector;

  constructor(dissector: Dissector, hopOf?: (packet: number) => number) {
    this.certs = new CertificateCollector(dissector, hopOf);
  }

  hop(p: DissectedPacket, h: PassHop): void {
    if (p.layers.some((l) => l.protocol === 'SDP')) this.sdpHops.push({ p, h });
    this.certs.hop(p, h);
  }

  finish(): void {
    this.certs.finish();
  }

  views(
    trace: Pick<Trace, 'meta' | 'nodes' | 'links' | 'notes'> & { readonly hops: readonly Hop[] },
    capture: boolean,
    /** Descriptions from elsewhere (a webrtc-internals dump's updateLog), on the trace's axis. */
    other: readonly Omit<SeenSdp, 'hops'>[] = [],
  ): TraceViews {
    const sdp = new SdpCollector();
    for (const { p, h } of this.sdpHops) sdp.hop(p, h);
    sdp.addNotes(trace.notes);
    sdp.addOther(other);
    const rows = this.certs.views(sdp.seen).map((v) => checkWithNotes(v, trace.notes));
    const finding = rows.some((r) => r.check.status === 'mismatch') ? fingerprintFinding(trace, capture) : undefined;
    return { sdp: sdp.exchanges(), certificates: rows.map((r) => (r.check.status === 'mismatch' && finding ? { ...r, finding } : r)), hiddenCertificates: this.certs.hidden() };
  }
}

/** The views of a trace's hops with their keys from a pass of their own (tests; the worker observes its one pass). */
export function computeViews(
  trace: Pick<Trace, 'meta' | 'nodes' | 'links' | 'notes'> & { readonly hops: readonly Hop[] },
  keyLogs: readonly string[],
  vantages: boolean,
  capture: boolean,
  other: readonly Omit<SeenSdp, 'hops'>[] = [],
): TraceViews {
  const pass = new DissectionPass({ spans: false, keyLogs, ...(capture ? { verifyChecksums: false } : {}) });
  const views = new ViewsObserver(pass.dissector);
  pass.observe(views);
  for (const h of trace.hops) pass.hop({ bytes: h.bytes, index: h.index, t: h.t, ...(vantages ? { vantage: h.link } : {}) });
  pass.finish();
  return views.views(trace, capture, other);
}

function fingerprintFinding(trace: Pick<Trace, 'meta' | 'nodes' | 'links' | 'notes'> & { readonly hops: readonly Hop[] }, capture: boolean): CertificateRow['finding'] {
  const notes: readonly Note[] = trace.notes;
  const d = diagnose({ meta: trace.meta, nodes: trace.nodes, links: trace.links, hops: capture ? [] : trace.hops, notes });
  const f = d.findings.find((x) => x.cause.includes('fingerprint'));
  return f ? { cause: f.cause, text: f.text, fix: f.fix } : undefined;
}
