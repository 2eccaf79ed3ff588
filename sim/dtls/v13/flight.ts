import type { Micros } from '../../core/time.ts';
import { ContentType } from '../../wire/handshake/names.ts';
import { encodeHandshakeFragment, HANDSHAKE_HEADER_SIZE } from '../../wire/dtls/handshake.ts';
import type { FragmentInput } from '../../wire/dtls/fragment.ts';
import type { DtlsConfig } from '../config.ts';
import { backoff } from '../flights.ts';
import { dtlsNote, type DtlsNote } from '../notes.ts';
import { packDatagrams } from '../record-layer.ts';
import { recordOverhead13, type RecordLayer13 } from './records.ts';

/**
 * DTLS 1.3 flights (RFC 9147 §5.8) and ACKs (§7): a flight is kept as whole messages; every transmission fragments
 * them to the MTU and numbers its records anew, remembering which record carried which message, so an ACK can
 * retire messages and a retransmission (on the timer, on the peer's retransmission, or right after a partial ACK,
 * §7.1) sends only what is not acknowledged. The peer's next flight acknowledges ours implicitly (§7.2). While the
 * rest of a peer flight is missing when the timer fires, an ACK of what did arrive is due instead (§7.1).
 */

export interface RecordNumber {
  readonly epoch: number;
  readonly seq: number;
}

export interface Piece13 {
  readonly epoch: number;
  readonly msgType: number;
  readonly messageSeq: number;
  readonly body: Uint8Array;
  readonly label: string;
}

interface Tracked {
  readonly piece: Piece13;
  acked: boolean;
  records: Set<string>;
}

export interface FlightHooks {
  transmit(bytes: Uint8Array): void;
  note(n: DtlsNote): void;
  giveUp(why: string): void;
  /** Path MTU discovery (sim/dtls/pmtu.ts): the datagram size now, and word of a timer retransmission about to go out. */
  mtu?(): number;
  beforeTimerRetransmit?(attempt: number): void;
}

const key = (r: RecordNumber): string => `${r.epoch}/${r.seq}`;

export class Flight13 {
  number: number | undefined;
  deadline: Micros | undefined;
  readonly stats = { flightsSent: 0, retransmissions: 0, datagramsSent: 0, acksSent: 0, bytesSent: 0 };
  private tracked: Tracked[] = [];
  private timer = false;
  private timeout: number;
  private retransmits = 0;
  private lastSentAt = -Infinity;
  /** Records that carried fresh handshake data of the peer's current flight (what an ACK would list). */
  readonly peerRecords: RecordNumber[] = [];

  constructor(
    private readonly config: DtlsConfig,
    private readonly records: RecordLayer13,
    private readonly hooks: FlightHooks,
  ) {
    this.timeout = config.initialTimeout;
  }

  send(now: Micros, n: number, pieces: readonly Piece13[], timer: boolean): void {
    this.number = n;
    this.tracked = pieces.map((piece) => ({ piece, acked: false, records: new Set() }));
    this.timer = timer;
    this.timeout = this.config.initialTimeout;
    this.retransmits = 0;
    this.peerRecords.length = 0;
    const sent = this.transmit(now);
    this.stats.flightsSent++;
    this.hooks.note(
      dtlsNote('dtls.flight.sent', `flight ${n} sent: ${pieces.map((p) => p.label).join(', ')} in ${sent.datagrams} datagram(s), ${sent.bytes} bytes`, {
        flight: n,
        messages: pieces.map((p) => p.label),
        datagrams: sent.datagrams,
        bytes: sent.bytes,
      }),
    );
    this.deadline = timer ? now + this.timeout : undefined;
  }

  get unacked(): number {
    return this.tracked.filter((t) => !t.acked).length;
  }

  /** A record of the peer's flight carried new handshake data. */
  peerRecord(r: RecordNumber): void {
    if (this.peerRecords.length < 64 && !this.peerRecords.some((p) => p.epoch === r.epoch && p.seq === r.seq)) this.peerRecords.push(r);
  }

  /** §7.2: the peer's next flight began, so ours arrived; the timer stays to ask for the rest of theirs. */
  implicitlyAcked(now: Micros): void {
    for (const t of this.tracked) t.acked = true;
    if (this.timer) this.deadline ??= now + this.timeout;
  }

  /** The handshake needs nothing more from this flight or the peer's. */
  finish(): void {
    this.deadline = undefined;
    this.timer = false;
    for (const t of this.tracked) t.acked = true;
  }

  stop(): void {
    this.finish();
    this.tracked = [];
  }

  /** §7.1: retire what the ACK covers; if part of the flight is left, send that part now. */
  onAck(now: Micros, acked: readonly RecordNumber[]): void {
    const keys = new Set(acked.map(key));
    let progress = false;
    for (const t of this.tracked) {
      if (t.acked) continue;
      for (const k of [...t.records]) if (keys.has(k)) t.records.delete(k);
      if (t.records.size === 0) {
        t.acked = true;
        progress = true;
      }
    }
    if (this.unacked === 0) {
      if (this.tracked.length > 0 && this.peerRecords.length === 0) this.deadline = undefined;
      return;
    }
    if (progress) this.retransmit(now, 'partial ACK');
  }

  /** The peer sent again what we already had: our answer was lost. At most once a quarter of the initial timeout. */
  onPeerRetransmit(now: Micros): boolean {
    if (this.unacked === 0 || now - this.lastSentAt < this.config.initialTimeout / 4) return false;
    this.retransmit(now, 'the peer retransmitted');
    return true;
  }

