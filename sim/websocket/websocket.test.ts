import { describe, expect, it } from 'vitest';
import { concatBytes, utf8Decode, utf8Encode } from '../core/encoding.ts';
import { Rng } from '../core/rng.ts';
import { Scheduler } from '../core/scheduler.ts';
import type { HttpNote } from '../http/notes.ts';
import { HttpServer } from '../http/server.ts';
import { streamPair } from '../http/stream-pair.ts';
import { decodeWebSocketFrame, encodeWebSocketFrame, Opcode } from '../wire/websocket/frame.ts';
import type { WebSocketConnection, WebSocketMessage } from './connection.ts';
import { acceptWebSocket, connectWebSocket, type WebSocketOpenResult } from './handshake.ts';
import type { WebSocketNote } from './notes.ts';

interface Setup {
  s: Scheduler;
  notes: (WebSocketNote | HttpNote)[];
  client: () => WebSocketConnection;
  server: () => WebSocketConnection;
  toServer: WebSocketMessage[];
  toClient: WebSocketMessage[];
  opened: WebSocketOpenResult[];
  closes: string[];
  streams: ReturnType<typeof streamPair>;
}

function setup(o: { offer?: string[]; speak?: string[]; split?: number; fragmentSize?: number; seed?: number; headers?: (h: string) => string } = {}): Setup {
  const s = new Scheduler();
  const notes: (WebSocketNote | HttpNote)[] = [];
  const streams = streamPair(s);
  const [c, srv] = streams;
  c.splitAt = srv.splitAt = o.split ?? Infinity;
  let serverSocket: WebSocketConnection | undefined;
  let clientSocket: WebSocketConnection | undefined;
  const toServer: WebSocketMessage[] = [];
  const toClient: WebSocketMessage[] = [];
  const opened: WebSocketOpenResult[] = [];
  const closes: string[] = [];
  const http = new HttpServer((now, req, ex) => {
    const ws = acceptWebSocket(now, req, ex, { protocols: o.speak ?? ['protoo'], note: (_t, n) => notes.push(n), ...(o.fragmentSize ? { fragmentSize: o.fragmentSize } : {}) });
    if (!ws) return;
    serverSocket = ws;
    ws.handlers = { onMessage: (t, m) => toServer.push(m), onClose: (_t, code, reason, clean) => closes.push(`server ${code} ${reason} ${clean}`) };
    ws.start(now);
  }, { note: (_t, n) => notes.push(n) });
  http.accept(srv);
  connectWebSocket(0, c, { host: 'sig.test', path: '/?peerId=alice', protocols: o.offer ?? ['protoo'], rng: Rng.fromSeed(o.seed ?? 1).fork('ws'), note: (_t, n) => notes.push(n), ...(o.fragmentSize ? { fragmentSize: o.fragmentSize } : {}) }, (_t, r) => {
    opened.push(r);
    if (!r.ok) return;
    clientSocket = r.socket;
    r.socket.handlers = { onMessage: (t, m) => toClient.push(m), onClose: (_t2, code, reason, clean) => closes.push(`client ${code} ${reason} ${clean}`) };
  });
  return { s, notes, client: () => clientSocket!, server: () => serverSocket!, toServer, toClient, opened, closes, streams };
}

const frames = (bytes: Uint8Array[]): ReturnType<typeof decodeWebSocketFrame>['value'][] => {
  const all = concatBytes(...bytes);
  const text = utf8Decode(all);
  let at = text.indexOf('\r\n\r\n') + 4;
  const out = [];
  while (at < all.length) {
    const d = decodeWebSocketFrame(all.subarray(at));
    out.push(d.value);
    at += d.length;
  }
  return out;
};

