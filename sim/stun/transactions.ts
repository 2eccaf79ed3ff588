import { stunNote } from './notes.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import { toHex } from '../core/encoding.ts';
import type { Rng } from '../core/rng.ts';
import type { NoteBody } from '../core/note.ts';
import type { Micros } from '../core/time.ts';
import { formatDuration, MS } from '../core/time.ts';
import type { EncodeOptions, StunAttribute, StunMessage } from '../wire/stun/index.ts';
import { encodeStun, messageTypeName, TRANSACTION_ID_SIZE } from '../wire/stun/index.ts';

/**
 * STUN client transactions over UDP (RFC 8489 §6.2.1): a request is sent, then retransmitted after RTO, 2·RTO,
 * 4·RTO … until Rc requests have gone out; after the last one the client waits Rm·RTO more and gives up.
 * With the defaults (RTO 500 ms, Rc 7, Rm 16) requests leave at 0, 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s and the
 * transaction times out at 39.5 s. Any endpoint (binding client, RFC 5780 discovery, TURN, ICE) embeds one.
 */
export interface TransactionOptions<C = unknown> {
  /** Initial retransmission timeout (RFC 8489 §6.2.1: SHOULD be 500 ms for fixed-line access). */
  readonly rto?: Micros;
  /** Requests sent in all, the first included (Rc, default 7). */
  readonly rc?: number;
  /** After the last request, wait Rm times the initial RTO (default 16). */
  readonly rm?: number;
  /** A cap on the doubled retransmission interval, which RFC 8489 does not have (libwebrtc's STUN_MAX_RTO). */
  readonly maxRto?: Micros;
  /** Write the `stun.retransmit` and `stun.transaction.timeout` notes (default true); false when the owner writes its own. */
  readonly notes?: boolean;
  /** Called after each retransmission has been handed to the output (ICE counts and notes its checks' here). */
  readonly onRetransmit?: (now: Micros, t: Transaction<C>) => void;
}

/** Where requests and notes go: an Outbox, or an owner that routes them itself (ICE sends some through a TURN relay). */
export interface TransactionOutput {
  transmit(from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void;
  /** A note built by a folder's emit helper (sim/core/note.ts). */
  note(n: NoteBody): void;
}

export interface TransactionRequest<C = unknown> {
  readonly from: TransportAddress;
  readonly to: TransportAddress;
  readonly method: number;
  readonly attributes: readonly StunAttribute[];
  /** MESSAGE-INTEGRITY key, FINGERPRINT and the rest, as for encodeStun. */
  readonly encode?: EncodeOptions;
  /** This request's initial RTO, when it differs from the table's (RFC 8445 §14.3 sizes it per ICE check). */
  readonly rto?: Micros;
  /** This request's Rc, when it differs from the table's (1: send once, then wait Rm·RTO for an answer). */
  readonly rc?: number;
  /** Anything the owner wants back with the result (which test this was, which action). */
  readonly context?: C;
}

export interface Transaction<C = unknown> {
  readonly transactionId: Uint8Array;
  /** Hex of the transaction id: the key responses are matched by. */
  readonly key: string;
  readonly request: TransactionRequest<C>;
  readonly bytes: Uint8Array;
  readonly startedAt: Micros;
  /** The RTO the transaction started with; the final wait is Rm times this. */
  readonly initialRto: Micros;
  /** Requests to send in all (Rc). */
  readonly rc: number;
  /** Requests sent so far (1 after the first transmission). */
  attempts: number;
  nextAt: Micros;
  /** The current retransmission interval (doubles after each retransmission). */
  rto: Micros;
  /** False once the owner stopped its retransmissions; it still waits for an answer until it times out. */
  retransmitting: boolean;
}

export type TransactionResult<C = unknown> =
  | {
      readonly kind: 'response';
      /** When the result was reached. */
      readonly at: Micros;
      readonly transaction: Transaction<C>;
      readonly response: StunMessage;
      readonly bytes: Uint8Array;
      /** Where the response came from and where it arrived (RFC 5780 changes both). */
      readonly from: TransportAddress;
      readonly to: TransportAddress;
      /** From the first transmission to the response. */
      readonly rtt: Micros;
    }
  /** No answer in time, or (with `icmp`) a hard ICMP error about the request ended it early. */
  | { readonly kind: 'timeout'; readonly at: Micros; readonly transaction: Transaction<C>; readonly icmp?: string };

export class StunTransactions<C = unknown> {
  private readonly pending = new Map<string, Transaction<C>>();
  readonly rto: Micros;
  readonly rc: number;
  readonly rm: number;
  readonly maxRto: Micros;
  private readonly notes: boolean;
  private readonly onRetransmit: ((now: Micros, t: Transaction<C>) => void) | undefined;
  /** Counters for summaries. */
  readonly stats = { started: 0, retransmits: 0, responses: 0, timeouts: 0 };

