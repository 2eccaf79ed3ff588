import type { Micros } from '../core/time.ts';
import type { DataChunk, SackChunk } from '../wire/sctp/chunk.ts';
import { ssnAdd, tsnAdd, tsnLt, tsnLte } from './tsn.ts';

/**
 * The sending half of an association: TSN assignment and fragmentation (RFC 9260 §6.9), what is in flight, SACK
 * processing with gap blocks and fast retransmit (§6.2.1, §7.2.4), T3-rtx and the RTO (§6.3), the congestion
 * window and slow start / congestion avoidance (§7.2), the peer's window (§6.1), and partial reliability (RFC 3758:
 * messages given up after a number of retransmissions or a lifetime, and the FORWARD-TSN that skips them).
 */

/** RFC 3758 §3.5 / RFC 8831 §6.4: how hard a message is tried. */
export interface SendPolicy {
  readonly unordered?: boolean;
  readonly maxRetransmits?: number;
  /** ms after it was queued. */
  readonly maxLifetime?: number;
}

interface Outgoing {
  readonly chunk: DataChunk;
  readonly message: number;
  readonly policy: SendPolicy;
  readonly queuedAt: Micros;
  sent: boolean;
  /** In flight: sent and neither acked nor marked for retransmission. */
  inFlight: boolean;
  gapAcked: boolean;
  abandoned: boolean;
  retransmit: 'no' | 't3-rtx' | 'fast';
  /** §7.2.4 step 3: a chunk is fast-retransmitted once; after that only T3-rtx sends it again. */
  fastDone: boolean;
  sends: number;
  sentAt: Micros;
  misses: number;
}

export interface RtoConfig {
  /** RFC 9260 §16 defaults: RTO.Initial 1 s, RTO.Min 1 s, RTO.Max 60 s (µs here). */
  readonly initial: Micros;
  readonly min: Micros;
  readonly max: Micros;
}

export type SenderEvent =
  | { readonly kind: 'retransmit'; readonly why: 't3-rtx' | 'fast'; readonly tsns: number[] }
  | { readonly kind: 'abandoned'; readonly streamId: number; readonly tsns: number[]; readonly policy: 'max-retransmits' | 'max-lifetime'; readonly bytes: number }
  | { readonly kind: 'resplit'; readonly mtu: number; readonly messages: number; readonly before: number; readonly after: number; readonly firstTsn: number };

export class Sender {
  nextTsn: number;
  /** The peer's cumulative TSN ack (§6.2.1). */
  cumulativeAck: number;
  /** RFC 3758 §3.5: the Advanced.Peer.Ack.Point. */
  advancedPeerAckPoint: number;
  cwnd: number;
  ssthresh: number;
  peerRwnd: number;
  private partialBytesAcked = 0;
  private flightSize = 0;
  srtt: Micros | undefined;
  private rttvar: Micros = 0;
  rto: Micros;
  /** The T3-rtx deadline, when data is outstanding. */
  t3At: Micros | undefined;
  /** Consecutive T3-rtx expiries without new data acknowledged (§8.1 error counter). */
  errorCount = 0;
  private readonly out: Outgoing[] = [];
  private readonly ssn = new Map<number, number>();
  private messages = 0;
  queuedBytes = 0;
  readonly events: SenderEvent[] = [];
  /** Set when a FORWARD-TSN is owed (RFC 3758 §3.5 C). */
  forwardTsnDue = false;
  private fastRecoveryExit: number | undefined;
  /** Counters for the summary. */
  retransmissions = 0;
  abandonedMessages = 0;
  /** One RTT measurement at a time (§6.3.1 C4: not on retransmitted chunks). */
  private rttTsn: number | undefined;

  constructor(
    initialTsn: number,
    peerRwnd: number,
    /** The largest packet; PLPMTUD (plpmtud.ts) changes it with `setMtu` as the path's is learnt. */
    public mtu: number,
    readonly rtoConfig: RtoConfig,
    readonly maxQueued: number,
  ) {
    this.nextTsn = initialTsn;
    this.cumulativeAck = tsnAdd(initialTsn, -1);
    this.advancedPeerAckPoint = this.cumulativeAck;
    // §7.2.1: initial cwnd = min(4*MTU, max(2*MTU, 4380)); ssthresh from the peer's a_rwnd
    this.cwnd = Math.min(4 * mtu, Math.max(2 * mtu, 4380));
    this.ssthresh = peerRwnd;
    this.peerRwnd = peerRwnd;
    this.rto = rtoConfig.initial;
  }

