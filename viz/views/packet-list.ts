import { FIELDS } from '../../sim/dissect/filter/fields.ts';
import { formatFilterError, FilterError, tryCompileFilter } from '../../sim/dissect/filter/filter.ts';
import type { HopLabel, LabelCache } from '../model/labels.ts';
import { PROTOCOLS, type PackedTrace } from '../model/packed.ts';
import { protocolColour } from './colours.ts';
import { i18nAttrs, onLang, tr, trf, type UiKey } from '../i18n.ts';
import { quoted } from '../i18n-reasons.ts';
import { clear, el } from './dom.ts';
import { FOLLOW_CHOICES } from './follow-panel.ts';
import { cellText, gridTemplate, loadPrefs, savePrefs, sortHops, sortKey, type ColumnSpec, type ListPrefs } from './list-columns.ts';

const ROW = 22;

export interface ListFilter {
  proto: number;
  host: string;
  text: string;
  /** A display filter (docs/display-filters.md); empty for none. */
  display: string;
}

/**
 * The packet list: one row per hop (or per hop matching the filter), virtualized — only the rows in view exist
 * in the DOM, so a million rows scroll like ten. The filter itself runs in the worker.
 */
export class PacketList {
  readonly root: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rows: HTMLElement;
  private readonly count: HTMLElement;
  private readonly protoSel: HTMLSelectElement;
  private readonly hostIn: HTMLInputElement;
  private readonly textIn: HTMLInputElement;
  private readonly displayIn: HTMLInputElement;
  private readonly errorBox: HTMLElement;
  private readonly columnIn: HTMLInputElement;
  private readonly head: HTMLElement;
  private readonly prefs: ListPrefs = loadPrefs();
  /** Field columns' text for every hop, by field name (from the worker). */
  private readonly fieldValues = new Map<string, readonly string[]>();
  private p: PackedTrace | undefined;
  private labels: LabelCache | undefined;
  /** Hop indexes the filters select (capture order), or null for all. */
  private indices: Int32Array | null = null;
  /** The rows in the order shown (sorted), or null for `indices` as they are. */
  private order: Int32Array | null = null;
  /** Each shown hop's time since the previous shown hop (µs), by hop. */
  private delta = new Map<number, number>();
  selected = -1;
  cursor = 0;

