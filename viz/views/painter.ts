/**
 * What the ladder draws with: one interface, two back ends — a canvas for the screen and SVG for export — so the
 * exported picture is exactly what is on screen. Text always goes in as text (fillText / textContent), never HTML.
 */
export interface Painter {
  line(x1: number, y1: number, x2: number, y2: number, colour: string, width?: number, dash?: readonly number[], alpha?: number): void;
  rect(x: number, y: number, w: number, h: number, fill: string, alpha?: number): void;
  text(x: number, y: number, s: string, colour: string, align?: 'left' | 'center' | 'right', bold?: boolean): void;
  arrowHead(x: number, y: number, angle: number, colour: string, size?: number): void;
  cross(x: number, y: number, colour: string, size?: number): void;
  /** A filled quadrilateral (x1 y1 … x4 y4): the level-of-detail bands. */
  quad(q: readonly number[], fill: string, alpha?: number): void;
}

const SEGMENTS_PER_STROKE = 32;
/** How far outside the drawn area a clipped line still reaches (more than any stroke width or arrow head). */
const CLIP_MARGIN = 16;
const SHAPES_PER_FILL = 32;

/** Alpha in steps of 1/8: shapes of one colour then share a batch (and a density band of one shade merges). */
export function quantizeAlpha(alpha: number): number {
  return Math.round(alpha * 8) / 8;
}

/**
 * The part of segment (x1, y1)–(x2, y2) inside the rectangle [left, right] × [top, bottom] (Liang–Barsky), written
 * into `out` as x1 y1 x2 y2; undefined when none of it is inside.
 */
export function clipSegment(x1: number, y1: number, x2: number, y2: number, left: number, top: number, right: number, bottom: number, out: Float64Array): Float64Array | undefined {
  const dx = x2 - x1;
  const dy = y2 - y1;
  let u0 = 0;
  let u1 = 1;
  // Each edge as p·u ≤ q: entering where p < 0, leaving where p > 0; parallel and outside when p = 0 and q < 0.
  for (let e = 0; e < 4; e++) {
    const pe = e === 0 ? -dx : e === 1 ? dx : e === 2 ? -dy : dy;
    const qe = e === 0 ? x1 - left : e === 1 ? right - x1 : e === 2 ? y1 - top : bottom - y1;
    if (pe === 0) {
      if (qe < 0) return undefined;
      continue;
    }
    const u = qe / pe;
    if (pe < 0) u0 = Math.max(u0, u);
    else u1 = Math.min(u1, u);
    if (u0 > u1) return undefined;
  }
  out[0] = x1 + u0 * dx;
  out[1] = y1 + u0 * dy;
  out[2] = x1 + u1 * dx;
  out[3] = y1 + u1 * dy;
  return out;
}

