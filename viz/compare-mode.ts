import { zoomTransform } from 'd3';
import { findPreset } from '../sim/scenario/presets/index.ts';
import { applySet } from '../sim/scenario/set.ts';
import { compareRuns, diffJson, type ScenarioChange } from './model/compare.ts';
import { buildDensity } from './model/density.ts';
import { LabelCache } from './model/labels.ts';
import type { PackedTrace } from './model/packed.ts';
import type { Relation } from './model/relations.ts';
import { runRef } from './model/run-ref.ts';
import { summarizeRun, type RunSummary } from './model/run-summary.ts';
import type { RunRef } from './model/url.ts';
import type { Response } from './protocol.ts';
import { onLang, said, tr, trf, type Say } from './i18n.ts';
import { runTitle } from './i18n-presets.ts';
import { relationItems } from './relations-ui.ts';
import { CompareView } from './views/compare-view.ts';
import type { PacketDetail } from './views/detail.ts';
import { Ladder, firstBurstEnd } from './views/ladder.ts';
import { RelationLayer } from './views/relation-layer.ts';

type Json = Record<string, unknown>;

/** What the app lends compare mode: its current run (B), its views and the worker. */
export interface CompareHost {
  call(body: { type: 'run'; scenario: string | Json; seed?: number } | { type: 'relations' }): Promise<Response>;
  readonly ladder: Ladder;
  readonly detail: PacketDetail;
  readonly p: PackedTrace | undefined;
  readonly labels: LabelCache | undefined;
  readonly now: number;
  /** The scenario JSON of the current run, its preset name and seed (absent for a capture). */
  readonly scenarioJson: Json | undefined;
  readonly scenarioName: string | undefined;
  readonly seed: number | undefined;
  readonly sourceLabel: string;
  /** The status line's message for what is loaded (worded again at a language switch). */
  readonly sourceSay: Say;
  readonly relationsReady: Promise<readonly Relation[]>;
  setStatus(s: Say): void;
  /** Writes the address bar again (compare mode adds run A to it). */
  seek(t: number): void;
}

/** One side of the comparison, kept while B changes. */
interface Run {
  readonly p: PackedTrace;
  readonly labels: LabelCache;
  readonly layer: RelationLayer;
  readonly summary: RunSummary;
  readonly scenario: Json | undefined;
  /** How the URL names it: preset, seed, assignments; absent when it cannot. */
  readonly ref: RunRef | undefined;
  readonly unlinkable?: string;
  readonly label: Say;
}

/**
 * Side-by-side comparison of two runs (issue 7: "what changed when the NAT became symmetric"). The current run is
 * kept as A; whatever is loaded next — a re-run with an edited scenario, another preset, a dropped capture — is B.
 * Both ladders share one time axis, one cursor and one zoom; the diff pane lists the scenario fields that changed
 * and the outcome facts that differ. The URL holds A's and B's preset, seed and assignments.
 */
export class CompareMode {
  private a: Run | undefined;
  private aLadder: Ladder | undefined;
  private readonly view: CompareView;
  private bSummary: { p: PackedTrace; summary: RunSummary } | undefined;

  constructor(private readonly host: CompareHost) {
    this.view = new CompareView(host.ladder.canvas.parentElement!, () => this.leave());
    // the diff pane in the new language
    onLang(() => this.render());
  }

  get active(): boolean {
    return this.a !== undefined;
  }

  /** Keeps the current run as A and opens the comparison; B is the same run until something else is loaded. */
  async keep(): Promise<void> {
    const h = this.host;
    if (!h.p || !h.labels) return;
    const relations = await h.relationsReady;
    this.a = this.runOf(h.p, h.labels, relations, h.scenarioJson, h.scenarioName, h.seed, h.sourceSay);
    this.open();
    h.setStatus(() => tr('cmKept'));
  }

  /** Start-up from a link: runs A from the URL before the app runs B. False when A could not run. */
  async openFromUrl(ref: RunRef): Promise<boolean> {
    const preset = findPreset(ref.scenario);
    if (!preset) return false;
    let raw: unknown = preset.build();
    try {
      for (const s of ref.set ?? []) raw = applySet(raw, s);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.host.setStatus(() => trf('cmLinkInvalid', { message }));
      return false;
    }
    const r = await this.host.call({ type: 'run', scenario: raw as Json, ...(ref.seed !== undefined ? { seed: ref.seed } : {}) });
    if (r.type !== 'trace') return false;
    const rel = await this.host.call({ type: 'relations' });
    const label = (): string => trf('cmRunLabel', { title: runTitle(r.label), seed: r.packed.meta.seed ?? '?', n: r.packed.n });
    this.a = this.runOf(r.packed, new LabelCache(r.packed), rel.type === 'relations' ? rel.relations : [], r.scenario ?? (raw as Json), ref.scenario, r.packed.meta.seed, label);
    this.open();
    return true;
  }

