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
  /** Where the entry sits in the heap: its time and sequence. */
  time: Micros = 0;
  seq = 0;
  /**
   * Set when the entry is cancelled or was moved later (`Scheduler.move`): the one field the run loop reads before
   * running the top entry. A moved entry goes back into the heap at `movedAt`/`movedSeq` when it reaches the top.
   */
  skip = false;
  movedAt: Micros = 0;
  movedSeq = 0;
  reason = '';
  run: () => void = idle;
  /** True when no handle to it was given out, so it may be reused once it has run. */
  reusable = false;
  /** A timer (never reused) that has run: moving it schedules it anew. */
  ran = false;
  /** When the callback runs (a moved timer's new time, before its entry has gone back into the heap). */
  get at(): Micros {
    return this.skip && !this.cancelled ? this.movedAt : this.time;
  }

  cancel(): void {
    this.cancelled = true;
    this.skip = true;
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
   * Moves a timer to `at`: the same as cancelling it and scheduling its callback anew at `at` now (it runs in the
   * order a new timer would, after every event already scheduled for that instant), and the handle to use from now
   * on is returned. A move to a later time keeps the timer's entry where it is: when its old time comes it goes back
   * into the heap at the new place instead of running, so a deadline pushed back at every packet (a NAT mapping's
   * idle timeout, RFC 4787 REQ-5) costs no new entry and leaves no cancelled ones behind. A timer that has run or
   * was cancelled is scheduled anew.
   */
  move(timer: Timer, at: Micros): Timer {
    if (!(timer instanceof Entry)) throw new TypeError(`scheduler: cannot move "${timer.reason}": not a timer a scheduler made`);
    if (timer.cancelled || timer.ran) return this.at(at, timer.reason, timer.run);
    if (!Number.isFinite(at)) throw new RangeError(`cannot schedule "${timer.reason}" at ${at}`);
    const r = Math.round(at);
    const t = r > this.current ? r : this.current;
    if (t < timer.time) {
      timer.cancel();
      return this.at(t, timer.reason, timer.run);
    }
    timer.skip = true;
    timer.movedAt = t;
    timer.movedSeq = this.seq++;
    return timer;
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
    e.time = t > this.current ? t : this.current;
    e.seq = this.seq++;
    e.skip = false;
    e.reason = reason;
    e.run = fn;
    this.push(e);
    return e;
  }

  /** Time of the next live event, or undefined when nothing is pending. */
  peek(): Micros | undefined {
    this.settle();
    return this.heap[0]?.time;
  }

  /** Runs the next live event; false when there was none. */
  step(): boolean {
    this.settle();
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
      if (top.skip) {
        this.pop();
        if (!top.cancelled) this.reenter(top);
        continue;
      }
      if (top.time > until) break;
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
    this.current = e.time;
    this.executed++;
    const run = e.run;
    if (e.reusable) {
      e.run = idle; // let the callback's closure be collected
      this.free.push(e);
    } else e.ran = true;
    run();
  }

  /** A moved entry at the top goes back into the heap at the place it was moved to (not counted as an event). */
  private reenter(e: Entry): void {
    e.time = e.movedAt;
    e.seq = e.movedSeq;
    e.skip = false;
    // not `push`: its sequence was taken when it was moved, so entries at the same time may come after it
    const h = this.heap;
    let i = h.length;
    h.push(e);
    const at = e.time;
    const seq = e.seq;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (parent.time < at || (parent.time === at && parent.seq < seq)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = e;
  }

  /** Pops cancelled entries off the top and puts moved ones back where they belong, until a live one is on top. */
  private settle(): void {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || !top.skip) return;
      this.pop();
      if (!top.cancelled) this.reenter(top);
    }
  }

  private push(e: Entry): void {
    const h = this.heap;
    let i = h.length;
    h.push(e);
    const at = e.time;
    // e has the largest sequence so far: it goes below any entry at the same time
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (parent.time <= at) break;
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
    const at = last.time;
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
        if (right.time < child.time || (right.time === child.time && right.seq < child.seq)) {
          c = r;
          child = right;
        }
      }
      if (at < child.time || (at === child.time && seq < child.seq)) break;
      h[i] = child;
      i = c;
    }
    h[i] = last;
  }
}
