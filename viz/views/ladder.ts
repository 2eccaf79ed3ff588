import { scaleLinear, select, zoom, zoomIdentity, type ScaleLinear, type ZoomBehavior, type ZoomTransform } from 'd3';
import { formatDuration } from '../../sim/core/time.ts';
import { tr } from '../i18n.ts';
import type { Density } from '../model/density.ts';
import type { LabelCache } from '../model/labels.ts';
import { lowerBound, type PackedTrace } from '../model/packed.ts';
import { BACKGROUND, CURSOR_COLOUR, LANE_COLOUR, MUTED_COLOUR } from './colours.ts';
import type { LadderOverlay } from './ladder-overlay.ts';
import { frameWindow, openingWindow } from './ladder-frame.ts';
import { HEADER, LEFT, RIGHT, ROW, firstBurstEnd, segmentDistance } from './ladder-geometry.ts';
import { drawHops, type HopScene } from './ladder-hops.ts';
import { drawNoteMarks } from './ladder-notes.ts';
import { drawAxis, drawDensity, drawLaneHeaders, type LaneHeader, type PaintView } from './ladder-paint.ts';
import { noteMarks, type NoteMark } from '../model/note-marks.ts';

export { firstBurstEnd } from './ladder-geometry.ts';
import { CanvasPainter, SvgPainter, type Painter } from './painter.ts';

/** Above this many hops on screen, the ladder draws aggregated density instead of single arrows. */
const DETAIL_LIMIT = 2000;

export interface LadderCallbacks {
  select(hop: number): void;
}

/**
 * The ladder (sequence diagram): one lane per topology node, one arrow per hop from (from, t) to (to, arrive).
 * Time runs down on a linear µs scale rescaled by d3-zoom; in compact mode each hop gets one row. Only hops on
 * screen are drawn (binary search on the time column); when too many are, lane-pair density buckets are drawn.
 */
export class Ladder {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private p: PackedTrace | undefined;
  private labels: LabelCache | undefined;
  private density: Density | undefined;
  private transform: ZoomTransform = zoomIdentity;
  private scaleMemo: { transform: ZoomTransform; height: number; p: PackedTrace; domain: readonly [number, number] | undefined; scale: ScaleLinear<number, number> } | undefined;
  private readonly zoomer: ZoomBehavior<HTMLCanvasElement, unknown>;
  private width = 800;
  private height = 600;
  private pending = false;
  cursor = 0;
  selected = -1;
  compact = false;
  /** Milliseconds the last frame took to draw (for the benchmark). */
  lastFrameMs = 0;
  frames = 0;
  onDraw: (() => void) | undefined;
  /** Passes drawn after the arrows when single hops are shown (cause-and-effect links). */
  readonly overlays: LadderOverlay[] = [];
  /** A time span to scale to instead of this trace's own (two ladders side by side share one axis). */
  domain: readonly [number, number] | undefined;
  /** State changes drawn on their lanes (model/note-marks.ts), and how many the last frame showed. */
  private marks: NoteMark[] = [];
  marksDrawn = 0;
  /** Called after every frame (the graphs under the ladder follow its time window and cursor). */
  afterDraw: (() => void) | undefined;
  /** Called on every zoom or pan (a second ladder follows). */
  onZoom: ((t: ZoomTransform) => void) | undefined;
  /** While a question waits for its answer: hops after the cursor are drawn without their labels. */
  hideFuture = false;
  /** The hops whose label the last frame drew, with the text drawn (tests check a checkpoint's is readable). */
  readonly labelled = new Map<number, string>();
  /** Whether the last frame drew aggregated density instead of single arrows. */
  aggregated = false;
  /** The boxes of the labels the last frame drew, x0 x1 y0 y1 each (tests check none overlaps another). */
  labelBoxes: readonly number[] = [];
  /** The lane headers the last frame drew (tests check none runs into its neighbour). */
  laneHeaders: readonly LaneHeader[] = [];

