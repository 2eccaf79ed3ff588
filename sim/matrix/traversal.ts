import type { JsonValue } from '../core/trace.ts';
import { parseScenario } from '../scenario/parse.ts';
import { matrixScenario, MATRIX_SIDES, type MatrixSide } from '../scenario/presets/ice-pair.ts';
import { runScenario, type RunResult } from '../scenario/run.ts';

/**
 * The NAT traversal matrix: alice (controlling) and bob (controlled), each behind one of the classic NATs, with a
 * STUN/TURN server on the public internet, signaling through a WebSocket server on that host (the description and
 * candidates cross each side's NAT or firewall as TCP bytes); every cell is a real run of a whole scenario, so it sits above
 * sim/scenario. `rtclab matrix` (cli/matrix.ts) prints it; traversal.test.ts pins every cell against expectations
 * derived from RFC 4787 behaviour.
 */
export { MATRIX_SIDES, type MatrixSide };

export interface MatrixCell {
  readonly alice: MatrixSide;
  readonly bob: MatrixSide;
  readonly turn: boolean;
  /** "failed", or alice's selected pair as "<local type>/<remote type>" (e.g. "srflx/prflx"). */
  readonly outcome: string;
  readonly state: string;
  /**
   * How alice's side of the selected pair carries packets, or null when failed: "udp" (direct), "tcp" (ICE-TCP),
   * or "turn/udp", "turn/tcp", "turn/tls" when her local candidate is a relay reached over that transport.
   */
  readonly transport: string | null;
  /** Time from start to connected for alice (µs), or null. */
  readonly timeToConnected: number | null;
  readonly selected: JsonValue;
}

type Obj = { [k: string]: JsonValue };

/** alice's result from a run's summary. */
export function outcomeOf(r: RunResult, peer = 'alice'): { outcome: string; state: string; transport: string | null; timeToConnected: number | null; selected: JsonValue } {
  const s = ((r.summary.ice as Obj | undefined)?.[peer] ?? {}) as Obj;
  const sel = s.selectedPair as Obj | null | undefined;
  const outcome = sel ? `${String((sel.local as Obj).type)}/${String((sel.remote as Obj).type)}` : 'failed';
  return { outcome, state: String(s.state), transport: sel ? transportOf(sel.local as Obj) : null, timeToConnected: (s.timeToConnected as number | null | undefined) ?? null, selected: sel ?? null };
}

/** "udp", "tcp", or "turn/<relay protocol>" for a relayed local candidate (a summary's relayProtocol, UDP when absent). */
export function transportOf(local: Obj): string {
  if (local.type === 'relay') return `turn/${typeof local.relayProtocol === 'string' ? local.relayProtocol : 'udp'}`;
  return String(local.protocol ?? 'udp');
}

export function runMatrixCell(a: MatrixSide, b: MatrixSide, turn: boolean, seed = 1): MatrixCell {
  const r = runScenario(parseScenario(matrixScenario(a, b, { turn, seed })));
  return { alice: a, bob: b, turn, ...outcomeOf(r) };
}

/** Runs every cell, alice's side by bob's; `onCell` hears of each as it is done (for progress). */
export function runMatrix(turn: boolean, seed = 1, sides: readonly MatrixSide[] = MATRIX_SIDES, onCell?: (done: number, total: number) => void): MatrixCell[] {
  const out: MatrixCell[] = [];
  for (const a of sides) {
    for (const b of sides) {
      out.push(runMatrixCell(a, b, turn, seed));
      onCell?.(out.length, sides.length * sides.length);
    }
  }
  return out;
}
