import { rewrites, shortenLabel, type LabelCache } from '../model/labels.ts';
import type { PackedTrace } from '../model/packed.ts';
import { DROP_COLOUR, MUTED_COLOUR, REWRITE_COLOUR, SELECT_COLOUR, TEXT_COLOUR, protocolColour } from './colours.ts';
import { DROP_STOP, HEADER, LEFT, RIGHT, overlaps } from './ladder-geometry.ts';
import type { Painter } from './painter.ts';
import { quoted } from '../i18n-reasons.ts';
import { trf } from '../i18n.ts';

/** Character cells a text takes in the ladder's font: a CJK character is two. */
function cells(s: string): number {
  let n = 0;
  for (const c of s) n += c.charCodeAt(0) >= 0x2e80 ? 2 : 1;
  return n;
}

/** `s` cut to `room` character cells, with an ellipsis when cut. */
function fitText(s: string, room: number): string {
  if (cells(s) <= room) return s;
  let out = '';
  for (const c of s) {
    if (cells(out + c) > room - 1) break;
    out += c;
  }
  return `${out}…`;
}

/** Width of one character of the ladder's 11 px monospace font (labels are cut to the room they have). */
const CHAR_W = 6.7;
const LABEL_H = 13;

/** What the ladder lends its single-hop drawing: the trace and its labels, the view, and each hop's geometry. */
export interface HopScene {
  readonly p: PackedTrace;
  readonly labels: LabelCache;
  readonly selected: number;
  readonly cursor: number;
  /** Hops after the cursor are drawn without their labels (a question waits for its answer). */
  readonly hideFuture: boolean;
  readonly compact: boolean;
  /** A compact row's height on screen, in pixels. */
  readonly rowHeight: number;
  readonly width: number;
  readonly height: number;
  /** Hop i's start and end points written into `out` as x1 y1 x2 y2. */
  geometryInto(i: number, out: Float64Array): Float64Array;
  /** Filled with the hops whose label is drawn, with the text drawn. */
  readonly labelled: Map<number, string>;
}

// the frame loop allocates nothing per hop
const here = new Float64Array(4);
const there = new Float64Array(4);
const label = new Float64Array(4);

/**
 * Draws hops [i0, i1) one by one: arrows (a loop for a loopback), heads, drop crosses with their reasons, the dotted
 * line and junction square where a datagram goes on through a NAT, and the labels. Returns the boxes of the labels
 * drawn (x0 x1 y0 y1 each).
 */
