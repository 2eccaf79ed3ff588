// The order a signaling endpoint's outputs leave in: signals first, then the output they were made with.
import { describe, expect, it } from 'vitest';
import type { EndpointOutput } from './endpoint.ts';
import { SignalOutbox } from './signal-outbox.ts';

const note = (text: string): EndpointOutput<string> => ({ type: 'note', kind: 'test', text });

describe('SignalOutbox', () => {
  it('lets the signals queued while working out an output leave before that output', () => {
    const o = new SignalOutbox<string>();
    o.queue('bob', 'offer');
    o.queue('bob', 'candidate');
    expect(o.settle(note('after'))).toEqual({ type: 'signal', to: 'bob', message: 'offer' });
    expect(o.take()).toEqual({ type: 'signal', to: 'bob', message: 'candidate' });
    expect(o.take()).toEqual(note('after'));
    expect(o.take()).toBeUndefined();
  });

  it('returns the output as it is when no signal was queued', () => {
    const o = new SignalOutbox<string>();
    expect(o.settle({ type: 'timeout', at: 9, reason: 'ICE Ta' })).toEqual({ type: 'timeout', at: 9, reason: 'ICE Ta' });
    expect(o.pending()).toBe(false);
  });

  it('forgets a parked deadline when input arrives (it is worked out again), but never a parked transmit or note', () => {
    const o = new SignalOutbox<string>();
    o.queue('bob', 'x');
    o.settle({ type: 'timeout', at: 9, reason: 'ICE Ta' });
    o.take();
    o.input();
    expect(o.take()).toBeUndefined();
    o.queue('bob', 'y');
    o.queue('bob', 'z');
    expect(o.settle(note('kept'))).toEqual({ type: 'signal', to: 'bob', message: 'y' });
    o.input();
    expect(o.take()).toEqual({ type: 'signal', to: 'bob', message: 'z' });
    expect(o.take()).toEqual(note('kept'));
  });

  it('says when a signal is pending (the driver polls it out right after the input that made it)', () => {
    const o = new SignalOutbox<string>();
    o.queue('sfu', 'response');
    expect(o.pending()).toBe(true);
    o.take();
    expect(o.pending()).toBe(false);
  });
});
