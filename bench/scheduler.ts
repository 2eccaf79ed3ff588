import { Scheduler } from '../sim/core/scheduler.ts';
import { best, rate, row } from './measure.ts';

const N = 1_000_000;

/**
 * Scheduler events per second, beside a baseline: a bare binary heap of numbers doing the same pushes and pops
 * (what any event loop must at least pay). Target: at least 2 million events per second.
 */
export function benchScheduler(): void {
  process.stdout.write('scheduler\n');
  // a steady state of 1000 pending events, each event scheduling the next at a pseudo-random delay: once without a
  // handle (`post`, what every link delivery uses) and once with one (`after`, a cancellable timer)
  const run = (withHandle: boolean) => (): void => {
    const s = new Scheduler();
    let x = 1;
    let left = N;
    const tick = (): void => {
      if (--left <= 0) return;
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      if (withHandle) s.after(1 + (x % 1000), 'bench', tick);
      else s.post(s.now + 1 + (x % 1000), 'bench', tick);
    };
    for (let i = 0; i < 1000; i++) s.post(i, 'bench', tick);
    s.runUntil(Number.MAX_SAFE_INTEGER);
  };
  const heap = (): void => {
    const h: number[] = [];
    const push = (v: number): void => {
      h.push(v);
      let i = h.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (h[p]! <= v) break;
        h[i] = h[p]!;
        i = p;
      }
      h[i] = v;
    };
    const pop = (): number => {
      const top = h[0]!;
      const last = h.pop()!;
      if (h.length > 0) {
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= h.length) break;
          const r = l + 1;
          const c = r < h.length && h[r]! < h[l]! ? r : l;
          if (h[c]! >= last) break;
          h[i] = h[c]!;
          i = c;
        }
        h[i] = last;
      }
      return top;
    };
    let x = 1;
    for (let i = 0; i < 1000; i++) push(i);
    for (let i = 0; i < N; i++) {
      const t = pop();
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      push(t + 1 + (x % 1000));
    }
  };
  const ts = best(run(false), 5);
  const tt = best(run(true), 5);
  const th = best(heap, 5);
  row('scheduler events, no handle (post)', rate(N, ts), `target ≥ 2 M/s: ${N / ts >= 2e6 ? 'met' : 'NOT met'}`);
  row('scheduler events, with a handle (after)', rate(N, tt));
  row('baseline: bare number heap, same operations', rate(N, th));
  row('post / baseline', `${(th / ts).toFixed(2)}×`, `target ≥ 0.8× (1.00× would be as fast as the bare heap)`);
  row('after / baseline', `${(th / tt).toFixed(2)}×`);
}
