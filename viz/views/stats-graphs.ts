import { axisBottom, axisLeft, format, line, scaleLinear, schemeTableau10, select } from 'd3';
import { formatDuration } from '../../sim/core/time.ts';
import { statsToCsv } from '../../sim/stats/format.ts';
import type { StatsReport } from '../../sim/stats/report.ts';
import { i18nAttrs, onLang, tr, trf } from '../i18n.ts';
import { el } from './dom.ts';
import './stats-graphs.css';
import { bucketFor } from '../model/stats-bucket.ts';

/**
 * Graphs under the ladder: bit rate, packet rate, loss, jitter, round-trip time and frame rate per stream and
 * candidate pair (sim/stats, from the packets), over the time span the ladder shows, with the cursor; a click
 * seeks there. Imported getStats series (a webrtc-internals dump) are drawn dashed on the same axis. CSV and
 * JSON export the whole report. Closed by default: it takes room from the ladder.
 */
export const METRICS = {
  bitrate: { label: 'stBitrate', unit: 'bit/s' },
  packets: { label: 'stPackets', unit: 'pkt/s' },
  loss: { label: 'stLoss', unit: '%' },
  jitter: { label: 'stJitter', unit: 'ms' },
  rtt: { label: 'stRtt', unit: 'ms' },
  fps: { label: 'stFps', unit: 'fps' },
} as const;
export type Metric = keyof typeof METRICS;

export interface GraphPoint {
  /** µs on the trace's axis. */
  readonly t: number;
  readonly v: number;
}

export interface GraphSeries {
  readonly id: string;
  readonly label: string;
  readonly metric: Metric;
  readonly points: readonly GraphPoint[];
  /** Imported (getStats) rather than computed from packets. */
  readonly imported?: boolean;
}

export interface StatsGraphsHost {
  seek(t: number): void;
  /** The stats of the loaded trace in buckets of `bucketMs` (the worker computes them). */
  load(bucketMs: number): Promise<StatsReport | undefined>;
  download(blob: Blob, name: string): void;
}

/** Series from the report, one metric at a time: streams first, then pairs; a point at each bucket's middle. */
export function seriesOf(r: StatsReport): GraphSeries[] {
  const out: GraphSeries[] = [];
  const mid = (tMs: number): number => (tMs + r.bucketMs / 2) * 1000;
  const push = (id: string, label: string, metric: Metric, pts: readonly { tMs: number; v: number | null }[]): void => {
    const points = pts.filter((p): p is { tMs: number; v: number } => p.v !== null).map((p) => ({ t: mid(p.tMs), v: p.v }));
    if (points.length) out.push({ id: `${metric} ${id}`, label, metric, points });
  };
  for (const s of r.streams) {
    const label = `${s.ssrc} ${s.codec}${s.vantage ? ` @${s.vantage}` : ''}`;
    push(s.id, label, 'bitrate', s.series.map((b) => ({ tMs: b.tMs, v: b.bitsPerS })));
    push(s.id, label, 'packets', s.series.map((b) => ({ tMs: b.tMs, v: b.packetsPerS })));
    push(s.id, label, 'loss', s.series.map((b) => ({ tMs: b.tMs, v: b.lossPercent })));
    push(s.id, label, 'jitter', s.series.map((b) => ({ tMs: b.tMs, v: b.jitterMs })));
    push(s.id, `${label} RTCP`, 'rtt', s.series.map((b) => ({ tMs: b.tMs, v: b.rttMs })));
    if (s.kind === 'video') push(s.id, label, 'fps', s.series.map((b) => ({ tMs: b.tMs, v: b.fps })));
  }
  for (const p of r.pairs) {
    if (!p.media && !p.ice) continue;
    const label = `${p.a} ↔ ${p.b}${p.vantage ? ` @${p.vantage}` : ''}`;
    push(p.id, label, 'bitrate', p.series.map((b) => ({ tMs: b.tMs, v: b.bitsPerS })));
    push(p.id, label, 'packets', p.series.map((b) => ({ tMs: b.tMs, v: b.packetsPerS })));
    push(p.id, `${label} STUN`, 'rtt', p.series.map((b) => ({ tMs: b.tMs, v: b.rttMs })));
  }
  return out;
}

// a bucket width giving at most ~300 buckets over the trace, from 100 ms (finer makes rates noise) to 10 s: the
// worker's one pass collects the statistics in the finest and regroups them into this one
export { bucketFor };

const MARGIN = { left: 58, right: 10, top: 8, bottom: 20 };
const HEIGHT = 150;

