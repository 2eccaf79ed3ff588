import { earliestDeadline, deadlineOf, type Deadline } from '../core/deadline.ts';
import { formatTransportAddress, type Endpoint, type EndpointOutput, type IcmpError, type TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import { SECOND, type Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import type { DtlsIdentity } from '../dtls/identity.ts';
import { MAX_JANUS_ID } from './api.ts';
import { JanusPeerConnection } from './peer-connection.ts';
import type { JanusHandleContext, JanusPlugin, JanusPluginHost, JsonObject } from './plugin.ts';
import { pluginFactory } from './plugins.ts';
import { handleRequest, pushPluginEvent } from './requests.ts';
import type { JanusHandle, JanusSession } from './session.ts';

export interface JanusGatewayOptions {
  readonly name: string;
  /** The address its PeerConnections and plugins use (the host's). */
  readonly ip: string;
  readonly rng: Rng;
  readonly identity: DtlsIdentity;
  /** janus.jcfg session_timeout: a session without a request or a poll for this long is reaped (0: never). */
  readonly sessionTimeout: Micros;
  /** Janus's watchdog looks at sessions every 2 s (janus.c janus_check_sessions). */
  readonly watchdogPeriod: Micros;
  readonly rtpPortRange: { readonly min: number; readonly max: number };
  readonly noMediaTimer: Micros;
  readonly slowlinkThreshold: number;
  /** Plugins by package name with their configuration. */
  readonly plugins: Readonly<Record<string, JsonObject>>;
  readonly serverName: string;
}

/** What carries events to a session's client (the HTTP transport's long polls). */
export interface JanusEventSink {
  /** A session's queue grew (or it timed out): deliver what a waiting poll can take. */
  eventsQueued(now: Micros, session: JanusSession): void;
  /** The transport's own deadline (its held polls). */
  deadline(now: Micros): Deadline | undefined;
  handleTimeout(now: Micros): void;
}

/**
 * A Janus gateway core (janus.c, ice.c), sans-IO: sessions and handles, the Janus API requests (requests.ts), the
 * event queue of each session, the session watchdog, a PeerConnection per negotiating handle on its own UDP port,
 * and the plugins. Transports (http-transport.ts) hand it request texts and take events from the queues. As an
 * endpoint it takes the datagrams of every port it opened (PeerConnections' and plugins') and their deadlines.
 */
export class JanusGateway implements Endpoint {
  readonly sessions = new Map<number, JanusSession>();
  /** Every session ever created, for the summary (destroyed ones included). */
  readonly history: JanusSession[] = [];
  readonly plugins = new Map<string, JanusPlugin>();
  readonly handles = new Map<number, JanusHandle>();
  readonly out: EndpointOutput[] = [];
  sink: JanusEventSink | undefined;
  /** Opens a UDP port on the host (the driver's bind). */
  bindPort: ((port: number) => TransportAddress) | undefined;
  readonly counters = { requests: 0, errors: 0, timeouts: 0 };
  private readonly ids: Rng;
  private readonly ports = new Map<number, { pc?: JanusPeerConnection; plugin?: JanusPlugin }>();
  private nextPort: number;
  private nextWatchdog: Micros | undefined;
  /** Events pushed while a request is being answered go out after its reply (the ack comes first). */
  deferring: JsonObject[] | undefined;

  constructor(readonly options: JanusGatewayOptions) {
    this.ids = options.rng.fork('ids');
    this.nextPort = options.rtpPortRange.min;
    for (const [pkg, config] of Object.entries(options.plugins)) {
      const f = pluginFactory(pkg);
      if (!f) throw new Error(`${options.name}: no plugin ${pkg}`);
      const host: JanusPluginHost = {
        ip: options.ip,
        rng: options.rng.fork(`plugin/${pkg}`),
        identity: options.identity,
        bind: (port) => this.bind(port, { plugin: this.plugins.get(pkg)! }),
      };
      this.plugins.set(pkg, f.create(host, config));
    }
  }

  note(kind: string, text: string, data: { [key: string]: JsonValue } = {}): void {
    this.out.push({ type: 'note', kind, text: `${this.options.name}: ${text}`, data });
  }

  /** A fresh Janus id (1 … 2^53-1) not in use in `taken`. */
  newId(taken: (id: number) => boolean): number {
    for (;;) {
      const id = (this.ids.int(0, 0x200000) * 0x100000000 + this.ids.u32()) % MAX_JANUS_ID;
      if (id > 0 && !taken(id)) return id;
    }
  }

  /** Handles one Janus API request (its JSON text, at a path's session and handle) and gives the reply. */
  request(now: Micros, path: { session?: number; handle?: number }, text: string): JsonObject {
    this.counters.requests++;
    this.deferring = [];
    let reply: JsonObject;
    try {
      reply = handleRequest(this, now, path, text);
    } finally {
      const later = this.deferring;
      this.deferring = undefined;
      // the reply is built first; events the request caused follow it on the session's queue
      for (const e of later ?? []) this.enqueue(now, e);
    }
    if (reply.janus === 'error') {
      this.counters.errors++;
      const err = reply.error as JsonObject;
      this.note('janus.error', `error ${String(err.code)}: ${String(err.reason)}`, { code: err.code ?? null, reason: err.reason ?? null });
    }
    return reply;
  }

  /** Queues an event on its session (`session_id` says which) and tells the transport. */
  enqueue(now: Micros, event: JsonObject): void {
    if (this.deferring) {
      this.deferring.push(event);
      return;
    }
    const s = this.sessions.get(event.session_id as number);
    if (!s) return;
    s.queue.push(event);
    s.emitted.push(String(event.janus));
    this.sink?.eventsQueued(now, s);
  }

  createSession(now: Micros, id: number): JanusSession {
    const s: JanusSession = { id, createdAt: now, handles: new Map(), attached: [], queue: [], lastActivity: now, destroyed: undefined, emitted: [] };
    this.sessions.set(id, s);
    this.history.push(s);
    this.note('janus.session.created', `session ${id} created`, { session: id });
    this.armWatchdog(now);
    return s;
  }

  attach(now: Micros, session: JanusSession, plugin: JanusPlugin, opaqueId: string | undefined): JanusHandle {
    const id = this.newId((x) => this.handles.has(x));
    const context: JanusHandleContext = {
      sessionId: session.id, handleId: id, opaqueId,
      pushEvent: (t, transaction, data, jsep) => pushPluginEvent(this, t, handle, transaction, data, jsep),
      relayRtp: (t, p) => handle.pc?.relayRtp(t, p),
      relayRtcp: (t, p) => handle.pc?.relayRtcp(t, p),
      sendPli: (t, mindex) => handle.pc?.sendPli(t, mindex),
      sendRemb: (t, bitrate) => handle.pc?.sendRemb(t, bitrate),
      closePc: (t, reason) => this.hangup(t, handle, reason),
      endSession: (t) => this.detach(t, handle),
      note: (_t, kind, text, data) => this.note(`janus.${plugin.shortName}.${kind}`, `handle ${id}: ${text}`, { handle: id, ...(data ?? {}) }),
    };
    const handle: JanusHandle = {
      id, session, plugin, context, opaqueId, pc: undefined, pendingTrickles: [], lastRemoteJsep: undefined, lastLocalJsep: undefined, detached: false,
      stats: { messages: 0, trickles: 0, eventsPushed: 0, webrtcup: false, mediaEvents: 0, slowlinks: 0, hangups: 0, hangupReason: null },
    };
    session.handles.set(id, handle);
    session.attached.push(handle);
    this.handles.set(id, handle);
    this.note('janus.handle.attached', `handle ${id} attached to ${plugin.package} in session ${session.id}`, { session: session.id, handle: id, plugin: plugin.package });
    plugin.createSession(now, context);
    return handle;
  }

  /**
   * The handle's PeerConnection, made on a new port the first time it negotiates (controlling when the gateway offers,
   * RFC 8445 §6.1.1: the offerer's full agent controls); undefined when no port is left.
   */
  peerConnection(now: Micros, h: JanusHandle, offerer = false): JanusPeerConnection | undefined {
    if (h.pc && h.pc.closed === undefined) return h.pc;
    if (!this.bindPort || this.nextPort > this.options.rtpPortRange.max) return undefined;
    const port = this.nextPort++;
    const ev = (kind: string, extra: JsonObject): JsonObject => ({ janus: kind, session_id: h.session.id, sender: h.id, ...extra });
    const local = this.bindPort(port);
    const pc: JanusPeerConnection = new JanusPeerConnection({
      name: `${this.options.name} handle ${h.id}`, local, rng: this.options.rng.fork(`pc/${h.id}/${port}`), identity: this.options.identity,
      noMediaTimer: this.options.noMediaTimer, slowlinkThreshold: this.options.slowlinkThreshold, offerer,
    }, {
      webrtcUp: (t) => {
        h.stats.webrtcup = true;
        this.enqueue(t, ev('webrtcup', {}));
        h.plugin.setupMedia(t, h.id);
      },
      media: (t, s, receiving) => {
        h.stats.mediaEvents++;
        this.note('janus.media', `handle ${h.id}: ${receiving ? 'receiving' : 'no longer receiving'} ${s.kind} on mid ${s.mid}`, { handle: h.id, mid: s.mid, type: s.kind, receiving });
        this.enqueue(t, ev('media', { mid: s.mid, type: s.kind, receiving }));
      },
      slowLink: (t, s, lost) => {
        h.stats.slowlinks++;
        this.note('janus.slowlink', `handle ${h.id}: ${lost} packets lost in a second on ${s.kind} from the browser`, { handle: h.id, mid: s.mid, lost });
        this.enqueue(t, ev('slowlink', { mid: s.mid, media: s.kind, uplink: true, lost }));
        h.plugin.slowLink?.(t, h.id, s.index, s.kind === 'video', true);
      },
      rtp: (t, p) => h.plugin.incomingRtp(t, h.id, p),
      rtcp: (t, p) => h.plugin.incomingRtcp(t, h.id, p),
      hangup: (t, reason) => this.hungUp(t, h, reason),
    });
    this.ports.set(local.port, { pc });
    h.pc = pc;
    this.note('janus.pc.created', `handle ${h.id}: PeerConnection on ${formatTransportAddress(local)} (full ICE, ${offerer ? 'controlling: the gateway offers' : 'controlled'})`, { handle: h.id, local: formatTransportAddress(local) });
    return pc;
  }

  private bind(port: number, owner: { pc?: JanusPeerConnection; plugin?: JanusPlugin }): TransportAddress {
    if (!this.bindPort) throw new Error(`${this.options.name}: no port binding before the gateway runs`);
    const a = this.bindPort(port);
    this.ports.set(a.port, owner);
    return a;
  }

  /** Hangs the handle's PeerConnection up (a `hangup` request, close_pc, detach): Janus's `hangup` event, then the plugin's hangup_media. */
  hangup(now: Micros, h: JanusHandle, reason: string): void {
    const pc = h.pc;
    if (!pc || pc.closed !== undefined) return;
    pc.close(now, reason);
    this.hungUp(now, h, reason);
  }

  private hungUp(now: Micros, h: JanusHandle, reason: string): void {
    h.stats.hangups++;
    h.stats.hangupReason = reason;
    this.note('janus.hangup', `handle ${h.id}: PeerConnection hung up (${reason})`, { handle: h.id, reason });
    this.enqueue(now, { janus: 'hangup', session_id: h.session.id, sender: h.id, reason });
    h.plugin.hangupMedia(now, h.id);
  }

  detach(now: Micros, h: JanusHandle): void {
    if (h.detached) return;
    // Janus hangs the media up on detach, PeerConnection or not (the echotest answers with its "done" event)
    if (h.pc && h.pc.closed === undefined) this.hangup(now, h, 'Detach');
    else if (h.stats.hangups === 0) h.plugin.hangupMedia(now, h.id);
    h.detached = true;
    h.plugin.destroySession(now, h.id);
    h.session.handles.delete(h.id);
    this.handles.delete(h.id);
    this.enqueue(now, { janus: 'detached', session_id: h.session.id, sender: h.id });
    this.note('janus.handle.detached', `handle ${h.id} detached from ${h.plugin.package}`, { session: h.session.id, handle: h.id });
  }

  destroySession(now: Micros, s: JanusSession, why: 'destroy' | 'timeout'): void {
    if (s.destroyed) return;
    if (why === 'timeout') {
      // janus_check_sessions: the client is told first, then everything goes
      this.counters.timeouts++;
      this.enqueue(now, { janus: 'timeout', session_id: s.id });
      this.note('janus.session.timeout', `session ${s.id} timed out: nothing from its client for ${(now - s.lastActivity) / SECOND} s (session_timeout ${this.options.sessionTimeout / SECOND} s)`, { session: s.id, idle: (now - s.lastActivity) / SECOND });
    }
    for (const h of [...s.handles.values()]) this.detach(now, h);
    s.destroyed = why;
    this.sink?.eventsQueued(now, s);
    this.sessions.delete(s.id);
    this.note('janus.session.destroyed', `session ${s.id} destroyed (${why})`, { session: s.id, why });
  }

  private armWatchdog(now: Micros): void {
    if (this.options.sessionTimeout <= 0 || this.nextWatchdog !== undefined) return;
    this.nextWatchdog = now + this.options.watchdogPeriod;
  }

  private watchdog(now: Micros): void {
    if (this.nextWatchdog === undefined || now < this.nextWatchdog) return;
    this.nextWatchdog = undefined;
    for (const s of [...this.sessions.values()]) if (now - s.lastActivity >= this.options.sessionTimeout) this.destroySession(now, s, 'timeout');
    if (this.sessions.size > 0) {
      this.nextWatchdog = now + this.options.watchdogPeriod;
    }
  }

  // ---- the endpoint contract ---------------------------------------------------------------------------------

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    const o = this.ports.get(to.port);
    if (o?.pc) o.pc.handleDatagram(now, from, to, bytes);
    else o?.plugin?.handleDatagram?.(now, from, to, bytes);
  }

  handleIcmpError(now: Micros, e: IcmpError): void {
    const o = this.ports.get(e.local.port);
    if (o?.pc) o.pc.handleIcmpError(now, e);
    else o?.plugin?.handleIcmpError?.(now, e);
  }

  handleTimeout(now: Micros): void {
    this.watchdog(now);
    this.sink?.handleTimeout(now);
    for (const h of this.handles.values()) h.pc?.handleTimeout(now);
    for (const p of this.plugins.values()) p.handleTimeout?.(now);
  }

  poll(now: Micros): EndpointOutput {
    const q = this.out.shift();
    if (q) return q;
    const wakes: (Deadline | undefined)[] = [this.nextWatchdog !== undefined ? { at: this.nextWatchdog, reason: 'janus session watchdog' } : undefined, this.sink?.deadline(now)];
    for (const h of this.handles.values()) {
      if (!h.pc) continue;
      const o = h.pc.poll(now);
      if (o.type !== 'timeout' && o.type !== 'idle') return o;
      wakes.push(deadlineOf(o));
    }
    for (const p of this.plugins.values()) {
      if (!p.poll) continue;
      const o = p.poll(now);
      if (o.type !== 'timeout' && o.type !== 'idle') return o;
      wakes.push(deadlineOf(o));
    }
    const q2 = this.out.shift();
    if (q2) return q2;
    const best = earliestDeadline(...wakes);
    return best ? { type: 'timeout', at: best.at, reason: best.reason } : { type: 'idle' };
  }

}
