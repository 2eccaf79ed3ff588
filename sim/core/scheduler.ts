import type { Micros } from './time.ts';

/** A scheduled callback; `cancel()` removes it lazily (it stays in the heap but never runs). */
export interface Timer {
  readonly at: Micros;
  readonly reason: string;
  cancel(): void;
  readonly cancelled: boolean;
}

const idle = (): void => {};

/**
 * One pending event. The fields are written in place: an entry scheduled without a handle (`Scheduler.post`) goes
 * back to a free list once it has run and is reused, so the hot path (every link delivery) allocates nothing. An
 * entry handed out as a `Timer` is never reused.
 */
class Entry implements Timer {
  cancelled = false;
  at: Micros = 0;
  seq = 0;
  reason = '';
  run: () => void = idle;
  /** True when no handle to it was given out, so it may be reused once it has run. */
  reusable = false;
  cancel(): void {
    this.cancelled = true;
  }
}

/**
 * Discrete-event scheduler on virtual time.
 * A binary min-heap ordered by (time, insertion sequence): events at the same instant run in the order they were
 * scheduled, so a run never depends on heap internals. The comparisons are written out in `push` and `pop` (a
 * helper call per comparison cost a third of the time: the `scheduler` benchmark, bench/README.md).
 */
export class Scheduler {
  private heap: Entry[] = [];
  private readonly free: Entry[] = [];
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
    const e = this.enter(new Entry(), at, reason, fn);
    return e;
  }

  /** Runs `fn` after `delay` microseconds. */
  after(delay: Micros, reason: string, fn: () => void): Timer {
    return this.at(this.current + delay, reason, fn);
  }

  /**
   * `at` without a handle, for events that are never cancelled (a link's deliveries): the same order as `at`
   * (one sequence), but the entry is reused after it has run, so scheduling allocates nothing.
   */
  post(at: Micros, reason: string, fn: () => void): void {
    const e = this.free.pop() ?? new Entry();
    e.reusable = true;
    this.enter(e, at, reason, fn);
  }

  private enter(e: Entry, at: Micros, reason: string, fn: () => void): Entry {
    if (!Number.isFinite(at)) throw new RangeError(`cannot schedule "${reason}" at ${at}`);
    const t = Math.round(at);
    e.at = t > this.current ? t : this.current;
    e.seq = this.seq++;
    e.reason = reason;
    e.run = fn;
    this.push(e);
    return e;
  }

  /** Time of the next live event, or undefined when nothing is pending. */
  peek(): Micros | undefined {
    this.dropCancelled();
    return this.heap[0]?.at;
  }

  /** Runs the next live event; false when there was none. */
  step(): boolean {
    this.dropCancelled();
    const e = this.heap[0];
    if (e === undefined) return false;
    this.pop();
    this.fire(e);
    return true;
  }

  /**
   * Runs every event due at or before `until`, then sets the clock to `until`.
   * `maxEvents` guards against runaway loops (a component that reschedules itself at the same instant forever).
   */
  runUntil(until: Micros, maxEvents = Number.MAX_SAFE_INTEGER): number {
    const h = this.heap;
    let n = 0;
    for (;;) {
      const top = h[0];
      if (top === undefined) break;
      if (top.cancelled) {
        this.pop();
        continue;
      }
      if (top.at > until) break;
      if (n >= maxEvents) throw new Error(`scheduler: more than ${maxEvents} events before ${until}µs (last: "${top.reason}")`);
      this.pop();
      this.fire(top);
      n++;
    }
    if (until > this.current) this.current = until;
    return n;
  }

  /** Runs a popped entry; a reusable one goes back to the free list first (its callback may schedule again). */
  private fire(e: Entry): void {
    this.current = e.at;
    this.executed++;
    const run = e.run;
    if (e.reusable) {
      e.run = idle; // let the callback's closure be collected
      this.free.push(e);
    }
    run();
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
  }

  private push(e: Entry): void {
    const h = this.heap;
    let i = h.length;
    h.push(e);
    const at = e.at;
    // e has the largest sequence so far: it goes below any entry at the same time
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (parent.at <= at) break;
      h[i] = parent;
      i = p;
    }
    h[i] = e;
  }

  /** Removes the top entry (the heap is not empty). */
  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    const n = h.length;
    if (n === 0) return;
    const at = last.at;
    const seq = last.seq;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let c = l;
      let child = h[l]!;
      const r = l + 1;
      if (r < n) {
        const right = h[r]!;
        if (right.at < child.at || (right.at === child.at && right.seq < child.seq)) {
          c = r;
          child = right;
        }
      }
      if (at < child.at || (at === child.at && seq < child.seq)) break;
      h[i] = child;
      i = c;
    }
    h[i] = last;
  }
}
