// A consuming PlainTransport (transport.consume() on a plain transport) out to an ffmpeg-like receiver
// (sim/mediasoup/plain-receiver.ts): the consume request and its errors, the join answer that lists producers to a
// broadcaster with RTP capabilities, and the two presets end to end (plain RTP with RTCP on its own port; SRTP with
// AES_CM_128_HMAC_SHA1_32 and rtcpMux).
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { generateDtlsIdentity } from '../dtls/identity.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario, type RunResult } from '../scenario/run.ts';
import type { Obj, ProtooAnswer, ProtooConnection } from './protoo.ts';
import { handleRequest } from './requests.ts';
import { MediasoupServer, type Peer } from './server.ts';

const CAPS = { codecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }] };

function setup(): { server: MediasoupServer; ask: (peer: Peer, method: string, data?: Obj) => ProtooAnswer; peer: (id: string) => Peer } {
  const server = new MediasoupServer({ name: 'sfu', listenIp: '198.51.100.30', ports: { min: 40000, max: 40009 }, workers: 1, enableUdp: true, enableTcp: false }, Rng.fromSeed(7), generateDtlsIdentity(Rng.fromSeed(8), 'sfu'));
  server.ctx = { bindPort: (port) => ({ ip: '198.51.100.30', port }), listenTcp: () => undefined, wake: () => undefined, note: () => undefined };
  const conn = { notify: () => undefined, request: () => undefined, open: true, close: () => undefined } as unknown as ProtooConnection;
  const room = server.room('r');
  const peer = (id: string): Peer => {
    const p: Peer = { id, room, conn, joined: false, displayName: id, device: {}, rtpCapabilities: undefined, transports: new Map(), plain: new Map(), closed: false };
    room.peers.set(id, p);
    return p;
  };
  const ask = (p: Peer, method: string, data: Obj = {}): ProtooAnswer => {
    let a: ProtooAnswer | undefined;
    handleRequest(server, 0, p, method, data, (_t, x) => (a = x));
    return a!;
  };
  return { server, ask, peer };
}

const dataOf = (a: ProtooAnswer): Obj => (a.ok ? a.data : {});
const produce = (kind: string, ssrc: number): Obj => ({ kind, rtpParameters: { codecs: [{ mimeType: kind === 'audio' ? 'audio/opus' : 'video/VP8', payloadType: kind === 'audio' ? 111 : 96 }], encodings: [{ ssrc }] } });

