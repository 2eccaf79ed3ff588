// size: the App facade wires every view, the worker and the URL state; panels, sources, keyed requests and controls already live in their own files (panels.ts, app-sources.ts, app-keyed.ts, app-controls.ts)
import type { Lesson } from '../lessons/lesson.ts';
import { buildDensity } from './model/density.ts';
import { LabelCache } from './model/labels.ts';
import { PROTOCOLS, type PackedTrace } from './model/packed.ts';
import { Timeline } from './model/timeline.ts';
import type { KeyLogReport } from './model/decryption-watch.ts';
import { KeyedLabels } from './model/keyed-labels.ts';
import type { SrtpStreamTable } from './model/srtp-streams.ts';
import { FileOpener } from './file-open.ts';
import { KeyedRequests } from './app-keyed.ts';
import { InfoLine } from './views/info-line.ts';
import { said, trf, type Say } from './i18n.ts';
import { PageMessages } from './app-messages.ts';
import { ListQueries } from './app-filter.ts';
import { LESSONS } from './lessons.ts';
import type { Response } from './protocol.ts';
import { WorkerClient, type RequestBody } from './worker-client.ts';
import { CompareMode } from './compare-mode.ts';
import type { Relation } from './model/relations.ts';
import { RelationsUi } from './relations-ui.ts';
import { PacketDetail } from './views/detail.ts';
import { Ladder } from './views/ladder.ts';
import { PacketList, type ListFilter } from './views/packet-list.ts';
import { FollowPanel } from './views/follow-panel.ts';
import type { AnalysisPanel } from './views/analysis-panel.ts';
import { $, buildPanes } from './app-panes.ts';
import { ScenarioPanel } from './views/scenario-panel.ts';
import type { Panels } from './views/panels.ts';
import type { StatsGraphs } from './views/stats-graphs.ts';
import { TimelineBar } from './views/timeline-bar.ts';
import { LessonMode } from './lesson-mode.ts';
import { Sources, type RunOptions } from './app-sources.ts';
import { bindControls } from './app-controls.ts';
import { start, viewUrl } from './app-start.ts';

type Json = Record<string, unknown>;

/**
 * The app: owns the current trace and the shared view state (cursor time, selected hop, lesson), talks to the
 * worker, and keeps every view and the address bar in step. One selection, one cursor, everywhere: selecting a
 * packet moves the cursor to it, moving the cursor scrolls the list to it.
 */
export class App {
  private readonly worker = new WorkerClient();
  p: PackedTrace | undefined;
  labels: LabelCache | undefined;
  private timeline: Timeline | undefined;
  now = 0;
  selected = -1;
  scenarioName: string | undefined;
  seed: number | undefined;
  private sourceSay_: Say = '';
  /** What is loaded, as the status line names it (compare mode keeps it for run A). */
  get sourceSay(): Say {
    return this.sourceSay_;
  }
  /** What is loaded, as the status line names it, in the page's language. */
  get sourceLabel(): string {
    return said(this.sourceSay_);
  }
  /** The scenario JSON of the current run (absent for a capture): compare mode diffs it. */
  scenarioJson: Json | undefined;
  /** Cause-and-effect links on the ladder and in the detail; side-by-side comparison of two runs. */
  readonly relations: RelationsUi;
  readonly compare: CompareMode;
  readonly ladder: Ladder;
  readonly list: PacketList;
  readonly followPanel: FollowPanel;
  /** SDP side by side (views/analysis-panel.ts), docked over the state pane. */
  readonly analysis: AnalysisPanel;
  readonly detail: PacketDetail;
  /** The state pane: topology and NAT tables, diagnosis, ICE/DTLS/SRTP (views/panels.ts registers them). */
  readonly panels: Panels;
  readonly bar: TimelineBar;
  /** Statistics from the packets under the ladder, on its time span (views/stats-graphs.ts). */
  readonly graphs: StatsGraphs;
  readonly scenarioPanel: ScenarioPanel;
  readonly lessons: LessonMode;
  private readonly status = $('status');
  /** The status line, the error box and the page title, following a language switch (app-messages.ts). */
  private readonly messages = new PageMessages(this.status, $('error'), $('error-text'));
  /** The list's filters, field columns and Follow stream, asked of the worker (app-filter.ts). */
  private readonly queries: ListQueries = new ListQueries(this);
  /** The key log line and the "cannot be put in a link" note under the status line. */
  private readonly info: InfoLine;
  private readonly files: FileOpener;
  private readonly sources: Sources;
  private readonly keyed = new KeyedRequests({
    labels: () => this.labels,
    selected: () => this.selected,
    call: (body) => this.call(body),
    relabelled: () => {
      this.list.render();
      this.ladder.schedule();
    },
    showDetail: (i) => {
      if (!this.p || !this.labels) return;
      this.detail.show(this.p, this.labels, i);
      this.relations.show(i);
    },
  });
  /** What the keys of the loaded capture did (a key log file or its Decryption Secrets Block); absent otherwise. */
  keys: KeyLogReport | undefined;
  /** True while the loaded trace is a capture (a key log dropped alone applies to it). */
  isCapture = false;
  private urlTimer: ReturnType<typeof setTimeout> | undefined;
  private panelsPending = false;
  /** Resolves each time a trace has been loaded and drawn (tests and the benchmark wait on it). */
  loaded: Promise<void> = Promise.resolve();

