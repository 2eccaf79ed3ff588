import { formatDuration } from '../../sim/core/time.ts';
import type { DissectedPacket, Layer } from '../../sim/dissect/types.ts';
import type { Field } from '../../sim/wire/field.ts';
import type { LabelCache } from '../model/labels.ts';
import { hopBytes, type PackedTrace } from '../model/packed.ts';
import { onLang, tr, trf } from '../i18n.ts';
import { quoted } from '../i18n-reasons.ts';
import { clear, el, emptyState } from './dom.ts';

/**
 * Packet detail: the hop's facts, a field tree per layer, and a hex pane. Hovering (or focusing) a field lights up
 * exactly the bytes its span covers; a UDP payload layer says why RFC 7983 classified it as it did.
 */
export class PacketDetail {
  readonly root: HTMLElement;
  private readonly tree: HTMLElement;
  private readonly hex: HTMLElement;
  private bytes: HTMLElement[] = [];
  private lit: [number, number] = [0, 0];
  /** Whether a packet is shown (else the empty state, which follows a language switch at once). */
  private showing = false;
  /** Cause-and-effect links of the shown packet (filled by `showRelations`). */
  private readonly relations = el('div', { class: 'relations', 'data-testid': 'relations' });

  constructor(host: HTMLElement) {
    this.tree = el('div', { class: 'field-tree', 'data-testid': 'field-tree' });
    this.hex = el('div', { class: 'hex', 'data-testid': 'hex' });
    this.root = el('div', { class: 'detail' }, this.tree, this.hex);
    host.append(this.root);
    this.empty();
    // a shown packet's facts line and drop reason are worded again; its fields take the new language when it is next
    // selected
    onLang(() => {
      if (!this.showing) this.empty();
      else this.fillHead?.();
    });
  }

  empty(): void {
    clear(this.tree);
    clear(this.hex);
    this.bytes = [];
    this.showing = false;
    this.tree.append(emptyState(tr('noPacket'), tr('noPacketBody')));
  }

  /** Words the shown hop's facts line and drop reason in the page's language. */
  private fillHead: (() => void) | undefined;

  show(p: PackedTrace, labels: LabelCache, i: number): void {
    this.showing = true;
    clear(this.tree);
    clear(this.hex);
    const b = hopBytes(p, i);
    const head = el('div', { class: 'hop-head' });
    this.fillHead = (): void => {
      head.replaceChildren(
        el(
          'div',
          { class: 'hop-facts' },
          el('strong', {}, trf('hop', { i })),
          trf('hopFacts', { packet: p.packet[i]!, from: p.lanes[p.from[i]!] ?? '?', to: p.lanes[p.to[i]!] ?? '?', link: p.linkNames[p.link[i]!] ?? '?', sent: formatDuration(p.t[i]!), fate: p.drop[i]! >= 0 ? tr('droppedAt') : tr('arrived'), arrive: formatDuration(p.arrive[i]!) }),
        ),
      );
      if (p.drop[i]! >= 0) head.append(el('div', { class: 'drop-reason', 'data-testid': 'drop-reason' }, trf('droppedReason', { reason: quoted(p.dropReasons[p.drop[i]!] ?? '?') })));
    };
    this.fillHead();
    this.tree.append(head);
    const chain = chainOf(p, i);
    if (chain.length > 1) {
      this.tree.append(el('div', { class: 'muted' }, trf('sameDatagram', { n: chain.length, hops: chain.join(', ') })));
    }
    clear(this.relations);
    this.tree.append(this.relations);
    const d = labels.dissect(i);
    if (!d) {
      this.tree.append(emptyState(tr('noBytes'), tr('noBytesBody')));
      this.renderHex(new Uint8Array(0));
      return;
    }
    this.renderTree(d);
    this.renderHex(b);
  }

