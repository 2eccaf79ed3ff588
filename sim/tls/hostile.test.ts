import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { TlsConnection, type TlsOutput } from './connection.ts';
import { TlsTestPair } from './test-pair.ts';

const enc = new TextEncoder();

function drain(c: TlsConnection): TlsOutput[] {
  const out: TlsOutput[] = [];
  for (let o = c.poll(); o; o = c.poll()) out.push(o);
  return out;
}

function server(seed = 1): TlsConnection {
  const s = new TlsConnection('server', {}, Rng.fromSeed(seed).fork('server'));
  s.start();
  drain(s);
  return s;
}

/** What a connection did with some bytes: the alert it sent (the last byte of its one transmit) and its notes. */
function feed(c: TlsConnection, bytes: Uint8Array): { closed: string | undefined; notes: string[]; sent: Uint8Array[] } {
  c.receive(bytes);
  const out = drain(c);
  const closed = out.find((o) => o.type === 'closed');
  return {
    closed: closed?.type === 'closed' ? closed.error : undefined,
    notes: out.flatMap((o) => (o.type === 'note' ? [`${o.note.kind}: ${o.note.text}`] : [])),
    sent: out.flatMap((o) => (o.type === 'transmit' ? [o.bytes] : [])),
  };
}

const record = (type: number, body: number[] | Uint8Array, version = 0x0303): Uint8Array => new Uint8Array([type, version >> 8, version & 0xff, body.length >> 8, body.length & 0xff, ...body]);

/** A server flight message rewritten on its way into the record layer (a hostile or broken server). */
function corruptServerMessage(msgType: number, change: (m: Uint8Array) => Uint8Array | undefined): TlsTestPair {
  const p = new TlsTestPair();
  const original = p.server.sendHandshake.bind(p.server);
  p.server.sendHandshake = (m: Uint8Array, v?: number) => {
    if (m[0] !== msgType) return original(m, v);
    const changed = change(m);
    if (changed) original(changed, v);
  };
  return p.start();
}