  constructor(
    host: HTMLElement,
    private readonly onSelect: (hop: number) => void,
    private readonly onFilter: (f: ListFilter) => void,
    /** Asks for a field column's values (they come back through `setFieldValues`). */
    private readonly onColumn: (field: string) => void = () => undefined,
    /** Follow stream on the selected hop, as this kind ('auto': what its stream carries). */
    private readonly onFollow: (kind: string) => void = () => undefined,
  ) {
    this.protoSel = el('select', { ...i18nAttrs({ aria: 'ttProtoFilter' }), 'data-testid': 'filter-proto' });
    this.hostIn = el('input', { type: 'search', placeholder: tr('phHost'), ...i18nAttrs({ aria: 'ttHostFilter' }), 'data-testid': 'filter-host' });
    this.textIn = el('input', { type: 'search', placeholder: tr('phText'), ...i18nAttrs({ aria: 'ttTextFilter' }), 'data-testid': 'filter-text' });
    this.count = el('span', { class: 'muted' });
    this.displayIn = el('input', {
      type: 'text',
      class: 'display-filter',
      spellcheck: 'false',
      placeholder: tr('phDisplay'),
      ...i18nAttrs({ aria: 'ttDisplayFilter' }),
      'data-testid': 'filter-display',
      list: 'filter-fields',
    });
    this.columnIn = el('input', { type: 'text', spellcheck: 'false', placeholder: tr('phColumn'), ...i18nAttrs({ aria: 'ttAddColumn' }), 'data-testid': 'column-field', list: 'filter-fields' });
    const fields = el('datalist', { id: 'filter-fields' }, ...[...FIELDS.keys()].map((n) => el('option', { value: n })));
    this.errorBox = el('div', { class: 'filter-error', role: 'alert', 'data-testid': 'filter-error', hidden: '' });
    const bar = el('div', { class: 'filters' }, this.protoSel, this.hostIn, this.textIn, this.count);
    // each box in a form of its own: Enter submits it (applies the filter, adds the column), as in Wireshark
    const displayForm = el('form', { class: 'display-form' }, this.displayIn);
    const columnForm = el('form', { class: 'column-form' }, this.columnIn);
    const followKind = el('select', { ...i18nAttrs({ aria: 'fwKindAria', title: 'fwKindTitle' }), 'data-testid': 'follow-kind' }, ...FOLLOW_CHOICES.map((k) => el('option', { value: k }, k)));
    const follow = el('button', { 'data-testid': 'follow', ...i18nAttrs({ title: 'fwButtonTitle' }) }, tr('follow'));
    follow.addEventListener('click', () => this.onFollow(followKind.value));
    const bar2 = el('div', { class: 'filters' }, displayForm, columnForm, followKind, follow, fields);
    this.scroller = el('div', { class: 'list-scroll', tabindex: '0' });
    this.spacer = el('div', { class: 'list-spacer' });
    this.rows = el('div', { class: 'list-rows' });
    this.scroller.append(this.spacer, this.rows);
    this.head = el('div', { class: 'list-row list-head', 'data-testid': 'list-head' });
    this.root = el('div', { class: 'packet-list' }, bar, bar2, this.errorBox, this.head, this.scroller);
    host.append(this.root);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const changed = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => this.onFilter(this.currentFilter()), 150);
    };
    this.displayIn.value = this.prefs.filter;
    this.displayIn.addEventListener('input', () => this.checkDisplay());
    displayForm.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!this.checkDisplay()) return;
      this.prefs.filter = this.displayIn.value.trim();
      savePrefs(this.prefs);
      changed();
    });
    columnForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.addColumn(this.columnIn.value.trim());
    });
    this.protoSel.addEventListener('change', changed);
    this.hostIn.addEventListener('input', changed);
    this.textIn.addEventListener('input', changed);
    // the page's language: placeholders, the protocol menu's first entry, the column heads
    onLang(() => {
      this.hostIn.placeholder = tr('phHost');
      this.textIn.placeholder = tr('phText');
      this.displayIn.placeholder = tr('phDisplay');
      this.columnIn.placeholder = tr('phColumn');
      follow.textContent = tr('follow');
      const all = this.protoSel.querySelector('option[value="-1"]');
      if (all) all.textContent = tr('allProtocols');
      this.renderHead();
    });
    this.scroller.addEventListener('scroll', () => this.render());
    new ResizeObserver(() => this.render()).observe(this.scroller);
  }

  setTrace(p: PackedTrace, labels: LabelCache): void {
    this.p = p;
    this.labels = labels;
    this.indices = null;
    this.selected = -1;
    clear(this.protoSel);
    this.protoSel.append(el('option', { value: '-1' }, tr('allProtocols')));
    const present = new Set<number>();
    for (let i = 0; i < p.n; i++) present.add(p.proto[i]!);
    [...present].sort((a, b) => a - b).forEach((pr) => this.protoSel.append(el('option', { value: String(pr) }, PROTOCOLS[pr] ?? '?')));
    this.hostIn.value = '';
    this.textIn.value = '';
    this.scroller.scrollTop = 0;
    this.fieldValues.clear();
    this.order = null;
    this.computeDelta();
    this.renderHead();
    for (const c of this.prefs.columns) if (c.field) this.onColumn(c.field);
    // a saved display filter applies to the new trace
    if (this.prefs.filter && this.checkDisplay()) this.onFilter(this.currentFilter());
    this.render();
  }

  /** The filters as they stand (the display filter as last applied with Enter). */
  currentFilter(): ListFilter {
    return { proto: Number(this.protoSel.value), host: this.hostIn.value.trim(), text: this.textIn.value.trim(), display: this.prefs.filter };
  }

  /**
   * Puts a display filter in the box as if typed and applied (a stream's row, the address bar); false when it is not
   * valid: the box shows its caret error and the filter applied stays.
   */
  setDisplay(text: string): boolean {
    this.displayIn.value = text;
    if (!this.checkDisplay()) return false;
    this.prefs.filter = text.trim();
    savePrefs(this.prefs);
    return true;
  }

  /** Adds field columns (the address bar's); returns the names that are not fields. */
  addColumns(fields: readonly string[]): string[] {
    const bad = fields.filter((f) => !FIELDS.has(f));
    for (const f of fields) if (FIELDS.has(f)) this.addColumn(f);
    return bad;
  }

  setIndices(indices: Int32Array | null): void {
    this.indices = indices;
    this.computeDelta();
    this.resort();
    this.render();
  }

  /** The worker's verdict on the display filter: its error (the list keeps its rows), or none. */
  setFilterError(e: { message: string; pos: number; len: number } | undefined): void {
    if (e) this.showError(this.prefs.filter, new FilterError(e.message, e.pos, e.len));
    // the applied filter's answer does not hide the caret error of other text the box holds (a bad filter= link)
    else if (this.displayIn.value.trim() === this.prefs.filter) this.showError('', undefined);
  }

  /** A field column's values for every hop. */
  setFieldValues(field: string, values: readonly string[]): void {
    this.fieldValues.set(field, values);
    if (this.prefs.sort?.id === `field:${field}`) this.resort();
    this.render();
  }

  /** The columns shown, in order (for tests and the page's state). */
  get columns(): readonly ColumnSpec[] {
    return this.prefs.columns;
  }

  private checkDisplay(): boolean {
    const text = this.displayIn.value.trim();
    const r = text === '' ? undefined : tryCompileFilter(text);
    const bad = r !== undefined && 'error' in r;
    this.displayIn.classList.toggle('valid', r !== undefined && !bad);
    this.displayIn.classList.toggle('invalid', bad);
    this.showError(text, r && 'error' in r ? r.error : undefined);
    return !bad;
  }

  private showError(text: string, e: FilterError | undefined): void {
    clear(this.errorBox);
    this.errorBox.hidden = !e;
    if (e) this.errorBox.append(el('pre', {}, formatFilterError(text, e)));
  }

  private addColumn(field: string): void {
    if (!field) return;
    if (!FIELDS.has(field)) {
      this.showError(field, new FilterError(`"${field}" is not a field (docs/display-filters.md lists them)`, 0, field.length));
      return;
    }
    this.showError('', undefined);
    this.columnIn.value = '';
    if (!this.prefs.columns.some((c) => c.field === field)) {
      const at = this.prefs.columns.findIndex((c) => c.id === 'summary');
      this.prefs.columns.splice(at < 0 ? this.prefs.columns.length : at, 0, { id: `field:${field}`, title: field, width: 110, field });
      savePrefs(this.prefs);
      this.onColumn(field);
    }
    this.renderHead();
    this.render();
  }

  private removeColumn(id: string): void {
    this.prefs.columns = this.prefs.columns.filter((c) => c.id !== id);
    if (this.prefs.sort?.id === id) this.prefs.sort = undefined;
    savePrefs(this.prefs);
    this.resort();
    this.renderHead();
    this.render();
  }

  /** Each shown hop's time since the previous shown one, in capture order (Wireshark's "delta time displayed"). */
  private computeDelta(): void {
    this.delta = new Map();
    const p = this.p;
    if (!p) return;
    let prev = -1;
    const n = this.indices ? this.indices.length : p.n;
    for (let r = 0; r < n; r++) {
      const i = this.indices ? this.indices[r]! : r;
      this.delta.set(i, prev < 0 ? 0 : p.t[i]! - p.t[prev]!);
      prev = i;
    }
  }

  private resort(): void {
    const p = this.p;
    const s = this.prefs.sort;
    const col = s && this.prefs.columns.find((c) => c.id === s.id);
    if (!p || !s || !col || !this.labels) {
      this.order = null;
      return;
    }
    const labels = this.labels;
    const base = this.indices ?? Int32Array.from({ length: p.n }, (_, i) => i);
    this.order = sortHops(base, (i) => sortKey(col, i, p, () => labels.get(i), this.delta.get(i) ?? 0, this.fieldValues), s.dir);
  }

  private renderHead(): void {
    clear(this.head);
    this.head.style.gridTemplateColumns = gridTemplate(this.prefs.columns);
    for (const c of this.prefs.columns) {
      const sorted = this.prefs.sort?.id === c.id ? (this.prefs.sort.dir === 1 ? ' ▲' : ' ▼') : '';
      const cell = el('span', { class: 'col-head', 'data-col': c.id, title: c.field ? trf('ttSortField', { field: c.field }) : tr('ttSort') }, `${columnTitle(c)}${sorted}`);
      if (c.field) {
        const x = el('button', { class: 'col-remove', title: trf('ttRemoveColumn', { field: c.field }), 'data-testid': 'column-remove' }, '×');
        x.addEventListener('click', (e) => {
          e.stopPropagation();
          this.removeColumn(c.id);
        });
        cell.append(x);
      }
      const grip = el('span', { class: 'col-resize', 'data-testid': 'column-resize', title: tr('ttResize') });
      grip.addEventListener('pointerdown', (e) => this.resizeFrom(e, c));
      grip.addEventListener('click', (e) => e.stopPropagation());
      cell.append(grip);
      cell.addEventListener('click', () => {
        // ascending, descending, then capture order again
        const cur = this.prefs.sort;
        this.prefs.sort = cur?.id !== c.id ? { id: c.id, dir: 1 } : cur.dir === 1 ? { id: c.id, dir: -1 } : undefined;
        savePrefs(this.prefs);
        this.resort();
        this.renderHead();
        this.render();
      });
      this.head.append(cell);
    }
  }

  private resizeFrom(e: PointerEvent, c: ColumnSpec): void {
    e.preventDefault();
    e.stopPropagation();
    const x0 = e.clientX;
    const w0 = c.width;
    const move = (m: PointerEvent): void => {
      c.width = Math.max(24, Math.min(800, Math.round(w0 + m.clientX - x0)));
      this.head.style.gridTemplateColumns = gridTemplate(this.prefs.columns);
      this.render();
    };
    const up = (): void => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      savePrefs(this.prefs);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  private get length(): number {
    return this.order ? this.order.length : this.indices ? this.indices.length : (this.p?.n ?? 0);
  }

  private hopAtRow(r: number): number {
    return this.order ? this.order[r]! : this.indices ? this.indices[r]! : r;
  }

  /** The row a hop is shown on, or -1. */
  private rowOfHop(hop: number): number {
    if (this.order) return this.order.indexOf(hop);
    if (!this.indices) return hop;
    let lo = 0;
    let hi = this.indices.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.indices[m]! < hop) lo = m + 1;
      else hi = m;
    }
    return this.indices[lo] === hop ? lo : -1;
  }

  /** While a question waits: the summaries of rows after the cursor are hidden (the list must not tell the answer). */
  set hideFuture(on: boolean) {
    this.root.classList.toggle('hide-future', on);
  }

  /** Scrolls so the row of the last hop at or before time `t` is visible (the list follows the cursor). */
  revealTime(t: number): void {
    const p = this.p;
    if (!p || p.n === 0) return;
    let lo = 0;
    let hi = p.n;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (p.t[m]! <= t) lo = m + 1;
      else hi = m;
    }
    let hop = Math.max(0, lo - 1);
    if (this.order) return this.reveal(hop);
    if (this.indices) {
      // the last shown row at or before that hop
      let a = 0;
      let b = this.indices.length;
      while (a < b) {
        const m = (a + b) >>> 1;
        if (this.indices[m]! <= hop) a = m + 1;
        else b = m;
      }
      if (a === 0) return;
      hop = this.indices[a - 1]!;
    }
    this.reveal(hop);
  }

  /** Scrolls so the selected hop's row is visible. */
  reveal(hop: number): void {
    const r = this.rowOfHop(hop);
    if (r < 0) return;
    const top = r * ROW;
    const h = this.scroller.clientHeight;
    if (top < this.scroller.scrollTop || top + ROW > this.scroller.scrollTop + h) this.scroller.scrollTop = Math.max(0, top - h / 3);
    this.render();
  }

  render(): void {
    const p = this.p;
    const n = this.length;
    // Chromium caps element heights near 33.5M px; beyond that, rows map onto the scroll range proportionally.
    const full = n * ROW;
    const cap = 30_000_000;
    const ratio = full > cap ? full / cap : 1;
    this.spacer.style.height = `${Math.min(full, cap)}px`;
    this.count.textContent = p ? `${n.toLocaleString('en')} of ${p.n.toLocaleString('en')} hops` : '';
    clear(this.rows);
    if (!p || !this.labels) return;
    const top = this.scroller.scrollTop * ratio;
    const first = Math.max(0, Math.floor(top / ROW));
    // never more rows than a window can show, even if a layout ever lets the scroller grow to its content
    const visible = Math.ceil(Math.min(this.scroller.clientHeight, window.innerHeight) / ROW) + 2;
    this.rows.style.transform = `translateY(${this.scroller.scrollTop - (top - first * ROW)}px)`;
    const template = gridTemplate(this.prefs.columns);
    for (let r = first; r < Math.min(n, first + visible); r++) {
      const i = this.hopAtRow(r);
      const l = this.labels.get(i);
      const dropped = p.drop[i]! >= 0;
      const ctx = { p, label: l, delta: this.delta.get(i) ?? 0, fieldValues: this.fieldValues };
      const cells = this.prefs.columns.map((c) => {
        if (c.id === 'proto') {
          // a keyed label names the protocol the stateful dissection found (TLS where the keyless one sees TCP)
          const sw = el('span', { class: 'proto' }, l.keyed ? l.protocol : (PROTOCOLS[p.proto[i]!] ?? ''));
          sw.style.color = protocolColour(p.proto[i]!);
          return sw;
        }
        if (c.id === 'summary') return summaryCell(dropped ? trf('listDropped', { summary: l.summary, reason: quoted(p.dropReasons[p.drop[i]!]!) }) : l.summary, l);
        const text = cellText(c, i, ctx);
        return el('span', { 'data-col': c.id, title: text }, text);
      });
      const row = el('div', { class: `list-row${i === this.selected ? ' selected' : ''}${dropped ? ' dropped' : ''}${p.t[i]! > this.cursor ? ' future' : ''}`, 'data-hop': String(i) }, ...cells);
      row.style.gridTemplateColumns = template;
      row.addEventListener('click', () => this.onSelect(i));
      this.rows.append(row);
    }
  }
}

