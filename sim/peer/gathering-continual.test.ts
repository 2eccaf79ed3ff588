// Continual gathering (libwebrtc's GATHER_CONTINUALLY): a network that goes takes its candidates and pairs with it,
// one that comes mid-call gets an AllocationSequence whose candidates trickle, and the call moves without an ICE
// restart (gather-continual). With GATHER_ONCE the new network is not gathered on. And the scenario's interface
// events, with the errors a wrong one gets.
import { describe, expect, it } from 'vitest';
import type { Note, Trace } from '../core/trace.ts';
import { ScenarioError } from '../schema/check.ts';
import { decodeUdpDatagram } from '../wire/ip/datagram.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { applySet } from '../scenario/set.ts';
import { runScenario, type RunResult } from '../scenario/run.ts';

const raw = (): Record<string, unknown> => findPreset('gather-continual')!.build();
const notes = (t: Trace, kind: string, source: string): Note[] => t.notes.filter((n) => n.kind === kind && n.source.startsWith(source));
const data = <T>(n: Note): T => n.data as T;
const AT = 5_000_000;

describe('continual gathering (gather-continual)', () => {
  let r: RunResult;
  const run = (): RunResult => (r ??= runScenario(parseScenario(raw())));

  it("drops the Wi-Fi's candidates and pairs at 5 s, gathers on cellular and trickles its candidates under the same ufrag", { timeout: 300_000 }, () => {
    const t = run().trace;
    const removed = notes(t, 'ice.candidate.removed', 'alice');
    expect(removed.map((n) => [n.t, data<{ type: string; reason: string }>(n).type, data<{ reason: string }>(n).reason])).toEqual([
      [AT, 'host', 'network-gone'], [AT, 'srflx', 'network-gone'], [AT, 'host', 'network-gone'], [AT, 'relay', 'network-gone'],
    ]);
    expect(removed.map((n) => data<{ candidate: string }>(n).candidate).every((c) => c.includes('network-id 1 network-cost 10'))).toBe(true);
    // every pair on the Wi-Fi fails with its network; the selected one is given up
    const failed = notes(t, 'ice.pair.state', 'alice').filter((n) => n.t === AT && data<{ reason: string }>(n).reason === 'its network 10.0.1.10 is gone');
    expect(failed.length).toBeGreaterThan(0);
    expect(notes(t, 'ice.state', 'alice').filter((n) => n.t >= AT).map((n) => [n.t, data<{ state: string }>(n).state])).toEqual([[AT, 'disconnected'], [5_353_000, 'completed']]);
    // a new AllocationSequence on the cellular network, its phases 50 ms apart
    const seq = notes(t, 'ice.allocation.sequence', 'alice').filter((n) => n.t >= AT);
    expect(seq.map((n) => [n.t, data<{ network: number }>(n).network, data<{ networkType: string }>(n).networkType, data<{ cost: number }>(n).cost])).toEqual([[AT, 2, 'cellular', 900]]);
    expect(notes(t, 'ice.allocation.phase', 'alice').filter((n) => n.t >= AT).map((n) => `${n.t / 1000} ${data<{ phase: string }>(n).phase}`)).toEqual(['5000 udp', '5050 relay', '5100 tcp']);
    // its candidates trickle as they come: host, active TCP, srflx through the carrier NAT, relayed
    const ufrag = data<{ ufrag: string }>(notes(t, 'ice.state', 'alice')[0]!).ufrag;
    const trickled = notes(t, 'signaling.sent', 'alice').filter((n) => n.t >= AT && data<{ message: string }>(n).message === 'candidate');
    expect(trickled.map((n) => [n.t / 1000, data<{ candidate: string }>(n).candidate.replace(/^(candidate:)?\d+ /, '')])).toEqual([
      [5000, '1 udp 2122260223 10.64.0.10 54636 typ host generation 0 network-id 2 network-cost 900'],
      [5100, '1 tcp 1518280447 10.64.0.10 9 typ host tcptype active generation 0 network-id 2 network-cost 900'],
      [5120, '1 udp 1686052607 203.0.113.30 10725 typ srflx raddr 10.64.0.10 rport 54636 generation 0 network-id 2 network-cost 900'],
      [5290, '1 udp 41885439 198.51.100.10 49154 typ relay raddr 203.0.113.30 rport 10725 generation 0 network-id 2 network-cost 900'],
    ]);
    for (const n of trickled) expect(data<{ ufrag: string }>(n).ufrag).toBe(ufrag);
    // no ICE restart, and gathering continually never ends its candidates
    expect(t.notes.filter((n) => n.kind === 'ice.restart')).toEqual([]);
    expect(notes(t, 'ice.signal.sent', 'alice').filter((n) => data<{ message: string }>(n).message === 'end-of-candidates')).toEqual([]);
  });

  it('moves the call to the cellular srflx pair 353 ms after the Wi-Fi dropped, Bob following at 415 ms, on the same DTLS association', { timeout: 300_000 }, () => {
    const { trace: t, summary } = run();
    const sel = (side: string) => notes(t, 'ice.selected', side).map((n) => [n.t, data<{ local: string }>(n).local, data<{ remote: string }>(n).remote]);
    expect(sel('alice')).toEqual([[196_000, '203.0.113.10:54635', '203.0.113.20:60623'], [5_353_000, '203.0.113.30:10725', '203.0.113.20:60623']]);
    expect(sel('bob')).toEqual([[219_000, '203.0.113.20:60623', '203.0.113.10:54635'], [5_415_000, '203.0.113.20:60623', '203.0.113.30:10725']]);
    expect(t.notes.filter((n) => n.kind === 'dtls.state' && n.t >= AT)).toEqual([]);
    for (const side of ['alice', 'bob']) expect((summary.peer as Record<string, { state: string }>)[`${side}/webrtc-peer`]!.state, side).toBe('connected');
    // media runs on the cellular link to the end; nothing crosses the Wi-Fi after it dropped
    const cellular = t.hops.filter((h) => h.link === 'alice-if1' && h.drop === undefined && h.bytes.length > 100);
    expect(cellular.at(-1)!.t).toBeGreaterThan(9_900_000);
    expect(t.hops.filter((h) => h.link === 'alice-lan' && h.t > AT && h.drop === undefined)).toEqual([]);
    expect(t.hops.filter((h) => h.link === 'alice-if1' && h.t < AT && h.drop === undefined)).toEqual([]);
  });

  it('with Alice controlled, Bob (controlling) moves once his selected pair has received nothing for 2.5 s', { timeout: 300_000 }, () => {
    let s: unknown = raw();
    s = applySet(s, 'apps[1].offerer=false');
    s = applySet(s, 'apps[2].offerer=true');
    const { trace: t, summary } = runScenario(parseScenario(s));
    const sel = (side: string) => notes(t, 'ice.selected', side).filter((n) => n.t >= AT).map((n) => [n.t, data<{ remote: string }>(n).remote]);
    expect(sel('alice')).toEqual([[5_353_000, '203.0.113.20:60623']]);
    expect(sel('bob')).toEqual([[7_538_000, '203.0.113.30:10725']]);
    // WEAK_CONNECTION_RECEIVE_TIMEOUT after the last media that reached Bob from Alice's Wi-Fi address (her NAT's)
    const fromWifi = (bytes: Uint8Array): boolean => decodeUdpDatagram(bytes).ip.value?.src === '203.0.113.10';
    const lastOld = t.hops.filter((h) => h.to === 'bob' && h.drop === undefined && fromWifi(h.bytes) && h.bytes.length > 100).at(-1)!;
    expect(7_538_000 - lastOld.arrive).toBeGreaterThanOrEqual(2_500_000);
    expect(7_538_000 - lastOld.arrive).toBeLessThan(2_520_000);
    for (const side of ['alice', 'bob']) expect((summary.peer as Record<string, { state: string }>)[`${side}/webrtc-peer`]!.state, side).toBe('connected');
  });

  it('with GATHER_ONCE drops the Wi-Fi but gathers nothing on cellular: Alice fails', { timeout: 300_000 }, () => {
    let s: unknown = raw();
    s = applySet(s, 'apps[1].continualGatheringPolicy="gather_once"');
    s = applySet(s, 'apps[2].continualGatheringPolicy="gather_once"');
    const t = runScenario(parseScenario(s)).trace;
    expect(notes(t, 'ice.candidate.removed', 'alice')).toHaveLength(4);
    expect(notes(t, 'ice.allocation.sequence', 'alice').filter((n) => n.t >= AT)).toEqual([]);
    expect(notes(t, 'signaling.sent', 'alice').filter((n) => n.t >= AT && data<{ message: string }>(n).message === 'candidate')).toEqual([]);
    expect(notes(t, 'ice.state', 'alice').at(-1)!.t).toBe(AT);
    expect(data<{ state: string }>(notes(t, 'ice.state', 'alice').at(-1)!).state).toBe('failed');
    // gathering once, the session did end its candidates
    expect(notes(t, 'ice.signal.sent', 'alice').filter((n) => data<{ message: string }>(n).message === 'end-of-candidates')).toHaveLength(1);
  });
});

