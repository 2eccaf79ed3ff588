import type { Scheduler } from '../core/scheduler.ts';
import type { Micros } from '../core/time.ts';
import type { ByteStream, ByteStreamHandlers } from '../net/stream.ts';

/**
 * Two ByteStreams joined back to back in memory, with a one-way delay on the scheduler: for testing protocols
 * written against ByteStream (HTTP, WebSocket) without TCP. Writes are delivered whole, in order; `end` is a FIN,
 * `abort` a reset.
 */
export function streamPair(scheduler: Scheduler, delay: Micros = 1000, labels: [string, string] = ['client', 'server']): [MemoryStream, MemoryStream] {
  const a = new MemoryStream(scheduler, delay, labels[0]);
  const b = new MemoryStream(scheduler, delay, labels[1]);
  a.peer = b;
  b.peer = a;
  scheduler.after(delay, 'stream-pair: open', () => {
    a.setOpen();
    b.setOpen();
  });
  return [a, b];
}

export class MemoryStream implements ByteStream {
  handlers: ByteStreamHandlers = {};
  open = false;
  peer: MemoryStream | undefined;
  ended = false;
  private dead = false;
  /** Every byte written, for assertions. */
  readonly written: Uint8Array[] = [];
  /** Writes are split into pieces of at most this many bytes (as TCP segments would split them). */
  splitAt = Infinity;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly delay: Micros,
    readonly label: string,
  ) {}

  setOpen(): void {
    if (this.dead) return;
    this.open = true;
    this.handlers.onOpen?.(this.scheduler.now);
  }

  write(_now: Micros, bytes: Uint8Array): void {
    if (this.ended || this.dead) return;
    const copy = bytes.slice();
    this.written.push(copy);
    for (let i = 0; i < copy.length; i += Math.min(this.splitAt, copy.length)) {
      const piece = copy.subarray(i, i + Math.min(this.splitAt, copy.length));
      this.scheduler.after(this.delay, 'stream-pair: data', () => this.peer?.receive(piece));
    }
  }

  end(_now: Micros): void {
    if (this.ended || this.dead) return;
    this.ended = true;
    this.scheduler.after(this.delay, 'stream-pair: fin', () => this.peer?.receiveEnd());
    if (this.peerEnded) this.scheduler.after(this.delay, 'stream-pair: closed', () => this.closeClean());
  }

  abort(now: Micros): void {
    if (this.dead) return;
    this.dead = true;
    this.handlers.onClose?.(now, 'reset');
    this.scheduler.after(this.delay, 'stream-pair: rst', () => this.peer?.receiveReset());
  }

  private peerEnded = false;

  private receive(bytes: Uint8Array): void {
    if (!this.dead) this.handlers.onData?.(this.scheduler.now, bytes);
  }

  private receiveEnd(): void {
    if (this.dead) return;
    this.peerEnded = true;
    this.handlers.onEnd?.(this.scheduler.now);
    if (this.ended) this.closeClean();
  }

  private closeClean(): void {
    if (this.dead) return;
    this.dead = true;
    this.handlers.onClose?.(this.scheduler.now);
  }

  private receiveReset(): void {
    if (this.dead) return;
    this.dead = true;
    this.handlers.onClose?.(this.scheduler.now, 'reset');
  }

  /** Both sides have ended. */
  get finished(): boolean {
    return this.ended && this.peerEnded;
  }
}
