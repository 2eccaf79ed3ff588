import { describe, expect, it } from 'vitest';
import type { TransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import { generateDtlsIdentity } from '../dtls/identity.ts';
import type { PairState } from '../ice/pair.ts';
import { WebRtcPeer } from './webrtc-peer.ts';

// libwebrtc hands DTLS and media up from any connection the channel knows, checked or not
// (P2PTransportChannel::OnReadPacket; RFC 8445 §12.2: data may arrive on any pair), and drops what comes from an
// address it has no connection for (Port::OnReadPacket). Two peers wired by hand, no network: the offerer has two
// addresses, both signalled; what one side sends of a class (DTLS 20–63, RTP/RTCP 128–191) can be delivered as from
// another source: the offerer's second address (a known pair of the answerer's, not yet checked when DTLS starts), or
// an address nobody signalled (no pair: an unauthenticated source).

const O1 = { ip: '10.0.0.1', port: 5000 };
const O2 = { ip: '10.0.1.1', port: 5001 };
const A = { ip: '10.0.0.2', port: 6000 };
const STRANGER = { ip: '10.0.9.9', port: 7000 };

interface Move {
  readonly side: 'offerer' | 'answerer';
  readonly what: 'dtls' | 'media';
  readonly from: TransportAddress;
}

function call(move?: Move): { answerer: WebRtcPeer; offerer: WebRtcPeer; pairStates: (PairState | undefined)[]; unknownNotes: { peer: string; from: string; base: string }[] } {
  const rng = Rng.fromSeed(5);
  const offerer = new WebRtcPeer({ name: 'offerer', rng: rng.fork('o'), identity: generateDtlsIdentity(rng.fork('oi'), 'o'), offerer: true, trickle: false, media: { audio: true } });
  const answerer = new WebRtcPeer({ name: 'answerer', rng: rng.fork('a'), identity: generateDtlsIdentity(rng.fork('ai'), 'a'), offerer: false, trickle: false, media: { audio: true } });
  offerer.addLocalAddress(O1);
  offerer.addLocalAddress(O2);
  answerer.addLocalAddress(A);
  /** The state, at delivery, of the receiver's pair for each moved datagram (undefined: no pair). */
  const pairStates: (PairState | undefined)[] = [];
  const unknownNotes: { peer: string; from: string; base: string }[] = [];
  let now = 0;
  const queue: { to: WebRtcPeer; from: TransportAddress; dst: TransportAddress; bytes: Uint8Array }[] = [];
  for (let step = 0; step < 20_000 && now < 6_000_000; step++) {
    let next = Infinity;
    for (const [p, other] of [[offerer, answerer], [answerer, offerer]] as const) {
      for (;;) {
        const out = p.poll(now);
        if (out.type === 'signal') other.handleSignal(now, p.options.name, out.message);
        else if (out.type === 'note' && out.kind === 'ice.data.unknown-source') {
          const d = out.data as { from: string; base: string };
          unknownNotes.push({ peer: p.options.name, from: d.from, base: d.base });
        }
        else if (out.type === 'transmit') {
          const b = out.bytes[0]!;
          const what = b >= 20 && b <= 63 ? 'dtls' : b >= 128 && b <= 191 ? 'media' : 'stun';
          const moved = move && p === (move.side === 'offerer' ? offerer : answerer) && what === move.what;
          queue.push({ to: other, from: moved ? move.from : out.from, dst: out.to, bytes: out.bytes });
          if (moved) pairStates.push(other.transport.agent.checklist.find(out.to, move.from)?.state);
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
    if (answerer.state === 'connected' && offerer.state === 'connected' && answerer.counters.rtpIn > 5 && offerer.counters.rtpIn > 5) break;
    now = Math.max(now + 1, next === Infinity ? now + 10_000 : next);
    for (const p of [offerer, answerer]) p.handleTimeout(now);
  }
  return { answerer, offerer, pairStates, unknownNotes };
}

describe('a WebRtcPeer reads DTLS and media from any known pair of its ICE session, and from nowhere else', () => {
  it("takes the DTLS server's flights from a signalled pair it has not checked yet", () => {
    const { answerer, offerer, pairStates } = call({ side: 'offerer', what: 'dtls', from: O2 });
    expect(answerer.dtls?.roleName).toBe('client');
    // the first flight reaches the answerer before its own check of the pair to the second address has succeeded
    expect(pairStates[0]).toBeDefined();
    expect(pairStates[0]).not.toBe('succeeded');
    expect(answerer.dtls?.dropped['foreign-source'] ?? 0).toBe(0);
    expect(answerer.transport.agent.dataFromUnknown).toBe(0);
    expect(answerer.state).toBe('connected');
    expect(offerer.state).toBe('connected');
  });

  it('still connects when DTLS stays on the selected pair', () => {
    const { answerer, offerer } = call();
    expect(answerer.state).toBe('connected');
    expect(offerer.transport.agent.dataFromUnknown).toBe(0);
  });

  it('drops DTLS from an address no pair knows before DTLS sees it: the server adopts no stranger and never connects', () => {
    const { answerer, offerer, pairStates, unknownNotes } = call({ side: 'answerer', what: 'dtls', from: STRANGER });
    expect(pairStates.length).toBeGreaterThan(0);
    expect(pairStates.every((s) => s === undefined)).toBe(true);
    expect(offerer.transport.agent.state).toBe('completed'); // ICE works: its checks come from the signalled address
    expect(offerer.dtls?.remote).toEqual(A); // the selected pair's: the stranger's ClientHello never reached DTLS
    expect(offerer.dtls?.state).not.toBe('connected');
    expect(offerer.transport.agent.dataFromUnknown).toBe(pairStates.length);
    expect(offerer.state).not.toBe('connected');
    expect(answerer.state).not.toBe('connected');
    // one note for the source, the rest only counted
    expect(unknownNotes).toEqual([{ peer: 'offerer', from: '10.0.9.9:7000', base: '10.0.0.1:5000' }]);
  });

  it('drops SRTP from an address no pair knows, and takes it from a known pair not yet checked', () => {
    const stranger = call({ side: 'answerer', what: 'media', from: STRANGER });
    expect(stranger.offerer.dtls?.state).toBe('connected');
    expect(stranger.offerer.counters.rtpIn).toBe(0);
    expect(stranger.offerer.transport.agent.dataFromUnknown).toBeGreaterThan(0);
    const known = call({ side: 'offerer', what: 'media', from: O2 });
    expect(known.answerer.counters.rtpIn).toBeGreaterThan(5);
    expect(known.answerer.transport.agent.dataFromUnknown).toBe(0);
  });
});
