import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { concatBytes, toHex } from '../core/encoding.ts';
import { CAPTURES_DIR, dissectFile } from '../../test/support/dissect-captures.ts';
import { tsharkAvailable } from '../../test/support/tshark.ts';
import { readCapture } from '../wire/pcap/index.ts';
import { encodeTcpSegment } from '../wire/tcp/tcp.ts';
import { encodeStun } from '../wire/stun/encode.ts';
import { Method } from '../wire/stun/constants.ts';
import { tlsPair } from '../../test/support/tls-pair.ts';
import { Dissector } from './dissector.ts';
import { packetToJson } from './json.ts';
import type { TlsRecordInfo } from './tls-session.ts';
import type { Layer } from './types.ts';

// A real capture of Node's tls (OpenSSL 3.0) on loopback: three TLS 1.3 connections (AES-128-GCM with a WSS
// upgrade and frames, AES-256-GCM, ChaCha20-Poly1305) and one TLS 1.2 (ECDHE-ECDSA-AES128-GCM), with the key log
// both sides wrote. tshark, given the same key log, wrote the truth: handshake types per frame and the decrypted
// application bytes per connection; Node wrote each side's exported keying material.

const DIR = `${CAPTURES_DIR}tls13-node/`;
const FILE = `${DIR}tls-node.pcapng`;
const KEYLOG = readFileSync(`${DIR}tls-node.keylog.txt`, 'utf8');
const truth = JSON.parse(readFileSync(`${DIR}tls-node.truth.json`, 'utf8'));

const tlsWire = (layers: readonly Layer[]): TlsRecordInfo[] => layers.filter((l) => l.protocol === 'TLS' && !l.plaintext).map((l) => l.value as TlsRecordInfo);
const tlsDecrypted = (layers: readonly Layer[]): { layer: Layer; info: TlsRecordInfo }[] =>
  layers.filter((l) => l.protocol === 'TLS' && l.plaintext).map((l) => ({ layer: l, info: l.value as TlsRecordInfo }));