  constructor(
    private readonly rng: Rng,
    private readonly out: TransactionOutput,
    private readonly onResult: (r: TransactionResult<C>) => void,
    options: TransactionOptions<C> = {},
  ) {
    this.rto = options.rto ?? 500 * MS;
    this.rc = options.rc ?? 7;
    this.rm = options.rm ?? 16;
    this.maxRto = options.maxRto ?? Infinity;
    this.notes = options.notes ?? true;
    this.onRetransmit = options.onRetransmit;
  }

  /** RFC 8489 §5: 96 bits, uniformly random; here from the owner's RNG stream. */
  newTransactionId(): Uint8Array {
    return this.rng.bytes(TRANSACTION_ID_SIZE);
  }

  /** Encodes and sends a request now; its result arrives through `onResult`. */
  start(now: Micros, request: TransactionRequest<C>): Transaction<C> {
    const transactionId = this.newTransactionId();
    const bytes = encodeStun({ method: request.method, class: 'request', transactionId, attributes: request.attributes }, request.encode);
    const rto = request.rto ?? this.rto;
    const rc = Math.max(1, request.rc ?? this.rc);
    const t: Transaction<C> = {
      transactionId, key: toHex(transactionId), request, bytes, startedAt: now, initialRto: rto, rc, attempts: 1, nextAt: now + this.waitAfter(1, rc, rto), rto, retransmitting: true,
    };
    this.pending.set(t.key, t);
    this.stats.started++;
    this.out.transmit(request.from, request.to, bytes);
    return t;
  }

  /** How long to wait after the `sent`-th request: RTO doubling each time, and Rm·RTO after the last (RFC 8489 §6.2.1). */
  private waitAfter(sent: number, rc: number, rto: Micros): Micros {
    return sent >= rc ? this.rm * rto : Math.min(this.maxRto, rto * 2 ** (sent - 1));
  }

  /** Whether this transaction id belongs to a request still waiting for its answer. */
  isPending(transactionId: Uint8Array): boolean {
    return this.pending.has(toHex(transactionId));
  }

  /** The requests still waiting for an answer, in the order they started. */
  pendingTransactions(): Transaction<C>[] {
    return [...this.pending.values()];
  }

  /**
   * Offers a decoded response. Returns true when it answered one of ours (the transaction ends and its result is
   * reported); false for anything else, which the owner handles (RFC 8489 §6.3.1: unmatched responses are dropped).
   */
  handleResponse(now: Micros, from: TransportAddress, to: TransportAddress, msg: StunMessage, bytes: Uint8Array): boolean {
    if (msg.class !== 'success' && msg.class !== 'error') return false;
    const key = toHex(msg.transactionId);
    const t = this.pending.get(key);
    if (!t || t.request.method !== msg.method) return false;
    this.pending.delete(key);
    this.stats.responses++;
    this.onResult({ kind: 'response', at: now, transaction: t, response: msg, bytes, from, to, rtt: now - t.startedAt });
    return true;
  }