  /** The largest user data a DATA chunk carries in one packet (common header 12, DATA header 16). */
  get maxFragment(): number {
    return this.mtu - 12 - 16;
  }

  /** Queues a message, fragmented (§6.9). False when the queue bound (bytes not yet acknowledged) would be passed. */
  enqueue(now: Micros, streamId: number, ppid: number, bytes: Uint8Array, policy: SendPolicy): boolean {
    if (this.queuedBytes + bytes.length > this.maxQueued) return false;
    const unordered = policy.unordered ?? false;
    const ssn = unordered ? 0 : (this.ssn.get(streamId) ?? 0);
    if (!unordered) this.ssn.set(streamId, ssnAdd(ssn, 1));
    const message = this.messages++;
    const n = Math.max(1, Math.ceil(bytes.length / this.maxFragment));
    for (let i = 0; i < n; i++) {
      const userData = bytes.subarray(i * this.maxFragment, Math.min(bytes.length, (i + 1) * this.maxFragment));
      const chunk: DataChunk = { kind: 'DATA', unordered, beginning: i === 0, ending: i === n - 1, tsn: this.nextTsn, streamId, ssn, ppid, userData };
      this.nextTsn = tsnAdd(this.nextTsn, 1);
      this.out.push({ chunk, message, policy, queuedAt: now, sent: false, inFlight: false, gapAcked: false, abandoned: false, retransmit: 'no', fastDone: false, sends: 0, sentAt: 0, misses: 0 });
    }
    this.queuedBytes += bytes.length;
    return true;
  }

  /**
   * A new largest packet (PLPMTUD). When it is smaller, every piece not yet sent is cut again to fit, the unsent rest
   * of a partly sent message included, and the TSNs of those pieces given anew from the first of them: the peer has
   * seen none of them, so a TSN is in effect given when a piece first leaves (as Linux's SCTP assigns it). A piece
   * already sent keeps its TSN and its size: RFC 9260 §6.9 forbids cutting it again and says IP fragmentation MUST
   * carry it (take() sends it alone, and the association asks for DF clear).
   */
  setMtu(mtu: number): void {
    const smaller = mtu < this.mtu;
    this.mtu = mtu;
    if (!smaller) return;
    let k = this.out.length;
    while (k > 0 && !this.out[k - 1]!.sent && !this.out[k - 1]!.abandoned) k--;
    const tail = this.out.splice(k);
    if (!tail.length || tail.every((o) => o.chunk.userData.length <= this.maxFragment)) {
      this.out.push(...tail);
      return;
    }
    let tsn = tail[0]!.chunk.tsn;
    const before = tail.length;
    const messages = new Set<number>();
    for (let i = 0; i < tail.length; ) {
      let j = i;
      while (j < tail.length && tail[j]!.message === tail[i]!.message) j++;
      const first = tail[i]!;
      const last = tail[j - 1]!;
      messages.add(first.message);
      const bytes = concat(tail.slice(i, j).map((o) => o.chunk.userData));
      const n = Math.max(1, Math.ceil(bytes.length / this.maxFragment));
      for (let f = 0; f < n; f++) {
        const userData = bytes.subarray(f * this.maxFragment, Math.min(bytes.length, (f + 1) * this.maxFragment));
        // the first piece begins the message only if it did; the unsent rest of a started message stays a middle
        const chunk: DataChunk = { ...first.chunk, beginning: f === 0 && first.chunk.beginning, ending: f === n - 1 && last.chunk.ending, tsn, userData };
        tsn = tsnAdd(tsn, 1);
        this.out.push({ ...first, chunk });
      }
      i = j;
    }
    this.nextTsn = tsn;
    this.events.push({ kind: 'resplit', mtu, messages: messages.size, before, after: this.out.length - k, firstTsn: tail[0]!.chunk.tsn });
  }

  /** RFC 6525 §5.2.2: a reset outgoing stream starts its SSNs at 0 again. */
  resetStream(streamId: number): void {
    this.ssn.delete(streamId);
  }

  /** Whether data is queued, in flight or waiting to be retransmitted. */
  get busy(): boolean {
    return this.out.length > 0;
  }

