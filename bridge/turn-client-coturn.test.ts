// Interop: our sans-IO TURN client, on real loopback sockets through the bridge, allocates on a real coturn
// (answering its 401 with long-term credentials), installs a permission, binds a channel and relays data both ways
// to a plain UDP peer; then deletes the allocation with Refresh LIFETIME 0.
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { Rng } from '../sim/core/rng.ts';
import { TurnClient } from '../sim/turn/client.ts';
import { channelThenDeallocate, startCoturn } from './turn-coturn-helpers.ts';
import { UdpBridge } from './udp-bridge.ts';

describe('our TURN client against coturn', () => {
  it('allocates, binds a channel and relays data both ways through turnserver', async () => {
    const coturn = await startCoturn('alice', 's3cr3t-pass', 'example.org');
    const peer = createSocket('udp4');
    let bridge: UdpBridge | undefined;
    try {
      await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
      const peerAddr = { ip: '127.0.0.1', port: peer.address().port };
      const atPeer: { text: string; from: string }[] = [];
      peer.on('message', (m, r) => {
        atPeer.push({ text: m.toString(), from: `${r.address}:${r.port}` });
        peer.send(`echo ${m.toString()}`, r.port, r.address);
      });
      const notes: string[] = [];
      // a placeholder local address: the client is built before the socket is bound, so bind first
      const probe = new UdpBridge({ handleDatagram() {}, handleTimeout() {}, poll: () => ({ type: 'idle' }) });
      const local = await probe.bind('127.0.0.1', 0);
      probe.close();
      const client = new TurnClient(
        'alice',
        {
          local,
          server: { ip: '127.0.0.1', port: coturn.port },
          username: 'alice',
          password: 's3cr3t-pass',
          script: [
            { at: 0, do: 'allocate' },
            { at: 0, do: 'permission', peers: [peerAddr] },
            { at: 0, do: 'send', peer: peerAddr, data: 'by Send indication' },
          ],
        },
        Rng.fromSeed(42),
      );
      bridge = new UdpBridge(client, { onNote: (n) => notes.push(`${n.kind}: ${n.text}`) });
      await bridge.bind(local.ip, local.port);
      bridge.pump();
      await channelThenDeallocate(client, bridge, peerAddr, 0x4001, 'by ChannelData', () => `notes: ${notes.join(' | ')} | coturn: ${coturn.log.join('').slice(-2000)}`);
      expect(client.errors).toEqual([]);
      expect(client.relayed?.ip).toBe('127.0.0.1');
      expect(client.mapped).toEqual(local);
      expect(atPeer.map((p) => p.text)).toEqual(['by Send indication', 'by ChannelData']);
      expect(atPeer[0]!.from).toBe(`127.0.0.1:${client.relayed!.port}`);
      expect(client.received.map((r) => [r.via, r.text])).toEqual([
        ['Data indication', 'echo by Send indication'],
        ['ChannelData 0x4001', 'echo by ChannelData'],
      ]);
      expect(notes.some((n) => n.startsWith('turn.auth') && n.includes('401'))).toBe(true);
    } finally {
      bridge?.close();
      peer.close();
      await coturn.stop();
    }
  });
});