describe('consume on a PlainTransport', () => {
  it("a broadcaster joining with RTP capabilities hears of each peer's producers it can consume; without capabilities, or as a browser, the answer is unchanged", () => {
    const { ask, peer } = setup();
    const alice = peer('alice');
    ask(alice, 'join', {});
    const t = dataOf(ask(alice, 'createPlainTransport', { comedia: true }));
    const audio = dataOf(ask(alice, 'produce', { transportId: t.id!, ...produce('audio', 11) }));
    ask(alice, 'produce', { transportId: t.id!, ...produce('video', 12) });
    // audio-only capabilities: the video producer is left out, as the demo's router.canConsume() leaves it
    expect(dataOf(ask(peer('rec'), 'join', { device: { flag: 'broadcaster' }, rtpCapabilities: CAPS })).peers).toEqual([{ id: 'alice', displayName: 'alice', device: {}, producers: [{ id: audio.id!, kind: 'audio' }] }]);
    expect(dataOf(ask(peer('ffmpeg'), 'join', { device: { flag: 'broadcaster' } })).peers).toEqual([{ id: 'alice', displayName: 'alice', device: {} }, { id: 'rec', displayName: 'rec', device: { flag: 'broadcaster' } }]);
    expect(JSON.stringify(dataOf(ask(peer('bob'), 'join', { rtpCapabilities: CAPS })).peers)).not.toContain('producers');
  });

  it('consume answers the consumer\'s RTP parameters (its own SSRC, the router\'s codec, no RTX) and sends nothing until connect(); paused waits for resumeConsumer', () => {
    const { ask, peer, server } = setup();
    const alice = peer('alice');
    ask(alice, 'join', {});
    const at = dataOf(ask(alice, 'createPlainTransport', { comedia: true }));
    const p = dataOf(ask(alice, 'produce', { transportId: at.id!, ...produce('audio', 11) }));
    const rec = peer('rec');
    ask(rec, 'join', { device: { flag: 'broadcaster' }, rtpCapabilities: CAPS });
    const t = dataOf(ask(rec, 'createPlainTransport', {}));
    const c = dataOf(ask(rec, 'consume', { transportId: t.id!, producerId: p.id!, paused: true }));
    const consumer = server.room('r').router.consumers[0]!;
    expect(c).toMatchObject({ id: consumer.id, producerId: p.id, kind: 'audio', type: 'simple', producerPaused: false, rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000 }], encodings: [{ ssrc: consumer.ssrc }], rtcp: { cname: 'alice', mux: true } } });
    expect(JSON.stringify(c)).not.toContain('rtx');
    expect(consumer.paused).toBe(true);
    expect(consumer.transport.id).toBe(t.id);
    expect(consumer.transport.ready).toBe(false);
    expect(ask(rec, 'connectPlainTransport', { transportId: t.id!, ip: '203.0.113.70', port: 5004 }).ok).toBe(true);
    expect(consumer.transport.ready).toBe(true);
    expect(ask(rec, 'resumeConsumer', { consumerId: c.id! }).ok).toBe(true);
    expect(consumer.paused).toBe(false);
  });

  it('errors: an unknown transport or producer is 404, a kind the capabilities lack or a bad paused is 400', () => {
    const { ask, peer } = setup();
    const alice = peer('alice');
    ask(alice, 'join', {});
    const at = dataOf(ask(alice, 'createPlainTransport', { comedia: true }));
    const v = dataOf(ask(alice, 'produce', { transportId: at.id!, ...produce('video', 12) }));
    const a = dataOf(ask(alice, 'produce', { transportId: at.id!, ...produce('audio', 13) }));
    const rec = peer('rec');
    ask(rec, 'join', { device: { flag: 'broadcaster' }, rtpCapabilities: CAPS });
    const t = dataOf(ask(rec, 'createPlainTransport', {}));
    expect(ask(rec, 'consume', { transportId: 'nope', producerId: a.id! })).toMatchObject({ ok: false, errorCode: 404 });
    expect(ask(rec, 'consume', { transportId: t.id!, producerId: 'nope' })).toMatchObject({ ok: false, errorCode: 404, errorReason: 'producer with id "nope" not found' });
    expect(ask(rec, 'consume', { transportId: t.id!, producerId: v.id! })).toMatchObject({ ok: false, errorCode: 400 });
    expect(ask(rec, 'consume', { transportId: t.id!, producerId: a.id!, paused: 'yes' })).toMatchObject({ ok: false, errorCode: 400, errorReason: 'paused is not a boolean' });
    expect(ask(rec, 'consume', { transportId: t.id!, producerId: a.id! }).ok).toBe(true);
  });
});

type Any = Record<string, unknown>;
const runs = new Map<string, RunResult>();
const run = (name: string): RunResult => runs.get(name) ?? (runs.set(name, runScenario(parseScenario(findPreset(name)!.build()))), runs.get(name)!);
const app = (r: RunResult, kind: string, host: string): Any => (r.summary.apps as Any[]).find((a) => a.kind === kind && a.host === host)!;

