import { describe, expect, it } from 'vitest';
import { Scheduler, type Timer } from './scheduler.ts';

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

  it('runs a moved timer as a cancelled one scheduled anew would run: after what was already due at that instant', () => {
    const s = new Scheduler();
    const seen: string[] = [];
    let timer = s.at(10, 'deadline', () => seen.push(`deadline@${s.now}`));
    s.at(30, 'earlier-made', () => seen.push('earlier-made'));
    s.at(5, 'refresh', () => {
      timer = s.move(timer, 30); // later: the entry stays, and goes back in at 30 when 10 comes
      s.at(30, 'later-made', () => seen.push('later-made'));
    });
    s.runUntil(20);
    expect(seen).toEqual([]);
    expect(timer.at).toBe(30);
    s.runUntil(40);
    expect(seen).toEqual(['earlier-made', 'deadline@30', 'later-made']);
    expect(s.eventsRun).toBe(4); // the entry's return to the heap at 10 is not an event
  });

  it('puts a moved timer back before what was scheduled for the same instant after the move', () => {
    const s = new Scheduler();
    const seen: string[] = [];
    let timer = s.at(10, 'moved', () => seen.push('moved'));
    s.at(5, 'move', () => (timer = s.move(timer, 30)));
    s.at(6, 'after the move', () => s.at(30, 'made after', () => seen.push('made after')));
    s.runUntil(40);
    expect(seen).toEqual(['moved', 'made after']);
  });

  it('moves a timer earlier, or schedules anew one that ran or was cancelled', () => {
    const s = new Scheduler();
    const seen: number[] = [];
    const t = s.at(50, 'd', () => seen.push(s.now));
    const earlier = s.move(t, 20);
    expect(t.cancelled).toBe(true);
    expect(earlier.at).toBe(20);
    s.runUntil(100);
    expect(seen).toEqual([20]);
    const again = s.move(earlier, 150); // it ran: a new timer with the same callback
    expect(again).not.toBe(earlier);
    s.runUntil(200);
    expect(seen).toEqual([20, 150]);
    again.cancel();
    s.move(again, 250);
    const gone = s.at(300, 'x', () => seen.push(-1));
    s.move(gone, 400).cancel(); // moved later, then cancelled: never runs
    s.runUntil(500);
    expect(seen).toEqual([20, 150, 250]);
    expect(() => s.move({ at: 1, reason: 'fake', cancelled: false, cancel: () => {} }, 2)).toThrow(/fake/);
  });

  it('keeps one entry for a deadline pushed back many times, in the order cancel-and-schedule gives', () => {
    // two schedulers, one moving its timers and one cancelling and scheduling anew, driven by the same random steps;
    // narrow time ranges make many events share an instant, where only the sequence orders them
    for (const seed of [1, 7, 12345, 99991]) {
      for (const span of [4, 60]) {
        let x = seed;
        const rnd = (n: number): number => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % n);
        const runs = [new Scheduler(), new Scheduler()].map((s, moving) => {
          const seen: string[] = [];
          const timers: Timer[] = [];
          x = seed;
          for (let k = 0; k < 4; k++) timers.push(s.at(rnd(span), `t${k}`, () => seen.push(`t${k}@${s.now}`)));
          for (let i = 0; i < 300; i++) {
            s.post(s.now + rnd(span), `p${i}`, () => {
              seen.push(`p${i}@${s.now}`);
              const k = rnd(4);
              const at = s.now + rnd(span);
              const old = timers[k]!;
              if (moving) timers[k] = s.move(old, at);
              else {
                old.cancel();
                timers[k] = s.at(at, old.reason, () => seen.push(`t${k}@${s.now}`));
              }
            });
            s.runUntil(s.now + rnd(span / 2));
          }
          s.runUntil(s.now + 1000);
          return { seen, events: s.eventsRun };
        });
        expect(runs[1]!.seen).toEqual(runs[0]!.seen);
        expect(runs[1]!.events).toBe(runs[0]!.events);
        expect(runs[0]!.seen.filter((e) => e.startsWith('t')).length).toBeGreaterThan(3);
      }
    }
  });
});
