import type { SdpRowStatus } from '../../sim/sdpview/align.ts';
import type { SdpExchange, SeenSdp } from '../../sim/sdpview/collect.ts';
import { tr, trf, type UiKey } from '../i18n.ts';
import { el } from './dom.ts';

/** Where a click on a line of the SDP view goes: the hop that carried the description, or the note that sent it. */
export interface SdpViewActions {
  selectHop(hop: number): void;
  showNote(note: number): void;
}

const MARK: Record<SdpRowStatus, string> = { same: '', kept: '✓', rejected: '✗', differs: '≠', conflict: '!', 'offer-only': '◀', 'answer-only': '▶' };
const TITLE: Record<SdpRowStatus, UiKey> = {
  same: 'sdpSame',
  kept: 'sdpKept',
  rejected: 'sdpRejected',
  differs: 'sdpDiffers',
  conflict: 'sdpConflict',
  'offer-only': 'sdpOfferOnly',
  'answer-only': 'sdpAnswerOnly',
};

function carrier(s: SeenSdp, a: SdpViewActions): HTMLElement {
  const at = `${(s.t / 1e6).toFixed(6)} s`;
  if (s.hops[0] !== undefined) {
    const hop = s.hops[0];
    const b = el('button', { class: 'link', 'data-testid': 'sdp-hop', title: trf('ttSdpHop', { hop, n: s.hops.length }) }, `hop #${hop}`);
    b.addEventListener('click', () => a.selectHop(hop));
    return el('span', {}, `${s.from} → ${s.to} at ${at} via ${s.via} `, b);
  }
  if (s.note !== undefined) {
    const note = s.note;
    const b = el('button', { class: 'link', 'data-testid': 'sdp-note', title: tr('ttSdpNote') }, `note #${note}`);
    b.addEventListener('click', () => a.showNote(note));
    return el('span', {}, `${s.from} → ${s.to} at ${at} via ${s.via} `, b);
  }
  return el('span', {}, `${s.from} → ${s.to} at ${at} (${s.via})`);
}

/** Where else the same text was seen (a webrtc-internals dump's events), and the candidates trickled after it. */
function elsewhere(s: SeenSdp): HTMLElement[] {
  const out: HTMLElement[] = [];
  for (const v of s.also ?? []) out.push(el('div', { class: 'sdp-also muted', 'data-testid': 'sdp-also' }, `also ${v}`));
  if (s.trickled?.length) {
    const d = el('details', { class: 'sdp-trickled', 'data-testid': 'sdp-trickled' }, el('summary', {}, `${s.trickled.length} candidate${s.trickled.length === 1 ? '' : 's'} trickled after it (RFC 8838)`));
    for (const c of s.trickled) d.append(el('div', { class: 'sdp-line' }, `a=${c}`));
    out.push(d);
  }
  return out;
}

/** Goes where the side's description came from. */
function go(s: SeenSdp | undefined, a: SdpViewActions): void {
  if (!s) return;
  if (s.hops[0] !== undefined) a.selectHop(s.hops[0]);
  else if (s.note !== undefined) a.showNote(s.note);
}

/**
 * The offers and answers side by side: one table per exchange, one block per m-section with its negotiated
 * result, each offer line beside its answer line, marked (✓ kept, ✗ rejected, ≠ differs, ! conflict, ◀ ▶ one side
 * only) and explained; a click on a line selects the hop that carried that side's description.
 */
export function renderSdpView(exchanges: readonly SdpExchange[], a: SdpViewActions): HTMLElement {
  const root = el('div', { class: 'sdp-view', 'data-testid': 'sdp-view' });
  if (exchanges.length === 0) {
    root.append(el('p', { class: 'muted' }, 'No SDP offer or answer in this trace: none was carried by signaling the dissector reads (JSEP over WebSocket or HTTP, Janus, protoo, SIP) nor sent through a signaling hub.'));
    return root;
  }
  exchanges.forEach((x, i) => {
    const box = el('section', { class: 'sdp-exchange', 'data-testid': 'sdp-exchange' });
    box.append(el('h4', {}, `Exchange ${i + 1}${x.view ? `, ${x.view}` : ''}`));
    const sides = el('div', { class: 'sdp-sides' });
    if (x.offer) sides.append(el('div', {}, el('strong', {}, 'offer: '), carrier(x.offer, a)), ...elsewhere(x.offer));
    if (x.answer) sides.append(el('div', {}, el('strong', {}, 'answer: '), carrier(x.answer, a)), ...elsewhere(x.answer));
    box.append(sides);
    const problems = [...x.rewrites, ...x.comparison.problems];
    if (problems.length) box.append(el('ul', { class: 'sdp-problems', 'data-testid': 'sdp-problems' }, ...problems.map((p) => el('li', {}, p))));
    const table = el('table', { class: 'sdp-table' });
    table.append(el('thead', {}, el('tr', {}, el('th', {}, ''), el('th', {}, 'offer'), el('th', {}, 'answer'), el('th', {}, 'meaning'))));
    const body = el('tbody', {});
    for (const b of x.comparison.blocks) {
      body.append(el('tr', { class: 'sdp-block' }, el('th', { colspan: '4' }, b.title, b.result ? el('span', { class: 'sdp-result', 'data-testid': 'sdp-result' }, ` ${b.result}`) : '')));
      for (const r of b.rows) {
        const offer = el('td', { class: 'sdp-line', title: x.offer ? tr('ttSdpOffer') : '' }, r.offer ?? '');
        const answer = el('td', { class: 'sdp-line', title: x.answer ? tr('ttSdpAnswer') : '' }, r.answer ?? '');
        if (r.offer !== undefined) offer.addEventListener('click', () => go(x.offer, a));
        if (r.answer !== undefined) answer.addEventListener('click', () => go(x.answer, a));
        // the difference's meaning first; else what the line is for, muted
        const meaning = r.note ? el('td', { class: 'sdp-note' }, r.note) : el('td', { class: 'sdp-note sdp-explain' }, r.explain ?? '');
        body.append(el('tr', { class: `sdp-row ${r.status}`, 'data-key': r.key, 'data-status': r.status, ...(r.explain ? { title: r.explain } : {}) }, el('td', { class: 'sdp-mark', title: tr(TITLE[r.status]) }, MARK[r.status]), offer, answer, meaning));
      }
    }
    table.append(body);
    box.append(table);
    root.append(box);
  });
  return root;
}
