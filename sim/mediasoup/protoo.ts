import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import { decodeSignaling } from '../signaling/message.ts';
import type { ProtooMessage } from '../signaling/protoo.ts';
import type { WebSocketConnection } from '../websocket/connection.ts';

export type Obj = { [key: string]: JsonValue };

/** An answer to a request: `ok` with its data, or protoo's error (`errorCode`, `errorReason`). */
export type ProtooAnswer = { readonly ok: true; readonly data: Obj } | { readonly ok: false; readonly errorCode: number; readonly errorReason: string };

export interface ProtooHandlers {
  /** A request from the other side; `answer` sends its response (once). */
  request(now: Micros, method: string, data: Obj, answer: (now: Micros, a: ProtooAnswer) => void, id: number): void;
  notification(now: Micros, method: string, data: Obj): void;
  /** Text that is not a protoo message: dropped, as protoo drops it. */
  invalid(now: Micros, error: string): void;
  closed(now: Micros, code: number, reason: string): void;
}

/**
 * The handlers of a client that takes no requests and no notifications from the server (the plain broadcaster and
 * receiver): a request is refused with 500, as protoo answers an unknown method; a non-protoo message and the close
 * are told to `step`.
 */
export function requestlessClientHandlers(step: (step: string, text: string, data: { readonly [k: string]: string | number | boolean }) => void): ProtooHandlers {
  return {
    request: (now, method, _data, answer) => answer(now, { ok: false, errorCode: 500, errorReason: `unknown method "${method}"` }),
    notification: () => undefined,
    invalid: (_now, error) => step('invalid', `a message that is not protoo: ${error}`, {}),
    closed: (_now, code) => step('closed', `the WebSocket closed (${code})`, { code }),
  };
}

/**
 * One protoo peer connection (the JSON protocol mediasoup's demo speaks over a WebSocket with subprotocol
 * "protoo"): `{request:true,id,method,data}`, `{response:true,id,ok:true,data}` or
 * `{response:true,id,ok:false,errorCode,errorReason}`, `{notification:true,method,data}`, one per text message.
 * Request ids are random integers below 10^7 as protoo draws them (from the caller's RNG); a response to no
 * pending request is ignored, and a request whose answer never comes stays pending.
 */
export class ProtooConnection {
  private readonly pending = new Map<number, { method: string; done: (now: Micros, a: ProtooAnswer) => void }>();
  readonly stats = { sent: 0, received: 0, invalid: 0 };

  constructor(
    readonly socket: WebSocketConnection,
    private readonly rng: Rng,
    private readonly handlers: ProtooHandlers,
    /** After each message and the close: the owner lets its endpoint act (the driver polls). */
    private readonly afterInput: () => void = () => undefined,
  ) {
    socket.handlers = {
      onMessage: (now, m) => {
        if (m.type !== 'text' || m.text === undefined) this.bad(now, 'a binary message (protoo is JSON text)');
        else this.receive(now, m.text);
        this.afterInput();
      },
      onClose: (now, code, reason) => {
        handlers.closed(now, code, reason);
        this.afterInput();
      },
    };
  }

  get label(): string {
    return this.socket.label;
  }

  get open(): boolean {
    return this.socket.isOpen;
  }

  request(now: Micros, method: string, data: Obj, done: (now: Micros, a: ProtooAnswer) => void): number {
    let id = this.rng.int(1, 10_000_000);
    while (this.pending.has(id)) id = this.rng.int(1, 10_000_000);
    this.pending.set(id, { method, done });
    this.send(now, { request: true, id, method, data });
    return id;
  }

  notify(now: Micros, method: string, data: Obj): void {
    this.send(now, { notification: true, method, data });
  }

  close(now: Micros): void {
    this.socket.close(now, 1000, '');
  }

  private send(now: Micros, m: ProtooMessage): void {
    if (!this.socket.isOpen) return;
    this.stats.sent++;
    this.socket.sendText(now, JSON.stringify(m));
  }

  private bad(now: Micros, error: string): void {
    this.stats.invalid++;
    this.handlers.invalid(now, error);
  }

  private receive(now: Micros, text: string): void {
    const d = decodeSignaling('protoo', text);
    if (!d.ok || d.value.protocol !== 'protoo') return this.bad(now, d.ok ? 'not protoo' : d.error);
    this.stats.received++;
    const m = d.value.body;
    if ('request' in m) {
      let answered = false;
      this.handlers.request(now, m.method, m.data, (t, a) => {
        if (answered) return;
        answered = true;
        this.send(t, a.ok ? { response: true, id: m.id, ok: true, data: a.data } : { response: true, id: m.id, ok: false, errorCode: a.errorCode, errorReason: a.errorReason });
      }, m.id);
    } else if ('response' in m) {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      p.done(now, m.ok ? { ok: true, data: m.data ?? {} } : { ok: false, errorCode: m.errorCode ?? 500, errorReason: m.errorReason ?? '' });
    } else this.handlers.notification(now, m.method, m.data);
  }
}