  /** Lists the packet's relations as buttons: picking one selects the packet at its other end. */
  showRelations(items: readonly { text: string; hop: number; kind: string }[], pick: (hop: number) => void, title = tr('relatedPackets')): void {
    clear(this.relations);
    if (items.length === 0) return;
    const ul = el('ul');
    for (const it of items) {
      const b = el('button', { class: 'relation', 'data-kind': it.kind, 'data-hop': String(it.hop) }, it.text);
      b.addEventListener('click', () => pick(it.hop));
      ul.append(el('li', {}, b));
    }
    this.relations.append(el('div', { class: 'muted' }, title), ul);
  }

  private renderTree(d: DissectedPacket): void {
    for (const layer of d.layers) {
      const box = el('details', { open: '', class: 'layer', 'data-protocol': layer.protocol });
      const head = el('summary', {}, el('span', { class: 'layer-proto' }, layer.protocol), ' ', layer.summary);
      this.hoverable(head, layer.offset, layer.length);
      box.append(head);
      if (layer.classification) box.append(el('div', { class: 'classification', 'data-testid': 'classification' }, `RFC 7983: ${layer.classification}`));
      for (const pr of layer.problems) box.append(el('div', { class: 'problem' }, `⚠ ${pr.message} (offset ${pr.offset}, ${pr.length} bytes)`));
      box.append(this.fieldList(layer.fields, layer));
      this.tree.append(box);
    }
  }

  private fieldList(fields: readonly Field[], layer: Layer): HTMLElement {
    const ul = el('ul');
    for (const f of fields) {
      const label = el('span', { class: 'field', tabindex: '0', 'data-offset': String(f.offset), 'data-length': String(f.length) }, el('span', { class: 'fname' }, f.name), f.display !== undefined ? `: ${f.display}` : '');
      label.append(el('span', { class: 'muted' }, ` [${f.offset}${f.length > 1 ? `–${f.offset + f.length - 1}` : ''}]`));
      this.hoverable(label, f.offset, f.length);
      const li = el('li', {}, label);
      if (f.children?.length) li.append(this.fieldList(f.children, layer));
      ul.append(li);
    }
    return ul;
  }

  private hoverable(e: HTMLElement, offset: number, length: number): void {
    const on = (): void => this.highlight(offset, length);
    e.addEventListener('mouseenter', on);
    e.addEventListener('focus', on);
    e.addEventListener('mouseleave', () => this.highlight(0, 0));
  }

  /** Lights up bytes [offset, offset+length) in the hex pane. */
  highlight(offset: number, length: number): void {
    const [a, n] = this.lit;
    for (let k = a; k < a + n; k++) this.bytes[k]?.classList.remove('lit');
    for (let k = offset; k < offset + length; k++) this.bytes[k]?.classList.add('lit');
    this.lit = [offset, length];
    const first = this.bytes[offset];
    if (first && length > 0) {
      // Scroll the hex pane only (scrollIntoView would scroll every ancestor, the page included).
      const top = first.offsetTop - this.hex.offsetTop;
      if (top < this.hex.scrollTop || top > this.hex.scrollTop + this.hex.clientHeight - 16) this.hex.scrollTop = Math.max(0, top - 16);
    }
  }

  private renderHex(b: Uint8Array): void {
    this.bytes = [];
    this.lit = [0, 0];
    for (let row = 0; row < b.length; row += 16) {
      const line = el('div', { class: 'hex-row' }, el('span', { class: 'hex-off' }, row.toString(16).padStart(4, '0')));
      const ascii = el('span', { class: 'hex-ascii' });
      for (let k = row; k < Math.min(b.length, row + 16); k++) {
        const byte = el('span', { class: 'hex-byte', 'data-i': String(k) }, b[k]!.toString(16).padStart(2, '0'));
        this.bytes.push(byte);
        line.append(byte);
      }
      for (let k = row; k < Math.min(b.length, row + 16); k++) {
        const c = b[k]!;
        ascii.append(c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '·');
      }
      line.append(ascii);
      this.hex.append(line);
    }
  }
}

function chainOf(p: PackedTrace, i: number): number[] {
  let first = i;
  while (p.prevOfPacket[first]! >= 0) first = p.prevOfPacket[first]!;
  const out: number[] = [];
  for (let k = first; k >= 0; k = p.nextOfPacket[k]!) out.push(k);
  return out;
}
