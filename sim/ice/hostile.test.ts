// An ICE agent against an attacker on the path: what follows MESSAGE-INTEGRITY is not covered by it and is ignored
// (RFC 8489 §14.5), so nobody can append a USE-CANDIDATE to someone else's check and steer the nomination.
import { describe, expect, it } from 'vitest';
import type { TransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import { encodeStun, Method, UseCandidate } from '../wire/stun/index.ts';
import { IceAgent } from './agent.ts';
import { encodeCheck } from './checks.ts';

const ALICE: TransportAddress = { ip: '192.0.2.1', port: 5000 };
const BOB: TransportAddress = { ip: '192.0.2.2', port: 6000 };

function settle(agent: IceAgent, now: number): void {
  agent.handleTimeout(now);
  for (let o = agent.poll(now); o.type !== 'timeout' && o.type !== 'idle'; o = agent.poll(now));
}

describe('ICE agent ignores attributes after MESSAGE-INTEGRITY', () => {
  for (const appended of [true, false]) {
    it(`a controlled agent ${appended ? 'ignores a USE-CANDIDATE appended after' : 'honours a USE-CANDIDATE placed before'} MESSAGE-INTEGRITY`, () => {
      const rng = Rng.fromSeed(5);
      const alice = new IceAgent({ name: 'alice', rng: rng.fork('alice'), role: 'controlling' });
      const bob = new IceAgent({ name: 'bob', rng: rng.fork('bob'), role: 'controlled' });
      alice.addLocalAddress(ALICE);
      bob.addLocalAddress(BOB);
      settle(alice, 0);
      settle(bob, 0);
      for (const m of alice.takeSignals()) bob.handleSignal(0, m);
      settle(bob, 0);
      // alice's genuine check, without USE-CANDIDATE (or with it, as the control)
      const check = encodeCheck({ transactionId: new Uint8Array(12).fill(3), localUfrag: alice.ufrag, remoteUfrag: bob.ufrag, remotePwd: bob.pwd, priority: 1862270975, controlling: true, tieBreaker: alice.tieBreaker, useCandidate: !appended });
      let bytes = check;
      if (appended) {
        // drop FINGERPRINT (8 bytes), append USE-CANDIDATE (4 bytes) after MESSAGE-INTEGRITY, fix the length
        const extra = encodeStun({ method: Method.Binding, class: 'request', transactionId: check.subarray(8, 20), attributes: [UseCandidate.of(true)] }).subarray(20);
        bytes = new Uint8Array(check.length - 8 + extra.length);
        bytes.set(check.subarray(0, check.length - 8));
        bytes.set(extra, check.length - 8);
        new DataView(bytes.buffer).setUint16(2, bytes.length - 20);
      }
      bob.handleDatagram(1000, ALICE, BOB, bytes);
      settle(bob, 1000);
      const pairs = bob.checklist.pairs;
      expect(pairs.length).toBeGreaterThan(0);
      expect(pairs.some((p) => p.nominateOnSuccess || p.nominated)).toBe(!appended);
    });
  }
});
