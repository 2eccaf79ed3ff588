import { describe, expect, it } from 'vitest';
import type { TransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import { generateDtlsIdentity } from '../dtls/identity.ts';
import { WebRtcPeer } from './webrtc-peer.ts';

// Chromium, controlling, nominates a second pair (from another interface) once connected and sends its DTLS flight
// 6 there; RFC 8445 §12.2 says data may arrive on any valid pair. Two peers wired by hand, no network: the
// offerer has two addresses, and every DTLS datagram it sends is delivered as from its second one. Both pairs must be
// valid before DTLS starts (a datagram from a pair never checked is rightly dropped), so the offerer nominates the
// RFC way, after checking every pair, rather than on the first pair that works.

function call(moveDtls: boolean): { answerer: WebRtcPeer; offerer: WebRtcPeer } {
  const rng = Rng.fromSeed(5);
  const offerer = new WebRtcPeer({ name: 'offerer', rng: rng.fork('o'), identity: generateDtlsIdentity(rng.fork('oi'), 'o'), offerer: true, trickle: false, media: { audio: true }, nomination: 'regular' });
  const answerer = new WebRtcPeer({ name: 'answerer', rng: rng.fork('a'), identity: generateDtlsIdentity(rng.fork('ai'), 'a'), offerer: false, trickle: false, media: { audio: true } });
  const o1 = { ip: '10.0.0.1', port: 5000 };
  const o2 = { ip: '10.0.1.1', port: 5001 };
  offerer.addLocalAddress(o1);
  offerer.addLocalAddress(o2);
  answerer.addLocalAddress({ ip: '10.0.0.2', port: 6000 });
  let now = 0;
  const queue: { to: WebRtcPeer; from: TransportAddress; dst: TransportAddress; bytes: Uint8Array }[] = [];
  for (let step = 0; step < 20_000 && now < 10_000_000; step++) {
    let next = Infinity;
    for (const [p, other] of [[offerer, answerer], [answerer, offerer]] as const) {
      for (;;) {
        const out = p.poll(now);
        if (out.type === 'signal') other.handleSignal(now, p.options.name, out.message);
        else if (out.type === 'transmit') {
          const dtls = out.bytes[0]! >= 20 && out.bytes[0]! <= 63;
          queue.push({ to: other, from: p === offerer && dtls && moveDtls ? o2 : out.from, dst: out.to, bytes: out.bytes });
        } else if (out.type === 'timeout') {
          next = Math.min(next, out.at);
          break;
        } else if (out.type === 'idle') break;
      }
    }
    if (queue.length > 0) {
      for (const d of queue.splice(0)) d.to.handleDatagram(now, d.from, d.dst, d.bytes);
      continue;
    }
    if (answerer.state === 'connected' && offerer.state === 'connected' && answerer.counters.rtpIn > 5) break;
    now = Math.max(now + 1, next === Infinity ? now + 10_000 : next);
    for (const p of [offerer, answerer]) p.handleTimeout(now);
  }
  return { answerer, offerer };
}

describe('a WebRtcPeer takes DTLS from any valid pair of its ICE session', () => {
  it('connects when the DTLS server answers from another valid pair than the selected one', () => {
    const { answerer, offerer } = call(true);
    expect(answerer.dtls?.roleName).toBe('client');
    expect(answerer.dtls?.dropped['foreign-source'] ?? 0).toBe(0);
    expect(answerer.state).toBe('connected');
    expect(offerer.state).toBe('connected');
  });

  it('still connects when DTLS stays on the selected pair', () => {
    expect(call(false).answerer.state).toBe('connected');
  });
});
