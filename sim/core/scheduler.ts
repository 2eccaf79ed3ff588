import type { Micros } from './time.ts';

/** A scheduled callback; `cancel()` removes it lazily (it stays in the heap but never runs). */
export interface Timer {
  readonly at: Micros;
  readonly reason: string;
  cancel(): void;
  readonly cancelled: boolean;
}

class Entry implements Timer {
  cancelled = false;
  constructor(
    readonly at: Micros,
    readonly seq: number,
    readonly reason: string,
    readonly run: () => void,
  ) {}
  cancel(): void {
    this.cancelled = true;
  }
}

/**
 * Discrete-event scheduler on virtual time.
 * A binary min-heap ordered by (time, insertion sequence): events at the same instant run in the order they were
 * scheduled, so a run never depends on heap internals.
 */
export class Scheduler {
  private heap: Entry[] = [];
  private seq = 0;
  private current: Micros = 0;
  private executed = 0;

  get now(): Micros {
    return this.current;
  }

  /** How many events have run so far. */
  get eventsRun(): number {
    return this.executed;
  }

  /** Pending entries, cancelled ones included. */
  get size(): number {
    return this.heap.length;
  }

  /** Runs `fn` at virtual time `at` (clamped to now: the past cannot be scheduled). */
  at(at: Micros, reason: string, fn: () => void): Timer {
    if (!Number.isFinite(at)) throw new RangeError(`cannot schedule "${reason}" at ${at}`);
    const e = new Entry(Math.max(Math.round(at), this.current), this.seq++, reason, fn);
    this.push(e);
    return e;
  }

  /** Runs `fn` after `delay` microseconds. */
  after(delay: Micros, reason: string, fn: () => void): Timer {
    return this.at(this.current + delay, reason, fn);
  }

  /** Time of the next live event, or undefined when nothing is pending. */
  peek(): Micros | undefined {
    this.dropCancelled();
    return this.heap[0]?.at;
  }

  /** Runs the next live event; false when there was none. */
  step(): boolean {
    this.dropCancelled();
    const e = this.pop();
    if (!e) return false;
    this.current = e.at;
    this.executed++;
    e.run();
    return true;
  }

  /**
   * Runs every event due at or before `until`, then sets the clock to `until`.
   * `maxEvents` guards against runaway loops (a component that reschedules itself at the same instant forever).
   */
  runUntil(until: Micros, maxEvents = Number.MAX_SAFE_INTEGER): number {
    let n = 0;
    for (;;) {
      this.dropCancelled();
      const top = this.heap[0];
      if (!top || top.at > until) break;
      if (n >= maxEvents) throw new Error(`scheduler: more than ${maxEvents} events before ${until}µs (last: "${top.reason}")`);
      this.step();
      n++;
    }
    if (until > this.current) this.current = until;
    return n;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
  }

  private static less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!Scheduler.less(e, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = e;
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop()!;
    if (h.length === 0) return top;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && Scheduler.less(h[r]!, h[l]!)) c = r;
      if (!Scheduler.less(h[c]!, last)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top;
  }
}
