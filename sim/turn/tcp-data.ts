import type { Micros } from '../core/time.ts';
import type { ByteStream } from '../net/stream.ts';
import { decodeStun, ErrorCode, getAttribute, Method, Nonce, reasonText } from '../wire/stun/index.ts';
import { StreamFramer } from './stream-framer.ts';

export interface TurnDataHandlers {
  /** The ConnectionBind succeeded: from now on the stream carries the peer's bytes, raw (RFC 6062 §4.4). */
  bound(now: Micros): void;
  data(now: Micros, bytes: Uint8Array): void;
  /** The ConnectionBind failed, or the connection closed; `why` says which. */
  failed(now: Micros, why: string): void;
  closed(now: Micros, error: string | undefined): void;
}

/**
 * The client's side of an RFC 6062 data connection: a new TCP (or TLS) connection to the TURN server on which the
 * ConnectionBind request for one CONNECTION-ID goes first; its success response is the last STUN on it, after which
 * the connection is the peer's TCP connection, byte for byte. Bytes that follow the response in the same read are
 * already the peer's.
 */
export class TurnDataConnection {
  state: 'binding' | 'bound' | 'failed' | 'closed' = 'binding';
  private readonly framer = new StreamFramer('stun');
  private retried = false;

  constructor(
    now: Micros,
    readonly stream: ByteStream,
    readonly id: number,
    /** The ConnectionBind request, with the session's nonce or the one a 438 on this connection gave. */
    private readonly bindRequest: (nonce?: string) => Uint8Array | undefined,
    private readonly h: TurnDataHandlers,
  ) {
    stream.handlers = {
      onData: (t, bytes) => this.onData(t, bytes),
      onEnd: (t) => stream.end(t),
      onClose: (t, error) => {
        if (this.state === 'closed') return;
        const was = this.state;
        this.state = 'closed';
        if (was === 'binding') this.h.failed(t, `the data connection closed before ConnectionBind was answered${error ? ` (${error})` : ''}`);
        this.h.closed(t, error);
      },
    };
    const first = bindRequest();
    if (first) stream.write(now, first);
  }

  /** Raw bytes to the peer, once bound (before that they would be read as STUN: refused). */
  write(now: Micros, bytes: Uint8Array): boolean {
    if (this.state !== 'bound') return false;
    this.stream.write(now, bytes);
    return true;
  }

  private onData(now: Micros, bytes: Uint8Array): void {
    if (this.state === 'bound') return this.h.data(now, bytes);
    if (this.state !== 'binding') return;
    const { messages, error } = this.framer.push(bytes);
    const first = messages[0];
    if (!first) {
      if (error !== undefined) this.fail(now, `the answer to ConnectionBind cannot be framed: ${error}`);
      return;
    }
    const msg = decodeStun(first).value;
    if (!msg || msg.method !== Method.ConnectionBind || (msg.class !== 'success' && msg.class !== 'error')) return this.fail(now, 'the data connection answered something other than ConnectionBind');
    if (msg.class === 'error') {
      const e = getAttribute(msg, ErrorCode);
      const nonce = getAttribute(msg, Nonce);
      // RFC 8489 §9.2.5: a 438 (this server ties nonces to the client's address) is answered once with its nonce
      if (e?.code === 438 && nonce !== undefined && !this.retried) {
        this.retried = true;
        const again = this.bindRequest(nonce);
        if (again) this.stream.write(now, again);
        return;
      }
      return this.fail(now, `ConnectionBind Request: ${e?.code ?? 0} ${e ? reasonText(e.reason) : ''}`.trim());
    }
    this.state = 'bound';
    this.h.bound(now);
    // whatever came after the response in this read is the peer's already
    const rest = this.framer.takeRest();
    const after = messages.slice(1);
    for (const m of after) this.h.data(now, m);
    if (rest.length > 0) this.h.data(now, rest);
  }

  private fail(now: Micros, why: string): void {
    this.state = 'failed';
    this.h.failed(now, why);
    this.stream.abort(now);
  }
}
