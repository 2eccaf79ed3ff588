// libwebrtc's way of gathering (libwebrtc.ts): an agent whose address comes with a ranked network runs an
// AllocationSequence for it (UDP, relay and TCP phases 50 ms apart), asks its STUN server on StunRequest's schedule
// (250 ms doubling to 8 s, 9 sends, timeout 8 s after the last) and keeps the mapping alive every 10 s after each
// answer; on a costly (cellular) network the keepalives stop 2 minutes after the first request.
import { describe, expect, it } from 'vitest';
import type { TransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import type { JsonValue } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import { MS, SECOND } from '../core/time.ts';
import { decodeStun, encodeStun, Method, XorMappedAddress } from '../wire/stun/index.ts';
import { IceAgent } from './agent.ts';
import type { NetworkInfo, NetworkType } from './networks.ts';

const HOST: TransportAddress = { ip: '10.0.0.2', port: 5000 };
const STUN: TransportAddress = { ip: '198.51.100.1', port: 3478 };
const MAPPED: TransportAddress = { ip: '203.0.113.5', port: 6000 };

type Note = { t: Micros; kind: string; text: string; data: { [k: string]: JsonValue } };

/** One agent on one network; the STUN server answers after `rtt` (or never), until `until`. */
function gather(type: NetworkType, cost: number, answer: boolean, until: Micros, rtt: Micros = 20 * MS): { notes: Note[]; requests: Micros[] } {
  const agent = new IceAgent({ name: 'alice', rng: Rng.fromSeed(3).fork('alice'), role: 'controlling', stunServers: [STUN] });
  const network: NetworkInfo = { id: 1, type, cost, preference: 127, name: 'alice-if' };
  agent.addLocalAddress(HOST, network);
  const notes: Note[] = [];
  const requests: Micros[] = [];
  const inbound: { at: Micros; bytes: Uint8Array }[] = [];
  let now = 0;
  for (let guard = 0; guard < 100_000 && now <= until; guard++) {
    while (inbound[0] && inbound[0].at <= now) agent.handleDatagram(now, STUN, HOST, inbound.shift()!.bytes);
    agent.handleTimeout(now);
    let wake = Infinity;
    for (;;) {
      const o = agent.poll(now);
      if (o.type === 'note') notes.push({ t: now, kind: o.kind, text: o.text, data: o.data ?? {} });
      else if (o.type === 'transmit') {
        if (o.to.ip !== STUN.ip) continue;
        requests.push(now);
        const req = decodeStun(o.bytes).value!;
        if (answer) inbound.push({ at: now + rtt, bytes: encodeStun({ method: Method.Binding, class: 'success', transactionId: req.transactionId, attributes: [XorMappedAddress.of(MAPPED)] }, { fingerprint: true }) });
      } else {
        if (o.type === 'timeout') wake = o.at;
        break;
      }
    }
    now = Math.min(wake, inbound[0]?.at ?? Infinity);
    if (now === Infinity) break;
  }
  return { notes, requests };
}

describe("libwebrtc's STUN requests and keepalives", () => {
  it("retransmits an unanswered Binding request on StunRequest's schedule and times it out 8 s after the ninth send", () => {
    const { notes, requests } = gather('ethernet', 0, false, 60 * SECOND);
    expect(requests.map((t) => t / MS)).toEqual([0, 250, 750, 1750, 3750, 7750, 15750, 23750, 31750]);
    const timeout = notes.find((n) => n.kind === 'ice.gathering.timeout')!;
    expect(timeout.t / MS).toBe(39750);
    expect(notes.some((n) => n.kind === 'ice.candidate.gathered' && n.data['type'] === 'srflx')).toBe(false);
    expect(notes.find((n) => n.kind === 'ice.gathering' && n.data['state'] === 'complete')!.t / MS).toBe(39750);
  });

  it('asks again 10 s after each answer and gathers the server-reflexive candidate once', () => {
    const { notes, requests } = gather('wifi', 10, true, 65 * SECOND);
    expect(requests.map((t) => t / MS)).toEqual([0, 10020, 20040, 30060, 40080, 50100, 60120]);
    expect(notes.filter((n) => n.kind === 'ice.gathering.keepalive')).toHaveLength(6);
    expect(notes.filter((n) => n.kind === 'ice.gathering.keepalive').every((n) => n.data['step'] === 'StunBindingRequest::OnResponse → UDPPort keepalive')).toBe(true);
    const srflx = notes.filter((n) => n.kind === 'ice.candidate.gathered' && n.data['type'] === 'srflx');
    expect(srflx).toHaveLength(1);
    expect(srflx[0]!.data['step']).toBe('UDPPort::OnStunBindingRequestSucceeded');
    expect(srflx[0]!.t / MS).toBe(20);
  });

  it('stops the keepalives of a cellular port (cost 900) 2 minutes after its first request', () => {
    const { requests } = gather('cellular', 900, true, 200 * SECOND);
    // an answer at 110.24 s is within the lifetime and schedules one more at 120.24 s; its answer at 120.26 s is not
    expect(requests).toHaveLength(13);
    expect(requests.at(-1)! / MS).toBe(120240);
  });
});

describe('an AllocationSequence per network', () => {
  it('runs the UDP, relay and TCP phases 50 ms apart, the host candidate and the STUN request in the UDP phase', () => {
    const { notes, requests } = gather('wifi', 10, false, 200 * MS);
    const seq = notes.filter((n) => n.kind === 'ice.allocation.sequence');
    expect(seq.map((n) => n.data['step'])).toEqual(['BasicPortAllocatorSession::DoAllocate']);
    const phases = notes.filter((n) => n.kind === 'ice.allocation.phase').map((n) => [n.t / MS, n.data['phase'], n.data['step']]);
    expect(phases).toEqual([
      [0, 'udp', 'AllocationSequence::CreateUDPPorts'],
      [50, 'relay', 'AllocationSequence::CreateRelayPorts'],
      [100, 'tcp', 'AllocationSequence::CreateTCPPorts'],
    ]);
    const host = notes.find((n) => n.kind === 'ice.candidate.gathered' && n.data['type'] === 'host')!;
    expect(host.data['step']).toBe('UDPPort::OnLocalAddressReady');
    expect(notes.indexOf(host)).toBeGreaterThan(notes.findIndex((n) => n.kind === 'ice.allocation.phase'));
    expect(requests[0]).toBe(0);
    expect(notes.find((n) => n.kind === 'ice.gathering.request')!.data['step']).toBe('UDPPort::SendStunBindingRequest');
  });
});
