// The library's API and matchers, against the sources (test/package runs the packed tarball).
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { presets, run, setDiagnoser, validate, VERSION, ScenarioError } from './index.ts';
import { defineApp, HOST_FIELD, kindField, registerAppKind, unregisterAppKind, appKind } from './endpoint.ts';
import { udpEchoApp } from '../sim/apps/udp-echo.ts';
import './vitest.ts';

afterEach(() => setDiagnoser(undefined));

describe('rtclab as a library', () => {
  it('has the version package.json has', () => {
    expect(VERSION).toBe(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
  });

  it('runs a preset by name and reads its ICE outcome through the relay', () => {
    const r = run('ice-symmetric-turn');
    expect(r.outcome).toBe('connected');
    expect(r).toConnect({ via: 'relay', transport: 'udp', within: '5s' });
    expect(r).not.toConnect({ via: 'host/host' });
    expect(r.connections.map((c) => c.host)).toEqual(Object.keys(r.summary.ice as object));
  });

  it('says why, with the hops, when a connection expectation fails', () => {
    setDiagnoser((_t, s) => [`symmetric NATs: ${Object.keys(s.nats as object).join(', ')}`]);
    const r = run('ice-symmetric-turn');
    let message = '';
    try {
      expect(r).toConnect({ via: 'host', within: '1ms' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/expected every ICE agent to connect via "host" within 1ms, but/);
    expect(message).toMatch(/not via host/);
    expect(message).toMatch(/diagnosis:\n {2}symmetric NATs: natA, natB/);
    expect(message).toMatch(/\[dropped: natA: NAT filtering/);
  });

  it("quotes rtclab's own diagnosis by default: a call that fails names its cause and the fix", () => {
    const r = run('fail-symmetric-no-turn');
    expect(r.diagnosis().join('\n')).toMatch(/TURN|relay/);
    let message = '';
    try {
      expect(r).toConnect();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/diagnosis:\n/);
    expect(run('call-p2p').diagnosis()).toEqual([]);
  });

  it('checks drops, NAT mappings, media and SRTP on a call', () => {
    const r = run('call-p2p');
    expect(r).toConnect();
    expect(r).toCreateNatMapping({ nat: 'natA' });
    expect(r).not.toCreateNatMapping({ nat: 'nowhere' });
    expect(r).toDeliverMedia({ maxLoss: 0.01 });
    expect(r).toNegotiateSrtp('SRTP_AES128_CM_HMAC_SHA1_80');
    expect(() => expect(r).toNegotiateSrtp('SRTP_AEAD_AES_256_GCM')).toThrow(/negotiated SRTP_AES128_CM_HMAC_SHA1_80/);
    expect(r.pcapng().subarray(0, 4)).toEqual(new Uint8Array([0x0a, 0x0d, 0x0d, 0x0a]));
    expect(r.keylog()).toMatch(/^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/m);
    expect(JSON.parse(r.traceJson()).format).toBe('rtclab-trace');
  });

  it('reports a lossy link as drops for loss and a failed expectation of no loss', () => {
    const r = run('lossy-link');
    expect(r).toDropPacket('loss');
    expect(() => expect(r).toDropPacket('queue full')).toThrow(/drops by reason: .*loss × \d+/);
    expect(r.outcome).toBe('completed');
    expect(() => expect(r).toConnect()).toThrow(/the run has no ICE agent/);
  });

  it('pins a run by its digest', () => {
    const a = run('nat-full-cone');
    expect(run('nat-full-cone')).toMatchTraceDigest(a.digest());
    expect(() => expect(run('nat-full-cone', { seed: 2 })).toMatchTraceDigest(a.digest())).toThrow(/not byte-identical/);
  });

  it('validates with every wrong field named', () => {
    const bad = { name: 'bad', nodes: { a: { kind: 'host', addresses: ['nope'] } }, apps: [{ kind: 'no-such-kind', host: 'a' }] };
    expect(() => validate(bad)).toThrow(ScenarioError);
    expect(() => validate(bad)).toThrow(/apps\[0\]\.kind/);
    expect(presets().length).toBeGreaterThan(40);
  });
});

describe('registering an app kind from outside', () => {
  const mine = defineApp({ kind: 'my-echo', about: 'a test kind', fields: [kindField('my-echo'), HOST_FIELD], spec: (v) => ({ kind: 'my-echo' as const, host: v.host }), build: () => { throw new Error('never built'); }, sections: [], notes: [] });
  afterEach(() => unregisterAppKind('my-echo'));

  it('adds the kind to the parser and removes it again', () => {
    const s = { name: 'mine', nodes: { a: { kind: 'host', addresses: ['10.0.0.1/24'] } }, apps: [{ kind: 'my-echo', host: 'a' }] };
    expect(() => validate(s)).toThrow(/apps\[0\]\.kind/);
    registerAppKind(mine);
    registerAppKind(mine); // the same object twice: a no-op
    expect(validate(s).apps[0]).toEqual({ kind: 'my-echo', host: 'a' });
    expect(() => run(s)).toThrow(/apps\[0\]: my-echo on a cannot be built: never built/);
    expect(unregisterAppKind('my-echo')).toBe(true);
    expect(appKind('my-echo')).toBeUndefined();
  });

  it('refuses a name already taken or badly formed', () => {
    expect(() => registerAppKind({ ...udpEchoApp })).toThrow(/"udp-echo" is already registered \(a built-in kind\)/);
    expect(() => registerAppKind({ ...mine, kind: 'My Echo' })).toThrow(/lower-case words joined by hyphens/);
  });
});
