import type { Hop } from '../../sim/core/trace.ts';
import type { CaptureAlert } from '../../sim/diagnosis/capture-facts.ts';
import { diagnose, type Diagnosis, type Evidence } from '../../sim/diagnosis/diagnose.ts';
import { alertDescriptionName } from '../../sim/wire/handshake/names.ts';
import type { PackedTrace as Packed } from '../model/packed.ts';
import { lang, onLang, tr, trf } from '../i18n.ts';
import { zhDetail, zhFinding } from '../i18n-diagnosis.ts';
import { quoted, subjectText } from '../i18n-reasons.ts';
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
    // a capture's own facts (its DTLS alerts with their sender, STUN/TURN errors and unanswered requests) join its notes
    this.diagnosis = diagnose({ meta: p.meta, nodes: p.nodes, links: p.links, hops: p.meta.source === 'capture' ? [] : hopsOf(p), notes: p.notes, ...(p.captureFacts ? { capture: p.captureFacts } : {}) });
    this.alerts = p.captureFacts?.alerts ?? [];
    this.draw();
  }

  /** The DTLS alerts a loaded capture shows (RFC 5246 §7.2), shown as facts beside the findings. */
  alerts: readonly CaptureAlert[] = [];

  private draw(): void {
    clear(this.root);
    this.root.append(el('h3', {}, tr('dgTitle')));
    const f = this.diagnosis.findings;
    // shown when something went wrong: a finding, or a fatal alert in a capture (a close_notify alone says nothing)
    if (f.length === 0 && !this.alerts.some((a) => a.level === 2)) {
      this.root.hidden = true;
      return;
    }
    this.root.hidden = false;
    const ul = el('ul', { class: 'diagnosis-list', 'data-testid': 'diagnosis-list' });
    for (const x of f) {
      // in Chinese, the headline and fix worded from the finding's figures; the English stays as the tooltip (and is
      // shown instead for a cause without a Chinese entry)
      const zh = lang() === 'zh' ? zhFinding(x) : undefined;
      const worded = zh && 'text' in zh ? zh : undefined;
      const li = el(
        'li',
        { class: `finding ${x.severity}`, 'data-cause': x.cause },
        el('div', {}, el('span', { class: `severity ${x.severity}` }, x.severity === 'failure' ? tr('dgFailure') : tr('dgDegraded')), ' ', el('code', { title: tr('dgCauseTitle') }, x.cause), ' ', el('span', { class: 'finding-subject', ...(lang() === 'zh' ? { title: x.subject } : {}) }, subjectText(x.subject))),
        el('div', { class: 'finding-text', ...(worded ? { title: x.text, lang: 'zh-Hans' } : {}), ...(zh && 'missing' in zh ? { 'data-untranslated': zh.missing } : {}) }, worded?.text ?? x.text),
        this.evidence(x.evidence),
      );
      li.append(el('div', { class: 'finding-fix' }, el('strong', {}, tr('dgFix')), el('span', { class: 'finding-fix-text', ...(worded ? { title: x.fix } : {}) }, worded?.fix ?? x.fix)));
      if (x.details.length) {
        // one line per pair (or drop group): folded, the finding and its fix stay in view
        const more = el('details', { class: 'finding-details' }, el('summary', {}, trf('dgDetails', { n: x.details.length })));
        for (const d of x.details.slice(0, 20)) {
          // in Chinese from the line's own figures when the finding has them (zhDetail), else by the reason patterns
          // (quoted); the English stays as the tooltip
          const zd = lang() === 'zh' ? zhDetail(x, d) : undefined;
          const line = zd && 'text' in zd ? zd.text : quoted(d.text);
          more.append(el('div', { class: 'finding-detail muted', ...(lang() === 'zh' ? { title: d.text } : {}), ...(zd && 'text' in zd ? { lang: 'zh-Hans' } : {}) }, `– ${line} `, this.evidence(d.evidence)));
        }
        li.append(more);
      }
      ul.append(li);
    }
    this.root.append(ul);
    if (this.alerts.length) this.root.append(this.alertFacts());
  }

  /** One line per DTLS alert of the capture: level, description (with its number), who sent it to whom, its hop. */
  private alertFacts(): HTMLElement {
    const box = el('div', { class: 'capture-facts', 'data-testid': 'diagnosis-alerts' }, el('div', { class: 'facts-title' }, trf('dgAlerts', { n: this.alerts.length })));
    for (const a of this.alerts.slice(0, 20)) {
      const level = a.level === 2 ? tr('dgAlertFatal') : a.level === 1 ? tr('dgAlertWarning') : String(a.level);
      const line = el(
        'div',
        { class: `alert-fact ${a.level === 2 ? 'fatal' : 'warning'}`, 'data-level': String(a.level), 'data-description': String(a.description) },
        el('span', { class: `severity ${a.level === 2 ? 'failure' : 'degradation'}` }, level),
        ' ',
        el('code', {}, `${alertDescriptionName(a.description)} (${a.description})`),
        ' ',
        trf('dgAlertFrom', { src: a.src, dst: a.dst }),
        ' ',
      );
      if (a.packet >= 0) line.append(this.evidence({ hops: [a.packet], notes: [] }));
      box.append(line);
    }
    return box;
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
