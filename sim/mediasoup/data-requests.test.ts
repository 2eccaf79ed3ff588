// The data side's protoo flow: createWebRtcTransport with sctpCapabilities, produceData, newDataConsumer.
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import { generateDtlsIdentity } from '../dtls/identity.ts';
import type { Obj, ProtooAnswer, ProtooConnection } from './protoo.ts';
import { handleRequest } from './requests.ts';
import { MediasoupServer, type Peer } from './server.ts';

const SCTP_CAPS = { numStreams: { OS: 1024, MIS: 1024 } };

function room(): { server: MediasoupServer; join: (id: string) => { ask: (method: string, data?: Obj) => ProtooAnswer; sent: { method: string; data: Obj }[] } } {
  const server = new MediasoupServer({ name: 'sfu', listenIp: '10.0.0.10', ports: { min: 40000, max: 40009 }, workers: 1, enableUdp: true, enableTcp: false }, Rng.fromSeed(7), generateDtlsIdentity(Rng.fromSeed(8), 'sfu'));
  server.ctx = { bindPort: (port) => ({ ip: '10.0.0.10', port }), listenTcp: () => undefined, wake: () => undefined, note: () => undefined };
  const r = server.room('r');
  const join = (id: string) => {
    const sent: { method: string; data: Obj }[] = [];
    const conn = { notify: (_t: Micros, method: string, data: Obj) => sent.push({ method, data }), request: (_t: Micros, method: string, data: Obj) => sent.push({ method, data }), open: true, close: () => undefined } as unknown as ProtooConnection;
    const peer: Peer = { id, room: r, conn, joined: false, displayName: id, device: {}, rtpCapabilities: undefined, transports: new Map(), plain: new Map(), closed: false };
    r.peers.set(id, peer);
    const ask = (method: string, data: Obj = {}): ProtooAnswer => {
      let a: ProtooAnswer | undefined;
      handleRequest(server, 0, peer, method, data, (_t, x) => (a = x));
      return a!;
    };
    return { ask, sent };
  };
  return { server, join };
}
const dataOf = (a: ProtooAnswer): { [key: string]: JsonValue } & { id: string } => {
  if (!a.ok) throw new Error(`${a.errorCode} ${a.errorReason}`);
  return a.data as { [key: string]: JsonValue } & { id: string };
};

