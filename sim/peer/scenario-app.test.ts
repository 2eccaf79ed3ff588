import { describe, expect, it } from 'vitest';
import { toHex } from '../core/encoding.ts';
import { ScenarioError } from '../schema/check.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';

type Obj = Record<string, Record<string, unknown>>;
const run = (name: string, seed?: number) => runScenario(parseScenario(findPreset(name)!.build()), seed === undefined ? {} : { seed });

describe('DTLS-SRTP presets', () => {
  it('dtls-srtp-call: both sides connect, agree on a profile, and report media per stream with no loss', () => {
    const { summary } = run('dtls-srtp-call');
    const dtls = summary.dtls as Obj;
    const srtp = summary.srtp as Obj;
    const media = summary.media as Record<string, Record<string, unknown>[]>;
    expect(Object.keys(dtls)).toEqual(['alice/dtls-peer', 'bob/dtls-peer']);
    for (const k of Object.keys(dtls)) {
      expect(dtls[k]!.state).toBe('connected');
      expect(dtls[k]!.fingerprintVerified).toBe(true);
      expect(srtp[k]!.profile).toBe('SRTP_AES128_CM_HMAC_SHA1_80'); // the default preference
      const recv = media[k]!.filter((m) => m.direction === 'receive');
      expect(recv.map((m) => m.kind).sort()).toEqual(['audio', 'video']);
      for (const m of recv) {
        expect(m.packets).toBeGreaterThan(400);
        expect(m.lost).toBe(0);
        expect(typeof m.jitterMs).toBe('number');
      }
    }
  });

  it('dtls-lossy-retransmit: flights are retransmitted by timer and by peer retransmission, and the call still connects', () => {
    const { summary, trace } = run('dtls-lossy-retransmit');
    const dtls = summary.dtls as Obj;
    expect(dtls['alice/dtls-peer']!.state).toBe('connected');
    const rt = trace.notes.filter((n) => n.kind === 'dtls.flight.retransmit');
    expect(rt.length).toBeGreaterThanOrEqual(4);
    expect(new Set(rt.map((n) => n.data?.trigger))).toEqual(new Set(['timer', 'peer-retransmit']));
    expect(trace.notes.some((n) => n.kind === 'dtls.flight.retransmit' && n.data?.flight === 2)).toBe(false);
    const lost = (summary.media as Record<string, Record<string, unknown>[]>)['bob/dtls-peer']!.find((m) => m.direction === 'receive')!.lost as number;
    expect(lost).toBeGreaterThan(0);
  });

  it('dtls-mitm-fingerprint-mismatch: alice rejects mallory\'s certificate with bad_certificate and no keys are derived', () => {
    const { summary, trace } = run('dtls-mitm-fingerprint-mismatch');
    const dtls = summary.dtls as Obj;
    expect(dtls['alice/dtls-peer']!.state).toBe('failed');
    expect(dtls['alice/dtls-peer']!.reason).toMatch(/fingerprint/);
    expect(dtls['mallory/dtls-peer']!.state).toBe('failed');
    expect(trace.notes.find((n) => n.kind === 'dtls.alert.sent')?.text).toMatch(/fatal bad_certificate/);
    expect(trace.secrets.filter((s) => s.kind === 'srtp')).toEqual([]);
  });

  it('dtls-srtp-call-nat: the passive side learns the mapped address from the ClientHello and media flows both ways', () => {
    const { summary } = run('dtls-srtp-call-nat');
    const media = summary.media as Record<string, Record<string, unknown>[]>;
    for (const k of ['alice/dtls-peer', 'bob/dtls-peer']) {
      expect((summary.dtls as Obj)[k]!.state).toBe('connected');
      expect(media[k]!.filter((m) => m.direction === 'receive' && (m.packets as number) > 400)).toHaveLength(2);
    }
  });

  it('same seed, same bytes; another seed, other bytes', () => {
    const hops = (seed: number): string => runScenario(parseScenario(findPreset('dtls-srtp-call')!.build()), { seed, until: 600_000 }).trace.hops.map((h) => toHex(h.bytes)).join();
    expect(hops(5)).toBe(hops(5));
    expect(hops(5)).not.toBe(hops(6));
  });
});

describe('the dtls-peer app kind', () => {
  const base = (app: Record<string, unknown>) => ({
    name: 't',
    nodes: { r: { kind: 'router' }, a: { kind: 'host', uplink: 'r', addresses: ['10.0.0.1/24'] } },
    apps: [app],
  });
  it('names every wrong field', () => {
    try {
      parseScenario(base({ kind: 'dtls-peer', host: 'a', bind: '10.0.0.1:1', setup: 'active', peer: 'zed', curves: ['p384'], srtpProfiles: [], mtu: 10, media: { audio: 'yes' } }));
      throw new Error('accepted');
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      const paths = e.issues.map((i) => i.path).sort();
      expect(paths).toEqual(['apps[0].curves[0]', 'apps[0].media.audio', 'apps[0].mtu', 'apps[0].peer', 'apps[0].remote', 'apps[0].srtpProfiles'].sort());
    }
  });
});
