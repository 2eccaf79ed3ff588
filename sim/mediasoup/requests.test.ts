// The server's answers to bad requests: each is a protoo error response (code and reason), never a throw, and none
// changes the server's state beyond what the request was allowed to do.
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { generateDtlsIdentity } from '../dtls/identity.ts';
import type { Obj, ProtooAnswer, ProtooConnection } from './protoo.ts';
import { handleRequest } from './requests.ts';
import { MediasoupServer, type Peer } from './server.ts';

function setup(tcp = false): { server: MediasoupServer; peer: Peer; ask: (method: string, data?: Obj) => ProtooAnswer; sent: { method: string; data: Obj }[] } {
  const server = new MediasoupServer({ name: 'sfu', listenIp: '10.0.0.10', announcedIp: '198.51.100.30', ports: { min: 40000, max: 40001 }, workers: 2, enableUdp: true, enableTcp: tcp }, Rng.fromSeed(7), generateDtlsIdentity(Rng.fromSeed(8), 'sfu'));
  server.ctx = { bindPort: (port) => ({ ip: '10.0.0.10', port }), listenTcp: () => undefined, wake: () => undefined, note: () => undefined };
  const sent: { method: string; data: Obj }[] = [];
  const conn = { notify: (_t: Micros, method: string, data: Obj) => sent.push({ method, data }), request: (_t: Micros, method: string, data: Obj) => sent.push({ method, data }), open: true, close: () => undefined } as unknown as ProtooConnection;
  // a peer in a room the server made, as a connection to /?roomId=r&peerId=alice makes it
  const r = server.room('r');
  const peer: Peer = { id: 'alice', room: r, conn, joined: false, displayName: 'alice', device: {}, rtpCapabilities: undefined, transports: new Map(), plain: new Map(), closed: false };
  r.peers.set('alice', peer);
  const ask = (method: string, data: Obj = {}): ProtooAnswer => {
    let a: ProtooAnswer | undefined;
    handleRequest(server, 0, peer, method, data, (_t, x) => (a = x));
    return a!;
  };
  return { server, peer, ask, sent };
}

const FP = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase()).join(':');

