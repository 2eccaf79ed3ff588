import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../core/encoding.ts';
import { capturePath } from '../../../test/captures.ts';
import { dissectFile } from '../../../test/support/dissect-captures.ts';
import { tsharkAvailable, tsharkFollowRaw } from '../../../test/support/tshark.ts';
import { FrameTracker } from '../filter/frames.ts';
import { asciiText, formatFollow, parseFollow, StreamFollower, type FollowKind } from './follow.ts';

function follow(file: string, keyLog: string | undefined, kind: FollowKind, index: number) {
  const d = dissectFile(file, keyLog ? readFileSync(keyLog, 'utf8') : undefined);
  const frames = new FrameTracker();
  const f = new StreamFollower(kind, index);
  for (const { raw, d: p } of d.packets) f.add(p, frames.next(p, raw.index + 1, raw.time?.us ?? 0, raw.data, raw.time?.us));
  return { result: f.result(), streams: frames.tcpStreams.length };
}

const JANUS = capturePath('signaling', 'janus-websocket.pcapng');
const TLS = capturePath('tls13-node', 'tls-node.pcapng');
const TLS_KEYS = capturePath('tls13-node', 'tls-node.keylog.txt');

describe.skipIf(!tsharkAvailable())('follow stream agrees with tshark -z follow', () => {
  it.each([
    [JANUS, undefined, 'tcp'],
    [TLS, TLS_KEYS, 'tcp'],
    [TLS, TLS_KEYS, 'tls'],
  ] as const)('%s: %s, every stream, both directions byte for byte', { timeout: 300_000 }, (file, keys, kind) => {
    const n = follow(file, keys, 'tcp', 0).streams;
    expect(n).toBeGreaterThan(1);
    for (let i = 0; i < n; i++) {
      const ours = follow(file, keys, kind, i).result;
      const theirs = tsharkFollowRaw(file, keys, kind, i);
      const hex = [0, 1].map((node) => ours.chunks.filter((c) => c.node === node).map((c) => toHex(c.bytes)).join(''));
      if (kind === 'tcp') {
        expect(ours.nodes, `${kind} stream ${i}`).toEqual(theirs.nodes);
        expect(hex, `${kind} stream ${i}`).toEqual(theirs.hex);
      } else {
        // tshark 4.0 names the nodes of a TLS follow oddly ("127.0.0.1:18443", ":0"): the two directions' bytes
        // are compared as a pair
        expect([...hex].sort(), `${kind} stream ${i}`).toEqual([...theirs.hex].sort());
      }
      if (kind === 'tls') expect(ours.chunks.length, `tls stream ${i}`).toBeGreaterThan(0);
    }
  });
});

describe('follow stream', () => {
  it('shows HTTP, WebSocket and signaling messages of a TCP stream, each side in turn', () => {
    const http = follow(TLS, TLS_KEYS, 'http', 0).result;
    expect(http.chunks.map((c) => [c.frame, c.node, asciiText(c.bytes).split('\n')[0]])).toEqual([
      [11, 0, 'GET /janus HTTP/1.1'],
      [12, 1, 'HTTP/1.1 101 Switching Protocols'],
    ]);
    const ws = follow(TLS, TLS_KEYS, 'websocket', 0).result;
    expect(ws.chunks.map((c) => [c.node, c.note, asciiText(c.bytes)])).toEqual([
      [0, 'text, 60 bytes', '{"janus":"keepalive","session_id":1234,"transaction":"tls1"}'],
      [1, 'text, 54 bytes', '{"janus":"ack","session_id":1234,"transaction":"tls1"}'],
    ]);
    const text = formatFollow(ws);
    expect(text).toContain('Node 0: 127.0.0.1:46780\nNode 1: 127.0.0.1:18443\n');
    expect(text).toContain('\n\t{"janus":"ack"');
  });

  it('shows a data channel conversation decrypted with the key log, each message with its channel', () => {
    const dir = 'chromium-rtclab-datachannel';
    const r = follow(capturePath(dir, 'chromium-datachannel.pcapng'), capturePath(dir, 'chromium-datachannel.keylog.txt'), 'datachannel', 0).result;
    const texts = r.chunks.map((c) => asciiText(c.bytes));
    expect(texts).toEqual([
      'rtclab says 1 on from-rtclab',
      'rtclab says 2 on from-rtclab',
      'rtclab says 3 on from-rtclab',
      'chromium says 1 on from-chromium',
      'chromium says 2 on from-chromium',
      'chromium says 3 on from-chromium',
      'chromium says 1 on from-rtclab',
      'chromium says 2 on from-rtclab',
      'rtclab says 1 on from-chromium',
      'rtclab says 2 on from-chromium',
    ]);
    expect(r.chunks.map((c) => c.node)).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 0, 0]);
    expect(r.chunks.every((c) => /message on "from-(rtclab|chromium)"/.test(c.note ?? ''))).toBe(true);
  });

  it('reads KIND,N and says what it takes otherwise', () => {
    expect(parseFollow('tcp,3')).toEqual({ kind: 'tcp', index: 3 });
    expect(parseFollow('datachannel:0')).toEqual({ kind: 'datachannel', index: 0 });
    expect(parseFollow('ftp,1')).toMatch(/KIND one of tcp, tls, http/);
  });
});
