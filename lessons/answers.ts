import type { Trace } from '../sim/core/trace.ts';
import { dissectPacket } from '../sim/dissect/dissect.ts';
import type { Field } from '../sim/wire/field.ts';
import { countMatches, findNote, resolveEvent, type Answer, type Part, type Question } from './lesson.ts';

type TraceLike = Pick<Trace, 'hops' | 'notes'>;

/** A computed answer: its value, and the hop that shows it (an explanation points there). */
export interface Computed {
  readonly value: string;
  readonly hop?: number;
}

/**
 * Computes a question's answer from the run itself — a note's data, a hop's fate or field, a count — so the answer
 * follows the scenario and seed the learner is looking at. Returns an error naming what was not found.
 */
export function computeAnswer(trace: TraceLike, a: Answer, what = 'answer'): Computed | { error: string } {
  if ('difference' in a) {
    const x = computeAnswer(trace, a.difference[0], what);
    const y = computeAnswer(trace, a.difference[1], what);
    if ('error' in x) return x;
    if ('error' in y) return y;
    const d = Number(x.value) - Number(y.value);
    if (!Number.isFinite(d)) return { error: `${what}: difference of non-numbers "${x.value}" and "${y.value}"` };
    return { value: String(d), ...(x.hop !== undefined ? { hop: x.hop } : {}) };
  }
  if ('count' in a) return { value: String(countMatches(trace, a.count)) };
  if ('note' in a) {
    const n = findNote(trace, a.note);
    if (!n) return { error: `${what}: no note ${JSON.stringify(a.note)} in the trace` };
    const raw = n.data?.[a.data];
    if (raw === undefined || raw === null || typeof raw === 'object') return { error: `${what}: note ${n.kind} has no data "${a.data}"` };
    const r = resolveEvent(trace, a.note, what);
    const hop = 'error' in r ? undefined : r.hop;
    let text = String(raw);
    if (a.line !== undefined) {
      const line = text.split(/\r?\n/).find((l) => l.startsWith(a.line!));
      if (line === undefined) return { error: `${what}: note ${n.kind}'s ${a.data} has no line starting "${a.line}"` };
      text = line.slice(a.line.length).trim();
    }
    return withPart(text, a.part, what, hop);
  }
  const r = resolveEvent(trace, a.hop, what);
  if ('error' in r) return r;
  if (r.hop === undefined) return { error: `${what}: ${JSON.stringify(a.hop)} names no hop` };
  const h = trace.hops[r.hop]!;
  if ('fact' in a) {
    switch (a.fact) {
      case 'from':
        return { value: h.from, hop: h.index };
      case 'to':
        return { value: h.to, hop: h.index };
      case 'fate':
        return { value: h.drop !== undefined ? 'dropped' : 'delivered', hop: h.index };
      case 'length':
        return { value: String(h.bytes.length), hop: h.index };
      default: {
        const d = dissectPacket(h.bytes);
        return withPart(a.fact === 'src' ? d.src : a.fact === 'dst' ? d.dst : d.protocol, a.part, what, h.index);
      }
    }
  }
  const d = dissectPacket(h.bytes);
  const layers = d.layers.filter((l) => a.layer === undefined || l.protocol === a.layer);
  for (const l of layers) {
    const f = findField(l.fields, a.field.split('/'));
    if (!f) continue;
    if (a.part === 'offset') return { value: String(f.offset - l.offset), hop: h.index };
    if (a.part === 'size') return { value: String(f.length), hop: h.index };
    return withPart(f.display ?? '', a.part, what, h.index);
  }
  return { error: `${what}: hop ${h.index} has no field "${a.field}"${a.layer ? ` in ${a.layer}` : ''}` };
}

function findField(fields: readonly Field[], path: readonly string[]): Field | undefined {
  const [head, ...rest] = path;
  for (const f of fields) {
    if (f.name === head) return rest.length === 0 ? f : findField(f.children ?? [], rest);
  }
  // not at this level: a path may start deeper ("X-Port" inside XOR-MAPPED-ADDRESS / Value)
  for (const f of fields) {
    const deeper = f.children ? findField(f.children, path) : undefined;
    if (deeper) return deeper;
  }
  return undefined;
}

function withPart(text: string, part: Part | undefined, what: string, hop: number | undefined): Computed | { error: string } {
  const h = hop !== undefined ? { hop } : {};
  switch (part) {
    case undefined:
      return { value: text, ...h };
    case 'port':
    case 'address': {
      const m = /^\[?([0-9a-fA-F.:]+?)\]?:(\d+)$/.exec(text.trim());
      if (!m) return { error: `${what}: "${text}" is not address:port` };
      return { value: part === 'port' ? m[2]! : m[1]!, ...h };
    }
    case 'decoded': {
      const i = text.indexOf('→');
      if (i < 0) return { error: `${what}: "${text}" has no decoded value (→)` };
      return { value: text.slice(i + 1).trim(), ...h };
    }
    case 'number': {
      const m = /-?\d+(\.\d+)?/.exec(text);
      if (!m) return { error: `${what}: "${text}" holds no number` };
      return { value: m[0], ...h };
    }
    case 'seconds': {
      const us = Number(text);
      if (!Number.isFinite(us)) return { error: `${what}: "${text}" is not a duration in µs` };
      return { value: String(us / 1e6), ...h };
    }
    default:
      return { error: `${what}: part "${part}" applies to fields only` };
  }
}

/** Whether a learner's answer is right: the same choice, the same number, or a hop of the same packet. */
export function isCorrect(q: Question, computed: Computed, given: string, packetOf?: (hop: number) => number): boolean {
  if (q.kind === 'number') return given.trim() !== '' && Number(given.trim()) === Number(computed.value);
  if (q.kind === 'packet') {
    const h = Number(given);
    if (!Number.isInteger(h) || computed.hop === undefined) return false;
    return h === computed.hop || (packetOf !== undefined && packetOf(h) === packetOf(computed.hop));
  }
  return given === computed.value;
}

/** A question's answer as the computation to run (a packet question's answer is its hop). */
export function answerOf(q: Question): Answer {
  return q.kind === 'packet' ? { hop: q.answer.hop, fact: 'from' } : q.answer;
}
