import { asciiText, FOLLOW_KINDS, type FollowKind, type FollowResult } from '../../sim/dissect/follow/follow.ts';
import { clear, el } from './dom.ts';

/**
 * Follow stream, as Wireshark's window shows it: the selected packet's conversation, both directions in order,
 * the side that spoke first in one colour and the other in another, each part headed by its frame, time and
 * length. Kinds: the TCP bytes, TLS application data (decrypted with the keys), HTTP, WebSocket, signaling, the UDP
 * payloads, data channel messages (docs/display-filters.md "Follow stream").
 */
export class FollowPanel {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;
  private readonly title: HTMLElement;

  constructor(host: HTMLElement) {
    this.title = el('strong', {});
    const close = el('button', { 'data-testid': 'follow-close', title: 'close (the list and ladder stay as they were)' }, 'close');
    close.addEventListener('click', () => this.hide());
    this.body = el('div', { class: 'follow-body', 'data-testid': 'follow-body' });
    this.root = el('div', { class: 'follow-panel', 'data-testid': 'follow-panel', role: 'dialog', hidden: '' }, el('div', { class: 'follow-head' }, this.title, close), this.body);
    host.append(this.root);
  }

  hide(): void {
    this.root.hidden = true;
  }

  /** Shows a conversation, or says why there is none. */
  show(r: FollowResult | { readonly error: string }): void {
    this.root.hidden = false;
    clear(this.body);
    if ('error' in r) {
      this.title.textContent = 'Follow stream';
      this.body.append(el('p', { class: 'muted' }, r.error));
      return;
    }
    const stream = r.kind === 'udp' || r.kind === 'datachannel' ? `udp.stream == ${r.index}` : `tcp.stream == ${r.index}`;
    this.title.textContent = `Follow ${r.kind} (${stream}): ${r.nodes[0] ?? '?'} ⇄ ${r.nodes[1] ?? '?'}`;
    const counts = [0, 1].map((n) => r.chunks.filter((c) => c.node === n).reduce((a, c) => a + c.bytes.length, 0));
    this.body.append(
      el('p', { class: 'follow-legend' }, el('span', { class: 'node0' }, `${r.nodes[0] ?? '?'} → ${r.nodes[1] ?? '?'}: ${counts[0]} bytes`), ' · ', el('span', { class: 'node1' }, `${r.nodes[1] ?? '?'} → ${r.nodes[0] ?? '?'}: ${counts[1]} bytes`)),
    );
    if (r.chunks.length === 0) this.body.append(el('p', { class: 'muted' }, `nothing to show as ${r.kind} in this conversation (try another kind: ${FOLLOW_KINDS.join(', ')})`));
    for (const c of r.chunks) {
      const head = el('div', { class: 'follow-chunk-head' }, `frame ${c.frame} · ${c.time.toFixed(6)} s · ${c.bytes.length} bytes${c.note ? ` · ${c.note}` : ''}`);
      this.body.append(el('div', { class: `follow-chunk node${c.node}`, 'data-frame': String(c.frame) }, head, el('pre', {}, asciiText(c.bytes))));
    }
  }
}

/** The kinds offered in the list's follow menu, with the one tried first for a packet ("auto"). */
export const FOLLOW_CHOICES: readonly (FollowKind | 'auto')[] = ['auto', ...FOLLOW_KINDS];
