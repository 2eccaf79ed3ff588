import { utf8Decode } from '../core/encoding.ts';
import { formatTransportAddress, type TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Scheduler } from '../core/scheduler.ts';
import { SECOND, type Micros } from '../core/time.ts';
import { HttpClientConnection } from '../http/client.ts';
import type { HttpNote } from '../http/notes.ts';
import type { ByteStream } from '../net/stream.ts';
import type { WebSocketConnection } from '../websocket/connection.ts';
import { connectWebSocket } from '../websocket/handshake.ts';
import type { WebSocketNote } from '../websocket/notes.ts';
import { decodeSignaling, type SignalingMessage, type SignalingProtocol } from '../signaling/message.ts';
import { signalingNote, type SignalingNote } from '../signaling/notes.ts';
import { SUBPROTOCOLS, type WireMode } from './relay.ts';

export interface WireServer {
  readonly address: TransportAddress;
  readonly path: string;
  readonly mode: WireMode;
  /** Reconnection: attempts after the first, the first wait doubling each time (a signaling client's backoff). */
  readonly retries: number;
  readonly retryDelay: Micros;
}

/** What a client needs from where it runs: opening a stream to the server (TCP from the party's host). */
export interface WireClientContext {
  readonly scheduler: Scheduler;
  readonly connect: (remote: TransportAddress) => ByteStream;
  readonly rng: Rng;
  readonly note: (now: Micros, note: SignalingNote | HttpNote | WebSocketNote) => void;
  /** A message for this party arrived from `from`. */
  readonly receive: (now: Micros, from: string, message: SignalingMessage) => void;
}

/**
 * One party's connection to the signaling server, as a web app keeps it: a WebSocket (`/path?peer=<name>`, the
 * party's message protocol as the subprotocol), or HTTP with a POST per message on one connection and a long-poll
 * GET on another (a browser cannot send while its only connection holds a GET). Messages sent before the connection
 * is open wait; a refused or broken connection is retried with a doubling delay, each attempt noted.
 */
export class WireSignalingClient {
  private ws: WebSocketConnection | undefined;
  private post: HttpClientConnection | undefined;
  private poll: HttpClientConnection | undefined;
  private readonly waiting: string[] = [];
  private attempt = 0;
  private connecting = false;
  private gaveUp = false;
  /** A reconnection is scheduled: messages sent meanwhile wait for it instead of starting another. */
  private retrying = false;
  readonly stats = { sent: 0, received: 0, connects: 0, failures: 0 };

  constructor(
    readonly party: string,
    readonly protocol: SignalingProtocol,
    readonly server: WireServer,
    private readonly ctx: WireClientContext,
  ) {}

  private get serverText(): string {
    return formatTransportAddress(this.server.address);
  }

  private get target(): string {
    return `${this.server.path}?peer=${encodeURIComponent(this.party)}`;
  }

  get open(): boolean {
    return this.server.mode === 'websocket' ? this.ws?.isOpen === true : this.post !== undefined && !this.post.closed;
  }

  start(now: Micros): void {
    if (this.connecting || this.open || this.gaveUp || this.retrying) return;
    this.connecting = true;
    if (this.server.mode === 'websocket') this.startWebSocket(now);
    else this.startHttp(now);
  }

  send(now: Micros, to: string, message: SignalingMessage): void {
    // the envelope: the destination beside the message's own fields (protoo and JSEP stay recognisable as such)
    const text = JSON.stringify({ to, ...message.body });
    if (this.open) this.transmit(now, text);
    else {
      this.waiting.push(text);
      this.start(now);
    }
  }

  private transmit(now: Micros, text: string): void {
    this.stats.sent++;
    if (this.server.mode === 'websocket') this.ws!.sendText(now, text);
    else
      this.post!.request(now, { method: 'POST', target: this.target, headers: [{ name: 'Content-Type', value: 'application/json' }], body: text }, (t, r) => {
        if (!r.ok) this.broken(t, `POST failed: ${r.error}`);
        else if (r.response.start.status >= 300) this.ctx.note(t, signalingNote('signaling.error', `${this.party}: the signaling server answered ${r.response.start.status} ${r.response.start.reason} to a POST`, { from: this.party, to: 'signaling-server' }));
      });
  }

  private opened(now: Micros, via: string, label: string): void {
    this.connecting = false;
    this.attempt = 0;
    this.stats.connects++;
    this.ctx.note(now, signalingNote('signaling.connected', `${this.party} connected to the signaling server ${this.serverText} (${via}, ${label})`, { party: this.party, server: this.serverText, via }));
    for (const text of this.waiting.splice(0)) this.transmit(now, text);
  }

