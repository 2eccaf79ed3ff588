import { formatDuration } from '../../sim/core/time.ts';
import { PAIR_STATE_COLOURS, type IceAgentView, type IceCandidateView } from '../model/ice-state.ts';
import { el } from './dom.ts';

/** One agent: connection state, its checklist (RFC 8445 §6.1.2) and its candidates with when each arrived. */
export function icePanel(a: IceAgentView): HTMLElement {
  const box = el('div', { class: 'ice-agent', 'data-testid': 'ice-agent', 'data-source': a.source });
  box.append(
    el('h4', {}, `${a.source} `, el('span', { class: 'muted' }, [a.role, a.lite ? 'lite' : ''].filter(Boolean).join(', '))),
    el('p', {}, 'connection ', el('strong', { 'data-testid': 'ice-state' }, a.state), a.stateReason ? el('span', { class: 'muted' }, ` (${a.stateReason})`) : '', ` · gathering ${a.gathering}`),
  );
  if (a.pairs.length === 0) box.append(el('p', { class: 'muted' }, 'No candidate pairs yet: pairs form once both sides have candidates.'));
  else box.append(checklist(a));
  box.append(candidates('local candidates', a.local), candidates(`remote candidates${a.remoteEndOfCandidates ? ' (end of candidates)' : ''}`, a.remote));
  return box;
}

function checklist(a: IceAgentView): HTMLElement {
  const table = el('table', { class: 'ice-checklist', 'data-testid': 'ice-checklist' });
  table.append(el('tr', {}, ...['local', '→ remote', 'priority', 'state', 'nom.', 'sel.'].map((h) => el('th', {}, h))));
  for (const p of a.pairs) {
    const colour = PAIR_STATE_COLOURS[p.state];
    const row = el(
      'tr',
      { 'data-state': p.state, ...(p.selected ? { 'data-selected': 'true', style: 'font-weight:bold' } : {}), title: `${p.id}: ${p.reason}` },
      el('td', {}, `${p.localType} ${p.local.replace(/^\S+ /, '')}`),
      el('td', {}, `${p.remoteType} ${p.remote.replace(/^\S+ /, '')}`),
      el('td', { class: 'muted' }, p.priority),
      el('td', { class: 'state', style: `color:${colour}` }, `● ${p.state}`),
      el('td', {}, p.nominated ? '✓' : ''),
      el('td', { 'data-testid': p.selected ? 'ice-selected' : 'ice-unselected' }, p.selected ? '★' : ''),
    );
    table.append(row);
  }
  return table;
}

function candidates(title: string, list: readonly IceCandidateView[]): HTMLElement {
  const box = el('details', { open: '' }, el('summary', {}, `${title}: ${list.length}`));
  const ul = el('ul', { class: 'ice-candidates' });
  for (const c of list) ul.append(el('li', {}, el('span', { class: 'muted' }, `${formatDuration(c.t)} `), `${c.type} ${c.address}`, el('span', { class: 'muted' }, ` ${c.how}${c.priority !== undefined ? ` · ${c.priority}` : ''}`)));
  box.append(ul);
  return box;
}
