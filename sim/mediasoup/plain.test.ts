// PlainTransport (sim/mediasoup/plain-transport.ts): the requests and their errors, comedia's tuple learning and
// what it ignores, SRTP with keys given in srtpParameters (AES_CM_128_HMAC_SHA1_80 and AEAD_AES_256_GCM); and the
// two presets end to end: an ffmpeg-like broadcaster behind a NAT (comedia, RTCP on its own port) and one sending
// SRTP (connect with ip/port, rtcpMux), each watched by WebRTC browsers through the router.
import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../core/encoding.ts';
import type { EndpointOutput } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { generateDtlsIdentity } from '../dtls/identity.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario, type RunResult } from '../scenario/run.ts';
import { SrtpSession } from '../srtp/session.ts';
import { encodeRtcp } from '../wire/rtcp/rtcp.ts';
import { encodeRtp } from '../wire/rtp/rtp.ts';
import { PlainTransport } from './plain-transport.ts';
import type { Obj, ProtooAnswer, ProtooConnection } from './protoo.ts';
import { handleRequest } from './requests.ts';
import { MediasoupServer, type Peer } from './server.ts';

function setup(): { server: MediasoupServer; peer: Peer; ask: (method: string, data?: Obj) => ProtooAnswer; out: () => EndpointOutput[] } {
  const server = new MediasoupServer({ name: 'sfu', listenIp: '10.0.0.10', announcedIp: '198.51.100.30', ports: { min: 40000, max: 40003 }, workers: 1, enableUdp: true, enableTcp: false }, Rng.fromSeed(7), generateDtlsIdentity(Rng.fromSeed(8), 'sfu'));
  server.ctx = { bindPort: (port) => ({ ip: '10.0.0.10', port }), listenTcp: () => undefined, wake: () => undefined, note: () => undefined };
  const conn = { notify: () => undefined, request: () => undefined, open: true, close: () => undefined } as unknown as ProtooConnection;
  const r = server.room('r');
  const peer: Peer = { id: 'ffmpeg', room: r, conn, joined: false, displayName: 'ffmpeg', device: {}, rtpCapabilities: undefined, transports: new Map(), plain: new Map(), closed: false };
  r.peers.set('ffmpeg', peer);
  const ask = (method: string, data: Obj = {}): ProtooAnswer => {
    let a: ProtooAnswer | undefined;
    handleRequest(server, 0, peer, method, data, (_t, x) => (a = x));
    return a!;
  };
  const out = (): EndpointOutput[] => {
    const o: EndpointOutput[] = [];
    for (let i = 0; i < 1000; i++) {
      const x = server.poll(0 as Micros);
      if (x.type === 'idle' || x.type === 'timeout') break;
      o.push(x);
    }
    return o;
  };
  return { server, peer, ask, out };
}

const rtp = (ssrc: number, seq: number): Uint8Array => encodeRtp({ payloadType: 111, sequenceNumber: seq, timestamp: seq * 960, ssrc, marker: false, payload: new Uint8Array([1, 2, 3, 4]) });
const dataOf = (a: ProtooAnswer): Obj => (a.ok ? a.data : {});