describe('TLS over TCP from a real Node/OpenSSL capture, with its key log', () => {
  const d = dissectFile(FILE, KEYLOG);

  it('reads every frame without a problem', () => {
    expect(d.packets.flatMap((p) => p.d.problems.map((x) => `${p.raw.index + 1}: ${x.message}`))).toEqual([]);
  });

  it('finds the record content types and handshake types tshark finds, frame by frame, in order', () => {
    for (const f of truth.frames) {
      const p = d.packets[f.frame - 1]!.d;
      // tshark gives a decrypted TLS 1.3 record its inner content type (RFC 8446 §5.2), so do we here
      const types: number[] = [];
      for (const l of p.layers) {
        if (l.protocol !== 'TLS') continue;
        const v = l.value as TlsRecordInfo;
        if (!l.plaintext) types.push(v.contentType);
        else if (v.innerContentType !== undefined) types[types.length - 1] = v.innerContentType;
      }
      expect(types, `frame ${f.frame}`).toEqual(f.contentTypes);
      // tshark lists plaintext and decrypted handshake messages together, in record order
      const hs = p.layers.filter((l) => l.protocol === 'TLS' && (l.plaintext || !(l.value as TlsRecordInfo).encrypted)).flatMap((l) => (l.value as TlsRecordInfo).handshakeTypes ?? []);
      expect(hs, `frame ${f.frame}`).toEqual(f.handshakeTypes);
    }
  });

  it('decrypts exactly the application bytes tshark decrypts, per connection and direction', () => {
    const byStream = new Map<string, Uint8Array[]>();
    const ports: number[] = [];
    for (const { d: p } of d.packets) {
      const f = p.flow;
      if (!f) continue;
      const clientPort = f.srcPort === truth.port ? f.dstPort : f.srcPort;
      if (!ports.includes(clientPort)) ports.push(clientPort);
      const dir = f.srcPort === truth.port ? 'server' : 'client';
      for (const { layer, info } of tlsDecrypted(p.layers)) {
        if (info.innerContentType !== 23) continue;
        const k = `${ports.indexOf(clientPort)} ${dir}`;
        byStream.set(k, [...(byStream.get(k) ?? []), layer.plaintext!]);
      }
    }
    for (const t of truth.decrypted) {
      expect(toHex(concatBytes(...(byStream.get(`${t.stream} client`) ?? []))), `stream ${t.stream} client`).toBe(t.client);
      expect(toHex(concatBytes(...(byStream.get(`${t.stream} server`) ?? []))), `stream ${t.stream} server`).toBe(t.server);
    }
    expect(truth.decrypted).toHaveLength(4);
  });

  it('verifies both Finished messages of all four handshakes (TLS 1.3 §4.4.4 and TLS 1.2 §7.4.9)', () => {
    const sessions = new Set(d.packets.flatMap((p) => tlsWire(p.d.layers).map((r) => r.session!)));
    expect(sessions.size).toBe(4);
    for (const s of sessions) {
      expect(s.finished).toEqual([
        { role: 'server', ok: true },
        { role: 'client', ok: true },
      ].sort((a, b) => (s.version === 'TLS 1.2' ? (a.role === 'client' ? -1 : 1) : a.role === 'server' ? -1 : 1)));
      expect(s.decryption).toBe('ok');
    }
    expect([...sessions].map((s) => `${s.version} 0x${s.cipherSuite!.toString(16)}`)).toEqual(['TLS 1.3 0x1301', 'TLS 1.3 0x1302', 'TLS 1.3 0x1303', 'TLS 1.2 0xc02b']);
  });

  it('the exporter gives what OpenSSL exported to both endpoints ("EXTRACTOR-dtls_srtp", 60 bytes)', () => {
    const sessions = [...new Set(d.packets.flatMap((p) => tlsWire(p.d.layers).map((r) => r.session!)))];
    sessions.forEach((s, i) => {
      const want = truth.exportedKeyingMaterial.filter((e: { connection: number }) => e.connection === i + 1).map((e: { hex: string }) => e.hex);
      expect(want).toHaveLength(2);
      const got = s.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60);
      expect(got && toHex(got)).toBe(want[0]);
      expect(want[1]).toBe(want[0]);
    });
  });

  it('parses the decrypted stream: the WebSocket upgrade, its verified accept, and the Janus JSON in the frames', () => {
    const inner = d.packets.flatMap((p) => p.d.layers.filter((l) => l.plaintext && l.protocol !== 'TLS').map((l) => `${l.protocol} ${l.summary}`));
    expect(inner.filter((s) => s.startsWith('HTTP')).length).toBe(8);
    expect(inner.some((s) => s.includes('accept value verified'))).toBe(true);
    expect(inner.filter((s) => s.startsWith('SIGNALING Janus'))).toEqual(['SIGNALING Janus keepalive (transaction tls1)', 'SIGNALING Janus ack (transaction tls1)']);
  });

  it("a packet's summary names every record in it, clear and decrypted, like tshark's Info column", () => {
    expect(d.packets[5]!.d.summary).toBe(
      'TLS 1.3 ServerHello (TLS 1.3, TLS_AES_128_GCM_SHA256), ChangeCipherSpec, 4 encrypted records [decrypted: EncryptedExtensions (ALPN http/1.1), Certificate, CertificateVerify, Finished, verify_data verified]',
    );
    const tls12 = d.packets.filter((p) => p.d.summary.startsWith('TLS 1.2 ClientKeyExchange'));
    expect(tls12.map((p) => p.d.summary)).toEqual(['TLS 1.2 ClientKeyExchange, ChangeCipherSpec, Finished (encrypted) [decrypted: Finished, verify_data verified]']);
  });

  it('--json names the TLS layer, its records and what was decrypted', () => {
    const p = d.packets[5]!;
    const j = packetToJson(p.d, { no: 6, ts: 0 });
    expect(j.proto).toBe('TLS');
    const layers = j.layers as { protocol: string; handshakeType?: string; contentType?: string; decrypted?: boolean; innerContentType?: string }[];
    expect(layers.filter((l) => l.protocol === 'TLS' && !l.decrypted).map((l) => l.contentType)).toEqual(['handshake', 'change_cipher_spec', 'application_data', 'application_data', 'application_data', 'application_data']);
    expect(layers.filter((l) => l.protocol === 'TLS' && l.decrypted).map((l) => l.handshakeType)).toEqual(['encrypted_extensions', 'certificate', 'certificate_verify', 'finished']);
  });
});

