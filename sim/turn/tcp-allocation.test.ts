// RFC 6062 TCP allocations through the simulated world: alice, behind a NAT and a firewall that blocks UDP, holds a
// TCP allocation on a control connection; Connect reaches bob's TCP echo server from the relayed address, a
// ConnectionBind on a new data connection splices it, and raw bytes go both ways. Then bob's other host connects to
// the relayed address by itself: ConnectionAttempt, ConnectionBind, data.
import { describe, expect, it } from 'vitest';
import { utf8Decode, utf8Encode } from '../core/encoding.ts';
import { SECOND } from '../core/time.ts';
import type { Host } from '../net/host.ts';
import { connectStream, listenStreams } from '../net/tcp-stream.ts';
import { buildScenario } from '../scenario/build.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import type { TurnClient } from './client.ts';
import type { TurnServer } from './server.ts';

type Json = Record<string, unknown>;

function world(script: Json[]) {
  const s = findPreset('turn-tcp-relay')!.build() as Json;
  const apps = (s.apps as Json[]).filter((a) => a.kind !== 'udp-echo').map((a) =>
    a.kind === 'turn-server' ? { ...a, tcpAllocations: true } : a.kind === 'turn-client' ? { ...a, script } : a,
  );
  s.apps = apps;
  s.duration = '20s';
  const built = buildScenario(parseScenario(s));
  const bob = built.net.nodes.get('bob') as Host;
  const bobTcp = built.world.tcp(bob);
  const atBob: string[] = [];
  // bob's TCP echo server on 7000
  listenStreams(bobTcp, 7000, (stream) => {
    stream.handlers = {
      onData: (now, b) => {
        atBob.push(utf8Decode(b));
        stream.write(now, utf8Encode(`echo: ${utf8Decode(b)}`));
      },
    };
  });
  const server = built.apps.find((a) => a.spec.kind === 'turn-server')!.endpoint as TurnServer;
  const client = built.apps.find((a) => a.spec.kind === 'turn-client')!.endpoint as TurnClient;
  return { built, bobTcp, atBob, server, client };
}

describe('RFC 6062 TCP allocations', () => {
  it('Connect, ConnectionBind on a data connection, then raw TCP both ways through block-udp', () => {
    const w = world([
      { at: '0s', do: 'allocate', relay: 'tcp' },
      { at: '1s', do: 'permission', peers: ['203.0.113.50:7000'] },
      { at: '2s', do: 'connect', peer: '203.0.113.50:7000', data: 'hello bob, over TCP all the way' },
    ]);
    w.built.net.run(10 * SECOND);
    expect(w.client.errors).toEqual([]);
    expect(w.atBob).toEqual(['hello bob, over TCP all the way']);
    expect(w.client.received.map((r) => [r.via.replace(/0x[0-9a-f]{8}/, 'ID'), r.text])).toEqual([['TCP connection ID', 'echo: hello bob, over TCP all the way']]);
    const kinds = w.built.net.trace.notes.filter((n) => n.source === 'turn/turn-server' && n.kind.startsWith('turn.tcp.')).map((n) => n.kind);
    expect(kinds).toEqual(['turn.tcp.connect', 'turn.tcp.bound']);
    expect(w.server.tcp!.stats).toMatchObject({ connects: 1, bound: 1, failed: 0 });
    // bob saw the connection come from the relayed address
    const bobSide = w.bobTcp.stack.connections().map((c) => c.remote);
    expect(bobSide).toContainEqual({ ip: '198.51.100.20', port: 49152 });
  });

  it('a peer connecting to the relayed address is announced by ConnectionAttempt and bound by the client', () => {
    const w = world([
      { at: '0s', do: 'allocate', relay: 'tcp' },
      { at: '1s', do: 'permission', peers: ['203.0.113.50:7000'] },
    ]);
    w.built.net.run(3 * SECOND);
    const got: string[] = [];
    const s = connectStream(w.bobTcp, { ip: '198.51.100.20', port: 49152 });
    s.handlers = { onOpen: (now) => s.write(now, utf8Encode('bob calls alice')), onData: (_t, b) => got.push(utf8Decode(b)) };
    w.bobTcp.pump();
    w.built.net.run(6 * SECOND);
    expect(w.client.errors).toEqual([]);
    expect(w.client.received.map((r) => r.text)).toEqual(['bob calls alice']);
    expect(w.server.tcp!.stats).toMatchObject({ attempts: 1, bound: 1 });
  });

  it('refuses Connect without a permission (403) and a peer connection from an IP without one', () => {
    const w = world([
      { at: '0s', do: 'allocate', relay: 'tcp' },
      { at: '1s', do: 'connect', peer: '203.0.113.50:7000' },
    ]);
    w.built.net.run(3 * SECOND);
    expect(w.client.errors).toEqual(['Connect Request: 403 Forbidden: no permission for 203.0.113.50']);
    let closed: string | undefined;
    const s = connectStream(w.bobTcp, { ip: '198.51.100.20', port: 49152 });
    s.handlers = { onClose: (_t, e) => (closed = e ?? 'clean') };
    w.bobTcp.pump();
    w.built.net.run(6 * SECOND);
    expect(closed).toBe('reset');
    expect(w.server.tcp!.stats.attempts).toBe(0);
  });
});
