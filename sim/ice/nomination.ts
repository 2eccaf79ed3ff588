import type { CandidatePair } from './pair.ts';

/**
 * How the controlling agent nominates, and what a nomination ends:
 * - `regular` (RFC 8445 §8.1.1): checks without USE-CANDIDATE; after the first valid pair the agent lets checks
 *   run (up to its nomination delay, or until no better pair is pending), then checks the best valid pair again
 *   with USE-CANDIDATE; a nomination prunes the rest of the checklist (§8.1.2).
 * - `aggressive` (RFC 5245 §8.1.1.2): USE-CANDIDATE on every check.
 * - `semi-aggressive`: what libwebrtc's controlling agent does by default (P2PTransportChannel::GetUseCandidateAttr,
 *   NominationMode::SEMI_AGGRESSIVE): a check carries USE-CANDIDATE while no pair is selected, or when its pair
 *   is better than the selected one, so the first pair that works is nominated at once (and DTLS starts), and a
 *   better one that works later is nominated again (renomination); checks on better pairs go on after a selection.
 *   Facing an ICE-lite peer it nominates only the pair it selected: the best valid pair, as soon as there is one.
 */
export type NominationMode = 'regular' | 'aggressive' | 'semi-aggressive';

export const NOMINATION_MODES = ['regular', 'aggressive', 'semi-aggressive'] as const;

/** Whether a check the controlling agent sends on `pair` carries USE-CANDIDATE. */
export function useCandidateOnCheck(mode: NominationMode, remoteLite: boolean, pair: CandidatePair, selected: CandidatePair | undefined): boolean {
  if (mode === 'aggressive') return true;
  if (mode === 'regular' || remoteLite) return false;
  return !selected || pair.priority > selected.validPriority!;
}

/** After the first valid pair, how long the controlling agent waits before nominating the best valid pair itself. */
export function nominationWait(mode: NominationMode, remoteLite: boolean, delay: number): number | undefined {
  if (mode === 'regular') return delay;
  return mode === 'semi-aggressive' && remoteLite ? 0 : undefined;
}

/**
 * §8.1.2: which other pairs a nomination of `selected` removes. Semi-aggressive removes none: libwebrtc keeps checking
 * every pair, so a better one can be nominated later and the peer may send from any valid pair (RFC 8445 §12.2).
 */
export function prunedBy(mode: NominationMode, p: CandidatePair, selected: CandidatePair): boolean {
  if (mode === 'semi-aggressive') return false;
  if (p.state === 'in-progress') return p.priority < selected.priority;
  return p.state === 'waiting' || p.state === 'frozen';
}

/** Whether ordinary (not triggered) checks still go out once a pair is selected: semi-aggressive, while any pair waits. */
export function checksAfterSelection(mode: NominationMode, pairs: readonly CandidatePair[]): boolean {
  return mode === 'semi-aggressive' && pairs.some((p) => p.state === 'waiting' || p.state === 'frozen');
}
