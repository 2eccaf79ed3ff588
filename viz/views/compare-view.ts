import './compare-relations.css';
import { showValue, type DiffRow, type ScenarioChange } from '../model/compare.ts';
import { clear, el } from './dom.ts';

/** What the diff pane shows: the two runs' names, the scenario changes and the outcome rows. */
export interface CompareContent {
  readonly a: string;
  readonly b: string;
  /** Undefined when a side has no scenario (a capture). */
  readonly changes: readonly ScenarioChange[] | undefined;
  readonly rows: readonly DiffRow[];
  /** Why the URL cannot reproduce this comparison, when it cannot. */
  readonly unlinkable?: string;
}

/**
 * The compare layout: a diff pane over two ladders side by side (A left, B right). It re-parents the app's ladder
 * host next to A's while comparing and puts it back on leaving. Every string goes in as text.
 */
export class CompareView {
  readonly root: HTMLElement;
  readonly aHost: HTMLElement;
  private readonly row: HTMLElement;
  private readonly diff: HTMLElement;
  private readonly head: HTMLElement;
  private readonly aCaption: HTMLElement;
  private readonly bCaption: HTMLElement;
  private home: { parent: Node; next: Node | null } | undefined;

  constructor(
    private readonly bHost: HTMLElement,
    onLeave: () => void,
  ) {
    const leave = el('button', { 'data-testid': 'compare-leave', title: 'Back to the single view of run B' }, 'Leave compare');
    leave.addEventListener('click', onLeave);
    this.head = el('div', { class: 'compare-title' });
    this.diff = el('div', { class: 'compare-diff', 'data-testid': 'compare-diff' });
    this.root = el('section', { class: 'compare-pane', 'data-testid': 'compare' }, el('div', { class: 'compare-head' }, this.head, leave), this.diff);
    this.aHost = el('div', { class: 'ladder compare-a', 'data-testid': 'ladder-a' });
    this.aCaption = el('div', { class: 'compare-caption' });
    this.bCaption = el('div', { class: 'compare-caption' });
    this.aHost.append(this.aCaption);
    this.row = el('div', { class: 'compare-ladders' }, this.aHost);
  }

  get active(): boolean {
    return this.home !== undefined;
  }

  /** Enters the layout: diff pane and A's ladder host before B's, B's host moved beside A's. */
  enter(): void {
    if (this.home) return;
    this.home = { parent: this.bHost.parentNode!, next: this.bHost.nextSibling };
    this.bHost.parentNode!.insertBefore(this.root, this.bHost);
    this.root.after(this.row);
    this.row.append(this.bHost);
    this.bHost.append(this.bCaption);
    this.bHost.closest('main')?.classList.add('comparing');
  }

  leave(): void {
    if (!this.home) return;
    this.home.parent.insertBefore(this.bHost, this.home.next);
    this.bCaption.remove();
    this.root.remove();
    this.row.remove();
    this.bHost.closest('main')?.classList.remove('comparing');
    this.home = undefined;
  }

  render(c: CompareContent): void {
    this.aCaption.textContent = `A · ${c.a}`;
    this.bCaption.textContent = `B · ${c.b}`;
    this.head.textContent = `Comparing A: ${c.a}  ·  B: ${c.b}`;
    clear(this.diff);
    this.diff.append(el('h4', {}, 'Scenario'));
    if (!c.changes) this.diff.append(el('p', { class: 'muted' }, 'One side is a capture: there is no scenario to compare.'));
    else if (c.changes.length === 0) this.diff.append(el('p', { class: 'muted' }, 'Same scenario and seed. Change it in the Scenario tab and re-run: the new run becomes B.'));
    else {
      this.diff.append(
        table(
          ['field', 'A', 'B'],
          c.changes.map((x) => [x.path || '(whole scenario)', showValue(x.a), showValue(x.b)]),
          'scenario-changes',
        ),
      );
    }
    if (c.unlinkable) this.diff.append(el('p', { class: 'muted small' }, `This comparison cannot be put in a link: ${c.unlinkable}`));
    const changed = c.rows.filter((r) => r.changed);
    const same = c.rows.filter((r) => !r.changed);
    this.diff.append(el('h4', {}, `Outcome: ${changed.length} of ${c.rows.length} facts differ`));
    if (changed.length) this.diff.append(table(['', 'what', 'A', 'B'], changed.map((r) => [r.section, r.what, r.a, r.b]), 'outcome-changes'));
    if (same.length) {
      this.diff.append(el('details', {}, el('summary', {}, `${same.length} facts are the same`), table(['', 'what', 'A and B'], same.map((r) => [r.section, r.what, r.a]), 'outcome-same')));
    }
  }
}

function table(head: readonly string[], rows: readonly (readonly string[])[], testid: string): HTMLElement {
  const t = el('table', { class: 'compare-table', 'data-testid': testid });
  t.append(el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))));
  const body = el('tbody');
  for (const r of rows) body.append(el('tr', {}, ...r.map((x) => el('td', {}, x))));
  t.append(body);
  return t;
}
