// pipeToRouter across two servers (sim/mediasoup/pipe.ts): preset mediasoup-pipe, one room over sfu and sfu2, each
// piping its producers to the other through PipeTransports (plain RTP, RTCP on the same port, no ICE or DTLS); and
// the createPipeTransport request's limits.
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { generateDtlsIdentity } from '../dtls/identity.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario, type RunResult } from '../scenario/run.ts';
import { peekUdpDatagram } from '../wire/ip/udp-datagram.ts';
import type { Obj, ProtooAnswer, ProtooConnection } from './protoo.ts';
import { handleRequest } from './requests.ts';
import { MediasoupServer, type Peer } from './server.ts';

describe('createPipeTransport', () => {
  it('answers a transport with RTCP on its one port, refuses enableSrtp (not modelled) and a connect of the other kind', () => {
    const server = new MediasoupServer({ name: 'sfu', listenIp: '198.51.100.30', ports: { min: 40000, max: 40009 }, workers: 1, enableUdp: true, enableTcp: false }, Rng.fromSeed(7), generateDtlsIdentity(Rng.fromSeed(8), 'sfu'));
    server.ctx = { bindPort: (port) => ({ ip: '198.51.100.30', port }), listenTcp: () => undefined, wake: () => undefined, note: () => undefined };
    const conn = { notify: () => undefined, request: () => undefined, open: true, close: () => undefined } as unknown as ProtooConnection;
    const peer: Peer = { id: 'pipe-sfu2', room: server.room('r'), conn, joined: false, displayName: 'pipe', device: {}, rtpCapabilities: undefined, transports: new Map(), plain: new Map(), closed: false };
    const ask = (method: string, data: Obj = {}): ProtooAnswer => {
      let a: ProtooAnswer | undefined;
      handleRequest(server, 0, peer, method, data, (_t, x) => (a = x));
      return a!;
    };
    expect(ask('createPipeTransport')).toMatchObject({ ok: false, errorCode: 403 });
    ask('join', { device: { flag: 'pipe' } });
    expect(ask('createPipeTransport', { enableSrtp: true })).toMatchObject({ ok: false, errorCode: 400 });
    const a = ask('createPipeTransport');
    expect(a).toEqual({ ok: true, data: { id: expect.any(String) as string, ip: '198.51.100.30', port: 40000 } });
    const id = a.ok ? String(a.data.id) : '';
    expect(peer.plain.get(id)).toMatchObject({ pipe: true, comedia: false, rtcpMux: true });
    expect(ask('connectPlainTransport', { transportId: id, ip: '198.51.100.31', port: 40001 })).toMatchObject({ ok: false, errorCode: 400 });
    expect(ask('connectPipeTransport', { transportId: id, ip: '198.51.100.31', port: 40001 }).ok).toBe(true);
    expect(peer.plain.get(id)!.tuple).toEqual({ ip: '198.51.100.31', port: 40001 });
  });
});

type Any = Record<string, unknown>;
let cached: RunResult | undefined;
const run = (): RunResult => (cached ??= runScenario(parseScenario(findPreset('mediasoup-pipe')!.build())));
const server = (r: RunResult, host: string): Any => (r.summary.apps as Any[]).find((a) => a.kind === 'mediasoup-server' && a.host === host)!;
const room = (r: RunResult, host: string): { producers: Any[]; consumers: Any[] } => (server(r, host).rooms as { producers: Any[]; consumers: Any[] }[])[0]!;

