// After an ICE restart, the replaced session's TURN allocations are deleted once the new pair is selected, as
// libwebrtc's pruned TurnPorts do (TurnPort::Release: a Refresh with LIFETIME 0, RFC 8656 §7), instead of being left
// to expire on the server. call-ice-restart-regather with the server's allocation lifetime cut to 70 s, so that a
// kept allocation would be refreshed (at lifetime − 60 s) within the run.
import { describe, expect, it } from 'vitest';
import type { Trace } from '../core/trace.ts';
import { decodeUdpDatagram } from '../wire/ip/datagram.ts';
import { decodeStun, getAttribute, Lifetime, Method } from '../wire/stun/index.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { applySet } from '../scenario/set.ts';
import { runScenario } from '../scenario/run.ts';

const SERVER = '198.51.100.10:3478';

/** Every STUN message the TURN server received or sent, with its client-side address. */
function turnMessages(trace: Trace): { t: number; dir: 'in' | 'out'; client: string; method: number; cls: string; lifetime: number | undefined }[] {
  const out = [];
  for (const h of trace.hops) {
    if (h.drop !== undefined || (h.to !== 'server' && h.from !== 'server')) continue;
    const d = decodeUdpDatagram(h.bytes);
    const ip = d.ip.value;
    const udp = d.udp?.value;
    if (!ip || !udp || !d.payload) continue;
    const dir = h.to === 'server' ? ('in' as const) : ('out' as const);
    const server = dir === 'in' ? `${ip.dst}:${udp.dstPort}` : `${ip.src}:${udp.srcPort}`;
    if (server !== SERVER) continue;
    const msg = decodeStun(d.payload, false).value;
    if (!msg) continue;
    const client = dir === 'in' ? `${ip.src}:${udp.srcPort}` : `${ip.dst}:${udp.dstPort}`;
    out.push({ t: h.t, dir, client, method: msg.method, cls: msg.class, lifetime: getAttribute(msg, Lifetime) });
  }
  return out;
}

describe('an ICE restart deletes the old TURN allocations (call-ice-restart-regather)', () => {
  it('sends Refresh LIFETIME 0 once the new pair is selected, gets 200, refreshes the old allocation no more, and the call goes on', { timeout: 300_000 }, () => {
    let raw = findPreset('call-ice-restart-regather')!.build() as unknown;
    raw = applySet(raw, 'apps[0].defaultLifetime="70s"');
    raw = applySet(raw, 'duration="25s"');
    const r = runScenario(parseScenario(raw));
    const msgs = turnMessages(r.trace);
    const released: string[] = [];
    for (const side of ['alice', 'bob']) {
      const restartAt = r.trace.notes.find((n) => n.kind === 'ice.restart' && n.source.startsWith(side))!.t;
      const selected = r.trace.notes.filter((n) => n.kind === 'ice.selected' && n.source.startsWith(side) && n.t > restartAt);
      expect(selected.length, side).toBeGreaterThan(0);
      // one release, at the new generation's selection, of the allocation made before the restart
      const rel = r.trace.notes.filter((n) => n.kind === 'ice.port.released' && n.source.startsWith(side));
      expect(rel.map((n) => n.t), side).toEqual([selected[0]!.t]);
      const data = rel[0]!.data as { relayed: string; server: string; step: string; generation: number };
      expect([data.server, data.step, data.generation], side).toEqual([SERVER, 'TurnPort::Release', 1]);
      const allocated = r.trace.notes.filter((n) => n.kind === 'turn.allocated' && n.source.startsWith(side)).map((n) => ({ t: n.t, relayed: (n.data as { relayed: string }).relayed }));
      expect(allocated.length, side).toBe(2);
      expect(allocated[0]!.t, side).toBeLessThan(restartAt);
      expect(data.relayed, side).toBe(allocated[0]!.relayed);
      released.push(data.relayed);
      // on the wire: from the old allocation's 5-tuple, a Refresh with LIFETIME 0 and its 200 with LIFETIME 0
      const oldClient = msgs.find((m) => m.dir === 'in' && m.method === Method.Allocate && m.t < restartAt && r.trace.notes.some((n) => n.kind === 'turn.allocation.created' && (n.data as { relayed?: string }).relayed === data.relayed && n.text.includes(m.client)))!.client;
      const zero = msgs.filter((m) => m.client === oldClient && m.method === Method.Refresh);
      expect(zero.map((m) => `${m.dir} ${m.cls} ${m.lifetime}`), side).toEqual(['in request 0', 'out success 0']);
      expect(zero[0]!.t, side).toBeGreaterThanOrEqual(selected[0]!.t);
      // nothing more from the old 5-tuple: no Refresh, CreatePermission or ChannelBind
      expect(msgs.filter((m) => m.client === oldClient && m.dir === 'in' && m.t > zero[1]!.t), side).toEqual([]);
      // while its new allocation (through the same NAT) is refreshed at lifetime − 60 s, twice in the run
      const newRefreshes = msgs.filter((m) => m.client !== oldClient && m.client.split(':')[0] === oldClient.split(':')[0] && m.dir === 'in' && m.method === Method.Refresh && m.t > restartAt && msgs.some((x) => x.client === m.client && x.method === Method.Allocate && x.t > restartAt));
      expect(newRefreshes.length, side).toBe(2);
      expect(newRefreshes.every((m) => m.lifetime === 70), side).toBe(true);
      expect(r.trace.notes.filter((n) => n.kind === 'turn.deallocated' && n.source.startsWith(side)).length, side).toBe(1);
    }
    // the server freed both at once: its table holds only the new allocations
    const turn = (r.summary.turn as { deleted: number; expired: number; allocationsLeft: string[] }[])[0]!;
    expect(turn.deleted).toBe(2);
    expect(turn.expired).toBe(0);
    expect(turn.allocationsLeft.some((a) => released.includes(a))).toBe(false);
    expect(turn.allocationsLeft).toHaveLength(2);
    // the call goes on, on the new generation, to the end of the run
    for (const side of ['alice', 'bob']) {
      expect((r.summary.peer as Record<string, { state: string }>)[`${side}/webrtc-peer`]!.state, side).toBe('connected');
      const lastSrtp = r.trace.hops.filter((h) => h.from === side && h.drop === undefined && h.bytes.length > 100).at(-1)!;
      expect(lastSrtp.t, side).toBeGreaterThan(24_000_000);
    }
  });
});
