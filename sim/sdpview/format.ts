import type { SdpExchange } from './collect.ts';
import type { SdpRowStatus } from './align.ts';
import type { CertificateView, HiddenCertificates } from './certs.ts';

/** The marks the text form puts before a row: what the difference is, at a glance. */
const MARK: Record<SdpRowStatus, string> = { same: ' ', kept: '+', rejected: '-', differs: '~', conflict: '!', 'offer-only': '<', 'answer-only': '>' };

const where = (s: { hops: readonly number[]; note?: number; via: string; from: string; to: string; t: number }): string =>
  `${s.from} → ${s.to} at ${(s.t / 1e6).toFixed(6)} s, ${s.hops[0] !== undefined ? `frame ${s.hops[0] + 1}` : s.note !== undefined ? `note #${s.note}` : 'no packet'} (${s.via})`;

/**
 * The exchanges as text, two columns of `width` characters each, one block per m-section with its negotiated
 * result; marks: + kept, - rejected, ~ differs, ! conflict, < offer only, > answer only.
 */
export function formatSdpExchanges(exchanges: readonly SdpExchange[], width = 60): string[] {
  const out: string[] = [];
  if (exchanges.length === 0) return ['no SDP offer or answer was seen'];
  const cut = (s: string | undefined): string => {
    const t = s ?? '';
    return (t.length > width ? `${t.slice(0, width - 1)}…` : t).padEnd(width);
  };
  exchanges.forEach((x, i) => {
    out.push(`SDP exchange ${i + 1}${x.view ? `, ${x.view}` : ''}`);
    for (const [label, s] of [['offer:  ', x.offer], ['answer: ', x.answer]] as const) {
      if (!s) continue;
      out.push(`  ${label}${where(s)}`);
      for (const v of s.also ?? []) out.push(`          also ${v}`);
      if (s.trickled?.length) out.push(`          ${s.trickled.length} candidate(s) trickled after it: ${s.trickled.map((c) => c.replace(/^candidate:\S+ \d+ (\w+) \d+ (\S+) (\d+) typ (\w+).*$/, '$4 $1 $2:$3')).join(', ')}`);
    }
    for (const r of x.rewrites) out.push(`  ! ${r}`);
    for (const p of x.comparison.problems) out.push(`  ! ${p}`);
    for (const b of x.comparison.blocks) {
      out.push(`  -- ${b.title}${b.result ? `: ${b.result}` : ''}`);
      for (const r of b.rows) out.push(`  ${MARK[r.status]} ${cut(r.offer)} | ${cut(r.answer)}${r.note ? `  ${r.note}` : ''}`.trimEnd());
    }
  });
  return out;
}

/** The JSON form: the exchanges as they are, frames numbered from 1 as in the packet list. */
export function sdpExchangesToJson(exchanges: readonly SdpExchange[]): unknown {
  const side = (s: SdpExchange['offer']): unknown =>
    s && { type: s.type, from: s.from, to: s.to, t: s.t / 1e6, via: s.via, frames: s.hops.map((h) => h + 1), ...(s.note !== undefined ? { note: s.note } : {}), ...(s.also?.length ? { also: s.also } : {}), ...(s.trickled?.length ? { trickled: s.trickled } : {}), sdp: s.sdp };
  return exchanges.map((x) => ({ ...(x.view ? { view: x.view } : {}), offer: side(x.offer), answer: side(x.answer), rewrites: x.rewrites, problems: x.comparison.problems, blocks: x.comparison.blocks }));
}

/** The certificates as text: one block each, the fields `openssl x509 -text` shows first, then the check. */
export function formatCertificates(rows: readonly CertificateView[], hidden: readonly HiddenCertificates[] = []): string[] {
  const out: string[] = [];
  if (rows.length === 0) out.push('no certificate was sent in the clear (DTLS 1.2, TLS 1.2) or opened with keys');
  for (const h of hidden) out.push(`${h.version} handshake ${h.client} → ${h.server}, frame ${h.hop + 1}: certificates not read: ${h.text}`);
  for (const r of rows) {
    out.push(`${r.version ?? r.protocol}${r.role ? ` ${r.role}` : ''} certificate from ${r.sender} to ${r.receiver}, frame ${r.hop + 1}${r.decrypted ? ' (decrypted with the key log)' : ''}`);
    const c = r.certificate;
    if ('error' in c) out.push(`  not readable: ${c.error}`, `  SHA-256:    ${c.sha256}`);
    else {
      out.push(
        `  subject:    ${c.subject}`,
        `  issuer:     ${c.issuer}${c.selfIssued ? ' (self-issued)' : ''}`,
        `  validity:   ${c.notBeforeText} – ${c.notAfterText}`,
        `  public key: ${c.publicKeyAlgorithm}${c.publicKeyBits !== undefined ? `, ${c.publicKeyBits} bit` : ''}${c.curve ? `, ${c.curve}` : ''}`,
        `  signature:  ${c.signatureAlgorithm}`,
        `  serial:     ${c.serial}`,
        `  SHA-256:    ${c.sha256}`,
      );
    }
    out.push(`  ${r.check.status}: ${r.check.text}`);
  }
  return out;
}
