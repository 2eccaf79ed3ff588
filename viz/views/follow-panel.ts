import { asciiText, FOLLOW_KINDS, type FollowKind, type FollowResult } from '../../sim/dissect/follow/follow.ts';
import { i18nAttrs, onLang, tr, trf } from '../i18n.ts';
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
  private shown: FollowResult | { readonly error: string } | undefined;

  constructor(host: HTMLElement) {
    this.title = el('strong', {});
    const close = el('button', { 'data-testid': 'follow-close', ...i18nAttrs({ text: 'fwClose', title: 'fwCloseTitle' }) }, tr('fwClose'));
    close.addEventListener('click', () => this.hide());
    this.body = el('div', { class: 'follow-body', 'data-testid': 'follow-body' });
    this.root = el('div', { class: 'follow-panel', 'data-testid': 'follow-panel', role: 'dialog', hidden: '' }, el('div', { class: 'follow-head' }, this.title, close), this.body);
    host.append(this.root);
    // an open conversation is shown again in the new language
    onLang(() => this.shown && !this.root.hidden && this.show(this.shown));
  }

  hide(): void {
    this.root.hidden = true;
  }

  /** Shows a conversation, or says why there is none. */
  show(r: FollowResult | { readonly error: string }): void {
    this.shown = r;
    this.root.hidden = false;
    clear(this.body);
    if ('error' in r) {
      this.title.textContent = tr('fwTitle');
      this.body.append(el('p', { class: 'muted' }, r.error));
      return;
    }
    const stream = r.kind === 'udp' || r.kind === 'datachannel' ? `udp.stream == ${r.index}` : `tcp.stream == ${r.index}`;
    this.title.textContent = trf('fwHead', { kind: r.kind, stream, a: r.nodes[0] ?? '?', b: r.nodes[1] ?? '?' });
    const counts = [0, 1].map((n) => r.chunks.filter((c) => c.node === n).reduce((a, c) => a + c.bytes.length, 0));
    this.body.append(
      el('p', { class: 'follow-legend' }, el('span', { class: 'node0' }, trf('fwBytes', { from: r.nodes[0] ?? '?', to: r.nodes[1] ?? '?', n: counts[0]! })), ' · ', el('span', { class: 'node1' }, trf('fwBytes', { from: r.nodes[1] ?? '?', to: r.nodes[0] ?? '?', n: counts[1]! }))),
    );
    if (r.chunks.length === 0) this.body.append(el('p', { class: 'muted' }, trf('fwNothing', { kind: r.kind, kinds: FOLLOW_KINDS.join(', ') })));
    for (const c of r.chunks) {
      const head = el('div', { class: 'follow-chunk-head' }, `${trf('fwChunk', { frame: c.frame, time: c.time.toFixed(6), n: c.bytes.length })}${c.note ? ` · ${c.note}` : ''}`);
      this.body.append(el('div', { class: `follow-chunk node${c.node}`, 'data-frame': String(c.frame) }, head, el('pre', {}, asciiText(c.bytes))));
    }
  }
}

/** The kinds offered in the list's follow menu, with the one tried first for a packet ("auto"). */
export const FOLLOW_CHOICES: readonly (FollowKind | 'auto')[] = ['auto', ...FOLLOW_KINDS];
