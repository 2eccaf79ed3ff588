import { describe, expect, it } from 'vitest';
import type { NoteBody } from '../core/note.ts';
import { Rng } from '../core/rng.ts';
import type { TlsConfig } from './config.ts';
import { MemoryPipe } from './memory-stream.ts';
import { TlsStream } from './stream.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

function setup(o: { chunk?: number; client?: TlsConfig; server?: TlsConfig; seed?: number } = {}) {
  const pipe = new MemoryPipe(o.chunk);
  const rng = Rng.fromSeed(o.seed ?? 1);
  const notes: { side: string; note: NoteBody }[] = [];
  const secrets: string[] = [];
  const sink = (side: string) => ({ note: (_t: number, note: NoteBody) => notes.push({ side, note }), secret: (_t: number, s: string) => secrets.push(s) });
  const client = new TlsStream(0, pipe.a, { role: 'client', config: o.client ?? {}, rng: rng.fork('client'), sink: sink('client') });
  const server = new TlsStream(0, pipe.b, { role: 'server', config: o.server ?? {}, rng: rng.fork('server'), sink: sink('server') });
  const log = { client: [] as string[], server: [] as string[], clientData: '', serverData: '' };
  client.handlers = {
    onOpen: () => log.client.push('open'),
    onData: (_t, b) => (log.clientData += dec.decode(b)),
    onEnd: () => log.client.push('end'),
    onClose: (_t, e) => log.client.push(`close:${e ?? 'clean'}`),
  };
  server.handlers = {
    onOpen: () => log.server.push('open'),
    // an echo server that answers each piece of data and ends when the client does
    onData: (t, b) => {
      log.serverData += dec.decode(b);
      server.write(t, enc.encode(`echo:${dec.decode(b)}`));
    },
    onEnd: (t) => {
      log.server.push('end');
      server.end(t);
    },
    onClose: (_t, e) => log.server.push(`close:${e ?? 'clean'}`),
  };
  return { pipe, client, server, log, notes, secrets };
}

describe('TlsStream over an in-memory ByteStream', () => {
  it('opens both ends, carries writes made before the handshake completed, and closes cleanly with close_notify both ways', () => {
    const s = setup();
    s.client.write(0, enc.encode('early'));
    expect(s.client.open).toBe(false);
    s.pipe.connect().run();
    expect(s.client.open && s.server.open).toBe(true);
    expect(s.log.serverData).toBe('early');
    expect(s.log.clientData).toBe('echo:early');
    s.client.end(0);
    s.pipe.run();
    expect(s.log.client).toEqual(['open', 'end', 'close:clean']);
    expect(s.log.server).toEqual(['open', 'end', 'close:clean']);
    expect(s.client.label).toBe('tls(mem a>b)');
    expect(s.notes.filter((n) => n.note.kind === 'tls.alert.sent').map((n) => `${n.side} ${n.note.text}`)).toEqual(['client alert sent: warning close_notify', 'server alert sent: warning close_notify']);
  });

  it('reassembles records delivered one byte per read', () => {
    const s = setup({ chunk: 1 });
    s.pipe.connect().run();
    const big = 'x'.repeat(20_000);
    s.client.write(0, enc.encode(big));
    s.pipe.run();
    expect(s.log.serverData === big).toBe(true);
    // one onData per record: 20 000 bytes are two records of at most 2^14 (RFC 8446 §5.1), each echoed
    expect(s.log.clientData.split('echo:').length - 1).toBe(2);
    expect(s.log.clientData.replaceAll('echo:', '') === big).toBe(true);
  });

  it('hands the key log lines and notes to its sink', () => {
    const s = setup();
    s.pipe.connect().run();
    // the client and server each log the five TLS 1.3 secrets, for the same client random
    expect(s.secrets.map((l) => l.split(' ')[0]).sort()).toEqual(
      ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'EXPORTER_SECRET'].flatMap((x) => [x, x]).sort(),
    );
    expect(new Set(s.secrets.map((l) => l.split(' ')[1])).size).toBe(1);
    expect(s.notes.some((n) => n.side === 'server' && n.note.kind === 'tls.state' && n.note.text.includes('→ open'))).toBe(true);
  });

  it('closes both ends with the alert name when the handshake fails (no ALPN protocol in common)', () => {
    const s = setup({ client: { alpn: ['h2'] }, server: { alpn: ['http/1.1'] } });
    s.pipe.connect().run();
    expect(s.log.server).toEqual(['close:no_application_protocol']);
    expect(s.log.client).toEqual(['close:no_application_protocol']);
    expect(s.client.open).toBe(false);
  });

  it('says a transport that ends without close_notify may have truncated the data', () => {
    const s = setup();
    s.pipe.connect().run();
    s.pipe.a.end(0);
    s.pipe.run();
    expect(s.log.server).toContain('end');
    expect(s.notes.some((n) => n.side === 'server' && n.note.kind === 'tls.truncated')).toBe(true);
  });

  it('aborts with user_canceled, then the transport reset', () => {
    const s = setup();
    s.pipe.connect().run();
    s.client.abort(0);
    s.pipe.run();
    expect(s.log.client).toEqual(['open', 'close:aborted']);
    expect(s.log.server).toEqual(['open', 'close:reset']);
    expect(s.notes.some((n) => n.side === 'server' && n.note.kind === 'tls.alert.received' && n.note.text.includes('user_canceled'))).toBe(true);
  });

  it('starts at once over a transport that is already open (an accepted connection)', () => {
    const pipe = new MemoryPipe();
    pipe.connect().run();
    const rng = Rng.fromSeed(2);
    const server = new TlsStream(0, pipe.b, { role: 'server', rng: rng.fork('s') });
    const client = new TlsStream(0, pipe.a, { role: 'client', rng: rng.fork('c') });
    pipe.run();
    expect(client.open && server.open).toBe(true);
    expect(client.negotiated?.version).toBe(0x0304);
  });
});