describe('PlainTransport requests', () => {
  it('createPlainTransport before join is refused (403); a bad suite or flag is 400; the port range running out is 500', () => {
    const { ask } = setup();
    expect(ask('createPlainTransport', {})).toMatchObject({ ok: false, errorCode: 403 });
    ask('join', {});
    expect(ask('createPlainTransport', { enableSrtp: true, srtpCryptoSuite: 'NULL_CIPHER' })).toMatchObject({ ok: false, errorCode: 400 });
    expect(ask('createPlainTransport', { comedia: 'yes' })).toMatchObject({ ok: false, errorCode: 400, errorReason: 'comedia is not a boolean' });
    // rtcpMux false takes two ports of the four
    expect(dataOf(ask('createPlainTransport', { rtcpMux: false }))).toMatchObject({ ip: '198.51.100.30', port: 40000, rtcpPort: 40001 });
    expect(dataOf(ask('createPlainTransport', {}))).toMatchObject({ port: 40002 });
    expect(dataOf(ask('createPlainTransport', {})).rtcpPort).toBeUndefined();
    expect(ask('createPlainTransport', { rtcpMux: false })).toMatchObject({ ok: false, errorCode: 500 });
  });

  it('enableSrtp: the answer carries the suite and a key of the suite\'s length (key and salt); connect must bring the remote key', () => {
    const { ask } = setup();
    ask('join', {});
    for (const [suite, length] of [['AES_CM_128_HMAC_SHA1_80', 30], ['AEAD_AES_256_GCM', 44]] as const) {
      const d = dataOf(ask('createPlainTransport', { enableSrtp: true, srtpCryptoSuite: suite, comedia: true }));
      const sp = d.srtpParameters as Obj;
      expect(sp.cryptoSuite).toBe(suite);
      expect(fromBase64(String(sp.keyBase64))).toHaveLength(length);
      expect(ask('connectPlainTransport', { transportId: d.id! })).toMatchObject({ ok: false, errorCode: 400, errorReason: 'missing srtpParameters (SRTP enabled)' });
      expect(ask('connectPlainTransport', { transportId: d.id!, srtpParameters: { cryptoSuite: suite, keyBase64: 'AAAA' } })).toMatchObject({ ok: false, errorCode: 400 });
      expect(ask('connectPlainTransport', { transportId: d.id!, srtpParameters: { cryptoSuite: suite, keyBase64: '!!' } })).toMatchObject({ ok: false, errorCode: 400 });
      expect(ask('connectPlainTransport', { transportId: d.id!, srtpParameters: { cryptoSuite: 'AES_CM_128_HMAC_SHA1_32', keyBase64: sp.keyBase64! } })).toMatchObject({ ok: false, errorCode: 400 });
      expect(ask('connectPlainTransport', { transportId: d.id!, srtpParameters: { cryptoSuite: suite, keyBase64: sp.keyBase64! } })).toEqual({ ok: true, data: {} });
      expect(ask('connectPlainTransport', { transportId: d.id!, srtpParameters: { cryptoSuite: suite, keyBase64: sp.keyBase64! } })).toMatchObject({ ok: false, errorCode: 409 });
    }
  });

  it('without comedia, connect needs ip and port (and rtcpPort without rtcpMux); an unknown transport is 404', () => {
    const { ask, peer } = setup();
    ask('join', {});
    const d = dataOf(ask('createPlainTransport', { rtcpMux: false }));
    expect(ask('connectPlainTransport', { transportId: 'nope', ip: '1.2.3.4', port: 5 })).toMatchObject({ ok: false, errorCode: 404 });
    expect(ask('connectPlainTransport', { transportId: d.id!, ip: '203.0.113.50' })).toMatchObject({ ok: false, errorCode: 400 });
    expect(ask('connectPlainTransport', { transportId: d.id!, ip: '203.0.113.50', port: 5004 })).toMatchObject({ ok: false, errorCode: 400, errorReason: 'missing rtcpPort (rtcpMux is off)' });
    expect(peer.plain.get(String(d.id))!.ready).toBe(false);
    expect(ask('connectPlainTransport', { transportId: d.id!, ip: '203.0.113.50', port: 5004, rtcpPort: 5005 }).ok).toBe(true);
    const t = peer.plain.get(String(d.id))!;
    expect(t.ready).toBe(true);
    expect(t.tuple).toEqual({ ip: '203.0.113.50', port: 5004 });
    expect(t.rtcpTuple).toEqual({ ip: '203.0.113.50', port: 5005 });
  });

  it('produce on a PlainTransport makes a producer the router forwards from', () => {
    const { ask, server } = setup();
    ask('join', {});
    const d = dataOf(ask('createPlainTransport', { comedia: true }));
    const a = ask('produce', { transportId: d.id!, kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000 }], encodings: [{ ssrc: 1234 }] } });
    expect(a.ok).toBe(true);
    const p = server.room('r').router.producers[0]!;
    expect(p.ssrc).toBe(1234);
    expect(p.transport.id).toBe(d.id);
  });
});

