// Node only, run inside a network namespace (turn-tcp-tun.test.ts starts it): our TURN client on OUR TCP (the
// simulator's TcpStack behind a TUN device, bridge/tun-tcp.ts) against coturn listening on TCP on the kernel's side:
// Allocate (401, then with credentials), CreatePermission, a Send indication, ChannelBind and ChannelData padded to
// 4 bytes on the stream (RFC 8656 §3.1, §12.5), data relayed both ways to a UDP peer, then Refresh LIFETIME 0. The
// results are printed as JSON; with a file argument tshark captures the TUN device into it.
import { createSocket } from 'node:dgram';
import type { EndpointOutput } from '../sim/core/endpoint.ts';
import { Rng } from '../sim/core/rng.ts';
import { TurnClient } from '../sim/turn/client.ts';
import { frameForStream, StreamFramer } from '../sim/turn/stream-framer.ts';
import { channelThenDeallocate, startCoturn } from './turn-coturn-helpers.ts';
import { openTunSession, runScript } from './tun-session.ts';

const captureFile = process.argv[2];
const KERNEL = '10.79.0.1';
const OURS = '10.79.0.2';

async function main(): Promise<void> {
  const tun = await openTunSession({ kernel: KERNEL, ours: OURS, device: 'rtclab-tun2', seed: 7, captureFile });
  const { bridge, streams } = tun;
  const coturn = await startCoturn('alice', 's3cr3t-pass', 'example.org', { tcp: true, ip: KERNEL });
  const peer = createSocket('udp4');
  const notes: string[] = [];
  try {
    await new Promise<void>((resolve) => peer.bind(0, KERNEL, resolve));
    const peerAddr = { ip: KERNEL, port: peer.address().port };
    const atPeer: string[] = [];
    peer.on('message', (m, r) => {
      atPeer.push(m.toString());
      peer.send(`echo ${m.toString()}!`, r.port, r.address); // an odd length: the ChannelData back needs padding
    });
    const server = { ip: KERNEL, port: coturn.port };
    const start = bridge.now();
    const client = new TurnClient('alice', {
      local: { ip: OURS, port: 0 }, server, username: 'alice', password: 's3cr3t-pass', stream: true,
      script: [
        { at: start, do: 'allocate' },
        { at: start, do: 'permission', peers: [peerAddr] },
        { at: start, do: 'send', peer: peerAddr, data: 'by Send indication over our TCP' },
      ],
    }, Rng.fromSeed(42));
    // the client's stream: our TCP connection through the TUN to coturn, STUN-framed both ways
    const stream = streams.connect(OURS, server);
    const framer = new StreamFramer('stun');
    let timer: NodeJS.Timeout | undefined;
    let closed: string | undefined;
    const drive = (): void => {
      const now = bridge.now();
      for (let i = 0; i < 10_000; i++) {
        const o: EndpointOutput = client.poll(now);
        if (o.type === 'transmit') {
          stream.write(now, frameForStream('stun', o.bytes));
          continue;
        }
        if (o.type === 'note') {
          notes.push(`${o.kind}: ${o.text}`);
          continue;
        }
        if (o.type === 'secret') continue;
        clearTimeout(timer);
        if (o.type === 'timeout') {
          timer = setTimeout(() => {
            client.handleTimeout(bridge.now());
            drive();
          }, Math.max(0, (o.at - now) / 1000));
        }
        break;
      }
    };
    stream.handlers = {
      onOpen: () => drive(),
      onData: (now, bytes) => {
        const { messages, error } = framer.push(bytes);
        if (error) notes.push(`framing: ${error}`);
        for (const m of messages) client.handleDatagram(now, server, { ip: OURS, port: 0 }, m);
        drive();
      },
      onClose: (_now, error) => void (closed = error ?? 'closed'),
    };
    drive();
    // the channel, its ChannelData and the deallocation, each once the step before showed it was done
    const driver = {
      now: () => bridge.now(),
      pump: drive,
      async until(ok: () => boolean, ms: number, what: string): Promise<void> {
        const end = Date.now() + ms;
        while (!ok()) {
          if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      },
    };
    await channelThenDeallocate(client, driver, peerAddr, 0x4001, 'by ChannelData, 5 bytes pad', () => notes.join(' | '));
    clearTimeout(timer);
    const results = {
      coturnPort: coturn.port,
      deallocated: client.stats.deallocated,
      errors: client.errors,
      mappedPort: client.mapped?.port ?? null,
      streamPort: (stream as unknown as { local: { port: number } }).local.port,
      atPeer,
      received: client.received.map((r) => [r.via, r.text]),
      retransmits: notes.filter((n) => n.startsWith('stun.retransmit')).length,
      closed: closed ?? null,
      bridgeErrors: bridge.errors.map((e) => e.message),
    };
    stream.end(bridge.now());
    await new Promise((r) => setTimeout(r, 300));
    process.stdout.write(`${JSON.stringify(results)}\n`);
  } finally {
    peer.close();
    await coturn.stop();
    await tun.close();
  }
}

runScript(main);
