import type { TraceViews } from '../model/views-pass.ts';
import { i18nAttrs, onLang, tr, type UiKey } from '../i18n.ts';
import { clear, el } from './dom.ts';
import { renderSdpView } from './sdp-view.ts';
import { renderCertificates } from './cert-view.ts';
import { renderStreams } from './streams-view.ts';
import type { StatsReport } from '../../sim/stats/report.ts';
import './analysis.css';

export type AnalysisTab = 'sdp' | 'certs' | 'streams';

export interface AnalysisHost {
  /** The SDP exchanges (and the rest of the views) of the loaded trace, from the worker. */
  views(): Promise<TraceViews | { error: string }>;
  selectHop(hop: number): void;
  showNote(note: number): void;
  /** The packets' statistics (their stream analysis), from the worker. */
  stats(): Promise<StatsReport | undefined>;
  /** Applies a display filter to the list and selects the first packet it keeps. */
  showStream(filter: string): void;
}

const TABS: readonly { id: AnalysisTab; label?: UiKey; title: UiKey }[] = [
  { id: 'sdp', title: 'tabSdpTitle' },
  { id: 'certs', label: 'tabCerts', title: 'tabCertsTitle' },
  { id: 'streams', label: 'tabStreams', title: 'tabStreamsTitle' },
];

/**
 * The analysis panel docked on the right, over the state pane: SDP offer and answer side by side, certificates. Opened from the
 * header; it stays open while you click through it (a line selects its hop on the ladder and in the list).
 */
export class AnalysisPanel {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;
  private readonly tabs = new Map<AnalysisTab, HTMLButtonElement>();
  private tab: AnalysisTab = 'sdp';
  private data: Promise<TraceViews | { error: string }> | undefined;
  /** Bumped on each trace load: an answer for an older trace is dropped. */
  private generation = 0;

  constructor(mount: HTMLElement, buttons: HTMLElement, private readonly host: AnalysisHost) {
    this.body = el('div', { class: 'analysis-body', 'data-testid': 'analysis-body' });
    const head = el('div', { class: 'analysis-head' });
    for (const t of TABS) {
      const b = el('button', { class: 'tab', 'data-testid': `analysis-tab-${t.id}`, ...i18nAttrs({ title: t.title, ...(t.label ? { text: t.label } : {}) }) }, t.label ? tr(t.label) : 'SDP');
      b.addEventListener('click', () => this.show(t.id));
      this.tabs.set(t.id, b);
      head.append(b);
    }
    // one button in the header (it has no room for three at 1280 px): the panel opens on the tab last shown
    const open = el('button', { 'data-testid': 'open-analysis', ...i18nAttrs({ title: 'ttAnalysis', text: 'analysis' }) }, tr('analysis'));
    open.addEventListener('click', () => (this.open ? this.hide() : this.show(this.tab)));
    buttons.append(open);
    const close = el('button', { 'data-testid': 'analysis-close', ...i18nAttrs({ title: 'ttClose', aria: 'ttClose' }) }, '×');
    close.addEventListener('click', () => this.hide());
    head.append(el('span', { class: 'spacer' }), close);
    this.root = el('div', { class: 'analysis-panel', 'data-testid': 'analysis-panel', role: 'dialog', ...i18nAttrs({ aria: 'analysis' }), hidden: '' }, head, this.body);
    mount.append(this.root);
    // its tooltips in the new language
    onLang(() => this.open && void this.render());
  }

  get open(): boolean {
    return !this.root.hidden;
  }

  /** A new trace: what was computed is dropped; an open panel computes it again. */
  loaded(): void {
    this.generation++;
    this.data = undefined;
    if (this.open) void this.render();
  }

  hide(): void {
    this.root.hidden = true;
  }

  show(tab: AnalysisTab): Promise<void> {
    this.tab = tab;
    this.root.hidden = false;
    for (const [id, b] of this.tabs) b.classList.toggle('active', id === tab);
    return this.render();
  }

  private async render(): Promise<void> {
    const gen = this.generation;
    clear(this.body);
    this.body.append(el('p', { class: 'muted' }, 'computing…'));
    if (this.tab === 'streams') {
      const r = await this.host.stats();
      if (gen !== this.generation || (this.tab as AnalysisTab) !== 'streams') return;
      clear(this.body);
      this.body.append(renderStreams(r?.streams, (f) => this.host.showStream(f)));
      return;
    }
    this.data ??= this.host.views();
    const d = await this.data;
    if (gen !== this.generation || (this.tab as AnalysisTab) === 'streams') return;
    clear(this.body);
    if ('error' in d) {
      this.body.append(el('p', { class: 'muted' }, d.error));
      return;
    }
    const actions = { selectHop: (h: number) => this.host.selectHop(h), showNote: (n: number) => this.host.showNote(n) };
    this.body.append(this.tab === 'sdp' ? renderSdpView(d.sdp, actions) : renderCertificates(d.certificates, actions, d.hiddenCertificates));
  }
}