describe('mediasoup-plain-consumer and mediasoup-plain-consumer-srtp: a PlainTransport consuming out to an ffmpeg-like receiver', () => {
  for (const [name, srtp] of [['mediasoup-plain-consumer', null], ['mediasoup-plain-consumer-srtp', 'AES_CM_128_HMAC_SHA1_32']] as const) {
    it(`${name}: join, createPlainTransport, connect, consume ×2, resume ×2; both consumers on the PlainTransport reach the receiver with no loss`, () => {
      const r = run(name);
      const methods = r.trace.notes.filter((n) => n.kind === 'mediasoup.request' && n.data!.peer === 'recorder').map((n) => `${String(n.data!.method)} ${String(n.data!.ok)}`);
      expect(methods).toEqual(['join true', 'createPlainTransport true', 'connectPlainTransport true', 'consume true', 'consume true', 'resumeConsumer true', 'resumeConsumer true']);
      const s = app(r, 'mediasoup-server', 'sfu');
      const pt = (s.plainTransports as Any[])[0]!;
      expect(pt).toMatchObject({ comedia: false, rtcpMux: srtp !== null, tuple: '203.0.113.70:5004', rtcpTuple: srtp ? null : '203.0.113.70:5005', srtpCryptoSuite: srtp, dropped: 0, srtpFailures: 0, rtpIn: 0 });
      const room = (s.rooms as { consumers: Any[] }[])[0]!;
      const mine = room.consumers.filter((c) => c.peer === 'recorder');
      expect(mine.map((c) => c.kind)).toEqual(['audio', 'video']);
      const rec = app(r, 'mediasoup-receiver', 'recorder');
      expect(rec).toMatchObject({ srtp, errors: [], received: { unknownSsrc: 0, srtpFailures: 0 } });
      const streams = rec.streams as Any[];
      for (const c of mine) {
        const st = streams.find((x) => x.ssrc === c.ssrc)!;
        expect(st, `the receiver reads consumer ${String(c.id)} by its SSRC`).toBeDefined();
        expect(st).toMatchObject({ lost: 0, wrongPayloadType: 0, payloadType: c.kind === 'audio' ? 111 : 96 });
        // everything the consumer sent arrived but what was still on the wire at the end (6 ms away)
        expect(c.packets as number - (st.packets as number)).toBeLessThanOrEqual(2);
        expect(st.packets as number).toBeGreaterThan(c.kind === 'audio' ? 120 : 250);
      }
      // the router asked alice for a keyframe when the video consumer started: the receiver's first frame decodes
      expect((streams.find((x) => x.kind === 'video')!.keyframes as number)).toBeGreaterThanOrEqual(1);
      expect(pt.rtpOut).toBe(mine.reduce((n, c) => n + (c.packets as number), 0));
    });

    it(`${name}: the router's sender reports reach the receiver's RTCP socket; its receiver reports come back and give each consumer a score and RTT`, () => {
      const r = run(name);
      const rec = app(r, 'mediasoup-receiver', 'recorder');
      const rx = rec.received as Any;
      expect(rx.senderReports as number).toBeGreaterThanOrEqual(4);
      expect(rec.rtcpSent as number).toBeGreaterThanOrEqual(1);
      const pt = (app(r, 'mediasoup-server', 'sfu').plainTransports as Any[])[0]!;
      expect(pt.rtcpIn).toBe(rec.rtcpSent);
      const consumers = ((app(r, 'mediasoup-server', 'sfu').rooms as { consumers: Any[] }[])[0]!.consumers).filter((c) => c.peer === 'recorder');
      for (const c of consumers) {
        expect(c.score).toBe(10);
        expect(c.rttMs as number).toBeGreaterThan(20);
      }
    });
  }

  it('with SRTP the wire carries no plain RTP: the same packets reach port 5004, each longer by the AES_CM_128_HMAC_SHA1_32 tag (RFC 5764 §4.1.2: 32 bits)', () => {
    // the RTP (not RTCP, RFC 5761 §4) UDP payloads delivered to the recorder's port 5004, in order
    const rtpTo5004 = (r: RunResult): Uint8Array[] => r.trace.hops.filter((h) => h.to === 'recorder' && !h.drop && h.bytes[9] === 17).map((h) => h.bytes.subarray((h.bytes[0]! & 0x0f) * 4)).filter((u) => ((u[2]! << 8) | u[3]!) === 5004 && (u[9]! < 192 || u[9]! > 223)).map((u) => u.subarray(8));
    const a = rtpTo5004(run('mediasoup-plain-consumer'));
    const b = rtpTo5004(run('mediasoup-plain-consumer-srtp'));
    expect(a.length).toBeGreaterThan(400);
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) expect(b[i]!.length - a[i]!.length).toBe(4);
    // the payloads differ (encrypted), the SSRCs do not (the same consumers, the same router stream)
    expect(b.filter((x, i) => x.subarray(12).every((v, j) => v === a[i]![12 + j])).length).toBe(0);
  });
});
