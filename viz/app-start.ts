import { DEFAULT_LESSON, type Lesson } from '../lessons/lesson.ts';
import { ScenarioError } from '../sim/schema/check.ts';
import { findPreset } from '../sim/scenario/presets/index.ts';
import { applySet } from '../sim/scenario/set.ts';
import { lang, setLang, tr, trf, type Say } from './i18n.ts';
import { LESSON_ERRORS, LESSONS } from './lessons.ts';
import type { CompareMode } from './compare-mode.ts';
import { runRef } from './model/run-ref.ts';
import { checkAssignments, formatViewState, parseViewState, type ViewState } from './model/url.ts';

type Json = Record<string, unknown>;

/** What start-up and the link writer need from the app. */
export interface StartHost {
  readonly p: { readonly n: number; readonly end: number } | undefined;
  readonly lesson: Lesson | undefined;
  readonly scenarioJson: Json | undefined;
  readonly scenarioName: string | undefined;
  readonly seed: number | undefined;
  readonly now: number;
  readonly selected: number;
  readonly compact: boolean;
  readonly compare: CompareMode;
  setLesson(l: Lesson | undefined): void;
  runScenario(s: string | Json, seed: number | undefined, opts: { quiet?: boolean }): Promise<boolean>;
  showError(message: Say, level?: 'error' | 'warning'): void;
  setCompact(on: boolean): void;
  seek(t: number): void;
  select(i: number, reveal: boolean, moveCursor?: boolean): void;
  revealCursor(): void;
  setLinkNote(text: string): void;
  /** The list's display filter as applied, and its field columns. */
  displayFilter(): string;
  fieldColumns(): string[];
  /** Applies a display filter as if typed (false when not valid: the box shows its caret error). */
  showFilter(text: string, selectFirst: boolean): Promise<boolean>;
  /** Adds field columns; returns the names that are not fields. */
  addColumns(fields: readonly string[]): string[];
}

/**
 * Start-up: the URL decides the lesson / scenario, seed, position and language; by default, the default lesson.
 * Every value that cannot be used is said in a warning (the rest of the link still applies).
 */
export async function start(app: StartHost, search: string): Promise<void> {
  const first = parseViewState(search);
  if (first.lang) setLang(first.lang);
  // read again in the link's language, so that what cannot be used is said in it
  const v = first.lang && first.lang !== 'en' ? parseViewState(search) : first;
  // each warning words itself in the language of the moment (the address bar's are read again in it)
  const warn: (() => string)[] = [...(v.problems ?? []).map((_, i) => () => parseViewState(search).problems?.[i] ?? ''), ...LESSON_ERRORS.map((e) => () => e)];
  let lesson = v.scenario && !v.lesson ? undefined : LESSONS.find((l) => l.id === (v.lesson ?? DEFAULT_LESSON));
  const badLesson = v.lesson;
  if (badLesson && !lesson) warn.push(() => trf('urlNoLesson', { id: badLesson, ids: LESSONS.map((l) => l.id).join(', ') }));
  if (!lesson && !v.scenario) lesson = LESSONS.find((l) => l.id === DEFAULT_LESSON) ?? LESSONS[0];
  app.setLesson(lesson);
  let wanted: string | Json = v.scenario ?? lesson?.scenario ?? 'nat-full-cone';
  const q = new URLSearchParams(search);
  const sets = q.getAll('set');
  // the same limits the page keeps to when it writes a link (model/url.ts), said instead of silently cut
  const tooMany = checkAssignments(sets) ?? checkAssignments(q.getAll('aset'), 'aset');
  let failed: (() => string) | undefined;
  if (tooMany) failed = () => trf('urlScenarioInvalid', { message: tooMany });
  else if (sets.length > 0) {
    try {
      wanted = urlScenario(wanted, sets);
    } catch (e) {
      const message = describeScenarioError(e);
      failed = () => trf('urlScenarioInvalid', { message });
    }
  }
  if (failed) app.showError(failed);
  if (v.a && !failed) await app.compare.openFromUrl(v.a);
  const ok = !failed && (await app.runScenario(wanted, v.seed, {}));
  if (!ok) {
    // Nothing was loaded yet: keep the error on screen and show the default lesson underneath.
    const fallback = LESSONS.find((l) => l.id === DEFAULT_LESSON) ?? LESSONS[0];
    app.setLesson(fallback);
    if (fallback) await app.runScenario(fallback.scenario, undefined, { quiet: true });
    return;
  }
  if (v.compact) app.setCompact(true);
  const p = app.p;
  if (v.t !== undefined && p && v.t > p.end) warn.push(() => trf('urlAfterEnd', { t: q.get('t') ?? '', end: (p.end / 1e6).toFixed(3) }));
  if (v.cols) for (const c of app.addColumns(v.cols)) warn.push(() => trf('urlNotField', { name: c }));
  // a bad filter shows the filter box's caret error, and is named here too
  const filter = v.filter;
  if (filter !== undefined && !(await app.showFilter(filter, false))) warn.push(() => trf('urlBadFilter', { filter: filter.length > 40 ? `${filter.slice(0, 40)}…` : filter }));
  if (v.t !== undefined) app.seek(v.t);
  if (v.hop !== undefined && p) {
    // a link's t= is the cursor; the selection alone moves it only when the link names no time
    if (v.hop < p.n) app.select(v.hop, true, v.t === undefined);
    else {
      const hop = v.hop;
      warn.push(() => trf('urlHopOutside', { hop, last: p.n - 1 }));
    }
  }
  app.revealCursor();
  if (warn.length > 0) app.showError(() => `${tr('urlHeader')}\n${warn.map((w) => `• ${w()}`).join('\n')}`, 'warning');
}

