import { describe, expect, it } from 'vitest';
import { Scheduler } from './scheduler.ts';

describe('scheduler', () => {
  it('runs events in time order whatever order they were scheduled in', () => {
    const s = new Scheduler();
    const seen: number[] = [];
    for (const t of [50, 10, 40, 20, 30, 0, 60]) s.at(t, 'test', () => seen.push(t));
    s.runUntil(1000);
    expect(seen).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(s.now).toBe(1000);
  });

  it('runs events at the same instant in insertion order', () => {
    const s = new Scheduler();
    const seen: string[] = [];
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) s.at(5, name, () => seen.push(name));
    s.at(1, 'first', () => seen.push('first'));
    s.runUntil(10);
    expect(seen).toEqual(['first', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
  });

  it('keeps insertion order for ties across a large random workload', () => {
    const s = new Scheduler();
    const seen: [number, number][] = [];
    let x = 12345;
    for (let i = 0; i < 5000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const t = x % 100;
      s.at(t, 'w', () => seen.push([t, i]));
    }
    s.runUntil(100);
    const sorted = [...seen].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(seen).toEqual(sorted);
  });

  it('does not run a cancelled timer', () => {
    const s = new Scheduler();
    let ran = false;
    const t = s.after(10, 'x', () => (ran = true));
    t.cancel();
    expect(s.peek()).toBeUndefined();
    s.runUntil(100);
    expect(ran).toBe(false);
  });

  it('lets a running event schedule another at the same instant, which runs after it', () => {
    const s = new Scheduler();
    const seen: string[] = [];
    s.at(5, 'a', () => {
      seen.push('a');
      s.after(0, 'a2', () => seen.push('a2'));
    });
    s.at(5, 'b', () => seen.push('b'));
    s.runUntil(5);
    expect(seen).toEqual(['a', 'b', 'a2']);
  });

  it('stops a runaway loop with an error naming the event', () => {
    const s = new Scheduler();
    const loop = (): void => void s.after(0, 'spin', loop);
    s.at(0, 'spin', loop);
    expect(() => s.runUntil(10, 1000)).toThrow(/spin/);
  });

  it('never moves the clock backwards when asked to schedule in the past', () => {
    const s = new Scheduler();
    s.runUntil(100);
    let at = -1;
    s.at(50, 'late', () => (at = s.now));
    s.runUntil(200);
    expect(at).toBe(100);
  });
  it('orders events scheduled without a handle (post) with the others, by time then insertion', () => {
    const s = new Scheduler();
    const seen: string[] = [];
    s.post(5, 'p1', () => seen.push('p1'));
    s.at(5, 'a1', () => seen.push('a1'));
    s.post(3, 'p0', () => {
      seen.push('p0');
      s.post(5, 'p2', () => seen.push('p2'));
    });
    s.after(5, 'a2', () => seen.push('a2'));
    s.runUntil(10);
    expect(seen).toEqual(['p0', 'p1', 'a1', 'a2', 'p2']);
    expect(s.eventsRun).toBe(5);
  });

  it('reuses the entries of posted events, never a handle given out', () => {
    const s = new Scheduler();
    const seen: number[] = [];
    const timer = s.at(1, 'kept', () => seen.push(-1));
    for (let i = 0; i < 100; i++) s.post(i, 'p', () => seen.push(i));
    s.runUntil(50);
    for (let i = 100; i < 200; i++) s.post(i, 'p', () => seen.push(i));
    s.runUntil(300);
    expect(timer.at).toBe(1);
    expect(timer.reason).toBe('kept');
    expect(seen).toEqual([0, -1, ...Array.from({ length: 199 }, (_, k) => k + 1)]);
  });
});
