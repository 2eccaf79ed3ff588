import { formatDuration, parseDuration } from '../../sim/core/time.ts';

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
}

export function parseViewState(search: string): ViewState {
  const q = new URLSearchParams(search);
  const out: ViewState = {};
  const lesson = q.get('lesson');
  if (lesson && /^[a-z0-9-]{1,64}$/.test(lesson)) out.lesson = lesson;
  const scenario = q.get('scenario');
  if (scenario && /^[a-z0-9-]{1,64}$/.test(scenario)) out.scenario = scenario;
  const seed = q.get('seed');
  if (seed !== null && /^\d{1,15}$/.test(seed)) out.seed = Number(seed);
  const t = q.get('t');
  if (t !== null) {
    const d = parseDuration(t);
    if (typeof d === 'number') out.t = d;
  }
  const hop = q.get('hop');
  if (hop !== null && /^\d{1,9}$/.test(hop)) out.hop = Number(hop);
  if (q.get('compact') === '1') out.compact = true;
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
  const text = q.toString();
  return text ? `?${text}` : '';
}
