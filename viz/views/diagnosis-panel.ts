import type { Hop } from '../../sim/core/trace.ts';
import { diagnose, type Diagnosis, type Evidence } from '../../sim/diagnosis/diagnose.ts';
import type { PackedTrace as Packed } from '../model/packed.ts';
import { onLang, tr, trf } from '../i18n.ts';
import { clear, el } from './dom.ts';

/** What the panel asks of the page: select a hop on the ladder, or move the cursor to a note. */
export interface DiagnosisActions {
  selectHop(i: number): void;
  showNote(i: number): void;
}

/** The trace's hops as the diagnosis reads them, rebuilt from the page's packed arrays. */
function hopsOf(p: Packed): Hop[] {
  const out: Hop[] = [];
  for (let i = 0; i < p.n; i++) {
    const h: Hop = {
      index: i,
      t: p.t[i]!,
      arrive: p.arrive[i]!,
      link: p.linkNames[p.link[i]!] ?? '',
      from: p.lanes[p.from[i]!] ?? '',
      to: p.lanes[p.to[i]!] ?? '',
      bytes: p.bytes.subarray(p.offsets[i]!, p.offsets[i + 1]!),
      packet: p.packet[i]!,
    };
    if (p.drop[i]! >= 0) h.drop = p.dropReasons[p.drop[i]!];
    out.push(h);
  }
  return out;
}

/**
 * The Diagnosis panel: each finding of the loaded trace with its cause, what happened, what would have fixed it, and
 * its evidence as buttons that select the hop on the ladder or move the cursor to the note (sim/diagnosis).
 */
export class DiagnosisPanel {
  readonly root: HTMLElement;
  private for: Packed | undefined;
  diagnosis: Diagnosis = { findings: [] };

  constructor(
    host: HTMLElement,
    private readonly actions: DiagnosisActions,
  ) {
    this.root = el('section', { class: 'state-panel diagnosis-panel', 'data-testid': 'panel-diagnosis' });
    host.prepend(this.root);
    onLang(() => this.for && this.draw());
  }

  /** Diagnoses a newly loaded trace (once per trace) and draws the findings. */
  load(p: Packed): void {
    if (this.for === p) return;
    this.for = p;
    this.diagnosis = diagnose({ meta: p.meta, nodes: p.nodes, links: p.links, hops: p.meta.source === 'capture' ? [] : hopsOf(p), notes: p.notes });
    this.draw();
  }

  private draw(): void {
    clear(this.root);
    this.root.append(el('h3', {}, tr('dgTitle')));
    const f = this.diagnosis.findings;
    if (f.length === 0) {
      this.root.hidden = true;
      return;
    }
    this.root.hidden = false;
    const ul = el('ul', { class: 'diagnosis-list', 'data-testid': 'diagnosis-list' });
    for (const x of f) {
      const li = el(
        'li',
        { class: `finding ${x.severity}`, 'data-cause': x.cause },
        el('div', {}, el('span', { class: `severity ${x.severity}` }, x.severity === 'failure' ? tr('dgFailure') : tr('dgDegraded')), ' ', el('code', { title: tr('dgCauseTitle') }, x.cause), ' ', el('span', { class: 'finding-subject' }, x.subject)),
        el('div', { class: 'finding-text' }, x.text),
        this.evidence(x.evidence),
      );
      li.append(el('div', { class: 'finding-fix' }, el('strong', {}, tr('dgFix')), el('span', { class: 'finding-fix-text' }, x.fix)));
      if (x.details.length) {
        // one line per pair (or drop group): folded, the finding and its fix stay in view
        const more = el('details', { class: 'finding-details' }, el('summary', {}, trf('dgDetails', { n: x.details.length })));
        for (const d of x.details.slice(0, 20)) more.append(el('div', { class: 'finding-detail muted' }, `– ${d.text} `, this.evidence(d.evidence)));
        li.append(more);
      }
      ul.append(li);
    }
    this.root.append(ul);
  }

  private evidence(e: Evidence): HTMLElement {
    const box = el('span', { class: 'evidence' });
    const shown = 6;
    for (const h of e.hops.slice(0, shown)) {
      const b = el('button', { type: 'button', class: 'evidence-hop', title: trf('dgHopTitle', { n: h }) }, trf('dgHop', { n: h }));
      b.addEventListener('click', () => this.actions.selectHop(h));
      box.append(b);
    }
    if (e.hops.length > shown) box.append(el('span', { class: 'muted' }, trf('dgMoreHops', { n: e.hops.length - shown })));
    for (const n of e.notes.slice(0, shown)) {
      const b = el('button', { type: 'button', class: 'evidence-note', title: trf('dgNoteTitle', { n }) }, trf('dgNote', { n }));
      b.addEventListener('click', () => this.actions.showNote(n));
      box.append(b);
    }
    if (e.notes.length > shown) box.append(el('span', { class: 'muted' }, trf('dgMoreNotes', { n: e.notes.length - shown })));
    return box;
  }
}