/** The address bar for what is on screen: the lesson, the run as preset + seed + assignments, the position. */
export function viewUrl(app: Pick<StartHost, 'lesson' | 'scenarioJson' | 'scenarioName' | 'seed' | 'now' | 'selected' | 'compact' | 'compare' | 'setLinkNote' | 'displayFilter' | 'fieldColumns'>): string {
  const link = app.scenarioJson ? runRef(app.scenarioJson, app.scenarioName, app.seed) : {};
  const v: ViewState = {
    ...(app.lesson ? { lesson: app.lesson.id } : {}),
    ...(link.ref ? { scenario: link.ref.scenario } : {}),
    ...(link.ref?.set ? { set: link.ref.set } : {}),
    ...(app.seed !== undefined ? { seed: app.seed } : {}),
    t: app.now,
    ...(app.selected >= 0 ? { hop: app.selected } : {}),
    ...(app.compact ? { compact: true } : {}),
    lang: lang(),
  };
  const filter = app.displayFilter();
  if (filter) v.filter = filter;
  const cols = app.fieldColumns();
  if (cols.length) v.cols = cols;
  const cmp = app.compare.urlState();
  if (cmp.a) v.a = cmp.a;
  app.setLinkNote(link.why ? trf('urlNoLink', { why: link.why, what: tr(app.lesson ? 'urlKeptLesson' : 'urlKept') }) : '');
  return formatViewState(v);
}

/** Whether a run differs from its preset (assignments a link must carry): its title then says it was edited. */
export function isEdited(scenario: Json | undefined, name: string | undefined, seed: number | undefined): boolean {
  if (!scenario || !name || !findPreset(name)) return false;
  const r = runRef(scenario, name, seed);
  return (r.ref?.set?.length ?? 0) > 0 || r.why !== undefined;
}

/** A preset (or a lesson's scenario) with the address bar's `set=` assignments applied, like `rtclab run --set`. */
function urlScenario(base: string | Json, sets: readonly string[]): Json {
  let raw: unknown = typeof base === 'string' ? findPreset(base)?.build() : base;
  if (raw === undefined) throw new Error(`no preset named "${String(base)}"`);
  for (const s of sets) raw = applySet(raw, s);
  return raw as Json;
}

export function describeScenarioError(e: unknown): string {
  if (e instanceof ScenarioError) return e.issues.map((i) => `${i.path || '(top level)'}: ${i.message}`).join('; ');
  return e instanceof Error ? e.message : String(e);
}
