// TURN over TCP (RFC 8656 §3.1) in the simulated world: a client behind a firewall that blocks UDP, a client whose
// connection breaks, and a hostile connection whose bytes cannot be framed.
import { describe, expect, it } from 'vitest';
import type { TurnServer } from './server.ts';
import { connectStream } from '../net/tcp-stream.ts';
import { Host } from '../net/host.ts';
import { buildScenario } from '../scenario/build.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { peekUdpDatagram } from '../wire/ip/udp-datagram.ts';
import { encodeStun, Method } from '../wire/stun/index.ts';
import { SECOND } from '../core/time.ts';

type Json = Record<string, unknown>;
const preset = (): Json => findPreset('turn-tcp-relay')!.build() as Json;

describe('TURN over TCP', () => {
  it('allocates, relays both ways and deallocates over one TCP connection through block-udp', () => {
    const r = runScenario(parseScenario(preset()));
    const kinds = r.trace.notes.filter((n) => n.source === 'alice/turn-client').map((n) => n.kind);
    expect(kinds).toEqual(['turn.allocate', 'turn.stream.open', 'turn.auth', 'turn.allocated', 'turn.permission', 'turn.data.sent', 'turn.data.received', 'turn.channel-bind', 'turn.channel-bound', 'turn.data.sent', 'turn.data.received', 'turn.deallocated']);
    const client = (r.summary.turn as Json[]).find((a) => a.kind === 'turn-client')!;
    expect(client.errors).toEqual([]);
    expect((client.received as Json[]).map((x) => x.via)).toEqual(['Data indication', 'ChannelData 0x4000']);
    // the server saw alice at her NAT's TCP mapping, and the relayed side is UDP to bob
    expect(client.mapped).toMatch(/^203\.0\.113\.10:\d+$/);
    // no UDP ever crossed alice's firewall: everything between her and the server went on the TCP connection
    const udpThroughFw = r.trace.hops.filter((h) => (h.from === 'fw' || h.to === 'fw') && !('error' in peekUdpDatagram(h.bytes)));
    expect(udpThroughFw).toEqual([]);
    const tcpThroughFw = r.trace.hops.filter((h) => h.from === 'fw' && h.to === 'internet');
    expect(tcpThroughFw.length).toBeGreaterThan(8);
    // no request was retransmitted on the reliable transport (RFC 8489 §6.2.2)
    expect(r.trace.notes.filter((n) => n.kind === 'stun.retransmit')).toEqual([]);
  });

  it('deletes the allocation when its TCP connection is reset', () => {
    const built = buildScenario(parseScenario(preset()));
    built.net.run(3 * SECOND);
    const server = built.apps.find((a) => a.spec.kind === 'turn-server')!.endpoint as TurnServer;
    expect([...server.allocations.keys()]).toEqual([expect.stringMatching(/^tcp 203\.0\.113\.10:\d+ 198\.51\.100\.20:3478$/)]);
    const alice = built.net.nodes.get('alice') as Host;
    const tcp = built.world.tcp(alice);
    tcp.act(() => tcp.stack.connections()[0]!.abort(built.net.now));
    built.net.run(4 * SECOND);
    expect(server.allocations.size).toBe(0);
    const deleted = built.net.trace.notes.find((n) => n.kind === 'turn.allocation.deleted')!;
    expect(deleted.text).toMatch(/deleted: its TCP connection closed \(reset\) \(RFC 8656 §3\.1\)$/);
    expect(server.stats.deleted).toBe(1);
  });

  it('answers a Binding request on a connection, then resets it when its next bytes cannot be framed', () => {
    const s = preset();
    s.nodes = { ...(s.nodes as Json), mallory: { kind: 'host', uplink: 'internet', addresses: ['203.0.113.66/24'], link: { delay: '5ms' } } };
    const built = buildScenario(parseScenario(s));
    const mallory = built.net.nodes.get('mallory') as Host;
    const stream = connectStream(built.world.tcp(mallory), { ip: '198.51.100.20', port: 3478 });
    const got: number[] = [];
    let closed: string | undefined;
    stream.handlers = {
      onOpen: (now) => {
        stream.write(now, encodeStun({ method: Method.Binding, class: 'request', transactionId: new Uint8Array(12).fill(9), attributes: [] }));
      },
      onData: (now, b) => {
        got.push(b.length);
        // then a TLS ClientHello's record header on the plain TCP port (first byte 0x16: neither STUN nor ChannelData)
        stream.write(now, new Uint8Array([0x16, 0x03, 0x01, 0x00, 0x2c, 0x01, 0x00, 0x00, 0x28]));
      },
      onClose: (_now, e) => (closed = e ?? 'clean'),
    };
    built.net.run(2 * SECOND);
    expect(got.reduce((a, b) => a + b, 0)).toBeGreaterThan(20); // the Binding success, with XOR-MAPPED-ADDRESS
    expect(closed).toBe('reset');
    const framing = built.net.trace.notes.find((n) => n.kind === 'turn.stream.framing')!;
    expect(framing.text).toContain('first byte 0x16 starts neither a STUN message (00) nor ChannelData (01)');
    expect(framing.source).toBe('turn/turn-server');
  });
});
