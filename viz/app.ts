import type { Checkpoint, Lesson } from '../lessons/lesson.ts';
import { DEFAULT_LESSON } from '../lessons/lesson.ts';
import { buildDensity } from './model/density.ts';
import { LabelCache } from './model/labels.ts';
import { NatReplay } from './model/nat-state.ts';
import { PROTOCOLS, type PackedTrace } from './model/packed.ts';
import { hopOfPacketNear, Timeline } from './model/timeline.ts';
import { checkAssignments, formatViewState, parseViewState, type ViewState } from './model/url.ts';
import type { KeyLogFile } from './model/capture-load.ts';
import type { KeyLogReport } from './model/decryption-watch.ts';
import { KeyedLabels } from './model/keyed-labels.ts';
import { runRef } from './model/run-ref.ts';
import { FileOpener } from './file-open.ts';
import { InfoLine } from './views/info-line.ts';
import { LESSONS } from './lessons.ts';
import type { SrtpStreamTable } from './model/srtp-streams.ts';
import { findPreset } from '../sim/scenario/presets/index.ts';
import { applySet } from '../sim/scenario/set.ts';
import { ScenarioError } from '../sim/schema/check.ts';
import type { Request, Response } from './protocol.ts';
import { CompareMode } from './compare-mode.ts';
import type { Relation } from './model/relations.ts';
import { RelationsUi } from './relations-ui.ts';
import { el } from './views/dom.ts';
import { PacketDetail } from './views/detail.ts';
import { Ladder } from './views/ladder.ts';
import { LessonPanel } from './views/lesson-panel.ts';
import { PacketList, type ListFilter } from './views/packet-list.ts';
import { ScenarioPanel } from './views/scenario-panel.ts';
import { StatePanels } from './views/state-panels.ts';
import { TimelineBar } from './views/timeline-bar.ts';
import { TopologyPanel } from './views/topology.ts';

type RequestBody = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

const $ = (id: string): HTMLElement => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`index.html lacks #${id}`);
  return e;
};

/**
 * The app: owns the current trace and the shared view state (cursor time, selected hop, lesson), talks to the
 * worker, and keeps every view and the address bar in step. One selection, one cursor, everywhere.
 */
