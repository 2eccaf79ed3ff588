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
}

const FONT = '11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
const BOLD = `bold ${FONT}`;

export class CanvasPainter implements Painter {
  constructor(private readonly ctx: CanvasRenderingContext2D) {}

  line(x1: number, y1: number, x2: number, y2: number, colour: string, width = 1, dash: readonly number[] = [], alpha = 1): void {
    const c = this.ctx;
    c.globalAlpha = alpha;
    c.strokeStyle = colour;
    c.lineWidth = width;
    c.setLineDash(dash as number[]);
    c.beginPath();
    c.moveTo(x1, y1);
    c.lineTo(x2, y2);
    c.stroke();
    if (dash.length) c.setLineDash([]);
    c.globalAlpha = 1;
  }

  rect(x: number, y: number, w: number, h: number, fill: string, alpha = 1): void {
    this.ctx.globalAlpha = alpha;
    this.ctx.fillStyle = fill;
    this.ctx.fillRect(x, y, w, h);
    this.ctx.globalAlpha = 1;
  }

  text(x: number, y: number, s: string, colour: string, align: 'left' | 'center' | 'right' = 'left', bold = false): void {
    const c = this.ctx;
    c.font = bold ? BOLD : FONT;
    c.fillStyle = colour;
    c.textAlign = align;
    c.textBaseline = 'middle';
    c.fillText(s, x, y);
  }

  arrowHead(x: number, y: number, angle: number, colour: string, size = 6): void {
    const c = this.ctx;
    c.fillStyle = colour;
    c.beginPath();
    c.moveTo(x, y);
    c.lineTo(x - size * Math.cos(angle - 0.4), y - size * Math.sin(angle - 0.4));
    c.lineTo(x - size * Math.cos(angle + 0.4), y - size * Math.sin(angle + 0.4));
    c.closePath();
    c.fill();
  }

  cross(x: number, y: number, colour: string, size = 4): void {
    this.line(x - size, y - size, x + size, y + size, colour, 2);
    this.line(x - size, y + size, x + size, y - size, colour, 2);
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
}