  constructor() {
    $('error-close').addEventListener('click', () => this.clearError());
    this.ladder = new Ladder($('ladder'), { select: (i) => this.select(i, true) });
    this.list = new PacketList($('list'), (i) => this.select(i, false), (f) => void this.queries.filter(f), (field) => void this.queries.column(field), (kind) => void this.queries.follow(kind));
    this.followPanel = new FollowPanel(document.body);
    this.detail = new PacketDetail($('detail'));
    ({ analysis: this.analysis, panels: this.panels, graphs: this.graphs } = buildPanes(this));
    this.ladder.afterDraw = (): void => this.graphs.follow(this.ladder.visibleWindow(), this.now);
    this.bar = new TimelineBar($('timeline'), { seek: (t) => this.seek(t, true), stepForward: () => this.step(1), stepBack: () => this.step(-1), jump: (k) => this.jump(k) }, () => this.now);
    this.scenarioPanel = new ScenarioPanel($('scenario'), (s, seed) => void this.runScenario(s, seed, { keepPosition: true }));
    this.info = new InfoLine(this.status);
    this.sources = new Sources(this);
    this.files = new FileOpener({
      hasCapture: () => this.isCapture,
      openCapture: (name, bytes, keyLog) => this.sources.openCapture(name, bytes, keyLog),
      openJson: (name, text) => this.sources.openJson(name, text),
      applyKeyLog: (keyLog) => this.sources.applyKeyLog(keyLog),
      keyLogWaiting: (k) => this.info.setWaiting(k?.name),
      showError: (m, level) => this.showError(m, level),
    });
    this.lessons = new LessonMode($('lesson'), this);
    bindControls(this);
    this.relations = new RelationsUi(this);
    this.compare = new CompareMode(this);
    this.scenarioPanel.onKeep = () => void this.compare.keep();
  }

  get compact(): boolean {
    return this.ladder.compact;
  }

  setLinkNote(text: string): void {
    this.info.setLinkNote(text);
  }

  get lesson(): Lesson | undefined {
    return this.lessons.lesson;
  }

  get comparing(): boolean {
    return this.compare.active;
  }

  keepForCompare(): Promise<void> {
    return this.compare.keep();
  }

  leaveCompare(): void {
    this.compare.leave();
  }

  statusText(): string {
    return this.messages.statusText();
  }

  statusSaid(): Say {
    return this.messages.statusSaid();
  }

  /** The loaded trace's relations, once the worker has sent them. */
  get relationsReady(): Promise<readonly Relation[]> {
    return this.relations.ready.then(() => this.relations.relations);
  }

  call(body: RequestBody, transfer: Transferable[] = [], progress?: (r: Response) => void): Promise<Response> {
    return this.worker.call(body, transfer, progress);
  }

  start(): Promise<void> {
    if (new URLSearchParams(location.search).has('bench')) return Promise.resolve();
    return start(this, location.search);
  }

  setLesson(l: Lesson | undefined): void {
    this.lessons.set(l);
    this.lessonChanged();
  }

  lessonChanged(): void {
    const sel = document.getElementById('lesson-select') as HTMLSelectElement | null;
    if (sel) sel.value = this.lesson?.id ?? '';
    // compare mode keeps the lesson pane: a what-if step is read beside its two runs
    this.saveUrl();
  }

  /** Runs a scenario in the worker and shows it; false (the previous run still shown) when it failed. */
  runScenario(scenario: string | Json, seed: number | undefined, opts: RunOptions): Promise<boolean> {
    return this.sources.runScenario(scenario, seed, opts);
  }

