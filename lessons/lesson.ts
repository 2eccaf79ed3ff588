import type { Trace } from '../sim/core/trace.ts';
import { parseDuration } from '../sim/core/time.ts';

/**
 * A lesson: a narrative (narrative.md), a scenario (a preset name or a scenario JSON object) and checkpoints —
 * moments the learner is taken to, each with what to notice there. A checkpoint names a time, or an event the
 * trace must contain (a note of some kind, a hop between two nodes, a drop), so lessons keep working when the
 * simulator's timing changes; lessons.test.ts proves every checkpoint finds its event.
 */
export interface LessonFile {
  readonly id: string;
  readonly title: string;
  /** Position in the lesson list. */
  readonly order: number;
  /** A preset name (`rtclab presets`) or a scenario in JSON form. */
  readonly scenario: string | Record<string, unknown>;
  readonly checkpoints: readonly Checkpoint[];
}

export interface Lesson extends LessonFile {
  /** Markdown: headings, paragraphs, lists, `code` and **bold**. */
  readonly narrative: string;
}

export interface EventMatch {
  /** A note kind, e.g. "nat.mapping.created". */
  readonly note?: string;
  /** The note's source, e.g. "natA". */
  readonly source?: string;
  /** Text the note's or drop reason's text must contain. */
  readonly includes?: string;
  /** A hop: its sending and receiving nodes, and whether it was dropped. */
  readonly hop?: { readonly from?: string; readonly to?: string; readonly dropped?: boolean };
  /** Which match, counting from 1 (default 1). */
  readonly nth?: number;
}

export interface Checkpoint {
  readonly title: string;
  /** What the learner should notice at that moment. */
  readonly notice: string;
  /** A time ("61ms", "300.001s"): something must happen exactly then. */
  readonly at?: string;
  readonly event?: EventMatch;
  /** Another scenario (a preset name) this checkpoint is shown in; the lesson's own by default. */
  readonly scenario?: string;
}

/** Where a checkpoint lands in a trace: the time, and the hop to select when there is one. */
export interface Resolved {
  readonly t: number;
  readonly hop?: number;
}

/** Finds a checkpoint's moment in a trace, or explains why it cannot. */
export function resolveCheckpoint(trace: Pick<Trace, 'hops' | 'notes'>, c: Checkpoint): Resolved | { error: string } {
  if (c.at !== undefined) {
    const t = parseDuration(c.at);
    if (typeof t !== 'number') return { error: `checkpoint "${c.title}": ${t.error}` };
    const hop = trace.hops.find((h) => h.t === t || (h.drop !== undefined && h.arrive === t));
    if (hop) return { t, hop: hop.index };
    if (trace.notes.some((n) => n.t === t)) return { t };
    return { error: `checkpoint "${c.title}": nothing happens at ${c.at}` };
  }
  const e = c.event;
  if (!e) return { error: `checkpoint "${c.title}" has neither "at" nor "event"` };
  const nth = e.nth ?? 1;
  let seen = 0;
  if (e.note !== undefined) {
    for (const n of trace.notes) {
      if (n.kind !== e.note || (e.source !== undefined && n.source !== e.source)) continue;
      if (e.includes !== undefined && !n.text.includes(e.includes)) continue;
      if (++seen < nth) continue;
      const hop = n.packet === undefined ? undefined : lastHopOfPacketBefore(trace, n.packet, n.t);
      return hop === undefined ? { t: n.t } : { t: n.t, hop };
    }
    return { error: `checkpoint "${c.title}": no note ${describe(e)} in the trace` };
  }
  if (e.hop) {
    const m = e.hop;
    for (const h of trace.hops) {
      if (m.from !== undefined && h.from !== m.from) continue;
      if (m.to !== undefined && h.to !== m.to) continue;
      if (m.dropped !== undefined && (h.drop !== undefined) !== m.dropped) continue;
      if (e.includes !== undefined && !(h.drop ?? '').includes(e.includes)) continue;
      if (++seen < nth) continue;
      return { t: h.drop !== undefined ? h.arrive : h.t, hop: h.index };
    }
    return { error: `checkpoint "${c.title}": no hop ${describe(e)} in the trace` };
  }
  return { error: `checkpoint "${c.title}": its event names neither a note nor a hop` };
}

function lastHopOfPacketBefore(trace: Pick<Trace, 'hops'>, packet: number, t: number): number | undefined {
  let best: number | undefined;
  for (const h of trace.hops) if (h.packet === packet && h.t <= t) best = h.index;
  return best;
}

function describe(e: EventMatch): string {
  return JSON.stringify(e);
}

/** The scenarios a lesson uses: its own, then those its checkpoints name, without repeats. */
export function lessonScenarios(l: LessonFile): (string | Record<string, unknown>)[] {
  const out: (string | Record<string, unknown>)[] = [l.scenario];
  for (const c of l.checkpoints) if (c.scenario !== undefined && !out.includes(c.scenario)) out.push(c.scenario);
  return out;
}

export const DEFAULT_LESSON = 'webrtc-call';
