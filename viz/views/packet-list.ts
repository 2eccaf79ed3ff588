import { formatDuration } from '../../sim/core/time.ts';
import type { HopLabel, LabelCache } from '../model/labels.ts';
import { PROTOCOLS, type PackedTrace } from '../model/packed.ts';
import { protocolColour } from './colours.ts';
import { clear, el } from './dom.ts';

const ROW = 22;

export interface ListFilter {
  proto: number;
  host: string;
  text: string;
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
  private p: PackedTrace | undefined;
  private labels: LabelCache | undefined;
  /** Hop indexes shown, or null for all. */
  private indices: Int32Array | null = null;
  selected = -1;
  cursor = 0;

  constructor(
    host: HTMLElement,
    private readonly onSelect: (hop: number) => void,
    private readonly onFilter: (f: ListFilter) => void,
  ) {
    this.protoSel = el('select', { 'aria-label': 'Protocol filter', 'data-testid': 'filter-proto' });
    this.hostIn = el('input', { type: 'search', placeholder: 'host or address', 'aria-label': 'Host filter', 'data-testid': 'filter-host' });
    this.textIn = el('input', { type: 'search', placeholder: 'text in summary or drop reason', 'aria-label': 'Text filter', 'data-testid': 'filter-text' });
    this.count = el('span', { class: 'muted' });
    const bar = el('div', { class: 'filters' }, this.protoSel, this.hostIn, this.textIn, this.count);
    this.scroller = el('div', { class: 'list-scroll', tabindex: '0' });
    this.spacer = el('div', { class: 'list-spacer' });
    this.rows = el('div', { class: 'list-rows' });
    this.scroller.append(this.spacer, this.rows);
    const head = el('div', { class: 'list-row list-head' }, ...['#', 'time', 'from → to', 'proto', 'len', 'summary'].map((h) => el('span', {}, h)));
    this.root = el('div', { class: 'packet-list' }, bar, head, this.scroller);
    host.append(this.root);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const changed = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => this.onFilter({ proto: Number(this.protoSel.value), host: this.hostIn.value.trim(), text: this.textIn.value.trim() }), 150);
    };
    this.protoSel.addEventListener('change', changed);
    this.hostIn.addEventListener('input', changed);
    this.textIn.addEventListener('input', changed);
    this.scroller.addEventListener('scroll', () => this.render());
    new ResizeObserver(() => this.render()).observe(this.scroller);
  }

  setTrace(p: PackedTrace, labels: LabelCache): void {
    this.p = p;
    this.labels = labels;
    this.indices = null;
    this.selected = -1;
    clear(this.protoSel);
    this.protoSel.append(el('option', { value: '-1' }, 'all protocols'));
    const present = new Set<number>();
    for (let i = 0; i < p.n; i++) present.add(p.proto[i]!);
    [...present].sort((a, b) => a - b).forEach((pr) => this.protoSel.append(el('option', { value: String(pr) }, PROTOCOLS[pr] ?? '?')));
    this.hostIn.value = '';
    this.textIn.value = '';
    this.scroller.scrollTop = 0;
    this.render();
  }

  setIndices(indices: Int32Array | null): void {
    this.indices = indices;
    this.render();
  }

  private get length(): number {
    return this.indices ? this.indices.length : (this.p?.n ?? 0);
  }

  private hopAtRow(r: number): number {
    return this.indices ? this.indices[r]! : r;
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
    let r = hop;
    if (this.indices) {
      r = -1;
      let lo = 0;
      let hi = this.indices.length;
      while (lo < hi) {
        const m = (lo + hi) >>> 1;
        if (this.indices[m]! < hop) lo = m + 1;
        else hi = m;
      }
      if (this.indices[lo] === hop) r = lo;
    }
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
    for (let r = first; r < Math.min(n, first + visible); r++) {
      const i = this.hopAtRow(r);
      const l = this.labels.get(i);
      const dropped = p.drop[i]! >= 0;
      // a keyed label names the protocol the stateful dissection found (TLS where the keyless one sees TCP)
      const sw = el('span', { class: 'proto' }, l.keyed ? l.protocol : (PROTOCOLS[p.proto[i]!] ?? ''));
      sw.style.color = protocolColour(p.proto[i]!);
      const summary = dropped ? `${l.summary} — dropped: ${p.dropReasons[p.drop[i]!]}` : l.summary;
      const row = el(
        'div',
        { class: `list-row${i === this.selected ? ' selected' : ''}${dropped ? ' dropped' : ''}${p.t[i]! > this.cursor ? ' future' : ''}`, 'data-hop': String(i) },
        el('span', {}, String(i)),
        el('span', {}, formatDuration(p.t[i]!)),
        el('span', {}, `${p.lanes[p.from[i]!]} → ${p.lanes[p.to[i]!]}`),
        sw,
        el('span', {}, String(p.offsets[i + 1]! - p.offsets[i]!)),
        summaryCell(summary, l),
      );
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
  const how = l.keyed.decrypted ? 'decrypted with the key log' : "read with its stream's state (reassembly, the handshake so far)";
  const cell = el('span', { class: 'summary', title: `${summary}\n(${how})`, 'data-keyed': l.keyed.decrypted ? 'decrypted' : 'state' });
  if (l.keyed.decrypted) {
    // words, not an emoji: a browser without an emoji font would draw an empty box
    const tag = el('span', { class: 'keyed-tag' }, 'decrypted');
    Object.assign(tag.style, { fontSize: '10px', border: '1px solid currentColor', borderRadius: '3px', padding: '0 3px', marginRight: '5px', opacity: '0.75' });
    cell.append(tag);
  }
  cell.append(summary);
  return cell;
}
