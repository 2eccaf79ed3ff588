import { formatDuration } from '../../sim/core/time.ts';
import type { DtlsEndpointView, SrtpView } from '../model/dtls-state.ts';
import { el } from './dom.ts';

const STATE_COLOURS: Readonly<Record<string, string>> = { new: '#8a8f98', connecting: '#3b82f6', connected: '#2e9e4f', failed: '#d0453a', closed: '#8a8f98' };
const CHECK_TEXT: Readonly<Record<DtlsEndpointView['fingerprintCheck'], string>> = {
  pending: 'not checked yet (no certificate received)',
  verified: '✓ matches the a=fingerprint from signaling',
  mismatch: '✗ does not match the signaled fingerprint',
  unchecked: 'accepted unchecked (nothing signaled)',
};

/** One DTLS endpoint: role, state, flights in order, the peer certificate fingerprint check (RFC 8827 §6.5). */
export function dtlsPanel(e: DtlsEndpointView): HTMLElement {
  const box = el('div', { class: 'dtls-endpoint', 'data-testid': 'dtls-endpoint', 'data-source': e.source });
  box.append(
    el('h4', {}, `${e.source} `, el('span', { class: 'muted' }, e.role ? `DTLS ${e.role}` : 'role not decided')),
    el('p', {}, 'state ', el('strong', { 'data-testid': 'dtls-state', style: `color:${STATE_COLOURS[e.state] ?? 'inherit'}` }, e.state), e.stateReason ? el('span', { class: 'muted' }, ` (${e.stateReason})`) : '', e.cipherSuite ? ` · ${e.cipherSuite}` : ''),
  );
  if (e.flights.length > 0) {
    const table = el('table', { class: 'dtls-flights' });
    table.append(el('tr', {}, ...['at', 'flight', '', 'messages'].map((h) => el('th', {}, h))));
    for (const f of e.flights) {
      const what = f.what === 'sent' ? '→ sent' : f.what === 'retransmitted' ? '↻ retransmitted' : '← from peer';
      table.append(el('tr', { 'data-what': f.what }, el('td', { class: 'muted' }, formatDuration(f.t)), el('td', {}, String(f.flight)), el('td', {}, what), el('td', {}, f.detail)));
    }
    box.append(table);
  }
  box.append(el('p', { 'data-testid': 'dtls-fingerprint' }, 'peer certificate sha-256 ', el('code', { style: 'word-break:break-all' }, e.peerFingerprint ?? '—'), el('br', {}), CHECK_TEXT[e.fingerprintCheck]));
  if (e.expectedFingerprint) box.append(el('p', {}, 'signaled ', el('code', { style: 'word-break:break-all' }, e.expectedFingerprint)));
  for (const a of e.alerts) box.append(el('p', { style: 'color:#d0453a' }, a));
  return box;
}

/** SRTP for one endpoint: the DTLS-SRTP profile and the RFC 5764 §4.2 exported keys (shown: this is a lab). */
export function srtpPanel(source: string, s: SrtpView): HTMLElement {
  const box = el('div', { class: 'srtp-endpoint', 'data-testid': 'srtp-endpoint' });
  box.append(el('h4', {}, `${source} `, el('span', { class: 'muted' }, `keyed at ${formatDuration(s.keyedAt)}`)), el('p', {}, 'profile ', el('strong', {}, s.profile || '?'), s.sendsWith ? ` · sends with the ${s.sendsWith} write key` : ''));
  const keys: [string, string | undefined][] = [
    ['client_write_key', s.clientWriteKey],
    ['client_write_salt', s.clientWriteSalt],
    ['server_write_key', s.serverWriteKey],
    ['server_write_salt', s.serverWriteSalt],
  ];
  if (keys.some(([, v]) => v !== undefined)) {
    const table = el('table', { class: 'srtp-keys' });
    for (const [k, v] of keys) table.append(el('tr', {}, el('td', { class: 'muted' }, k), el('td', {}, el('code', {}, v ?? '—'))));
    box.append(table);
  } else box.append(el('p', { class: 'muted' }, 'Keys: exported but not in this trace’s secrets.'));
  for (const st of s.streams) box.append(el('p', {}, `ssrc ${st.ssrc}: `, Object.entries(st.counters).map(([k, v]) => `${k} ${v}`).join(', ')));
  return box;
}
