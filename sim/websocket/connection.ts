import { concatBytes, utf8Encode } from '../core/encoding.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { ByteQueue } from '../http/byte-queue.ts';
import type { ByteStream } from '../net/stream.ts';
import { closeCodeName, decodeWebSocketFrame, encodeWebSocketFrame, Opcode } from '../wire/websocket/frame.ts';
import { websocketNote, type WebSocketNote } from './notes.ts';

export interface WebSocketLimits {
  /** One frame's payload (1009 beyond it). */
  readonly maxFrameBytes: number;
  /** One message, its fragments joined (1009 beyond it, RFC 6455 §7.4.1). */
  readonly maxMessageBytes: number;
}

export const DEFAULT_WEBSOCKET_LIMITS: WebSocketLimits = { maxFrameBytes: 1 << 20, maxMessageBytes: 4 << 20 };

export interface WebSocketMessage {
  readonly type: 'text' | 'binary';
  /** Text messages: the text; binary: undefined. */
  readonly text?: string;
  readonly data: Uint8Array;
}

export interface WebSocketHandlers {
  onMessage?(now: Micros, message: WebSocketMessage): void;
  onPong?(now: Micros, payload: Uint8Array): void;
  /** The connection is closed: `clean` after a close handshake and the stream's close (§7.1.4), else 1006. */
  onClose?(now: Micros, code: number, reason: string, clean: boolean): void;
}

export interface WebSocketOptions {
  readonly role: 'client' | 'server';
  /** The negotiated subprotocol ('' for none). */
  readonly protocol: string;
  readonly path: string;
  /** Clients: masking keys come from here (RFC 6455 §5.3: unpredictable, fresh per frame). */
  readonly rng?: Rng;
  readonly limits?: WebSocketLimits;
  /** Send messages longer than this as fragments (§5.4); default: never fragment. */
  readonly fragmentSize?: number;
  readonly note?: (now: Micros, note: WebSocketNote) => void;
}

const fatal = new TextDecoder('utf-8', { fatal: true });

/**
 * An open WebSocket (RFC 6455) on a byte stream, after the opening handshake (handshake.ts). Reads frames as their
 * bytes arrive, joins fragments (§5.4), answers pings (§5.5.2), and runs the close handshake (§7): the side that
 * receives a Close echoes its code; the server then closes the stream first (§7.1.1). Whatever violates the
 * protocol fails the connection with a Close frame — 1002 (a masking error, reserved bits or opcodes, a bad
 * control frame or continuation), 1007 (text that is not UTF-8), 1009 (over a limit) — and a `websocket.error`
 * note, never a throw.
 */
export class WebSocketConnection {
  handlers: WebSocketHandlers = {};
  private readonly queue = new ByteQueue();
  private need = 2;
  private fragments: { opcode: number; parts: Uint8Array[]; size: number } | undefined;
  /** A Close frame went out / came in. */
  private closeSent = false;
  private closeReceived: { code: number; reason: string } | undefined;
  private closeBy: 'local' | 'remote' | undefined;
  private finished = false;
  readonly limits: WebSocketLimits;
  readonly stats = { messagesIn: 0, messagesOut: 0, framesIn: 0, framesOut: 0, pingsIn: 0 };

  constructor(
    readonly stream: ByteStream,
    readonly options: WebSocketOptions,
    rest: Uint8Array = new Uint8Array(0),
  ) {
    this.limits = options.limits ?? DEFAULT_WEBSOCKET_LIMITS;
    const h = stream.handlers;
    h.onData = (now, bytes) => this.data(now, bytes);
    h.onEnd = (now) => {
      // the peer closed the stream: answer with our own end (§7.1.1, the client after the server)
      if (!this.closeReceived && !this.finished) this.done(now, 1006, 'the stream ended without a Close frame', false);
      this.stream.end(now);
    };
    h.onClose = (now, error) => {
      if (this.finished) return;
      const clean = this.closeSent && this.closeReceived !== undefined && !error;
      const c = this.closeReceived;
      this.done(now, clean && c ? c.code : 1006, clean && c ? c.reason : `the stream closed${error ? ` (${error})` : ''} without a close handshake`, clean);
    };
    this.pendingRest = rest;
  }

