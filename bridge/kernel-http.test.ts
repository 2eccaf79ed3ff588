// Interop: real HTTP and WebSocket peers judge ours, over our TCP through a TUN device to the Linux kernel (in a
// network namespace created for the test, as kernel-tcp.test.ts does): curl fetches two pages from our server on one
// kept-alive connection, the second chunked; our client fetches a Content-Length and a chunked body from node:http
// on one connection; our WebSocket client talks to a server written on node:http's 'upgrade' event with its own
// frame reader. tshark reads the TUN capture as HTTP and WebSocket with no malformed packet.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestNamespace } from './test-netns.ts';

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const root = process.getuid?.() === 0;
// CI runs as root with socat, curl and tshark installed (.ci/run), so there it must run
const skip = !process.env['CI'] && !(root && has('socat') && has('ip') && has('tshark') && has('curl'));
const ns = `rtclab-http-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'rtclab-kernel-http-'));

describe.skipIf(skip)('HTTP and WebSocket against curl and node:http, through the kernel', () => {
  useTestNamespace(ns, dir, skip);
  const file = join(dir, 'http.pcapng');
  let results: Record<string, unknown> = {};
  const get = (): Record<string, unknown> => {
    if (Object.keys(results).length) return results;
    const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', 'bridge/kernel-http-run.ts', file], { encoding: 'utf8', timeout: 240_000 });
    if (r.status !== 0) throw new Error(`kernel-http-run failed (${r.status ?? r.signal}): ${r.stderr}`);
    results = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    return results;
  };

  it('curl fetches two pages on one kept-alive connection, the second chunked, from our server', { timeout: 300_000 }, () => {
    const r = get();
    expect(r.curl).toEqual({ status: 0, body: 'alpha\none\ntwo\n', reused: true, chunkedSeen: true, connections: 1, requests: ['/a', '/chunked'] });
    expect(r).toMatchObject({ errors: '', malformed: 0 });
  });

  it('our client reads a Content-Length and a chunked response from node:http on one connection', { timeout: 300_000 }, () => {
    const r = get();
    expect(r.client).toEqual([
      { status: 200, framing: 'content-length', length: 5000 },
      { status: 200, framing: 'chunked', length: 23, body: 'first part, second part' },
    ]);
    expect(r.nodeSockets).toBe(1);
  });

  it('our WebSocket client: protoo, masked frames, a fragmented message around a ping, close 1000', { timeout: 300_000 }, () => {
    const r = get();
    expect(r.websocket).toEqual({
      protocol: 'protoo',
      received: ['echo: {"request":true,"id":1,"method":"getRout', `echo: ${'é'.repeat(20)}`, 'frag-mented'],
      close: '1000  true',
      // every frame we sent was masked (RFC 6455 §5.1); our pong echoed the ping's payload
      serverSaw: ['1 masked 69', '1 masked 400', '10 masked 13', 'pong are you there', '8 masked 1000'],
    });
  });

  it('tshark reads HTTP and WebSocket on the TUN with no malformed packet', { timeout: 300_000 }, () => {
    get();
    const out = execFileSync('tshark', ['-r', file, '-o', 'tcp.check_checksum:TRUE', '-Y', 'tcp', '-T', 'fields', '-e', '_ws.col.Protocol', '-e', '_ws.malformed', '-e', 'http.request.method', '-e', 'websocket.opcode'], { encoding: 'utf8' });
    const lines = out.split('\n').filter(Boolean).map((l) => l.split('\t'));
    expect(lines.filter((l) => l[1])).toEqual([]);
    expect(lines.filter((l) => l[2] === 'GET').length).toBe(5);
    expect(new Set(lines.map((l) => l[0]))).toEqual(new Set(['TCP', 'HTTP', 'WebSocket']));
  });
});
