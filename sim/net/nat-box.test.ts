// NAT behaviour proved with packets: which replies get through a NAT node and which are dropped, and which
// external ports remote servers see. Expectations are derived by hand from the RFC 4787 definitions.
import { describe, expect, it } from 'vitest';
import type { Trace } from '../core/trace.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { applySet } from '../scenario/set.ts';

type Behaviour = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';
const BEHAVIOURS: Behaviour[] = ['endpoint-independent', 'address-dependent', 'address-and-port-dependent'];

function run(preset: string, sets: string[] = []): Trace {
  let raw: unknown = findPreset(preset)!.build();
  for (const s of sets) raw = applySet(raw, s);
  return runScenario(parseScenario(raw)).trace;
}

/** Sources alice heard from, and the external address:port each echo says it saw. */
function heard(trace: Trace): { from: string[]; seenAs: string[] } {
  const received = trace.notes.filter((n) => n.kind === 'probe.received' && n.source.startsWith('alice/'));
  return {
    from: received.map((n) => String(n.data?.from)),
    seenAs: received.map((n) => /you are (\S+)"?/.exec(n.text)?.[1]?.replace(/"$/, '') ?? '?'),
  };
}

describe('NAT filtering decides which replies reach alice (RFC 4787 §5)', () => {
  // alice sends to 198.51.100.10:3478 at 0 s; that server answers from .10:3478, .10:3479 and .11:3479 at once.
  // At 1 s alice sends to .11:3478, which answers from there.
  const expected: Record<Behaviour, string[]> = {
    // anyone may answer once a mapping exists
    'endpoint-independent': ['198.51.100.10:3478', '198.51.100.10:3479', '198.51.100.11:3479', '198.51.100.11:3478'],
    // only addresses alice has sent to: .11 answered from :3479 before alice wrote to .11
    'address-dependent': ['198.51.100.10:3478', '198.51.100.10:3479', '198.51.100.11:3478'],
    // only the exact address:port alice sent to
    'address-and-port-dependent': ['198.51.100.10:3478', '198.51.100.11:3478'],
  };
  for (const mapping of BEHAVIOURS) {
    for (const filtering of BEHAVIOURS) {
      it(`${mapping} mapping with ${filtering} filtering lets in ${expected[filtering].length} of 4 replies`, () => {
        const trace = run('nat-full-cone', [`nodes.natA.nat.mapping=${mapping}`, `nodes.natA.nat.filtering=${filtering}`]);
        expect(heard(trace).from).toEqual(expected[filtering]);
        const filtered = trace.hops.filter((h) => h.drop?.startsWith('natA: NAT filtering'));
        expect(filtered).toHaveLength(4 - expected[filtering].length);
      });
    }
  }
});

describe('NAT mapping decides which external port a server sees (RFC 4787 §4.1)', () => {
  // Two servers on different addresses (.10 then .11), then one address on two ports (.10:3478 then .10:3479).
  const ports = (mapping: Behaviour): { differentAddress: boolean; differentPort: boolean } => {
    const a = heard(run('nat-full-cone', [`nodes.natA.nat.mapping=${mapping}`])).seenAs;
    const b = heard(
      run('nat-full-cone', [`nodes.natA.nat.mapping=${mapping}`, 'apps[2].send[1].to=198.51.100.10:3479', 'apps[0].alsoReplyFrom=[]', 'apps[0].listen=["198.51.100.10:3478","198.51.100.10:3479"]']),
    ).seenAs;
    return { differentAddress: a[0] !== a[a.length - 1], differentPort: b[0] !== b[b.length - 1] };
  };
  it('endpoint-independent: every server sees the same external port', () => {
    expect(ports('endpoint-independent')).toEqual({ differentAddress: false, differentPort: false });
  });
  it('address-dependent: a new remote address gets a new port, a new remote port does not', () => {
    expect(ports('address-dependent')).toEqual({ differentAddress: true, differentPort: false });
  });
  it('address-and-port-dependent: any new remote endpoint gets a new port', () => {
    expect(ports('address-and-port-dependent')).toEqual({ differentAddress: true, differentPort: true });
  });
});

