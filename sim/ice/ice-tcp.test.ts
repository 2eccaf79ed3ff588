// ICE-TCP (RFC 6544) in the agent and on the wire: candidate lines with tcptype, the §4.2 priorities, the §6.2 pairing
// rules, checks sent once on a TCP connection, a failed connection failing its pair, and the call-ice-tcp preset
// where a browser behind a UDP-blocking firewall reaches a passive candidate and runs DTLS and SRTP on one connection.
import { describe, expect, it } from 'vitest';
import type { EndpointOutput } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import type { Note } from '../core/trace.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { IceAgent } from './agent.ts';
import type { Candidate } from './candidate.ts';
import { candidatePriority, canPair, directionPreference, formatCandidate, foundationOf, parseCandidate, tcpLocalPreference } from './candidate.ts';
import { tcpHostCandidate } from './ice-tcp.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- summaries are JSON read in tests

describe('TCP candidates (RFC 6544 §4)', () => {
  it('an active candidate is signaled with port 9 and tcptype active; its base is a new connection from its address', () => {
    const c = tcpHostCandidate({ ip: '192.0.2.1', port: 0 }, 'active', 65535);
    expect(c.address).toEqual({ ip: '192.0.2.1', port: 9 });
    expect(c.base).toEqual({ ip: '192.0.2.1', port: 0 });
    expect(formatCandidate(c)).toBe(`${c.foundation} 1 tcp ${c.priority} 192.0.2.1 9 typ host tcptype active`);
    const back = parseCandidate(`candidate:${formatCandidate(c)}`) as Candidate;
    expect([back.transport, back.tcpType, back.address.port]).toEqual(['tcp', 'active', 9]);
  });

  it('§4.2: local preference = 2^13 × direction-pref + other-pref; TCP host ranks below every UDP host and srflx candidate', () => {
    expect([directionPreference('active', false), directionPreference('passive', false), directionPreference('so', false)]).toEqual([6, 4, 2]);
    expect([directionPreference('so', true), directionPreference('active', true), directionPreference('passive', true)]).toEqual([6, 4, 2]);
    expect(tcpLocalPreference('active', false, 65535)).toBe(6 * 8192 + 8191);
    expect(tcpLocalPreference('passive', false, 32767)).toBe(4 * 8192 + 4095);
    const active = tcpHostCandidate({ ip: '192.0.2.1', port: 0 }, 'active', 65535);
    const passive = tcpHostCandidate({ ip: '192.0.2.1', port: 443 }, 'passive', 65535);
    expect(active.priority).toBe(90 * 2 ** 24 + (6 * 8192 + 8191) * 256 + 255);
    expect(active.priority).toBeGreaterThan(passive.priority);
    expect(candidatePriority(100, 0, 1)).toBeGreaterThan(active.priority); // the lowest srflx still wins
    // TCP and UDP candidates on one address never share a foundation (§5.1.1.3: the transport is part of it)
    expect(active.foundation).not.toBe(foundationOf('host', '192.0.2.1', undefined, 'udp'));
  });

  it('a TCP line without a valid tcptype is refused, and so is a transport neither UDP nor TCP', () => {
    expect(parseCandidate('1 1 tcp 1518280447 192.0.2.1 9 typ host')).toEqual({ error: expect.stringContaining('tcptype') });
    expect(parseCandidate('1 1 tcp 1518280447 192.0.2.1 9 typ host tcptype sideways')).toEqual({ error: expect.stringContaining('tcptype') });
    expect(parseCandidate('1 1 sctp 1518280447 192.0.2.1 9 typ host')).toEqual({ error: expect.stringContaining('neither UDP nor TCP') });
  });

  it('§6.2: active pairs with passive, passive with active, so with so, and UDP only with UDP', () => {
    const c = (text: string): Candidate => parseCandidate(text) as Candidate;
    const active = c('1 1 tcp 1 192.0.2.1 9 typ host tcptype active');
    const passive = c('2 1 tcp 1 192.0.2.2 443 typ host tcptype passive');
    const so = c('3 1 tcp 1 192.0.2.2 5000 typ host tcptype so');
    const udp = c('4 1 udp 1 192.0.2.2 5000 typ host');
    expect([canPair(active, passive), canPair(passive, active), canPair(so, so)]).toEqual([true, true, true]);
    expect([canPair(active, active), canPair(passive, passive), canPair(active, so), canPair(so, passive), canPair(active, udp), canPair(udp, passive)]).toEqual([false, false, false, false, false, false]);
  });
});

/** One agent with an active TCP candidate, given a peer with a UDP host and a passive TCP candidate. */
function activeAgent(): { agent: IceAgent; outputs: (now: number) => EndpointOutput[] } {
  const agent = new IceAgent({ name: 'alice', rng: Rng.fromSeed(3).fork('alice'), role: 'controlling' });
  agent.addLocalAddress({ ip: '192.0.2.1', port: 5000 });
  agent.addLocalTcpAddress({ ip: '192.0.2.1', port: 0 }, 'active');
  const outputs = (now: number): EndpointOutput[] => {
    const out: EndpointOutput[] = [];
    for (let o = agent.poll(now); o.type !== 'timeout' && o.type !== 'idle'; o = agent.poll(now)) out.push(o);
    return out;
  };
  outputs(0);
  agent.handleSignal(0, {
    type: 'description', ufrag: 'bobU', pwd: 'bobpasswordbobpassword00', lite: false, restart: false, endOfCandidates: true,
    candidates: ['1 1 udp 2130706431 192.0.2.2 6000 typ host', '2 1 tcp 1518276351 192.0.2.2 443 typ host tcptype passive', '3 1 tcp 1518280447 192.0.2.2 9 typ host tcptype active'],
  });
  return { agent, outputs };
}