  private runOf(p: PackedTrace, labels: LabelCache, relations: readonly Relation[], scenario: Json | undefined, name: string | undefined, seed: number | undefined, label: Say): Run {
    const layer = new RelationLayer();
    layer.set(p, relations);
    const link = runRef(scenario, name, seed);
    return { p, labels, layer, summary: summarizeRun(p), scenario, ref: link.ref, ...(link.why ? { unlinkable: link.why } : {}), label };
  }

  private open(): void {
    const a = this.a!;
    this.view.enter();
    this.aLadder?.canvas.remove();
    const ladder = new Ladder(this.view.aHost, { select: (i) => this.selectA(i) });
    ladder.overlays.push((g, v) => a.layer.draw(g, v));
    ladder.setTrace(a.p, a.labels, buildDensity(a.p));
    this.aLadder = ladder;
    // one zoom for both: each follows the other (follow() ignores a transform it already has)
    ladder.onZoom = (t) => this.host.ladder.follow(t);
    this.host.ladder.onZoom = (t) => ladder.follow(t);
    this.loaded();
  }

  /** The app loaded a trace (B): re-align the axes and redo the diff. */
  loaded(): void {
    const a = this.a;
    const b = this.host.p;
    const la = this.aLadder;
    if (!a || !b || !la) return;
    const start = Math.min(first(a.p), first(b));
    const end = Math.max(a.p.end, b.end);
    la.domain = [start, end];
    this.host.ladder.domain = [start, end];
    la.cursor = this.host.now;
    this.host.ladder.fit();
    const burst = Math.max(firstBurstEnd(a.p) ?? 0, firstBurstEnd(b) ?? 0);
    if (burst > start) this.host.ladder.zoomTo(start, burst);
    la.follow(zoomTransform(this.host.ladder.canvas));
    this.render();
  }

  /** The diff pane: the scenario changes and the outcome rows of A against B. */
  private render(): void {
    const a = this.a;
    const b = this.host.p;
    if (!a || !b) return;
    if (this.bSummary?.p !== b) this.bSummary = { p: b, summary: summarizeRun(b) };
    const bRef = runRef(this.host.scenarioJson, this.host.scenarioName, this.host.seed);
    const changes = scenarioChanges(a, this.host.scenarioJson, this.host.seed);
    const unlinkable = a.unlinkable ?? bRef.why;
    this.view.render({
      a: said(a.label),
      b: this.host.sourceLabel,
      changes,
      rows: compareRuns(a.summary, this.bSummary.summary),
      ...(unlinkable ? { unlinkable } : {}),
    });
  }

  seek(t: number): void {
    if (!this.aLadder) return;
    this.aLadder.cursor = t;
    this.aLadder.schedule();
  }

  /** A packet of run A was clicked: the detail pane shows it (and its relations, which select within A). */
  selectA(i: number): void {
    const a = this.a;
    const la = this.aLadder;
    if (!a || !la || i < 0 || i >= a.p.n) return;
    la.selected = i;
    la.schedule();
    this.host.detail.show(a.p, a.labels, i);
    this.host.detail.showRelations(relationItems(a.layer, i), (hop) => this.selectA(hop), tr('cmRelatedA'));
  }

  /** The address bar's part: run A, and B's assignments (the app writes B's preset and seed). */
  urlState(): { a?: RunRef; set?: string[] } {
    if (!this.a?.ref) return {};
    const b = runRef(this.host.scenarioJson, this.host.scenarioName, this.host.seed).ref;
    return { a: this.a.ref, ...(b?.set ? { set: b.set } : {}) };
  }

  leave(): void {
    if (!this.a) return;
    this.a = undefined;
    this.bSummary = undefined;
    this.aLadder?.canvas.remove();
    this.aLadder = undefined;
    this.host.ladder.onZoom = undefined;
    this.host.ladder.domain = undefined;
    this.view.leave();
    this.host.ladder.fit();
    this.host.seek(this.host.now);
  }

  /** For tests: the A side's trace and ladder. */
  get runA(): { p: PackedTrace; ladder: Ladder; relations: readonly Relation[] } | undefined {
    return this.a && this.aLadder ? { p: this.a.p, ladder: this.aLadder, relations: this.a.layer.relations } : undefined;
  }
}

function first(p: PackedTrace): number {
  return p.n > 0 ? p.t[0]! : 0;
}

/** The scenario rows: every changed field, and the seed when it differs; undefined when a side is a capture. */
function scenarioChanges(a: Run, b: Json | undefined, bSeed: number | undefined): ScenarioChange[] | undefined {
  if (!a.scenario || !b) return undefined;
  const out = diffJson(a.scenario, b);
  const aSeed = a.p.meta.seed;
  if (aSeed !== bSeed) out.unshift({ path: 'seed (run)', a: aSeed, b: bSeed });
  return out;
}