  restore(keep: { t: number; hop: number }, end: number, n: number): void {
    this.seek(Math.min(keep.t, end));
    if (keep.hop >= 0 && keep.hop < n) this.select(keep.hop, false, false);
  }

  /** Opens files as a user does by dropping or picking them: captures, key logs, scenarios, traces (file-open.ts). */
  openFiles(files: readonly File[]): Promise<void> {
    return this.files.open(files);
  }

  /** What is loaded: a capture or not, and the keys it was read with (shown under the status line). */
  setSource(capture: boolean, keys: KeyLogReport | undefined): void {
    this.isCapture = capture;
    this.keys = keys;
    this.info.setKeys(keys);
  }

  /** A message above the views (what failed and where); it stays until dismissed or a later load succeeds. */
  showError(message: Say, level: 'error' | 'warning' = 'error'): void {
    this.messages.showError(message, level);
  }

  clearError(): void {
    this.messages.clearError();
  }

  load(p: PackedTrace, label: Say, title: Say): void {
    this.p = p;
    // every trace with bytes: the detail of a hop comes from the worker's keyed dissection when it has one (a
    // capture's key log, or a simulated run's own key log), so "[decrypted: Finished]" shows its fields
    this.labels = p.bytes.length > 0 ? new KeyedLabels(p) : new LabelCache(p);
    this.timeline = new Timeline(p);
    this.sourceSay_ = label;
    this.now = 0;
    this.selected = -1;
    this.ladder.cursor = 0;
    this.ladder.hideFuture = false;
    this.list.hideFuture = false;
    this.ladder.setTrace(p, this.labels, buildDensity(p));
    // The ladder paints first, before the other views are filled.
    this.ladder.drawNow();
    this.list.setTrace(p, this.labels);
    this.bar.setTimeline(this.timeline, p.end);
    this.detail.empty();
    this.setStatus(label);
    this.panels.load(p);
    this.graphs.loaded(p.end);
    this.keyed.loaded(this.labels);
    this.relations.loaded(p);
    this.compare.loaded();
    this.analysis.loaded();
    this.seek(0);
    this.messages.setTitle(title);
  }

  /**
   * The keyed summaries come after the trace too (the worker's stateful pass with the keys): the labels take them
   * and the list and ladder redraw once. Resolves when they are in (tests wait on it).
   */
  get labelOverrides(): Promise<void> {
    return this.keyed.labelOverrides;
  }

  /** For tests: the SRTP stream table of the loaded trace, once the worker has sent it. */
  get srtpStreams(): SrtpStreamTable | undefined {
    return this.panels.srtpStreams;
  }

  setStatus(s: Say): void {
    this.messages.setStatus(s);
  }

  /** A getStats dump's series, drawn dashed under the ladder with the packets' statistics; the offset is stated. */
  imported(r: Extract<Response, { type: 'imported' }>): void {
    this.graphs.setImported(r.series, r.alignment);
    if (r.series.length && !this.graphs.open) this.graphs.setOpen(true);
    // a webrtc-internals dump's offers and answers join the SDP view
    if (r.descriptions > 0) {
      this.analysis.loaded();
      if (!this.analysis.open) void this.analysis.show('sdp');
    }
  }

  /** Moves the cursor; `follow`: the list scrolls to the packet at the cursor (stepping, playing, scrubbing). */
  seek(t: number, follow = false): void {
    if (!this.p) return;
    this.now = Math.max(0, Math.min(t, this.p.end));
    this.ladder.cursor = this.now;
    this.ladder.schedule();
    this.list.cursor = this.now;
    if (follow) this.list.revealTime(this.now);
    this.bar.update(this.now);
    this.compare.seek(this.now);
    this.schedulePanels();
    this.saveUrl();
  }

  schedulePanels(): void {
    if (this.panelsPending) return;
    this.panelsPending = true;
    requestAnimationFrame(() => {
      this.panelsPending = false;
      this.renderPanels();
    });
  }

  /** Rebuilds topology, NAT tables and state panels for the cursor time (synchronously; tests call it). */
  renderPanels(): void {
    if (!this.p) return;
    this.panels.render(this.p, this.now);
    this.list.render();
  }

  /** The cursor to `t` with the ladder and the list following it (Home, End). */
  moveTo(t: number): void {
    this.seek(t, true);
    this.revealCursor();
    this.renderPanels();
  }

