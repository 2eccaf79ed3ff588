import { formatDuration } from '../../sim/core/time.ts';
import type { Note } from '../../sim/core/trace.ts';
import { i18nAttrs, onLang, tr } from '../i18n.ts';
import { el, emptyState } from './dom.ts';

/** Rows drawn at most; a filter narrows a longer list. */
const MAX_ROWS = 5000;

/**
 * Every note of the trace, filterable by text and by family (the kind before its first dot): those after the
 * cursor are dimmed, the last one at or before it is marked, and a click moves the cursor to a note. The rows are
 * built when the trace or the filter changes; moving the cursor only restyles the rows it passes.
 */
export class EventList {
  readonly root: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly family: HTMLSelectElement;
  private readonly count: HTMLElement;
  private readonly list: HTMLUListElement;
  private notes: readonly Note[] = [];
  private readonly title: HTMLElement;
  /** Note index of each row, and each row. */
  private shown: number[] = [];
  private rows: HTMLLIElement[] = [];
  /** Rows [0, boundary) are at or before the cursor. */
  private boundary = -1;

  constructor(
    host: HTMLElement,
    private readonly select: (note: number) => void,
  ) {
    this.input = el('input', { type: 'search', placeholder: tr('phEvents'), ...i18nAttrs({ aria: 'ttEventFilter' }), 'data-testid': 'event-filter' });
    this.family = el('select', { ...i18nAttrs({ aria: 'ttEventFamily' }), 'data-testid': 'event-family' });
    this.count = el('span', { class: 'muted', 'data-testid': 'event-count' });
    this.list = el('ul', { class: 'event-log', 'data-testid': 'event-log' });
    this.root = el('section', { class: 'state-panel event-list' }, this.title = el('h3', {}, tr('eventsTitle')), el('div', { class: 'event-controls' }, this.input, this.family, this.count), this.list);
    host.append(this.root);
    onLang(() => {
      this.input.placeholder = tr('phEvents');
      this.title.textContent = tr('eventsTitle');
    });
    this.input.addEventListener('input', () => this.build());
    this.family.addEventListener('change', () => this.build());
    this.list.addEventListener('click', (ev) => {
      const li = (ev.target as HTMLElement).closest('li[data-note]');
      if (li) this.select(Number(li.getAttribute('data-note')));
    });
  }

  /** A trace's notes (same array: nothing rebuilt) and the cursor. */
  render(notes: readonly Note[], t: number): void {
    if (notes !== this.notes) {
      this.notes = notes;
      const families = [...new Set(notes.map((n) => n.kind.split('.')[0]!))].sort();
      const keep = this.family.value;
      this.family.replaceChildren(el('option', { value: '' }, 'all kinds'), ...families.map((f) => el('option', { value: f }, f)));
      this.family.value = families.includes(keep) ? keep : '';
      this.build();
    }
    this.update(t);
  }

  private build(): void {
    const q = this.input.value.trim().toLowerCase();
    const fam = this.family.value;
    this.shown = [];
    this.notes.forEach((n, i) => {
      if (fam && n.kind.split('.')[0] !== fam) return;
      if (q && !`${n.source} ${n.kind} ${n.text}`.toLowerCase().includes(q)) return;
      this.shown.push(i);
    });
    const total = this.shown.length;
    this.rows = this.shown.slice(0, MAX_ROWS).map((i) => {
      const n = this.notes[i]!;
      return el('li', { 'data-note': String(i), title: tr('ttMoveCursor') }, el('span', { class: 'muted' }, `${formatDuration(n.t)} ${n.source} `), el('span', { class: 'kind' }, n.kind), ` ${n.text}${n.inferred ? ' (inferred)' : ''}`);
    });
    this.list.replaceChildren(...this.rows);
    if (!this.notes.length) this.list.replaceChildren(emptyState(tr('noEvents'), tr('noEventsBody')));
    this.count.textContent = total > MAX_ROWS ? `first ${MAX_ROWS} of ${total}` : `${total} of ${this.notes.length}`;
    this.boundary = -1;
  }

  private update(t: number): void {
    // the rows at or before the cursor: the notes are in time order
    let b = 0;
    let hi = this.rows.length;
    while (b < hi) {
      const mid = (b + hi) >> 1;
      if (this.notes[this.shown[mid]!]!.t <= t) b = mid + 1;
      else hi = mid;
    }
    if (b === this.boundary) return;
    if (this.boundary < 0) this.rows.forEach((r, i) => r.classList.toggle('future', i >= b));
    else for (let i = Math.min(b, this.boundary); i < Math.max(b, this.boundary); i++) this.rows[i]!.classList.toggle('future', i >= b);
    this.rows[this.boundary - 1]?.classList.remove('current');
    this.rows[b - 1]?.classList.add('current');
    this.boundary = b;
  }
}
