/**
 * Makes captures/signaling/janus-websocket.pcapng: a real capture, on the loopback interface, of a small Node HTTP
 * and WebSocket server and a client on 127.0.0.1 exchanging Janus-style JSON (and one protoo-style request) with
 * an SDP offer and answer. The client's HTTP and WebSocket framing (RFC 6455 §5: masking, fragmentation, ping,
 * close) is written by hand here, so every byte on the wire is known. tshark records the capture and then writes
 * the truth file the tests compare against.
 *
 *   npx tsx captures/signaling/make/generate.ts        (needs tshark/dumpcap with capture rights on lo)
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLiveCapture, stopLiveCapture } from '../../../test/support/live-capture.ts';

const HERE = dirname(dirname(fileURLToPath(import.meta.url)));
const OUT = join(HERE, 'janus-websocket.pcapng');
const TRUTH = join(HERE, 'janus-websocket.truth.json');
const PORT = 18088;
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// The fingerprints are the SHA-256 of the openssl certificates in captures/dtls-srtp-openssl/certs; the candidates
// are the addresses of the Chromium call (35027/52097) and of the openssl DTLS pair (57214/4444), so the signaling
// can be tied to those captures' ICE checks and DTLS certificates (sim/infer tests).
const CLIENT_FP = '53:C8:9E:CF:5B:57:B2:BE:81:54:BE:D9:46:C9:DA:06:F4:A3:38:B2:68:5F:5F:CA:1A:51:01:9D:18:DA:33:6D';
const SERVER_FP = 'DE:28:44:D3:42:19:7F:AA:FD:A0:FE:AA:67:76:0D:BF:B3:71:E3:3A:A4:B2:38:FA:73:E9:41:EF:E7:67:B0:70';

function sdp(o: { sessionId: string; ufrag: string; pwd: string; fp: string; setup: string; candidates: string[] }): string {
  const media = (kind: string, mid: string, pt: string, rtpmap: string[], extra: string[]): string[] => [
    `m=${kind} 9 UDP/TLS/RTP/SAVPF ${pt}`,
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    ...(mid === '0' ? o.candidates.map((c) => `a=${c}`) : []),
    `a=ice-ufrag:${o.ufrag}`,
    `a=ice-pwd:${o.pwd}`,
    'a=ice-options:trickle',
    `a=fingerprint:sha-256 ${o.fp}`,
    `a=setup:${o.setup}`,
    `a=mid:${mid}`,
    'a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid',
    'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
    'a=sendrecv',
    `a=msid:stream ${kind}0`,
    'a=rtcp-mux',
    ...rtpmap,
    ...extra,
  ];
  return [
    'v=0',
    `o=- ${o.sessionId} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS stream',
    ...media('audio', '0', '111 0', ['a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1', 'a=rtpmap:0 PCMU/8000'], ['a=ssrc:2161489811 cname:rtclab-signaling']),
    ...media('video', '1', '96 97', ['a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 nack', 'a=rtcp-fb:96 transport-cc', 'a=rtpmap:97 rtx/90000', 'a=fmtp:97 apt=96'], []),
    '',
  ].join('\r\n');
}

const OFFER = sdp({
  sessionId: '7184215538476310224',
  ufrag: 'q0yx',
  pwd: 'Yb8mCUhOcVw1Jj2fYHnqE0c1',
  fp: CLIENT_FP,
  setup: 'actpass',
  candidates: ['candidate:1201366138 1 udp 2122260223 127.0.0.1 35027 typ host generation 0 network-id 1', 'candidate:3520453422 1 udp 2122194687 127.0.0.1 57214 typ host generation 0 network-id 2'],
});
const ANSWER = sdp({
  sessionId: '5129880201413562251',
  ufrag: 'MB11',
  pwd: 'hX0J3aWf4T0KQtz9r2wqHk8d',
  fp: SERVER_FP,
  setup: 'passive',
  candidates: ['candidate:2760231017 1 udp 2122260223 127.0.0.1 52097 typ host generation 0 network-id 1', 'candidate:4144730231 1 udp 2122194687 127.0.0.1 4444 typ host generation 0 network-id 2'],
});

/** A WebSocket frame (RFC 6455 §5.2); the client masks with a key that changes per frame (§5.3). */
let maskCounter = 0x1f2e3d4c;
function frame(opcode: number, payload: Buffer, opts: { fin?: boolean; mask?: boolean } = {}): Buffer {
  const fin = opts.fin ?? true;
  const head: number[] = [(fin ? 0x80 : 0) | opcode];
  const m = opts.mask ? 0x80 : 0;
  if (payload.length < 126) head.push(m | payload.length);
  else if (payload.length < 65536) head.push(m | 126, payload.length >> 8, payload.length & 0xff);
  else throw new Error('not needed here');
  if (!opts.mask) return Buffer.concat([Buffer.from(head), payload]);
  maskCounter = (maskCounter * 1103515245 + 12345) >>> 0;
  const key = Buffer.alloc(4);
  key.writeUInt32BE(maskCounter);
  const body = Buffer.from(payload.map((b, i) => b ^ key[i & 3]!));
  return Buffer.concat([Buffer.from(head), key, body]);
}
const text = (o: unknown): Buffer => Buffer.from(JSON.stringify(o));

