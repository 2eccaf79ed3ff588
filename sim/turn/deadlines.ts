import type { Micros } from '../core/time.ts';

/**
 * The TURN server's deadlines (allocation and permission expiry) in a binary min-heap, so that neither a datagram
 * nor a poll scans every allocation. Entries are never updated in place: a refresh pushes a new entry, and an entry
 * whose deadline no longer matches its owner's (`live` returns false) is discarded when it reaches the top.
 * Ties keep insertion order, so runs stay deterministic.
 */
export interface Deadline<T> {
  readonly at: Micros;
  readonly reason: string;
  readonly item: T;
}

interface Entry<T> extends Deadline<T> {
  readonly seq: number;
}

export class DeadlineQueue<T> {
  private readonly heap: Entry<T>[] = [];
  private seq = 0;

  constructor(private readonly live: (d: Deadline<T>) => boolean) {}

  get size(): number {
    return this.heap.length;
  }

  push(at: Micros, reason: string, item: T): void {
    this.heap.push({ at, reason, item, seq: this.seq++ });
    this.up(this.heap.length - 1);
  }

  /** The earliest deadline still live, without removing it. */
  peek(): Deadline<T> | undefined {
    for (;;) {
      const top = this.heap[0];
      if (!top || this.live(top)) return top;
      this.pop();
    }
  }

  /** Removes and returns the earliest live deadline at or before `now`. */
  takeDue(now: Micros): Deadline<T> | undefined {
    const top = this.peek();
    if (!top || top.at > now) return undefined;
    this.pop();
    return top;
  }

  private pop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length === 0) return;
    this.heap[0] = last;
    this.down(0);
  }

  private less(a: Entry<T>, b: Entry<T>): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) return;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
