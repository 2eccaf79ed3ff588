import type { Hop, Note, Trace } from '../sim/core/trace.ts';
import { parseDuration } from '../sim/core/time.ts';
import { dissectPacket } from '../sim/dissect/dissect.ts';

/**
 * A lesson: a narrative (narrative.md, narrative.zh.md), a scenario (a preset name or a scenario JSON object) and
 * checkpoints — moments the learner is taken to, each with what to notice there and, often, a question asked
 * before the moment is shown. A checkpoint names an event the trace must contain (a note of some kind, a hop
 * between two nodes, a drop), never a bare time, so lessons keep working when the simulator's timing changes;
 * answers are computed from the run (questions.ts), so they stay right when the learner edits the scenario.
 */

/** Every text a learner reads exists in English and Simplified Chinese; protocol and field names stay as RFCs spell them. */
export interface Text {
  readonly en: string;
  readonly zh: string;
}
export type Lang = keyof Text;
export const LANGS: readonly Lang[] = ['en', 'zh'];

export interface LessonFile {
  readonly id: string;
  readonly title: Text;
  /** Position in the lesson list. */
  readonly order: number;
  /** A preset name (`rtclab presets`) or a scenario in JSON form. */
  readonly scenario: string | Record<string, unknown>;
  readonly checkpoints: readonly Checkpoint[];
}

export interface Lesson extends LessonFile {
  /** Markdown: headings, paragraphs, lists, `code` and **bold**. */
  readonly narrative: Text;
}

export interface HopMatch {
  readonly from?: string;
  readonly to?: string;
  readonly dropped?: boolean;
  /** The dissected protocol ("STUN", "DTLS", "TURN" …). */
  readonly protocol?: string;
  /** Text the dissected summary must contain ("Binding Request", "ClientHello"). */
  readonly summary?: string;
}

export interface EventMatch {
  /** A note kind, e.g. "nat.mapping.created". */
  readonly note?: string;
  /** The note's source, e.g. "natA" (a prefix: "alice" matches "alice/webrtc-peer"). */
  readonly source?: string;
  /** Text the note's or drop reason's text must contain. */
  readonly includes?: string;
  /** A hop: its sending and receiving nodes, whether it was dropped, its protocol and summary. */
  readonly hop?: HopMatch;
  /** Which match, counting from 1 (default 1). */
  readonly nth?: number;
}

/** Where an answer comes from in the run: a note's data, a hop's fact or field, a count, a difference. */
export type Answer =
  | { readonly note: EventMatch; readonly data: string; readonly line?: string; readonly part?: Part }
  | { readonly hop: EventMatch; readonly fact: 'from' | 'to' | 'fate' | 'length' | 'src' | 'dst' | 'protocol'; readonly part?: Part }
  | { readonly hop: EventMatch; readonly field: string; readonly layer?: string; readonly part?: Part }
  | { readonly count: EventMatch }
  | { readonly difference: readonly [Answer, Answer] };

/**
 * How a value is read: `port` / `address` of "a.b.c.d:port", `decoded` the part after "→" ("0x329a → 5000"),
 * `offset` / `size` a field's place in its layer (bytes), `number` the first number in the text,
 * `seconds` a duration in µs as seconds. A note answer's
 * `line` picks, in a multi-line data value (an SDP), the rest of the first line starting with that text.
 */
export type Part = 'port' | 'address' | 'decoded' | 'offset' | 'size' | 'number' | 'seconds';

export interface Choice {
  readonly value: string;
  readonly label?: Text;
}

export type Question =
  | { readonly kind: 'choice'; readonly prompt: Text; readonly choices: readonly Choice[]; readonly answer: Answer; readonly explain: Text }
  | { readonly kind: 'number'; readonly prompt: Text; readonly answer: Answer; readonly explain: Text }
  | { readonly kind: 'packet'; readonly prompt: Text; readonly answer: { readonly hop: EventMatch }; readonly explain: Text };

export interface WhatIf {
  /** `--set` assignments applied to the lesson's scenario; the run before is kept beside it in compare mode. */
  readonly set: readonly string[];
  readonly label: Text;
}

export interface Checkpoint {
  readonly title: Text;
  /** What the learner should notice at that moment. */
  readonly notice: Text;
  /** A time ("61ms", "300.001s"): something must happen exactly then. Prefer `event`. */
  readonly at?: string;
  readonly event?: EventMatch;
  /**
   * The hop the text talks about, when it is not the event's own (selected, framed and followed by the list): a hop
   * match without `nth` takes the matching hop nearest the event's moment.
   */
  readonly select?: EventMatch;
  /** Another scenario (a preset name) this checkpoint is shown in; the lesson's own by default. */
  readonly scenario?: string;
  /** A what-if step: re-run with these changes (compare mode keeps the run before as A). */
  readonly whatIf?: WhatIf;
  /** Asked before the moment is revealed. */
  readonly question?: Question;
}

/** Where a checkpoint lands in a trace: the time, and the hop to select when there is one. */
export interface Resolved {
  readonly t: number;
  readonly hop?: number;
}

type TraceLike = Pick<Trace, 'hops' | 'notes'>;

/** A hop's dissected protocol and summary, computed once per hop and trace when a match asks for them. */
const described = new WeakMap<Hop, { protocol: string; summary: string }>();
function describeHop(h: Hop): { protocol: string; summary: string } {
  let d = described.get(h);
  if (!d) {
    const x = h.bytes.length > 0 ? dissectPacket(h.bytes) : undefined;
    d = { protocol: x?.protocol ?? '', summary: x?.summary ?? '' };
    described.set(h, d);
  }
  return d;
}

