import { answerOf, isCorrect, type Computed } from '../lessons/answers.ts';
import type { Checkpoint, Lesson } from '../lessons/lesson.ts';
import { findPreset } from '../sim/scenario/presets/index.ts';
import { applySet } from '../sim/scenario/set.ts';
import { onLang, pick } from './i18n.ts';
import { LESSONS } from './lessons.ts';
import { computeAnswerPacked, resolveCheckpointPacked } from './model/checkpoints.ts';
import type { PackedTrace } from './model/packed.ts';
import { ProgressStore } from './model/progress.ts';
import { LessonPanel, type IndexEntry, type QuestionState } from './views/lesson-panel.ts';

type Json = Record<string, unknown>;

/** What the app lends the lesson: its run, its views' moves, and compare mode for what-if steps. */
export interface LessonHost {
  readonly p: PackedTrace | undefined;
  readonly scenarioName: string | undefined;
  readonly scenarioJson: Json | undefined;
  readonly selected: number;
  runScenario(s: string | Json, seed: number | undefined, opts: { keepPosition?: boolean; quiet?: boolean; lesson?: boolean }): Promise<boolean>;
  /** Takes the views to a moment: cursor at `t`, hop `hop` selected (or none), the ladder framing it. */
  frameMoment(t: number, hop: number | undefined, opts: { select: boolean; hideFuture: boolean }): void;
  keepForCompare(): Promise<void>;
  leaveCompare(): void;
  readonly comparing: boolean;
  lessonChanged(): void;
}

/**
 * The lesson being followed: which checkpoint is active and where its question stands. A checkpoint is resolved
 * against the run on screen (so an edited scenario or another seed keeps its answers right); a question is asked
 * with the cursor just before the moment and the future's labels hidden, then answered, recorded (localStorage)
 * and revealed. A what-if checkpoint keeps the run as A and runs the changed scenario as B (compare mode).
 */
export class LessonMode {
  lesson: Lesson | undefined;
  readonly panel: LessonPanel;
  readonly progress = new ProgressStore();
  private active = -1;
  /** The active question's answer, computed from the run on screen (tests answer with it through the page). */
  computed: Computed | undefined;
  private moment: { t: number; hop?: number } | undefined;
  /** The what-if checkpoint whose run is on screen (B), if any. */
  private whatIfRun: number | undefined;
  private seq = 0;

  constructor(
    host: HTMLElement,
    private readonly app: LessonHost,
  ) {
    this.panel = new LessonPanel(host, {
      checkpoint: (i) => void this.go(i),
      answer: (i, given) => this.answer(i, given),
      showPacket: (hop) => this.showPacket(hop),
      pickLesson: (id) => void this.pick(id),
      resetProgress: () => {
        if (this.lesson) this.progress.reset(this.lesson.id);
        this.panel.setIndex(this.index());
      },
    });
    onLang(() => this.panel.render());
  }

  /** Every lesson with its questions and the learner's answers so far. */
  index(): IndexEntry[] {
    return LESSONS.map((l) => {
      const s = this.progress.summary(l.id);
      return { id: l.id, title: `${l.order}. ${pick(l.title)}`, questions: l.checkpoints.filter((c) => c.question).length, answered: s.answered, right: s.right };
    });
  }

  set(l: Lesson | undefined): void {
    this.lesson = l;
    this.active = -1;
    this.computed = undefined;
    this.whatIfRun = undefined;
    this.panel.show(l, this.index());
  }

  /** Picks a lesson from the index or the header and runs its scenario. */
  pick(id: string): Promise<void> {
    const l = LESSONS.find((x) => x.id === id);
    this.set(l);
    this.app.lessonChanged();
    if (!l) return Promise.resolve();
    if (this.app.comparing) this.app.leaveCompare();
    this.settled = this.app.runScenario(l.scenario, undefined, { lesson: true }).then(() => undefined);
    return this.settled;
  }

  get activeIndex(): number {
    return this.active;
  }

  /** The run changed under the lesson (edited, another seed): the active checkpoint is framed again in it. */
  runChanged(): void {
    if (this.active >= 0 && this.lesson) this.panel.mark(-1);
    this.active = -1;
  }

  /** A hop the learner selected: a "click the packet" question takes it as the pick. */
  selected(hop: number): void {
    const c = this.lesson?.checkpoints[this.active];
    if (c?.question?.kind !== 'packet' || !this.asking) return;
    this.panel.mark(this.active, { phase: 'ask', picked: hop });
  }

  private asking = false;

