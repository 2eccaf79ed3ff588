// Node only: our mediasoup-style server (sim/mediasoup/server.ts) running live on 127.0.0.1: each WebRtcTransport on
// a real UDP socket (the UdpBridge), mediasoup-demo's protoo WebSocket on a real TCP listener, and a web server for
// the room page (bridge/mediasoup-page.ts). Used by bridge/chromium-mediasoup.test.ts.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { Rng } from '../sim/core/rng.ts';
import { generateDtlsIdentity } from '../sim/dtls/identity.ts';
import { MediasoupServer } from '../sim/mediasoup/server.ts';
import { bundleMediasoupClient, MEDIASOUP_PAGE } from './mediasoup-page.ts';
import { NodeAcceptedStream } from './node-stream.ts';
import { UdpBridge, type BridgeNote } from './udp-bridge.ts';

export interface LiveMediasoup {
  readonly server: MediasoupServer;
  readonly bridge: UdpBridge;
  readonly notes: BridgeNote[];
  /** NSS key-log lines of every DTLS association the server made. */
  readonly keyLog: string[];
  /** The transports' UDP ports (rtcMinPort–rtcMaxPort), all bound before the first request. */
  readonly ports: { readonly min: number; readonly max: number };
  /** ws://127.0.0.1:<port> of the protoo WebSocket. */
  readonly protooUrl: string;
  /** http://127.0.0.1:<port>/ of the room page. */
  readonly pageUrl: string;
  readonly mediasoupClientVersion: string;
  close(): Promise<void>;
}

const listen = (s: HttpServer | TcpServer): Promise<number> => new Promise((resolve, reject) => {
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => {
    const a = s.address();
    if (!a || typeof a === 'string') return reject(new Error('no port'));
    resolve(a.port);
  });
});

/**
 * Starts the server with `transports` UDP ports bound on consecutive port numbers (the server takes them in order,
 * as mediasoup's rtcMinPort–rtcMaxPort), its protoo listener and the page server. `close()` stops all of it.
 */
export async function startLiveMediasoup(o: { readonly seed: number; readonly transports: number }): Promise<LiveMediasoup> {
  const rng = Rng.fromSeed(o.seed);
  const notes: BridgeNote[] = [];
  const keyLog: string[] = [];
  // consecutive free ports: tried from a few bases drawn from the test's own seed (a clash only moves the base)
  const bases = rng.fork('ports');
  let server: MediasoupServer | undefined;
  let bridge: UdpBridge | undefined;
  let ports = { min: 0, max: 0 };
  for (let attempt = 0; attempt < 20 && !bridge; attempt++) {
    const min = bases.int(20_000, 60_000);
    ports = { min, max: min + o.transports - 1 };
    // a stream may be forked once: each attempt after the first draws its own (the first keeps the names it had)
    const name = (n: string): string => (attempt === 0 ? n : `${n}-${attempt}`);
    const s = new MediasoupServer({ name: 'sfu', listenIp: '127.0.0.1', ports, workers: 1, enableUdp: true, enableTcp: false }, rng.fork(name('server')), generateDtlsIdentity(rng.fork(name('identity')), 'sfu'));
    const b = new UdpBridge(s, { onNote: (n) => notes.push(n), onSecret: (kind, text) => kind === 'nss-keylog' && keyLog.push(text) });
    try {
      for (let p = ports.min; p <= ports.max; p++) await b.bind('127.0.0.1', p);
      server = s;
      bridge = b;
    } catch {
      b.close();
    }
  }
  if (!server || !bridge) throw new Error('no run of free UDP ports on 127.0.0.1');
  const br = bridge;
  // a pump from inside a handler would run the endpoint re-entrantly: each wake-up is its own task
  let scheduled = false;
  const wake = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      br.pump();
    });
  };
  server.ctx = {
    bindPort: (port) => ({ ip: '127.0.0.1', port }), // bound above
    listenTcp: () => undefined,
    wake,
    note: (t, n) => notes.push({ t, kind: n.kind, text: n.text, ...(n.data ? { data: n.data } : {}) }),
  };
  const srv = server;
  const sockets = new Set<Socket>();
  const protoo = createTcpServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    srv.accept(new NodeAcceptedStream(sock, () => br.now(), wake));
  });
  const protooPort = await listen(protoo);
  const bundle = await bundleMediasoupClient();
  const web = createHttpServer((q, r) => {
    if (q.url === '/mediasoup-client.js') {
      r.writeHead(200, { 'content-type': 'text/javascript' });
      return r.end(bundle.code);
    }
    r.writeHead(200, { 'content-type': 'text/html' });
    r.end(MEDIASOUP_PAGE);
  });
  const webPort = await listen(web);
  br.pump();
  return {
    server: srv, bridge: br, notes, keyLog, ports, protooUrl: `ws://127.0.0.1:${protooPort}`, pageUrl: `http://127.0.0.1:${webPort}/`, mediasoupClientVersion: bundle.version,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => protoo.close(() => r()));
      web.closeAllConnections();
      await new Promise<void>((r) => web.close(() => r()));
      br.close();
    },
  };
}