describe('PlainTransport on the wire', () => {
  it('comedia: the first RTP packet sets the tuple; packets from any other tuple, RTCP on the RTP port without rtcpMux and non-RTP are ignored with a note', () => {
    const { ask, server, peer, out } = setup();
    ask('join', {});
    const d = dataOf(ask('createPlainTransport', { comedia: true, rtcpMux: false }));
    ask('produce', { transportId: d.id!, kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 111 }], encodings: [{ ssrc: 77 }] } });
    const t = peer.plain.get(String(d.id))!;
    const to = { ip: '10.0.0.10', port: 40000 };
    const nat = { ip: '203.0.113.90', port: 6000 };
    server.handleDatagram(0, nat, to, rtp(77, 1));
    expect(t.tuple).toEqual(nat);
    server.handleDatagram(0, { ip: '203.0.113.66', port: 6000 }, to, rtp(77, 2));
    server.handleDatagram(0, nat, to, encodeRtcp([{ type: 'rr', ssrc: 77, reports: [] }]));
    server.handleDatagram(0, nat, to, new Uint8Array([1, 2, 3]));
    server.handleDatagram(0, { ip: '203.0.113.90', port: 6001 }, { ip: '10.0.0.10', port: 40001 }, encodeRtcp([{ type: 'rr', ssrc: 77, reports: [] }]));
    expect(t.rtcpTuple).toEqual({ ip: '203.0.113.90', port: 6001 });
    expect(t.counters).toMatchObject({ rtpIn: 1, rtcpIn: 1, dropped: 3 });
    expect(server.room('r').router.producers[0]!.packets).toBe(1);
    const notes = out().filter((o) => o.type === 'note').map((o) => (o.type === 'note' ? `${o.kind} ${o.text}` : ''));
    expect(notes.filter((n) => n.startsWith('mediasoup.plain.tuple'))).toHaveLength(2);
    expect(notes.filter((n) => n.startsWith('mediasoup.plain.dropped'))).toHaveLength(3);
    expect(notes.find((n) => n.includes('unknown tuple'))).toContain('203.0.113.66:6000');
  });

  it("SRTP: the transport decrypts with the connect() key and encrypts with its own; a packet under another key fails authentication and changes nothing", () => {
    for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_256_GCM'] as const) {
      const sent: EndpointOutput[] = [];
      const got: Uint8Array[] = [];
      const t = new PlainTransport({ id: 't', peerId: 'p', local: { ip: '10.0.0.10', port: 40000 }, rtcpLocal: undefined, announcedIp: '10.0.0.10', comedia: true, rtcpMux: true, srtpCryptoSuite: suite, rng: Rng.fromSeed(3), onMedia: (_n, _t, _k, plain) => got.push(plain), emit: (o) => sent.push(o) });
      const remoteKey = Rng.fromSeed(4).bytes(suite === 'AEAD_AES_256_GCM' ? 44 : 30);
      const kl = suite === 'AEAD_AES_256_GCM' ? 32 : 16;
      const mine = fromBase64(t.srtpParameters!.keyBase64);
      const split = (k: Uint8Array): { masterKey: Uint8Array; masterSalt: Uint8Array } => ({ masterKey: k.slice(0, kl), masterSalt: k.slice(kl) });
      // the remote (ffmpeg) sends with its key and receives with the transport's
      const ffmpeg = new SrtpSession({ profile: suite, local: split(remoteKey), remote: split(mine) });
      expect(t.connect(0, { srtpParameters: { cryptoSuite: suite, keyBase64: toBase64(remoteKey) } })).toBeUndefined();
      const from = { ip: '203.0.113.50', port: 5004 };
      const forged = new SrtpSession({ profile: suite, local: split(mine), remote: split(mine) });
      t.handleDatagram(0, from, t.local, (forged.protectRtp(rtp(9, 1)) as { bytes: Uint8Array }).bytes);
      expect(t.tuple, `${suite}: a forged packet does not set the comedia tuple`).toBeUndefined();
      expect(t.counters.srtpFailures).toBe(1);
      t.handleDatagram(0, from, t.local, (ffmpeg.protectRtp(rtp(9, 2)) as { bytes: Uint8Array }).bytes);
      expect(got).toHaveLength(1);
      expect(got[0]).toEqual(rtp(9, 2));
      expect(t.sendRtcp(0, encodeRtcp([{ type: 'rr', ssrc: 1, reports: [] }]))).toBe(true);
      const out = sent.find((o) => o.type === 'transmit');
      expect(out?.type === 'transmit' && ffmpeg.unprotectRtcp(out.bytes).ok, `${suite}: the remote opens the transport's SRTCP`).toBe(true);
    }
  });
});

type Any = Record<string, unknown>;
const runs = new Map<string, RunResult>();
const run = (name: string): RunResult => runs.get(name) ?? (runs.set(name, runScenario(parseScenario(findPreset(name)!.build()))), runs.get(name)!);
const app = (r: RunResult, kind: string, host: string): Any => (r.summary.apps as Any[]).find((a) => a.kind === kind && a.host === host)!;