  private pendingRest: Uint8Array;

  /** Feeds the bytes that came with the handshake (call once the handlers are set; `now` is the handshake's time). */
  start(now: Micros): void {
    const r = this.pendingRest;
    this.pendingRest = new Uint8Array(0);
    if (r.length) this.data(now, r);
  }

  get label(): string {
    return this.stream.label;
  }

  get isOpen(): boolean {
    return !this.closeSent && !this.finished;
  }

  sendText(now: Micros, text: string): void {
    this.sendMessage(now, Opcode.text, utf8Encode(text));
  }

  sendBinary(now: Micros, data: Uint8Array): void {
    this.sendMessage(now, Opcode.binary, data);
  }

  ping(now: Micros, payload: Uint8Array = new Uint8Array(0)): void {
    if (this.isOpen) this.frame(now, Opcode.ping, payload.subarray(0, 125), true);
  }

  /** Starts the close handshake (§7.1.2) with a code (§7.4) and a reason of at most 123 bytes. */
  close(now: Micros, code = 1000, reason = ''): void {
    if (this.closeSent || this.finished) return;
    this.closeBy ??= 'local';
    this.sendClose(now, code, reason);
    if (this.closeReceived) this.afterHandshake(now);
  }

  private sendMessage(now: Micros, opcode: number, data: Uint8Array): void {
    if (!this.isOpen) return;
    this.stats.messagesOut++;
    const size = this.options.fragmentSize ?? Infinity;
    if (data.length <= size) {
      this.frame(now, opcode, data, true);
      return;
    }
    // §5.4: the first fragment carries the opcode, the rest are continuations; the last has FIN
    for (let at = 0; at < data.length; at += size) {
      this.frame(now, at === 0 ? opcode : Opcode.continuation, data.subarray(at, at + size), at + size >= data.length);
    }
  }

  private frame(now: Micros, opcode: number, payload: Uint8Array, fin: boolean): void {
    // §5.1, §5.3: a client masks every frame with a fresh key; a server never masks
    const maskingKey = this.options.role === 'client' ? (this.options.rng?.bytes(4) ?? new Uint8Array(4)) : undefined;
    this.stats.framesOut++;
    this.stream.write(now, encodeWebSocketFrame({ fin, opcode, payload, ...(maskingKey ? { maskingKey } : {}) }));
  }

  private sendClose(now: Micros, code: number | undefined, reason: string): void {
    this.closeSent = true;
    const r = utf8Encode(reason).subarray(0, 123);
    const body = code === undefined ? new Uint8Array(0) : concatBytes(new Uint8Array([code >> 8, code & 0xff]), r);
    this.frame(now, Opcode.close, body, true);
  }

  private data(now: Micros, bytes: Uint8Array): void {
    if (this.finished || this.closeReceived) return;
    this.queue.push(bytes);
    while (!this.finished && !this.closeReceived && this.queue.length >= this.need) {
      const view = this.queue.view();
      const d = decodeWebSocketFrame(view, 0, this.limits.maxFrameBytes, false);
      const tooBig = d.problems.find((p) => p.message.includes("exceeds the dissector's limit"));
      if (tooBig) return this.fail(now, 1009, `a frame's payload is over the limit of ${this.limits.maxFrameBytes} bytes`);
      if (d.status === 'incomplete') {
        this.need = Math.max(d.length, view.length + 1);
        return;
      }
      this.need = 2;
      const f = d.value;
      if (!f) return this.fail(now, 1002, 'an unreadable frame');
      this.queue.consume(d.length);
      this.stats.framesIn++;
      const bad = d.problems.find((p) => p.severity !== 'warning');
      if (bad) return this.fail(now, 1002, bad.message);
      // §5.2: RSV bits only with a negotiated extension (none is); §5.1: masking by role
      if (f.rsv !== 0) return this.fail(now, 1002, `RSV bits ${f.rsv} set with no extension negotiated (RFC 6455 §5.2)`);
      if (this.options.role === 'server' && !f.masked) return this.fail(now, 1002, 'an unmasked frame from a client (RFC 6455 §5.1)');
      if (this.options.role === 'client' && f.masked) return this.fail(now, 1002, 'a masked frame from a server (RFC 6455 §5.1)');
      if (f.opcode >= 8) this.control(now, f.opcode, f.payload, f.closeCode, f.closeReason);
      else this.dataFrame(now, f.opcode, f.fin, f.payload);
    }
  }

