// libwebrtc's two UDP gathering modes: with PORTALLOCATOR_ENABLE_SHARED_SOCKET (Chromium's default) the UDPPort's one
// socket asks the STUN server, so the srflx candidate's base is the host candidate; without it a StunPort on a socket
// of its own asks, so the srflx candidate has its own base, its own NAT mapping and its own pairs (RFC 8445 §5.1.1.1).
import { describe, expect, it } from 'vitest';
import type { Trace } from '../core/trace.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario, type RunResult } from '../scenario/run.ts';

type AppSpec = { kind: string; host?: string; sharedSocket?: boolean };

/** A preset with `sharedSocket` set on the named hosts' webrtc-peer apps (left alone when undefined). */
function run(name: string, unshared: readonly string[]): RunResult {
  const s = findPreset(name)!.build() as { apps: AppSpec[] };
  for (const a of s.apps) if (a.kind === 'webrtc-peer' && a.host !== undefined && unshared.includes(a.host)) a.sharedSocket = false;
  return runScenario(parseScenario(s));
}
const notes = (t: Trace, kind: string, source: string) => t.notes.filter((n) => n.kind === kind && n.source.startsWith(source));
const data = <T>(n: { data?: unknown }): T => n.data as T;
const gathered = (t: Trace, side: string, type: string) => notes(t, 'ice.candidate.gathered', side).map((n) => data<{ type: string; address: string; base: string; candidate: string; step?: string }>(n)).filter((c) => c.type === type && c.candidate.includes(' udp '));
const port = (a: string): string => a.slice(a.lastIndexOf(':') + 1);

