import { deadlineOf, nextWake, type Deadline } from '../core/deadline.ts';
import { formatTransportAddress, sameTransportAddress, type Endpoint, type EndpointOutput, type Transport, type TransportAddress } from '../core/endpoint.ts';
import type { NoteBody } from '../core/note.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { DtlsIdentity } from '../dtls/identity.ts';
import { HttpServer, type HttpExchange, type HttpRequest } from '../http/server.ts';
import type { ByteStream } from '../net/stream.ts';
import { MediaPlane } from '../sfu/media-plane.ts';
import { Router } from '../sfu/router.ts';
import { WebRtcTransport } from '../sfu/transport.ts';
import { acceptWebSocket, isWebSocketRequest } from '../websocket/handshake.ts';
import type { MediasoupNoteKinds } from './notes.ts';
import { ProtooConnection, type Obj, type ProtooAnswer } from './protoo.ts';
import { PlainTransport, type PlainSrtpSuite } from './plain-transport.ts';
import { handleRequest } from './requests.ts';
import { DataRouter, type ServerSctp } from './data-producer.ts';
import { closeDataOf } from './data-requests.ts';
import type { PipeToRouter } from './pipe.ts';

export interface MediasoupServerOptions {
  readonly name: string;
  /** The address transports listen on (a private one behind a 1:1 NAT, as on a cloud VM). */
  readonly listenIp: string;
  /** The address put in ICE candidates instead (mediasoup's `announcedAddress`); absent: `listenIp`. */
  readonly announcedIp?: string;
  /** rtcMinPort–rtcMaxPort: each WebRtcTransport takes the next free port. */
  readonly ports: { readonly min: number; readonly max: number };
  /** Worker processes; each new room's router goes to the next worker in turn (the demo's round robin). */
  readonly workers: number;
  /** mediasoup's enableUdp / enableTcp: a UDP socket and/or a TCP server (passive ICE-TCP candidate) per transport. */
  readonly enableUdp: boolean;
  readonly enableTcp: boolean;
}

export interface Worker {
  readonly id: string;
  readonly pid: number;
  readonly routers: Router[];
}

export interface ServerTransport {
  readonly t: WebRtcTransport;
  readonly direction: 'send' | 'recv' | 'sendrecv';
  /** Its candidates' protocols: "udp", "tcp" or both. */
  readonly protocols: readonly ('udp' | 'tcp')[];
  /** The next consumer mid on this transport ("0", "1", …: mediasoup numbers them per transport). */
  nextMid: number;
  connected: boolean;
  remoteRole: string | undefined;
  closed: boolean;
  /** Its SCTP association when the client sent sctpCapabilities (mediasoup's enableSctp; data-requests.ts). */
  sctp: ServerSctp | undefined;
}

export interface Peer {
  readonly id: string;
  readonly room: Room;
  readonly conn: ProtooConnection;
  joined: boolean;
  displayName: string;
  device: Obj;
  rtpCapabilities: Obj | undefined;
  readonly transports: Map<string, ServerTransport>;
  /** Its PlainTransports (createPlainTransport), by id. */
  readonly plain: Map<string, PlainTransport>;
  closed: boolean;
}

export interface Room {
  readonly id: string;
  readonly router: Router;
  /** RTCP in the router (sim/sfu/media-plane.ts): reports, NACK/RTX, keyframe requests, REMB, scores. */
  readonly media: MediaPlane;
  readonly worker: Worker;
  readonly peers: Map<string, Peer>;
  /** The room's DataProducers and DataConsumers and the forwarding between them (data-producer.ts). */
  readonly data: DataRouter;
}

/** What the server needs from where it runs: a UDP port for each transport, a wake-up after protoo input, notes. */
export interface ServerContext {
  readonly bindPort: (port: number) => TransportAddress;
  /** Listens for ICE-TCP connections (RFC 4571 framing) on this port of the listen address. */
  readonly listenTcp: (port: number) => void;
  /** Protoo input arrived outside the endpoint contract (on a WebSocket): the driver should poll. */
  readonly wake: () => void;
  /** HTTP and WebSocket notes of its connections, straight into the trace. */
  readonly note: (now: Micros, note: NoteBody) => void;
}

