import type { EndpointOutput, SignalOutput } from './endpoint.ts';

/**
 * The order in which a signaling endpoint's outputs leave. A signal queued while the endpoint works out its next
 * output leaves before that output (an app sends its WebSocket message from inside the callback, before the
 * browser's next packet), and a reply queued while handling input leaves before anything else. The endpoint's
 * `poll` is `outbox.take() ?? outbox.settle(work(now))`, and every input calls `outbox.input()`.
 */
export class SignalOutbox<M> {
  private readonly signals: SignalOutput<M>[] = [];
  private parked: EndpointOutput<M> | undefined;

  queue(to: string, message: M): void {
    this.signals.push({ type: 'signal', to, message });
  }

  /** Whether a signal waits (the driver polls it out right after the input that made it). */
  pending(): boolean {
    return this.signals.length > 0;
  }

  /** A queued signal, else the output parked behind the signals, else undefined (poll works the next one out). */
  take(): EndpointOutput<M> | SignalOutput<M> | undefined {
    const s = this.signals.shift();
    if (s) return s;
    const p = this.parked;
    this.parked = undefined;
    return p;
  }

  /** The output poll worked out: returned as it is, unless signals were queued meanwhile (then it waits behind them). */
  settle(o: EndpointOutput<M>): EndpointOutput<M> | SignalOutput<M> {
    const s = this.signals.shift();
    if (!s) return o;
    this.parked = o;
    return s;
  }

  /** New input: a parked deadline (or idle) is stale and is worked out again; a parked transmit or note still leaves. */
  input(): void {
    if (this.parked && (this.parked.type === 'timeout' || this.parked.type === 'idle')) this.parked = undefined;
  }
}
