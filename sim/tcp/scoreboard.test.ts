// The sender's SACK scoreboard (RFC 6675): ranges merge, the cumulative ACK prunes them, and a hole counts as lost
// only with three segments' worth SACKed above it (IsLost), after what this recovery already retransmitted.
import { describe, expect, it } from 'vitest';
import { SackScoreboard } from './scoreboard.ts';

const MSS = 1000;

describe('SACK scoreboard', () => {
  it('merges overlapping and adjacent blocks and ignores blocks outside (SND.UNA, SND.MAX]', () => {
    const s = new SackScoreboard();
    s.update([{ left: 3000, right: 4000 }, { left: 4000, right: 5000 }, { left: 4500, right: 6000 }, { left: 100, right: 900 }, { left: 9000, right: 12000 }], 1000, 10000);
    expect(s.ranges()).toEqual([{ left: 3000, right: 6000 }]);
  });

  it('a hole is lost only with 3 segments SACKed above it; then the next one after HighRxt', () => {
    const s = new SackScoreboard();
    s.update([{ left: 2000, right: 4000 }], 1000, 10000);
    expect(s.nextHole(1000, MSS)).toBeUndefined(); // only 2 segments above
    s.update([{ left: 5000, right: 6000 }], 1000, 10000);
    expect(s.nextHole(1000, MSS)).toEqual({ seq: 1000, len: 1000 });
    s.retransmitted(1000, 1000);
    // the next hole [4000, 5000) has only one segment SACKed above: not yet lost
    expect(s.nextHole(1000, MSS)).toBeUndefined();
    s.update([{ left: 6000, right: 8000 }], 1000, 10000);
    expect(s.nextHole(1000, MSS)).toEqual({ seq: 4000, len: 1000 });
  });

  it('works across sequence number wrap-around, and the cumulative ACK prunes', () => {
    const s = new SackScoreboard();
    const una = 0xffffff00;
    s.update([{ left: 0x00000100, right: 0x00000f00 }], una, 0x2000);
    expect(s.nextHole(una, MSS)).toEqual({ seq: una, len: 512 });
    s.prune(0x00000200);
    expect(s.ranges()).toEqual([{ left: 0x200, right: 0xf00 }]);
    s.prune(0x1000);
    expect(s.empty).toBe(true);
  });
});
