import { formatDuration, type Micros } from '../../sim/core/time.ts';
import type { SrtpView } from '../model/dtls-state.ts';
import { srtpCountersAt, type SrtpCounters, type SrtpStream, type SrtpStreamTable } from '../model/srtp-streams.ts';
import { tr, trf } from '../i18n.ts';
import { el } from './dom.ts';

/** SRTP for one endpoint: the DTLS-SRTP profile and the RFC 5764 §4.2 exported keys (shown: this is a lab). */
export function srtpKeysPanel(source: string, s: SrtpView): HTMLElement {
  const box = el('div', { class: 'srtp-endpoint', 'data-testid': 'srtp-endpoint' });
  box.append(el('h4', {}, `${source} `, el('span', { class: 'muted' }, trf('keyedAt', { t: formatDuration(s.keyedAt) }))), el('p', {}, tr('profile'), el('strong', {}, s.profile || '?'), s.sendsWith ? trf('sendsWith', { key: s.sendsWith }) : ''));
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
  } else box.append(el('p', { class: 'muted' }, tr('keysNotInTrace')));
  return box;
}

const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const kb = (n: number): string => (n >= 10_240 ? `${(n / 1024).toFixed(0)} KiB` : `${n} B`);

/**
 * Per-stream counters at the cursor (RFC 3711 protect/unprotect, RFC 3550 §6.4.1 cumulative loss): one card per
 * SSRC and direction, so a learner sees what was sent protected, what the receiver could open, and what failed.
 */
export function srtpStreamsPanel(table: SrtpStreamTable | undefined, t: Micros): HTMLElement {
  const box = el('div', { class: 'srtp-streams', 'data-testid': 'srtp-streams' });
  if (!table) {
    box.append(el('p', { class: 'muted' }, tr('countingStreams')));
    return box;
  }
  const rows = srtpCountersAt(table, t);
  if (table.streams.length === 0) return box;
  box.append(el('h4', {}, tr('streams'), el('span', { class: 'muted' }, table.decrypted ? tr('streamsDecrypted') : tr('streamsHeadersOnly'))));
  if (rows.length === 0) box.append(el('p', { class: 'muted' }, tr('noSrtpYet')));
  for (const { stream, counters, lastAt } of rows) box.append(streamCard(stream, counters, lastAt));
  return box;
}

function streamCard(s: SrtpStream, c: SrtpCounters, lastAt: Micros): HTMLElement {
  const failed = c.authFailures > 0 || c.replayDrops > 0;
  const card = el('div', { class: `srtp-stream${failed ? ' failing' : ''}`, 'data-testid': 'srtp-stream', 'data-ssrc': hex8(s.ssrc), 'data-kind': s.kind });
  card.append(
    el('div', { class: 'srtp-stream-head' }, el('span', { class: `tag media-${s.media}` }, s.media), ` ${s.kind} ssrc `, el('code', {}, hex8(s.ssrc)), el('span', { class: 'muted' }, ` ${s.from} → ${s.to || '?'}${s.payloadType !== undefined ? ` · PT ${s.payloadType}` : ''}`)),
  );
  const cell = (label: string, value: string, key: string, title: string): HTMLElement[] => [el('dt', { title }, label), el('dd', { 'data-counter': key }, value)];
  card.append(
    el(
      'dl',
      { class: 'srtp-counters' },
      ...cell(tr('cProtected'), `${c.protectedPackets} · ${kb(c.protectedBytes)}`, 'protected', tr('ttSrtpProtected')),
      ...cell(tr('cUnprotected'), `${c.unprotectedPackets} · ${kb(c.unprotectedBytes)}`, 'unprotected', tr('ttSrtpUnprotected')),
      ...cell(tr('cAuthFailures'), String(c.authFailures), 'authFailures', tr('ttSrtpAuth')),
      ...cell(tr('cReplays'), String(c.replayDrops), 'replayDrops', tr('ttSrtpReplay')),
      ...cell(tr('cLost'), String(c.lost), 'lost', tr('ttSrtpLost')),
      ...cell('ROC', String(c.roc), 'roc', tr('ttSrtpRoc')),
    ),
    el('div', { class: 'muted small' }, trf('lastPacket', { t: formatDuration(lastAt), n: c.received })),
  );
  return card;
}