  private dataFrame(now: Micros, opcode: number, fin: boolean, payload: Uint8Array): void {
    if (opcode === Opcode.continuation && !this.fragments) return this.fail(now, 1002, 'a continuation frame with no message begun (RFC 6455 §5.4)');
    if (opcode !== Opcode.continuation && this.fragments) return this.fail(now, 1002, 'a new message began before the fragmented one ended (RFC 6455 §5.4)');
    const m = (this.fragments ??= { opcode, parts: [], size: 0 });
    m.parts.push(payload);
    m.size += payload.length;
    if (m.size > this.limits.maxMessageBytes) return this.fail(now, 1009, `a message over the limit of ${this.limits.maxMessageBytes} bytes`);
    if (!fin) return;
    this.fragments = undefined;
    const data = m.parts.length === 1 ? m.parts[0]! : concatBytes(...m.parts);
    this.stats.messagesIn++;
    if (m.opcode === Opcode.text) {
      let text: string;
      try {
        text = fatal.decode(data);
      } catch {
        return this.fail(now, 1007, 'a text message that is not UTF-8 (RFC 6455 §8.1)');
      }
      this.handlers.onMessage?.(now, { type: 'text', text, data });
    } else this.handlers.onMessage?.(now, { type: 'binary', data });
  }

  private control(now: Micros, opcode: number, payload: Uint8Array, code: number | undefined, reason: string | undefined): void {
    if (opcode === Opcode.ping) {
      this.stats.pingsIn++;
      // §5.5.2: a Pong with the Ping's payload, unless a Close has gone out
      if (!this.closeSent) this.frame(now, Opcode.pong, payload, true);
    } else if (opcode === Opcode.pong) this.handlers.onPong?.(now, payload);
    else if (opcode === Opcode.close) {
      if (reason !== undefined && !isUtf8(payload.subarray(2))) return this.fail(now, 1007, 'a Close reason that is not UTF-8 (RFC 6455 §5.5.1)');
      // 1005: no status code was present (§7.4.1; never sent)
      this.closeReceived = { code: code ?? 1005, reason: reason ?? '' };
      this.closeBy ??= 'remote';
      // §5.5.1: answer with a Close, echoing the code
      if (!this.closeSent) this.sendClose(now, code, '');
      this.afterHandshake(now);
    }
  }

  /** Both Close frames have crossed: the server closes the stream first (§7.1.1); the client waits for that. */
  private afterHandshake(now: Micros): void {
    if (this.options.role === 'server') this.stream.end(now);
  }

  /** §7.1.7: fail the WebSocket connection: a Close with the code, then the stream is closed. */
  private fail(now: Micros, code: number, error: string): void {
    if (this.finished) return;
    this.note(now, websocketNote('websocket.error', `${this.label}: ${error}: closing with ${code} ${closeCodeName(code)}`, { connection: this.label, role: this.options.role, code, error }));
    this.closeBy ??= 'local';
    if (!this.closeSent) this.sendClose(now, code, error.slice(0, 100));
    this.stream.end(now);
    this.done(now, code, error, false);
  }

  private done(now: Micros, code: number, reason: string, clean: boolean): void {
    if (this.finished) return;
    this.finished = true;
    const by = this.closeBy ?? 'remote';
    this.note(now, websocketNote('websocket.closed', `${this.label}: WebSocket closed ${clean ? 'cleanly' : 'abnormally'} with ${code} ${closeCodeName(code)}${reason ? ` "${reason}"` : ''} (${by === 'local' ? 'we' : 'the peer'} began)`, { connection: this.label, role: this.options.role, code, reason, by, clean }));
    this.handlers.onClose?.(now, code, reason, clean);
  }

  private note(now: Micros, n: WebSocketNote): void {
    this.options.note?.(now, n);
  }
}

function isUtf8(b: Uint8Array): boolean {
  try {
    fatal.decode(b);
    return true;
  } catch {
    return false;
  }
}