describe('mediasoup-pipe: one room over two servers, piped both ways', () => {
  it('each server joins the other as a pipe peer: join, createPipeTransport, connectPipeTransport, then one produce per piped producer, all answered ok', () => {
    const r = run();
    for (const [at, peer] of [['sfu', 'pipe-sfu2'], ['sfu2', 'pipe-sfu']] as const) {
      const methods = r.trace.notes.filter((n) => n.kind === 'mediasoup.request' && n.source.startsWith(`${at}/`) && n.data!.peer === peer).map((n) => `${String(n.data!.method)} ${String(n.data!.ok)}`);
      expect(methods).toEqual(['join true', 'createPipeTransport true', 'connectPipeTransport true', 'produce true', 'produce true']);
    }
  });

  it("the pipe transports are connected to each other's port; only the browsers' own producers are piped (none comes back)", () => {
    const r = run();
    for (const [me, other] of [['sfu', 'sfu2'], ['sfu2', 'sfu']] as const) {
      const pipes = server(r, me).pipes as Any[];
      expect(pipes).toHaveLength(1);
      expect(pipes[0]).toMatchObject({ ready: true, errors: [] });
      const piped = pipes[0]!.piped as Any[];
      expect(piped).toHaveLength(2);
      // the producer made on the other side has the pipe consumer's SSRC, and belongs to the other side's pipe peer
      const far = room(r, other).producers;
      for (const x of piped) expect(far.find((p) => p.id === x.remoteProducer)).toMatchObject({ ssrc: x.ssrc, peer: `pipe-${me}` });
      const pts = (server(r, me).plainTransports as Any[]).filter((t) => t.pipe === true);
      expect(pts).toHaveLength(2);
      for (const t of pts) expect(t).toMatchObject({ comedia: false, rtcpMux: true, dropped: 0, srtpCryptoSuite: null });
    }
  });

  it('between the routers the media is plain RTP on one UDP port each way (no STUN, DTLS or SRTP), every packet the pipe consumers sent', () => {
    const r = run();
    // each datagram as it left its sender (on the sender's own link: the last ones may still be on the way at the end)
    const onWire = r.trace.hops.filter((h) => (h.link === 'sfu-wan' || h.link === 'sfu2-wan') && !h.drop).flatMap((h) => {
      const v = peekUdpDatagram(h.bytes);
      if ('error' in v || v.srcPort < 40000 || v.dstPort < 40000 || h.link !== (v.src === '198.51.100.30' ? 'sfu-wan' : 'sfu2-wan')) return [];
      const u = h.bytes.subarray(v.udpOffset + 8);
      return [{ flow: `${v.src}:${v.srcPort} > ${v.dst}:${v.dstPort}`, first: u[0]!, pt: u[1]!, ssrc: new DataView(u.buffer, u.byteOffset).getUint32(8) }];
    });
    const pipeFlows = new Set(onWire.filter((x) => x.flow.includes('40000') && (x.flow.startsWith('198.51.100.30:40001') || x.flow.startsWith('198.51.100.31:40001'))).map((x) => x.flow));
    expect([...pipeFlows].sort()).toEqual(['198.51.100.30:40001 > 198.51.100.31:40000', '198.51.100.31:40001 > 198.51.100.30:40000']);
    const rtp = onWire.filter((x) => pipeFlows.has(x.flow) && (x.pt < 192 || x.pt > 223));
    // RTP version 2 (RFC 3550 §5.1), Opus 111 or VP8 96, on the pipe consumers' SSRCs: not STUN (0-3), not DTLS (20-63)
    expect(rtp.every((x) => x.first >> 6 === 2 && [111, 96].includes(x.pt & 0x7f))).toBe(true);
    for (const [me] of [['sfu'], ['sfu2']] as const) {
      const piped = ((server(r, me).pipes as Any[])[0]!.piped as Any[]);
      const consumers = room(r, me).consumers;
      for (const x of piped) {
        const sent = consumers.find((c) => c.id === x.consumer)!.packets as number;
        expect(rtp.filter((p) => p.ssrc === x.ssrc).length).toBe(sent);
        expect(sent).toBeGreaterThan(100);
      }
    }
  });

  it("alice receives carol's audio and video and carol alice's, each through two routers, with no loss; the far router's keyframe request crossed the pipe", () => {
    const r = run();
    for (const me of ['alice', 'carol']) {
      const c = (r.summary.apps as Any[]).find((a) => a.kind === 'mediasoup-client' && a.host === me)!;
      const media = ((c.recvTransport as Any).media as Any[]).filter((m) => m.direction === 'receive');
      expect(media.map((m) => m.kind).sort()).toEqual(['audio', 'video']);
      for (const m of media) {
        expect(m.lost).toBe(0);
        expect(m.packets as number).toBeGreaterThan(100);
      }
    }
    // sfu's pipe consumer of alice's video got sfu2's PLI (carol's video consumer starting) through the pipe
    const pipeVideo = room(r, 'sfu').consumers.find((c) => String(c.peer).startsWith('pipe-to-') && c.kind === 'video')!;
    expect(pipeVideo.pliCount as number).toBeGreaterThanOrEqual(1);
  });
});

describe('a piped producer that closes', () => {
  it('closes its pipe producer on the other server too (closeProducer there, with the id the produce answer gave)', async () => {
    const { PipeToRouter } = await import('./pipe.ts');
    const server = new MediasoupServer({ name: 'sfu', listenIp: '198.51.100.30', ports: { min: 40000, max: 40009 }, workers: 1, enableUdp: true, enableTcp: false }, Rng.fromSeed(7), generateDtlsIdentity(Rng.fromSeed(8), 'sfu'));
    server.ctx = { bindPort: (port) => ({ ip: '198.51.100.30', port }), listenTcp: () => undefined, wake: () => undefined, note: () => undefined };
    const room = server.room('demo');
    // the other server, as its answers: a pipe transport at 198.51.100.31:40000, each produce a new producer id
    const asked: string[] = [];
    let n = 0;
    const answers: Record<string, () => Obj> = { join: () => ({ peers: [] }), createPipeTransport: () => ({ id: 'far-pipe', ip: '198.51.100.31', port: 40000 }), connectPipeTransport: () => ({}), produce: () => ({ id: `far-${++n}` }), closeProducer: () => ({}) };
    const conn = { request: (now: number, method: string, data: Obj, answer: (now: number, a: ProtooAnswer) => void) => { asked.push(`${method} ${JSON.stringify(data.producerId ?? data.transportId ?? '')}`); answer(now, { ok: true, data: answers[method]!() }); }, notify: () => undefined, open: true, close: () => undefined } as unknown as ProtooConnection;
    const pipe = new PipeToRouter(server, room, { ip: '198.51.100.31', port: 4443 });
    server.pipes.push(pipe);
    pipe.opened(0, conn);
    expect(pipe.ready).toBe(true);
    const alice: Peer = { id: 'alice', room, conn, joined: true, displayName: 'alice', device: {}, rtpCapabilities: undefined, transports: new Map(), plain: new Map(), closed: false };
    const t = server.createPlainTransport(0, alice, { comedia: true, rtcpMux: true, srtpCryptoSuite: undefined })!;
    const p = room.router.addProducer({ id: 'p1', peerId: 'alice', transport: t, kind: 'audio', ssrc: 11, mid: '' });
    server.producerAdded(0, room, p);
    expect(pipe.piped).toMatchObject([{ producer: 'p1', remoteProducer: 'far-1' }]);
    server.closeProducer(0, room, p, 'closeProducer');
    expect(asked).toEqual(['join ""', 'createPipeTransport ""', 'connectPipeTransport "far-pipe"', 'produce "far-pipe"', 'closeProducer "far-1"']);
    // the pipe consumer closed with its producer
    expect(room.router.consumers.filter((c) => c.producer === p).every((c) => c.closed)).toBe(true);
  });
});
