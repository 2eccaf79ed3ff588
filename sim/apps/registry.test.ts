// The app registry holds together: one module per kind with a unique name, a schema that starts with `kind` and
// `host`, and a note list that covers what its apps really write. Runs of presets that use every kind check that
// each note under an app's source (and each signaling note under "<host>/signaling") matches its kind's list.
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { emitsKind as matches } from './app-kind.ts';
import { APP_KIND_NAMES, APP_KINDS, appKind } from './registry.ts';


/** Presets that, together, run every kind (cheap ones where there is a choice), and scenarios for kinds no preset has yet. */
const PRESETS = ['nat-full-cone', 'stun-binding-open', 'nat-discovery-symmetric', 'turn-relay', 'ice-lite-server', 'dtls-srtp-call', 'call-p2p-turn', 'call-sfu', 'tls13-nat', 'traceroute-double-nat', 'mediasoup-room', 'mediasoup-pion-dtls-server', 'mediasoup-room-tcp', 'ping-double-nat', 'tcp-hole-punching', 'janus-echotest', 'sip-register-call', 'sip-wrong-password'];
PRESETS.push('mediasoup-plain-srtp'); // mediasoup-broadcaster (issue #16, PlainTransport)
PRESETS.push('mediasoup-plain-consumer'); // mediasoup-receiver (issue #16, a consuming PlainTransport)
const MORE: Record<string, unknown> = {
  'rtp-sender': {
    name: 'rtp-sender',
    duration: '2s',
    nodes: {
      internet: { kind: 'router' },
      server: { kind: 'host', uplink: 'internet', addresses: ['198.51.100.10/24'] },
      alice: { kind: 'host', uplink: 'internet', addresses: ['203.0.113.50/24'] },
    },
    apps: [
      { kind: 'udp-echo', host: 'server', listen: ['198.51.100.10:5004'] },
      { kind: 'rtp-sender', host: 'alice', bind: '203.0.113.50:5004', remote: '198.51.100.10:5004' },
    ],
  },
};
const scenarioJson = (name: string): unknown => MORE[name] ?? findPreset(name)!.build();

describe('the app registry', () => {
  it('has one module per kind name, each schema starting with kind and host', () => {
    expect(new Set(APP_KIND_NAMES).size).toBe(APP_KINDS.length);
    for (const k of APP_KINDS) {
      expect(appKind(k.kind)).toBe(k);
      expect(k.fields.map((f) => f.name).slice(0, 2), k.kind).toEqual(['kind', 'host']);
      expect(new Set(k.fields.map((f) => f.name)).size, `${k.kind}: a field declared twice`).toBe(k.fields.length);
      expect(k.about.length, k.kind).toBeGreaterThan(10);
      expect(k.notes.length, k.kind).toBeGreaterThan(0);
    }
  });

  it('runs every kind in the presets checked below', () => {
    const used = new Set([...PRESETS, ...Object.keys(MORE)].flatMap((p) => (((scenarioJson(p) as { apps?: unknown[] }).apps ?? []) as { kind: string }[]).map((a) => a.kind)));
    expect([...APP_KIND_NAMES].filter((k) => !used.has(k))).toEqual([]);
  });

  it.each([...PRESETS, ...Object.keys(MORE)])('%s: every note an app writes is of a kind its module lists', (name) => {
    const s = parseScenario(scenarioJson(name));
    const r = runScenario(s);
    const sourceKind = new Map<string, string>();
    s.apps.forEach((a, i) => {
      const n = s.apps.filter((b, j) => j < i && b.host === a.host && b.kind === a.kind).length;
      sourceKind.set(`${a.host}/${a.kind}${n || ''}`, a.kind);
    });
    const wrong = new Set<string>();
    let checked = 0;
    for (const note of r.trace.notes) {
      if (note.kind === 'endpoint.error') continue; // the EndpointDriver's, for any endpoint
      const kind = sourceKind.get(note.source);
      if (kind) {
        checked++;
        if (!matches(appKind(kind)!.notes, note.kind)) wrong.add(`${kind} (${note.source}): ${note.kind}`);
      } else if (note.source.endsWith('/signaling')) {
        checked++;
        const host = note.source.slice(0, -'/signaling'.length);
        const kinds = s.apps.filter((a) => a.host === host).map((a) => a.kind);
        if (!kinds.some((k) => matches(appKind(k)!.notes, note.kind))) wrong.add(`${note.source}: ${note.kind} (apps ${kinds.join(', ')})`);
      }
    }
    expect(checked).toBeGreaterThan(0);
    expect([...wrong]).toEqual([]);
  });
});
