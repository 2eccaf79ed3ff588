import { aggregate, aggregateCells, type AGGREGATE_COLUMNS, type Aggregate, type AggregateRow } from '../../sim/sweep/aggregate.ts';
import { aggregateCsv } from '../../sim/sweep/csv.ts';
import type { SweepRecord } from '../../sim/sweep/record.ts';
import { onLang, tr, trf, type UiKey } from '../i18n.ts';
import { defaultX, replayCommand, sweepPaths, sweepPlot, type SweepMeasure, type SweepPoint } from '../model/sweep-plot.ts';
import { clear, el } from './dom.ts';
import { drawSweepChart, seriesColour } from './sweep-chart.ts';
import './sweep-view.css';

/**
 * The sweep panel: a sweep's results file (`rtclab sweep … --out FILE`, JSON lines) dropped on the page shows as a
 * plot of the success rate (or ICE setup time, or media loss) against a grid parameter, one series per combination
 * of the others, with 95% intervals, above the same aggregate table the CLI prints. A point selects its row; a row
 * shows its failed seeds and the command that replays one. The trace loaded before stays as it was.
 */

const MEASURE_LABELS = { success: 'sweepSuccess', ice: 'sweepIce', mediaLoss: 'sweepLoss' } as const;
/** The page's names of AGGREGATE_COLUMNS, in its order. */
const COLUMN_LABELS = ['sweepColRuns', 'sweepColSuccess', 'sweepColIceMedian', 'sweepColIceMean', 'sweepColCallMedian', 'sweepColLoss', 'sweepColPair'] as const satisfies readonly UiKey[] & { length: (typeof AGGREGATE_COLUMNS)['length'] };

export interface SweepHost {
  download(blob: Blob, name: string): void;
}

export class SweepView {
  readonly root: HTMLElement;
  private readonly title: HTMLElement;
  private readonly xSelect: HTMLSelectElement;
  private readonly measureSelect: HTMLSelectElement;
  private readonly body: HTMLElement;
  private readonly button: HTMLButtonElement;
  private name = '';
  private records: readonly SweepRecord[] = [];
  private agg: Aggregate | undefined;
  private x: string | undefined;
  private measure: SweepMeasure = 'success';
  private selected: number | undefined;

  constructor(mount: HTMLElement, buttons: HTMLElement, private readonly host: SweepHost) {
    this.title = el('strong', { 'data-testid': 'sweep-title' });
    this.xSelect = el('select', { 'data-testid': 'sweep-x' });
    this.xSelect.addEventListener('change', () => {
      this.x = this.xSelect.value;
      this.render();
    });
    this.measureSelect = el('select', { 'data-testid': 'sweep-measure' });
    this.measureSelect.addEventListener('change', () => {
      this.measure = this.measureSelect.value as SweepMeasure;
      this.render();
    });
    // format names, the same in both languages (as the header's SVG and PNG)
    const svg = el('button', { 'data-testid': 'sweep-svg' }, 'SVG');
    svg.addEventListener('click', () => this.downloadSvg());
    const csv = el('button', { 'data-testid': 'sweep-csv' }, 'CSV');
    csv.addEventListener('click', () => this.downloadCsv());
    const close = el('button', { 'data-testid': 'sweep-close' }, '×');
    close.addEventListener('click', () => this.hide());
    const xLabel = el('label', {}, el('span', { 'data-i18n-sweep': 'sweepAcross' }), ' ', this.xSelect);
    const mLabel = el('label', {}, el('span', { 'data-i18n-sweep': 'sweepMeasure' }), ' ', this.measureSelect);
    const head = el('div', { class: 'sweep-head' }, this.title, el('span', { class: 'spacer' }), xLabel, mLabel, svg, csv, close);
    this.body = el('div', { class: 'sweep-body', 'data-testid': 'sweep-body' });
    this.root = el('div', { class: 'sweep-panel', 'data-testid': 'sweep-panel', role: 'dialog', hidden: '' }, head, this.body);
    mount.append(this.root);
    this.button = el('button', { 'data-testid': 'open-sweep', hidden: '' });
    this.button.addEventListener('click', () => (this.open ? this.hide() : this.reopen()));
    buttons.append(this.button);
    const texts = (): void => {
      this.button.textContent = tr('sweepButton');
      this.button.title = tr('sweepButtonTitle');
      svg.title = tr('sweepSvgTitle');
      csv.title = tr('sweepCsvTitle');
      close.title = tr('sweepClose');
      close.setAttribute('aria-label', tr('sweepClose'));
      for (const s of this.root.querySelectorAll<HTMLElement>('[data-i18n-sweep]')) s.textContent = tr(s.dataset.i18nSweep as 'sweepAcross' | 'sweepMeasure');
      if (this.agg && this.open) this.render();
    };
    texts();
    onLang(texts);
  }

  get open(): boolean {
    return !this.root.hidden;
  }

  hide(): void {
    this.root.hidden = true;
  }

  /** Shows a results file's records: the aggregate is computed here (the same code as the CLI's). */
  show(name: string, records: readonly SweepRecord[]): void {
    this.name = name;
    this.records = records;
    this.agg = aggregate(records);
    this.x = defaultX(this.agg);
    this.measure = 'success';
    this.selected = undefined;
    this.button.hidden = false;
    this.reopen();
  }

  private reopen(): void {
    if (!this.agg) return;
    this.root.hidden = false;
    this.render();
  }

