// Node only, run inside a network namespace (kernel-http.test.ts starts it): our HTTP/1.1 and WebSocket over our
// TCP, through a TUN device, against real peers on the kernel's side, with the results printed as JSON:
//   1. curl fetches two pages from our HttpServer on one kept-alive connection, the second a chunked response
//      streamed in two pieces;
//   2. our HttpClientConnection fetches from a node:http server: a Content-Length body, then a chunked one, on one
//      connection;
//   3. our WebSocket client against a WebSocket server written here on node:http's 'upgrade' event (its own frame
//      parser, not ours): subprotocol protoo, masked text both ways, a fragmented message, ping/pong, close 1000.
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Rng } from '../sim/core/rng.ts';
import { HttpClientConnection, type HttpResult } from '../sim/http/client.ts';
import { HttpServer } from '../sim/http/server.ts';
import { connectWebSocket } from '../sim/websocket/handshake.ts';
import type { WebSocketConnection } from '../sim/websocket/connection.ts';
import { openTunSession, runScript } from './tun-session.ts';

/** When given, tshark captures the TUN device into this file. */
const captureFile = process.argv[2];
const KERNEL = '10.78.0.1';
const OURS = '10.78.0.2';
const dec = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

async function main(): Promise<void> {
  const results: Record<string, unknown> = {};
  const tun = await openTunSession({ kernel: KERNEL, ours: OURS, device: 'rtclab-tun1', seed: 3, captureFile });
  const { bridge, streams } = tun;
  try {
    // 1. curl → our server
    const server = new HttpServer((now, req, ex) => {
      if (req.start.target === '/a') ex.respond(now, { status: 200, headers: [{ name: 'Content-Type', value: 'text/plain' }], body: 'alpha\n' });
      else if (req.start.target === '/chunked') {
        ex.begin(now, { status: 200, headers: [{ name: 'Content-Type', value: 'text/plain' }] });
        ex.chunk(now, 'one\n');
        setTimeout(() => {
          ex.chunk(bridge.now(), 'two\n');
          ex.finish(bridge.now());
          bridge.pump();
        }, 100);
      } else ex.respond(now, { status: 404, body: 'no\n' });
    }, { serverName: 'rtclab' });
    streams.listen(OURS, 8080, (s) => server.accept(s));
    const curl = await run('curl', ['-sS', '-v', '--http1.1', '--max-time', '30', `http://${OURS}:8080/a`, `http://${OURS}:8080/chunked`]);
    results.curl = { status: curl.code, body: curl.stdout, reused: /Re-using existing connection|Reusing existing/.test(curl.stderr), chunkedSeen: /Transfer-Encoding: chunked/i.test(curl.stderr), connections: server.connections.length, requests: server.connections.flatMap((c) => c.requests.map((r) => r.start.target)) };

    // 2. our client → node:http
    const sockets = new Set<Socket>();
    const node = createServer((req, res) => {
      sockets.add(req.socket);
      if (req.url === '/cl') {
        const body = 'x'.repeat(5000);
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(body.length) });
        res.end(body);
      } else {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('first part, ');
        setTimeout(() => res.end('second part'), 50);
      }
    });
    await new Promise<void>((r) => node.listen(40003, KERNEL, r));
    const client = new HttpClientConnection(streams.connect(OURS, { ip: KERNEL, port: 40003 }), { host: `${KERNEL}:40003` });
    const got = await new Promise<HttpResult[]>((resolve) => {
      const out: HttpResult[] = [];
      const done = (_t: number, r: HttpResult): void => {
        out.push(r);
        if (out.length === 2) resolve(out);
      };
      client.request(bridge.now(), { method: 'GET', target: '/cl' }, done);
      client.request(bridge.now(), { method: 'GET', target: '/chunked' }, done);
      bridge.pump();
    });
    results.client = got.map((r) => (r.ok ? { status: r.response.start.status, framing: r.response.framing, length: r.response.body.length, body: r.response.framing === 'chunked' ? dec(r.response.body) : undefined } : { error: r.error }));
    results.nodeSockets = sockets.size;
    client.close(bridge.now());
    node.close();

    // 3. our WebSocket client → a WebSocket server on node:http's 'upgrade'
    const wsServer = createServer();
    const serverSaw: string[] = [];
    wsServer.on('upgrade', (req: IncomingMessage, socket: Socket) => nodeWebSocket(req, socket, serverSaw));
    await new Promise<void>((r) => wsServer.listen(40004, KERNEL, r));
    const ws = await new Promise<WebSocketConnection>((resolve, reject) => {
      connectWebSocket(bridge.now(), streams.connect(OURS, { ip: KERNEL, port: 40004 }), { host: `${KERNEL}:40004`, path: '/room?peerId=alice', protocols: ['protoo'], rng: Rng.fromSeed(9) }, (_t, r) => (r.ok ? resolve(r.socket) : reject(new Error(r.error))));
      bridge.pump();
    });
    const received: string[] = [];
    const closed = new Promise<string>((resolve) => {
      ws.handlers = {
        onMessage: (t, m) => {
          received.push(m.text ?? `binary ${m.data.length}`);
          if (received.length === 3) ws.close(t, 1000, 'done');
          bridge.pump();
        },
        onClose: (_t, code, reason, clean) => resolve(`${code} ${reason} ${clean}`),
      };
    });
    ws.sendText(bridge.now(), '{"request":true,"id":1,"method":"getRouterRtpCapabilities","data":{}}');
    ws.sendText(bridge.now(), 'é'.repeat(200));
    bridge.pump();
    results.websocket = { protocol: ws.options.protocol, received, close: await withTimeout(closed, 20_000, 'no close'), serverSaw };
    wsServer.close();
    Object.assign(results, { errors: bridge.errors.map((e) => e.message).join('; '), malformed: bridge.stack.stats.malformed });
  } finally {
    await new Promise((r) => setTimeout(r, 300));
    await tun.close();
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

/** A WebSocket server on a socket node:http upgraded (RFC 6455 §4.2), with its own frame reader: an independent peer. */
function nodeWebSocket(req: IncomingMessage, socket: Socket, saw: string[]): void {
  const key = String(req.headers['sec-websocket-key'] ?? '');
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n${offered.includes('protoo') ? 'Sec-WebSocket-Protocol: protoo\r\n' : ''}\r\n`);
  const frame = (opcode: number, payload: Buffer, fin = true): Buffer => {
    const head = payload.length < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, payload.length]) : Buffer.from([(fin ? 0x80 : 0) | opcode, 126, payload.length >> 8, payload.length & 0xff]);
    return Buffer.concat([head, payload]);
  };
  let buf = Buffer.alloc(0);
  let texts = 0;
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (buf.length < 2) return;
      const masked = (buf[1]! & 0x80) !== 0;
      let len = buf[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        at = 4;
      }
      if (buf.length < at + (masked ? 4 : 0) + len) return;
      const mask = masked ? buf.subarray(at, at + 4) : undefined;
      at += masked ? 4 : 0;
      const payload = Buffer.from(buf.subarray(at, at + len));
      if (mask) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i & 3]!;
      const opcode = buf[0]! & 0x0f;
      buf = buf.subarray(at + len);
      saw.push(`${opcode}${masked ? ' masked' : ' UNMASKED'} ${opcode === 8 ? payload.readUInt16BE(0) : payload.length}`);
      if (opcode === 1) {
        texts++;
        socket.write(frame(1, Buffer.concat([Buffer.from('echo: '), payload.subarray(0, 40)])));
        if (texts === 2) {
          // a message in two fragments (§5.4) with a ping between them (§5.5: control frames may interleave)
          socket.write(frame(1, Buffer.from('frag-'), false));
          socket.write(frame(9, Buffer.from('are you there')));
          socket.write(frame(0, Buffer.from('mented'), true));
        }
      } else if (opcode === 10) saw.push(`pong ${payload.toString()}`);
      else if (opcode === 8) {
        socket.end(frame(8, payload.subarray(0, 2)));
        return;
      }
    }
  });
  socket.on('error', () => {});
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T | string> {
  return Promise.race([p, new Promise<string>((r) => setTimeout(() => r(what), ms))]);
}

runScript(main);
