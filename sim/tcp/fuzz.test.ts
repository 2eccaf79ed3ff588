// Hostile segments at random: thousands of segments with random flags, sequence and acknowledgment numbers,
// windows, options and data thrown at both ends of a transfer, from the real peer's address and port. Nothing
// throws, state stays bounded, and unless a RST lands exactly on RCV.NXT (RFC 5961 §3.2), the transfer still
// delivers the same bytes.
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { MS, SECOND } from '../core/time.ts';
import type { TcpOption } from '../wire/tcp/options.ts';
import type { TcpFlagName } from '../wire/tcp/tcp.ts';
import { concat, inject, pattern, sameBytes, sink, source, tcpPair } from '../net/tcp-test-support.ts';

const FLAGS: TcpFlagName[] = ['SYN', 'ACK', 'FIN', 'RST', 'PSH', 'URG'];

function randomOptions(rng: Rng): TcpOption[] {
  const out: TcpOption[] = [];
  for (let i = rng.int(0, 4); i > 0; i--) {
    switch (rng.int(0, 6)) {
      case 0:
        out.push({ kind: 'mss', mss: rng.int(0, 65536) });
        break;
      case 1:
        out.push({ kind: 'window-scale', shift: rng.int(0, 256) });
        break;
      case 2:
        out.push({ kind: 'timestamps', tsval: rng.u32(), tsecr: rng.u32() });
        break;
      case 3:
        out.push({ kind: 'sack', blocks: [{ left: rng.u32(), right: rng.u32() }] });
        break;
      case 4:
        out.push({ kind: 'sack-permitted' });
        break;
      default:
        out.push({ kind: 'nop' });
    }
  }
  return out;
}

/** A transfer of 500 kB a → b with `count` random segments injected from 30 ms on, every 0.5 ms. */
function attack(seed: number, count: number, near: number) {
  const rng = Rng.fromSeed(seed).fork('fuzz');
  const data = pattern(500_000, seed);
  const p = tcpPair({ delay: 5 * MS, loss: 0.01 }, seed);
  const s = sink(p.net, p.b, 5001);
  const c = source(p.net, p.a, { ip: '10.0.0.2', port: 5001 }, data);
  p.net.run(30 * MS);
  const server = s.connection()!;
  for (let i = 0; i < count; i++) {
    p.net.scheduler.at(30 * MS + i * 500, 'test: hostile segment', () => {
      const toClient = rng.chance(0.5);
      const [from, to, host, victim] = toClient ? [server.local, c.local, p.b.host, c] : [c.local, server.local, p.a.host, server];
      const close = rng.chance(near);
      // near: around the victim's window; far: a quarter of the sequence space away from it
      const seq = close ? (victim.rcvNxt + rng.int(-70000, 70000)) >>> 0 : (victim.rcvNxt + 0x40000000 + rng.int(0, 0x40000000)) >>> 0;
      const ack = close ? (victim.sndUna + rng.int(-70000, 70000)) >>> 0 : (victim.sndUna + 0x40000000 + rng.int(0, 0x40000000)) >>> 0;
      const flags = FLAGS.filter(() => rng.chance(0.3));
      const size = rng.chance(0.3) ? rng.int(1, 1400) : 0;
      try {
        inject(p.net, host, from, to, { seq, ack, flags, window: rng.int(0, 65536), options: randomOptions(rng), data: rng.bytes(size) });
      } catch (e) {
        // options that do not fit the 40 bytes the header allows cannot be built: skip those
        if (!(e instanceof RangeError)) throw e;
      }
    });
  }
  p.net.run(300 * SECOND);
  return { p, c, server, data, received: concat(s.received), trace: p.net.finish() };
}

describe('random hostile segments during a transfer', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: 3000 segments near the window never throw, loop or grow state`, () => {
      // in-window data or a forged ACK with acceptable numbers is taken, as by any TCP (RFC 5961 §6 only narrows
      // the odds), so the bytes may differ or one side may be left half-open; what must hold is that nothing
      // throws, no ACK war starts and no state grows
      const r = attack(seed, 3000, 0.8);
      for (const side of [r.p.a, r.p.b]) expect(side.stack.connections().length).toBeLessThanOrEqual(1);
      expect(r.trace.notes.length).toBeLessThan(20_000);
      expect(r.trace.hops.length).toBeLessThan(20_000);
    });
  }

  it('3000 segments far outside the window change nothing: the same bytes arrive', () => {
    const r = attack(4, 3000, 0);
    expect(sameBytes(r.received, r.data)).toBe(true);
    expect(r.c.error).toBeUndefined();
  });
});