export class StatsGraphs {
  readonly root: HTMLElement;
  readonly svg: SVGSVGElement;
  private readonly body: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly note: HTMLElement;
  private readonly metricSel: HTMLSelectElement;
  private readonly toggle: HTMLButtonElement;
  report: StatsReport | undefined;
  private computed: GraphSeries[] = [];
  private imported: GraphSeries[] = [];
  private importedNote = '';
  private readonly hidden = new Set<string>();
  private window: [number, number] = [0, 1];
  private cursor = 0;
  private width = 600;
  private loading: Promise<void> | undefined;
  private end = 0;
  private generation = 0;
  /** Resolves when the open graphs have their data (tests wait on it). */
  ready: Promise<void> = Promise.resolve();

  constructor(
    host: HTMLElement,
    private readonly h: StatsGraphsHost,
  ) {
    this.toggle = el('button', { 'data-testid': 'stats-toggle', ...i18nAttrs({ title: 'ttStats' }), 'aria-expanded': 'false' }, tr('statsClosed'));
    onLang(() => (this.toggle.textContent = this.toggle.getAttribute('aria-expanded') === 'true' ? tr('statsOpen') : tr('statsClosed')));
    this.metricSel = el('select', { 'data-testid': 'stats-metric', ...i18nAttrs({ aria: 'ttStatsMetric' }) });
    const names = (): void => {
      for (const o of this.metricSel.options) {
        const m = METRICS[o.value as Metric];
        o.textContent = `${tr(m.label)} (${m.unit})`;
      }
    };
    for (const k of Object.keys(METRICS)) this.metricSel.append(el('option', { value: k }));
    names();
    onLang(names);
    this.note = el('span', { class: 'stats-note muted', 'data-testid': 'stats-note' });
    const csv = el('button', { 'data-testid': 'stats-csv', ...i18nAttrs({ title: 'ttStatsCsv' }) }, 'CSV');
    const json = el('button', { 'data-testid': 'stats-json', ...i18nAttrs({ title: 'ttStatsJson' }) }, 'JSON');
    this.svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    this.svg.setAttribute('data-testid', 'stats-svg');
    this.svg.setAttribute('class', 'stats-svg');
    this.legend = el('div', { class: 'stats-legend', 'data-testid': 'stats-legend' });
    this.body = el('div', { class: 'stats-body', hidden: '' }, this.svg, this.legend);
    this.root = el('section', { class: 'stats-strip', 'data-testid': 'stats' }, el('div', { class: 'stats-head' }, this.toggle, this.metricSel, this.note, csv, json), this.body);
    host.append(this.root);
    this.toggle.addEventListener('click', () => this.setOpen(!this.open));
    this.metricSel.addEventListener('change', () => this.draw());
    csv.addEventListener('click', () => this.report && this.h.download(new Blob([statsToCsv(this.report)], { type: 'text/csv' }), 'rtclab-stats.csv'));
    json.addEventListener('click', () => this.report && this.h.download(new Blob([JSON.stringify(this.report, null, 1)], { type: 'application/json' }), 'rtclab-stats.json'));
    this.svg.addEventListener('click', (ev) => {
      const x = ev.clientX - this.svg.getBoundingClientRect().left;
      if (x < MARGIN.left) return;
      this.h.seek(this.x()(x));
    });
    new ResizeObserver(() => {
      const w = this.body.clientWidth;
      if (w > 0 && w !== this.width) {
        this.width = w;
        this.draw();
      }
    }).observe(this.body);
  }

  get open(): boolean {
    return !this.body.hidden;
  }

  get metric(): Metric {
    return this.metricSel.value as Metric;
  }

  setMetric(m: Metric): void {
    this.metricSel.value = m;
    this.draw();
  }

  setOpen(on: boolean): void {
    this.body.hidden = !on;
    this.toggle.textContent = on ? tr('statsOpen') : tr('statsClosed');
    this.toggle.setAttribute('aria-expanded', String(on));
    if (on && !this.report) this.ready = this.fetch();
    this.draw();
  }

  /** A new trace: its statistics are asked for when the graphs are (or get) opened. */
  loaded(end: number): void {
    this.generation++;
    this.end = end;
    this.report = undefined;
    this.computed = [];
    this.imported = [];
    this.importedNote = '';
    this.loading = undefined;
    this.note.textContent = '';
    if (this.open) this.ready = this.fetch();
  }

  /** getStats series placed on the trace's axis (webrtc-internals import), with what the alignment found. */
  setImported(series: GraphSeries[], note: string): void {
    this.imported = series;
    this.importedNote = note;
    this.draw();
  }

  private fetch(): Promise<void> {
    if (this.loading) return this.loading;
    const gen = this.generation;
    const bucketMs = bucketFor(this.end);
    this.note.textContent = 'computing…';
    this.loading = this.h.load(bucketMs).then((r) => {
      if (gen !== this.generation) return;
      this.report = r;
      this.computed = r ? seriesOf(r) : [];
      this.draw();
    });
    return this.loading;
  }

  /** The ladder drew: follow its time window and cursor. */
  follow(window: readonly [number, number] | undefined, cursor: number): void {
    if (window && window[1] > window[0]) this.window = [window[0], window[1]];
    this.cursor = cursor;
    if (this.open) this.draw();
  }