describe('bad input ends the connection with the right alert and a note, never a throw', () => {
  it('plain HTTP sent to a TLS server: unexpected_message (not a TLS content type)', () => {
    const s = server();
    const r = feed(s, enc.encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(r.closed).toBe('unexpected_message');
    expect(r.notes[0]).toMatch(/^tls.bad-input: record content type 71 is not a TLS content type/);
    // the alert went out in the clear: 15 03 03 00 02 02 0a
    expect([...r.sent[0]!]).toEqual([21, 3, 3, 0, 2, 2, 10]);
    expect(s.state).toBe('failed');
  });

  it('a record version that is not 3.x: decode_error', () => {
    expect(feed(server(), record(22, [1, 0, 0, 0], 0x0200)).closed).toBe('decode_error');
  });

  it('a record longer than 2^14 + 2048: record_overflow', () => {
    expect(feed(server(), new Uint8Array([22, 3, 3, 0x48, 0x01])).closed).toBe('record_overflow');
  });

  it('a ClientHello whose body is cut short: decode_error', () => {
    expect(feed(server(), record(22, [1, 0, 0, 6, 3, 3, 0, 0, 0, 0])).closed).toBe('decode_error');
  });

  it('a handshake message claiming 16 MB: decode_error without allocating it', () => {
    expect(feed(server(), record(22, [1, 0xff, 0xff, 0xff])).closed).toBe('decode_error');
  });

  it('an empty handshake record: unexpected_message', () => {
    expect(feed(server(), record(22, [])).closed).toBe('unexpected_message');
  });

  it('application data before the handshake: unexpected_message', () => {
    expect(feed(server(), record(23, [1, 2, 3])).closed).toBe('unexpected_message');
  });

  it('a Finished where a ClientHello is due: unexpected_message', () => {
    expect(feed(server(), record(22, [20, 0, 0, 32, ...new Array<number>(32).fill(0)])).closed).toBe('unexpected_message');
  });

  it('a ChangeCipherSpec that is not the byte 1: unexpected_message', () => {
    const p = new TlsTestPair();
    p.server.start();
    p.client.start();
    drain(p.client);
    expect(feed(p.server, record(20, [2])).closed).toBe('unexpected_message');
  });

  it('a flipped bit in the server encrypted flight: bad_record_mac at the client', () => {
    const p = new TlsTestPair();
    let n = 0;
    p.tamper = (from, bytes) => {
      if (from !== 'server' || n++ > 0) return bytes;
      const b = bytes.slice();
      b[b.length - 20]! ^= 1;
      return b;
    };
    p.start();
    expect(p.closedWith('client')).toBe('bad_record_mac');
    expect(p.closedWith('server')).toBe('bad_record_mac');
  });

  it('a wrong server Finished: decrypt_error', () => {
    const p = corruptServerMessage(20, (m) => {
      const b = m.slice();
      b[10]! ^= 0x40;
      return b;
    });
    expect(p.closedWith('client')).toBe('decrypt_error');
    expect(p.notes('client').join('\n')).toContain('Finished verify_data');
  });

  it('a CertificateVerify signature that does not verify: decrypt_error', () => {
    const p = corruptServerMessage(15, (m) => {
      const b = m.slice();
      b[b.length - 3]! ^= 1;
      return b;
    });
    expect(p.closedWith('client')).toBe('decrypt_error');
  });

  it('a server that skips EncryptedExtensions: unexpected_message', () => {
    const p = corruptServerMessage(8, () => undefined);
    expect(p.closedWith('client')).toBe('unexpected_message');
    expect(p.notes('client').join('\n')).toContain('certificate while waiting for EncryptedExtensions');
  });

  // ServerHello: type(1) length(3) legacy_version(2) random(32) session id length(1) session id(32) cipher_suite(2) …
  it('a server choosing a cipher suite the client did not offer: illegal_parameter', () => {
    const p = new TlsTestPair({ cipherSuites: ['TLS_AES_128_GCM_SHA256'] });
    const original = p.server.sendHandshake.bind(p.server);
    p.server.sendHandshake = (m: Uint8Array, v?: number) => {
      const b = m.slice();
      if (b[0] === 2) b[72] = 0x02; // TLS_AES_256_GCM_SHA384
      original(b, v);
    };
    p.start();
    expect(p.closedWith('client')).toBe('illegal_parameter');
    expect(p.notes('client').join('\n')).toContain('TLS_AES_256_GCM_SHA384, which was not offered');
  });

  it('a ServerHello whose session id is not the echo of the client one: illegal_parameter', () => {
    const p = corruptServerMessage(2, (m) => {
      const b = m.slice();
      b[40]! ^= 1;
      return b;
    });
    expect(p.closedWith('client')).toBe('illegal_parameter');
  });

  it('an all-zero X25519 key share from the server: illegal_parameter', () => {
    const p = corruptServerMessage(2, (m) => {
      const b = m.slice();
      b.fill(0, b.length - 32);
      return b;
    });
    expect(p.closedWith('client')).toBe('illegal_parameter');
    expect(p.notes('client').join('\n')).toContain('the server key share: invalid peer public key');
  });

  it('a handshake record in the clear after encryption began: unexpected_message', () => {
    const p = new TlsTestPair().start();
    expect(feed(p.client, record(22, [4, 0, 0, 0])).closed).toBe('unexpected_message');
  });

  it('a plaintext alert injected after the handshake cannot close the connection cleanly: unexpected_message', () => {
    const p = new TlsTestPair().start();
    const r = feed(p.client, record(21, [1, 0]));
    expect(r.closed).toBe('unexpected_message');
    expect(r.notes.some((n) => n.startsWith('tls.alert.received'))).toBe(false);
  });

  it('a KeyUpdate with request_update 2: illegal_parameter', () => {
    const p = new TlsTestPair().start();
    // the client's write path is real: send a KeyUpdate body of 2 through it
    p.client.sendHandshake(new Uint8Array([24, 0, 0, 1, 2]));
    p.client.keyUpdate(false); // sends KeyUpdate(0), then the queued bad one under the new key
    p.pump();
    expect(p.closedWith('server')).toBe('illegal_parameter');
  });

  it('after failing, more input is ignored without output', () => {
    const s = server();
    feed(s, enc.encode('garbage!'));
    const again = feed(s, enc.encode('more garbage'));
    expect(again).toEqual({ closed: undefined, notes: [], sent: [] });
  });

  it('random bytes and mutated handshakes never throw; each ends open or failed with one alert', () => {
    const rng = Rng.fromSeed(42);
    for (let i = 0; i < 60; i++) {
      const s = server(i);
      const r = feed(s, rng.bytes(1 + (rng.u32() % 300)));
      expect(['handshaking', 'failed']).toContain(s.state);
      if (s.state === 'failed') expect(r.closed).toBeDefined();
    }
    for (let i = 0; i < 60; i++) {
      const p = new TlsTestPair({}, {}, i);
      let done = false;
      p.tamper = (_from, bytes) => {
        if (done || rng.u32() % 3 !== 0) return bytes;
        done = true;
        const b = bytes.slice();
        b[rng.u32() % b.length]! ^= 1 << rng.u32() % 8;
        return b;
      };
      p.start();
      for (const c of [p.client, p.server]) expect(['open', 'failed', 'handshaking']).toContain(c.state);
      // a mutation was harmless (both open), failed someone with an alert, or (a record length made longer) left a
      // side waiting for bytes that never come: TLS has no timer of its own; the app's handshake deadline ends that
      if (p.client.state !== 'open' || p.server.state !== 'open') {
        const waiting = p.client.state === 'handshaking' && p.server.state === 'handshaking';
        if (!waiting) expect(p.closedWith('client') ?? p.closedWith('server'), `seed ${i}: ${p.client.state}/${p.server.state}`).toBeDefined();
      }
    }
  });
});
