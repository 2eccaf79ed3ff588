import { localizeWorkerError } from './worker-errors.ts';
import type { KeyLogFile } from './model/capture-load.ts';
import type { KeyLogReport } from './model/decryption-watch.ts';
import type { PackedTrace } from './model/packed.ts';
import type { Request, Response } from './protocol.ts';
import type { LessonMode } from './lesson-mode.ts';
import type { ScenarioPanel } from './views/scenario-panel.ts';
import { isEdited } from './app-start.ts';
import { tr, trf, type Say } from './i18n.ts';
import { runTitle } from './i18n-presets.ts';
import { isSweepText, parseSweepRecords, SweepReadError } from '../sim/sweep/read.ts';
import { SweepView } from './views/sweep-view.ts';
import { download } from './app-controls.ts';

type RequestBody = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
type TraceResponse = Extract<Response, { type: 'trace' }>;
type Json = Record<string, unknown>;

/** How a scenario run is shown: keeping the cursor and selection, leaving the error line, as a lesson's step. */
export interface RunOptions {
  keepPosition?: boolean;
  quiet?: boolean;
  lesson?: boolean;
}

/** What the loaders need from the app: the worker, the status and error lines, and the loaded run's fields. */
export interface SourceHost {
  readonly p: PackedTrace | undefined;
  readonly now: number;
  readonly selected: number;
  scenarioName: string | undefined;
  seed: number | undefined;
  scenarioJson: Json | undefined;
  readonly scenarioPanel: ScenarioPanel;
  readonly lessons: LessonMode;
  setLesson(l: undefined): void;
  /** What is loaded: a capture or not, and the keys it was read with. */
  setSource(capture: boolean, keys: KeyLogReport | undefined): void;
  /** Takes a trace into every view, with its status line and page title. */
  load(p: PackedTrace, label: Say, title: Say): void;
  call(body: RequestBody, transfer?: Transferable[], progress?: (r: Response) => void): Promise<Response>;
  /** The status line as worded, put back after a load that failed. */
  statusSaid(): Say;
  setStatus(s: Say): void;
  showError(message: Say, level?: 'error' | 'warning'): void;
  clearError(): void;
  restore(keep: { t: number; hop: number }, end: number, n: number): void;
  /** getStats series imported beside the loaded trace, with the clock offset found. */
  imported(series: Extract<Response, { type: 'imported' }>): void;
}

/**
 * Opening what the learner runs, drops or picks: a scenario (a preset or edited), a pcap/pcapng (with a key log), a
 * key log alone (applied to the loaded capture), a scenario file or an rtclab trace. Each failure says what and
 * where; what was loaded stays.
 */
export class Sources {
  private readonly progress = document.getElementById('progress') as HTMLProgressElement;
  /** Made when the first sweep results file is opened. */
  private sweep: SweepView | undefined;

  constructor(private readonly app: SourceHost) {}

  /** Runs a scenario in the worker and shows it; false (the previous run still shown) when it failed. */
  async runScenario(scenario: string | Json, seed: number | undefined, opts: RunOptions): Promise<boolean> {
    const a = this.app;
    const before = a.statusSaid();
    a.setStatus(() => tr('running'));
    const r = await a.call({ type: 'run', scenario, ...(seed !== undefined ? { seed } : {}) });
    if (r.type === 'error') {
      const what = (): string => trf('scenarioNamed', { name: typeof scenario === 'string' ? scenario : typeof scenario.name === 'string' ? scenario.name : '(unnamed)' });
      a.scenarioPanel.showError(r.message);
      // the previous run stays loaded and usable; the error stays until dismissed or a later run succeeds (worded
      // again if the language changes while it is shown)
      const had = a.p !== undefined;
      a.showError(() => `${trf('couldNotRun', { what: what(), seed: seed !== undefined ? trf('withSeed', { seed }) : '', message: r.message })}${had ? tr('previousRunShown') : ''}`);
      a.setStatus(had ? before : () => tr('noTrace'));
      return false;
    }
    if (r.type !== 'trace') return false;
    if (!opts.quiet) a.clearError();
    a.scenarioName = typeof scenario === 'string' ? scenario : typeof scenario.name === 'string' ? scenario.name : undefined;
    a.seed = r.packed.meta.seed;
    a.scenarioJson = r.scenario;
    if (r.scenario) a.scenarioPanel.set(r.scenario, typeof scenario === 'string' ? scenario : undefined, r.packed.meta.seed ?? 1);
    const keep = opts.keepPosition ? { t: a.now, hop: a.selected } : undefined;
    a.setSource(false, undefined);
    // a run changed from its preset says so: the preset's title alone would name another run
    const edited = isEdited(r.scenario, a.scenarioName, a.seed);
    const title = (): string => (edited ? `${runTitle(r.label)} (${tr('edited')})` : runTitle(r.label));
    a.load(r.packed, () => trf('runStatus', { title: title(), seed: r.packed.meta.seed ?? '?', n: r.packed.n, ms: r.ms.toFixed(0) }), title);
    if (!opts.lesson) a.lessons.runChanged();
    if (keep) a.restore(keep, r.packed.end, r.packed.n);
    return true;
  }