describe('interface events in a scenario', () => {
  const issuesOf = (s: unknown): string[] => {
    try {
      parseScenario(s);
    } catch (e) {
      if (e instanceof ScenarioError) return e.issues.map((i) => `${i.path}: ${i.message}`);
      throw e;
    }
    return [];
  };
  const withEvent = (e: unknown): Record<string, unknown> => ({ ...raw(), events: [e] });

  it('names what is wrong and where', () => {
    expect(issuesOf(withEvent({ at: '1s', host: 'carol', interface: 'alice-lan', state: 'down' }))).toEqual(['events[0].host: no host named "carol"; hosts are server, alice, bob']);
    expect(issuesOf(withEvent({ at: '1s', host: 'natA', interface: 'natA-wan', state: 'down' }))).toEqual(['events[0].host: no host named "natA"; hosts are server, alice, bob']);
    expect(issuesOf(withEvent({ at: '1s', host: 'alice', interface: 'bob-lan', state: 'down' }))).toEqual(['events[0].interface: host alice has no interface on link "bob-lan"; its interfaces are on alice-lan, alice-if1']);
    expect(issuesOf(withEvent({ at: '1s', host: 'alice', interface: 'alice-lan', state: 'off' }))).toEqual(['events[0].state: expected one of "up", "down", got "off"']);
    expect(issuesOf(withEvent({ at: '1s', host: 'alice', interface: 'alice-lan', state: 'down', set: {} }))).toEqual(['events[0].set: unknown field; expected one of at, host, interface, state']);
    expect(issuesOf(withEvent({ host: 'alice', interface: 'alice-lan', state: 'down' }))).toEqual([expect.stringMatching(/^events\[0\]\.at: /)]);
    const badState = raw();
    ((badState.nodes as Record<string, { interfaces: Record<string, unknown>[] }>).alice!.interfaces[0]!).state = 'sleeping';
    expect(issuesOf(badState)).toEqual(['nodes.alice.interfaces[0].state: expected one of "up", "down", got "sleeping"']);
  });

  it("lets a link event name a further interface's link too", () => {
    expect(issuesOf(withEvent({ at: '1s', link: 'alice-if1', set: { loss: 0.1 } }))).toEqual([]);
  });
});
