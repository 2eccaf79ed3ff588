// ICE checks on the shared STUN transaction timers: one agent, a peer that never answers. The RTO of each check
// follows RFC 8445 §14.3 (Ta × the Waiting and In-Progress pairs, at least 500 ms), retransmissions double it
// (RFC 8489 §6.2.1, Rc = 7) and the pair fails Rm × RTO after the last one. The notes are ICE's own.
import { describe, expect, it } from 'vitest';
import type { TransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import type { JsonValue } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import { MS, SECOND } from '../core/time.ts';
import { IceAgent } from './agent.ts';

const HOST: TransportAddress = { ip: '192.0.2.1', port: 5000 };

/** Alice alone, told of `n` peer host candidates (each its own foundation) at addresses that stay silent. */
function silentPeer(n: number): { notes: { t: Micros; kind: string; data: { [k: string]: JsonValue } }[]; sends: Micros[] } {
  const alice = new IceAgent({ name: 'alice', rng: Rng.fromSeed(9).fork('alice'), role: 'controlling' });
  alice.addLocalAddress(HOST);
  const candidates = Array.from({ length: n }, (_, i) => `f${i} 1 udp ${2130706431 - i} 192.0.2.${50 + i} 7000 typ host`);
  const notes: { t: Micros; kind: string; data: { [k: string]: JsonValue } }[] = [];
  const sends: Micros[] = [];
  let now = 0;
  let signaled = false;
  for (let guard = 0; guard < 10_000; guard++) {
    alice.handleTimeout(now);
    let wake = Infinity;
    for (;;) {
      const o = alice.poll(now);
      if (o.type === 'note') notes.push({ t: now, kind: o.kind, data: o.data ?? {} });
      else if (o.type === 'transmit') sends.push(now);
      else {
        if (o.type === 'timeout') wake = o.at;
        break;
      }
    }
    if (!signaled) {
      signaled = true;
      alice.handleSignal(now, { type: 'description', ufrag: 'peer', pwd: 'peer-password-0123456789', lite: false, restart: false, candidates, endOfCandidates: true });
      continue;
    }
    if (wake === Infinity || wake > 120 * SECOND) break;
    now = wake;
  }
  return { notes, sends };
}

describe('ICE check timers on StunTransactions', () => {
  it('one pair: RTO 500 ms, retransmissions at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s, the pair fails at 39.5 s', () => {
    const { notes } = silentPeer(1);
    const sent = notes.find((n) => n.kind === 'ice.check.sent')!;
    expect(sent.data.rto).toBe(500 * MS);
    const retransmits = notes.filter((n) => n.kind === 'ice.check.retransmit');
    expect(retransmits.map((n) => (n.t - sent.t) / MS)).toEqual([500, 1500, 3500, 7500, 15500, 31500]);
    expect(retransmits.map((n) => n.data.attempt)).toEqual([2, 3, 4, 5, 6, 7]);
    const timeout = notes.find((n) => n.kind === 'ice.check.timeout')!;
    expect((timeout.t - sent.t) / MS).toBe(39500);
    expect(notes.find((n) => n.kind === 'ice.pair.state' && n.data.state === 'failed')?.t).toBe(timeout.t);
    expect(notes.find((n) => n.kind === 'ice.state' && n.data.state === 'failed')?.t).toBe(timeout.t);
  });

  it('twelve pairs: the first check gets RTO = Ta × 12 = 600 ms and keeps that base through its schedule', () => {
    const { notes } = silentPeer(12);
    const first = notes.find((n) => n.kind === 'ice.check.sent')!;
    expect(first.data.rto).toBe(600 * MS);
    const mine = (kind: string) => notes.filter((n) => n.kind === kind && n.data.transactionId === first.data.transactionId);
    expect(mine('ice.check.retransmit').map((n) => (n.t - first.t) / MS)).toEqual([600, 1800, 4200, 9000, 18600, 37800]);
    expect((mine('ice.check.timeout')[0]!.t - first.t) / MS).toBe(37800 + 16 * 600);
  });

  it('writes ICE notes for check retransmissions, not the generic stun.* ones', () => {
    const { notes } = silentPeer(1);
    expect(notes.filter((n) => n.kind === 'ice.check.retransmit')).toHaveLength(6);
    expect(notes.filter((n) => n.kind.startsWith('stun.'))).toEqual([]);
  });
});