describe('mediasoup-plain-comedia: ffmpeg behind a NAT into a PlainTransport, two browsers watching', () => {
  it("the transport learns the NAT's mappings as its tuples (RTP and RTCP ports) from the first packets; no connect() was asked", () => {
    const r = run('mediasoup-plain-comedia');
    const s = app(r, 'mediasoup-server', 'sfu');
    const [pt] = s.plainTransports as Any[];
    expect(pt).toMatchObject({ comedia: true, rtcpMux: false, tuple: '203.0.113.90:5004', rtcpTuple: '203.0.113.90:5005', dropped: 0, srtpCryptoSuite: null });
    const methods = r.trace.notes.filter((n) => n.kind === 'mediasoup.request' && n.data!.peer === 'studio').map((n) => String(n.data!.method));
    expect(methods).toEqual(['join', 'createPlainTransport', 'produce', 'produce']);
    const tuples = r.trace.notes.filter((n) => n.kind === 'mediasoup.plain.tuple').map((n) => `${String(n.data!.which)} ${String(n.data!.remote)}`);
    expect(tuples).toEqual(['rtp 203.0.113.90:5004', 'rtcp 203.0.113.90:5005']);
  });

  it("alice and carol decrypt the broadcaster's audio and video from their consumers with no loss; the router's RTCP reaches the broadcaster's RTCP port", () => {
    const r = run('mediasoup-plain-comedia');
    const room = (app(r, 'mediasoup-server', 'sfu').rooms as { consumers: Any[]; producers: Any[] }[])[0]!;
    expect(room.producers.map((p) => `${String(p.peer)} ${String(p.kind)}`)).toEqual(['studio audio', 'studio video']);
    for (const me of ['alice', 'carol']) {
      const rx = ((app(r, 'mediasoup-client', me).recvTransport as Any).media as Any[]).filter((m) => m.direction === 'receive');
      const mine = room.consumers.filter((c) => c.peer === me);
      expect(mine).toHaveLength(2);
      for (const c of mine) {
        const m = rx.find((x) => x.ssrc === c.ssrc)!;
        expect(m.lost).toBe(0);
        expect(m.packets as number).toBeGreaterThan(c.kind === 'audio' ? 100 : 200);
      }
    }
    const b = app(r, 'mediasoup-broadcaster', 'studio');
    expect((b.received as Any).rtcp as number).toBeGreaterThan(3);
    expect(b.rtcpSent as number).toBeGreaterThan(2);
    const pt = (app(r, 'mediasoup-server', 'sfu').plainTransports as Any[])[0]!;
    expect(pt.rtcpIn).toBe(b.rtcpSent);
  });
});

describe('mediasoup-plain-srtp: SRTP with keys in srtpParameters, connect with ip/port, rtcpMux', () => {
  it('both sides decrypt each other: no SRTP failure at the transport, every SRTCP packet from the router authenticates at the broadcaster, bob receives both streams', () => {
    const r = run('mediasoup-plain-srtp');
    const pt = (app(r, 'mediasoup-server', 'sfu').plainTransports as Any[])[0]!;
    expect(pt).toMatchObject({ comedia: false, rtcpMux: true, tuple: '203.0.113.50:5004', rtcpTuple: null, srtpCryptoSuite: 'AES_CM_128_HMAC_SHA1_80', srtpFailures: 0, dropped: 0 });
    expect(pt.rtpIn as number).toBeGreaterThan(400);
    const b = app(r, 'mediasoup-broadcaster', 'studio');
    const rx = b.received as Any;
    expect(rx.rtcp as number).toBeGreaterThan(3);
    expect(rx.rtcpOpened).toBe(rx.rtcp);
    expect(rx.rtcpFailed).toBe(0);
    const methods = r.trace.notes.filter((n) => n.kind === 'mediasoup.request' && n.data!.peer === 'studio').map((n) => String(n.data!.method));
    expect(methods).toEqual(['join', 'createPlainTransport', 'connectPlainTransport', 'produce', 'produce']);
    const media = ((app(r, 'mediasoup-client', 'bob').recvTransport as Any).media as Any[]).filter((m) => m.direction === 'receive');
    expect(media).toHaveLength(2);
    for (const m of media) expect(m.lost).toBe(0);
  });

});