/**
 * A mediasoup-style server (sans-IO for media, as `Endpoint`): workers, a router per room, a WebRtcTransport per
 * createWebRtcTransport on its own UDP port (ICE-lite, DTLS server unless the client asks to be it), producers and
 * consumers; and mediasoup-demo's protoo API on a WebSocket (`/?roomId=<room>&peerId=<peer>`, subprotocol
 * "protoo"): the requests are in requests.ts. Bad input — an unknown method, transport or producer, a malformed
 * fingerprint, a request before `join` — is answered with a protoo error response; nothing throws.
 */
export class MediasoupServer implements Endpoint {
  readonly workers: Worker[] = [];
  readonly rooms = new Map<string, Room>();
  readonly http: HttpServer;
  /** Every transport ever made, in order (the summary lists closed ones too). */
  readonly transports: { readonly t: WebRtcTransport; readonly room: Room; readonly peer: Peer; readonly st: ServerTransport }[] = [];
  /** Every PlainTransport ever made, in order. */
  readonly plainTransports: { readonly t: PlainTransport; readonly room: Room; readonly peer: Peer }[] = [];
  ctx: ServerContext | undefined;
  /** pipeToRouter links to another server's router, one per room piped (sim/mediasoup/pipe.ts). */
  readonly pipes: PipeToRouter[] = [];
  readonly stats = { connections: 0, refused: 0, requests: 0, errors: 0 };
  private readonly out: EndpointOutput[] = [];
  private nextPort: number;
  private nextWorker = 0;
  private readonly ids: Rng;
  private readonly protooRng: Rng;
  private readonly rtxRng: Rng;

  constructor(
    readonly options: MediasoupServerOptions,
    private readonly rng: Rng,
    readonly identity: DtlsIdentity,
  ) {
    this.nextPort = options.ports.min;
    this.ids = rng.fork('ids');
    this.protooRng = rng.fork('protoo');
    this.rtxRng = rng.fork('rtx');
    const pids = rng.fork('pids');
    for (let i = 0; i < options.workers; i++) this.workers.push({ id: `worker-${i + 1}`, pid: pids.int(1000, 60000), routers: [] });
    for (const w of this.workers) this.note('mediasoup.worker.created', `mediasoup-worker ${w.id} (pid ${w.pid}) running`, { worker: w.id, routers: 0 });
    this.http = new HttpServer((now, req, ex) => this.httpRequest(now, req, ex), { serverName: 'mediasoup-demo', note: (t, n) => this.ctx?.note(t, n) });
  }

  get name(): string {
    return this.options.name;
  }

  /** A named RNG stream of the server's own (the data side's SCTP associations). */
  forkRng(name: string): Rng {
    return this.rng.fork(name);
  }

