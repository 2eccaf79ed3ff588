import type { LessonFile } from './lesson.ts';

/** One thing wrong with a lesson file, named by its path ("checkpoints[2].question.answer.note"). */
export interface LessonIssue {
  readonly path: string;
  readonly message: string;
}

export class LessonError extends Error {
  constructor(
    readonly lesson: string,
    readonly issues: readonly LessonIssue[],
  ) {
    super(`lesson ${lesson} is not valid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const ID = /^[a-z0-9-]{1,64}$/;
const NODE = /^[A-Za-z0-9_-]{1,64}$/;
const ASSIGNMENT = /^[A-Za-z0-9_[\].-]+=/;
const FACTS = ['from', 'to', 'fate', 'length', 'src', 'dst', 'protocol'];
const PARTS = ['port', 'address', 'decoded', 'offset', 'size', 'number', 'seconds'];

/**
 * Checks a lesson.json like a scenario is checked: every wrong or unknown field is reported with its path, and
 * every text must exist in English and Chinese. Returns the file typed when it is valid; throws LessonError.
 */
export function validateLesson(raw: unknown, name = '(lesson)'): LessonFile {
  const issues: LessonIssue[] = [];
  const bad = (path: string, message: string): void => void issues.push({ path, message });
  const known = (o: Obj, path: string, keys: readonly string[]): void => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) bad(`${path}${path ? '.' : ''}${k}`, `unknown field (expected one of ${keys.join(', ')})`);
  };
  const text = (v: unknown, path: string): void => {
    if (!isObj(v)) return bad(path, 'expected { "en": "…", "zh": "…" }');
    known(v, path, ['en', 'zh']);
    for (const l of ['en', 'zh']) if (typeof v[l] !== 'string' || (v[l] as string).trim() === '') bad(`${path}.${l}`, 'missing or empty text');
  };
  const str = (v: unknown, path: string, re?: RegExp): void => {
    if (typeof v !== 'string' || v === '') bad(path, 'expected a non-empty string');
    else if (re && !re.test(v)) bad(path, `"${v}" does not match ${String(re)}`);
  };
  const event = (v: unknown, path: string): void => {
    if (!isObj(v)) return bad(path, 'expected an event: { "note": … } or { "hop": … }');
    known(v, path, ['note', 'source', 'includes', 'hop', 'nth']);
    if ((v.note === undefined) === (v.hop === undefined)) bad(path, 'names exactly one of "note" and "hop"');
    if (v.note !== undefined) str(v.note, `${path}.note`, /^[a-z0-9.-]+$/);
    if (v.source !== undefined) str(v.source, `${path}.source`);
    if (v.includes !== undefined) str(v.includes, `${path}.includes`);
    if (v.nth !== undefined && !(Number.isInteger(v.nth) && (v.nth as number) >= 1)) bad(`${path}.nth`, 'expected an integer ≥ 1');
    if (v.hop !== undefined) {
      if (!isObj(v.hop)) return bad(`${path}.hop`, 'expected { from?, to?, dropped?, protocol?, summary? }');
      const h = v.hop;
      known(h, `${path}.hop`, ['from', 'to', 'dropped', 'protocol', 'summary']);
      if (h.from !== undefined) str(h.from, `${path}.hop.from`, NODE);
      if (h.to !== undefined) str(h.to, `${path}.hop.to`, NODE);
      if (h.dropped !== undefined && typeof h.dropped !== 'boolean') bad(`${path}.hop.dropped`, 'expected true or false');
      if (h.protocol !== undefined) str(h.protocol, `${path}.hop.protocol`);
      if (h.summary !== undefined) str(h.summary, `${path}.hop.summary`);
    }
  };
  const answer = (v: unknown, path: string): void => {
    if (!isObj(v)) return bad(path, 'expected an answer source: note+data, hop+fact, hop+field, count or difference');
    if ('difference' in v) {
      known(v, path, ['difference']);
      if (!Array.isArray(v.difference) || v.difference.length !== 2) return bad(`${path}.difference`, 'expected two answers');
      v.difference.forEach((x, i) => answer(x, `${path}.difference[${i}]`));
      return;
    }
    if ('count' in v) {
      known(v, path, ['count']);
      return event(v.count, `${path}.count`);
    }
    if ('note' in v) {
      known(v, path, ['note', 'data', 'line', 'part']);
      event(v.note, `${path}.note`);
      if (isObj(v.note) && v.note.note === undefined) bad(`${path}.note`, 'must name a note kind');
      str(v.data, `${path}.data`);
      if (v.line !== undefined) str(v.line, `${path}.line`);
    } else if ('hop' in v) {
      known(v, path, ['hop', 'fact', 'field', 'layer', 'part']);
      event(v.hop, `${path}.hop`);
      if ((v.fact === undefined) === (v.field === undefined)) bad(path, 'names exactly one of "fact" and "field"');
      if (v.fact !== undefined && !FACTS.includes(v.fact as string)) bad(`${path}.fact`, `expected one of ${FACTS.join(', ')}`);
      if (v.field !== undefined) str(v.field, `${path}.field`);
      if (v.layer !== undefined) str(v.layer, `${path}.layer`);
    } else return bad(path, 'expected one of "note", "hop", "count", "difference"');
    if (v.part !== undefined && !PARTS.includes(v.part as string)) bad(`${path}.part`, `expected one of ${PARTS.join(', ')}`);
  };
  const question = (v: unknown, path: string): void => {
    if (!isObj(v)) return bad(path, 'expected a question');
    known(v, path, ['kind', 'prompt', 'choices', 'answer', 'explain']);
    text(v.prompt, `${path}.prompt`);
    text(v.explain, `${path}.explain`);
    if (v.kind === 'choice') {
      if (!Array.isArray(v.choices) || v.choices.length < 2) bad(`${path}.choices`, 'expected at least two choices');
      else
        v.choices.forEach((c, i) => {
          const p = `${path}.choices[${i}]`;
          if (!isObj(c)) return bad(p, 'expected { "value": …, "label"?: { en, zh } }');
          known(c, p, ['value', 'label']);
          str(c.value, `${p}.value`);
          if (c.label !== undefined) text(c.label, `${p}.label`);
        });
      answer(v.answer, `${path}.answer`);
    } else if (v.kind === 'number') {
      if (v.choices !== undefined) bad(`${path}.choices`, 'a number question has no choices');
      answer(v.answer, `${path}.answer`);
    } else if (v.kind === 'packet') {
      if (!isObj(v.answer)) bad(`${path}.answer`, 'expected { "hop": event }');
      else {
        known(v.answer, `${path}.answer`, ['hop']);
        event(v.answer.hop, `${path}.answer.hop`);
      }
    } else bad(`${path}.kind`, 'expected "choice", "number" or "packet"');
  };

  if (!isObj(raw)) throw new LessonError(name, [{ path: '(top level)', message: 'expected a JSON object' }]);
  known(raw, '', ['id', 'title', 'order', 'scenario', 'checkpoints']);
  str(raw.id, 'id', ID);
  text(raw.title, 'title');
  if (typeof raw.order !== 'number' || !Number.isFinite(raw.order)) bad('order', 'expected a number');
  if (typeof raw.scenario === 'string') str(raw.scenario, 'scenario', ID);
  else if (!isObj(raw.scenario)) bad('scenario', 'expected a preset name or a scenario object');
  if (!Array.isArray(raw.checkpoints) || raw.checkpoints.length === 0) bad('checkpoints', 'expected a non-empty list');
  else
    raw.checkpoints.forEach((c, i) => {
      const p = `checkpoints[${i}]`;
      if (!isObj(c)) return bad(p, 'expected a checkpoint object');
      known(c, p, ['title', 'notice', 'at', 'event', 'select', 'scenario', 'whatIf', 'question']);
      text(c.title, `${p}.title`);
      text(c.notice, `${p}.notice`);
      if ((c.at === undefined) === (c.event === undefined)) bad(p, 'names exactly one of "at" and "event"');
      if (c.at !== undefined) str(c.at, `${p}.at`);
      if (c.event !== undefined) event(c.event, `${p}.event`);
      if (c.select !== undefined) event(c.select, `${p}.select`);
      if (c.scenario !== undefined) str(c.scenario, `${p}.scenario`, ID);
      if (c.whatIf !== undefined) {
        if (!isObj(c.whatIf)) bad(`${p}.whatIf`, 'expected { "set": […], "label": { en, zh } }');
        else {
          known(c.whatIf, `${p}.whatIf`, ['set', 'label']);
          text(c.whatIf.label, `${p}.whatIf.label`);
          if (!Array.isArray(c.whatIf.set) || c.whatIf.set.length === 0) bad(`${p}.whatIf.set`, 'expected a non-empty list of path=value');
          else c.whatIf.set.forEach((s, j) => str(s, `${p}.whatIf.set[${j}]`, ASSIGNMENT));
        }
      }
      if (c.question !== undefined) question(c.question, `${p}.question`);
    });
  if (issues.length > 0) throw new LessonError(typeof raw.id === 'string' ? raw.id : name, issues);
  return raw as unknown as LessonFile;
}
