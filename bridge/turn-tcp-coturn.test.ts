// Interop for TURN over TCP (RFC 8656 §3.1) on the kernel's TCP over loopback, both ways:
// - our sans-IO TURN client, its messages framed on a real TCP socket (bridge/tcp-links.ts), against coturn with a
//   TCP listener: Allocate (401, then with credentials), CreatePermission, a Send indication, ChannelBind and
//   ChannelData padded to 4 bytes, data relayed both ways to a UDP peer, then Refresh LIFETIME 0;
// - coturn's turnutils_uclient -t against our TURN server listening on TCP.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { Rng } from '../sim/core/rng.ts';
import { TurnClient } from '../sim/turn/client.ts';
import { TurnServer } from '../sim/turn/server.ts';
import { NodeTcpLinks } from './tcp-links.ts';
import { channelThenDeallocate, runTool as run, freeUdpPort, startCoturn, stopProcess, waitForEcho, waitForStun } from './turn-coturn-helpers.ts';
import { UdpBridge } from './udp-bridge.ts';


describe('TURN over TCP against coturn', () => {
  it('our client allocates on coturn over TCP and relays both ways, ChannelData padded on the stream', async () => {
    const coturn = await startCoturn('alice', 's3cr3t-pass', 'example.org', { tcp: true });
    const peer = createSocket('udp4');
    let bridge: UdpBridge<never> | undefined;
    let links: NodeTcpLinks | undefined;
    try {
      await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
      const peerAddr = { ip: '127.0.0.1', port: peer.address().port };
      const atPeer: string[] = [];
      peer.on('message', (m, r) => {
        atPeer.push(m.toString());
        // an odd length, so the ChannelData coming back needs padding on the stream
        peer.send(`echo ${m.toString()}!`, r.port, r.address);
      });
      const notes: string[] = [];
      const server = { ip: '127.0.0.1', port: coturn.port };
      const client = new TurnClient('alice', {
        local: { ip: '127.0.0.1', port: 0 }, server, username: 'alice', password: 's3cr3t-pass', stream: true,
        script: [
          { at: 0, do: 'allocate' },
          { at: 0, do: 'permission', peers: [peerAddr] },
          { at: 0, do: 'send', peer: peerAddr, data: 'by Send indication over TCP' },
        ],
      }, Rng.fromSeed(42));
      links = new NodeTcpLinks(client);
      const b = new UdpBridge<never>(links, { onNote: (n) => notes.push(`${n.kind}: ${n.text}`) });
      bridge = b;
      links.clock = () => b.now();
      links.pump = () => b.pump();
      b.pump();
      await channelThenDeallocate(client, b, peerAddr, 0x4001, 'by ChannelData, 5 bytes pad', () => `notes: ${notes.join(' | ')} | coturn: ${coturn.log.join('').slice(-2000)}`);
      expect(links.errors).toEqual([]);
      expect(client.errors).toEqual([]);
      // coturn saw us at the socket's own address: the 5-tuple is TCP
      expect(client.mapped).toEqual({ ip: '127.0.0.1', port: links.localPortTo(server) });
      expect(atPeer).toEqual(['by Send indication over TCP', 'by ChannelData, 5 bytes pad']);
      expect(client.received.map((r) => [r.via, r.text])).toEqual([
        ['Data indication', 'echo by Send indication over TCP!'],
        ['ChannelData 0x4001', 'echo by ChannelData, 5 bytes pad!'],
      ]);
      // one request each on a reliable transport: no retransmission (RFC 8489 §6.2.2)
      expect(notes.filter((n) => n.startsWith('stun.retransmit'))).toEqual([]);
    } finally {
      links?.close();
      bridge?.close();
      peer.close();
      await coturn.stop();
    }
  }, 60_000);

  for (const mode of ['channel', 'send'] as const) {
    it(`turnutils_uclient -t (${mode === 'channel' ? 'ChannelData' : 'Send and Data indications'}) relays through our TURN server over TCP`, async () => {
      const port = await freeUdpPort();
      const peerPort = await freeUdpPort();
      const listen = { ip: '127.0.0.1', port };
      const server = new TurnServer({ listen, relayAddresses: [], realm: 'example.org', users: { alice: 's3cr3t-pass' }, deniedPeers: [], acceptRfc5766Channels: true }, Rng.fromSeed(5));
      server.listenOnStreams(listen);
      const links = new NodeTcpLinks(server);
      const created: string[] = [];
      const bridge = new UdpBridge<never>(links, { onNote: (n) => n.kind === 'turn.allocation.created' && created.push(String((n.data as { client: string }).client)) });
      links.clock = () => bridge.now();
      links.pump = () => bridge.pump();
      links.onClosed = (local, remote) => server.streamClosed(bridge.now(), remote, local, 'closed by the client');
      const peer = spawn('turnutils_peer', ['-L', '127.0.0.1', '-p', String(peerPort)], { stdio: 'ignore' });
      try {
        await bridge.bind('127.0.0.1', port);
        await links.listen(listen);
        for (let i = 0; i < 16; i++) server.addRelayAddress(await bridge.bind('127.0.0.1', 0));
        bridge.pump();
        await waitForStun(port, 30_000);
        await waitForEcho(peerPort, 30_000, peer);
        const args = ['-t', '-v', '-c', ...(mode === 'send' ? ['-s'] : []), '-u', 'alice', '-w', 's3cr3t-pass', '-e', '127.0.0.1', '-r', String(peerPort), '-n', '10', '-m', '1', '-l', '121', '-z', '20', '-p', String(port), '127.0.0.1'];
        const r = await run('turnutils_uclient', args, 40_000);
        expect(links.errors.filter((e) => !/ECONNRESET/.test(e))).toEqual([]);
        expect(bridge.errors).toEqual([]);
        expect(r.code, r.out.slice(-3000)).toBe(0);
        const m = /start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/.exec(r.out);
        expect(m, r.out.slice(-3000)).not.toBeNull();
        expect(Number(m![1])).toBeGreaterThan(0);
        expect(Number(m![2])).toBe(Number(m![1]));
        expect(server.stats.allocations).toBeGreaterThanOrEqual(1);
        // every allocation was made by a client the TCP listener accepted (each of uclient's -m 1 … connections)
        expect(created.length).toBeGreaterThanOrEqual(1);
        expect(created.every((c) => links.accepted.some((a) => `${a.ip}:${a.port}` === c))).toBe(true);
        expect(server.stats.relayedToPeer).toBeGreaterThan(0);
        expect(server.stats.relayedToClient).toBeGreaterThan(0);
        if (mode === 'channel') expect(server.stats.channels).toBeGreaterThan(0);
      } finally {
        links.close();
        bridge.close();
        await stopProcess(peer);
      }
    }, 60_000);
  }
});
