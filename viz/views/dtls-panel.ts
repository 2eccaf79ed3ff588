import { formatDuration } from '../../sim/core/time.ts';
import type { DtlsEndpointView } from '../model/dtls-state.ts';
import { tr, trf, type UiKey } from '../i18n.ts';
import { el } from './dom.ts';

const STATE_COLOURS: Readonly<Record<string, string>> = { new: '#8a8f98', connecting: '#3b82f6', connected: '#2e9e4f', failed: '#d0453a', closed: '#8a8f98' };
const CHECK_TEXT: Readonly<Record<DtlsEndpointView['fingerprintCheck'], UiKey>> = {
  pending: 'checkPending',
  verified: 'checkVerified',
  mismatch: 'checkMismatch',
  unchecked: 'checkUnchecked',
};
const FLIGHT_WHAT: Readonly<Record<string, UiKey>> = { sent: 'flightSent', retransmitted: 'flightRetransmitted', seen: 'flightSeen' };

/** "client 127.0.0.1:52097 · server 127.0.0.1:35027" from the dissector's inferred handshake notes, if they say. */
function capturedRoles(e: DtlsEndpointView): string | undefined {
  for (const f of [...e.flights].reverse()) {
    const m = /\(client ([^,]+), server ([^)]+)\)/.exec(f.detail);
    if (m) return `client ${m[1]} · server ${m[2]}`;
  }
  return undefined;
}

/** One DTLS endpoint: role, state, flights in order, the peer certificate fingerprint check (RFC 8827 §6.5). */
export function dtlsPanel(e: DtlsEndpointView): HTMLElement {
  const box = el('div', { class: 'dtls-endpoint', 'data-testid': 'dtls-endpoint', 'data-source': e.source });
  // a capture's association: its roles are read from the handshake ("client A, server B"), not from signaling
  const inferred = e.stateReason.startsWith('inferred from the capture');
  const roles = inferred ? capturedRoles(e) : undefined;
  box.append(
    el('h4', {}, `${e.source} `, el('span', { class: 'muted', 'data-testid': 'dtls-role' }, e.role ? `DTLS ${e.role}` : roles ? `DTLS ${roles}` : inferred ? tr('rolesNotSeen') : tr('roleNotDecided'))),
    el('p', {}, tr('dtlsStateLabel'), el('strong', { 'data-testid': 'dtls-state', style: `color:${STATE_COLOURS[e.state] ?? 'inherit'}` }, e.state), e.stateReason ? el('span', { class: 'muted' }, ` (${e.stateReason})`) : '', e.cipherSuite ? ` · ${e.cipherSuite}` : ''),
  );
  if (e.flights.length > 0) {
    const table = el('table', { class: 'dtls-flights' });
    table.append(el('tr', {}, ...[tr('thAt'), tr('thFlight'), '', tr('thMessages')].map((h) => el('th', {}, h))));
    for (const f of e.flights) {
      const what = tr(FLIGHT_WHAT[f.what] ?? 'flightFromPeer');
      table.append(el('tr', { 'data-what': f.what }, el('td', { class: 'muted' }, formatDuration(f.t)), el('td', {}, f.flight > 0 ? String(f.flight) : '·'), el('td', {}, what), el('td', {}, f.detail)));
    }
    box.append(table);
  }
  if (inferred && e.fingerprintCheck === 'pending') {
    // nothing was signaled in a capture, so nothing to check against; DTLS 1.2 certificates are readable as they are
    box.append(el('p', { 'data-testid': 'dtls-fingerprint' }, tr('captureCertificates')));
  } else box.append(el('p', { 'data-testid': 'dtls-fingerprint' }, tr('peerCertificate'), el('code', { style: 'word-break:break-all' }, e.peerFingerprint ?? '—'), el('br', {}), tr(CHECK_TEXT[e.fingerprintCheck])));
  if (e.expectedFingerprint) box.append(el('p', {}, tr('signaledFingerprint'), el('code', { style: 'word-break:break-all' }, e.expectedFingerprint)));
  if (e.decryption) {
    // a capture read with a key log: decrypted (and the Finished messages checked), or the key did not fit
    const ok = e.decryption.outcome === 'ok';
    box.append(el('p', { 'data-testid': 'dtls-decryption', 'data-outcome': e.decryption.outcome, style: `color:${ok ? '#2e9e4f' : '#d0453a'}` }, trf('decryption', { text: e.decryption.text })));
  }
  for (const a of e.alerts) box.append(el('p', { style: 'color:#d0453a' }, a));
  return box;
}