  private startWebSocket(now: Micros): void {
    const stream = this.ctx.connect(this.server.address);
    connectWebSocket(now, stream, { host: this.serverText, path: this.target, protocols: [SUBPROTOCOLS[this.protocol]], rng: this.ctx.rng, note: this.ctx.note }, (t, r) => {
      if (!r.ok) return this.failed(t, r.error);
      const ws = r.socket;
      this.ws = ws;
      ws.handlers = {
        onMessage: (t2, m) => (m.text !== undefined ? this.arrived(t2, m.text) : undefined),
        onClose: (t2, code, reason) => {
          if (this.ws !== ws) return;
          this.broken(t2, `the WebSocket closed with ${code}${reason ? ` "${reason}"` : ''}`);
        },
      };
      this.opened(t, 'websocket', stream.label);
    });
  }

  private startHttp(now: Micros): void {
    // RFC 9112 §9.3: one request at a time per connection, so a held GET needs a connection of its own
    const postStream = this.ctx.connect(this.server.address);
    const post = new HttpClientConnection(postStream, { host: this.serverText, note: this.ctx.note });
    const poll = new HttpClientConnection(this.ctx.connect(this.server.address), { host: this.serverText, note: this.ctx.note });
    this.poll = poll;
    let opened = false;
    postStream.handlers.onOpen = (t) => {
      opened = true;
      this.post = post;
      this.opened(t, 'http', postStream.label);
    };
    const onClose = postStream.handlers.onClose;
    postStream.handlers.onClose = (t, error) => {
      onClose?.(t, error);
      if (!opened && this.poll === poll) this.failed(t, error ? `connection ${error}` : 'connection closed');
    };
    const loop = (t: Micros): void => {
      if (this.poll !== poll || poll.closed) return;
      poll.request(t, { method: 'GET', target: this.target }, (t2, r) => {
        if (this.poll !== poll) return;
        if (!r.ok) return opened ? this.broken(t2, `long poll failed: ${r.error}`) : undefined;
        if (r.response.start.status === 200) this.arrived(t2, utf8Decode(r.response.body));
        else if (r.response.start.status !== 204) return this.broken(t2, `long poll answered ${r.response.start.status} ${r.response.start.reason}`);
        loop(t2);
      });
    };
    loop(now);
  }

  private arrived(now: Micros, text: string): void {
    let from: unknown;
    try {
      from = (JSON.parse(text) as { from?: unknown }).from;
    } catch {
      from = undefined;
    }
    const d = decodeSignaling(this.protocol, text);
    if (typeof from !== 'string' || !d.ok) {
      this.ctx.note(now, signalingNote('signaling.error', `${this.party}: a message from the signaling server it cannot read: ${d.ok ? 'no "from"' : d.error}`, { from: typeof from === 'string' ? from : 'signaling-server', to: this.party }));
      return;
    }
    this.stats.received++;
    this.ctx.receive(now, from, d.value);
  }

  private failed(now: Micros, error: string): void {
    this.connecting = false;
    this.stats.failures++;
    this.closeHttp(now);
    const attempt = ++this.attempt;
    const retry = attempt <= this.server.retries;
    const retryIn = retry ? this.server.retryDelay * 2 ** (attempt - 1) : undefined;
    this.ctx.note(now, signalingNote('signaling.connect-failed', `${this.party} could not connect to the signaling server ${this.serverText}: ${error}${retry ? `; retrying in ${retryIn! / SECOND} s` : `; giving up after ${attempt} attempt(s)`}${this.waiting.length ? ` (${this.waiting.length} message(s) waiting)` : ''}`, { party: this.party, server: this.serverText, error, attempt, ...(retryIn !== undefined ? { retryIn } : {}) }));
    if (retryIn === undefined) {
      this.gaveUp = true;
      return;
    }
    this.retry(retryIn);
  }

  /** An open connection broke: noted; the next message (or one waiting) reconnects. */
  private broken(now: Micros, error: string): void {
    if (!this.open && !this.poll && !this.ws && !this.post) return;
    this.ws = undefined;
    this.closeHttp(now);
    this.ctx.note(now, signalingNote('signaling.disconnected', `${this.party} lost its signaling connection to ${this.serverText}: ${error}`, { party: this.party, server: this.serverText, error }));
    this.retry(this.server.retryDelay);
  }

  private retry(after: Micros): void {
    this.retrying = true;
    this.ctx.scheduler.after(after, 'signaling reconnect', () => {
      this.retrying = false;
      this.start(this.ctx.scheduler.now);
    });
  }

  private closeHttp(now: Micros): void {
    const { post, poll } = this;
    this.post = undefined;
    this.poll = undefined;
    post?.close(now);
    poll?.close(now);
  }
}