  /** A UUID v4 from the server's own stream (mediasoup's ids are UUIDs). */
  uuid(): string {
    const h = Array.from(this.ids.bytes(16), (b) => b.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[this.ids.int(0, 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /** A video consumer's RTX SSRC (its primary SSRC comes from the router's own stream). */
  rtxSsrc(): number {
    return this.rtxRng.u32();
  }

  // ---- the protoo WebSocket --------------------------------------------------------------------------------------

  /** A TCP (or TLS) connection accepted on the server's port. */
  accept(stream: ByteStream): void {
    this.http.accept(stream);
  }

  private httpRequest(now: Micros, req: HttpRequest, ex: HttpExchange): void {
    const target = req.start.target;
    const q = target.indexOf('?');
    const params = new Map((q < 0 ? '' : target.slice(q + 1)).split('&').filter(Boolean).map((p) => {
      const i = p.indexOf('=');
      const dec = (s: string): string => { try { return decodeURIComponent(s); } catch { return s; } };
      return (i < 0 ? [dec(p), ''] : [dec(p.slice(0, i)), dec(p.slice(i + 1))]) as [string, string];
    }));
    const roomId = params.get('roomId');
    const peerId = params.get('peerId');
    const refuse = (status: number, why: string): void => {
      this.stats.refused++;
      ex.respond(now, { status, headers: [{ name: 'Content-Type', value: 'text/plain' }], body: `${why}\n` });
    };
    if (!isWebSocketRequest(req)) return refuse(426, 'this is a protoo WebSocket server');
    if (!roomId || !peerId || !/^[A-Za-z0-9._-]{1,64}$/.test(roomId) || !/^[A-Za-z0-9._-]{1,64}$/.test(peerId)) return refuse(400, 'connection request without roomId and/or peerId');
    const socket = acceptWebSocket(now, req, ex, { protocols: ['protoo'], note: (t, n) => this.ctx?.note(t, n) });
    if (!socket) return;
    this.stats.connections++;
    const room = this.room(roomId);
    const old = room.peers.get(peerId);
    if (old) this.closePeer(now, old, 'replaced by a new connection with the same peerId');
    let peer: Peer | undefined;
    const conn = new ProtooConnection(socket, this.protooRng, {
      request: (t, method, data, answer, id) => handleRequest(this, t, peer!, method, data, (t2, a) => this.answered(t2, peer!, method, id, a, answer)),
      notification: () => undefined,
      invalid: (_t, error) => this.note('mediasoup.protoo.invalid', `a message on ${socket.label} that is not protoo: ${error}`, { connection: socket.label, error }),
      closed: (t, code) => {
        if (peer && !peer.closed) this.closePeer(t, peer, `WebSocket closed (${code})`);
      },
    }, () => this.ctx?.wake());
    peer = { id: peerId, room, conn, joined: false, displayName: peerId, device: {}, rtpCapabilities: undefined, transports: new Map(), plain: new Map(), closed: false };
    room.peers.set(peerId, peer);
    socket.start(now);
  }

  private answered(now: Micros, peer: Peer, method: string, id: number, a: ProtooAnswer, answer: (now: Micros, a: ProtooAnswer) => void): void {
    this.stats.requests++;
    if (!a.ok) this.stats.errors++;
    this.note('mediasoup.request', `${peer.id}@${peer.room.id}: ${method} #${id} → ${a.ok ? 'ok' : `error ${a.errorCode} ${a.errorReason}`}`, {
      room: peer.room.id, peer: peer.id, method, id, ok: a.ok, ...(a.ok ? {} : { errorCode: a.errorCode, errorReason: a.errorReason }),
    });
    answer(now, a);
  }

  /** The room, made on its first peer with a router on the next worker. */
  room(id: string): Room {
    const existing = this.rooms.get(id);
    if (existing) return existing;
    const worker = this.workers[this.nextWorker++ % this.workers.length]!;
    const router = new Router(this.uuid(), this.rng.fork(`router-${id}`));
    worker.routers.push(router);
    const media = new MediaPlane(this.name, this.rng.fork(`media-plane-${id}`), router);
    router.extensions.push(media);
    const room: Room = { id, router, media, worker, peers: new Map(), data: new DataRouter() };
    this.rooms.set(id, room);
    this.note('mediasoup.router.created', `room "${id}": router ${router.id} on ${worker.id}`, { router: router.id, worker: worker.id, room: id });
    return room;
  }

  /** A peer leaves (its WebSocket closed, or another connection took its id): transports and producers close. */
  closePeer(now: Micros, peer: Peer, reason: string): void {
    if (peer.closed) return;
    peer.closed = true;
    const room = peer.room;
    if (room.peers.get(peer.id) === peer) room.peers.delete(peer.id);
    for (const p of room.router.producers.filter((x) => x.peerId === peer.id && !x.closed && x.transport.peerId === peer.id)) this.closeProducer(now, room, p, 'producer peer closed');
    for (const c of room.router.consumers.filter((x) => x.peerId === peer.id && !x.closed)) c.closed = true;
    closeDataOf(this, now, peer);
    for (const [, st] of peer.transports) if (!st.closed) {
      st.closed = true;
      this.note('mediasoup.transport.closed', `transport ${st.t.id} of ${peer.id} closed`, { transport: st.t.id, peer: peer.id });
    }
    this.note('mediasoup.peer.closed', `${peer.id} left room "${room.id}": ${reason}`, { room: room.id, peer: peer.id, reason });
    if (peer.joined) for (const o of room.peers.values()) if (o.joined) o.conn.notify(now, 'peerClosed', { peerId: peer.id });
    if (peer.conn.open) peer.conn.close(now);
  }

  /** A producer was made in a room: each pipe of the room pipes it to the other router. */
  producerAdded(now: Micros, room: Room, p: Router['producers'][number]): void {
    for (const pipe of this.pipes) if (pipe.room === room) pipe.pipeProducer(now, p);
  }

  /** closeProducer (or its peer left): its consumers close and their peers hear `consumerClosed`. */
  closeProducer(now: Micros, room: Room, p: Router['producers'][number], reason: string): void {
    const gone = room.router.closeProducer(p);
    for (const pipe of this.pipes) if (pipe.room === room) pipe.producerClosed(now, p);
    this.note('mediasoup.producer.closed', `producer ${p.id} of ${p.peerId} closed (${reason}); ${gone.length} consumer(s) with it`, { producer: p.id, peer: p.peerId, consumers: gone.length });
    for (const c of gone) {
      this.note('mediasoup.consumer.closed', `consumer ${c.id} of ${c.peerId} closed: ${reason}`, { consumer: c.id, peer: c.peerId, reason });
      room.peers.get(c.peerId)?.conn.notify(now, 'consumerClosed', { consumerId: c.id });
    }
  }

  // ---- transports ----------------------------------------------------------------------------------------------

  /** A WebRtcTransport on the next free port of the range; undefined when the range is used up. */
  createTransport(now: Micros, peer: Peer, direction: ServerTransport['direction'], protocols: readonly ('udp' | 'tcp')[]): ServerTransport | undefined {
    const ctx = this.ctx;
    if (!ctx || this.nextPort > this.options.ports.max || protocols.length === 0) return undefined;
    const port = this.nextPort++;
    // the TCP server takes the same port number as the UDP socket (another protocol, another port space)
    const local = protocols.includes('udp') ? ctx.bindPort(port) : { ip: this.options.listenIp, port };
    if (protocols.includes('tcp')) ctx.listenTcp(port);
    const id = this.uuid();
    const router = peer.room.router;
    const t = new WebRtcTransport(id, peer.id, local, this.rng.fork(`transport-${id}`), this.identity, (n, tr, kind, plain) => router.onMedia(n, tr, kind, plain), {
      udp: protocols.includes('udp'),
      tcp: protocols.includes('tcp'),
      path: (_t, step, text, data) => this.note('mediasoup.path', `${step}: ${text}`, { ...data, transport: id, step }),
    });
    router.transports.push(t);
    const st: ServerTransport = { t, direction, protocols, nextMid: 0, connected: false, remoteRole: undefined, closed: false, sctp: undefined };
    peer.transports.set(id, st);
    this.transports.push({ t, room: peer.room, peer, st });
    const announced = this.options.announcedIp ?? local.ip;
    this.note('mediasoup.transport.created', `WebRtcTransport ${id} (${direction}) for ${peer.id} in room "${peer.room.id}": listening on ${protocols.join(' and ')} ${formatTransportAddress(local)}, announced as ${announced}:${local.port} (ICE-lite${protocols.includes('tcp') ? ', TCP candidate passive' : ''})`, {
      transport: id, router: router.id, peer: peer.id, local: formatTransportAddress(local), announced: `${announced}:${local.port}`, protocol: protocols.join('+'), direction,
    });
    for (let i = 0; i < 1000; i++) {
      // the first poll starts the lite agent: its host candidate and credentials exist from here on
      const o = t.poll(now);
      if (o.type === 'timeout' || o.type === 'idle') break;
      this.out.push(o);
    }
    return st;
  }

  /**
   * router.createPlainTransport({ listenInfo, comedia, rtcpMux, enableSrtp, srtpCryptoSuite }): its RTP port (and,
   * without rtcpMux, an RTCP port) from the range; undefined when the range is used up.
   */
  createPlainTransport(now: Micros, peer: Peer, o: { comedia: boolean; rtcpMux: boolean; srtpCryptoSuite: PlainSrtpSuite | undefined; pipe?: boolean }): PlainTransport | undefined {
    const ctx = this.ctx;
    const need = o.rtcpMux ? 1 : 2;
    if (!ctx || this.nextPort + need - 1 > this.options.ports.max) return undefined;
    const local = ctx.bindPort(this.nextPort++);
    const rtcpLocal = o.rtcpMux ? undefined : ctx.bindPort(this.nextPort++);
    const id = this.uuid();
    const router = peer.room.router;
    const announcedIp = this.options.announcedIp ?? local.ip;
    const t = new PlainTransport({
      id, peerId: peer.id, local, rtcpLocal, announcedIp, comedia: o.comedia, rtcpMux: o.rtcpMux, srtpCryptoSuite: o.srtpCryptoSuite, pipe: o.pipe === true,
      rng: this.rng.fork(`plain-${id}`), onMedia: (n, tr, kind, plain) => router.onMedia(n, tr, kind, plain), emit: (x) => this.emit(x),
    });
    peer.plain.set(id, t);
    this.plainTransports.push({ t, room: peer.room, peer });
    this.note('mediasoup.transport.created', `${o.pipe ? 'PipeTransport' : 'PlainTransport'} ${id} for ${peer.id} in room "${peer.room.id}": RTP on udp ${formatTransportAddress(local)}${rtcpLocal ? `, RTCP on ${rtcpLocal.port}` : ' (rtcpMux)'}, announced as ${announcedIp}${o.comedia ? ', comedia' : ''}${o.srtpCryptoSuite ? `, SRTP ${o.srtpCryptoSuite}` : ''}`, {
      transport: id, router: router.id, peer: peer.id, local: formatTransportAddress(local), announced: `${announcedIp}:${local.port}`, protocol: 'udp', direction: o.pipe ? 'pipe' : 'plain',
    });
    void now;
    return t;
  }

  private emit(o: EndpointOutput): void {
    this.out.push(o.type === 'note' ? { ...o, text: `${this.name}: ${o.text}` } : o);
  }

  // ---- the endpoint contract -----------------------------------------------------------------------------------

  private live(): WebRtcTransport[] {
    return this.transports.filter((x) => !x.st.closed).map((x) => x.t);
  }

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array, transport?: Transport): void {
    const t = this.live().find((x) => sameTransportAddress(x.local, to));
    if (t) return t.handleDatagram(now, from, to, bytes, transport);
    const p = this.plainTransports.find((x) => !x.peer.closed && (sameTransportAddress(x.t.local, to) || (x.t.rtcpLocal !== undefined && sameTransportAddress(x.t.rtcpLocal, to))));
    p?.t.handleDatagram(now, from, to, bytes);
  }

  handleStreamClosed(now: Micros, local: TransportAddress, remote: TransportAddress, error: string | undefined): void {
    this.live().find((x) => sameTransportAddress(x.local, local))?.handleStreamClosed(now, local, remote, error);
  }

  handleTimeout(now: Micros): void {
    for (const t of this.live()) t.handleTimeout(now);
    for (const r of this.rooms.values()) r.router.handleTimeout(now);
  }

  poll(now: Micros): EndpointOutput {
    const q = this.out.shift();
    if (q) return q;
    for (const r of this.rooms.values()) {
      const m = r.media.take();
      if (m) return m;
    }
    const waits: Deadline[] = [];
    for (const r of this.rooms.values()) waits.push(...r.router.deadlines(now));
    for (const t of this.live()) {
      const o = t.poll(now);
      if (o.type !== 'timeout' && o.type !== 'idle') return o;
      const d = deadlineOf(o);
      if (d) waits.push(d);
    }
    return nextWake(...waits);
  }

  note<K extends keyof MediasoupNoteKinds>(kind: K, text: string, data: MediasoupNoteKinds[K]): void {
    // the kind's data type is checked at the call; the note body is what every note is
    this.out.push({ type: 'note', kind, text: `${this.name}: ${text}`, data });
  }
}
