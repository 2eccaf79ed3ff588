/**
 * Makes captures/tls13-node/tls-node.pcapng: a real capture, on the loopback interface, of Node's `tls` (OpenSSL)
 * client and server on 127.0.0.1, four connections:
 *   1. TLS 1.3, TLS_AES_128_GCM_SHA256, SNI and ALPN: an HTTP Upgrade to WebSocket, then one masked text frame each
 *      way carrying Janus-style JSON (WSS signaling);
 *   2. TLS 1.3, TLS_AES_256_GCM_SHA384: an HTTP GET and its 200;
 *   3. TLS 1.3, TLS_CHACHA20_POLY1305_SHA256: an HTTP GET and its 200;
 *   4. TLS 1.2, ECDHE-ECDSA-AES128-GCM-SHA256: an HTTP GET and its 200.
 * Both sides' `keylog` events write the NSS key log; each side's `exportKeyingMaterial(60, "EXTRACTOR-dtls_srtp")`
 * is recorded, and tshark, given the key log, writes the truth (handshake types per frame, decrypted bytes per
 * connection and direction) the tests compare against.
 *
 *   npx tsx captures/tls13-node/make/generate.ts        (needs tshark/dumpcap with capture rights on lo, openssl)
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tls from 'node:tls';
import { startLiveCapture, stopLiveCapture } from '../../../test/support/live-capture.ts';

const HERE = dirname(dirname(fileURLToPath(import.meta.url)));
const OUT = join(HERE, 'tls-node.pcapng');
const KEYLOG = join(HERE, 'tls-node.keylog.txt');
const TRUTH = join(HERE, 'tls-node.truth.json');
const CERTS = join(HERE, 'certs');
const PORT = 18443;
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

mkdirSync(CERTS, { recursive: true });
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(CERTS, 'server-key.pem'), '-out', join(CERTS, 'server-cert.pem'), '-days', '3650', '-subj', '/CN=rtclab.test'], { stdio: 'ignore' });
const key = readFileSync(join(CERTS, 'server-key.pem'));
const cert = readFileSync(join(CERTS, 'server-cert.pem'));

const keylog = new Set<string>();
const ekm: { connection: number; side: string; hex: string }[] = [];

/** A WebSocket frame (RFC 6455 §5.2), masked when sent by the client. */
function frame(opcode: number, payload: Buffer, mask?: Buffer): Buffer {
  const head = Buffer.from([0x80 | opcode, (mask ? 0x80 : 0) | payload.length]);
  if (!mask) return Buffer.concat([head, payload]);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([head, mask, masked]);
}

const server = tls.createServer({ key, cert, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ALPNProtocols: ['http/1.1'] }, (s) => {
  let upgraded = false;
  s.on('data', (d: Buffer) => {
    const text = d.toString('latin1');
    if (!upgraded && text.includes('Upgrade: websocket')) {
      upgraded = true;
      const k = /Sec-WebSocket-Key: (\S+)/.exec(text)?.[1] ?? '';
      const accept = createHash('sha1').update(k + GUID).digest('base64');
      s.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    } else if (upgraded) {
      s.write(frame(0x1, Buffer.from(JSON.stringify({ janus: 'ack', session_id: 1234, transaction: 'tls1' }))));
    } else {
      const body = 'hello over TLS\n';
      s.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    }
  });
  s.on('error', () => undefined);
});
server.on('keylog', (line: Buffer) => keylog.add(line.toString().trim()));
let accepted = 0;
server.on('secureConnection', (s) => {
  accepted++;
  ekm.push({ connection: accepted, side: 'server', hex: s.exportKeyingMaterial(60, 'EXTRACTOR-dtls_srtp').toString('hex') });
});

async function connection(opts: tls.ConnectionOptions, run: (s: tls.TLSSocket) => Promise<void>, n: number): Promise<void> {
  const s = tls.connect({ host: '127.0.0.1', port: PORT, servername: 'rtclab.test', ALPNProtocols: ['http/1.1'], rejectUnauthorized: false, ...opts });
  s.on('keylog', (line: Buffer) => keylog.add(line.toString().trim()));
  await new Promise<void>((r) => s.once('secureConnect', () => r()));
  ekm.push({ connection: n, side: 'client', hex: s.exportKeyingMaterial(60, 'EXTRACTOR-dtls_srtp').toString('hex') });
  await sleep(60);
  await run(s);
  await sleep(100);
  s.end();
  await sleep(150);
}

