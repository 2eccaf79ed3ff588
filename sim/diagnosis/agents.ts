import type { IceStateName } from '../ice/notes.ts';
import type { Micros } from '../core/time.ts';
import { TraceIndex, type Indexed } from './trace-index.ts';

/** What an ICE agent of a run (or a capture's inferred checklist) went through, as its notes tell. */
export interface AgentStory {
  readonly source: string;
  readonly host: string;
  readonly states: readonly Indexed<'ice.state'>[];
  /** Its state when the trace ends. */
  readonly final: IceStateName;
  /** The restart count of its last state note. */
  readonly generation: number;
  /** When it was first connected or completed, if ever. */
  readonly connectedAt: Micros | undefined;
  /** Connected or completed at the end. */
  readonly up: boolean;
  readonly lite: boolean;
}

/** Every agent that announced itself (an `ice.state` "new" note), in trace order; inferred notes are not agents. */
export function agents(x: TraceIndex): AgentStory[] {
  const out: AgentStory[] = [];
  const seen = new Set<string>();
  for (const s of x.of('ice.state')) {
    if (s.n.inferred || seen.has(s.n.source)) continue;
    seen.add(s.n.source);
    const states = x.from('ice.state', s.n.source);
    const last = states[states.length - 1]!.n.data;
    const first = states[0]!.n.data;
    const connected = states.find((st) => st.n.data.state === 'connected' || st.n.data.state === 'completed');
    out.push({
      source: s.n.source,
      host: TraceIndex.host(s.n.source),
      states,
      final: last.state,
      generation: last.generation,
      connectedAt: connected?.n.t,
      up: last.state === 'connected' || last.state === 'completed',
      lite: 'lite' in first && first.lite,
    });
  }
  return out;
}
