import { axisBottom, axisLeft, scaleLinear, scalePoint, schemeTableau10, select } from 'd3';
import type { SweepPlot, SweepPoint } from '../model/sweep-plot.ts';

/**
 * The sweep plot as SVG: the chosen parameter across, the measure up, each series a line of points with its 95%
 * interval as a capped vertical bar. Points of different series at one x are spread a few pixels apart so their bars
 * don't hide each other. A point is a button: `onPick` gets its row.
 */

const NS = 'http://www.w3.org/2000/svg';
const M = { top: 14, right: 16, bottom: 46, left: 54 };

export interface ChartText {
  readonly xTitle: string;
  readonly yTitle: string;
  /** A point's tooltip. */
  readonly pointTitle: (series: string, p: SweepPoint) => string;
}

export function seriesColour(i: number): string {
  return schemeTableau10[i % schemeTableau10.length]!;
}

/** Shortens an x label to fit under its tick; the whole value stays in the tick's title. */
function shorten(s: string, max = 22): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

export function drawSweepChart(plot: SweepPlot, width: number, height: number, text: ChartText, onPick: (p: SweepPoint) => void): SVGSVGElement {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'sweep-chart');
  svg.setAttribute('data-testid', 'sweep-chart');
  svg.setAttribute('role', 'img');
  const w = Math.max(60, width - M.left - M.right);
  const h = Math.max(60, height - M.top - M.bottom);
  const root = select(svg).append('g').attr('transform', `translate(${M.left},${M.top})`);

  const y = scaleLinear().domain([0, plot.yMax > 0 ? plot.yMax * (plot.measure === 'success' ? 1 : 1.08) : 1]).range([h, 0]).nice();
  const numericX = plot.numeric ? scaleLinear().domain(extent(plot.xValues.map((v) => v.value as number))).range([0, w]).nice() : undefined;
  const pointX = scalePoint<string>().domain(plot.xValues.map((v) => v.key)).range([0, w]).padding(0.5);
  const xOf = (p: SweepPoint): number => (numericX ? numericX(p.x as number) : (pointX(p.xKey) ?? 0));
  // series side by side at one x: at most ±12 px, less when the values are close together
  const n = plot.series.length;
  const step = n > 1 ? Math.min(8, 24 / (n - 1)) : 0;
  const dodge = (i: number): number => (i - (n - 1) / 2) * step;

  root.append('g').attr('class', 'grid').call(axisLeft(y).ticks(6).tickSize(-w).tickFormat(() => '')).call((g) => g.select('.domain').remove());
  const xAxis = root.append('g').attr('transform', `translate(0,${h})`);
  if (numericX) xAxis.call(axisBottom(numericX).ticks(Math.min(10, Math.max(2, plot.xValues.length))));
  else {
    const byKey = new Map(plot.xValues.map((v) => [v.key, v.text]));
    xAxis.call(axisBottom(pointX).tickFormat((k) => shorten(byKey.get(k) ?? k)));
    xAxis.selectAll<SVGGElement, string>('.tick').append('title').text((k) => byKey.get(k) ?? k);
  }
  root.append('g').call(axisLeft(y).ticks(6).tickFormat((v) => `${+v}${plot.unit === '%' ? '%' : ''}`));
  root.append('text').attr('class', 'axis-title').attr('x', w / 2).attr('y', h + 38).attr('text-anchor', 'middle').text(text.xTitle);
  root.append('text').attr('class', 'axis-title').attr('transform', 'rotate(-90)').attr('x', -h / 2).attr('y', -40).attr('text-anchor', 'middle').text(text.yTitle);

  plot.series.forEach((s, i) => {
    const colour = seriesColour(i);
    const g = root.append('g').attr('class', 'sweep-series').attr('data-series', s.label);
    const pts = s.points.map((p) => ({ p, x: xOf(p) + dodge(i) }));
    if (pts.length > 1) g.append('path').attr('fill', 'none').attr('stroke', colour).attr('stroke-width', 1.5).attr('stroke-opacity', 0.7).attr('d', pts.map((q, j) => `${j ? 'L' : 'M'}${q.x},${y(q.p.value)}`).join(''));
    for (const { p, x } of pts) {
      const bar = g.append('g').attr('class', 'sweep-ci').attr('stroke', colour);
      bar.append('line').attr('x1', x).attr('x2', x).attr('y1', y(p.low)).attr('y2', y(p.high));
      bar.append('line').attr('x1', x - 4).attr('x2', x + 4).attr('y1', y(p.low)).attr('y2', y(p.low));
      bar.append('line').attr('x1', x - 4).attr('x2', x + 4).attr('y1', y(p.high)).attr('y2', y(p.high));
      const dot = g
        .append('circle')
        .attr('class', 'sweep-point')
        .attr('data-testid', 'sweep-point')
        .attr('data-combo', String(p.row.combo))
        .attr('cx', x)
        .attr('cy', y(p.value))
        .attr('r', 4.5)
        .attr('fill', colour)
        .attr('tabindex', '0')
        .attr('role', 'button');
      dot.append('title').text(text.pointTitle(s.label, p));
      dot.on('click', () => onPick(p));
      dot.on('keydown', (e: KeyboardEvent) => {
        if (e.key === 'Enter') onPick(p);
      });
    }
  });
  return svg;
}

function extent(xs: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of xs) [lo, hi] = [Math.min(lo, x), Math.max(hi, x)];
  if (!Number.isFinite(lo)) return [0, 1];
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}