  /**
   * A hard ICMP error (Port/Host Unreachable, `from` the host or router that sent it) about a datagram from `local` to
   * `remote`: every pending request on that path ends now, as a failure carrying the error's name, instead of
   * retransmitting into nothing until Rc runs out. Returns how many ended.
   */
  handleIcmpError(now: Micros, local: TransportAddress, remote: TransportAddress, error: string, from: string): number {
    let n = 0;
    for (const t of [...this.pending.values()]) {
      if (!sameAddress(t.request.to, remote) || !sameAddress(t.request.from, local)) continue;
      this.pending.delete(t.key);
      this.stats.timeouts++;
      n++;
      if (this.notes) {
        const name = messageTypeName(t.request.method, 'request');
        this.out.note(
          stunNote('stun.transaction.icmp-error', `${name} to ${formatTransportAddress(t.request.to)} failed after ${t.attempts} transmission${t.attempts === 1 ? '' : 's'}: ICMP ${error} from ${from}`, {
            transactionId: t.key,
            to: formatTransportAddress(t.request.to),
            attempts: t.attempts,
            error,
            from,
          }),
        );
      }
      this.onResult({ kind: 'timeout', at: now, transaction: t, icmp: error });
    }
    return n;
  }

  /** Drops a transaction without a result (the owner no longer cares). */
  cancel(t: Transaction<C>): void {
    this.pending.delete(t.key);
  }

  /**
   * Sends `t` no more, but keeps waiting for its answer until the moment it would have timed out (RFC 8445 §7.3.1.4:
   * a triggered check replaces an in-progress one, whose response is still processed if it comes).
   */
  stopRetransmissions(t: Transaction<C>): void {
    if (!t.retransmitting || !this.pending.has(t.key)) return;
    t.retransmitting = false;
    let at = t.nextAt;
    for (let sent = t.attempts + 1; sent <= t.rc; sent++) at += this.waitAfter(sent, t.rc, t.initialRto);
    t.nextAt = at;
  }

  /** Retransmits what is due and ends what has run out of time, in the order the transactions started. */
  handleTimeout(now: Micros): void {
    if (!this.anyDue(now)) return; // asked after every datagram: no copy of the pending list when nothing is due (#15)
    for (const t of [...this.pending.values()]) {
      if (t.nextAt > now || !this.pending.has(t.key)) continue;
      const name = messageTypeName(t.request.method, 'request');
      if (t.attempts >= t.rc || !t.retransmitting) {
        this.pending.delete(t.key);
        this.stats.timeouts++;
        if (this.notes) {
          this.out.note(
            stunNote('stun.transaction.timeout', `${name} to ${formatTransportAddress(t.request.to)} timed out after ${t.attempts} transmissions and ${formatDuration(now - t.startedAt)} (RFC 8489 §6.2.1)`, {
              transactionId: t.key,
              to: formatTransportAddress(t.request.to),
              attempts: t.attempts,
            }),
          );
        }
        this.onResult({ kind: 'timeout', at: now, transaction: t });
        continue;
      }
      t.attempts++;
      t.rto = Math.min(this.maxRto, t.rto * 2);
      t.nextAt = now + this.waitAfter(t.attempts, t.rc, t.initialRto);
      this.stats.retransmits++;
      this.out.transmit(t.request.from, t.request.to, t.bytes);
      if (this.notes) {
        this.out.note(
          stunNote('stun.retransmit', `${name} to ${formatTransportAddress(t.request.to)} retransmitted (transmission ${t.attempts} of ${t.rc}); next deadline in ${formatDuration(t.nextAt - now)}`, {
            reason: 'stun-retransmit',
            transactionId: t.key,
            attempt: t.attempts,
            to: formatTransportAddress(t.request.to),
          }),
        );
      }
      this.onRetransmit?.(now, t);
    }
  }

  /** Whether a pending transaction's next retransmission or give-up time has come. */
  private anyDue(now: Micros): boolean {
    for (const t of this.pending.values()) if (t.nextAt <= now) return true;
    return false;
  }

  /** The next retransmission or give-up time, with the reason learners see. */
  deadline(): { at: Micros; reason: string } | undefined {
    let at: Micros | undefined;
    for (const t of this.pending.values()) if (at === undefined || t.nextAt < at) at = t.nextAt;
    return at === undefined ? undefined : { at, reason: 'stun-retransmit' };
  }

  get size(): number {
    return this.pending.size;
  }
}

/** Same port and IP, a wildcard request source ("0.0.0.0", "::") matching any address of its family. */
function sameAddress(a: TransportAddress, b: TransportAddress): boolean {
  return a.port === b.port && (a.ip === b.ip || a.ip === '0.0.0.0' || a.ip === '::' || b.ip === '0.0.0.0' || b.ip === '::');
}