describe('protoo error responses', () => {
  it('an unknown method: 500 and the method named, as mediasoup-demo rejects it', () => {
    expect(setup().ask('frobnicate')).toEqual({ ok: false, errorCode: 500, errorReason: 'unknown request.method "frobnicate"' });
  });

  it('connectWebRtcTransport on an unknown transport id: 404', () => {
    const a = setup().ask('connectWebRtcTransport', { transportId: 'nope', dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: FP }] } });
    expect(a).toEqual({ ok: false, errorCode: 404, errorReason: 'transport with id "nope" not found' });
  });

  it('a bad fingerprint (not 32 hex octets), no sha-256 one, or a bad role: 400, and the transport stays unconnected', () => {
    const s = setup();
    const t = s.ask('createWebRtcTransport', { producing: true, consuming: false });
    expect(t.ok).toBe(true);
    const id = (t as { data: Obj }).data.id as string;
    const connect = (dtlsParameters: Obj): ProtooAnswer => s.ask('connectWebRtcTransport', { transportId: id, dtlsParameters });
    expect(connect({ role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD' }] })).toEqual({ ok: false, errorCode: 400, errorReason: 'invalid sha-256 fingerprint value "AB:CD"' });
    expect(connect({ role: 'client', fingerprints: [{ algorithm: 'sha-1', value: 'AB' }] })).toMatchObject({ ok: false, errorCode: 400 });
    expect(connect({ role: 'leader', fingerprints: [{ algorithm: 'sha-256', value: FP }] })).toMatchObject({ ok: false, errorCode: 400 });
    expect(connect({})).toMatchObject({ ok: false, errorCode: 400 });
    expect(s.server.transports[0]!.t.dtls).toBeUndefined();
    expect(connect({ role: 'client', fingerprints: [{ algorithm: 'sha-256', value: FP.toLowerCase() }] })).toEqual({ ok: true, data: {} });
    expect(s.server.transports[0]!.t.dtls?.roleName).toBe('server');
    expect(connect({ role: 'client', fingerprints: [{ algorithm: 'sha-256', value: FP }] })).toEqual({ ok: false, errorCode: 409, errorReason: 'connect() already called' });
  });

  it('the DTLS role follows the remote one: "server" makes the transport the client, "auto" too (it is ICE-controlled)', () => {
    for (const [remote, mine] of [['server', 'client'], ['auto', 'client'], ['client', 'server']] as const) {
      const s = setup();
      const id = ((s.ask('createWebRtcTransport', { producing: true }) as { data: Obj }).data.id) as string;
      s.ask('connectWebRtcTransport', { transportId: id, dtlsParameters: { role: remote, fingerprints: [{ algorithm: 'sha-256', value: FP }] } });
      expect(s.server.transports[0]!.t.dtls?.roleName).toBe(mine);
    }
  });

  it('createWebRtcTransport: announced address in the candidates, listen address bound, ICE-lite, sha-256; 500 when the port range is used up', () => {
    const s = setup();
    const d = (s.ask('createWebRtcTransport', { producing: true }) as { data: Obj }).data;
    expect(d.iceParameters).toMatchObject({ iceLite: true });
    expect(d.iceCandidates).toEqual([expect.objectContaining({ ip: '198.51.100.30', address: '198.51.100.30', port: 40000, protocol: 'udp', type: 'host' })]);
    expect(d.dtlsParameters).toEqual({ role: 'auto', fingerprints: [{ algorithm: 'sha-256', value: s.server.identity.fingerprint }] });
    expect(s.server.transports[0]!.t.local).toEqual({ ip: '10.0.0.10', port: 40000 });
    expect(s.ask('createWebRtcTransport', {}).ok).toBe(true);
    expect(s.ask('createWebRtcTransport', {})).toEqual({ ok: false, errorCode: 500, errorReason: 'no port left in rtcMinPort-rtcMaxPort' });
  });

  it('produce before join: 403; produce without an SSRC: 400; join twice: 409; closeProducer of an unknown id: 404', () => {
    const s = setup();
    const id = ((s.ask('createWebRtcTransport', { producing: true }) as { data: Obj }).data.id) as string;
    const produce = (rtpParameters: Obj): ProtooAnswer => s.ask('produce', { transportId: id, kind: 'audio', rtpParameters });
    expect(produce({ encodings: [{ ssrc: 1 }] })).toEqual({ ok: false, errorCode: 403, errorReason: 'Peer not yet joined' });
    expect(s.ask('join', { displayName: 'Alice', rtpCapabilities: { codecs: [] } }).ok).toBe(true);
    expect(s.ask('join', {})).toEqual({ ok: false, errorCode: 409, errorReason: 'Peer already joined' });
    expect(produce({ encodings: [{}] })).toMatchObject({ ok: false, errorCode: 400 });
    expect(produce({ encodings: [{ ssrc: 2 ** 32 }] })).toMatchObject({ ok: false, errorCode: 400 });
    const p = produce({ encodings: [{ ssrc: 1234 }] });
    expect(p.ok).toBe(true);
    expect(produce({ encodings: [{ ssrc: 1234 }] })).toMatchObject({ ok: false, errorCode: 409 });
    expect(s.ask('closeProducer', { producerId: 'nope' })).toMatchObject({ ok: false, errorCode: 404 });
    expect(s.ask('pauseProducer', { producerId: (p as { data: Obj }).data.id! })).toEqual({ ok: true, data: {} });
    expect(s.server.rooms.get('r')!.router.producers[0]!.paused).toBe(true);
    expect(s.ask('resumeConsumer', { consumerId: 'nope' })).toMatchObject({ ok: false, errorCode: 404 });
  });

  it('with enableTcp: a passive TCP candidate on the same port beside the UDP one; forceTcp leaves UDP out', () => {
    const s = setup(true);
    const both = (s.ask('createWebRtcTransport', {}) as { data: Obj }).data.iceCandidates as Obj[];
    expect(both.map((c) => `${String(c.protocol)} ${String(c.port)} ${String(c.tcpType ?? '-')}`)).toEqual(['udp 40000 -', 'tcp 40000 passive']);
    const tcp = (s.ask('createWebRtcTransport', { forceTcp: true }) as { data: Obj }).data.iceCandidates as Obj[];
    expect(tcp.map((c) => `${String(c.protocol)} ${String(c.port)} ${String(c.tcpType ?? '-')}`)).toEqual(['tcp 40001 passive']);
    expect(setup(false).ask('createWebRtcTransport', { forceTcp: true })).toEqual({ ok: false, errorCode: 400, errorReason: 'forceTcp: this server does not enable TCP' });
  });

  it("a peer that leaves: its producers close, the others' consumers of them close (consumerClosed), the others hear peerClosed", () => {
    const s = setup();
    const bobSent: { method: string; data: Obj }[] = [];
    const bobConn = { notify: (_t: Micros, method: string, data: Obj) => bobSent.push({ method, data }), request: (_t: Micros, method: string, data: Obj) => bobSent.push({ method, data }), open: true, close: () => undefined } as unknown as ProtooConnection;
    const room = s.server.room('r');
    const bob: Peer = { id: 'bob', room, conn: bobConn, joined: false, displayName: 'bob', device: {}, rtpCapabilities: undefined, transports: new Map(), plain: new Map(), closed: false };
    room.peers.set('bob', bob);
    const caps = { codecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }] };
    const tid = ((s.ask('createWebRtcTransport', { producing: true }) as { data: Obj }).data.id) as string;
    expect(s.ask('join', { rtpCapabilities: caps }).ok).toBe(true);
    let bobAnswer: ProtooAnswer | undefined;
    handleRequest(s.server, 0, bob, 'createWebRtcTransport', { consuming: true }, (_t, a) => (bobAnswer = a));
    expect(bobAnswer?.ok).toBe(true);
    handleRequest(s.server, 0, bob, 'join', { rtpCapabilities: caps }, () => undefined);
    expect(s.ask('produce', { transportId: tid, kind: 'audio', rtpParameters: { encodings: [{ ssrc: 42 }] } }).ok).toBe(true);
    // bob was asked to consume alice's producer: a paused consumer and the server's newConsumer request
    const newConsumer = bobSent.find((m) => m.method === 'newConsumer')!;
    expect(newConsumer.data).toMatchObject({ peerId: 'alice', kind: 'audio', producerPaused: false });
    expect(room.router.consumers[0]!.paused).toBe(true);
    s.server.closePeer(0, s.peer, 'WebSocket closed (1006)');
    expect(room.router.producers[0]!.closed).toBe(true);
    expect(room.router.consumers[0]!.closed).toBe(true);
    expect(bobSent.filter((m) => m.method === 'consumerClosed').map((m) => m.data.consumerId)).toEqual([newConsumer.data.id]);
    expect(bobSent.filter((m) => m.method === 'peerClosed').map((m) => m.data)).toEqual([{ peerId: 'alice' }]);
    expect(room.peers.has('alice')).toBe(false);
  });

  it('rooms go to workers in turn', () => {
    const s = setup();
    expect(s.server.room('second').worker.id).toBe('worker-2');
    expect(s.server.room('third').worker.id).toBe('worker-1');
  });
});