  /** A pcap/pcapng, dissected in the worker with `keyLog` if given; false when it could not be opened. */
  async openCapture(name: string, bytes: ArrayBuffer, keyLog: KeyLogFile | undefined): Promise<boolean> {
    const a = this.app;
    const before = a.statusSaid();
    a.setStatus(() => trf('reading', { name, size: formatBytes(bytes.byteLength), keyLog: keyLog ? trf('withKeyLog', { name: keyLog.name }) : '' }));
    const r = await this.withProgress(name, a.call({ type: 'capture', name, bytes, ...(keyLog ? { keyLog } : {}) }, [bytes], (m) => this.progressOf(name, m)));
    if (r.type === 'error') {
      const had = a.p !== undefined;
      a.showError(() => `${trf('cannotOpen', { name, message: localizeWorkerError(r.message) })}${had ? tr('previousTraceShown') : ''}`);
      a.setStatus(before);
      return false;
    }
    if (r.type !== 'trace') return false;
    this.showCapture(name, r);
    return true;
  }

  /** A key log dropped after the capture: the worker dissects the loaded capture again with it. */
  async applyKeyLog(keyLog: KeyLogFile): Promise<boolean> {
    const a = this.app;
    const before = a.statusSaid();
    const keep = { t: a.now, hop: a.selected };
    a.setStatus(() => trf('dissectingAgain', { name: keyLog.name }));
    const r = await this.withProgress(keyLog.name, a.call({ type: 'rekey', keyLog }, [], (m) => this.progressOf(keyLog.name, m)));
    if (r.type === 'error') {
      a.showError(() => trf('cannotApplyKeyLog', { name: keyLog.name, message: localizeWorkerError(r.message) }));
      a.setStatus(before);
      return false;
    }
    if (r.type !== 'trace') return false;
    this.showCapture(r.label, r);
    a.restore(keep, r.packed.end, r.packed.n);
    return true;
  }

  /** A scenario file runs like a preset (and shows in the Scenario tab); a trace file shows as recorded. */
  async openJson(name: string, text: string): Promise<void> {
    const a = this.app;
    if (isSweepText(text)) return this.openSweep(name, text);
    const before = a.statusSaid();
    a.setStatus(() => trf('readingName', { name }));
    const r = await a.call({ type: 'trace-json', name, text });
    if (r.type === 'error') {
      const had = a.p !== undefined;
      a.showError(() => `${trf('cannotOpen', { name, message: localizeWorkerError(r.message) })}${had ? tr('previousTraceShown') : ''}`);
      a.setStatus(before);
      return;
    }
    if (r.type === 'imported') {
      a.clearError();
      a.setStatus(before);
      a.imported(r);
      return;
    }
    if (r.type !== 'trace') return;
    a.clearError();
    this.showJson(name, r);
  }

  /** A sweep's results (JSON lines): the sweep panel plots them; the trace on screen stays as it was. */
  private openSweep(name: string, text: string): void {
    const a = this.app;
    let records;
    try {
      records = parseSweepRecords(text, name);
    } catch (e) {
      const had = a.p !== undefined;
      const message = e instanceof SweepReadError ? e.message : String(e);
      a.showError(() => `${trf('sweepCannotRead', { name, message })}${had ? tr('previousTraceShown') : ''}`);
      return;
    }
    a.clearError();
    this.sweep ??= new SweepView(document.body, document.getElementById('analysis-buttons') as HTMLElement, { download });
    this.sweep.show(name, records);
    const runs = records.length;
    a.setStatus(() => trf('sweepOpened', { name, runs }));
  }

  /** A trace file shows as recorded; a scenario file's run like any run, editable in the scenario panel (no lesson). */
  private showJson(name: string, r: TraceResponse): void {
    const a = this.app;
    a.setLesson(undefined);
    a.setSource(false, undefined);
    a.scenarioName = r.scenario && typeof r.scenario.name === 'string' ? r.scenario.name : undefined;
    a.scenarioJson = r.scenario;
    a.seed = r.scenario ? r.packed.meta.seed : undefined;
    if (r.scenario) {
      a.scenarioPanel.set(r.scenario, undefined, r.packed.meta.seed ?? 1);
      a.load(r.packed, () => `${name} · ${trf('runStatus', { title: runTitle(r.label), seed: r.packed.meta.seed ?? '?', n: r.packed.n, ms: r.ms.toFixed(0) })}`, () => `${name} · ${runTitle(r.label)}`);
      return;
    }
    a.load(r.packed, () => trf('traceStatus', { name, n: r.packed.n, ms: r.ms.toFixed(0) }), name);
  }

  /** A capture's trace: no lesson, no scenario. */
  private showCapture(name: string, r: TraceResponse): void {
    const a = this.app;
    a.clearError();
    a.setLesson(undefined);
    a.scenarioName = undefined;
    a.scenarioJson = undefined;
    a.seed = undefined;
    a.setSource(true, r.keys);
    a.load(r.packed, () => trf('captureStatus', { name, n: r.packed.n, ms: r.ms.toFixed(0) }), name);
    const warnings = r.warnings;
    if (warnings?.length) a.showError(() => warnings.map(localizeWorkerError).join('\n'), 'warning');
  }

  private async withProgress(name: string, r: Promise<Response>): Promise<Response> {
    this.progress.hidden = false;
    this.progress.value = 0;
    try {
      return await r;
    } catch (e) {
      return { type: 'error', id: 0, message: `${name} could not be read: ${e instanceof Error ? e.message : String(e)}` };
    } finally {
      this.progress.hidden = true;
    }
  }

  private progressOf(name: string, m: Response): void {
    if (m.type !== 'progress') return;
    this.progress.value = m.done / Math.max(1, m.total);
    this.app.setStatus(() => trf('readingProgress', { name, what: m.what, done: formatBytes(m.done), total: formatBytes(m.total) }));
  }
}

export function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${n} bytes`;
}

export type { KeyLogReport };