  /** Whether anything is waiting to be sent or retransmitted (not only in flight). */
  hasWork(): boolean {
    return this.out.some((o) => !o.abandoned && !o.gapAcked && (!o.sent || o.retransmit !== 'no'));
  }

  /** Lifetimes run out (RFC 3758 §3.5 A3: checked before sending). */
  private expire(now: Micros): void {
    for (const o of this.out) {
      if (!o.abandoned && o.policy.maxLifetime !== undefined && now - o.queuedAt > o.policy.maxLifetime * 1000 && !o.gapAcked) this.abandon(o.message, 'max-lifetime');
    }
  }

  private abandon(message: number, policy: 'max-retransmits' | 'max-lifetime'): void {
    const tsns: number[] = [];
    let bytes = 0;
    let streamId = 0;
    for (const o of this.out) {
      if (o.message !== message || o.abandoned) continue;
      o.abandoned = true;
      if (o.inFlight) this.flightSize -= o.chunk.userData.length;
      o.inFlight = false;
      o.retransmit = 'no';
      tsns.push(o.chunk.tsn);
      bytes += o.chunk.userData.length;
      streamId = o.chunk.streamId;
    }
    if (!tsns.length) return;
    this.abandonedMessages++;
    this.events.push({ kind: 'abandoned', streamId, tsns, policy, bytes });
    this.advanceAckPoint();
  }

  /**
   * The DATA chunks to send now, in TSN order, at most `room` bytes of chunks: chunks marked for retransmission
   * first (fast retransmit ignores cwnd for one packet, §7.2.4 step 3), then new ones while the congestion window
   * and the peer's window allow (§6.1 A, B; with a zero window one chunk probes when nothing is in flight).
   */
  take(now: Micros, room: number): DataChunk[] {
    this.expire(now);
    const picked: DataChunk[] = [];
    let used = 0;
    const fits = (o: Outgoing): boolean => used + 16 + ((o.chunk.userData.length + 3) & ~3) <= room;
    for (const o of this.out) {
      if (o.retransmit === 'no' || o.abandoned || o.gapAcked) continue;
      if (o.retransmit === 't3-rtx' && this.flightSize >= this.cwnd) break;
      if (!fits(o) && !(picked.length === 0 && used === 0 && room >= this.mtu - 12)) break;
      if (o.policy.maxRetransmits !== undefined && o.sends > o.policy.maxRetransmits) {
        this.abandon(o.message, 'max-retransmits');
        continue;
      }
      o.retransmit = 'no';
      this.sendOne(now, o, picked);
      used += 16 + ((o.chunk.userData.length + 3) & ~3);
    }
    for (const o of this.out) {
      if (o.sent || o.abandoned) continue;
      if (this.flightSize >= this.cwnd) break;
      if (this.flightSize > 0 && o.chunk.userData.length > this.peerRwnd) break;
      // a fragment made before the path MTU shrank (PLPMTUD) has its TSN: it goes alone, larger than the packet size,
      // rather than never (RFC 9260 §6.9 fragments once; RFC 8899 §6.2 leaves resegmenting to new messages)
      if (!fits(o) && !(picked.length === 0 && used === 0 && room >= this.mtu - 12)) break;
      this.sendOne(now, o, picked);
      used += 16 + ((o.chunk.userData.length + 3) & ~3);
    }
    if (picked.length && this.t3At === undefined) this.t3At = now + this.rto;
    return picked;
  }

  private sendOne(now: Micros, o: Outgoing, picked: DataChunk[]): void {
    if (o.sent) this.retransmissions++;
    else if (this.rttTsn === undefined) this.rttTsn = o.chunk.tsn;
    if (o.sent && this.rttTsn === o.chunk.tsn) this.rttTsn = undefined; // Karn: no sample from a retransmission
    o.sent = true;
    o.sends++;
    o.sentAt = now;
    o.inFlight = true;
    o.misses = 0;
    this.flightSize += o.chunk.userData.length;
    this.peerRwnd = Math.max(0, this.peerRwnd - o.chunk.userData.length);
    picked.push(o.chunk);
  }