  /** Resolves when the last checkpoint asked for is on screen (tests wait on it). */
  settled: Promise<void> = Promise.resolve();

  go(i: number): Promise<void> {
    this.settled = this.goNow(i).catch((e: unknown) => {
      this.panel.mark(i, undefined, e instanceof Error ? e.message : String(e));
    });
    return this.settled;
  }

  private async goNow(i: number): Promise<void> {
    const l = this.lesson;
    const c = l?.checkpoints[i];
    if (!l || !c) return;
    const ask = ++this.seq;
    if (!(await this.ensureRun(l, c, i)) || ask !== this.seq) return;
    const p = this.app.p;
    if (!p) return;
    this.active = i;
    this.asking = false;
    const r = resolveCheckpointPacked(p, c);
    if ('error' in r) {
      this.moment = undefined;
      this.panel.mark(i, undefined, r.error);
      return;
    }
    this.moment = r;
    const q = c.question;
    if (!q) return this.reveal(i, undefined);
    const computed = computeAnswerPacked(p, answerOf(q));
    if ('error' in computed) {
      this.computed = undefined;
      return this.reveal(i, { phase: 'unavailable', why: computed.error });
    }
    this.computed = computed;
    this.asking = true;
    if (q.kind === 'packet') {
      // the packet to find is on screen among its neighbours, unselected; the cursor after it so its label shows
      const hop = computed.hop ?? r.hop;
      this.app.frameMoment(Math.max(r.t, hop !== undefined ? p.arrive[hop]! : 0), hop, { select: false, hideFuture: false });
    } else {
      // predict: the cursor just before the moment, the hops still to come without their labels
      const before = Math.max(0, (r.hop !== undefined ? p.t[r.hop]! : r.t) - 1);
      this.app.frameMoment(before, r.hop, { select: false, hideFuture: true });
    }
    this.panel.mark(i, { phase: 'ask' });
  }

  private answer(i: number, given: string): void {
    const c = this.lesson?.checkpoints[i];
    const q = c?.question;
    const computed = this.computed;
    const p = this.app.p;
    if (!c || !q || !computed || !p || i !== this.active) return;
    const right = isCorrect(q, computed, given, (h) => p.packet[h] ?? -1);
    this.progress.record(this.lesson!.id, i, right);
    this.asking = false;
    this.panel.setIndex(this.index());
    this.reveal(i, { phase: 'answered', right, answer: computed.value, ...(computed.hop !== undefined ? { hop: computed.hop } : {}) });
  }

  private reveal(i: number, state: QuestionState | undefined): void {
    const r = this.moment;
    if (r) this.app.frameMoment(r.t, r.hop, { select: true, hideFuture: false });
    this.panel.mark(i, state);
  }

  private showPacket(hop: number): void {
    const p = this.app.p;
    if (!p || hop < 0 || hop >= p.n) return;
    this.app.frameMoment(p.arrive[hop]!, hop, { select: true, hideFuture: false });
  }

  /** Runs what the checkpoint is shown in, unless it is on screen already (the learner's edits are kept). */
  private async ensureRun(l: Lesson, c: Checkpoint, i: number): Promise<boolean> {
    const base = c.scenario ?? l.scenario;
    const baseName = typeof base === 'string' ? base : typeof base.name === 'string' ? base.name : undefined;
    if (c.whatIf) {
      if (this.whatIfRun === i && this.app.comparing) return true;
      // the scenario on screen if it is this one (with the learner's edits), else the preset, then the changes
      let raw: unknown = this.app.scenarioName === baseName && this.app.scenarioJson && this.whatIfRun === undefined ? structuredClone(this.app.scenarioJson) : typeof base === 'string' ? findPreset(base)?.build() : base;
      if (this.whatIfRun !== undefined || this.app.scenarioName !== baseName) {
        if (this.app.comparing) this.app.leaveCompare();
        if (!(await this.app.runScenario(base, undefined, { lesson: true }))) return false;
        raw = structuredClone(this.app.scenarioJson);
      }
      for (const s of c.whatIf.set) raw = applySet(raw, s);
      await this.app.keepForCompare();
      const ok = await this.app.runScenario(raw as Json, undefined, { lesson: true });
      this.whatIfRun = ok ? i : undefined;
      return ok;
    }
    if (this.whatIfRun !== undefined) {
      this.whatIfRun = undefined;
      if (this.app.comparing) this.app.leaveCompare();
      return this.app.runScenario(base, undefined, { lesson: true });
    }
    if (baseName !== undefined && baseName === this.app.scenarioName) return true;
    return this.app.runScenario(base, undefined, { lesson: true });
  }
}
