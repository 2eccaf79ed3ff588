// An endpoint made of parts (ICE, DTLS, media, …) sleeps until the earliest of their deadlines and tells why.
import { describe, expect, it } from 'vitest';
import { deadlineOf, nextWake } from './deadline.ts';

describe('nextWake merges the parts\' reason-tagged deadlines', () => {
  it('wakes at the earliest deadline with that part\'s reason', () => {
    expect(nextWake({ at: 300, reason: 'ICE Ta' }, { at: 100, reason: 'DTLS retransmit' }, { at: 200, reason: 'media' })).toEqual({ type: 'timeout', at: 100, reason: 'DTLS retransmit' });
  });

  it('keeps the part listed first on a tie, and skips parts without a deadline', () => {
    expect(nextWake(undefined, { at: 100, reason: 'ICE Ta' }, { at: 100, reason: 'DTLS retransmit' })).toEqual({ type: 'timeout', at: 100, reason: 'ICE Ta' });
  });

  it('is idle when no part has a deadline', () => {
    expect(nextWake()).toEqual({ type: 'idle' });
    expect(nextWake(undefined, undefined)).toEqual({ type: 'idle' });
  });

  it('reads a part\'s timeout output as a deadline, and idle as none', () => {
    expect(deadlineOf({ type: 'timeout', at: 5, reason: 'consent' })).toEqual({ at: 5, reason: 'consent' });
    expect(deadlineOf({ type: 'idle' })).toBeUndefined();
  });
});