  private render(): void {
    const a = this.agg;
    if (!a) return;
    this.title.textContent = trf('sweepTitle', { name: this.name, runs: a.runs, combos: a.rows.length }) + (a.duplicates ? trf('sweepDuplicates', { n: a.duplicates }) : '');
    const paths = sweepPaths(a);
    this.xSelect.replaceChildren(...paths.map((p) => el('option', { value: p }, p)));
    if (this.x !== undefined) this.xSelect.value = this.x;
    this.measureSelect.replaceChildren(...(Object.keys(MEASURE_LABELS) as SweepMeasure[]).map((m) => el('option', { value: m }, tr(MEASURE_LABELS[m]))));
    this.measureSelect.value = this.measure;
    clear(this.body);
    if (a.rows.length === 0 || this.x === undefined) {
      this.body.append(el('p', { class: 'muted' }, tr('sweepNoRows')));
      return;
    }
    const plot = sweepPlot(a, this.x, this.measure);
    const legend = el('div', { class: 'sweep-legend', 'data-testid': 'sweep-legend' });
    plot.series.forEach((s, i) => legend.append(el('span', { class: 'sweep-key' }, el('i', { style: `background:${seriesColour(i)}` }), s.label)));
    const width = Math.max(420, this.body.clientWidth - 24);
    const fmt = (v: number): string => (plot.unit === '%' ? `${v.toFixed(1)}%` : `${v.toFixed(1)} ms`);
    const chart = drawSweepChart(
      plot,
      width,
      Math.min(300, Math.max(200, Math.round(width * 0.34))),
      {
        xTitle: plot.x,
        yTitle: tr(MEASURE_LABELS[plot.measure]) + (plot.unit === 'ms' ? ' (ms)' : ''),
        pointTitle: (series, p) => trf('sweepPointTitle', { series, x: plot.x, value: fmt(p.value), low: fmt(p.low), high: fmt(p.high), runs: p.row.runs }),
      },
      (p) => this.pick(p),
    );
    const notes = el('p', { class: 'muted' }, tr('sweepInterval'));
    if (plot.missing > 0) notes.append(' ', trf('sweepMissing', { n: plot.missing }));
    // the table scrolls under the plot, which stays in view
    this.body.append(el('div', { class: 'sweep-top' }, legend, chart, notes), this.table(a, paths));
  }

  private pick(p: SweepPoint): void {
    this.selected = p.row.combo;
    for (const tr of this.body.querySelectorAll<HTMLTableRowElement>('tr[data-combo]')) {
      const on = tr.dataset.combo === String(p.row.combo);
      tr.classList.toggle('selected', on);
      if (on) tr.scrollIntoView({ block: 'nearest' });
    }
    for (const c of this.body.querySelectorAll<SVGCircleElement>('circle.sweep-point')) c.classList.toggle('selected', c.dataset.combo === String(p.row.combo));
  }

  private table(a: Aggregate, paths: readonly string[]): HTMLElement {
    const head = el('tr', {}, ...[...paths, ...COLUMN_LABELS.map((k) => tr(k)), tr('sweepFailedSeeds'), tr('sweepReplay')].map((h) => el('th', {}, h)));
    const rows = a.rows.map((r) => this.row(r, paths));
    return el('div', { class: 'sweep-table-wrap' }, el('table', { class: 'sweep-table', 'data-testid': 'sweep-table' }, el('thead', {}, head), el('tbody', {}, ...rows)));
  }

  private row(r: AggregateRow, paths: readonly string[]): HTMLTableRowElement {
    const failed = this.records
      .filter((x) => x.combo === r.combo && x.outcome !== 'connected' && x.outcome !== 'completed')
      .map((x) => x.seed)
      .filter((s, i, all) => all.indexOf(s) === i)
      .sort((p, q) => p - q);
    const seed = failed[0] ?? this.records.find((x) => x.combo === r.combo)?.seed ?? 1;
    const shown = failed.length > 8 ? `${failed.slice(0, 8).join(', ')}, … (${failed.length})` : failed.join(', ') || '-';
    const cmd = el('code', { class: 'sweep-cmd', title: tr('sweepReplayTitle') }, replayCommand(r, seed));
    const tr_ = el('tr', { 'data-combo': String(r.combo) }, ...aggregateCells(r, paths).map((c) => el('td', {}, c)), el('td', {}, shown), el('td', {}, cmd));
    if (this.selected === r.combo) tr_.classList.add('selected');
    return tr_;
  }

  private downloadSvg(): void {
    const svg = this.body.querySelector('svg.sweep-chart');
    if (!svg) return;
    const copy = svg.cloneNode(true) as SVGSVGElement;
    copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
    // the page's stylesheet does not travel with the file: the few styles the chart needs go inline
    const style = document.createElementNS('http://www.w3.org/2000/svg', 'style');
    style.textContent = 'text{font:11px system-ui,sans-serif;fill:#222}.grid line{stroke:#ddd}.sweep-ci line{stroke-width:1.2}';
    copy.prepend(style);
    this.host.download(new Blob([new XMLSerializer().serializeToString(copy)], { type: 'image/svg+xml' }), `${this.name.replace(/\.[^.]*$/, '')}-${this.measure}.svg`);
  }

  private downloadCsv(): void {
    const a = this.agg;
    if (!a) return;
    this.host.download(new Blob([aggregateCsv(a, sweepPaths(a))], { type: 'text/csv' }), `${this.name.replace(/\.[^.]*$/, '')}-aggregate.csv`);
  }
}
