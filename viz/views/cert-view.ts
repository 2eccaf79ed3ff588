import type { CertificateRow } from '../model/views-pass.ts';
import type { HiddenCertificates } from '../../sim/sdpview/certs.ts';
import { tr } from '../i18n.ts';
import { el } from './dom.ts';
import type { SdpViewActions } from './sdp-view.ts';

const STATUS = { match: '✓ matches the SDP', mismatch: '✗ does not match', unchecked: 'not checked' } as const;

function hopButton(hop: number, a: SdpViewActions, title: string): HTMLElement {
  const b = el('button', { class: 'link', 'data-testid': 'cert-hop', title }, `hop #${hop}`);
  b.addEventListener('click', () => a.selectHop(hop));
  return b;
}

function noteButton(note: number, a: SdpViewActions, title: string): HTMLElement {
  const b = el('button', { class: 'link', 'data-testid': 'cert-note', title }, `note #${note}`);
  b.addEventListener('click', () => a.showNote(note));
  return b;
}

/**
 * The certificates the handshakes sent, as `openssl x509 -text` reads them (subject, issuer, validity, key,
 * signature, serial, SHA-256), each with its check against the SDP's a=fingerprint; a mismatch names the diagnosis's
 * finding. The hop that carried the Certificate message and the SDP compared with are a click away.
 */
export function renderCertificates(rows: readonly CertificateRow[], a: SdpViewActions, hidden: readonly HiddenCertificates[] = []): HTMLElement {
  const root = el('div', { class: 'cert-view', 'data-testid': 'cert-view' });
  if (rows.length === 0) root.append(el('p', { class: 'muted' }, 'No certificate in this trace: none was sent in the clear (DTLS 1.2, TLS 1.2) or opened with keys.'));
  // 1.3 handshakes whose Certificate stayed encrypted: what would open it
  for (const h of hidden) {
    root.append(el('p', { class: 'cert-hidden muted', 'data-testid': 'cert-hidden' }, el('strong', {}, `${h.version} handshake ${h.client} → ${h.server} `), hopButton(h.hop, a, tr('ttCertHop')), `: certificates not read: ${h.text}`));
  }
  for (const r of rows) {
    const box = el('section', { class: `cert ${r.check.status}`, 'data-testid': 'cert', 'data-status': r.check.status });
    box.append(el('h4', {}, `${r.version ?? r.protocol}${r.role ? ` ${r.role}` : ''} certificate from ${r.sender} to ${r.receiver} `, hopButton(r.hop, a, tr('ttCertHop')), r.decrypted ? el('span', { class: 'muted', 'data-testid': 'cert-decrypted' }, ' decrypted with the key log') : ''));
    const c = r.certificate;
    const table = el('table', { class: 'cert-fields' });
    const row = (k: string, v: string): void => void table.append(el('tr', {}, el('th', {}, k), el('td', { 'data-field': k }, v)));
    if ('error' in c) {
      row('error', c.error);
      row('SHA-256', c.sha256);
    } else {
      row('subject', c.subject);
      row('issuer', `${c.issuer}${c.selfIssued ? ' (self-issued)' : ''}`);
      row('validity', `${c.notBeforeText} – ${c.notAfterText}`);
      row('public key', `${c.publicKeyAlgorithm}${c.publicKeyBits !== undefined ? `, ${c.publicKeyBits} bit` : ''}${c.curve ? `, ${c.curve}` : ''}`);
      row('signature', c.signatureAlgorithm);
      row('serial', c.serial);
      row('SHA-256', c.sha256);
    }
    if (r.senders.length > 1) row('seen from', r.senders.join(', '));
    box.append(table);
    const check = el('p', { class: 'cert-check', 'data-testid': 'cert-check' }, el('strong', {}, STATUS[r.check.status]), `: ${r.check.text} `);
    if (r.check.sdp?.hop !== undefined) check.append(hopButton(r.check.sdp.hop, a, tr('ttCertSdp')));
    else if (r.check.sdp?.note !== undefined) check.append(noteButton(r.check.sdp.note, a, tr('ttCertSdpNote')));
    else if (r.check.note !== undefined) check.append(noteButton(r.check.note, a, tr('ttCertCheck')));
    box.append(check);
    if (r.finding) box.append(el('p', { class: 'cert-finding', 'data-testid': 'cert-finding' }, el('strong', {}, `Diagnosis ${r.finding.cause}: `), r.finding.text, el('br', {}), `Fix: ${r.finding.fix}`));
    root.append(box);
  }
  return root;
}