  private x(): (px: number) => number {
    const s = scaleLinear().domain(this.window).range([MARGIN.left, this.width - MARGIN.right]);
    return (px) => s.invert(px);
  }

  /** The series drawn for the current metric, hidden ones left out. */
  visibleSeries(): GraphSeries[] {
    return [...this.computed, ...this.imported].filter((s) => s.metric === this.metric && !this.hidden.has(s.id));
  }

  draw(): void {
    if (!this.open) return;
    const r = this.report;
    const metric = this.metric;
    const all = [...this.computed, ...this.imported].filter((s) => s.metric === metric);
    if (r) {
      this.note.textContent = `${r.bucketMs} ms buckets from ${r.streams.length} stream(s), ${r.pairs.length} pair(s)${this.importedNote ? ` · ${this.importedNote}` : ''}`;
      this.note.title = this.note.textContent;
    }
    const width = Math.max(200, this.width);
    const svg = select(this.svg).attr('width', width).attr('height', HEIGHT);
    svg.selectAll('*').remove();
    const x = scaleLinear().domain(this.window).range([MARGIN.left, width - MARGIN.right]);
    const shown = all.filter((s) => !this.hidden.has(s.id));
    let max = 0;
    for (const s of shown) for (const p of s.points) if (p.t >= this.window[0] && p.t <= this.window[1] && p.v > max) max = p.v;
    const y = scaleLinear()
      .domain([0, max > 0 ? max * 1.1 : 1])
      .range([HEIGHT - MARGIN.bottom, MARGIN.top]);
    svg
      .append('g')
      .attr('class', 'stats-axis')
      .attr('transform', `translate(0,${HEIGHT - MARGIN.bottom})`)
      .call(
        axisBottom(x)
          .ticks(Math.max(2, Math.floor(width / 110)))
          .tickFormat((d) => formatDuration(Math.round(Number(d)))),
      );
    svg.append('g').attr('class', 'stats-axis').attr('transform', `translate(${MARGIN.left},0)`).call(axisLeft(y).ticks(4).tickFormat(format('~s')));
    svg
      .append('text')
      .attr('class', 'stats-unit')
      .attr('x', 4)
      .attr('y', MARGIN.top + 8)
      .text(METRICS[metric].unit);
    const clip = svg.append('clipPath').attr('id', 'stats-clip').append('rect').attr('x', MARGIN.left).attr('y', 0).attr('width', width - MARGIN.left - MARGIN.right).attr('height', HEIGHT);
    void clip;
    const plot = svg.append('g').attr('clip-path', 'url(#stats-clip)');
    const path = line<GraphPoint>()
      .x((p) => x(p.t))
      .y((p) => y(p.v));
    all.forEach((s, i) => {
      if (this.hidden.has(s.id)) return;
      const colour = schemeTableau10[i % 10]!;
      plot
        .append('path')
        .attr('class', s.imported ? 'stats-line imported' : 'stats-line')
        .attr('data-series', s.id)
        .attr('fill', 'none')
        .attr('stroke', colour)
        .attr('stroke-width', 1.5)
        .attr('stroke-dasharray', s.imported ? '5 3' : null)
        .attr('d', path(s.points as GraphPoint[]));
      if (s.points.length === 1) plot.append('circle').attr('cx', x(s.points[0]!.t)).attr('cy', y(s.points[0]!.v)).attr('r', 2.5).attr('fill', colour);
    });
    const cx = x(this.cursor);
    if (cx >= MARGIN.left && cx <= width - MARGIN.right) svg.append('line').attr('class', 'stats-cursor').attr('data-testid', 'stats-cursor').attr('x1', cx).attr('x2', cx).attr('y1', MARGIN.top).attr('y2', HEIGHT - MARGIN.bottom);
    this.drawLegend(all);
  }

  private drawLegend(all: readonly GraphSeries[]): void {
    this.legend.replaceChildren();
    if (!all.length) {
      this.legend.append(el('span', { class: 'muted' }, this.report ? trf('statsNone', { what: tr(METRICS[this.metric].label) }) : tr('statsNotYet')));
      return;
    }
    all.forEach((s, i) => {
      const item = el('button', { class: `stats-key${this.hidden.has(s.id) ? ' off' : ''}`, title: trf('ttStatsKey', { id: `${s.id}${s.imported ? tr('ttImported') : ''}` }), 'data-series': s.id });
      const swatch = el('span', { class: `swatch${s.imported ? ' dashed' : ''}` });
      swatch.style.borderColor = schemeTableau10[i % 10]!;
      item.append(swatch, s.label);
      item.addEventListener('click', () => {
        if (this.hidden.has(s.id)) this.hidden.delete(s.id);
        else this.hidden.add(s.id);
        this.draw();
      });
      this.legend.append(item);
    });
  }
}
