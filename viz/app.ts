import type { Checkpoint, Lesson } from '../lessons/lesson.ts';
import { DEFAULT_LESSON } from '../lessons/lesson.ts';
import { buildDensity } from './model/density.ts';
import { LabelCache } from './model/labels.ts';
import { NatReplay } from './model/nat-state.ts';
import { PROTOCOLS, type PackedTrace } from './model/packed.ts';
import { hopOfPacketNear, Timeline } from './model/timeline.ts';
import { formatViewState, parseViewState, type ViewState } from './model/url.ts';
import { LESSONS } from './lessons.ts';
import type { Request, Response } from './protocol.ts';
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
  private labels: LabelCache | undefined;
  private replay: NatReplay | undefined;
  private timeline: Timeline | undefined;
  now = 0;
  selected = -1;
  lesson: Lesson | undefined;
  private scenarioName: string | undefined;
  private seed: number | undefined;
  private sourceLabel = '';
  readonly ladder: Ladder;
  private readonly list: PacketList;
  private readonly detail: PacketDetail;
  private readonly topology: TopologyPanel;
  private readonly panels: StatePanels;
  private readonly bar: TimelineBar;
  private readonly scenarioPanel: ScenarioPanel;
  private readonly lessonPanel: LessonPanel;
  private readonly status = $('status');
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
    this.lessonPanel = new LessonPanel($('lesson'), (l, c, i) => void this.goCheckpoint(l, c, i));
    this.setupHeader();
    this.setupKeys();
    this.setupDrop();
  }

  private call(body: RequestBody, transfer: Transferable[] = [], progress?: (r: Response) => void): Promise<Response> {
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
    await this.runScenario(lesson && !v.scenario && typeof lesson.scenario !== 'string' ? lesson.scenario : scenario, v.seed, {});
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

  async runScenario(scenario: string | Record<string, unknown>, seed: number | undefined, opts: { keepPosition?: boolean }): Promise<boolean> {
    this.setStatus('Running the scenario in the worker…');
    const r = await this.call({ type: 'run', scenario, ...(seed !== undefined ? { seed } : {}) });
    if (r.type === 'error') {
      this.scenarioPanel.showError(r.message);
      this.setStatus(`Scenario error: ${r.message}`);
      return false;
    }
    if (r.type !== 'trace') return false;
    this.scenarioName = typeof scenario === 'string' ? scenario : typeof scenario.name === 'string' ? scenario.name : undefined;
    this.seed = r.packed.meta.seed;
    if (r.scenario) this.scenarioPanel.set(r.scenario, typeof scenario === 'string' ? scenario : undefined, r.packed.meta.seed ?? 1);
    const keep = opts.keepPosition ? { t: this.now, hop: this.selected } : undefined;
    this.load(r.packed, `${r.label} · seed ${r.packed.meta.seed ?? '?'} · ${r.packed.n} hops · ran in ${r.ms.toFixed(0)} ms`);
    if (keep) {
      this.seek(Math.min(keep.t, r.packed.end));
      if (keep.hop >= 0 && keep.hop < r.packed.n) this.select(keep.hop, false);
    }
    return true;
  }

  async openCapture(file: File): Promise<void> {
    this.setStatus(`Reading ${file.name}…`);
    this.progress.hidden = false;
    this.progress.value = 0;
    const bytes = await file.arrayBuffer();
    const isJson = /\.json$/i.test(file.name);
    const r = isJson
      ? await this.call({ type: 'trace-json', name: file.name, text: new TextDecoder().decode(bytes) })
      : await this.call({ type: 'capture', name: file.name, bytes }, [bytes], (m) => {
          if (m.type === 'progress') this.progress.value = m.done / Math.max(1, m.total);
        });
    this.progress.hidden = true;
    if (r.type === 'error') return this.setStatus(`Cannot open ${file.name}: ${r.message}`);
    if (r.type !== 'trace') return;
    this.setLesson(undefined);
    this.scenarioName = undefined;
    this.seed = undefined;
    this.load(r.packed, `${file.name} · ${r.packed.n} packets · read in ${r.ms.toFixed(0)} ms`);
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
    this.labels = new LabelCache(p);
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
    this.seek(0);
    document.title = `rtclab · ${p.meta.title ?? p.meta.scenario ?? 'trace'}`;
  }

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
    this.saveUrl();
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
      const v: ViewState = {
        ...(this.lesson ? { lesson: this.lesson.id } : {}),
        ...(this.scenarioName && /^[a-z0-9-]+$/.test(this.scenarioName) ? { scenario: this.scenarioName } : {}),
        ...(this.seed !== undefined ? { seed: this.seed } : {}),
        t: this.now,
        ...(this.selected >= 0 ? { hop: this.selected } : {}),
        ...(this.ladder.compact ? { compact: true } : {}),
      };
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
      const f = file.files?.[0];
      if (f) void this.openCapture(f);
      file.value = '';
    });
    $('open').addEventListener('click', () => file.click());
    ($('compact') as HTMLInputElement).addEventListener('change', (e) => this.setCompact((e.target as HTMLInputElement).checked));
    $('fit').addEventListener('click', () => this.ladder.fit());
    $('export-pcapng').addEventListener('click', () => void this.exportPcapng());
    $('export-svg').addEventListener('click', () => download(new Blob([this.ladder.exportSvg()], { type: 'image/svg+xml' }), 'ladder.svg'));
    $('export-png').addEventListener('click', () => void this.ladder.exportPng().then((b) => b && download(b, 'ladder.png')));
    for (const tab of document.querySelectorAll<HTMLButtonElement>('[data-tab]')) {
      tab.addEventListener('click', () => {
        for (const t of document.querySelectorAll<HTMLElement>('[data-tab]')) t.classList.toggle('active', t === tab);
        for (const p of document.querySelectorAll<HTMLElement>('[data-pane]')) p.hidden = p.dataset.pane !== tab.dataset.tab;
      });
    }
  }

  private async exportPcapng(): Promise<void> {
    const r = await this.call({ type: 'pcapng' });
    if (r.type === 'error') return this.setStatus(r.message);
    if (r.type === 'file') download(new Blob([r.bytes as BlobPart], { type: 'application/vnd.tcpdump.pcap' }), r.name);
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
      const f = e.dataTransfer?.files[0];
      if (f) void this.openCapture(f);
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