/**
 * The summary, marked when it came from the worker's keyed pass: a small "decrypted" tag for what the keys opened,
 * and in the tooltip where the text came from, so a learner sees what the key log revealed.
 */
function summaryCell(summary: string, l: HopLabel): HTMLElement {
  if (!l.keyed) return el('span', { class: 'summary', title: summary }, summary);
  const how = l.keyed.decrypted ? tr('ttDecryptedHow') : tr('ttStateHow');
  const cell = el('span', { class: 'summary', title: `${summary}\n(${how})`, 'data-keyed': l.keyed.decrypted ? 'decrypted' : 'state' });
  if (l.keyed.decrypted) {
    // words, not an emoji: a browser without an emoji font would draw an empty box
    cell.append(el('span', { class: 'keyed-tag', style: 'font-size:10px;border:1px solid currentColor;border-radius:3px;padding:0 3px;margin-right:5px;opacity:0.75' }, tr('keyedTag')));
  }
  cell.append(summary);
  return cell;
}

/** The built-in columns' heads in the page's language; a field column is titled by its field name. */
const COLUMN_TITLES: Readonly<Record<string, UiKey>> = { time: 'colTime', delta: 'colDelta', route: 'colRoute', proto: 'colProto', len: 'colLen', summary: 'colSummary' };
function columnTitle(c: ColumnSpec): string {
  const k = c.field ? undefined : COLUMN_TITLES[c.id];
  return k ? tr(k) : c.title;
}
