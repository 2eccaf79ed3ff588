import type { NoteBody } from '../core/note.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { ByteStream, ByteStreamHandlers } from '../net/stream.ts';
import type { TlsConfig } from './config.ts';
import { TlsConnection } from './connection.ts';
import type { Established } from './handshake-host.ts';
import { tlsNote } from './notes.ts';

/** Where a TlsStream's notes and key log lines go (an app hands the trace's; tests may keep them). */
export interface TlsSink {
  note(now: Micros, note: NoteBody): void;
  secret(now: Micros, nssKeyLogLine: string): void;
}

export interface TlsStreamOptions {
  readonly role: 'client' | 'server';
  readonly config?: TlsConfig;
  /** The connection's own RNG stream (randoms, key shares, a generated certificate). */
  readonly rng: Rng;
  readonly sink?: TlsSink;
}

/**
 * TLS over any ByteStream, itself a ByteStream (sim/net/stream.ts): HTTP, WebSocket, TURN or signaling written
 * against ByteStream run over TLS unchanged. The handshake starts when the transport opens (at once if it already
 * is); `open` turns true and `onOpen` fires when it completes. `end` sends close_notify, then ends the transport;
 * `abort` sends a user_canceled alert, then aborts it. A fatal alert either way closes the stream with the
 * alert's name as the error.
 */
export class TlsStream implements ByteStream {
  readonly connection: TlsConnection;
  handlers: ByteStreamHandlers = {};
  private draining = false;
  /** What to do to the transport once the queued records are written. */
  private after: 'end' | 'abort' | undefined;
  private transportDone = false;
  private ended = false;
  private closed = false;

  constructor(
    now: Micros,
    readonly transport: ByteStream,
    private readonly options: TlsStreamOptions,
  ) {
    this.connection = new TlsConnection(options.role, options.config ?? {}, options.rng);
    transport.handlers = {
      onOpen: (t) => this.start(t),
      onData: (t, bytes) => {
        this.connection.receive(bytes);
        this.drain(t);
      },
      onEnd: (t) => this.transportEnded(t),
      onClose: (t, error) => this.transportClosed(t, error),
    };
    if (transport.open) this.start(now);
  }

  get label(): string {
    return `tls(${this.transport.label})`;
  }

  get open(): boolean {
    return this.connection.state === 'open' && !this.closed;
  }

  /** What the handshake settled on (version, suite, ALPN, SNI, the peer's certificates), once open. */
  get negotiated(): Established | undefined {
    return this.connection.negotiated;
  }

  write(now: Micros, bytes: Uint8Array): void {
    this.connection.write(bytes);
    this.drain(now);
  }

  end(now: Micros): void {
    if (this.closed) return;
    this.connection.close();
    // the transport ends after the close_notify is written, even when end() is called from inside a handler
    this.after ??= 'end';
    this.drain(now);
  }

  abort(now: Micros): void {
    if (this.closed) return;
    // closed for the app first: the transport's own close (a RST it sends) must not report another reason
    this.close(now, 'aborted');
    this.connection.abort();
    this.after = 'abort';
    this.drain(now);
  }

  /** RFC 8446 §4.6.3: a KeyUpdate (TLS 1.3, once open). */
  keyUpdate(now: Micros, requestPeer: boolean): boolean {
    const ok = this.connection.keyUpdate(requestPeer);
    this.drain(now);
    return ok;
  }

  private start(now: Micros): void {
    this.connection.start();
    this.drain(now);
  }

  private transportEnded(now: Micros): void {
    if (!this.ended && this.connection.state === 'open') {
      // RFC 8446 §6.1: the transport ended without close_notify; the data may have been cut short
      this.options.sink?.note(now, tlsNote('tls.truncated', `${this.transport.label} ended without close_notify: the data may be truncated`, { role: this.options.role }));
      this.ended = true;
      this.handlers.onEnd?.(now);
    } else if (this.connection.state === 'new' || this.connection.state === 'handshaking') {
      this.options.sink?.note(now, tlsNote('tls.truncated', `${this.transport.label} ended during the handshake`, { role: this.options.role }));
      this.after ??= 'end';
      this.drain(now);
      this.close(now, 'handshake-eof');
    }
  }

  private transportClosed(now: Micros, error: string | undefined): void {
    this.close(now, error);
  }

  private close(now: Micros, error: string | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onClose?.(now, error);
  }

  private drain(now: Micros): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let o = this.connection.poll(); o; o = this.connection.poll()) {
        switch (o.type) {
          case 'transmit':
            this.transport.write(now, o.bytes);
            break;
          case 'open':
            this.handlers.onOpen?.(now);
            break;
          case 'data':
            if (!this.closed) this.handlers.onData?.(now, o.bytes);
            break;
          case 'end':
            if (!this.ended) {
              this.ended = true;
              this.handlers.onEnd?.(now);
            }
            break;
          case 'closed':
            // a fatal alert sent or received: the transport is finished with (FIN after the alert)
            this.after ??= 'end';
            this.close(now, o.error);
            break;
          case 'note':
            this.options.sink?.note(now, o.note);
            break;
          case 'secret':
            this.options.sink?.secret(now, o.text);
            break;
        }
      }
    } finally {
      this.draining = false;
    }
    if (this.after && !this.transportDone) {
      this.transportDone = true;
      if (this.after === 'abort') this.transport.abort(now);
      else this.transport.end(now);
    }
  }
}