/** The server's side of the WebSocket: reads the client's frames and answers like a Janus gateway would. */
function serveWebSocket(req: IncomingMessage, socket: Socket): void {
  const key = req.headers['sec-websocket-key'] ?? '';
  const accept = createHash('sha1').update(key + GUID).digest('base64');
  socket.setNoDelay(true);
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: janus-protocol\r\n\r\n`);
  let buf = Buffer.alloc(0);
  let parts: Buffer[] = [];
  socket.on('data', async (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (buf.length < 2) return;
      let len = buf[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        at = 4;
      }
      const masked = (buf[1]! & 0x80) !== 0;
      const key = masked ? buf.subarray(at, at + 4) : undefined;
      if (masked) at += 4;
      if (buf.length < at + len) return;
      const payload = Buffer.from(buf.subarray(at, at + len).map((b, i) => (key ? b ^ key[i & 3]! : b)));
      const opcode = buf[0]! & 0x0f;
      const fin = (buf[0]! & 0x80) !== 0;
      buf = buf.subarray(at + len);
      if (opcode === 0x9) socket.write(frame(0xa, payload));
      else if (opcode === 0x8) {
        socket.write(frame(0x8, Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('bye')])));
        socket.end();
      } else {
        parts.push(payload);
        if (!fin) continue;
        const msg = JSON.parse(Buffer.concat(parts).toString('utf8'));
        parts = [];
        await answer(socket, msg);
      }
    }
  });
}

async function answer(socket: Socket, msg: Record<string, unknown>): Promise<void> {
  if (msg.janus === 'message') {
    socket.write(frame(0x1, text({ janus: 'ack', session_id: 1234, transaction: msg.transaction })));
    await sleep(30);
    // the event carrying the answer goes out fragmented: a text frame without FIN, then a continuation (§5.4)
    const event = text({ janus: 'event', session_id: 1234, sender: 5678, transaction: msg.transaction, plugindata: { plugin: 'janus.plugin.echotest', data: { echotest: 'event', result: 'ok' } }, jsep: { type: 'answer', sdp: ANSWER } });
    const cut = 700;
    socket.write(frame(0x1, event.subarray(0, cut), { fin: false }));
    await sleep(30);
    socket.write(frame(0x0, event.subarray(cut)));
  } else if (msg.janus === 'trickle') {
    socket.write(frame(0x1, text({ janus: 'ack', session_id: 1234, transaction: msg.transaction })));
  } else if (msg.request === true) {
    socket.write(frame(0x1, text({ response: true, id: msg.id, ok: true, data: {} })));
  }
}

async function main(): Promise<void> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/janus') {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ janus: 'success', transaction: JSON.parse(body).transaction, data: { id: 1234 } }));
      } else if (req.url === '/janus/info') {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ janus: 'server_info', name: 'rtclab signaling capture', version: 1 }));
      } else {
        // chunked: two writes without a Content-Length (RFC 9112 §7.1)
        res.setHeader('Content-Type', 'application/json');
        res.write(JSON.stringify({ janus: 'success', transaction: JSON.parse(body || '{}').transaction, data: { id: 5678 } }).slice(0, 20));
        setTimeout(() => res.end(JSON.stringify({ janus: 'success', transaction: JSON.parse(body || '{}').transaction, data: { id: 5678 } }).slice(20)), 30);
      }
    });
  });
  server.on('upgrade', (req, socket) => serveWebSocket(req, socket as Socket));
  await new Promise<void>((r) => server.listen(PORT, '127.0.0.1', r));

  const tshark = await startLiveCapture(OUT, `tcp port ${PORT}`);
  await sleep(300);

  // 1. plain HTTP: a create request, then two pipelined requests in one write; the second answer is chunked
  const http = connect(PORT, '127.0.0.1');
  http.setNoDelay(true);
  await new Promise((r) => http.once('connect', r));
  const create = JSON.stringify({ janus: 'create', transaction: 'Ht1' });
  http.write(`POST /janus HTTP/1.1\r\nHost: 127.0.0.1:${PORT}\r\nContent-Type: application/json\r\nContent-Length: ${create.length}\r\n\r\n${create}`);
  await sleep(80);
  const attach = JSON.stringify({ janus: 'attach', plugin: 'janus.plugin.echotest', transaction: 'Ht2' });
  http.write(`GET /janus/info HTTP/1.1\r\nHost: 127.0.0.1:${PORT}\r\n\r\nPOST /janus/1234 HTTP/1.1\r\nHost: 127.0.0.1:${PORT}\r\nContent-Type: application/json\r\nContent-Length: ${attach.length}\r\n\r\n${attach}`);
  await sleep(200);
  http.end();
  await sleep(80);

  // 2. WebSocket: upgrade, then a Janus message with the offer sent in two TCP segments
  const ws = connect(PORT, '127.0.0.1');
  ws.setNoDelay(true);
  await new Promise((r) => ws.once('connect', r));
  ws.write(`GET /janus HTTP/1.1\r\nHost: 127.0.0.1:${PORT}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: janus-protocol\r\n\r\n`);
  await sleep(80);
  const offer = frame(0x1, text({ janus: 'message', session_id: 1234, handle_id: 5678, transaction: 'Wt3', body: { audio: true, video: true }, jsep: { type: 'offer', sdp: OFFER } }), { mask: true });
  ws.write(offer.subarray(0, 600));
  await sleep(40);
  ws.write(offer.subarray(600));
  await sleep(150);
  ws.write(frame(0x1, text({ janus: 'trickle', session_id: 1234, handle_id: 5678, transaction: 'Wt4', candidate: { candidate: 'candidate:1201366139 1 udp 1686052607 203.0.113.9 35027 typ srflx raddr 127.0.0.1 rport 35027 generation 0', sdpMid: '0', sdpMLineIndex: 0 } }), { mask: true }));
  await sleep(40);
  ws.write(frame(0x1, text({ janus: 'trickle', session_id: 1234, handle_id: 5678, transaction: 'Wt5', candidate: { completed: true } }), { mask: true }));
  await sleep(40);
  ws.write(frame(0x1, text({ request: true, id: 7, method: 'connectWebRtcTransport', data: { transportId: 'b3f5c7e0', dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: CLIENT_FP }] } } }), { mask: true }));
  await sleep(40);
  ws.write(frame(0x9, Buffer.from('keepalive'), { mask: true }));
  await sleep(40);
  ws.write(frame(0x8, Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('done')]), { mask: true }));
  await sleep(200);
  ws.end();
  await sleep(500);
  await stopLiveCapture(tshark);
  server.close();

  // the truth: tshark's own reading (HTTP and WebSocket decoded on this port)
  const fields = ['frame.number', 'tcp.stream', 'tcp.len', 'http.request.method', 'http.request.uri', 'http.response.code', 'websocket.opcode', 'websocket.fin', 'websocket.mask', 'websocket.payload.close.status_code'];
  const out = execFileSync('tshark', ['-r', OUT, '-n', '-d', `tcp.port==${PORT},http`, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  const rows = out.split('\n').filter((l) => l).map((l) => l.split('\t'));
  const list = (s: string | undefined): string[] => (s ? s.split(',') : []);
  const frames = rows
    .filter((r) => r[3] || r[5] || r[6])
    .map((r) => ({
      frame: Number(r[0]),
      stream: Number(r[1]),
      ...(r[3] ? { http_request: { method: r[3], uri: r[4] } } : {}),
      ...(r[5] ? { http_response: Number(r[5]) } : {}),
      ...(r[6] ? { websocket: list(r[6]).map((op, i) => ({ opcode: Number(op), fin: list(r[7])[i] === 'True' || list(r[7])[i] === '1', masked: list(r[8])[i] === 'True' || list(r[8])[i] === '1' })) } : {}),
      ...(r[9] ? { close_code: Number(r[9]) } : {}),
    }));
  const version = execFileSync('tshark', ['-v'], { encoding: 'utf8' }).split('\n')[0];
  // `file` and `rfc7983_demux` (no UDP here) keep the shape the other truth files share (sim/wire/demux.test.ts)
  const truth = { file: 'janus-websocket.pcapng', made_with: `${version}; node ${process.version}`, port: PORT, packet_count: rows.length, frames, offer_sdp: OFFER, answer_sdp: ANSWER, rfc7983_demux: { counts: {} } };
  writeFileSync(TRUTH, `${JSON.stringify(truth, null, 1)}\n`);
  process.stdout.write(`${OUT}: ${rows.length} packets, ${frames.length} with HTTP or WebSocket\n`);
}

await main();