describe('TCP checks in the agent (RFC 6544 §7)', () => {
  it('forms one TCP pair (active → passive), sends its check once on a TCP transmit from the active base, never retransmitted', () => {
    const { agent, outputs } = activeAgent();
    const tcpPairs = agent.checklist.pairs.filter((p) => p.local.transport === 'tcp');
    expect(tcpPairs.map((p) => p.id)).toEqual(['192.0.2.1:0 -> 192.0.2.2:443 tcp']);
    const sent: EndpointOutput[] = [];
    for (let t = 0; t <= 30_000_000; t += 50_000) {
      agent.handleTimeout(t);
      sent.push(...outputs(t));
    }
    const tcp = sent.filter((o) => o.type === 'transmit' && o.transport === 'tcp');
    expect(tcp).toHaveLength(1);
    expect(tcp[0]).toMatchObject({ from: { ip: '192.0.2.1', port: 0 }, to: { ip: '192.0.2.2', port: 443 } });
    const udp = sent.filter((o) => o.type === 'transmit' && o.transport === undefined);
    expect(udp.length).toBeGreaterThan(1); // the UDP check is retransmitted
  });

  it('a refused connection fails its pair at once, with a note naming it', () => {
    const { agent, outputs } = activeAgent();
    let notes: EndpointOutput[] = [];
    for (let t = 0; t <= 200_000; t += 50_000) {
      agent.handleTimeout(t);
      notes.push(...outputs(t));
    }
    const pair = agent.checklist.pairs.find((p) => p.local.transport === 'tcp')!;
    expect(pair.state).toBe('in-progress');
    agent.handleStreamClosed(210_000, { ip: '192.0.2.1', port: 0 }, { ip: '192.0.2.2', port: 443 }, 'refused');
    notes = outputs(210_000);
    expect(pair.state).toBe('failed');
    const n = notes.find((o) => o.type === 'note' && o.kind === 'ice.check.tcp-failure');
    expect(n).toMatchObject({ data: { pair: pair.id, error: 'refused' } });
    // no timeout later for that check
    agent.handleTimeout(45_000_000);
    expect(outputs(45_000_000).filter((o) => o.type === 'note' && o.kind === 'ice.check.timeout' && o.data?.['pair'] === pair.id)).toEqual([]);
  });
});

describe('call-ice-tcp: a browser behind a UDP-blocking firewall calls a public one over ICE-TCP', () => {
  const r = runScenario(parseScenario(findPreset('call-ice-tcp')!.build()), {});
  const ice = r.summary.ice as Obj;
  const notes = (kind: string, source?: string): Note[] => r.trace.notes.filter((n) => n.kind === kind && (source === undefined || n.source.startsWith(`${source}/`)));

  it('both select the TCP pair: active host → passive host for alice, passive → peer-reflexive active for bob', () => {
    expect(ice.alice.selectedPair.local).toMatchObject({ type: 'host', protocol: 'tcp', tcpType: 'active', port: 9 });
    expect(ice.alice.selectedPair.remote).toMatchObject({ type: 'host', protocol: 'tcp', tcpType: 'passive', port: 443 });
    expect(ice.bob.selectedPair.local).toMatchObject({ type: 'host', protocol: 'tcp', tcpType: 'passive', port: 443 });
    expect(ice.bob.selectedPair.remote).toMatchObject({ type: 'prflx', protocol: 'tcp', tcpType: 'active', address: '203.0.113.10' });
    expect(notes('ice.selected').map((n) => n.data!.protocol)).toEqual(['tcp', 'tcp']);
    // the UDP pairs die at alice's firewall
    expect(r.summary.drops).toMatchObject({ firewall: expect.any(Number) });
  });

  it('the SDP carries tcptype lines: alice active on port 9, bob passive on 443', () => {
    const gathered = notes('ice.candidate.gathered').map((n) => n.data!.candidate as string);
    expect(gathered.some((c) => / tcp \d+ 203\.0\.113\.10 9 typ host tcptype active/.test(c))).toBe(true);
    expect(gathered.some((c) => / tcp \d+ 203\.0\.113\.20 443 typ host tcptype passive/.test(c))).toBe(true);
  });

  it('one TCP connection carries the checks, DTLS and SRTP both ways: the selected pair reuses it', () => {
    const opened = notes('turn.stream.open').filter((n) => (n.data!.remote as string).endsWith(':443') || (n.data!.local as string).endsWith(':443'));
    expect(opened).toHaveLength(2); // alice's dialled side and bob's accepted side of the same connection
    expect(notes('tcp.listen', 'bob').length).toBe(1);
    const dtls = r.summary.dtls as Obj;
    expect([dtls['alice/webrtc-peer'].state, dtls['bob/webrtc-peer'].state]).toEqual(['connected', 'connected']);
    const srtp = r.summary.srtp as Obj;
    expect(srtp['alice/webrtc-peer'].rtpReceived).toBeGreaterThan(100);
    expect(srtp['bob/webrtc-peer'].rtpReceived).toBeGreaterThan(100);
  });
});
