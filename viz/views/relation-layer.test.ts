import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { packTrace } from '../model/packed.ts';
import { computeRelations } from '../model/relations.ts';
import type { LadderView } from './ladder-overlay.ts';
import type { Painter } from './painter.ts';
import { RELATION_COLOURS, RelationLayer } from './relation-layer.ts';

// The link pass draws only what it is asked to: the selected packet's links, or (toggle) every link touching a
// hop in view; each link is a curve from its cause's anchor to an arrow head at its effect's anchor.

const p = packTrace(runScenario(parseScenario(findPreset('call-p2p')!.build())).trace);
const rels = computeRelations(p);

/** A ladder stand-in: hop i runs from (from lane × 100, t) to (to lane × 100, arrive), time in ms as pixels. */
function view(selected: number, range: readonly [number, number]): LadderView {
  return {
    geometry: (i) => [p.from[i]! * 100, p.t[i]! / 1000, p.to[i]! * 100, p.arrive[i]! / 1000],
    range,
    width: 1000,
    height: 1e9,
    selected,
  };
}

function recorder(): { g: Painter; lines: { colour: string; x1: number; y1: number; x2: number; y2: number }[]; heads: { x: number; y: number }[] } {
  const lines: { colour: string; x1: number; y1: number; x2: number; y2: number }[] = [];
  const heads: { x: number; y: number }[] = [];
  const g: Painter = {
    line: (x1, y1, x2, y2, colour) => void lines.push({ colour, x1, y1, x2, y2 }),
    rect: () => undefined,
    text: () => undefined,
    arrowHead: (x, y) => void heads.push({ x, y }),
    cross: () => undefined,
    quad: () => undefined,
  };
  return { g, lines, heads };
}

describe('the cause-and-effect link pass', () => {
  const layer = new RelationLayer();
  layer.set(p, rels);
  const response = rels.find((r) => r.kind === 'response')!;

  it('draws nothing when nothing is selected and the toggle is off', () => {
    const { g, lines } = recorder();
    layer.draw(g, view(-1, [0, p.n]));
    expect(lines).toEqual([]);
  });

  it('draws the selected request’s link from where it left to where its response arrived back', () => {
    const { g, lines, heads } = recorder();
    layer.draw(g, view(response.cause, [0, 50]));
    const mine = lines.filter((l) => l.colour === RELATION_COLOURS.response);
    expect(mine.length).toBeGreaterThan(4);
    expect(mine[0]).toMatchObject({ x1: p.from[response.cause]! * 100, y1: p.t[response.cause]! / 1000 });
    expect(heads[0]).toEqual({ x: p.to[response.to.hop]! * 100, y: p.arrive[response.to.hop]! / 1000 });
  });

  it('any hop of the datagram selects its links (the request as it crossed the NAT too)', () => {
    const later = p.nextOfPacket[response.cause]!;
    expect(later).toBeGreaterThan(0);
    expect(layer.drawn(view(later, [0, 50]))).toContain(response);
  });

  it('with the toggle, every link touching a hop in view, and only those', () => {
    layer.showAll = true;
    const drawn = layer.drawn(view(-1, [0, 120]));
    layer.showAll = false;
    expect(drawn.length).toBeGreaterThan(3);
    for (const r of drawn) expect((r.from.hop >= 0 && r.from.hop < 120) || (r.to.hop >= 0 && r.to.hop < 120)).toBe(true);
    expect(drawn.some((r) => r.kind === 'retransmission' || r.kind === 'channel-data')).toBe(true);
  });
});