export function hopMatches(h: Hop, m: HopMatch, includes: string | undefined): boolean {
  if (m.from !== undefined && h.from !== m.from) return false;
  if (m.to !== undefined && h.to !== m.to) return false;
  if (m.dropped !== undefined && (h.drop !== undefined) !== m.dropped) return false;
  if (includes !== undefined && !(h.drop ?? '').includes(includes)) return false;
  if (m.protocol !== undefined || m.summary !== undefined) {
    const d = describeHop(h);
    if (m.protocol !== undefined && d.protocol !== m.protocol) return false;
    if (m.summary !== undefined && !d.summary.includes(m.summary)) return false;
  }
  return true;
}

function noteMatches(n: Note, e: EventMatch): boolean {
  if (n.kind !== e.note) return false;
  if (e.source !== undefined && n.source !== e.source && !n.source.startsWith(`${e.source}/`)) return false;
  return e.includes === undefined || n.text.includes(e.includes);
}

/** The note an event names (the nth match), if the event is a note match. */
export function findNote(trace: TraceLike, e: EventMatch): Note | undefined {
  const nth = e.nth ?? 1;
  let seen = 0;
  for (const n of trace.notes) if (noteMatches(n, e) && ++seen === nth) return n;
  return undefined;
}

/** Every match of an event (notes or hops), for counting. */
export function countMatches(trace: TraceLike, e: EventMatch): number {
  if (e.note !== undefined) return trace.notes.filter((n) => noteMatches(n, e)).length;
  if (e.hop) return trace.hops.filter((h) => hopMatches(h, e.hop!, e.includes)).length;
  return 0;
}

/** Finds an event's moment in a trace, or explains why it cannot. */
export function resolveEvent(trace: TraceLike, e: EventMatch, what: string): Resolved | { error: string } {
  if (e.note !== undefined) {
    const n = findNote(trace, e);
    if (!n) return { error: `${what}: no note ${JSON.stringify(e)} in the trace` };
    const hop = n.packet === undefined ? undefined : lastHopOfPacketBefore(trace, n.packet, n.t);
    return hop === undefined ? { t: n.t } : { t: n.t, hop };
  }
  if (e.hop) {
    const nth = e.nth ?? 1;
    let seen = 0;
    for (const h of trace.hops) {
      if (!hopMatches(h, e.hop, e.includes) || ++seen < nth) continue;
      return { t: h.drop !== undefined ? h.arrive : h.t, hop: h.index };
    }
    return { error: `${what}: no hop ${JSON.stringify(e)} in the trace` };
  }
  return { error: `${what}: its event names neither a note nor a hop` };
}

/** Finds a checkpoint's moment in a trace (the hop it selects: `select` if given, else the event's). */
export function resolveCheckpoint(trace: TraceLike, c: Checkpoint): Resolved | { error: string } {
  const what = `checkpoint "${c.title.en}"`;
  let r: Resolved | { error: string };
  if (c.at !== undefined) {
    const t = parseDuration(c.at);
    if (typeof t !== 'number') return { error: `${what}: ${t.error}` };
    const hop = trace.hops.find((h) => h.t === t || (h.drop !== undefined && h.arrive === t));
    if (hop) r = { t, hop: hop.index };
    else if (trace.notes.some((n) => n.t === t)) r = { t };
    else return { error: `${what}: nothing happens at ${c.at}` };
  } else if (c.event) r = resolveEvent(trace, c.event, what);
  else return { error: `${what} has neither "at" nor "event"` };
  if ('error' in r || !c.select) return r;
  const sel = c.select;
  if (sel.hop && sel.nth === undefined) {
    // the matching hop nearest the checkpoint's moment (ties: the earlier), so "the DTLS Finished" means this one
    let best: Hop | undefined;
    for (const h of trace.hops) {
      if (!hopMatches(h, sel.hop, sel.includes)) continue;
      if (!best || Math.abs(h.t - r.t) < Math.abs(best.t - r.t)) best = h;
      if (h.t > r.t && best !== h) break;
    }
    if (!best) return { error: `${what} (select): no hop ${JSON.stringify(sel)} in the trace` };
    return { t: Math.max(r.t, best.arrive), hop: best.index };
  }
  const s = resolveEvent(trace, sel, `${what} (select)`);
  if ('error' in s) return s;
  return s.hop === undefined ? r : { t: Math.max(r.t, trace.hops[s.hop]!.arrive), hop: s.hop };
}

function lastHopOfPacketBefore(trace: Pick<Trace, 'hops'>, packet: number, t: number): number | undefined {
  let best: number | undefined;
  for (const h of trace.hops) {
    if (h.t > t) break;
    if (h.packet === packet) best = h.index;
  }
  return best;
}

/** The scenarios a lesson uses: its own, then those its checkpoints name, without repeats. */
export function lessonScenarios(l: LessonFile): (string | Record<string, unknown>)[] {
  const out: (string | Record<string, unknown>)[] = [l.scenario];
  for (const c of l.checkpoints) if (c.scenario !== undefined && !out.includes(c.scenario)) out.push(c.scenario);
  return out;
}

export const DEFAULT_LESSON = 'webrtc-call';