  /** §6.3.1: a new RTT measurement updates SRTT, RTTVAR and the RTO (integer µs, alpha 1/8, beta 1/4). */
  private measure(r: Micros): void {
    if (this.srtt === undefined) {
      this.srtt = r;
      this.rttvar = Math.floor(r / 2);
    } else {
      this.rttvar = Math.floor((3 * this.rttvar + Math.abs(this.srtt - r)) / 4);
      this.srtt = Math.floor((7 * this.srtt + r) / 8);
    }
    this.rto = Math.min(this.rtoConfig.max, Math.max(this.rtoConfig.min, this.srtt + Math.max(4 * this.rttvar, 1000)));
  }

  /** A SACK (§6.2.1, §7.2). Returns false when it is older than what was acknowledged already (ignored). */
  sack(now: Micros, s: SackChunk): boolean {
    if (tsnLt(s.cumulativeTsnAck, this.cumulativeAck)) return false;
    // a cumulative ack beyond anything sent is a protocol violation the association reports; ignore it here
    if (!tsnLt(s.cumulativeTsnAck, this.nextTsn)) return false;
    let acked = 0;
    const cumAdvanced = tsnLt(this.cumulativeAck, s.cumulativeTsnAck);
    let highestNewlyAcked: number | undefined;
    const wasFull = this.flightSize >= this.cwnd;
    for (const o of this.out) {
      const tsn = o.chunk.tsn;
      let ackedNow = false;
      if (tsnLte(tsn, s.cumulativeTsnAck)) ackedNow = true;
      else {
        const off = (tsn - s.cumulativeTsnAck) >>> 0;
        const inGap = s.gapBlocks.some((g) => off >= g.start && off <= g.end);
        if (inGap && !o.gapAcked) {
          o.gapAcked = true;
          ackedNow = o.sent;
        } else if (!inGap && o.gapAcked) o.gapAcked = false; // §6.2.1: a renege
      }
      if (ackedNow && (o.inFlight || o.retransmit !== 'no')) {
        if (o.inFlight) {
          this.flightSize -= o.chunk.userData.length;
          acked += o.chunk.userData.length;
        }
        o.inFlight = false;
        o.retransmit = 'no';
        highestNewlyAcked = tsn;
        if (this.rttTsn === tsn && o.sends === 1) {
          this.measure(now - o.sentAt);
          this.rttTsn = undefined;
        }
      }
    }
    if (this.rttTsn !== undefined && tsnLte(this.rttTsn, s.cumulativeTsnAck)) this.rttTsn = undefined;
    // drop what the cumulative ack covers
    while (this.out.length && tsnLte(this.out[0]!.chunk.tsn, s.cumulativeTsnAck)) {
      this.queuedBytes -= this.out.shift()!.chunk.userData.length;
    }
    this.cumulativeAck = s.cumulativeTsnAck;
    if (tsnLt(this.advancedPeerAckPoint, this.cumulativeAck)) this.advancedPeerAckPoint = this.cumulativeAck;
    // §7.2.4: miss indications for chunks below the highest TSN newly acknowledged
    if (highestNewlyAcked !== undefined && s.gapBlocks.length) {
      const fast: number[] = [];
      for (const o of this.out) {
        if (!tsnLt(o.chunk.tsn, highestNewlyAcked)) break;
        if (!o.inFlight || o.gapAcked || o.abandoned || o.fastDone) continue;
        if (++o.misses === 3) {
          o.retransmit = 'fast';
          o.fastDone = true;
          o.inFlight = false;
          this.flightSize -= o.chunk.userData.length;
          fast.push(o.chunk.tsn);
        }
      }
      if (fast.length) {
        // §7.2.4 step 2: once per window (fast recovery)
        if (this.fastRecoveryExit === undefined || !tsnLt(this.cumulativeAck, this.fastRecoveryExit)) {
          this.ssthresh = Math.max(Math.floor(this.cwnd / 2), 4 * this.mtu);
          this.cwnd = this.ssthresh;
          this.partialBytesAcked = 0;
          this.fastRecoveryExit = tsnAdd(this.nextTsn, -1);
        }
        this.events.push({ kind: 'retransmit', why: 'fast', tsns: fast });
      }
    }
    if (this.fastRecoveryExit !== undefined && tsnLte(this.fastRecoveryExit, this.cumulativeAck)) this.fastRecoveryExit = undefined;
    // §7.2.1 slow start and §7.2.2 congestion avoidance, only on a cumulative ack advance with a full window
    if (cumAdvanced && acked > 0 && this.fastRecoveryExit === undefined) {
      if (this.cwnd <= this.ssthresh) {
        if (wasFull) this.cwnd += Math.min(acked, this.mtu);
      } else {
        this.partialBytesAcked += acked;
        if (this.partialBytesAcked >= this.cwnd && wasFull) {
          this.partialBytesAcked -= this.cwnd;
          this.cwnd += this.mtu;
        }
      }
    }
    if (cumAdvanced) this.errorCount = 0;
    // §6.2.1 D iv: the peer's window less what is still in flight
    this.peerRwnd = Math.max(0, s.arwnd - this.flightSize);
    // §6.3.2 R2, R3: stop T3-rtx when nothing is outstanding, restart it when the earliest outstanding was acked
    if (this.flightSize <= 0) {
      this.flightSize = 0;
      this.t3At = this.hasWork() ? this.t3At : undefined;
      if (!this.out.some((o) => o.inFlight)) this.t3At = undefined;
    } else if (cumAdvanced) this.t3At = now + this.rto;
    this.advanceAckPoint();
    return true;
  }

