// Interop the other way: coturn's own clients against our sans-IO servers on real loopback sockets.
// turnutils_stunclient asks our STUN server (also with RFC 5780 processing, -f); turnutils_uclient allocates on our
// TURN server, answers its 401, installs channels or permissions and relays data to turnutils_peer and back.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Rng } from '../sim/core/rng.ts';
import { StunServer } from '../sim/stun/server.ts';
import { TurnServer } from '../sim/turn/server.ts';
import { runTool as run, freeUdpPort, stopProcess, waitForEcho, waitForStun } from './turn-coturn-helpers.ts';
import type { BridgeNote } from './udp-bridge.ts';
import { UdpBridge } from './udp-bridge.ts';


describe('coturn clients against our servers', () => {
  it('turnutils_stunclient gets its mapped address from our STUN server', async () => {
    const port = await freeUdpPort();
    const server = new StunServer({ primary: { ip: '127.0.0.1', port } });
    const bridge = new UdpBridge(server);
    try {
      await bridge.bind('127.0.0.1', port);
      const r = await run('turnutils_stunclient', ['-p', String(port), '127.0.0.1'], 10_000);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/UDP reflexive addr: 127\.0\.0\.1:\d+/);
      expect(server.stats.responses).toBeGreaterThanOrEqual(1);
    } finally {
      bridge.close();
    }
  });

  it('turnutils_stunclient -f (RFC 5780) reads OTHER-ADDRESS and RESPONSE-ORIGIN from our server', async () => {
    const port = await freeUdpPort();
    const alt = { ip: '127.0.0.2', port: await freeUdpPort() };
    const server = new StunServer({ primary: { ip: '127.0.0.1', port }, alternate: alt });
    const bridge = new UdpBridge(server);
    try {
      for (const a of server.addresses()) await bridge.bind(a.ip, a.port);
      const r = await run('turnutils_stunclient', ['-f', '-p', String(port), '127.0.0.1'], 10_000);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain(`127.0.0.2:${alt.port}`);
    } finally {
      bridge.close();
    }
  });

  for (const mode of ['channel', 'send'] as const) {
    it(`turnutils_uclient (${mode === 'channel' ? 'ChannelBind + ChannelData' : '-s: Send and Data indications'}) relays through our TURN server`, async () => {
      const port = await freeUdpPort();
      const peerPort = await freeUdpPort();
      const notes: BridgeNote[] = [];
      const server = new TurnServer(
        { listen: { ip: '127.0.0.1', port }, relayAddresses: [], realm: 'example.org', users: { alice: 's3cr3t-pass' }, deniedPeers: [], acceptRfc5766Channels: true },
        Rng.fromSeed(5),
      );
      const bridge = new UdpBridge(server, { onNote: (n) => notes.push(n) });
      const peer = spawn('turnutils_peer', ['-L', '127.0.0.1', '-p', String(peerPort)], { stdio: 'ignore' });
      try {
        await bridge.bind('127.0.0.1', port);
        for (let i = 0; i < 16; i++) server.addRelayAddress(await bridge.bind('127.0.0.1', 0));
        bridge.pump();
        await waitForStun(port, 30_000);
        await waitForEcho(peerPort, 30_000, peer);
        const args = ['-v', '-c', ...(mode === 'send' ? ['-s'] : []), '-u', 'alice', '-w', 's3cr3t-pass', '-e', '127.0.0.1', '-r', String(peerPort), '-n', '10', '-m', '1', '-l', '120', '-z', '20', '-p', String(port), '127.0.0.1'];
        const r = await run('turnutils_uclient', args, 30_000);
        expect(bridge.errors).toEqual([]);
        expect(r.code, r.out.slice(-3000)).toBe(0);
        // uclient prints its totals: every message it sent came back through the relay
        const m = /start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/.exec(r.out);
        expect(m, r.out.slice(-3000)).not.toBeNull();
        expect(Number(m![1])).toBeGreaterThan(0);
        expect(Number(m![2])).toBe(Number(m![1]));
        expect(server.stats.allocations).toBeGreaterThanOrEqual(1);
        expect(server.stats.relayedToPeer).toBeGreaterThan(0);
        expect(server.stats.relayedToClient).toBeGreaterThan(0);
        if (mode === 'channel') expect(server.stats.channels).toBeGreaterThan(0);
      } finally {
        bridge.close();
        await stopProcess(peer);
      }
    });
  }
});