describe('gathering without the shared socket (sharedSocket: false)', () => {
  it("gets the srflx candidate from a StunPort's own local port: its base and related port are that socket, not the host's", { timeout: 300_000 }, () => {
    const r = run('call-p2p', ['alice']);
    const [host] = gathered(r.trace, 'alice', 'host');
    const [srflx] = gathered(r.trace, 'alice', 'srflx');
    expect(host && srflx).toBeTruthy();
    expect(port(srflx!.base)).not.toBe(port(host!.base));
    expect(srflx!.base.startsWith('10.0.1.10:')).toBe(true);
    // raddr/rport carry the StunPort's socket (RFC 8839 §5.1), the step names the StunPort
    expect(srflx!.candidate).toContain(` raddr 10.0.1.10 rport ${port(srflx!.base)}`);
    expect(srflx!.step).toBe('StunPort: UDPPort::OnStunBindingRequestSucceeded');
    // the UDP phase makes two ports: the UDPPort (host) and the StunPort, which sends the Binding request
    const udp = notes(r.trace, 'ice.allocation.phase', 'alice').find((n) => data<{ phase: string }>(n).phase === 'udp')!;
    expect(data<{ ports: number }>(udp).ports).toBe(2);
    expect(udp.text).toContain(`a UDPPort on ${host!.base} (its own socket), a StunPort on ${srflx!.base} asking 1 STUN server(s)`);
    const requests = notes(r.trace, 'ice.gathering.request', 'alice').map((n) => data<{ base: string; step: string }>(n));
    expect(requests).toEqual([{ base: srflx!.base, server: '198.51.100.10:3478', step: 'StunPort::PrepareAddress → UDPPort::SendStunBindingRequest' }]);
  });

  it('makes the NAT create a mapping for each socket: the StunPort, the TurnPort and the host candidate', { timeout: 300_000 }, () => {
    const r = run('call-p2p', ['alice']);
    const [host] = gathered(r.trace, 'alice', 'host');
    const [srflx] = gathered(r.trace, 'alice', 'srflx');
    const mappings = notes(r.trace, 'nat.mapping.created', 'natA').filter((n) => !n.text.includes('TCP mapping')).map((n) => data<{ internal: string; external: string; remote: string }>(n));
    const internal = mappings.map((m) => m.internal);
    expect(new Set(internal).size).toBe(internal.length);
    expect(internal).toHaveLength(3);
    // the srflx candidate is the StunPort socket's mapping toward the STUN server
    expect(mappings.find((m) => m.internal === srflx!.base)).toMatchObject({ external: srflx!.address, remote: '198.51.100.10:3478' });
    // the host socket gets its mapping only from its own checks toward Bob, never from a STUN request
    expect(mappings.find((m) => m.internal === host!.base)!.remote).not.toBe('198.51.100.10:3478');
    // the TURN allocation leaves from a third socket (CreateTurnPort without the shared socket)
    const turn = mappings.find((m) => m.internal !== host!.base && m.internal !== srflx!.base)!;
    expect(turn.remote).toBe('198.51.100.10:3478');
    const [relay] = gathered(r.trace, 'alice', 'relay');
    expect(relay!.candidate).toContain(` raddr ${turn.external.split(':')[0]} rport ${port(turn.external)}`);
  });

  it('pairs the srflx candidate from its own socket and the call connects on it', { timeout: 300_000 }, () => {
    const r = run('call-p2p', ['alice']);
    const [srflx] = gathered(r.trace, 'alice', 'srflx');
    // §6.1.2.4 prunes a srflx pair only when its base is a host candidate's: here none is pruned
    const formed = notes(r.trace, 'ice.pair.state', 'alice').map((n) => data<{ pair: string; localType: string; previous: string | null }>(n)).filter((p) => p.previous === null);
    expect(formed.filter((p) => p.localType === 'srflx').map((p) => p.pair.split(' -> ')[0])).toEqual(expect.arrayContaining([srflx!.base]));
    expect(formed.filter((p) => p.localType === 'srflx').length).toBeGreaterThan(0);
    const sel = notes(r.trace, 'ice.selected', 'alice').at(-1)!.data as { localType: string; pair: string };
    expect(sel.localType).toBe('srflx');
    expect(sel.pair.split(' -> ')[0]).toBe(srflx!.base);
    for (const side of ['alice', 'bob']) expect((r.summary.peer as Record<string, { state: string }>)[`${side}/webrtc-peer`]!.state, side).toBe('connected');
    // Alice's SRTP (RTP version 2: first byte 128–191, RFC 3550 §5.1) leaves from the StunPort's socket
    const rtpFrom = r.trace.hops.filter((h) => h.from === 'alice' && h.link === 'alice-lan' && h.bytes[9] === 17).filter((h) => {
      const ihl = (h.bytes[0]! & 0x0f) * 4;
      const first = h.bytes[ihl + 8] ?? 0;
      return first >= 128 && first < 192;
    }).map((h) => String((h.bytes[(h.bytes[0]! & 0x0f) * 4]! << 8) | h.bytes[(h.bytes[0]! & 0x0f) * 4 + 1]!));
    expect(rtpFrom.length).toBeGreaterThan(0);
    expect(new Set(rtpFrom)).toEqual(new Set([port(srflx!.base)]));
  });

  it('regathers after an ICE restart on a new StunPort socket and connects again', { timeout: 300_000 }, () => {
    const r = run('call-ice-restart-regather', ['alice', 'bob']);
    for (const side of ['alice', 'bob']) {
      const srflx = gathered(r.trace, side, 'srflx');
      const hosts = gathered(r.trace, side, 'host');
      expect(srflx, side).toHaveLength(2);
      expect(port(srflx[1]!.base), side).not.toBe(port(srflx[0]!.base));
      for (const s of srflx) expect(hosts.map((h) => h.base), side).not.toContain(s.base);
      expect((r.summary.peer as Record<string, { state: string }>)[`${side}/webrtc-peer`]!.state, side).toBe('connected');
      const restartAt = notes(r.trace, 'ice.restart', side)[0]!.t;
      expect(notes(r.trace, 'ice.selected', side).at(-1)!.t, side).toBeGreaterThan(restartAt);
    }
  });
});

describe('the shared socket by default', () => {
  it("gets the srflx candidate from the host candidate's socket: one base, one NAT mapping, no StunPort, no srflx pair", { timeout: 300_000 }, () => {
    const r = run('call-p2p', []);
    const [host] = gathered(r.trace, 'alice', 'host');
    const [srflx] = gathered(r.trace, 'alice', 'srflx');
    expect(srflx!.base).toBe(host!.base);
    expect(srflx!.step).toBe('UDPPort::OnStunBindingRequestSucceeded');
    expect(notes(r.trace, 'ice.allocation.phase', 'alice').map((n) => n.text).join('\n')).not.toContain('StunPort');
    expect(notes(r.trace, 'ice.gathering.request', 'alice').map((n) => data<{ base: string }>(n).base)).toEqual([host!.base]);
    // the STUN request, the TURN allocation and the checks all leave from the one socket: one UDP mapping
    const internal = notes(r.trace, 'nat.mapping.created', 'natA').filter((n) => !n.text.includes('TCP mapping')).map((n) => data<{ internal: string }>(n).internal);
    expect(new Set(internal)).toEqual(new Set([host!.base]));
    // srflx pairs are redundant with the host's (§6.1.2.4): none is formed
    expect(notes(r.trace, 'ice.pair.state', 'alice').filter((n) => data<{ localType: string }>(n).localType === 'srflx')).toEqual([]);
    expect((r.summary.peer as Record<string, { state: string }>)['alice/webrtc-peer']!.state).toBe('connected');
  });
});
