import { formatTransportAddress, type TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import type { Producer } from '../sfu/router.ts';
import type { PlainTransport } from './plain-transport.ts';
import type { Obj, ProtooAnswer, ProtooConnection, ProtooHandlers } from './protoo.ts';
import { routerCodec } from './requests.ts';
import type { MediasoupServer, Peer, Room } from './server.ts';

/**
 * router.pipeToRouter() across two servers: one room spread over this server's router and another server's. This
 * server joins the other's room over protoo as a peer with `device.flag` "pipe", asks it for a PipeTransport
 * (createPipeTransport → { id, ip, port }), makes its own (plain RTP, RTCP on the same port, no ICE or DTLS, as
 * mediasoup's PipeTransport), connects each to the other (connectPipeTransport there, connect() here), then pipes
 * every producer of the room, present and future: a pipe consumer here (its own SSRC, never paused) sends the
 * producer's RTP to the other router, where a `produce` on the pipe transport with that SSRC makes the pipe producer
 * its peers consume. RTCP rides the same pipe both ways (the far router's PLIs reach the producer here). Producers
 * that came in on a pipe are not piped again, so two servers may pipe to each other without a loop.
 */
export class PipeToRouter {
  conn: ProtooConnection | undefined;
  transport: PlainTransport | undefined;
  remote: { id: string; ip: string; port: number } | undefined;
  ready = false;
  readonly piped: { producer: string; consumer: string; ssrc: number; remoteProducer: string | undefined }[] = [];
  readonly errors: { method: string; errorCode: number; errorReason: string }[] = [];
  /** The pipe's side of this router (made once the WebSocket is open): a peer never listed in the room. */
  private peer: Peer | undefined;

  constructor(
    private readonly server: MediasoupServer,
    readonly room: Room,
    readonly to: TransportAddress,
  ) {}

  readonly handlers: ProtooHandlers = {
    request: (now, method, _data, answer) => answer(now, { ok: false, errorCode: 500, errorReason: `unknown method "${method}"` }),
    notification: () => undefined,
    invalid: () => undefined,
    closed: () => {
      this.ready = false;
    },
  };

  private request(now: Micros, method: string, data: Obj, done: (now: Micros, d: Obj) => void): void {
    this.conn?.request(now, method, data, (t, a: ProtooAnswer) => {
      if (a.ok) return done(t, a.data);
      this.errors.push({ method, errorCode: a.errorCode, errorReason: a.errorReason });
      this.server.note('mediasoup.pipe', `pipe of room "${this.room.id}" to ${formatTransportAddress(this.to)}: ${method} failed: ${a.errorCode} ${a.errorReason}`, { room: this.room.id, to: formatTransportAddress(this.to), step: method, ok: false });
      this.server.ctx?.wake();
    });
  }

  /** The WebSocket to the other server is open: join, both pipe transports, connect both, then pipe. */
  opened(now: Micros, conn: ProtooConnection): void {
    this.conn = conn;
    const peer: Peer = { id: `pipe-to-${formatTransportAddress(this.to)}`, room: this.room, conn, joined: true, displayName: 'pipe', device: { flag: 'pipe' }, rtpCapabilities: undefined, transports: new Map(), plain: new Map(), closed: false };
    this.peer = peer;
    this.request(now, 'join', { displayName: `pipe from ${this.server.name}`, device: { flag: 'pipe', name: 'mediasoup' } }, (t) => {
      this.request(t, 'createPipeTransport', {}, (t2, d) => {
        if (typeof d.id !== 'string' || typeof d.ip !== 'string' || typeof d.port !== 'number') {
          this.errors.push({ method: 'createPipeTransport', errorCode: 400, errorReason: 'answer without id, ip or port' });
          return;
        }
        const mine = this.server.createPlainTransport(t2, peer, { comedia: false, rtcpMux: true, srtpCryptoSuite: undefined, pipe: true });
        if (!mine) {
          this.errors.push({ method: 'createPipeTransport', errorCode: 500, errorReason: 'no port left here' });
          return;
        }
        this.transport = mine;
        this.remote = { id: d.id, ip: d.ip, port: d.port };
        mine.connect(t2, { ip: d.ip, port: d.port });
        const me = mine.parameters();
        this.request(t2, 'connectPipeTransport', { transportId: d.id, ip: me.ip, port: me.port }, (t3) => {
          this.ready = true;
          this.server.note('mediasoup.pipe', `pipe of room "${this.room.id}": PipeTransport ${mine.id} (${me.ip}:${me.port}) ⇄ ${formatTransportAddress(this.to)}'s ${d.id as string} (${d.ip as string}:${d.port as number}), connected both ways`, { room: this.room.id, to: formatTransportAddress(this.to), step: 'connected', ok: true });
          for (const p of this.room.router.producers) this.pipeProducer(t3, p);
          this.server.ctx?.wake();
        });
      });
    });
  }

  /** A pipe consumer of `p` on this side and its pipe producer on the other (pipeToRouter's consume + produce). */
  pipeProducer(now: Micros, p: Producer): void {
    const t = this.transport;
    const peer = this.peer;
    if (!this.ready || !t || !peer || p.closed || this.piped.some((x) => x.producer === p.id)) return;
    if ((p.transport as Partial<PlainTransport>).pipe === true) return; // came through a pipe: never piped again
    const c = this.room.router.addConsumer(this.server.uuid(), peer.id, t, p, false);
    this.room.media.describeConsumer(c, undefined);
    const entry = { producer: p.id, consumer: c.id, ssrc: c.ssrc, remoteProducer: undefined as string | undefined };
    this.piped.push(entry);
    this.server.note('mediasoup.consumer.created', `pipe consumer ${c.id}: ${p.peerId}'s ${p.kind} into PipeTransport ${t.id} as SSRC ${c.ssrc}`, { consumer: c.id, producer: p.id, peer: peer.id, kind: p.kind, ssrc: c.ssrc, transport: t.id });
    const codec = routerCodec(p.kind)!;
    this.request(now, 'produce', { transportId: this.remote!.id, kind: p.kind, rtpParameters: { codecs: [codec], encodings: [{ ssrc: c.ssrc }], rtcp: { cname: p.peerId } }, appData: { pipedFrom: p.id, peerId: p.peerId } }, (_t, d) => {
      entry.remoteProducer = String(d.id);
      this.server.note('mediasoup.pipe', `pipe of room "${this.room.id}": ${p.peerId}'s ${p.kind} producer ${p.id} is producer ${String(d.id)} on ${formatTransportAddress(this.to)}`, { room: this.room.id, to: formatTransportAddress(this.to), step: 'produce', ok: true });
    });
  }

  /** The piped producer closed here (its pipe consumer with it): the pipe producer there is closed too (closeProducer). */
  producerClosed(now: Micros, p: Producer): void {
    const entry = this.piped.find((x) => x.producer === p.id);
    if (!entry || entry.remoteProducer === undefined || !this.ready) return;
    const remote = entry.remoteProducer;
    this.request(now, 'closeProducer', { producerId: remote }, () => {
      this.server.note('mediasoup.pipe', `pipe of room "${this.room.id}": producer ${p.id} closed here, so its pipe producer ${remote} on ${formatTransportAddress(this.to)} closed too`, { room: this.room.id, to: formatTransportAddress(this.to), step: 'closeProducer', ok: true });
    });
    this.server.ctx?.wake();
  }

  summary(): Obj {
    return {
      room: this.room.id, to: formatTransportAddress(this.to), ready: this.ready, transport: this.transport?.id ?? null,
      remoteTransport: this.remote ? `${this.remote.id} ${this.remote.ip}:${this.remote.port}` : null,
      piped: this.piped.map((x) => ({ producer: x.producer, consumer: x.consumer, ssrc: x.ssrc, remoteProducer: x.remoteProducer ?? null })),
      errors: this.errors.map((x) => ({ ...x })),
    };
  }
}