export class App {
  private readonly worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Response) => void; progress?: (r: Response) => void }>();
  p: PackedTrace | undefined;
  labels: LabelCache | undefined;
  private replay: NatReplay | undefined;
  private timeline: Timeline | undefined;
  now = 0;
  selected = -1;
  lesson: Lesson | undefined;
  scenarioName: string | undefined;
  seed: number | undefined;
  sourceLabel = '';
  /** The scenario JSON of the current run (absent for a capture): compare mode diffs it. */
  scenarioJson: Record<string, unknown> | undefined;
  /** Cause-and-effect links on the ladder and in the detail; side-by-side comparison of two runs. */
  readonly relations: RelationsUi;
  readonly compare: CompareMode;
  readonly ladder: Ladder;
  private readonly list: PacketList;
  readonly detail: PacketDetail;
  private readonly topology: TopologyPanel;
  private readonly panels: StatePanels;
  private readonly bar: TimelineBar;
  private readonly scenarioPanel: ScenarioPanel;
  private readonly lessonPanel: LessonPanel;
  private readonly status = $('status');
  private readonly errorBox = $('error');
  private readonly errorText = $('error-text');
  /** The key log line and the "cannot be put in a link" note under the status line. */
  private readonly info: InfoLine;
  private readonly files: FileOpener;
  /** What the keys of the loaded capture did (a key log file or its Decryption Secrets Block); absent otherwise. */
  keys: KeyLogReport | undefined;
  /** True while the loaded trace is a capture (a key log dropped alone applies to it). */
  isCapture = false;
  private srtpRequest = 0;
  private readonly progress = $('progress') as HTMLProgressElement;
  private urlTimer: ReturnType<typeof setTimeout> | undefined;
  private panelsPending = false;
  /** Resolves each time a trace has been loaded and drawn (tests and the benchmark wait on it). */
  loaded: Promise<void> = Promise.resolve();

  constructor() {
    this.worker.onmessage = (ev: MessageEvent<Response>): void => {
      const w = this.waiting.get(ev.data.id);
      if (!w) return;
      if (ev.data.type === 'progress') return w.progress?.(ev.data);
      this.waiting.delete(ev.data.id);
      w.resolve(ev.data);
    };
    // A worker that dies (a script error at load, out of memory) answers nothing: fail every pending request
    // with what happened instead of leaving "Running…" on screen forever.
    const fail = (message: string): void => {
      for (const [id, w] of [...this.waiting]) {
        this.waiting.delete(id);
        w.resolve({ type: 'error', id, message });
      }
    };
    this.worker.onerror = (e: ErrorEvent): void => {
      e.preventDefault();
      fail(`the simulation worker failed: ${e.message || 'unknown error'}${e.filename ? ` (${e.filename}:${e.lineno})` : ''}`);
    };
    this.worker.onmessageerror = (): void => fail('a message from the simulation worker could not be read');
    $('error-close').addEventListener('click', () => this.clearError());
    this.ladder = new Ladder($('ladder'), { select: (i) => this.select(i, true) });
    this.list = new PacketList($('list'), (i) => this.select(i, true), (f) => void this.filter(f));
    this.detail = new PacketDetail($('detail'));
    this.topology = new TopologyPanel($('topology'));
    this.panels = new StatePanels($('panels'));
    this.bar = new TimelineBar(
      $('timeline'),
      {
        seek: (t) => this.seek(t),
        stepForward: () => this.step(1),
        stepBack: () => this.step(-1),
        jump: (k) => this.jump(k),
      },
      () => this.now,
    );
    this.scenarioPanel = new ScenarioPanel($('scenario'), (s, seed) => void this.runScenario(s, seed, { keepPosition: true }));
    this.info = new InfoLine(this.status);
    this.files = new FileOpener({
      hasCapture: () => this.isCapture,
      openCapture: (name, bytes, keyLog) => this.openCapture(name, bytes, keyLog),
      openJson: (name, text) => this.openJson(name, text),
      applyKeyLog: (keyLog) => this.applyKeyLog(keyLog),
      keyLogWaiting: (k) => this.keyLogWaiting(k),
      showError: (m, level) => this.showError(m, level),
    });
    this.lessonPanel = new LessonPanel($('lesson'), (l, c, i) => void this.goCheckpoint(l, c, i));
    this.setupHeader();
    this.setupKeys();
    this.setupDrop();
    this.relations = new RelationsUi(this);
    this.compare = new CompareMode(this);
    this.scenarioPanel.onKeep = () => void this.compare.keep();
  }

  /** The loaded trace's relations, once the worker has sent them. */
  get relationsReady(): Promise<readonly Relation[]> {
    return this.relations.ready.then(() => this.relations.relations);
  }

  call(body: RequestBody, transfer: Transferable[] = [], progress?: (r: Response) => void): Promise<Response> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, { resolve, ...(progress ? { progress } : {}) });
      this.worker.postMessage({ ...body, id } as Request, transfer);
    });
  }

  /** Start-up: the URL decides the lesson / scenario, seed and position; by default, the default lesson. */
  async start(): Promise<void> {
    const v = parseViewState(location.search);
    if (new URLSearchParams(location.search).has('bench')) return;
    const lesson = v.scenario && !v.lesson ? undefined : (LESSONS.find((l) => l.id === (v.lesson ?? DEFAULT_LESSON)) ?? LESSONS[0]);
    this.setLesson(lesson);
    const scenario = v.scenario ?? (typeof lesson?.scenario === 'string' ? lesson.scenario : undefined) ?? 'nat-full-cone';
    let wanted: string | Record<string, unknown> = lesson && !v.scenario && typeof lesson.scenario !== 'string' ? lesson.scenario : scenario;
    const q = new URLSearchParams(location.search);
    const sets = q.getAll('set');
    // the same limits the page keeps to when it writes a link (model/url.ts), said instead of silently cut
    const tooMany = checkAssignments(sets) ?? checkAssignments(q.getAll('aset'), 'aset');
    if (tooMany) {
      wanted = '';
      this.showError(`The address bar's scenario is not valid: ${tooMany}`);
    } else if (sets.length > 0) {
      try {
        wanted = urlScenario(wanted, sets);
      } catch (e) {
        wanted = '';
        this.showError(`The address bar's scenario is not valid: ${describeScenarioError(e)}`);
      }
    }
    if (v.a && wanted !== '') await this.compare.openFromUrl(v.a);
    const ok = wanted !== '' && (await this.runScenario(wanted, v.seed, {}));
    if (!ok) {
      // Nothing was loaded yet: keep the error on screen and show the default lesson underneath.
      const fallback = LESSONS.find((l) => l.id === DEFAULT_LESSON) ?? LESSONS[0];
      this.setLesson(fallback);
      if (fallback) await this.runScenario(fallback.scenario, undefined, { quiet: true });
      return;
    }
    if (v.compact) this.setCompact(true);
    if (v.t !== undefined) this.seek(v.t);
    if (v.hop !== undefined && this.p && v.hop < this.p.n) this.select(v.hop, true);
    this.ladder.reveal(this.now, this.selected >= 0 ? this.selected : undefined);
  }

  setLesson(l: Lesson | undefined): void {
    this.lesson = l;
    const sel = document.getElementById('lesson-select') as HTMLSelectElement | null;
    if (sel) sel.value = l?.id ?? '';
    this.lessonPanel.show(l);
  }

  async runScenario(scenario: string | Record<string, unknown>, seed: number | undefined, opts: { keepPosition?: boolean; quiet?: boolean }): Promise<boolean> {
    const before = this.status.textContent ?? '';
    this.setStatus('Running the scenario in the worker…');
    const r = await this.call({ type: 'run', scenario, ...(seed !== undefined ? { seed } : {}) });
    if (r.type === 'error') {
      const what = typeof scenario === 'string' ? `scenario "${scenario}"` : `scenario "${typeof scenario.name === 'string' ? scenario.name : '(unnamed)'}"`;
      this.scenarioPanel.showError(r.message);
      // the previous run stays loaded and usable; the error stays until dismissed
      this.showError(`Could not run the ${what}${seed !== undefined ? ` with seed ${seed}` : ''}: ${r.message}${this.p ? ' — the previous run is still shown.' : ''}`);
      this.setStatus(this.p ? before : 'No trace loaded.');
      return false;
    }
    if (r.type !== 'trace') return false;
    if (!opts.quiet) this.clearError();
    this.scenarioName = typeof scenario === 'string' ? scenario : typeof scenario.name === 'string' ? scenario.name : undefined;
    this.seed = r.packed.meta.seed;
    this.scenarioJson = r.scenario;
    if (r.scenario) this.scenarioPanel.set(r.scenario, typeof scenario === 'string' ? scenario : undefined, r.packed.meta.seed ?? 1);
    const keep = opts.keepPosition ? { t: this.now, hop: this.selected } : undefined;
    this.setSource(false, undefined);
    this.load(r.packed, `${r.label} · seed ${r.packed.meta.seed ?? '?'} · ${r.packed.n} hops · ran in ${r.ms.toFixed(0)} ms`);
    if (keep) {
      this.seek(Math.min(keep.t, r.packed.end));
      if (keep.hop >= 0 && keep.hop < r.packed.n) this.select(keep.hop, false);
    }
    return true;
  }

  /** Opens files as a user does by dropping or picking them: captures, key logs, scenarios, traces (file-open.ts). */
  openFiles(files: readonly File[]): Promise<void> {
    return this.files.open(files);
  }

  /** A pcap/pcapng, dissected in the worker with `keyLog` if given; false when it could not be opened. */
  async openCapture(name: string, bytes: ArrayBuffer, keyLog: KeyLogFile | undefined): Promise<boolean> {
    const before = this.status.textContent ?? '';
    const size = bytes.byteLength;
    this.setStatus(`Reading ${name} (${formatBytes(size)})${keyLog ? ` with the key log ${keyLog.name}` : ''}…`);
    const r = await this.withProgress(name, this.call({ type: 'capture', name, bytes, ...(keyLog ? { keyLog } : {}) }, [bytes], (m) => this.progressOf(name, m)));
    if (r.type === 'error') {
      this.showError(`Cannot open ${name}: ${r.message}${this.p ? ' — the previous trace is still shown.' : ''}`);
      this.setStatus(before);
      return false;
    }
    if (r.type !== 'trace') return false;
    this.showCapture(name, r);
    return true;
  }

  /** A key log dropped after the capture: the worker dissects the loaded capture again with it. */
  async applyKeyLog(keyLog: KeyLogFile): Promise<boolean> {
    const before = this.status.textContent ?? '';
    const keep = { t: this.now, hop: this.selected };
    this.setStatus(`Dissecting the capture again with the key log ${keyLog.name}…`);
    const r = await this.withProgress(keyLog.name, this.call({ type: 'rekey', keyLog }, [], (m) => this.progressOf(keyLog.name, m)));
    if (r.type === 'error') {
      this.showError(`Cannot apply the key log ${keyLog.name}: ${r.message}`);
      this.setStatus(before);
      return false;
    }
    if (r.type !== 'trace') return false;
    this.showCapture(r.label, r);
    this.seek(Math.min(keep.t, r.packed.end));
    if (keep.hop >= 0 && keep.hop < r.packed.n) this.select(keep.hop, false);
    return true;
  }

  /** A key log dropped with no capture loaded: said in the page until a capture comes. */
  keyLogWaiting(k: KeyLogFile | undefined): void {
    this.info.setWaiting(k?.name);
  }

  /** A scenario file runs like a preset (and shows in the Scenario tab); a trace file shows as recorded. */
  async openJson(name: string, text: string): Promise<void> {
    const before = this.status.textContent ?? '';
    this.setStatus(`Reading ${name}…`);
    const r = await this.call({ type: 'trace-json', name, text });
    if (r.type === 'error') {
      this.showError(`Cannot open ${name}: ${r.message}${this.p ? ' — the previous trace is still shown.' : ''}`);
      this.setStatus(before);
      return;
    }
    if (r.type !== 'trace') return;
    this.clearError();
    this.setLesson(undefined);
    this.setSource(false, undefined);
    if (r.scenario) {
      // a scenario file: shown like any run, editable in the scenario panel
      this.scenarioName = typeof r.scenario.name === 'string' ? r.scenario.name : undefined;
      this.seed = r.packed.meta.seed;
      this.scenarioJson = r.scenario;
      this.scenarioPanel.set(r.scenario, undefined, r.packed.meta.seed ?? 1);
      this.load(r.packed, `${name} · ${r.label} · seed ${r.packed.meta.seed ?? '?'} · ${r.packed.n} hops · ran in ${r.ms.toFixed(0)} ms`);
      return;
    }
    this.scenarioName = undefined;
    this.scenarioJson = undefined;
    this.seed = undefined;
    this.load(r.packed, `${name} · ${r.packed.n} hops · read in ${r.ms.toFixed(0)} ms`);
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
    this.setStatus(`Reading ${name}: ${m.what} ${formatBytes(m.done)} of ${formatBytes(m.total)}…`);
  }

  private showCapture(name: string, r: Extract<Response, { type: 'trace' }>): void {
    this.clearError();
    this.setLesson(undefined);
    this.scenarioName = undefined;
    this.scenarioJson = undefined;
    this.seed = undefined;
    this.setSource(true, r.keys);
    this.load(r.packed, `${name} · ${r.packed.n} packets · read in ${r.ms.toFixed(0)} ms`);
    if (r.warnings?.length) this.showError(r.warnings.join('\n'), 'warning');
  }

  /** What is loaded: a capture or not, and the keys it was read with (shown under the status line). */
  private setSource(capture: boolean, keys: KeyLogReport | undefined): void {
    this.isCapture = capture;
    this.keys = keys;
    this.info.setKeys(keys);
  }

  /** A persistent message above the views (what failed and where); it stays until dismissed or replaced. */
  showError(message: string, level: 'error' | 'warning' = 'error'): void {
    this.errorText.textContent = message;
    this.errorBox.dataset.level = level;
    this.errorBox.hidden = false;
  }

  clearError(): void {
    this.errorBox.hidden = true;
    this.errorText.textContent = '';
  }

  async loadSynthetic(hops: number): Promise<number> {
    const t0 = performance.now();
    const r = await this.call({ type: 'synthetic', hops });
    if (r.type !== 'trace') throw new Error('synthetic trace failed');
    let painted = 0;
    this.ladder.onDraw = (): void => {
      this.ladder.onDraw = undefined;
      painted = performance.now();
    };
    this.load(r.packed, r.label);
    return painted - t0;
  }

  private load(p: PackedTrace, label: string): void {
    this.p = p;
    this.labels = this.keys ? new KeyedLabels(p) : new LabelCache(p);
    this.replay = new NatReplay(p.notes, p.nodes);
    this.timeline = new Timeline(p);
    this.sourceLabel = label;
    this.now = 0;
    this.selected = -1;
    this.ladder.cursor = 0;
    this.ladder.setTrace(p, this.labels, buildDensity(p));
    // The ladder paints first, before the other views are filled.
    this.ladder.drawNow();
    this.list.setTrace(p, this.labels);
    this.bar.setTimeline(this.timeline, p.end);
    this.detail.empty();
    this.setStatus(label);
    this.panels.setSrtpStreams(undefined);
    void this.requestSrtpStreams();
    this.labelOverrides = this.requestLabelOverrides(this.labels);
    this.relations.loaded(p);
    this.compare.loaded();
    this.seek(0);
    document.title = `rtclab · ${p.meta.title ?? p.meta.scenario ?? 'trace'}`;
  }

  /** SRTP stream counters come from the worker after the trace (they need a dissection pass with the keys). */
  private async requestSrtpStreams(): Promise<void> {
    const ask = ++this.srtpRequest;
    const r = await this.call({ type: 'srtp-streams' });
    if (ask !== this.srtpRequest || r.type !== 'srtp-streams') return;
    this.srtpStreams = r.table;
    this.panels.setSrtpStreams(r.table);
    this.schedulePanels();
  }

  /**
   * The keyed summaries come after the trace too (the worker's stateful pass with the keys): the labels take them
   * and the list and ladder redraw once. Resolves when they are in (tests wait on it).
   */
  labelOverrides: Promise<void> = Promise.resolve();

  private async requestLabelOverrides(labels: LabelCache): Promise<void> {
    const r = await this.call({ type: 'label-overrides' });
    if (r.type !== 'label-overrides' || this.labels !== labels || !labels.setOverrides(r.overrides)) return;
    this.list.render();
    this.ladder.schedule();
  }

  /** For tests: the SRTP stream table of the loaded trace, once the worker has sent it. */
  srtpStreams: SrtpStreamTable | undefined;

  setStatus(s: string): void {
    this.status.textContent = s;
  }

  seek(t: number): void {
    if (!this.p) return;
    this.now = Math.max(0, Math.min(t, this.p.end));
    this.ladder.cursor = this.now;
    this.ladder.schedule();
    this.list.cursor = this.now;
    this.bar.update(this.now);
    this.compare.seek(this.now);
    this.schedulePanels();
    this.saveUrl();
  }

  private schedulePanels(): void {
    if (this.panelsPending) return;
    this.panelsPending = true;
    requestAnimationFrame(() => {
      this.panelsPending = false;
      this.renderPanels();
    });
  }

  /** Rebuilds topology, NAT tables and state panels for the cursor time (synchronously; tests call it). */
  renderPanels(): void {
    if (!this.p || !this.replay) return;
    this.topology.render(this.p, this.replay, this.now);
    this.panels.render(this.p.notes, this.now, this.p.secrets);
    this.list.render();
    if (this.lesson) this.lessonPanel.mark(-1);
  }

  step(dir: 1 | -1): void {
    if (!this.timeline) return;
    const t = dir > 0 ? this.timeline.next(this.now) : this.timeline.prev(this.now);
    if (t === undefined) return;
    this.seek(t);
    this.ladder.reveal(t);
    this.renderPanels();
  }

  jump(kind: string): void {
    if (!this.timeline || !kind) return;
    const r = this.timeline.nextOfKind(this.now, kind);
    if (!r) return this.setStatus(`No ${kind} after ${this.now} µs`);
    this.seek(r.t);
    if (r.hop !== undefined) this.select(r.hop, true);
    this.ladder.reveal(r.t, r.hop);
    this.renderPanels();
  }

  select(i: number, reveal: boolean): void {
    if (!this.p || !this.labels || i < 0 || i >= this.p.n) return;
    this.selected = i;
    this.ladder.selected = i;
    this.ladder.schedule();
    this.list.selected = i;
    if (reveal) this.list.reveal(i);
    else this.list.render();
    this.detail.show(this.p, this.labels, i);
    this.relations.show(i);
    void this.showKeyed(i);
    this.saveUrl();
  }

  /** A capture with keys: the detail shows the hop as the worker dissects it with its flow's state (decrypted). */
  private async showKeyed(i: number): Promise<void> {
    const labels = this.labels;
    if (!(labels instanceof KeyedLabels) || labels.has(i)) return;
    const r = await this.call({ type: 'keyed-packet', hop: i });
    if (r.type !== 'keyed-packet' || !r.packet || this.labels !== labels || !this.p) return;
    labels.set(i, r.packet);
    if (this.selected !== i) return;
    this.detail.show(this.p, labels, i);
    this.relations.show(i);
  }

  setCompact(on: boolean): void {
    this.ladder.setCompact(on);
    (document.getElementById('compact') as HTMLInputElement | null)?.toggleAttribute('checked', on);
    const box = document.getElementById('compact') as HTMLInputElement | null;
    if (box) box.checked = on;
    this.saveUrl();
  }

  private async filter(f: ListFilter): Promise<void> {
    const r = await this.call({ type: 'filter', proto: f.proto, host: f.host, text: f.text });
    if (r.type === 'filtered') this.list.setIndices(r.indices);
  }

  private async goCheckpoint(l: Lesson, c: Checkpoint, index: number): Promise<void> {
    const { resolveCheckpointPacked } = await import('./model/checkpoints.ts');
    const wanted = c.scenario ?? (typeof l.scenario === 'string' ? l.scenario : undefined);
    if (wanted && wanted !== this.scenarioName) {
      if (!(await this.runScenario(wanted, undefined, {}))) return;
    }
    if (!this.p) return;
    const r = resolveCheckpointPacked(this.p, c);
    if ('error' in r) return this.setStatus(r.error);
    this.seek(r.t);
    if (r.hop !== undefined) this.select(r.hop, true);
    this.ladder.reveal(r.t, r.hop);
    this.renderPanels();
    this.lessonPanel.mark(index);
  }

  private saveUrl(): void {
    clearTimeout(this.urlTimer);
    this.urlTimer = setTimeout(() => {
      // the run as preset + seed + the assignments from the preset to the scenario (what `rtclab run --set` takes)
      const link = this.scenarioJson ? runRef(this.scenarioJson, this.scenarioName, this.seed) : {};
      const v: ViewState = {
        ...(this.lesson ? { lesson: this.lesson.id } : {}),
        ...(link.ref ? { scenario: link.ref.scenario } : {}),
        ...(link.ref?.set ? { set: link.ref.set } : {}),
        ...(this.seed !== undefined ? { seed: this.seed } : {}),
        t: this.now,
        ...(this.selected >= 0 ? { hop: this.selected } : {}),
        ...(this.ladder.compact ? { compact: true } : {}),
      };
      const cmp = this.compare.urlState();
      if (cmp.a) v.a = cmp.a;
      this.info.setLinkNote(link.why ? `This run cannot be put in a link: ${link.why}. The address bar keeps the rest (${this.lesson ? 'lesson, ' : ''}seed, position).` : '');
      history.replaceState(null, '', `${location.pathname}${formatViewState(v)}`);
    }, 200);
  }

  private setupHeader(): void {
    const lessonSel = $('lesson-select') as HTMLSelectElement;
    lessonSel.append(el('option', { value: '' }, '(no lesson)'));
    for (const l of LESSONS) lessonSel.append(el('option', { value: l.id }, `${l.order}. ${l.title}`));
    lessonSel.addEventListener('change', () => {
      const l = LESSONS.find((x) => x.id === lessonSel.value);
      this.setLesson(l);
      if (l) void this.runScenario(l.scenario, undefined, {});
    });
    const file = $('file') as HTMLInputElement;
    file.addEventListener('change', () => {
      const fs = [...(file.files ?? [])];
      if (fs.length) void this.openFiles(fs);
      file.value = '';
    });
    $('open').addEventListener('click', () => file.click());
    ($('compact') as HTMLInputElement).addEventListener('change', (e) => this.setCompact((e.target as HTMLInputElement).checked));
    $('fit').addEventListener('click', () => this.ladder.fit());
    $('export-pcapng').addEventListener('click', () => void this.exportFile('pcapng'));
    $('export-keylog').addEventListener('click', () => void this.exportFile('keylog'));
    $('export-svg').addEventListener('click', () => download(new Blob([this.ladder.exportSvg()], { type: 'image/svg+xml' }), 'ladder.svg'));
    $('export-png').addEventListener('click', () => void this.ladder.exportPng().then((b) => b && download(b, 'ladder.png')));
    for (const tab of document.querySelectorAll<HTMLButtonElement>('[data-tab]')) {
      tab.addEventListener('click', () => {
        for (const t of document.querySelectorAll<HTMLElement>('[data-tab]')) t.classList.toggle('active', t === tab);
        for (const p of document.querySelectorAll<HTMLElement>('[data-pane]')) p.hidden = p.dataset.pane !== tab.dataset.tab;
      });
    }
  }

  /** pcapng (with the key log in a Decryption Secrets Block) or the NSS key log alone, as the CLI writes them. */
  private async exportFile(kind: 'pcapng' | 'keylog'): Promise<void> {
    const r = await this.call({ type: kind });
    if (r.type === 'error') return this.showError(`Cannot export the ${kind === 'pcapng' ? 'pcapng' : 'key log'}: ${r.message}`);
    if (r.type === 'file') download(new Blob([r.bytes as BlobPart], { type: kind === 'pcapng' ? 'application/vnd.tcpdump.pcap' : 'text/plain' }), r.name);
  }

  private setupKeys(): void {
    window.addEventListener('keydown', (e) => {
      const t = e.target as HTMLElement;
      if (t.closest('input, textarea, select')) return;
      switch (e.key) {
        case ' ':
          this.bar.toggle();
          break;
        case 'ArrowRight':
          if (e.shiftKey) this.jump(this.bar.kind);
          else this.step(1);
          break;
        case 'ArrowLeft':
          this.step(-1);
          break;
        case 'n':
          this.jump(this.bar.kind);
          break;
        case 'j':
          this.select(Math.min((this.p?.n ?? 1) - 1, this.selected + 1), true);
          break;
        case 'k':
          this.select(Math.max(0, this.selected - 1), true);
          break;
        case 'c':
          this.setCompact(!this.ladder.compact);
          break;
        case 'f':
          this.ladder.fit();
          break;
        case 'Home':
          this.seek(0);
          this.renderPanels();
          break;
        case 'End':
          this.seek(this.p?.end ?? 0);
          this.renderPanels();
          break;
        default:
          return;
      }
      e.preventDefault();
    });
  }

  private setupDrop(): void {
    const zone = $('drop-zone');
    window.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.hidden = false;
    });
    window.addEventListener('dragleave', (e) => {
      if (e.relatedTarget === null) zone.hidden = true;
    });
    window.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.hidden = true;
      const fs = [...(e.dataTransfer?.files ?? [])];
      if (fs.length) void this.openFiles(fs);
    });
  }

  /** For the browser tests: which protocols the loaded trace holds. */
  protocols(): string[] {
    const p = this.p;
    if (!p) return [];
    const s = new Set<string>();
    for (let i = 0; i < p.n; i++) s.add(PROTOCOLS[p.proto[i]!]!);
    return [...s];
  }

  hopOfNote(packet: number, t: number): number | undefined {
    return this.p ? hopOfPacketNear(this.p, packet, t) : undefined;
  }
}

function download(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** A preset (or a lesson's scenario) with the address bar's `set=` assignments applied, like `rtclab run --set`. */
function urlScenario(base: string | Record<string, unknown>, sets: readonly string[]): Record<string, unknown> {
  let raw: unknown = typeof base === 'string' ? findPreset(base)?.build() : base;
  if (raw === undefined) throw new Error(`no preset named "${String(base)}"`);
  for (const s of sets) raw = applySet(raw, s);
  return raw as Record<string, unknown>;
}

function describeScenarioError(e: unknown): string {
  if (e instanceof ScenarioError) return e.issues.map((i) => `${i.path || '(top level)'}: ${i.message}`).join('; ');
  return e instanceof Error ? e.message : String(e);
}

function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${n} bytes`;
}
