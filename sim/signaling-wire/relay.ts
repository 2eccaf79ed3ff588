import { utf8Decode } from '../core/encoding.ts';
import type { Scheduler } from '../core/scheduler.ts';
import type { Micros } from '../core/time.ts';
import type { HttpNote } from '../http/notes.ts';
import { HttpServer, type HttpExchange, type HttpRequest } from '../http/server.ts';
import type { ByteStream } from '../net/stream.ts';
import type { WebSocketConnection } from '../websocket/connection.ts';
import { acceptWebSocket, isWebSocketRequest } from '../websocket/handshake.ts';
import type { WebSocketNote } from '../websocket/notes.ts';
import type { SignalingProtocol } from '../signaling/message.ts';
import { signalingNote, type SignalingNote } from '../signaling/notes.ts';
import { mangleMessage, type MangleRule } from './mangle.ts';

/** How parties reach the relay: one WebSocket each, or HTTP (a POST per message, a long-poll GET to receive). */
export type WireMode = 'websocket' | 'http';

/** The WebSocket subprotocol (RFC 6455 §1.9) of each message protocol; "protoo" is what mediasoup's demo asks for. */
export const SUBPROTOCOLS: Readonly<Record<SignalingProtocol, string>> = { protoo: 'protoo', jsep: 'jsep', ice: 'ice' };

export interface RelayOptions {
  /** The path it serves ("/signaling"); parties name themselves in the query: "/signaling?peer=alice". */
  readonly path: string;
  readonly mode: WireMode;
  /** How long the server takes over each message before it forwards it (a busy or slow signaling server). */
  readonly processingDelay: Micros;
  /** A long-poll GET is answered 204 after this long without a message (Janus answers its long polls after 30 s). */
  readonly pollTimeout: Micros;
  /** Messages held for a party that has not connected yet (a room's late joiner), beyond which they are dropped. */
  readonly maxQueued: number;
  /** A faulty signaling layer: rules applied to what it forwards (mangle.ts). */
  readonly mangle?: readonly MangleRule[];
}

type Party =
  | { readonly kind: 'websocket'; readonly socket: WebSocketConnection; readonly queue: string[] }
  | { readonly kind: 'http'; readonly queue: string[]; poll: { ex: HttpExchange; timer: { cancel(): void } } | undefined }
  | { readonly kind: 'local'; readonly deliver: (now: Micros, text: string) => void; readonly queue: string[] }
  | { readonly kind: 'absent'; readonly queue: string[] };

type Note = SignalingNote | HttpNote | WebSocketNote;

/**
 * The signaling server's logic (the `signaling-server` app runs it on a host): a relay between named parties, the
 * way a WebRTC app's signaling server forwards offers, answers and candidates, and mediasoup's protoo room carries
 * requests between a client and its SFU. A party sends `{"to": "<party>", …message}`; the relay forwards
 * `{"from": "<sender>", …message}` to that party after `processingDelay`: on its WebSocket, in the answer to its
 * held long-poll GET, or in process to a party on the server's own host (an SFU beside its signaling server).
 * Messages for a party not connected yet wait (up to `maxQueued`). Bad input — not JSON, no `to`, an unknown path —
 * is answered (400/404) or dropped with a note, never a throw.
 */
export class SignalingRelay {
  readonly http: HttpServer;
  private readonly parties = new Map<string, Party>();
  readonly stats = { relayed: 0, dropped: 0, refused: 0 };

  constructor(
    private readonly scheduler: Scheduler,
    private readonly note: (now: Micros, note: Note) => void,
    readonly options: RelayOptions,
  ) {
    this.http = new HttpServer((now, req, ex) => this.request(now, req, ex), { serverName: 'rtclab-signaling', note: (t, n) => note(t, n) });
  }

  accept(stream: ByteStream): void {
    this.http.accept(stream);
  }

