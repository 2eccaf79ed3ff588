import type { PackedTrace } from '../model/packed.ts';
import { relationsByPacket, type Relation, type RelationKind } from '../model/relations.ts';
import type { LadderView } from './ladder-overlay.ts';
import type { Painter } from './painter.ts';

export const RELATION_COLOURS: Readonly<Record<RelationKind, string>> = {
  response: '#ff79c6',
  retransmission: '#c792ea',
  'dtls-cookie': '#8be9fd',
  'channel-data': '#f1fa8c',
  'relay-use': '#50fa7b',
  'first-media': '#ffb86c',
  relayed: '#bd93f9',
  'tcp-connection': '#7fdbca',
};

const SHORT: Readonly<Record<RelationKind, string>> = {
  response: 'response',
  retransmission: 'retransmit',
  'dtls-cookie': 'cookie',
  'channel-data': 'first ChannelData',
  'relay-use': 'relay used',
  'first-media': 'first media',
  relayed: 'relayed',
  'tcp-connection': 'TCP connection',
};

/** Links drawn at most at once, whatever is on screen (they are dashed curves: more is noise). */
const MAX_LINKS = 400;
const SEGMENTS = 14;

/**
 * Cause-and-effect links on the ladder, drawn on demand: those of the selected packet, or (toggle) those of every
 * packet in view. A separate pass the ladder calls after its arrows, so the ladder's own drawing stays as it is.
 */
export class RelationLayer {
  private p: PackedTrace | undefined;
  private rels: readonly Relation[] = [];
  private byPacket = new Map<number, number[]>();
  /** Links of every packet in view, not only the selected one's. */
  showAll = false;

  set(p: PackedTrace | undefined, rels: readonly Relation[]): void {
    this.p = p;
    this.rels = rels;
    this.byPacket = p ? relationsByPacket(p, rels) : new Map();
  }

  get relations(): readonly Relation[] {
    return this.rels;
  }

  /** The relations hop i's datagram takes part in, with which end it is. */
  of(i: number): { relation: Relation; side: 'cause' | 'effect' }[] {
    const p = this.p;
    if (!p || i < 0 || i >= p.n) return [];
    const id = p.packet[i]!;
    return (this.byPacket.get(id) ?? []).map((k) => {
      const relation = this.rels[k]!;
      return { relation, side: p.packet[relation.effect] === id ? ('effect' as const) : ('cause' as const) };
    });
  }

  /** Which relations are drawn in this view (exported for tests through the app). */
  drawn(v: LadderView): Relation[] {
    const p = this.p;
    if (!p || this.rels.length === 0) return [];
    const out = new Set<Relation>(this.of(v.selected).map((x) => x.relation));
    if (this.showAll) {
      const [i0, i1] = v.range;
      for (const r of this.rels) {
        if (out.size >= MAX_LINKS) break;
        if ((r.from.hop >= i0 && r.from.hop < i1) || (r.to.hop >= i0 && r.to.hop < i1)) out.add(r);
      }
    }
    return [...out];
  }

  draw(g: Painter, v: LadderView): void {
    const drawn = this.drawn(v);
    const labelled = drawn.length <= 12;
    for (const r of drawn) this.drawOne(g, v, r, labelled);
  }

  private drawOne(g: Painter, v: LadderView, r: Relation, label: boolean): void {
    const a = point(v, r.from.hop, r.from.at);
    const b = point(v, r.to.hop, r.to.at);
    if (Math.max(a[1], b[1]) < 0 || Math.min(a[1], b[1]) > v.height) return;
    const colour = RELATION_COLOURS[r.kind];
    // a quadratic curve bowing sideways, so it never lies on an arrow: right of a lane, or off the straight line
    const [mx, my] = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const len = Math.hypot(dx, dy) || 1;
    const bow = Math.min(60, 18 + len * 0.15);
    const cx = Math.abs(dx) < 2 ? mx + bow : mx - (dy / len) * bow;
    const cy = Math.abs(dx) < 2 ? my : my + (dx / len) * bow;
    let [px, py] = a;
    for (let s = 1; s <= SEGMENTS; s++) {
      const u = s / SEGMENTS;
      const x = (1 - u) * (1 - u) * a[0] + 2 * (1 - u) * u * cx + u * u * b[0];
      const y = (1 - u) * (1 - u) * a[1] + 2 * (1 - u) * u * cy + u * u * b[1];
      g.line(px, py, x, y, colour, 1.6, [5, 3]);
      [px, py] = [x, y];
    }
    g.arrowHead(b[0], b[1], Math.atan2(b[1] - cy, b[0] - cx), colour, 7);
    g.rect(a[0] - 2.5, a[1] - 2.5, 5, 5, colour);
    if (!label) return;
    const tx = 0.25 * a[0] + 0.5 * cx + 0.25 * b[0];
    const ty = 0.25 * a[1] + 0.5 * cy + 0.25 * b[1];
    const nth = r.kind === 'retransmission' ? ` #${r.nth ?? 1}` : '';
    g.text(tx + 4, ty, `${SHORT[r.kind]}${nth} +${(r.dt / 1000).toFixed(1)} ms`, colour, 'left');
  }
}

function point(v: LadderView, hop: number, at: 'start' | 'end'): [number, number] {
  const [x1, y1, x2, y2] = v.geometry(hop);
  return at === 'start' ? [x1, y1] : [x2, y2];
}