describe('WebSocket over a byte stream (RFC 6455)', () => {
  it('opens with Sec-WebSocket-Accept and the protoo subprotocol, and carries text and binary both ways', () => {
    const t = setup({ offer: ['v2.protoo', 'protoo'], speak: ['protoo'] });
    t.s.runUntil(1_000_000);
    expect(t.opened[0]).toMatchObject({ ok: true });
    expect(t.client().options.protocol).toBe('protoo');
    const req = utf8Decode(t.streams[0].written[0]!);
    expect(req).toMatch(/^GET \/\?peerId=alice HTTP\/1.1\r\nHost: sig.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: [A-Za-z0-9+/]{22}==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v2.protoo, protoo\r\n\r\n$/);
    expect(utf8Decode(t.streams[1].written[0]!)).toMatch(/^HTTP\/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: [A-Za-z0-9+/]{27}=\r\nSec-WebSocket-Protocol: protoo\r\n\r\n$/);
    t.client().sendText(t.s.now, '{"request":true}');
    t.client().sendBinary(t.s.now, new Uint8Array([1, 2, 3]));
    t.server().sendText(t.s.now, 'héllo');
    t.s.runUntil(2_000_000);
    expect(t.toServer).toEqual([{ type: 'text', text: '{"request":true}', data: utf8Encode('{"request":true}') }, { type: 'binary', data: new Uint8Array([1, 2, 3]) }]);
    expect(t.toClient.map((m) => m.text)).toEqual(['héllo']);
    // clients mask every frame with a fresh key from their RNG; servers never mask
    const cf = frames(t.streams[0].written);
    expect(cf.every((f) => f?.masked)).toBe(true);
    expect(new Set(cf.map((f) => Array.from(f!.maskingKey!).join())).size).toBe(cf.length);
    expect(frames(t.streams[1].written).every((f) => f && !f.masked)).toBe(true);
    expect(t.notes.filter((n) => n.kind === 'websocket.open').map((n) => n.data.role)).toEqual(['server', 'client']);
  });

  it('the same seed gives the same key and masks; another seed does not', () => {
    const bytes = (seed: number): string => {
      const t = setup({ seed });
      t.s.runUntil(1_000_000);
      t.client().sendText(t.s.now, 'x');
      t.s.runUntil(2_000_000);
      return t.streams[0].written.map((b) => Array.from(b).join()).join('|');
    };
    expect(bytes(5)).toBe(bytes(5));
    expect(bytes(5)).not.toBe(bytes(6));
  });

  it('fragments long messages and joins them, with pings answered in between, over a stream cut into 3-byte pieces', () => {
    const t = setup({ fragmentSize: 100, split: 3 });
    t.s.runUntil(1_000_000);
    const big = 'a'.repeat(450);
    t.client().sendText(t.s.now, big);
    t.server().sendBinary(t.s.now, new Uint8Array(1000).fill(7));
    const pongs: string[] = [];
    t.client().handlers.onPong = (_n, p) => pongs.push(utf8Decode(p));
    t.client().ping(t.s.now, utf8Encode('are you there'));
    t.s.runUntil(5_000_000);
    expect(t.toServer.map((m) => m.text)).toEqual([big]);
    expect(t.toClient[0]!.data.length).toBe(1000);
    expect(pongs).toEqual(['are you there']);
    const cf = frames(t.streams[0].written);
    expect(cf.slice(0, 5).map((f) => [f!.opcode, f!.fin])).toEqual([[1, false], [0, false], [0, false], [0, false], [0, true]]);
  });

  it('runs the close handshake: the code echoed, the server closes the stream first, both clean', () => {
    const t = setup();
    t.s.runUntil(1_000_000);
    t.client().close(t.s.now, 1000, 'bye');
    t.s.runUntil(5_000_000);
    expect(t.closes.sort()).toEqual(['client 1000  true', 'server 1000 bye true']);
    const sf = frames(t.streams[1].written);
    expect(sf.at(-1)).toMatchObject({ opcode: Opcode.close, closeCode: 1000 });
    expect(t.streams[0].finished && t.streams[1].finished).toBe(true);
  });

  it.each([
    ['an unmasked frame from the client', encodeWebSocketFrame({ opcode: Opcode.text, payload: utf8Encode('hi') }), 1002, 'unmasked'],
    ['a reserved opcode', encodeWebSocketFrame({ opcode: 0x3, payload: new Uint8Array(0), maskingKey: new Uint8Array(4) }), 1002, 'reserved'],
    ['RSV bits without an extension', encodeWebSocketFrame({ opcode: Opcode.text, payload: utf8Encode('x'), rsv: 4, maskingKey: new Uint8Array(4) }), 1002, 'RSV'],
    ['a stray continuation', encodeWebSocketFrame({ opcode: Opcode.continuation, payload: utf8Encode('x'), maskingKey: new Uint8Array(4) }), 1002, 'continuation'],
    ['a fragmented ping', encodeWebSocketFrame({ opcode: Opcode.ping, fin: false, payload: utf8Encode('x'), maskingKey: new Uint8Array(4) }), 1002, 'fragmented'],
    ['text that is not UTF-8', encodeWebSocketFrame({ opcode: Opcode.text, payload: new Uint8Array([0xc3, 0x28]), maskingKey: new Uint8Array([1, 2, 3, 4]) }), 1007, 'UTF-8'],
    ['a frame over the limit', encodeWebSocketFrame({ opcode: Opcode.binary, payload: new Uint8Array(2_000_000), maskingKey: new Uint8Array(4) }).subarray(0, 14), 1009, 'over the limit'],
  ])('fails the connection on %s with a Close code and a note', (_name, bytes, code, why) => {
    const t = setup();
    t.s.runUntil(1_000_000);
    t.streams[0].write(t.s.now, bytes);
    t.s.runUntil(5_000_000);
    const err = t.notes.find((n) => n.kind === 'websocket.error');
    expect(err?.data).toMatchObject({ role: 'server', code });
    expect(err && 'error' in err.data && err.data.error).toContain(why);
    const sf = frames(t.streams[1].written);
    expect(sf.at(-1)).toMatchObject({ opcode: Opcode.close, closeCode: code });
    expect(t.streams[1].ended).toBe(true);
  });

  it('refuses a handshake with no subprotocol in common (400) and a client names why', () => {
    const t = setup({ offer: ['sip'], speak: ['protoo'] });
    t.s.runUntil(1_000_000);
    expect(t.opened[0]).toMatchObject({ ok: false, status: 400 });
    const n = t.notes.filter((x) => x.kind === 'websocket.handshake-failed').map((x) => x.data.role);
    expect(n).toEqual(['server', 'client']);
  });

  it('refuses another protocol version with 426 and Sec-WebSocket-Version: 13', () => {
    const s = new Scheduler();
    const [c, srv] = streamPair(s);
    new HttpServer((now, req, ex) => void acceptWebSocket(now, req, ex)).accept(srv);
    c.write(0, utf8Encode('GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n'));
    s.runUntil(1_000_000);
    const out = utf8Decode(srv.written[0]!);
    expect(out).toMatch(/^HTTP\/1.1 426 /);
    expect(out).toContain('Sec-WebSocket-Version: 13');
  });

  it('a client fails the handshake when Sec-WebSocket-Accept is wrong', () => {
    const s = new Scheduler();
    const [c, srv] = streamPair(s);
    srv.handlers.onData = (now) => srv.write(now, utf8Encode('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n'));
    let r: WebSocketOpenResult | undefined;
    connectWebSocket(0, c, { host: 'h', path: '/', rng: Rng.fromSeed(1) }, (_t, x) => (r = x));
    s.runUntil(1_000_000);
    expect(r).toMatchObject({ ok: false });
    expect(r && !r.ok && r.error).toContain('Sec-WebSocket-Accept');
  });
});
