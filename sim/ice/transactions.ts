import { toHex } from '../core/encoding.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { MS } from '../core/time.ts';

/**
 * STUN client transactions over UDP (RFC 8489 §6.2.1): a request is sent at 0, RTO, 3·RTO, 7·RTO … (the interval
 * doubles), Rc = 7 sends in all, then the client waits Rm × RTO after the last one before giving up.
 * With RTO = 500 ms that is sends at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s and a timeout at 39.5 s.
 *
 * This is the small piece ICE needs; it owns no socket: `due(now)` tells the owner which requests to send again
 * and which have timed out, and the owner sends them on the path it chose (directly or through a TURN relay).
 */
export const DEFAULT_RTO: Micros = 500 * MS;
export const DEFAULT_RC = 7;
export const DEFAULT_RM = 16;

export interface Transaction<T> {
  readonly id: Uint8Array;
  readonly key: string;
  readonly from: TransportAddress;
  readonly to: TransportAddress;
  readonly bytes: Uint8Array;
  readonly rto: Micros;
  readonly startedAt: Micros;
  /** How many times the request has been sent. */
  sends: number;
  /** When the next retransmission (or the final timeout) is due. */
  deadline: Micros;
  /** Sends after which the transaction times out (Rc); 1 means "send once, then wait". */
  readonly rc: number;
  readonly ctx: T;
}

export class TransactionTable<T> {
  private readonly open = new Map<string, Transaction<T>>();

  constructor(private readonly rm = DEFAULT_RM) {}

  /** Records a request that the owner sends now (send #1). */
  start(now: Micros, id: Uint8Array, from: TransportAddress, to: TransportAddress, bytes: Uint8Array, ctx: T, rto = DEFAULT_RTO, rc = DEFAULT_RC): Transaction<T> {
    const tx: Transaction<T> = { id, key: toHex(id), from, to, bytes, rto, startedAt: now, sends: 1, deadline: now + (rc <= 1 ? this.rm * rto : rto), rc, ctx };
    this.open.set(tx.key, tx);
    return tx;
  }

  /** The transaction a response belongs to (removed from the table), or undefined. */
  take(id: Uint8Array): Transaction<T> | undefined {
    const key = toHex(id);
    const tx = this.open.get(key);
    if (tx) this.open.delete(key);
    return tx;
  }

  peek(id: Uint8Array): Transaction<T> | undefined {
    return this.open.get(toHex(id));
  }

  /** Drops transactions the owner no longer cares about (a pair removed, an ICE restart). */
  cancel(pred: (tx: Transaction<T>) => boolean): Transaction<T>[] {
    const gone: Transaction<T>[] = [];
    for (const [k, tx] of this.open) {
      if (pred(tx)) {
        this.open.delete(k);
        gone.push(tx);
      }
    }
    return gone;
  }

  /** Requests to send again now, and transactions that ran out of time (removed). In start order. */
  due(now: Micros): { retransmit: Transaction<T>[]; timedOut: Transaction<T>[] } {
    const retransmit: Transaction<T>[] = [];
    const timedOut: Transaction<T>[] = [];
    for (const [k, tx] of this.open) {
      if (tx.deadline > now) continue;
      if (tx.sends >= tx.rc) {
        this.open.delete(k);
        timedOut.push(tx);
      } else {
        tx.sends++;
        // the wait doubles after each send; after the last send, wait Rm × RTO
        tx.deadline = now + (tx.sends >= tx.rc ? this.rm * tx.rto : tx.rto * 2 ** (tx.sends - 1));
        retransmit.push(tx);
      }
    }
    return { retransmit, timedOut };
  }

  nextDeadline(): Micros | undefined {
    let best: Micros | undefined;
    for (const tx of this.open.values()) if (best === undefined || tx.deadline < best) best = tx.deadline;
    return best;
  }

  get size(): number {
    return this.open.size;
  }

  values(): IterableIterator<Transaction<T>> {
    return this.open.values();
  }
}