  constructor(
    private readonly host: HTMLElement,
    private readonly cb: LadderCallbacks,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'ladder-canvas';
    this.canvas.setAttribute('aria-label', tr('ttLadder'));
    this.canvas.dataset.i18nAria = 'ttLadder';
    this.canvas.tabIndex = 0;
    host.appendChild(this.canvas);
    this.ctx = this.canvas.getContext('2d', { alpha: false })!;
    this.zoomer = zoom<HTMLCanvasElement, unknown>()
      // An explicit extent: d3's default measures the element, forcing a page layout on every zoom event.
      .extent(() => [
        [0, 0],
        [this.width, this.height],
      ])
      .scaleExtent([0.02, 1e10])
      .filter((ev: Event) => !(ev.type === 'dblclick'))
      .on('zoom', (ev: { transform: ZoomTransform }) => {
        this.transform = ev.transform;
        this.schedule();
        this.onZoom?.(ev.transform);
      });
    select(this.canvas).call(this.zoomer);
    this.canvas.addEventListener('click', (ev) => this.click(ev));
    new ResizeObserver(() => this.resize()).observe(host);
    this.resize();
  }

  setTrace(p: PackedTrace, labels: LabelCache, density: Density): void {
    this.p = p;
    this.labels = labels;
    this.density = density;
    this.selected = -1;
    this.marks = noteMarks(p.notes, p.lanes);
    this.fit();
    const w = openingWindow(p, firstBurstEnd(p), this.height);
    if (w) this.zoomTo(w[0], w[1]);
  }

  /**
   * Frames hop `i` readably: zoomed so that its label and its neighbours' are drawn (time mode: frameWindow; compact:
   * rows at full height), panned so it sits a third of the way down.
   */
  frame(i: number): void {
    const p = this.p;
    if (!p || i < 0 || i >= p.n) return;
    if (this.compact) {
      const k = Math.max(1, this.transform.k);
      const want = HEADER + (this.height - HEADER) / 3;
      this.apply(zoomIdentity.translate(0, want - (HEADER + 10 + i * ROW) * k).scale(k));
      return;
    }
    const [t0, t1] = frameWindow(p, i, this.height);
    this.zoomTo(t0, t1);
  }

  setCompact(on: boolean): void {
    this.compact = on;
    this.fit();
  }

  /** Back to the whole trace on screen. */
  fit(): void {
    select(this.canvas).call(this.zoomer.transform, zoomIdentity);
    this.transform = zoomIdentity;
    this.schedule();
  }

  /** Zooms so that [t0, t1] fills the view (time mode). */
  zoomTo(t0: number, t1: number): void {
    if (this.compact || !this.p) return;
    const base = this.baseScale();
    // a span may be far below a pixel at the whole trace's scale (milliseconds of a 320 s run): no floor of 1 px
    const span = Math.max(1e-9, base(t1) - base(t0));
    const k = Math.max(0.02, (this.height - HEADER - 20) / span);
    const ty = HEADER + 10 - k * base(t0);
    this.apply(zoomIdentity.translate(0, ty).scale(k));
  }

  /** Pans (keeping the zoom) so that time `t` / hop `hop` is on screen. */
  reveal(t: number, hop?: number): void {
    if (!this.p) return;
    const y = this.yOf(t, hop);
    if (y >= HEADER + 8 && y <= this.height - 8) return;
    const want = HEADER + (this.height - HEADER) / 3;
    const k = this.transform.k;
    this.apply(zoomIdentity.translate(0, this.transform.y + (want - y)).scale(k));
  }

  /** Takes another ladder's zoom and pan. */
  follow(t: ZoomTransform): void {
    if (t.k !== this.transform.k || t.x !== this.transform.x || t.y !== this.transform.y) this.apply(t);
  }

  private apply(t: ZoomTransform): void {
    select(this.canvas).call(this.zoomer.transform, t);
    this.transform = t;
    this.schedule();
  }

  private resize(): void {
    const r = this.host.getBoundingClientRect();
    this.width = Math.max(200, Math.floor(r.width));
    this.height = Math.max(150, Math.floor(r.height));
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.floor(this.width * dpr);
    this.canvas.height = Math.floor(this.height * dpr);
    this.canvas.style.width = `${this.width}px`;
    this.canvas.style.height = `${this.height}px`;
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.schedule();
  }

  schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.drawNow();
    });
  }

  /** Draws synchronously (the benchmark times this). */
  drawNow(): void {
    const t0 = performance.now();
    this.ctx.clearRect(0, 0, this.width, this.height);
    const painter = new CanvasPainter(this.ctx, this.width, this.height);
    this.draw(painter, this.width, this.height);
    painter.flush();
    this.lastFrameMs = performance.now() - t0;
    this.frames++;
    this.onDraw?.();
    this.afterDraw?.();
  }

  /** The span of time (µs) the ladder shows, top to bottom: in compact mode, the first and last rows' hops'. */
  visibleWindow(): [number, number] | undefined {
    const p = this.p;
    if (!p || p.n === 0) return undefined;
    if (this.compact) {
      const [i0, i1] = this.visibleRange();
      return [p.t[Math.min(i0, p.n - 1)]!, p.t[Math.max(0, Math.min(i1, p.n) - 1)]!];
    }
    const y = this.timeScale();
    return [y.invert(HEADER + 10), y.invert(this.height - 20)];
  }

  private baseScale(): ScaleLinear<number, number> {
    const p = this.p!;
    const t0 = this.domain?.[0] ?? (p.n > 0 ? p.t[0]! : 0);
    const end = Math.max(t0 + 1, this.domain?.[1] ?? p.end);
    return scaleLinear().domain([t0, end]).range([HEADER + 10, this.height - 20]);
  }

  /** The view's time scale, built once per view change: geometry() asks for it for every hop drawn. */
  private timeScale(): ScaleLinear<number, number> {
    const m = this.scaleMemo;
    if (m && m.transform === this.transform && m.height === this.height && m.p === this.p && m.domain === this.domain) return m.scale;
    const scale = this.transform.rescaleY(this.baseScale());
    this.scaleMemo = { transform: this.transform, height: this.height, p: this.p!, domain: this.domain, scale };
    return scale;
  }

  private rowY(i: number): number {
    return this.transform.y + (HEADER + 10 + i * ROW) * this.transform.k;
  }

  private yOf(t: number, hop?: number): number {
    if (!this.compact) return this.timeScale()(t);
    const i = hop ?? lowerBound(this.p!.t, this.p!.n, t);
    return this.rowY(i);
  }

  laneX(lane: number): number {
    const n = Math.max(1, this.p?.lanes.length ?? 1);
    return LEFT + ((lane + 0.5) * (this.width - LEFT - RIGHT)) / n;
  }

  private visibleRange(): [number, number] {
    const p = this.p!;
    if (this.compact) {
      const { k, y: ty } = this.transform;
      const i0 = Math.max(0, Math.floor(((HEADER - ty) / k - HEADER - 10) / ROW) - 1);
      const i1 = Math.min(p.n, Math.ceil(((this.height - ty) / k - HEADER - 10) / ROW) + 1);
      return [i0, Math.max(i0, i1)];
    }
    const y = this.timeScale();
    const ta = y.invert(HEADER);
    const tb = y.invert(this.height);
    return [lowerBound(p.t, p.n, ta - p.maxTransit), lowerBound(p.t, p.n, tb + 1)];
  }

  /** Hop geometry on screen: start and end points. */
  private geometry(i: number): [number, number, number, number] {
    const g = this.geometryInto(i, this.scratch);
    return [g[0]!, g[1]!, g[2]!, g[3]!];
  }

  /** Hop i's start and end points written into `out` as x1 y1 x2 y2 (the frame loop allocates nothing per hop). */
  private geometryInto(i: number, out: Float64Array): Float64Array {
    const p = this.p!;
    out[0] = this.laneX(p.from[i]!);
    out[2] = this.laneX(p.to[i]!);
    if (this.compact) {
      const y1 = this.rowY(i);
      out[1] = y1;
      out[3] = y1 + (ROW - 10) * this.transform.k;
      return out;
    }
    const y = this.timeScale();
    // Hops that leave together on the same link would hide each other: fan them out by a few pixels.
    let dup = 0;
    for (let k = i - 1; k >= 0 && dup < 4 && p.t[k] === p.t[i] && p.from[k] === p.from[i] && p.to[k] === p.to[i]; k--) dup++;
    const off = dup * 6;
    out[1] = y(p.t[i]!) + off;
    out[3] = y(p.arrive[i]!) + off;
    return out;
  }

  private readonly scratch = new Float64Array(4);

  /** What the single-hop drawing reads of this ladder (ladder-hops.ts). */
  private scene(): HopScene {
    return {
      p: this.p!,
      labels: this.labels!,
      selected: this.selected,
      cursor: this.cursor,
      hideFuture: this.hideFuture,
      compact: this.compact,
      rowHeight: ROW * this.transform.k,
      width: this.width,
      height: this.height,
      geometryInto: (i, out) => this.geometryInto(i, out),
      labelled: this.labelled,
    };
  }

  draw(g: Painter, w: number, h: number): void {
    g.rect(0, 0, w, h, BACKGROUND);
    const p = this.p;
    if (!p) {
      g.text(w / 2, h / 2, 'Loading…', MUTED_COLOUR, 'center');
      return;
    }
    for (let l = 0; l < p.lanes.length; l++) g.line(this.laneX(l), HEADER, this.laneX(l), h, LANE_COLOUR, 1);
    const [i0, i1] = this.visibleRange();
    this.labelled.clear();
    this.aggregated = i1 - i0 > DETAIL_LIMIT;
    // the labels' boxes: the hops', then the note marks' (which give way to them)
    const boxes: number[] = [];
    this.labelBoxes = boxes;
    const view = this.paintView();
    if (this.aggregated) drawDensity(g, view, this.density!, i0, i1, DETAIL_LIMIT);
    else {
      boxes.push(...drawHops(g, this.scene(), i0, i1));
      if (this.overlays.length > 0) {
        const view = { geometry: (i: number) => this.geometry(i), range: [i0, i1] as const, width: w, height: h, selected: this.selected };
        for (const o of this.overlays) o(g, view);
      }
    }
    // state changes on their lanes, in time mode (compact rows have no time between them)
    this.marksDrawn = this.compact
      ? 0
      : drawNoteMarks(
          g,
          this.marks,
          (l) => this.laneX(l),
          (t) => {
            const y = this.yOf(t);
            return y >= HEADER && y <= h ? y : undefined;
          },
          w,
          boxes,
          LEFT,
        );
    drawAxis(g, view, i0, i1);
    const cy = this.yOf(this.cursor);
    if (cy >= HEADER && cy <= h) {
      g.line(LEFT - 6, cy, w, cy, CURSOR_COLOUR, 1, [6, 4]);
      g.text(LEFT - 8, cy, formatDuration(Math.round(this.cursor)), CURSOR_COLOUR, 'right', true);
    }
    this.laneHeaders = drawLaneHeaders(g, view);
  }

  /** What the painting functions read of this ladder (ladder-paint.ts). */
  private paintView(): PaintView {
    return {
      p: this.p!,
      compact: this.compact,
      width: this.width,
      height: this.height,
      k: this.transform.k,
      laneX: (l) => this.laneX(l),
      rowY: (i) => this.rowY(i),
      timeScale: () => this.timeScale(),
      geometry: (i) => this.geometry(i),
    };
  }

  /** The hop under a point: the nearest arrow within 6 px, or by time when aggregated. */
  hopAt(px: number, py: number): number {
    const p = this.p;
    if (!p || py < HEADER) return -1;
    const [i0, i1] = this.visibleRange();
    if (i1 - i0 > DETAIL_LIMIT) {
      if (this.compact) return Math.min(p.n - 1, Math.max(0, Math.floor(((py - this.transform.y) / this.transform.k - HEADER - 10) / ROW)));
      return Math.min(p.n - 1, lowerBound(p.t, p.n, this.timeScale().invert(py)));
    }
    let best = -1;
    let bestD = 6;
    for (let i = i0; i < i1; i++) {
      const [x1, y1, x2, y2] = this.geometry(i);
      const d = segmentDistance(px, py, x1, y1, x2, y2);
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    return best;
  }

  private click(ev: MouseEvent): void {
    const r = this.canvas.getBoundingClientRect();
    const i = this.hopAt(ev.clientX - r.left, ev.clientY - r.top);
    if (i >= 0) this.cb.select(i);
  }

  /** Whether time `t` is inside the drawn area (below the lane headers). */
  onScreen(t: number): boolean {
    if (!this.p) return false;
    const y = this.yOf(t);
    return y >= HEADER && y <= this.height;
  }

  /** Screen position of a hop's midpoint (tests click it). */
  hopPoint(i: number): { x: number; y: number } {
    const [x1, y1, x2, y2] = this.geometry(i);
    return { x: (x1 + x2) / 2, y: (y1 + y2) / 2 };
  }

  exportSvg(): string {
    const svg = new SvgPainter(this.width, this.height, BACKGROUND);
    this.draw(svg, this.width, this.height);
    return new XMLSerializer().serializeToString(svg.root);
  }

  exportPng(): Promise<Blob | null> {
    this.drawNow();
    return new Promise((resolve) => this.canvas.toBlob(resolve, 'image/png'));
  }

  /** Scripted zoom for the benchmark: scale by `factor` about the middle, then translate by `dy` pixels. */
  zoomBy(factor: number, dy: number): void {
    const cy = (this.height + HEADER) / 2;
    const t = this.transform;
    const k = t.k * factor;
    const ty = cy - (cy - t.y) * factor + dy;
    this.transform = zoomIdentity.translate(0, ty).scale(k);
  }
}

