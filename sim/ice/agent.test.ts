import { describe, expect, it } from 'vitest';
import type { EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { sameTransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import {
  AttrType, decodeStun, ErrorCode, getAttribute, hasAttribute, IceControlling, Priority, shortTermKey, Username, verifyFingerprint, verifyMessageIntegrity,
} from '../wire/stun/index.ts';
import type { StunMessage } from '../wire/stun/index.ts';
import { IceAgent } from './agent.ts';
import { encodeCheck } from './checks.ts';
import type { IceAgentConfig } from './agent.ts';

// Two agents with no network at all: a tiny loop hands each transmit to the other agent at once and carries the
// signaling directly. It shows the agent is sans-IO, and lets the tests read the exact bytes it sends.
interface Sent {
  readonly from: string;
  readonly msg: StunMessage;
  readonly bytes: Uint8Array;
}

function pairOf(a: Partial<IceAgentConfig>, b: Partial<IceAgentConfig>, seed = 1): { alice: IceAgent; bob: IceAgent; sent: Sent[]; run: (until: Micros) => void } {
  const rng = Rng.fromSeed(seed);
  const alice = new IceAgent({ name: 'alice', rng: rng.fork('alice'), role: 'controlling', ...a });
  const bob = new IceAgent({ name: 'bob', rng: rng.fork('bob'), role: 'controlled', ...b });
  const addr: Record<string, TransportAddress> = { alice: { ip: '192.0.2.1', port: 5000 }, bob: { ip: '192.0.2.2', port: 6000 } };
  alice.addLocalAddress(addr.alice!);
  bob.addLocalAddress(addr.bob!);
  const sent: Sent[] = [];
  const agents = { alice, bob };
  const run = (until: Micros): void => {
    let now = 0;
    const wakeAt: Record<string, Micros> = { alice: 0, bob: 0 };
    for (let guard = 0; guard < 100_000 && now <= until; guard++) {
      for (const [name, agent] of Object.entries(agents)) {
        const other = name === 'alice' ? bob : alice;
        if (wakeAt[name]! > now) continue;
        agent.handleTimeout(now);
        for (;;) {
          const o: EndpointOutput = agent.poll(now);
          if (o.type === 'transmit') {
            const msg = decodeStun(o.bytes).value;
            if (msg) sent.push({ from: name, msg, bytes: o.bytes });
            const to = Object.entries(addr).find(([, a]) => sameTransportAddress(a, o.to));
            if (to) {
              other.handleDatagram(now, o.from, o.to, o.bytes);
              wakeAt[name === 'alice' ? 'bob' : 'alice'] = now; // it has input to act on
            }
            continue;
          }
          if (o.type === 'note' || o.type === 'secret') continue;
          wakeAt[name] = o.type === 'timeout' ? o.at : Infinity;
          break;
        }
        for (const m of agent.takeSignals()) {
          other.handleSignal(now, m);
          wakeAt[name === 'alice' ? 'bob' : 'alice'] = now;
        }
      }
      const next = Math.min(wakeAt.alice!, wakeAt.bob!);
      if (next === Infinity) break;
      now = Math.max(now, next);
    }
  };
  return { alice, bob, sent, run };
}

describe('IceAgent without a network', () => {
  it('sends checks with USERNAME remote:local, PRIORITY of a prflx candidate, its role and tie-breaker, MI and FINGERPRINT', () => {
    const { alice, bob, sent, run } = pairOf({}, {});
    run(3_000_000);
    const check = sent.find((s) => s.from === 'alice' && s.msg.class === 'request')!;
    expect(getAttribute(check.msg, Username)).toBe(`${bob.ufrag}:${alice.ufrag}`);
    expect(getAttribute(check.msg, Priority)).toBe(1862270975); // RFC 8445 §7.1.1: type preference 110
    expect(getAttribute(check.msg, IceControlling)).toBe(alice.tieBreaker);
    expect(verifyMessageIntegrity(check.bytes, shortTermKey(bob.pwd)).status).toBe('valid');
    expect(verifyMessageIntegrity(check.bytes, shortTermKey(alice.pwd)).status).toBe('mismatch');
    expect(verifyFingerprint(check.bytes).status).toBe('valid');
    const response = sent.find((s) => s.from === 'bob' && s.msg.class === 'success')!;
    expect(verifyMessageIntegrity(response.bytes, shortTermKey(bob.pwd)).status).toBe('valid');
    expect(alice.state).toBe('completed');
    expect(bob.state).toBe('completed');
    expect(sent.some((s) => s.from === 'alice' && hasAttribute(s.msg, AttrType.UseCandidate))).toBe(true);
  });

  it('resolves two controlling agents by tie-breaker: the larger answers 487, the smaller becomes controlled', () => {
    for (const seed of [1, 2, 3, 4]) {
      const { alice, bob, sent, run } = pairOf({}, { role: 'controlling' }, seed);
      run(3_000_000);
      const [big, small] = alice.tieBreaker > bob.tieBreaker ? ['alice', 'bob'] : ['bob', 'alice'];
      const agents: Record<string, IceAgent> = { alice, bob };
      expect(agents[big]!.controlling, `seed ${seed}`).toBe(true);
      expect(agents[small]!.controlling, `seed ${seed}`).toBe(false);
      const conflict = sent.filter((s) => s.msg.class === 'error' && getAttribute(s.msg, ErrorCode)?.code === 487);
      // a 487 comes only from the larger tie-breaker, unless the smaller switched before its first check landed
      for (const c of conflict) expect(c.from).toBe(big);
      expect(alice.selected, `seed ${seed}`).toBeDefined();
    }
  });

  it('an ICE-lite agent never sends a request, only answers', () => {
    const { bob, sent, run } = pairOf({}, { lite: true });
    run(8_000_000);
    expect(sent.filter((s) => s.from === 'bob' && s.msg.class === 'request')).toEqual([]);
    expect(bob.selected).toBeDefined();
    expect(bob.state).toBe('completed');
  });

  it('answers a check signed with the wrong password 401, and one with a bad FINGERPRINT 400 (RFC 8489 §9.1.3, §14.7)', () => {
    const { alice, bob, run } = pairOf({}, {});
    run(200_000);
    const answer = (bytes: Uint8Array): number | undefined => {
      bob.handleDatagram(300_000, { ip: '192.0.2.1', port: 5000 }, { ip: '192.0.2.2', port: 6000 }, bytes);
      for (let o = bob.poll(300_000); o.type !== 'timeout' && o.type !== 'idle'; o = bob.poll(300_000)) {
        if (o.type === 'transmit') return getAttribute(decodeStun(o.bytes).value!, ErrorCode)?.code ?? 0;
      }
      return undefined;
    };
    const check = (pwd: string): Uint8Array =>
      encodeCheck({ transactionId: new Uint8Array(12).fill(7), localUfrag: alice.ufrag, remoteUfrag: bob.ufrag, remotePwd: pwd, priority: 1862270975, controlling: true, tieBreaker: alice.tieBreaker, useCandidate: false });
    expect(answer(check('not-bobs-password-at-all'))).toBe(401);
    const badFingerprint = check(bob.pwd);
    badFingerprint[badFingerprint.length - 1]! ^= 0xff;
    expect(answer(badFingerprint)).toBe(400);
    expect(answer(check(bob.pwd))).toBe(0); // 0: a success response, no ERROR-CODE
  });
});