describe('NAT port assignment (RFC 4787 §4.2)', () => {
  it('preserves the internal port when it is free', () => {
    expect(heard(run('nat-full-cone', ['nodes.natA.nat.portAssignment=preserve'])).seenAs[0]).toBe('203.0.113.10:5000');
  });
  it('hands out consecutive ports when sequential, under a symmetric NAT', () => {
    const seen = heard(run('nat-symmetric', ['nodes.natA.nat.portAssignment=sequential', 'nodes.natA.nat.portParity=false'])).seenAs;
    const [p1, p2] = [seen[0]!, seen[seen.length - 1]!].map((s) => Number(s.split(':')[1]));
    expect(p2! - p1!).toBe(1);
  });
  it('draws random ports from the seed: the same for the same seed, different for another', () => {
    const at = (seed: string): string => heard(run('nat-symmetric', ['nodes.natA.nat.portAssignment=random', `seed=${seed}`])).seenAs[0]!;
    expect(at('1')).toBe(at('1'));
    expect(at('1')).not.toBe(at('2'));
  });
});

describe('NAT hairpinning, expiry and refresh, double NAT', () => {
  it('loops a packet to its own external address back inside, with the source translated (REQ-9)', () => {
    const t = run('nat-hairpin');
    const got = t.notes.find((n) => n.kind === 'probe.received' && n.text.includes('from bob'));
    expect(got?.data?.from).toBe('203.0.113.10:6000');
  });
  it('drops it when hairpinning is off', () => {
    const t = run('nat-no-hairpin');
    expect(t.notes.some((n) => n.kind === 'probe.received' && n.text.includes('from bob'))).toBe(false);
    expect(t.hops.some((h) => h.drop?.startsWith('natA: NAT hairpinning'))).toBe(true);
  });
  it('expires an idle mapping after its lifetime, and the late reply finds no mapping', () => {
    const t = run('nat-expiry');
    const expired = t.notes.find((n) => n.kind === 'nat.mapping.expired');
    expect(expired?.t).toBe(300_001_000);
    expect(t.hops.some((h) => h.drop?.startsWith('natA: NAT no mapping'))).toBe(true);
    expect(heard(t).from).toEqual([]);
  });
  it('keeps the mapping while outbound keepalives refresh it', () => {
    const t = run('nat-keepalive');
    expect(t.notes.some((n) => n.kind === 'nat.mapping.expired')).toBe(false);
    expect(heard(t).from).toContain('198.51.100.10:3480');
  });
  it('does not let inbound traffic refresh a mapping unless inboundRefresh is on', () => {
    // the server answers every 60 s from :3478 … but alice sends only once: with inbound refresh the mapping lives on
    const sets = ['apps[2].send=[{"at":"0s","to":"198.51.100.10:3478"},{"at":"0s","to":"198.51.100.10:3480"}]', 'apps[0].replyDelay=250s'];
    expect(heard(run('nat-expiry', sets)).from).toEqual(['198.51.100.10:3478']);
    expect(heard(run('nat-expiry', [...sets, 'nodes.natA.nat.inboundRefresh=true'])).from).toEqual(['198.51.100.10:3478', '198.51.100.10:3480']);
  });
  it('translates twice through a double NAT: the server sees only the outer address', () => {
    const t = run('double-nat');
    expect(heard(t).seenAs[0]).toMatch(/^203\.0\.113\.20:\d+$/);
    const first = t.hops.filter((h) => h.packet === 1).map((h) => h.link);
    expect(first).toEqual(['alice-lan', 'home-lan', 'cgnat-wan', 'server-wan']);
  });
  it('notes outbound refreshes, so the table shows when a mapping now expires, at most once a second per mapping', () => {
    const keepalive = run('nat-keepalive').notes.filter((n) => n.kind === 'nat.mapping.refreshed');
    expect(keepalive.map((n) => n.t)).toEqual([60_001_000, 120_001_000, 180_001_000, 240_001_000, 300_001_000]);
    // a call sends hundreds of packets a second through each mapping: refreshes are noted once a second at most
    const call = run('call-p2p').notes.filter((n) => n.kind === 'nat.mapping.refreshed');
    const perMapping = new Map<string, number[]>();
    for (const n of call) {
      const key = `${n.source} ${String(n.data?.internal)}`;
      perMapping.set(key, [...(perMapping.get(key) ?? []), n.t]);
    }
    expect(call.length).toBeGreaterThan(0);
    for (const times of perMapping.values()) for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1_000_000);
  });
});

