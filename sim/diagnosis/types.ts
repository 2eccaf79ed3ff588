import type { Hop, Note, TopologyLink, TopologyNode, TraceMeta } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import type { CaptureFacts } from './capture-facts.ts';

/** A failure stopped the call (or a part of it); a degradation let it go on worse than it could have. */
export type Severity = 'failure' | 'degradation';

/** The trace indices a statement rests on: hops and notes the page can select, the CLI prints as `#n`. */
export interface Evidence {
  readonly hops: readonly number[];
  readonly notes: readonly number[];
}

/** One cause of a failure or degradation found in a trace (docs/diagnosis.md lists the causes). */
export interface Finding {
  /** A stable dotted id: "ice.nat-filtering", "turn.auth", "dtls.fingerprint-mismatch" … */
  readonly cause: string;
  readonly severity: Severity;
  /** Who it happened to: a host ("alice"), a flow ("10.0.0.1:5000 ↔ …") or the server's name. */
  readonly subject: string;
  /** When it showed (µs): the first note or hop it rests on. */
  readonly t: Micros;
  /** What happened, in one sentence. */
  readonly text: string;
  readonly evidence: Evidence;
  /** What would have avoided it, as an instruction ("give alice a TURN server over TCP 443"). */
  readonly fix: string;
  /**
   * Finer statements behind it (one per ICE pair that failed, …), each with its own evidence, and the figures its
   * text is made of when a page words it in another language (viz/i18n-diagnosis.ts zhDetail: `kind` names the line).
   */
  readonly details: readonly { readonly text: string; readonly evidence: Evidence; readonly facts?: FindingFacts }[];
  /**
   * The figures `text` and `fix` are made of (hosts, addresses, counts, times in µs, codes), by name, so that a page
   * can word the finding in another language (viz/i18n-diagnosis.ts). Not printed and not in the JSON form.
   */
  readonly facts?: FindingFacts;
}

/** A finding's figures by name (Finding.facts). */
export type FindingFacts = Readonly<Record<string, string | number>>;

/** What the diagnosis reads: a simulated run's trace, or a capture's packets (hops) with its inferred notes. */
export interface DiagnosisInput {
  readonly meta: TraceMeta;
  readonly nodes: readonly TopologyNode[];
  readonly links: readonly TopologyLink[];
  /**
   * A simulated run's hops. A capture passes none: its notes' `packet` is already the index of the packet (hop) in
   * the capture, so evidence points there.
   */
  readonly hops: readonly Hop[];
  readonly notes: readonly Note[];
  /** A capture's alerts and error responses (capture-facts.ts), when the pass collected them. */
  readonly capture?: CaptureFacts;
}

export interface Diagnosis {
  /** Failures first, then degradations, each by time. */
  readonly findings: readonly Finding[];
}