function sameDash(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
const FONT = '11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
const BOLD = `bold ${FONT}`;

interface Batch {
  readonly kind: 'stroke' | 'fill';
  readonly colour: string;
  readonly width: number;
  readonly dash: readonly number[];
  readonly alpha: number;
  /** stroke: x1 y1 x2 y2 per segment; fill: 'r' rects as x y w h, or triangles as 6 numbers (see `shape`). */
  readonly coords: number[];
  readonly shape: 'segment' | 'rect' | 'triangle' | 'quad';
}

/**
 * Canvas back end. Software-rasterized canvases pay per stroke() call, so shapes are batched by style — one path
 * per (colour, width, dash, alpha) — and stroked in order of each style's first use; text is drawn last, on top.
 * Call `flush()` once the frame is described.
 */
export class CanvasPainter implements Painter {
  private readonly batches = new Map<string, Batch>();
  private readonly texts: { x: number; y: number; s: string; colour: string; align: CanvasTextAlign; bold: boolean }[] = [];

  /**
   * `width` × `height` is the area drawn on (CSS pixels); lines are clipped to it, with a margin, before they
   * reach the canvas: a segment thousands of screens long (a hop at extreme zoom) costs no more than one that
   * fits, and a dashed one is not dashed along its whole length.
   */
  constructor(
    private readonly ctx: CanvasRenderingContext2D,
    private readonly width = Infinity,
    private readonly height = Infinity,
  ) {}

  quad(q: readonly number[], fill: string, alpha = 1): void {
    this.batch('fill', 'quad', fill, 0, [], alpha).push(...q);
  }

  /** The batch the previous call of each shape went to: consecutive shapes mostly share a style. */
  private readonly last = new Map<Batch['shape'], Batch>();

  private batch(kind: Batch['kind'], shape: Batch['shape'], colour: string, width: number, dash: readonly number[], alpha: number): number[] {
    const a = quantizeAlpha(alpha);
    const prev = this.last.get(shape);
    if (prev && prev.colour === colour && prev.width === width && prev.alpha === a && sameDash(prev.dash, dash)) return prev.coords;
    const key = `${kind}|${shape}|${colour}|${width}|${dash.join(',')}|${a}`;
    let b = this.batches.get(key);
    if (!b) {
      b = { kind, shape, colour, width, dash, alpha: a, coords: [] };
      this.batches.set(key, b);
    }
    this.last.set(shape, b);
    return b.coords;
  }

  line(x1: number, y1: number, x2: number, y2: number, colour: string, width = 1, dash: readonly number[] = [], alpha = 1): void {
    const m = CLIP_MARGIN;
    const c = clipSegment(x1, y1, x2, y2, -m, -m, this.width + m, this.height + m, this.clipped);
    if (!c) return;
    this.batch('stroke', 'segment', colour, width, dash, alpha).push(c[0]!, c[1]!, c[2]!, c[3]!);
  }

  private readonly clipped = new Float64Array(4);

  rect(x: number, y: number, w: number, h: number, fill: string, alpha = 1): void {
    this.batch('fill', 'rect', fill, 0, [], alpha).push(x, y, w, h);
  }

  text(x: number, y: number, s: string, colour: string, align: 'left' | 'center' | 'right' = 'left', bold = false): void {
    this.texts.push({ x, y, s, colour, align, bold });
  }

  arrowHead(x: number, y: number, angle: number, colour: string, size = 6): void {
    this.batch('fill', 'triangle', colour, 0, [], 1).push(
      x,
      y,
      x - size * Math.cos(angle - 0.4),
      y - size * Math.sin(angle - 0.4),
      x - size * Math.cos(angle + 0.4),
      y - size * Math.sin(angle + 0.4),
    );
  }

  cross(x: number, y: number, colour: string, size = 4): void {
    this.line(x - size, y - size, x + size, y + size, colour, 2);
    this.line(x - size, y + size, x + size, y - size, colour, 2);
  }

  flush(): void {
    const c = this.ctx;
    for (const b of this.batches.values()) {
      const k = b.coords;
      c.globalAlpha = b.alpha;
      if (b.shape === 'rect') {
        c.fillStyle = b.colour;
        for (let i = 0; i < k.length; i += 4) c.fillRect(k[i]!, k[i + 1]!, k[i + 2]!, k[i + 3]!);
        continue;
      }
      if (b.shape === 'segment') {
        // Stroked in chunks: one huge path of overlapping thick segments is far slower to rasterize than many
        // small ones (its outline is resolved as a whole).
        c.strokeStyle = b.colour;
        c.lineWidth = b.width;
        c.setLineDash(b.dash as number[]);
        for (let i = 0; i < k.length; i += 4 * SEGMENTS_PER_STROKE) {
          c.beginPath();
          for (let j = i; j < Math.min(k.length, i + 4 * SEGMENTS_PER_STROKE); j += 4) {
            c.moveTo(k[j]!, k[j + 1]!);
            c.lineTo(k[j + 2]!, k[j + 3]!);
          }
          c.stroke();
        }
        continue;
      }
      // Filled in chunks too: a path of many small shapes spread over the canvas is scan-converted over its
      // whole bounds.
      c.fillStyle = b.colour;
      const step = b.shape === 'quad' ? 8 : 6;
      for (let i = 0; i < k.length; i += step * SHAPES_PER_FILL) {
        c.beginPath();
        for (let j = i; j < Math.min(k.length, i + step * SHAPES_PER_FILL); j += step) {
          c.moveTo(k[j]!, k[j + 1]!);
          for (let v = 2; v < step; v += 2) c.lineTo(k[j + v]!, k[j + v + 1]!);
          c.closePath();
        }
        c.fill();
      }
    }
    c.setLineDash([]);
    c.globalAlpha = 1;
    c.textBaseline = 'middle';
    let font = '';
    for (const t of this.texts) {
      const f = t.bold ? BOLD : FONT;
      if (f !== font) c.font = font = f;
      c.fillStyle = t.colour;
      c.textAlign = t.align;
      c.fillText(t.s, t.x, t.y);
    }
    this.batches.clear();
    this.last.clear();
    this.texts.length = 0;
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Builds SVG elements with setAttribute and textContent only. */
export class SvgPainter implements Painter {
  readonly root: SVGSVGElement;

  constructor(width: number, height: number, background: string) {
    this.root = document.createElementNS(SVG_NS, 'svg');
    this.root.setAttribute('xmlns', SVG_NS);
    this.root.setAttribute('width', String(width));
    this.root.setAttribute('height', String(height));
    this.root.setAttribute('viewBox', `0 0 ${width} ${height}`);
    this.rect(0, 0, width, height, background);
  }

  private el(name: string, attrs: Record<string, string | number>): SVGElement {
    const e = document.createElementNS(SVG_NS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    this.root.appendChild(e);
    return e;
  }

  line(x1: number, y1: number, x2: number, y2: number, colour: string, width = 1, dash: readonly number[] = [], alpha = 1): void {
    this.el('line', { x1, y1, x2, y2, stroke: colour, 'stroke-width': width, ...(dash.length ? { 'stroke-dasharray': dash.join(' ') } : {}), ...(alpha < 1 ? { 'stroke-opacity': alpha } : {}) });
  }

  rect(x: number, y: number, w: number, h: number, fill: string, alpha = 1): void {
    this.el('rect', { x, y, width: w, height: h, fill, ...(alpha < 1 ? { 'fill-opacity': alpha } : {}) });
  }

  text(x: number, y: number, s: string, colour: string, align: 'left' | 'center' | 'right' = 'left', bold = false): void {
    const e = this.el('text', {
      x,
      y,
      fill: colour,
      'dominant-baseline': 'middle',
      'text-anchor': align === 'left' ? 'start' : align === 'center' ? 'middle' : 'end',
      'font-family': 'monospace',
      'font-size': 11,
      ...(bold ? { 'font-weight': 'bold' } : {}),
    });
    e.textContent = s;
  }

  arrowHead(x: number, y: number, angle: number, colour: string, size = 6): void {
    const p = [
      [x, y],
      [x - size * Math.cos(angle - 0.4), y - size * Math.sin(angle - 0.4)],
      [x - size * Math.cos(angle + 0.4), y - size * Math.sin(angle + 0.4)],
    ];
    this.el('polygon', { points: p.map(([a, b]) => `${a!.toFixed(1)},${b!.toFixed(1)}`).join(' '), fill: colour });
  }

  cross(x: number, y: number, colour: string, size = 4): void {
    this.line(x - size, y - size, x + size, y + size, colour, 2);
    this.line(x - size, y + size, x + size, y - size, colour, 2);
  }

  quad(q: readonly number[], fill: string, alpha = 1): void {
    const pts: string[] = [];
    for (let i = 0; i < 8; i += 2) pts.push(`${q[i]!.toFixed(1)},${q[i + 1]!.toFixed(1)}`);
    this.el('polygon', { points: pts.join(' '), fill, ...(alpha < 1 ? { 'fill-opacity': alpha } : {}) });
  }
}
