import { formatDuration } from '../../sim/core/time.ts';
import type { DtlsEndpointView } from '../model/dtls-state.ts';
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
      const what = f.what === 'sent' ? '→ sent' : f.what === 'retransmitted' ? '↻ retransmitted' : f.what === 'seen' ? '◆ seen' : '← from peer';
      table.append(el('tr', { 'data-what': f.what }, el('td', { class: 'muted' }, formatDuration(f.t)), el('td', {}, f.flight > 0 ? String(f.flight) : '·'), el('td', {}, what), el('td', {}, f.detail)));
    }
    box.append(table);
  }
  box.append(el('p', { 'data-testid': 'dtls-fingerprint' }, 'peer certificate sha-256 ', el('code', { style: 'word-break:break-all' }, e.peerFingerprint ?? '—'), el('br', {}), CHECK_TEXT[e.fingerprintCheck]));
  if (e.expectedFingerprint) box.append(el('p', {}, 'signaled ', el('code', { style: 'word-break:break-all' }, e.expectedFingerprint)));
  if (e.decryption) {
    // a capture read with a key log: decrypted (and the Finished messages checked), or the key did not fit
    const ok = e.decryption.outcome === 'ok';
    box.append(el('p', { 'data-testid': 'dtls-decryption', 'data-outcome': e.decryption.outcome, style: `color:${ok ? '#2e9e4f' : '#d0453a'}` }, `decryption: ${e.decryption.text}`));
  }
  for (const a of e.alerts) box.append(el('p', { style: 'color:#d0453a' }, a));
  return box;
}