describe('mediasoup data producers over protoo', () => {
  it('createWebRtcTransport answers sctpParameters only when the client sends sctpCapabilities with numStreams', () => {
    const { join } = room();
    const alice = join('alice');
    expect(dataOf(alice.ask('createWebRtcTransport', { producing: true, consuming: false, sctpCapabilities: {} })).sctpParameters).toBeUndefined();
    expect(dataOf(alice.ask('createWebRtcTransport', { producing: true, consuming: false, sctpCapabilities: SCTP_CAPS })).sctpParameters).toEqual({ port: 5000, OS: 1024, MIS: 1024, maxMessageSize: 262144, maxSendMessageSize: 262144, maxReceiveMessageSize: 262144 });
  });

  it('sctpParameters carry what mediasoup-client 3.24 reads (maxSendMessageSize, maxReceiveMessageSize) and the deprecated fields older clients read', () => {
    const { join } = room();
    const p = dataOf(join('alice').ask('createWebRtcTransport', { producing: false, consuming: true, sctpCapabilities: SCTP_CAPS })).sctpParameters as Record<string, number>;
    // mediasoup-client 3.24.1 Transport: maxSendMessageSize ?? maxMessageSize, maxReceiveMessageSize ?? maxMessageSize
    expect([p.maxSendMessageSize ?? p.maxMessageSize, p.maxReceiveMessageSize ?? p.maxMessageSize]).toEqual([262144, 262144]);
    expect([p.OS, p.MIS, p.maxMessageSize]).toEqual([1024, 1024, 262144]);
  });

  it('produceData gives an id and asks every joined peer with SCTP to open a negotiated channel on a stream the server picked', () => {
    const { join } = room();
    const alice = join('alice');
    const bob = join('bob');
    const carol = join('carol');
    const aSend = dataOf(alice.ask('createWebRtcTransport', { producing: true, consuming: false, sctpCapabilities: SCTP_CAPS })).id;
    for (const p of [bob, carol]) p.ask('createWebRtcTransport', { producing: false, consuming: true, sctpCapabilities: SCTP_CAPS });
    for (const p of [alice, bob, carol]) dataOf(p.ask('join', { displayName: 'x', rtpCapabilities: { codecs: [] } }));
    const params = { transportId: aSend, sctpStreamParameters: { streamId: 0, ordered: true }, label: 'chat', protocol: '', appData: {} };
    const id = dataOf(alice.ask('produceData', params)).id;
    expect(typeof id).toBe('string');
    for (const p of [bob, carol]) {
      const req = p.sent.find((s) => s.method === 'newDataConsumer');
      expect(req?.data).toEqual({ peerId: 'alice', dataProducerId: id, id: expect.any(String), sctpStreamParameters: { streamId: 0, ordered: true }, label: 'chat', protocol: '', appData: {} });
    }
    expect(alice.sent.some((s) => s.method === 'newDataConsumer')).toBe(false);
    // the same stream again on that transport, or a transport without SCTP: 400
    expect(alice.ask('produceData', params)).toEqual({ ok: false, errorCode: 400, errorReason: 'sctpStreamParameters.streamId 0 already in use' });
    const plainT = dataOf(alice.ask('createWebRtcTransport', { producing: true, consuming: false })).id;
    expect(alice.ask('produceData', { ...params, transportId: plainT })).toEqual({ ok: false, errorCode: 400, errorReason: 'SCTP not enabled by remote Transport' });
    expect(alice.ask('produceData', { ...params, transportId: 'nope' })).toMatchObject({ ok: false, errorCode: 404 });
  });

  it('a peer joining later consumes the data producers already there; produceData before join is 403', () => {
    const { join } = room();
    const alice = join('alice');
    const dave = join('dave');
    const aSend = dataOf(alice.ask('createWebRtcTransport', { producing: true, consuming: false, sctpCapabilities: SCTP_CAPS })).id;
    expect(alice.ask('produceData', { transportId: aSend, sctpStreamParameters: { streamId: 1 } })).toMatchObject({ ok: false, errorCode: 403 });
    alice.ask('join', {});
    const id = dataOf(alice.ask('produceData', { transportId: aSend, sctpStreamParameters: { streamId: 1, maxRetransmits: 0 }, label: 'telemetry' })).id;
    dave.ask('createWebRtcTransport', { producing: false, consuming: true, sctpCapabilities: SCTP_CAPS });
    dave.ask('join', {});
    expect(dave.sent.find((s) => s.method === 'newDataConsumer')?.data).toMatchObject({ dataProducerId: id, label: 'telemetry', sctpStreamParameters: { streamId: 0, ordered: false, maxRetransmits: 0 } });
  });

  it('consumeData asked by the client: a DataConsumer on the named transport, answered with its stream; unknown ids are 404', () => {
    const { join } = room();
    const alice = join('alice');
    const erin = join('erin');
    const aSend = dataOf(alice.ask('createWebRtcTransport', { producing: true, consuming: false, sctpCapabilities: SCTP_CAPS })).id;
    alice.ask('join', {});
    const id = dataOf(alice.ask('produceData', { transportId: aSend, sctpStreamParameters: { streamId: 5, ordered: true }, label: 'chat', protocol: 'json' })).id;
    erin.ask('join', {});
    const eRecv = dataOf(erin.ask('createWebRtcTransport', { producing: false, consuming: true, sctpCapabilities: SCTP_CAPS })).id;
    const a = dataOf(erin.ask('consumeData', { transportId: eRecv, dataProducerId: id }));
    expect(a).toEqual({ id: expect.any(String), dataProducerId: id, sctpStreamParameters: { streamId: 0, ordered: true }, label: 'chat', protocol: 'json' });
    expect(dataOf(erin.ask('consumeData', { transportId: eRecv, dataProducerId: id })).sctpStreamParameters).toEqual({ streamId: 1, ordered: true });
    expect(erin.ask('consumeData', { transportId: eRecv, dataProducerId: 'nope' })).toEqual({ ok: false, errorCode: 404, errorReason: 'dataProducer with id "nope" not found' });
    expect(erin.ask('consumeData', { transportId: 'nope', dataProducerId: id })).toMatchObject({ ok: false, errorCode: 404 });
  });

  it("closeDataProducer closes its consumers (their streams freed) and tells each consuming peer dataConsumerClosed; another peer's id is 404", () => {
    const { server, join } = room();
    const alice = join('alice');
    const bob = join('bob');
    const aSend = dataOf(alice.ask('createWebRtcTransport', { producing: true, consuming: false, sctpCapabilities: SCTP_CAPS })).id;
    const bRecv = dataOf(bob.ask('createWebRtcTransport', { producing: false, consuming: true, sctpCapabilities: SCTP_CAPS })).id;
    for (const p of [alice, bob]) p.ask('join', {});
    const id = dataOf(alice.ask('produceData', { transportId: aSend, sctpStreamParameters: { streamId: 0 }, label: 'chat' })).id;
    const consumerId = (bob.sent.find((s) => s.method === 'newDataConsumer')!.data as { id: string }).id;
    expect(bob.ask('closeDataProducer', { dataProducerId: id })).toEqual({ ok: false, errorCode: 404, errorReason: `dataProducer with id "${id}" not found` });
    expect(alice.ask('closeDataProducer', { dataProducerId: id })).toEqual({ ok: true, data: {} });
    expect(bob.sent.filter((s) => s.method === 'dataConsumerClosed').map((s) => s.data)).toEqual([{ dataConsumerId: consumerId }]);
    const data = server.rooms.get('r')!.data;
    expect(data.dataProducers[0]!.closed).toBe(true);
    expect(data.dataConsumers.map((c) => c.closed)).toEqual([true]);
    // its stream is free again: the next producer's consumer for bob takes stream 0 on bob's transport
    const id2 = dataOf(alice.ask('produceData', { transportId: aSend, sctpStreamParameters: { streamId: 1 }, label: 'chat2' })).id;
    expect(bob.sent.filter((s) => s.method === 'newDataConsumer').map((s) => (s.data as { sctpStreamParameters: { streamId: number } }).sctpStreamParameters.streamId)).toEqual([0, 0]);
    expect(alice.ask('closeDataProducer', { dataProducerId: id })).toMatchObject({ ok: false, errorCode: 404 });
    expect(server.transports.find((t) => t.st.t.id === bRecv)!.st.sctp).toBeDefined();
    // the producer's peer leaving closes what it produced, with the same notification
    server.closePeer(0, server.rooms.get('r')!.peers.get('alice')!, 'test');
    expect(data.dataProducers.find((p) => p.id === id2)!.closed).toBe(true);
    expect(bob.sent.filter((s) => s.method === 'dataConsumerClosed')).toHaveLength(2);
  });
});
