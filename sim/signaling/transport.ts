import type { Scheduler } from '../core/scheduler.ts';
import type { Micros } from '../core/time.ts';
import type { SignalingMessage, SignalingProtocol } from './message.ts';

/** What a transport learns of a party when it joins: the ideal transport its one-way delay (a transport on the wire will add where the party is). */
export interface SignalingJoin {
  readonly delay?: Micros;
  /** The messages it speaks: on the wire, its WebSocket subprotocol and how what arrives is read (default jsep). */
  readonly protocol?: SignalingProtocol;
}

export interface SignalingDelivery {
  readonly from: string;
  readonly to: string;
  readonly message: SignalingMessage;
}

/**
 * How signaling messages travel between the parties of the hub. The hub hands every message to its transport and
 * learns of arrivals through `onArrival`: a batch of messages that reached their parties together, and the parties
 * to let act afterwards (in that order). Today's transport is the ideal one below; the next is HTTP and WebSocket
 * bytes over simulated TCP, where the arrival time is not known when a message leaves.
 */
export interface SignalingTransport {
  /** A party joins. */
  join(name: string, options: SignalingJoin): void;
  /** Takes a message at `now`; returns when it will arrive, when the transport knows that already. */
  send(now: Micros, from: string, to: string, message: SignalingMessage): Micros | undefined;
  onArrival: ((batch: readonly SignalingDelivery[], wake: readonly string[]) => void) | undefined;
}

/**
 * The ideal transport: a message leaves at `now` and arrives its sender's one-way delay later, never before an
 * earlier message on the same ordered path (a WebSocket over TCP keeps order). `scope` says what one path is:
 * - "destination": everything to one party (a signaling server writing to each party's one connection); a wake-up
 *   delivers every message that is due by then, to any party, then lets each party that got one act;
 * - "pair": one sender to one receiver (a private relay per direction); a wake-up delivers that path's due
 *   messages, then lets the receiver act (even when an earlier wake-up already delivered them).
 */
export class IdealSignalingTransport implements SignalingTransport {
  private readonly queues = new Map<string, { at: Micros; from: string; to: string; message: SignalingMessage }[]>();
  private readonly lastAt = new Map<string, Micros>();
  private readonly delays = new Map<string, Micros>();
  onArrival: ((batch: readonly SignalingDelivery[], wake: readonly string[]) => void) | undefined;
  sent = 0;

  constructor(
    private readonly scheduler: Scheduler,
    readonly scope: 'destination' | 'pair',
    /** The delay of a party that joined without one. */
    readonly delay: Micros,
  ) {}

  join(name: string, options: SignalingJoin): void {
    if (options.delay !== undefined) this.delays.set(name, options.delay);
  }

  send(now: Micros, from: string, to: string, message: SignalingMessage): Micros {
    const path = this.scope === 'pair' ? `${from}\u0000${to}` : '';
    const key = `${path}\u0000${to}`;
    const at = Math.max(now + (this.delays.get(from) ?? this.delay), this.lastAt.get(key) ?? 0);
    this.lastAt.set(key, at);
    let queue = this.queues.get(path);
    if (!queue) this.queues.set(path, (queue = []));
    // sorted by arrival; equal times keep sending order
    let i = queue.length;
    while (i > 0 && queue[i - 1]!.at > at) i--;
    queue.splice(i, 0, { at, from, to, message });
    this.sent++;
    this.scheduler.at(at, 'signaling', () => this.arrive(path, to));
    return at;
  }

  private arrive(path: string, to: string): void {
    const queue = this.queues.get(path)!;
    const now = this.scheduler.now;
    const batch: SignalingDelivery[] = [];
    while (queue.length > 0 && queue[0]!.at <= now) {
      const d = queue.shift()!;
      batch.push({ from: d.from, to: d.to, message: d.message });
    }
    const wake = this.scope === 'pair' ? [to] : [...new Set(batch.map((d) => d.to))];
    this.onArrival?.(batch, wake);
  }
}
