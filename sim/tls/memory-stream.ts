import type { Micros } from '../core/time.ts';
import type { ByteStream, ByteStreamHandlers } from '../net/stream.ts';

/**
 * Two ByteStreams joined in memory, for tests of what runs over a stream (TLS, HTTP, WebSocket …) without a
 * network: what one end writes, the other reads, cut into `chunk`-byte reads to show messages straddling reads.
 * Nothing moves until `run()`, which delivers queued events in order (handlers may write again meanwhile).
 */

type Event =
  | { readonly to: MemoryStream; readonly kind: 'open' | 'end' }
  | { readonly to: MemoryStream; readonly kind: 'data'; readonly bytes: Uint8Array }
  | { readonly to: MemoryStream; readonly kind: 'close'; readonly error?: string };

export class MemoryStream implements ByteStream {
  handlers: ByteStreamHandlers = {};
  open = false;
  /** Bytes written by this end, in order (what a capture of its direction would hold). */
  readonly written: Uint8Array[] = [];
  peer!: MemoryStream;
  endedLocal = false;
  endedRemote = false;
  closed = false;

  constructor(
    readonly label: string,
    private readonly pipe: MemoryPipe,
  ) {}

  write(_now: Micros, bytes: Uint8Array): void {
    if (this.closed || this.endedLocal || bytes.length === 0) return;
    this.written.push(bytes.slice());
    for (let at = 0; at < bytes.length; at += this.pipe.chunk) this.pipe.queue({ to: this.peer, kind: 'data', bytes: bytes.slice(at, at + this.pipe.chunk) });
  }

  end(_now: Micros): void {
    if (this.closed || this.endedLocal) return;
    this.endedLocal = true;
    this.pipe.queue({ to: this.peer, kind: 'end' });
  }

  abort(_now: Micros): void {
    if (this.closed) return;
    this.pipe.queue({ to: this.peer, kind: 'close', error: 'reset' });
    this.pipe.queue({ to: this, kind: 'close', error: 'reset' });
  }
}

export class MemoryPipe {
  readonly a: MemoryStream;
  readonly b: MemoryStream;
  private readonly events: Event[] = [];

  constructor(
    readonly chunk = 1 << 20,
    labels: readonly [string, string] = ['mem a>b', 'mem b>a'],
  ) {
    this.a = new MemoryStream(labels[0], this);
    this.b = new MemoryStream(labels[1], this);
    this.a.peer = this.b;
    this.b.peer = this.a;
  }

  queue(e: Event): void {
    this.events.push(e);
  }

  /** Both ends open (a TCP handshake completing). */
  connect(): this {
    this.queue({ to: this.a, kind: 'open' });
    this.queue({ to: this.b, kind: 'open' });
    return this;
  }

  /** Delivers every queued event, including those handlers queue meanwhile; returns how many. */
  run(now: Micros = 0): number {
    let n = 0;
    for (let e = this.events.shift(); e; e = this.events.shift()) {
      if (++n > 1_000_000) throw new Error('memory pipe: events keep coming');
      const s = e.to;
      if (s.closed) continue;
      switch (e.kind) {
        case 'open':
          s.open = true;
          s.handlers.onOpen?.(now);
          break;
        case 'data':
          s.handlers.onData?.(now, e.bytes);
          break;
        case 'end':
          s.endedRemote = true;
          s.handlers.onEnd?.(now);
          // both directions finished: the connection closes cleanly (TCP after FIN both ways)
          if (this.a.endedLocal && this.b.endedLocal && this.a.endedRemote && this.b.endedRemote) {
            this.queue({ to: this.a, kind: 'close' });
            this.queue({ to: this.b, kind: 'close' });
          }
          break;
        case 'close':
          s.closed = true;
          s.open = false;
          s.handlers.onClose?.(now, e.error);
          break;
      }
    }
    return n;
  }
}