  /** A party on the server's own host: messages to it are handed over in process; it sends with `fromLocal`. */
  attachLocal(name: string, deliver: (now: Micros, text: string) => void): void {
    const queue = this.parties.get(name)?.queue ?? [];
    this.parties.set(name, { kind: 'local', deliver, queue: [] });
    for (const text of queue.splice(0)) deliver(this.scheduler.now, text);
  }

  fromLocal(now: Micros, from: string, text: string): void {
    this.incoming(now, from, text);
  }

  private request(now: Micros, req: HttpRequest, ex: HttpExchange): void {
    const target = req.start.target;
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const peer = new URLSearchParamsLite(q < 0 ? '' : target.slice(q + 1)).get('peer');
    if (path !== this.options.path) return this.refuse(now, ex, 404, `no signaling at ${path} (it is at ${this.options.path})`);
    if (!peer || !/^[A-Za-z0-9._-]{1,64}$/.test(peer)) return this.refuse(now, ex, 400, 'no peer=<name> in the query');
    if (this.options.mode === 'websocket') {
      if (!isWebSocketRequest(req)) return this.refuse(now, ex, 426, 'this signaling server speaks WebSocket', [{ name: 'Upgrade', value: 'websocket' }]);
      const socket = acceptWebSocket(now, req, ex, { protocols: Object.values(SUBPROTOCOLS), note: (t, n) => this.note(t, n) });
      if (!socket) return;
      const old = this.parties.get(peer);
      const queue = old?.queue ?? [];
      if (old?.kind === 'websocket') old.socket.close(now, 4000, 'replaced by a new connection');
      this.parties.set(peer, { kind: 'websocket', socket, queue: [] });
      this.note(now, signalingNote('signaling.peer-joined', `${peer} joined over ${socket.label} (WebSocket, ${socket.options.protocol})`, { party: peer, connection: socket.label, via: 'websocket' }));
      socket.handlers = {
        onMessage: (t, m) => {
          if (m.type === 'text' && m.text !== undefined) this.incoming(t, peer, m.text);
          else this.drop(t, peer, 'a binary message (signaling is JSON text)');
        },
        onClose: (t, code) => {
          const p = this.parties.get(peer);
          if (p?.kind === 'websocket' && p.socket === socket) {
            this.parties.set(peer, { kind: 'absent', queue: [] });
            this.note(t, signalingNote('signaling.peer-left', `${peer} left (WebSocket closed with ${code})`, { party: peer, code }));
          }
        },
      };
      socket.start(now);
      for (const text of queue) this.deliver(now, peer, text);
      return;
    }
    if (req.start.method === 'POST') {
      this.knownHttp(now, peer, req.connection);
      this.incoming(now, peer, utf8Decode(req.body));
      ex.respond(now, { status: 204 });
      return;
    }
    if (req.start.method === 'GET') {
      const p = this.knownHttp(now, peer, req.connection);
      if (p.poll) p.poll.ex.respond(now, { status: 409, body: 'a newer long poll replaced this one\n' });
      p.poll = undefined;
      const next = p.queue.shift();
      if (next !== undefined) return ex.respond(now, jsonAnswer(next));
      const timer = this.scheduler.after(this.options.pollTimeout, 'long-poll timeout', () => {
        if (p.poll?.ex === ex) p.poll = undefined;
        ex.respond(this.scheduler.now, { status: 204 });
      });
      p.poll = { ex, timer };
      return;
    }
    this.refuse(now, ex, 405, `${req.start.method} is not POST or GET`, [{ name: 'Allow', value: 'GET, POST' }]);
  }

  private knownHttp(now: Micros, peer: string, connection: string): Extract<Party, { kind: 'http' }> {
    const p = this.parties.get(peer);
    if (p?.kind === 'http') return p;
    const fresh: Extract<Party, { kind: 'http' }> = { kind: 'http', queue: p?.queue ?? [], poll: undefined };
    this.parties.set(peer, fresh);
    this.note(now, signalingNote('signaling.peer-joined', `${peer} joined over ${connection} (HTTP long poll)`, { party: peer, connection, via: 'http' }));
    return fresh;
  }