describe('TLS over TCP without keys, or with the wrong ones', () => {
  it('without a key log: records shown, encrypted, no problem, and the summary says "no key log"', () => {
    const d = dissectFile(FILE);
    expect(d.packets.flatMap((p) => p.d.problems)).toEqual([]);
    const encrypted = d.packets.flatMap((p) => p.d.layers.filter((l) => l.protocol === 'TLS' && (l.value as TlsRecordInfo).encrypted));
    expect(encrypted.length).toBeGreaterThan(30);
    expect(encrypted.every((l) => l.summary.includes("(no key log)"))).toBe(true);
    expect(d.packets.some((p) => p.d.layers.some((l) => l.plaintext))).toBe(false);
  });

  it('with a key log whose secrets are wrong: every connection says "wrong key", nothing is shown as plaintext', () => {
    // flip one bit in every secret: same client randoms, wrong keys
    const wrong = KEYLOG.replace(/^(\S+ [0-9a-f]{64} )([0-9a-f])/gm, (_m, head: string, c: string) => `${head}${(parseInt(c, 16) ^ 1).toString(16)}`);
    const d = dissectFile(FILE, wrong);
    const problems = d.packets.flatMap((p) => p.d.problems.map((x) => x.message));
    expect(problems.length).toBe(4);
    expect(problems.every((m) => m.includes('wrong key') && m.includes('bad_record_mac'))).toBe(true);
    expect(d.packets.some((p) => p.d.layers.some((l) => l.plaintext))).toBe(false);
  });
});

describe('TLS over TCP on hostile bytes', () => {
  it('corrupted records (any byte of any TLS segment flipped) never throw, keep spans inside the packet, and stay closed or say why', () => {
    const cap = readCapture(new Uint8Array(readFileSync(FILE)));
    let state = 7;
    const rand = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    for (let round = 0; round < 20; round++) {
      const dissector = new Dissector({ keyLog: KEYLOG });
      for (const raw of cap.packets) {
        const bytes = raw.data.slice();
        // the TCP payload starts after Ethernet (14) + IPv4 (20) + TCP (32 with timestamps) on this capture
        if (bytes.length > 66 && rand(3) === 0) {
          const i = 66 + rand(bytes.length - 66);
          bytes[i] = bytes[i]! ^ (1 << rand(8));
        }
        const p = dissector.packet(bytes, { index: raw.index, linkType: raw.linkType });
        for (const l of p.layers) if (!l.bytes && !l.plaintext) expect(l.offset + l.length).toBeLessThanOrEqual(bytes.length);
        for (const x of p.problems) expect(x.message.length).toBeGreaterThan(0);
      }
    }
  });

  it('a stream that starts like TLS but is not is shown as data after one "not a TLS record" problem', () => {
    const dissector = new Dissector();
    const garbage = concatBytes(new Uint8Array([0x16, 0x03, 0x03, 0x00, 0x05, 1, 0, 0, 1, 0]), new Uint8Array([0x99, 0x03, 0x03, 0x00, 0x10]), new Uint8Array(40));
    const seg = (seq: number, payload: Uint8Array, flags: ('SYN' | 'ACK' | 'PSH')[]): Uint8Array =>
      encodeTcpSegment({ src: '192.0.2.1', dst: '192.0.2.2', srcPort: 40000, dstPort: 443, sequenceNumber: seq, flags, payload });
    dissector.packet(seg(0, new Uint8Array(0), ['SYN']));
    const p = dissector.packet(seg(1, garbage, ['ACK', 'PSH']));
    const tls = p.layers.filter((l) => l.protocol === 'TLS');
    expect(tls.map((l) => l.summary)).toEqual(['TLS ClientHello', 'not a TLS record: the rest of this direction is shown as data']);
    // the 1-byte ClientHello body is itself reported as truncated, with where
    expect(p.problems.map((x) => x.message)).toEqual([expect.stringContaining('truncated: client_version'), expect.stringContaining('not a TLS record: content type 153')]);
  });
});