export function drawHops(g: Painter, s: HopScene, i0: number, i1: number): number[] {
  const p = s.p;
  const sel = s.selected;
  const selPacket = sel >= 0 ? p.packet[sel]! : -1;
  // Labels sit between the two lanes of their hop: one column per lane gap (and one per lane for loopbacks).
  // A label is skipped when the last one drawn in its column is too close, so columns never overprint.
  // Labels sit between the two lanes of their hop, cut to the room between them; a label that would overlap one
  // already drawn is skipped. The selected hop's label is placed first, so it is never the one skipped.
  const placed: number[] = [];
  const roomy = s.compact ? s.rowHeight >= 14 : true;
  const L = p.lanes.length;
  const lastHeadY = new Float64Array(L * L).fill(-Infinity);
  const lastJunctionY = new Float64Array(L).fill(-Infinity);
  if (sel >= i0 && sel < i1 && roomy) placeLabel(g, s, sel, placed, true);
  for (let i = i0; i < i1; i++) {
    s.geometryInto(i, here);
    const x1 = here[0]!;
    const y1 = here[1]!;
    const x2 = here[2]!;
    const y2 = here[3]!;
    if (Math.max(y1, y2) < HEADER || Math.min(y1, y2) > s.height) continue;
    const future = p.t[i]! > s.cursor;
    const alpha = future ? 0.35 : 1;
    const inChain = p.packet[i] === selPacket;
    const colour = inChain ? SELECT_COLOUR : protocolColour(p.proto[i]!);
    // A 1 px stroke is a hairline to a software rasterizer: several times cheaper than a wider one.
    const width = i === sel ? 3 : inChain ? 2 : 1;
    const dropped = p.drop[i]! >= 0;
    const ex = dropped ? x1 + (x2 - x1) * DROP_STOP : x2;
    const ey = dropped ? y1 + (y2 - y1) * DROP_STOP : y2;
    if (x1 === x2) {
      // A datagram from a lane to itself (loopback): a small loop out to the right and back.
      g.line(x1, y1, x1 + 24, y1, colour, width, [], alpha);
      g.line(x1 + 24, y1, x1 + 24, Math.max(y2, y1 + 4), colour, width, [], alpha);
      g.line(x1 + 24, Math.max(y2, y1 + 4), x1, Math.max(y2, y1 + 4), colour, width, [], alpha);
    } else g.line(x1, y1, ex, ey, colour, width, [], alpha);
    if (dropped) g.cross(ex, ey, DROP_COLOUR);
    else if (Math.abs(x2 - x1) > 12) {
      // Heads closer than 3 px on one lane pair print over each other: only the first of such a run is drawn
      // (the selection's always is).
      const pair = p.from[i]! * L + p.to[i]!;
      if (inChain || Math.abs(y2 - lastHeadY[pair]!) >= 3) {
        g.arrowHead(x2, y2, Math.atan2(y2 - y1, x2 - x1), colour);
        lastHeadY[pair] = y2;
      }
    }
    const next = p.nextOfPacket[i]!;
    if (next >= 0 && next < i1 + 64) {
      const at = s.geometryInto(next, there);
      const nx = at[0]!;
      const ny = at[1]!;
      if (Math.abs(ny - y2) >= 2) g.line(x2, y2, nx, ny, inChain ? SELECT_COLOUR : MUTED_COLOUR, 1, [2, 3], alpha);
      // The junction square where a datagram goes on (through a NAT); squares under 2 px apart on one lane
      // would make one bar anyway, so only the first of such a run is drawn (the selection's always is).
      const lane = p.to[i]!;
      if (inChain || Math.abs(y2 - lastJunctionY[lane]!) >= 2) {
        g.rect(x2 - 2, y2 - 2, 4, 4, inChain ? SELECT_COLOUR : MUTED_COLOUR, alpha);
        lastJunctionY[lane] = y2;
      }
    }
    if (dropped && roomy && !(future && s.hideFuture)) {
      // the drop reason, cut to the room beside the arrow's end, unless it would overprint a label
      const room = Math.max(10, Math.floor((x2 > x1 ? ex - LEFT : s.width - RIGHT - ex) / CHAR_W) - 2);
      const reason = fitText(quoted(p.dropReasons[p.drop[i]!]!), Math.min(80, room));
      const w = cells(reason) * CHAR_W;
      const rx0 = x2 > x1 ? ex - 8 - w : ex + 8;
      if (!overlaps(placed, rx0, rx0 + w, ey + 4, ey + 18)) {
        placed.push(rx0, rx0 + w, ey + 4, ey + 18);
        g.text(ex + (x2 > x1 ? -8 : 8), ey + 11, reason, DROP_COLOUR, x2 > x1 ? 'right' : 'left');
      }
    }
    if (roomy && i !== sel) placeLabel(g, s, i, placed, false);
  }
  return placed;
}

/** Draws hop i's label (and the rewrite line under it) if it fits without overlapping `placed` (x0 x1 y0 y1 …). */
function placeLabel(g: Painter, s: HopScene, i: number, placed: number[], force: boolean): void {
  const p = s.p;
  const future = p.t[i]! > s.cursor;
  if (future && s.hideFuture) return;
  const g4 = s.geometryInto(i, label);
  const x1 = g4[0]!;
  const y1 = g4[1]!;
  const x2 = g4[2]!;
  const y2 = g4[3]!;
  const mid = (Math.min(y1, y2) + Math.max(y1, y2)) / 2;
  const ly = s.compact ? y1 + 1 : mid - 7;
  if (ly < HEADER + 8 || ly > s.height - 4) return;
  const dropped = p.drop[i]! >= 0;
  const labels = s.labels;
  const l = labels.get(i);
  const rw = dropped ? { src: false, dst: false } : rewrites(labels, p, i);
  const second = rw.src || rw.dst ? trf('ladderRewritten', { what: [rw.src ? `src ${l.src}` : '', rw.dst ? `dst ${l.dst}` : ''].filter(Boolean).join(' · ') }) : '';
  // the room: between the hop's lanes (a loopback: one lane gap), inside the drawing area
  const room = Math.max(Math.abs(x2 - x1), (s.width - LEFT - RIGHT) / Math.max(1, p.lanes.length)) - 8;
  const chars = Math.max(8, Math.floor(room / CHAR_W));
  const text = shortenLabel(l.summary, Math.min(64, chars));
  const sub = fitText(second, chars);
  const w = Math.max(text.length, cells(sub)) * CHAR_W;
  const lx = Math.min(Math.max((x1 + x2) / 2, LEFT + w / 2 + 2), s.width - RIGHT - w / 2);
  const top = ly - LABEL_H / 2;
  const bottom = ly + LABEL_H / 2 + (sub ? 13 : 0);
  if (!force && overlaps(placed, lx - w / 2, lx + w / 2, top, bottom)) return;
  placed.push(lx - w / 2, lx + w / 2, top, bottom);
  g.text(lx, ly, text, future ? MUTED_COLOUR : TEXT_COLOUR, 'center', i === s.selected);
  if (sub) g.text(lx, ly + 13, sub, REWRITE_COLOUR, 'center');
  s.labelled.set(i, text);
}