  private refuse(now: Micros, ex: HttpExchange, status: number, why: string, headers: { name: string; value: string }[] = []): void {
    this.stats.refused++;
    ex.respond(now, { status, headers: [...headers, { name: 'Content-Type', value: 'text/plain' }], body: `${why}\n` });
  }

  /** A message from `from`: checked for a destination, then forwarded after the processing delay. */
  private incoming(now: Micros, from: string, text: string): void {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      return this.drop(now, from, 'not JSON');
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.drop(now, from, 'not a JSON object');
    const { to, from: _ignored, ...rest } = v as Record<string, unknown>;
    if (typeof to !== 'string' || to.length === 0) return this.drop(now, from, 'no "to" naming the party it is for');
    let out = JSON.stringify({ from, ...rest });
    if (this.options.mangle && this.options.mangle.length > 0) {
      const r = mangleMessage(this.options.mangle, from, to, rest, (body) => JSON.stringify({ from, ...body }));
      if (r.changes.length > 0) this.note(now, signalingNote('signaling.mangled', `the ${r.message ?? 'message'} from ${from} to ${to}: ${r.changes.join('; ')}`, { from, to, message: r.message ?? 'message', changes: [...r.changes], dropped: r.text === undefined }));
      if (r.text === undefined) {
        this.stats.dropped++;
        return;
      }
      out = r.text;
    }
    if (this.options.processingDelay > 0) this.scheduler.after(this.options.processingDelay, 'signaling-server processing', () => this.deliver(this.scheduler.now, to, out));
    else this.deliver(now, to, out);
  }

  private deliver(now: Micros, to: string, text: string): void {
    let p = this.parties.get(to);
    if (!p) this.parties.set(to, (p = { kind: 'absent', queue: [] }));
    this.stats.relayed++;
    switch (p.kind) {
      case 'websocket':
        if (p.socket.isOpen) p.socket.sendText(now, text);
        else this.hold(now, p, to, text);
        return;
      case 'local':
        p.deliver(now, text);
        return;
      case 'http':
        if (p.poll) {
          const { ex, timer } = p.poll;
          p.poll = undefined;
          timer.cancel();
          ex.respond(now, jsonAnswer(text));
        } else this.hold(now, p, to, text);
        return;
      case 'absent':
        this.hold(now, p, to, text);
        return;
    }
  }

  private hold(now: Micros, p: Party, to: string, text: string): void {
    if (p.queue.length >= this.options.maxQueued) {
      this.stats.dropped++;
      this.note(now, signalingNote('signaling.undeliverable', `a message for ${to} dropped: ${this.options.maxQueued} already wait for it`, { to, why: 'queue full' }));
      return;
    }
    p.queue.push(text);
  }

  private drop(now: Micros, from: string, why: string): void {
    this.stats.dropped++;
    this.note(now, signalingNote('signaling.undeliverable', `a message from ${from} dropped: ${why}`, { from, why }));
  }
}

function jsonAnswer(text: string): { status: number; headers: { name: string; value: string }[]; body: string } {
  return { status: 200, headers: [{ name: 'Content-Type', value: 'application/json' }], body: text };
}

/** `peer=alice&x=1` → get('peer'); percent-decoding without throwing on a bad escape. */
class URLSearchParamsLite {
  private readonly pairs: [string, string][];
  constructor(query: string) {
    this.pairs = query
      .split('&')
      .filter((p) => p.length > 0)
      .map((p) => {
        const eq = p.indexOf('=');
        const dec = (s: string): string => {
          try {
            return decodeURIComponent(s.replace(/\+/g, ' '));
          } catch {
            return s;
          }
        };
        return eq < 0 ? [dec(p), ''] : [dec(p.slice(0, eq)), dec(p.slice(eq + 1))];
      });
  }
  get(name: string): string | undefined {
    return this.pairs.find(([k]) => k === name)?.[1];
  }
}