describe('TURN over TLS (RFC 8656 §3.1: STUN framed on a TLS stream)', () => {
  // a real OpenSSL client and server (node:tls over an in-memory pipe), so every TLS byte is real; the client sends
  // a STUN Binding request and an Allocate request inside TLS, the server answers the Binding
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    it(`${version}: the STUN messages inside the decrypted stream are dissected as STUN`, async () => {
      const tid = (n: number): Uint8Array => new Uint8Array(12).fill(n);
      const binding = encodeStun({ method: Method.Binding, class: 'request', transactionId: tid(1), attributes: [] });
      const allocate = encodeStun({ method: Method.Allocate, class: 'request', transactionId: tid(2), attributes: [] });
      const run = await tlsPair({
        key: `${DIR}certs/server-key.pem`,
        cert: `${DIR}certs/server-cert.pem`,
        minVersion: version,
        maxVersion: version,
        clientSends: [binding, allocate],
        serverAnswers: (d) => (d[1] === 0x01 ? encodeStun({ method: Method.Binding, class: 'success', transactionId: tid(1), attributes: [] }) : undefined),
      });
      const dissector = new Dissector({ keyLog: run.keyLog });
      const packets = run.packets.map((b, i) => dissector.packet(b, { index: i }));
      expect(packets.flatMap((p) => p.problems.map((x) => x.message))).toEqual([]);
      const stun = packets.flatMap((p) => p.layers.filter((l) => l.protocol === 'STUN' && l.plaintext).map((l) => l.summary));
      expect(stun).toEqual(['Binding Request', 'Binding Success Response', 'Allocate Request']);
      const finished = packets.flatMap((p) => p.layers.filter((l) => l.plaintext && l.summary.includes('Finished, verify_data verified')));
      expect(finished).toHaveLength(2);
    });
  }
});

describe('TLS 1.3 after a HelloRetryRequest (RFC 8446 §4.1.4)', () => {
  it('the first ClientHello becomes message_hash in the transcript, so both Finished still verify', async () => {
    // the client's first key share is P-256, the server takes only X25519: it asks again with a HelloRetryRequest
    const run = await tlsPair({
      key: `${DIR}certs/server-key.pem`,
      cert: `${DIR}certs/server-cert.pem`,
      minVersion: 'TLSv1.3',
      clientGroups: 'P-256:X25519',
      serverGroups: 'X25519',
      clientSends: [new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
      serverAnswers: () => undefined,
    });
    const dissector = new Dissector({ keyLog: run.keyLog });
    const packets = run.packets.map((b, i) => dissector.packet(b, { index: i }));
    expect(packets.flatMap((p) => p.problems.map((x) => x.message))).toEqual([]);
    expect(packets.some((p) => p.summary.includes('HelloRetryRequest (retry with x25519)'))).toBe(true);
    expect(packets.filter((p) => p.summary.startsWith('TLS ClientHello') || p.summary.includes('ClientHello'))).toHaveLength(2);
    const verified = packets.flatMap((p) => p.layers.filter((l) => l.plaintext && l.summary.includes('Finished, verify_data verified')));
    expect(verified).toHaveLength(2);
    expect(packets.flatMap((p) => p.layers.filter((l) => l.plaintext && l.protocol === 'HTTP').map((l) => l.summary))).toEqual(['GET / HTTP/1.1']);
  });
});

describe.skipIf(!tsharkAvailable())('tshark decrypts the same capture the same way (live oracle)', () => {
  it('tshark with the key log sees the same HTTP requests and responses as we do', () => {
    const out = execFileSync('tshark', ['-r', FILE, '-n', '-o', `tls.keylog_file:${DIR}tls-node.keylog.txt`, '-Y', 'http', '-T', 'fields', '-e', 'frame.number', '-e', 'http.request.method', '-e', 'http.response.code'], { encoding: 'utf8' });
    const theirs = out.trim().split('\n').map((l) => l.split('\t').filter((x) => x).join(' '));
    const d = dissectFile(FILE, KEYLOG);
    const ours = d.packets.flatMap((p) =>
      p.d.layers
        .filter((l) => l.plaintext && l.protocol === 'HTTP')
        .map((l) => {
          const m = l.value as { start: { kind: string; method?: string; status?: number } };
          return `${p.raw.index + 1} ${m.start.kind === 'request' ? m.start.method : m.start.status}`;
        }),
    );
    expect(ours).toEqual(theirs);
  });
});
