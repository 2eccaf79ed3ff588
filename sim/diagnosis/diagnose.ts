import { captureFindings } from './rules/capture.ts';
import { captureUnansweredFindings } from './rules/capture-unanswered.ts';
import { consentFindings, disconnectedFindings } from './rules/consent.ts';
import { dtlsFindings } from './rules/dtls.ts';
import { gatheringFindings } from './rules/gathering.ts';
import { turnPeerFindings } from './rules/turn-peers.ts';
import { staleNonceFindings } from './rules/turn-stale-nonce.ts';
import { captureIceFailures, iceFailures } from './rules/ice-pairs.ts';
import { mediaFindings } from './rules/media.ts';
import { negotiationFindings } from './rules/negotiation.ts';
import { selectedPairFindings } from './rules/selected-pair.ts';
import { signalingFindings } from './rules/signaling.ts';
import { unknownSsrcFindings } from './rules/unknown-ssrc.ts';
import { TraceIndex } from './trace-index.ts';
import type { Diagnosis, DiagnosisInput, Finding } from './types.ts';

/** The rules, in the order their findings read best: what stopped the call before what it cost. */
const RULES: readonly ((x: TraceIndex) => Finding[])[] = [signalingFindings, negotiationFindings, gatheringFindings, turnPeerFindings, staleNonceFindings, iceFailures, captureIceFailures, consentFindings, disconnectedFindings, selectedPairFindings, dtlsFindings, captureFindings, captureUnansweredFindings, mediaFindings, unknownSsrcFindings];

/**
 * "Why did it fail?": every rule over one index of the trace. Failures come first, then degradations, each in the
 * order of time; a trace of a call that worked has no finding.
 */
export function diagnose(input: DiagnosisInput): Diagnosis {
  const x = new TraceIndex(input);
  const findings = RULES.flatMap((rule) => rule(x));
  const order = (f: Finding): number => (f.severity === 'failure' ? 0 : 1);
  findings.sort((a, b) => order(a) - order(b) || a.t - b.t);
  return { findings };
}

export type { Diagnosis, DiagnosisInput, Evidence, Finding, Severity } from './types.ts';
