import './compare-relations.css';
import { i18nAttrs, localize, tr, trf, type UiKey } from '../i18n.ts';
import { showValue, type CompareTerm, type DiffRow, type ScenarioChange } from '../model/compare.ts';
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
    const leave = el('button', { 'data-testid': 'compare-leave', ...i18nAttrs({ text: 'cmLeave', title: 'cmLeaveTitle' }) }, tr('cmLeave'));
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
    localize(this.root);
    this.aCaption.textContent = `A · ${c.a}`;
    this.bCaption.textContent = `B · ${c.b}`;
    this.head.textContent = trf('cmHead', { a: c.a, b: c.b });
    clear(this.diff);
    this.diff.append(el('h4', {}, tr('cmScenario')));
    if (!c.changes) this.diff.append(el('p', { class: 'muted' }, tr('cmCapture')));
    else if (c.changes.length === 0) this.diff.append(el('p', { class: 'muted' }, tr('cmSame')));
    else {
      this.diff.append(
        table(
          [tr('cmField'), 'A', 'B'],
          c.changes.map((x) => [x.path === 'seed (run)' ? tr('cmSeedRow') : x.path || tr('cmWhole'), showValue(x.a), showValue(x.b)]),
          'scenario-changes',
        ),
      );
    }
    if (c.unlinkable) this.diff.append(el('p', { class: 'muted small' }, trf('cmUnlinkable', { why: c.unlinkable })));
    const changed = c.rows.filter((r) => r.changed);
    const same = c.rows.filter((r) => !r.changed);
    this.diff.append(el('h4', {}, trf('cmOutcome', { changed: changed.length, n: c.rows.length })));
    if (changed.length) this.diff.append(table(['', tr('cmWhat'), 'A', 'B'], changed.map((r) => [tr(SECTIONS[r.section]), what(r), value(r.a), value(r.b)]), 'outcome-changes'));
    if (same.length) {
      this.diff.append(el('details', {}, el('summary', {}, trf('cmSameFacts', { n: same.length })), table(['', tr('cmWhat'), tr('cmBoth')], same.map((r) => [tr(SECTIONS[r.section]), what(r), value(r.a)]), 'outcome-same')));
    }
  }
}

const SECTIONS: Readonly<Record<DiffRow['section'], UiKey>> = {
  Outcome: 'cmSecOutcome',
  Timing: 'cmSecTiming',
  'ICE pairs': 'cmSecPairs',
  Packets: 'cmSecPackets',
  Drops: 'cmSecDrops',
  'NAT mappings': 'cmSecNat',
};

const TERMS: Readonly<Record<CompareTerm, UiKey>> = {
  run: 'cmRun',
  iceState: 'cmIceState',
  selected: 'cmSelected',
  selectedAt: 'cmSelectedAt',
  dtls: 'cmDtls',
  iceConnected: 'cmIceConnected',
  dtlsConnected: 'cmDtlsConnected',
  succeeded: 'cmSucceeded',
  failed: 'cmFailed',
  firstMedia: 'cmFirstMedia',
  lastEvent: 'cmLastEvent',
  datagrams: 'cmDatagrams',
  hops: 'cmHops',
  natCreated: 'cmNatCreated',
  natMappings: 'cmNatMappings',
};

/** A row's name in the page's language; a protocol or drop reason stays as the run says it. */
function what(r: DiffRow): string {
  return r.term ? trf(TERMS[r.term], { name: r.subject ?? '' }) : r.what;
}

/** "never" and "none" are the summary's words; everything else in a value is data. */
function value(v: string): string {
  return v === 'never' ? tr('cmNever') : v === 'none' ? tr('cmNone') : v;
}

function table(head: readonly string[], rows: readonly (readonly string[])[], testid: string): HTMLElement {
  const t = el('table', { class: 'compare-table', 'data-testid': testid });
  t.append(el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))));
  const body = el('tbody');
  for (const r of rows) body.append(el('tr', {}, ...r.map((x) => el('td', {}, x))));
  t.append(body);
  return t;
}
