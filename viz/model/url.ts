import { formatDuration, parseDuration } from '../../sim/core/time.ts';
import { tr, trf } from '../i18n.ts';

/** What the address bar holds, so that a link reproduces the exact view. */
export interface ViewState {
  lesson?: string;
  scenario?: string;
  seed?: number;
  /** Cursor time, µs. */
  t?: number;
  /** Selected hop index. */
  hop?: number;
  compact?: boolean;
  /** `--set` assignments applied to the preset `scenario` (an edited scenario, reproducible from the link). */
  set?: string[];
  /** Compare mode: run A, kept beside the current run (B). */
  a?: RunRef;
  /** The page's language. */
  lang?: 'en' | 'zh';
  /** The packet list's display filter (checked when applied: a bad one shows the filter box's caret error). */
  filter?: string;
  /** The packet list's field columns, in order. */
  cols?: string[];
  /** Values the address bar holds that could not be used, each said (never silently ignored). */
  problems?: string[];
}

/** A run by preset name, seed and assignments (what `rtclab run NAME --seed N --set …` takes). */
export interface RunRef {
  scenario: string;
  seed?: number;
  set?: string[];
}

const NAME = /^[a-z0-9-]{1,64}$/;
const SEED = /^\d{1,15}$/;

/** The address bar's limits on `set=` / `aset=` assignments: at most this many, each at most this long. */
export const MAX_ASSIGNMENTS = 64;
export const MAX_ASSIGNMENT_LENGTH = 2000;
const ASSIGNMENT = /^[A-Za-z0-9_[\].-]+=/;

/** Assignments as `path=value`, each short, at most 64 of them. */
function assignments(list: string[]): string[] | undefined {
  const ok = list.filter((x) => x.length <= MAX_ASSIGNMENT_LENGTH && ASSIGNMENT.test(x)).slice(0, MAX_ASSIGNMENTS);
  return ok.length ? ok : undefined;
}

/**
 * Checks assignments against the limits above, saying which one breaks which (parseViewState drops such entries
 * silently; start-up and the link writer use this to say why instead). `param` names them in the message.
 */
export function checkAssignments(list: readonly string[], param = 'set'): string | undefined {
  if (list.length > MAX_ASSIGNMENTS) return trf('urlTooMany', { n: list.length, param, max: MAX_ASSIGNMENTS });
  for (const [i, x] of list.entries()) {
    const which = `${param}= #${i + 1} (${x.length > 40 ? `${x.slice(0, 40)}…` : x})`;
    if (x.length > MAX_ASSIGNMENT_LENGTH) return trf('urlTooLong', { which, n: x.length, max: MAX_ASSIGNMENT_LENGTH });
    if (!ASSIGNMENT.test(x)) return trf('urlNotAssignment', { which });
  }
  return undefined;
}

export function parseViewState(search: string): ViewState {
  const q = new URLSearchParams(search);
  const out: ViewState = {};
  const problems: string[] = [];
  const bad = (param: string, value: string, want: string): void => void problems.push(trf('urlNot', { param, value: value.length > 40 ? `${value.slice(0, 40)}…` : value, want }));
  const lesson = q.get('lesson');
  if (lesson !== null) {
    if (NAME.test(lesson)) out.lesson = lesson;
    else bad('lesson', lesson, tr('urlWantLesson'));
  }
  const scenario = q.get('scenario');
  if (scenario !== null) {
    if (NAME.test(scenario)) out.scenario = scenario;
    else bad('scenario', scenario, tr('urlWantPreset'));
  }
  const seed = q.get('seed');
  if (seed !== null) {
    if (SEED.test(seed)) out.seed = Number(seed);
    else bad('seed', seed, tr('urlWantSeed'));
  }
  const t = q.get('t');
  if (t !== null) {
    const d = parseDuration(t);
    if (typeof d === 'number' && d >= 0) out.t = d;
    else bad('t', t, tr('urlWantTime'));
  }
  const hop = q.get('hop');
  if (hop !== null) {
    if (/^\d{1,9}$/.test(hop)) out.hop = Number(hop);
    else bad('hop', hop, tr('urlWantHop'));
  }
  const compact = q.get('compact');
  if (compact === '1') out.compact = true;
  else if (compact !== null && compact !== '0') bad('compact', compact, tr('urlWant10'));
  const lang = q.get('lang');
  if (lang === 'en' || lang === 'zh') out.lang = lang;
  else if (lang !== null) bad('lang', lang, tr('urlWantLang'));
  const set = assignments(q.getAll('set'));
  if (set && out.scenario) out.set = set;
  const filter = q.get('filter');
  if (filter !== null) {
    if (filter.length <= MAX_ASSIGNMENT_LENGTH) out.filter = filter;
    else bad('filter', filter, trf('urlWantFilter', { max: MAX_ASSIGNMENT_LENGTH }));
  }
  const cols = q.get('cols');
  if (cols !== null) {
    const list = cols.split(',').map((c) => c.trim()).filter(Boolean);
    if (list.length <= 32 && list.every((c) => /^[A-Za-z0-9_.-]{1,80}$/.test(c))) out.cols = list;
    else bad('cols', cols, tr('urlWantCols'));
  }
  const a = q.get('a');
  if (a !== null) {
    if (NAME.test(a)) {
      const aseed = q.get('aseed');
      if (aseed !== null && !SEED.test(aseed)) bad('aseed', aseed, tr('urlWantSeedShort'));
      const aset = assignments(q.getAll('aset'));
      out.a = { scenario: a, ...(aseed !== null && SEED.test(aseed) ? { seed: Number(aseed) } : {}), ...(aset ? { set: aset } : {}) };
    } else bad('a', a, tr('urlWantPresetName'));
  }
  if (problems.length > 0) out.problems = problems;
  return out;
}

export function formatViewState(s: ViewState): string {
  const q = new URLSearchParams();
  if (s.lesson) q.set('lesson', s.lesson);
  if (s.scenario) q.set('scenario', s.scenario);
  if (s.seed !== undefined) q.set('seed', String(s.seed));
  if (s.t !== undefined) q.set('t', formatDuration(Math.round(s.t)).replace('µs', 'us'));
  if (s.hop !== undefined) q.set('hop', String(s.hop));
  if (s.compact) q.set('compact', '1');
  if (s.lang && s.lang !== 'en') q.set('lang', s.lang);
  for (const x of s.set ?? []) q.append('set', x);
  if (s.filter) q.set('filter', s.filter);
  if (s.cols?.length) q.set('cols', s.cols.join(','));
  if (s.a) {
    q.set('a', s.a.scenario);
    if (s.a.seed !== undefined) q.set('aseed', String(s.a.seed));
    for (const x of s.a.set ?? []) q.append('aset', x);
  }
  const text = q.toString();
  return text ? `?${text}` : '';
}
