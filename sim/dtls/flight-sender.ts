import { dtlsNote, type DtlsNote } from './notes.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { fragmentHandshakeBody } from '../wire/dtls/fragment.ts';
import { HANDSHAKE_HEADER_SIZE } from '../wire/dtls/handshake.ts';
import { ContentType } from '../wire/handshake/names.ts';
import { encodeRecord } from '../wire/dtls/record.ts';
import type { DtlsConfig } from './config.ts';
import { backoff, type FlightNumber, type FlightSpec, type FlightState } from './flights.ts';
import { packDatagrams, recordOverhead, type RecordLayer } from './record-layer.ts';

/** One message of a flight, kept whole so every (re)transmission can fragment it and number its records anew. */
export interface FlightPiece {
  readonly contentType: number;
  /** The epoch it was first sent in: a retransmission keeps it (RFC 6347 §4.2.4). */
  readonly epoch: number;
  /** For handshake messages, the whole message with its unfragmented 12-byte header. */
  readonly bytes: Uint8Array;
  readonly label: string;
}

export interface SenderHooks {
  transmit(bytes: Uint8Array): void;
  transmitTo(bytes: Uint8Array, to: TransportAddress): void;
  note(n: DtlsNote): void;
  fail(reason: string): void;
  /** Path MTU discovery (pmtu.ts): the datagram size to use now, and word of a timer retransmission about to go out. */
  mtu?(): number;
  beforeTimerRetransmit?(attempt: number): void;
}

/**
 * Sends flights and retransmits them (RFC 6347 §4.2.4): on the timer (1 s, doubling, capped) while waiting for
 * the answer, or when the peer retransmits its own last flight. Each transmission fragments the handshake
 * messages to the path MTU (§4.2.3), gives every record a fresh sequence number and packs records into datagrams.
 */
export class FlightSender {
  state: FlightState = 'preparing';
  flightNumber: FlightNumber | undefined;
  deadline: Micros | undefined;
  private pieces: FlightPiece[] = [];
  private mode: FlightSpec['retransmit'] = 'never';
  private timeout: number;
  private retransmits = 0;
  private lastSentAt = -Infinity;
  readonly stats = { flightsSent: 0, retransmissions: 0, datagramsSent: 0 };

  constructor(
    private readonly config: DtlsConfig,
    private readonly records: RecordLayer,
    private readonly hooks: SenderHooks,
  ) {
    this.timeout = config.initialTimeout;
  }

  send(now: Micros, n: FlightNumber, pieces: FlightPiece[], mode: FlightSpec['retransmit']): void {
    this.flightNumber = n;
    this.pieces = pieces;
    this.mode = mode;
    this.retransmits = 0;
    this.timeout = this.config.initialTimeout;
    this.state = 'sending';
    const sent = this.transmitFlight(now);
    this.stats.flightsSent++;
    this.hooks.note(
      dtlsNote('dtls.flight.sent', `flight ${n} sent: ${pieces.map((p) => p.label).join(', ')} in ${sent.datagrams} datagram(s), ${sent.bytes} bytes`, {
        flight: n,
        messages: pieces.map((p) => p.label),
        datagrams: sent.datagrams,
        bytes: sent.bytes,
      }),
    );
    if (mode === 'timer') {
      this.state = 'waiting';
      this.deadline = now + this.timeout;
    } else {
      this.state = 'finished';
      this.deadline = undefined;
    }
  }

  /** A flight answered statelessly (the HelloVerifyRequest): one record with a given sequence number, never retransmitted. */
  sendStateless(now: Micros, n: FlightNumber, piece: FlightPiece, recordSeq: number, version: number, to: TransportAddress): void {
    const bytes = encodeRecord({ contentType: piece.contentType, version, epoch: 0, sequenceNumber: recordSeq, fragment: piece.bytes });
    this.hooks.transmitTo(bytes, to);
    this.stats.flightsSent++;
    this.stats.datagramsSent++;
    this.hooks.note(
      dtlsNote('dtls.flight.sent', `flight ${n} sent: ${piece.label} (stateless, not retransmitted: RFC 6347 §4.2.1)`, {
        flight: n,
        messages: [piece.label],
        datagrams: 1,
        bytes: bytes.length,
        at: now,
      }),
    );
  }

  onTimeout(now: Micros): void {
    if (this.deadline === undefined || now < this.deadline) return;
    if (this.retransmits >= this.config.maxRetransmits) {
      this.deadline = undefined;
      this.hooks.fail(`handshake timed out: flight ${this.flightNumber} unanswered after ${this.retransmits} retransmissions`);
      return;
    }
    this.retransmits++;
    this.timeout = backoff(this.timeout, this.config.maxTimeout);
    this.hooks.beforeTimerRetransmit?.(this.retransmits);
    this.retransmit(now, 'timer');
    this.deadline = now + this.timeout;
  }

  /** RFC 6347 §4.2.4: a retransmitted peer flight means ours was lost. At most once per quarter initial timeout. */
  onPeerRetransmit(now: Micros): void {
    if (this.pieces.length === 0 || this.mode === 'never') return;
    if (this.state === 'finished' && this.mode !== 'on-peer-retransmit') return;
    if (now - this.lastSentAt < this.config.initialTimeout / 4) return;
    this.retransmit(now, 'peer-retransmit');
  }

  /** A new message of the peer's next flight arrived. */
  onPeerProgress(): void {
    if (this.state === 'waiting') this.state = 'preparing';
  }

  /** The handshake is over: no more timer; the last flight stays for peer-triggered retransmission. */
  finish(): void {
    this.deadline = undefined;
    this.state = 'finished';
  }

  stop(): void {
    this.deadline = undefined;
    this.pieces = [];
    this.state = 'finished';
  }

  private retransmit(now: Micros, trigger: 'timer' | 'peer-retransmit'): void {
    const sent = this.transmitFlight(now);
    this.stats.retransmissions++;
    const why = trigger === 'timer' ? `timer expired; next timeout ${this.timeout / 1000} ms` : 'the peer retransmitted its flight';
    this.hooks.note(
      dtlsNote('dtls.flight.retransmit', `flight ${this.flightNumber} retransmitted (${why})`, {
        flight: this.flightNumber ?? 0,
        trigger,
        attempt: this.retransmits,
        timeout: this.timeout,
        datagrams: sent.datagrams,
      }),
    );
  }

  private transmitFlight(now: Micros): { datagrams: number; bytes: number } {
    const mtu = this.hooks.mtu?.() ?? this.config.mtu;
    const records: Uint8Array[] = [];
    for (const p of this.pieces) {
      if (p.contentType !== ContentType.handshake) {
        records.push(this.records.seal(p.contentType, p.epoch, p.bytes));
        continue;
      }
      const msgType = p.bytes[0]!;
      const messageSeq = (p.bytes[4]! << 8) | p.bytes[5]!;
      const body = p.bytes.subarray(HANDSHAKE_HEADER_SIZE);
      for (const frag of fragmentHandshakeBody(msgType, messageSeq, body, mtu - recordOverhead(p.epoch))) {
        records.push(this.records.seal(ContentType.handshake, p.epoch, frag));
      }
    }
    const datagrams = packDatagrams(records, mtu);
    let bytes = 0;
    for (const d of datagrams) {
      this.hooks.transmit(d);
      bytes += d.length;
    }
    this.stats.datagramsSent += datagrams.length;
    this.lastSentAt = now;
    return { datagrams: datagrams.length, bytes };
  }
}