  /** 'ack-due' when the timer fired with our flight acknowledged but the peer's incomplete. */
  onTimeout(now: Micros): 'none' | 'retransmitted' | 'ack-due' {
    if (this.deadline === undefined || now < this.deadline) return 'none';
    if (this.retransmits >= this.config.maxRetransmits) {
      this.deadline = undefined;
      this.hooks.giveUp(`handshake timed out: flight ${this.number} unanswered after ${this.retransmits} retransmissions`);
      return 'none';
    }
    this.retransmits++;
    this.timeout = backoff(this.timeout, this.config.maxTimeout);
    this.deadline = now + this.timeout;
    if (this.unacked > 0) {
      // RFC 9147 §4.4, §5.8: repeated timeouts may mean the datagrams are too big; the hook may lower the size first
      this.hooks.beforeTimerRetransmit?.(this.retransmits);
      this.retransmit(now, `timer expired; next timeout ${this.timeout / 1000} ms`);
      return 'retransmitted';
    }
    return this.peerRecords.length > 0 ? 'ack-due' : 'none';
  }

  private retransmit(now: Micros, why: string): void {
    const sent = this.transmit(now);
    this.stats.retransmissions++;
    this.hooks.note(
      dtlsNote('dtls.flight.retransmit', `flight ${this.number} retransmitted, ${this.unacked} unacknowledged message(s) (${why})`, {
        flight: this.number ?? 0,
        trigger: why.startsWith('timer') ? 'timer' : 'peer-retransmit',
        attempt: this.retransmits,
        timeout: this.timeout,
        datagrams: sent.datagrams,
      }),
    );
  }

  /** Every (re)transmission cuts the unacknowledged messages anew at the datagram size in use now (RFC 9147 §4.4). */
  private transmit(now: Micros): { datagrams: number; bytes: number } {
    const mtu = this.hooks.mtu?.() ?? this.config.mtu;
    const out: Uint8Array[] = [];
    for (const t of this.tracked) {
      if (t.acked) continue;
      t.records.clear();
      const p = t.piece;
      const room = mtu - recordOverhead13(p.epoch) - HANDSHAKE_HEADER_SIZE;
      let off = 0;
      do {
        const part = p.body.subarray(off, Math.min(p.body.length, off + room));
        const frag = encodeHandshakeFragment(p.msgType, p.messageSeq, p.body.length, off, part);
        const sealed = this.records.seal(ContentType.handshake, p.epoch, frag);
        t.records.add(key({ epoch: p.epoch, seq: sealed.seq }));
        out.push(sealed.bytes);
        off += part.length;
      } while (off < p.body.length);
    }
    const datagrams = packDatagrams(out, mtu);
    let bytes = 0;
    for (const d of datagrams) {
      this.hooks.transmit(d);
      bytes += d.length;
    }
    this.stats.datagramsSent += datagrams.length;
    this.stats.bytesSent += bytes;
    this.lastSentAt = now;
    return { datagrams: datagrams.length, bytes };
  }
}

/** The handshake fragments of one record (RFC 9147 §5.2: the DTLS 12-byte header); undefined if malformed. */
export function readFragments(bytes: Uint8Array): FragmentInput[] | undefined {
  const out: FragmentInput[] = [];
  let p = 0;
  while (p < bytes.length) {
    if (bytes.length - p < HANDSHAKE_HEADER_SIZE) return undefined;
    const u24 = (o: number): number => (bytes[o]! << 16) | (bytes[o + 1]! << 8) | bytes[o + 2]!;
    const msgType = bytes[p]!;
    const length = u24(p + 1);
    const messageSeq = (bytes[p + 4]! << 8) | bytes[p + 5]!;
    const fragmentOffset = u24(p + 6);
    const fragmentLength = u24(p + 9);
    const start = p + HANDSHAKE_HEADER_SIZE;
    if (start + fragmentLength > bytes.length || fragmentOffset + fragmentLength > length) return undefined;
    out.push({ msgType, length, messageSeq, fragmentOffset, fragment: bytes.subarray(start, start + fragmentLength), offset: p });
    p = start + fragmentLength;
  }
  return out;
}

/** RFC 9147 §7: struct { RecordNumber record_numbers<2..2^16-2>; } ACK, RecordNumber { uint64 epoch; uint64 sequence_number; }. */
export function encodeAck(records: readonly RecordNumber[]): Uint8Array {
  const out = new Uint8Array(2 + 16 * records.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, 16 * records.length);
  records.forEach((r, i) => {
    v.setBigUint64(2 + 16 * i, BigInt(r.epoch));
    v.setBigUint64(10 + 16 * i, BigInt(r.seq));
  });
  return out;
}

export function decodeAck(bytes: Uint8Array): RecordNumber[] | undefined {
  if (bytes.length < 2) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = v.getUint16(0);
  if (len % 16 !== 0 || 2 + len !== bytes.length || len > 16 * 256) return undefined;
  const out: RecordNumber[] = [];
  for (let i = 0; i < len / 16; i++) {
    const epoch = v.getBigUint64(2 + 16 * i);
    const seq = v.getBigUint64(10 + 16 * i);
    if (epoch > 0xffffn || seq >= 2n ** 48n) continue;
    out.push({ epoch: Number(epoch), seq: Number(seq) });
  }
  return out;
}
