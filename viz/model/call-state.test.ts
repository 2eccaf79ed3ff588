import { beforeAll, describe, expect, it } from 'vitest';
import type { Note, Trace } from '../../sim/core/trace.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { dtlsStateAt, parseSrtpSecret } from './dtls-state.ts';
import { iceStateAt } from './ice-state.ts';

let call: Trace;
beforeAll(() => {
  const s = parseScenario(findPreset('call-p2p')!.build());
  call = runScenario({ ...s, duration: 3_000_000 } as typeof s).trace;
});

const firstNote = (kind: string): Note => call.notes.find((n) => n.kind === kind)!;

describe('ICE state from notes', () => {
  it('has no agent before the first ice note and two agents in a call', () => {
    expect(iceStateAt(call.notes, -1)).toEqual([]);
    expect(iceStateAt(call.notes, 3_000_000).map((a) => a.source)).toEqual(['alice/webrtc-peer', 'bob/webrtc-peer']);
  });

  it('marks exactly the ice.selected pair as selected, succeeded and nominated, once the note has passed', () => {
    const sel = firstNote('ice.selected');
    const before = iceStateAt(call.notes, sel.t - 1).find((a) => a.source === sel.source)!;
    expect(before.selected).toBeUndefined();
    expect(before.pairs.some((p) => p.selected)).toBe(false);
    const after = iceStateAt(call.notes, sel.t).find((a) => a.source === sel.source)!;
    const selected = after.pairs.filter((p) => p.selected);
    expect(selected).toHaveLength(1);
    expect(selected[0]!.id).toBe(sel.data!['pair']);
    expect(selected[0]!.state).toBe('succeeded');
    expect(selected[0]!.nominated).toBe(true);
    expect(after.state).toBe('completed');
  });

  it('lists gathered candidates with their gathering times, and the checklist by descending pair priority', () => {
    const a = iceStateAt(call.notes, 3_000_000)[0]!;
    expect(a.local.map((c) => c.type)).toContain('host');
    expect(a.local[0]!.t).toBe(0);
    expect(a.remote.length).toBeGreaterThan(0);
    const prios = a.pairs.map((p) => BigInt(p.priority));
    for (let i = 1; i < prios.length; i++) expect(prios[i - 1]! >= prios[i]!).toBe(true);
    expect(a.gathering).toBe('complete');
  });

  it('steps back: a pair that later succeeds is still waiting or in progress earlier', () => {
    const first = call.notes.find((n) => n.kind === 'ice.pair.state' && n.data!['state'] === 'succeeded')!;
    const pair = (t: number) => iceStateAt(call.notes, t).find((a) => a.source === first.source)!.pairs.find((p) => p.id === first.data!['pair'])!;
    expect(pair(first.t).state).toBe('succeeded');
    expect(['frozen', 'waiting', 'in-progress']).toContain(pair(first.t - 1).state);
  });

  it('forgets the checklist and the selected pair on an ICE restart', () => {
    const base = { source: 'x/ice', text: '' };
    const notes: Note[] = [
      { ...base, t: 0, kind: 'ice.pair.state', data: { pair: 'a -> b', state: 'succeeded', priority: '5', nominated: true } },
      { ...base, t: 1, kind: 'ice.selected', data: { pair: 'a -> b' } },
      { ...base, t: 2, kind: 'ice.restart', data: { initiator: 'local' } },
    ];
    expect(iceStateAt(notes, 1)[0]!.selected).toBe('a -> b');
    const after = iceStateAt(notes, 2)[0]!;
    expect(after.pairs).toEqual([]);
    expect(after.selected).toBeUndefined();
  });
});

describe('DTLS and SRTP state from notes and secrets', () => {
  it('follows each endpoint from connecting to connected with its role', () => {
    const done = call.notes.filter((n) => n.kind === 'dtls.state' && n.data!['to'] === 'connected');
    expect(done).toHaveLength(2);
    const last = Math.max(...done.map((n) => n.t));
    const views = dtlsStateAt(call.notes, call.secrets, last);
    expect(views.map((v) => v.state)).toEqual(['connected', 'connected']);
    expect(new Set(views.map((v) => v.role))).toEqual(new Set(['client', 'server']));
    const earlier = dtlsStateAt(call.notes, call.secrets, last - 1);
    expect(earlier.some((v) => v.state === 'connecting')).toBe(true);
  });

  it('lists flights in order, the peer’s flights too, and the fingerprint check', () => {
    const client = dtlsStateAt(call.notes, call.secrets, 3_000_000).find((v) => v.role === 'client')!;
    const own = client.flights.filter((f) => f.what === 'sent').map((f) => f.flight);
    expect(own[0]).toBe(1);
    expect(own).toEqual([...own].sort((x, y) => x - y));
    expect(client.flights.some((f) => f.what === 'peer-sent' && f.flight === 2)).toBe(true);
    expect(client.fingerprintCheck).toBe('verified');
    expect(client.peerFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('shows the SRTP profile and the exported keys only after the srtp secret', () => {
    const secret = call.secrets.find((s) => s.kind === 'srtp')!;
    const before = dtlsStateAt(call.notes, call.secrets, secret.t - 1).find((v) => v.source === secret.source)!;
    expect(before.srtp?.clientWriteKey).toBeUndefined();
    const after = dtlsStateAt(call.notes, call.secrets, secret.t).find((v) => v.source === secret.source)!;
    expect(after.srtp!.profile).toBe('SRTP_AES128_CM_HMAC_SHA1_80');
    expect(after.srtp!.clientWriteKey).toMatch(/^[0-9a-f]{32}$/);
    expect(after.srtp!.serverWriteSalt).toMatch(/^[0-9a-f]{28}$/);
  });

  it('parses an srtp secret line and rejects other text', () => {
    expect(parseSrtpSecret('SRTP P client_write_key=aa server_write_salt=bb')).toEqual({ profile: 'P', values: { client_write_key: 'aa', server_write_salt: 'bb' } });
    expect(parseSrtpSecret('CLIENT_RANDOM aa bb')).toBeUndefined();
  });

  it('records a fingerprint mismatch with both values', () => {
    const n: Note = { t: 0, source: 'p', kind: 'dtls.fingerprint.mismatch', text: '', data: { actual: 'AA', expected: 'BB' } };
    const v = dtlsStateAt([n], [], 0)[0]!;
    expect(v.fingerprintCheck).toBe('mismatch');
    expect([v.peerFingerprint, v.expectedFingerprint]).toEqual(['AA', 'BB']);
  });
});