  /** RFC 3758 §3.5 C1: move the Advanced.Peer.Ack.Point over abandoned chunks just after it. */
  private advanceAckPoint(): void {
    let moved = false;
    while (this.out.length) {
      const o = this.out.find((x) => x.chunk.tsn === tsnAdd(this.advancedPeerAckPoint, 1));
      if (!o || !o.abandoned) break;
      this.advancedPeerAckPoint = o.chunk.tsn;
      moved = true;
    }
    if (moved || tsnLt(this.cumulativeAck, this.advancedPeerAckPoint)) this.forwardTsnDue = tsnLt(this.cumulativeAck, this.advancedPeerAckPoint);
  }

  /**
   * RFC 3758 §3.2: the FORWARD-TSN fields: the new cumulative TSN and, per ordered stream, its last skipped SSN. A
   * FORWARD-TSN sent keeps T3-rtx running (§3.5 C5), so one lost with no DATA after it is sent again (A5).
   */
  forwardTsn(now: Micros): { newCumulativeTsn: number; streams: { streamId: number; ssn: number }[] } {
    const last = new Map<number, number>();
    for (const o of this.out) {
      if (!tsnLte(o.chunk.tsn, this.advancedPeerAckPoint)) break;
      if (!o.chunk.unordered) last.set(o.chunk.streamId, o.chunk.ssn);
    }
    this.forwardTsnDue = false;
    this.t3At ??= now + this.rto;
    return { newCumulativeTsn: this.advancedPeerAckPoint, streams: [...last].map(([streamId, ssn]) => ({ streamId, ssn })) };
  }

  /**
   * T3-rtx expiry (§6.3.3): back off the RTO, cut cwnd to one MTU, mark everything outstanding for retransmission;
   * messages whose policy is spent are given up (RFC 3758 §3.5 A2).
   */
  t3Expired(now: Micros): void {
    this.t3At = undefined;
    this.errorCount++;
    this.ssthresh = Math.max(Math.floor(this.cwnd / 2), 4 * this.mtu);
    this.cwnd = this.mtu;
    this.partialBytesAcked = 0;
    this.fastRecoveryExit = undefined;
    this.rto = Math.min(this.rtoConfig.max, this.rto * 2);
    this.rttTsn = undefined;
    const tsns: number[] = [];
    for (const o of this.out) {
      if (!o.inFlight) continue;
      o.inFlight = false;
      o.retransmit = 't3-rtx';
      tsns.push(o.chunk.tsn);
    }
    this.flightSize = 0;
    for (const o of this.out) {
      if (o.retransmit !== 'no' && !o.abandoned && o.policy.maxRetransmits !== undefined && o.sends > o.policy.maxRetransmits) this.abandon(o.message, 'max-retransmits');
    }
    this.expire(now);
    // §3.5 A5, C3: the peer has not acknowledged the Advanced.Peer.Ack.Point yet: FORWARD-TSN again
    if (tsnLt(this.cumulativeAck, this.advancedPeerAckPoint)) this.forwardTsnDue = true;
    const still = tsns.filter((t) => this.out.some((o) => o.chunk.tsn === t && !o.abandoned));
    if (still.length) this.events.push({ kind: 'retransmit', why: 't3-rtx', tsns: still });
    if (this.forwardTsnDue || still.length) this.t3At = now + this.rto;
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