  revealCursor(): void {
    this.ladder.reveal(this.now, this.selected >= 0 && this.p && this.p.t[this.selected]! <= this.now ? this.selected : undefined);
  }

  step(dir: 1 | -1): void {
    if (!this.timeline) return;
    const t = dir > 0 ? this.timeline.next(this.now) : this.timeline.prev(this.now);
    if (t === undefined) return;
    this.seek(t, true);
    this.ladder.reveal(t);
    this.renderPanels();
  }

  jump(kind: string): void {
    if (!this.timeline || !kind) return;
    const r = this.timeline.nextOfKind(this.now, kind);
    const now = this.now;
    if (!r) return this.setStatus(() => trf('noKindAfter', { kind, t: now }));
    if (r.hop !== undefined) {
      this.select(r.hop, true, false);
      this.ladder.frame(r.hop);
    }
    this.seek(r.t, true);
    if (r.hop === undefined) this.ladder.reveal(r.t);
    this.renderPanels();
  }

  /**
   * Selects hop i everywhere. `moveCursor`: the cursor goes to the moment the hop arrived (or was dropped), so the
   * panels show the state it left behind — the DTLS panel beside a selected Finished says it arrived.
   */
  select(i: number, reveal: boolean, moveCursor = true): void {
    if (!this.p || !this.labels || i < 0 || i >= this.p.n) return;
    this.selected = i;
    this.ladder.selected = i;
    this.ladder.schedule();
    this.list.selected = i;
    this.list.reveal(i);
    if (reveal) this.ladder.reveal(this.p.t[i]!, i);
    this.detail.show(this.p, this.labels, i);
    this.relations.show(i);
    // a capture with keys or a simulated run: the detail shows the hop as the worker dissects it with its flow's state
    void this.keyed.select(i);
    this.lessons.selected(i);
    if (moveCursor) this.seek(this.p.arrive[i]!);
    this.saveUrl();
  }

  clearSelection(): void {
    this.selected = -1;
    this.ladder.selected = -1;
    this.list.selected = -1;
    this.ladder.schedule();
    this.detail.empty();
  }

  /** A lesson's moment: the cursor at `t`, the hop selected (or none yet), the ladder zoomed so it is readable. */
  frameMoment(t: number, hop: number | undefined, opts: { select: boolean; hideFuture: boolean }): void {
    this.ladder.hideFuture = opts.hideFuture;
    this.list.hideFuture = opts.hideFuture;
    if (hop !== undefined && opts.select) this.select(hop, false, false);
    else this.clearSelection();
    this.seek(t);
    if (hop !== undefined) {
      this.ladder.frame(hop);
      this.list.reveal(hop);
    } else {
      this.ladder.reveal(t);
      this.list.revealTime(t);
    }
    this.renderPanels();
  }

  setCompact(on: boolean): void {
    this.ladder.setCompact(on);
    const box = document.getElementById('compact') as HTMLInputElement | null;
    if (box) box.checked = on;
    this.saveUrl();
  }

  /** The list's filters applied in the worker; the hops kept (null: all), undefined when the filter was refused. */
  filter(f: ListFilter): Promise<Int32Array | null | undefined> {
    return this.queries.filter(f);
  }

  /** A display filter as if typed (a stream's row, the address bar); `selectFirst`: the first hop it keeps is selected. */
  showFilter(text: string, selectFirst = true): Promise<boolean> {
    return this.queries.showFilter(text, selectFirst);
  }

  displayFilter(): string {
    return this.list.currentFilter().display;
  }

  fieldColumns(): string[] {
    return this.list.columns.flatMap((c) => (c.field ? [c.field] : []));
  }

  addColumns(fields: readonly string[]): string[] {
    return this.list.addColumns(fields);
  }

  saveUrl(): void {
    clearTimeout(this.urlTimer);
    this.urlTimer = setTimeout(() => {
      const q = viewUrl(this);
      history.replaceState(null, '', `${location.pathname}${q}`);
    }, 200);
  }

  /** For the browser tests: which protocols the loaded trace holds. */
  protocols(): string[] {
    const p = this.p;
    if (!p) return [];
    const s = new Set<string>();
    for (let i = 0; i < p.n; i++) s.add(PROTOCOLS[p.proto[i]!]!);
    return [...s];
  }

  /** For tests: every lesson bundled in the page. */
  get allLessons(): readonly Lesson[] {
    return LESSONS;
  }
}
