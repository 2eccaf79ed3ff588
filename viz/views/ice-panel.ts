import { formatDuration } from '../../sim/core/time.ts';
import { PAIR_STATE_COLOURS, type IceAgentView, type IceCandidateView } from '../model/ice-state.ts';
import { tr, trf, type UiKey } from '../i18n.ts';
import { el } from './dom.ts';

/** One agent: connection state, its checklist (RFC 8445 §6.1.2) and its candidates with when each arrived. */
export function icePanel(a: IceAgentView): HTMLElement {
  const box = el('div', { class: 'ice-agent', 'data-testid': 'ice-agent', 'data-source': a.source });
  box.append(
    el('h4', {}, `${a.source} `, el('span', { class: 'muted' }, [a.role, a.lite ? 'lite' : ''].filter(Boolean).join(', '))),
    el('p', {}, tr('iceConnection'), el('strong', { 'data-testid': 'ice-state' }, a.state), a.stateReason ? el('span', { class: 'muted' }, ` (${a.stateReason})`) : '', trf('iceGathering', { state: a.gathering })),
  );
  if (a.pairs.length === 0) box.append(el('p', { class: 'muted' }, tr('noPairs')));
  else box.append(checklist(a));
  box.append(candidates(tr('localCandidates'), a.local), candidates(`${tr('remoteCandidates')}${a.remoteEndOfCandidates ? tr('endOfCandidates') : ''}`, a.remote));
  return box;
}

/**
 * The checklist as a fixed-layout table that fits the side panel: candidate types as short coloured tags, addresses
 * allowed to wrap, the 64-bit pair priority (§6.1.2.3) abbreviated with the full value in its tooltip, each row
 * marked with its state colour, and the nominated (✓) and selected (★) pairs called out.
 */
function checklist(a: IceAgentView): HTMLElement {
  const table = el('table', { class: 'ice-checklist', 'data-testid': 'ice-checklist' });
  table.append(
    el('colgroup', {}, el('col', { class: 'c-ends' }), el('col', { class: 'c-prio' }), el('col', { class: 'c-state' }), el('col', { class: 'c-flag' })),
    el('tr', {}, el('th', {}, `${tr('thLocal')} → ${tr('thRemote')}`), el('th', { title: tr('prioTitle') }, tr('thPrio')), el('th', {}, tr('thState')), el('th', { title: tr('flagsTitle') }, '')),
  );
  for (const p of a.pairs) {
    const colour = PAIR_STATE_COLOURS[p.state];
    const flags = `${p.nominated ? '✓' : ''}${p.selected ? '★' : ''}`;
    const row = el(
      'tr',
      {
        class: `pair state-${p.state}${p.selected ? ' selected' : ''}${p.nominated ? ' nominated' : ''}`,
        'data-state': p.state,
        ...(p.selected ? { 'data-selected': 'true' } : {}),
        style: `--state:${colour}`,
        title: `${p.id}${p.reason ? `: ${p.reason}` : ''}${p.nominated ? tr('ttNominated') : ''}${p.selected ? tr('ttSelectedPair') : ''}`,
      },
      // the local candidate over the remote one: each address gets the column's whole width, so a relay's
      // 198.51.100.10:49152 shows whole even beside a second ladder (compare mode at 1280 px)
      el('td', { class: 'ends' }, endpoint(p.localType, p.local), endpoint(p.remoteType, p.remote, '→ ')),
      el('td', { class: 'muted prio', title: trf('ttPriority', { p: p.priority }), 'data-priority': p.priority }, abbreviatePriority(p.priority)),
      el('td', { class: 'state', style: `color:${colour}` }, p.state),
      el('td', { class: 'flags', 'data-testid': p.selected ? 'ice-selected' : 'ice-unselected', ...(p.nominated ? { 'data-nominated': 'true' } : {}) }, flags),
    );
    table.append(row);
  }
  return table;
}

/** "srflx" tag and the address; the address text without the type word some notes put in front of it. */
function endpoint(type: string, address: string, lead = ''): HTMLElement {
  const t = type || /^(host|srflx|prflx|relay)\b/.exec(address)?.[1] || '';
  const addr = address.replace(/^(host|srflx|prflx|relay|udp|tcp)\s+/i, '');
  return el('span', { class: lead ? 'cand remote' : 'cand local' }, lead, ...(t ? [el('span', { class: `tag cand-${t}`, title: CANDIDATE_TYPES[t] ? tr(CANDIDATE_TYPES[t]!) : t }, t), ' '] : []), el('span', { class: 'addr', title: addr }, addr));
}

const CANDIDATE_TYPES: Readonly<Record<string, UiKey>> = { host: 'ttHost', srflx: 'ttSrflx', prflx: 'ttPrflx', relay: 'ttRelay' };

/** 19-digit priorities as three significant digits and a power of ten: "7.21e18". */
export function abbreviatePriority(p: string): string {
  if (!/^\d+$/.test(p) || p.length <= 7) return p;
  return `${p[0]}.${p.slice(1, 3)}e${p.length - 1}`;
}

function candidates(title: string, list: readonly IceCandidateView[]): HTMLElement {
  const box = el('details', { open: '' }, el('summary', {}, `${title}: ${list.length}`));
  const ul = el('ul', { class: 'ice-candidates' });
  for (const c of list) ul.append(el('li', {}, el('span', { class: 'muted' }, `${formatDuration(c.t)} `), endpoint(c.type, c.address), el('span', { class: 'muted' }, ` ${c.how}${c.priority !== undefined ? ` · ${c.priority}` : ''}`)));
  box.append(ul);
  return box;
}