const get = async (s: tls.TLSSocket): Promise<void> => {
  s.write(`GET /info HTTP/1.1\r\nHost: rtclab.test\r\n\r\n`);
  await sleep(100);
};

async function main(): Promise<void> {
  await new Promise<void>((r) => server.listen(PORT, '127.0.0.1', r));
  const tshark = await startLiveCapture(OUT, `tcp port ${PORT}`);
  await sleep(300);
  await connection({ minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' }, async (s) => {
    s.write(`GET /janus HTTP/1.1\r\nHost: rtclab.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: janus-protocol\r\n\r\n`);
    await sleep(100);
    s.write(frame(0x1, Buffer.from(JSON.stringify({ janus: 'keepalive', session_id: 1234, transaction: 'tls1' })), Buffer.from([1, 2, 3, 4])));
    await sleep(100);
  }, 1);
  await connection({ minVersion: 'TLSv1.3', ciphers: 'TLS_AES_256_GCM_SHA384' }, get, 2);
  await connection({ minVersion: 'TLSv1.3', ciphers: 'TLS_CHACHA20_POLY1305_SHA256' }, get, 3);
  await connection({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }, get, 4);
  await sleep(500);
  await stopLiveCapture(tshark);
  server.close();
  execFileSync('chmod', ['644', OUT]);
  writeFileSync(KEYLOG, [...keylog].sort().join('\n') + '\n');

  // the truth: tshark's reading with the key log
  const o = ['-o', `tls.keylog_file:${KEYLOG}`, '-n'];
  const fields = ['frame.number', 'tcp.stream', 'tcp.srcport', 'tls.record.content_type', 'tls.handshake.type', 'tls.record.version', 'tls.handshake.ciphersuite', 'tls.handshake.extensions_server_name', 'http.request.method', 'http.response.code', 'websocket.opcode'];
  const out = execFileSync('tshark', ['-r', OUT, ...o, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  const list = (s: string | undefined): number[] => (s ? s.split(',').map((x) => Number(x)) : []);
  const frames = out
    .split('\n')
    .filter((l) => l)
    .map((l) => l.split('\t'))
    .filter((r) => r[3])
    .map((r) => ({
      frame: Number(r[0]),
      stream: Number(r[1]),
      fromServer: Number(r[2]) === PORT,
      contentTypes: list(r[3]),
      handshakeTypes: list(r[4]),
      ...(r[6] ? { cipherSuite: r[6] } : {}),
      ...(r[7] ? { serverName: r[7] } : {}),
      ...(r[8] ? { httpRequest: r[8] } : {}),
      ...(r[9] ? { httpResponse: Number(r[9]) } : {}),
      ...(r[10] ? { websocketOpcodes: list(r[10]) } : {}),
    }));
  // decrypted application bytes per connection and direction (tshark's "follow tls" with the key log)
  const streams = [...new Set(frames.map((f) => f.stream))];
  const decrypted = streams.map((stream) => {
    const follow = execFileSync('tshark', ['-r', OUT, ...o, '-q', '-z', `follow,tls,raw,${stream}`], { encoding: 'utf8' });
    const client: string[] = [];
    const server: string[] = [];
    // "Node 0: 127.0.0.1:port": tshark calls node 0 whichever side it saw first; tab-indented lines are node 1's
    const node0IsServer = new RegExp(`Node 0: \\S+:${PORT}\\b`).test(follow);
    for (const line of follow.split('\n')) {
      const m = /^(\t?)([0-9a-f]+)$/.exec(line);
      if (m) ((m[1] !== '') !== node0IsServer ? server : client).push(m[2]!);
    }
    return { stream, client: client.join(''), server: server.join('') };
  });
  const version = execFileSync('tshark', ['-v'], { encoding: 'utf8' }).split('\n')[0];
  const packetCount = execFileSync('tshark', ['-r', OUT, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' }).trim().split('\n').length;
  writeFileSync(
    TRUTH,
    // `file` and `rfc7983_demux` (no UDP here) keep the shape the other truth files share (sim/wire/demux.test.ts)
    JSON.stringify({ file: 'tls-node.pcapng', made: `${process.version} tls (${process.versions.openssl}), ${version}`, packet_count: packetCount, rfc7983_demux: { counts: {} }, port: PORT, label: 'EXTRACTOR-dtls_srtp', exportedKeyingMaterial: ekm, frames, decrypted }, null, 2) + '\n',
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
