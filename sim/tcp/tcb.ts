import { tcpNote } from './notes.ts';
import { formatTransportAddress as fmt, type TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import type { TcpOption } from '../wire/tcp/options.ts';
import type { TcpFlagName } from '../wire/tcp/tcp.ts';
import { ReceiveBuffer, SendBuffer } from './buffers.ts';
import type { TcpConnection } from './connection.ts';
import { NewReno } from './newreno.ts';
import { RttEstimator } from './rtt.ts';
import { SackScoreboard } from './scoreboard.ts';
import { buildSegment } from './segment.ts';
import { seqAdd, seqDiff, seqGt } from './seq.ts';
import type { ConnectionOwner, TcpConnectionStats, TcpError, TcpState } from './types.ts';

export type TcbTimer = 'rto' | 'delack' | 'persist' | 'time-wait' | 'fin-wait-2';
const TIMER_REASON: Record<TcbTimer, string> = { rto: 'tcp-rto', delack: 'tcp-delack', persist: 'tcp-persist', 'time-wait': 'time-wait', 'fin-wait-2': 'tcp-fin-wait-2' };

/**
 * The transmission control block (RFC 9293 §3.3.1, §3.3.2): sequence spaces, negotiated options, buffers,
 * timers and state, with the primitives every part of the state machine uses: put a segment on the wire (window,
 * timestamps and SACK filled in), the receive window (§3.8.6.2.2), answers that change no state (RFC 5961
 * challenge ACKs, ACKs for unacceptable segments, RSTs) and state changes with their notes.
 * `sender.ts` adds the app side and output, `connection.ts` the arrival of segments.
 */
export abstract class Tcb {
  state: TcpState;
  readonly stats: TcpConnectionStats = { segmentsSent: 0, segmentsReceived: 0, bytesSent: 0, bytesReceived: 0, retransmissions: 0, fastRetransmits: 0, timeouts: 0, dupAcksReceived: 0, zeroWindowProbes: 0, challengeAcks: 0, outOfWindow: 0, sackRetransmits: 0 };
  /** Set once the connection ended badly. */
  error: TcpError | undefined;
  // send sequence space (RFC 9293 §3.3.1)
  readonly iss: number;
  sndUna: number;
  sndNxt: number;
  /** The highest sequence number sent so far, plus one (go-back-N after a timeout rewinds SND.NXT, not this). */
  sndMax: number;
  sndWnd = 0;
  protected sndWl1 = 0;
  protected sndWl2 = 0;
  protected maxSndWnd = 0;
  // receive sequence space
  irs = 0;
  rcvNxt = 0;
  /** RCV.NXT + RCV.WND as last advertised: never moved left (RFC 9293 §3.8.6.2.2). */
  protected rcvEdge = 0;
  protected lastAckSent = 0;
  protected peerFin: number | undefined;
  // negotiated options
  protected wsOk = false;
  protected sndShift = 0;
  protected rcvShift = 0;
  protected tsOk = false;
  protected sackOk = false;
  protected tsRecent = 0;
  protected readonly tsOffset: number;
  protected readonly ourMss: number;
  /** Effective send MSS: data bytes per full segment (RFC 9293 §3.7.1, RFC 6691). */
  effMss = 536;
  protected readonly sendBuf: SendBuffer;
  protected readonly recvBuf = new ReceiveBuffer();
  /** What the peer's SACK blocks say it holds above SND.UNA (RFC 6675 §3). */
  readonly scoreboard = new SackScoreboard();
  protected finQueued = false;
  /** Sequence number of our FIN once its place is known (after close). */
  protected finSeq: number | undefined;
  readonly rtt: RttEstimator;
  readonly cc: NewReno;
  /** Karn's algorithm: one timed segment, forgotten when anything is retransmitted. */
  protected timed: { end: number; at: Micros } | undefined;
  protected dupAcks = 0;
  protected retries = 0;
  protected probing = false;
  protected ackNow = false;
  protected unackedBytes = 0;
  protected wantWritable = false;
  protected lastInvalidAck = Number.NEGATIVE_INFINITY;
  protected readonly timers = new Map<TcbTimer, Micros>();
  /** Whether the app has called close() or abort(). */
  appClosed = false;
  /** TCP_NODELAY for this connection alone (what a browser or Node sets on a WebSocket): overrides the stack's `noDelay`. */
  noDelay: boolean | undefined;
  constructor(
    protected readonly owner: ConnectionOwner<TcpConnection>,
    readonly local: TransportAddress,
    readonly remote: TransportAddress,
    readonly passive: boolean,
    isn: number,
    tsOffset: number,
  ) {
    const c = owner.config;
    this.iss = isn >>> 0;
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.sndMax = this.iss;
    this.tsOffset = tsOffset >>> 0;
    this.ourMss = local.ip.includes(':') ? c.mss - 20 : c.mss;
    this.sendBuf = new SendBuffer(c.sendBuffer);
    this.rtt = new RttEstimator(c.initialRto, c.minRto, c.maxRto);
    this.cc = new NewReno(536, c.initialWindow);
    this.cc.recover = this.iss;
    this.state = passive ? 'LISTEN' : 'SYN-SENT';
  }

  get name(): string {
    return `${fmt(this.local)} ⇄ ${fmt(this.remote)}`;
  }

  /**
   * Data bytes the next segment may carry: the effective MSS less the SACK option it will carry when we hold
   * out-of-order data (RFC 6691 §2: the MSS counts no options; Linux's tcp_current_mss does the same), so a data
   * segment with SACK blocks still fits the path MTU.
   */
  protected currentMss(): number {
    if (!this.sackOk || !this.recvBuf.hasOutOfOrder) return this.effMss;
    const blocks = this.recvBuf.sackBlocks(this.tsOk ? 3 : 4).length;
    return blocks === 0 ? this.effMss : this.effMss - (4 + 8 * blocks);
  }

  /** Sequence number of the first data byte: just after our SYN. */
  protected dataStart(): number {
    return seqAdd(this.iss, 1);
  }

  protected bufferBase(): number {
    return seqGt(this.sndUna, this.dataStart()) ? this.sndUna : this.dataStart();
  }

  protected sendAck(now: Micros): void {
    this.send({ seq: this.sndNxt, ack: this.rcvNxt, flags: ['ACK'], window: 0, options: [] }, undefined, now);
  }

  /**
   * Puts a segment on the wire: fills in the advertised window and the timestamp and SACK options for
   * synchronized states, and clears the delayed ACK (every segment with ACK acknowledges everything).
   */
  protected send(s: { seq: number; ack: number; flags: TcpFlagName[]; window: number; options: TcpOption[] }, data?: Uint8Array, now?: Micros): void {
    let { window, options } = s;
    if (!s.flags.includes('SYN') && !s.flags.includes('RST')) {
      this.advanceWindow();
      // round up, never down: a scaled window must not pull the right edge back (RFC 7323 §2.4)
      const unit = 2 ** this.rcvShift;
      window = Math.min(0xffff, Math.ceil(Math.max(0, seqDiff(this.rcvEdge, this.rcvNxt)) / unit));
      this.rcvEdge = seqAdd(this.rcvNxt, window * unit);
      options = [];
      if (this.tsOk && now !== undefined) options.push({ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamps', tsval: this.tsval(now), tsecr: this.tsRecent });
      if (this.sackOk && this.recvBuf.hasOutOfOrder) {
        const blocks = this.recvBuf.sackBlocks(this.tsOk ? 3 : 4);
        options.push({ kind: 'nop' }, { kind: 'nop' }, { kind: 'sack', blocks });
      }
    }
    if (s.flags.includes('ACK')) {
      this.ackNow = false;
      this.unackedBytes = 0;
      this.lastAckSent = this.rcvNxt;
      this.disarm('delack');
    }
    this.stats.segmentsSent++;
    this.owner.transmit(this.local, this.remote, buildSegment(this.local, this.remote, { seq: s.seq, ack: s.ack, flags: s.flags, window, options, ...(data ? { data } : {}) }));
  }

  /** The receive window we could offer now: free buffer space, rounded down to the scale's granularity. */
  protected windowCandidate(): number {
    const free = Math.max(0, this.owner.config.receiveBuffer - this.recvBuf.readableBytes);
    return Math.min((free >>> this.rcvShift) << this.rcvShift, 0xffff << this.rcvShift);
  }

  /** Receiver SWS avoidance (RFC 9293 §3.8.6.2.2): grow the window only by min(buffer/2, MSS) or more. */
  protected canGrowWindow(growth: number): boolean {
    return growth >= Math.min(this.owner.config.receiveBuffer / 2, this.effMss);
  }

  protected advanceWindow(): void {
    const current = seqDiff(this.rcvEdge, this.rcvNxt);
    const candidate = this.windowCandidate();
    if (candidate > current && (this.canGrowWindow(candidate - current) || current < 0)) this.rcvEdge = seqAdd(this.rcvNxt, candidate);
    if (current < 0) this.rcvEdge = this.rcvNxt;
  }

  protected tsval(now: Micros): number {
    return (Math.floor(now / 1000) + this.tsOffset) >>> 0; // a 1 ms clock, as Linux's
  }

  /** An ACK for an unacceptable segment, at most one per invalidRateLimit (Linux's tcp_invalid_ratelimit). */
  protected invalidAck(now: Micros, why: string, rateLimited = true): void {
    if (rateLimited) {
      if (now - this.lastInvalidAck < this.owner.config.invalidRateLimit) return;
      this.lastInvalidAck = now;
    }
    this.owner.note(tcpNote('tcp.out-of-window', `${this.name}: ${why}; answered with an ACK`, { state: this.state }));
    this.sendAck(now);
  }

  /** RFC 5961 §3.2, §4.2, §5.2: an ACK that tells a genuine peer where we are, rate-limited stack-wide (§7). */
  protected challengeAck(now: Micros, why: string): void {
    if (!this.owner.allowChallengeAck(now)) {
      this.owner.note(tcpNote('tcp.challenge-ack-limited', `${this.name}: ${why}; challenge ACK suppressed (rate limit)`, {}));
      return;
    }
    this.stats.challengeAcks++;
    this.owner.note(tcpNote('tcp.challenge-ack', `${this.name}: ${why}; challenge ACK sent (RFC 5961)`, { state: this.state }));
    this.sendAck(now);
  }

  protected sendReset(seq: number, why: string): void {
    this.owner.note(tcpNote('tcp.reset-sent', `${this.name}: ${why}; RST sent`, {}));
    this.send({ seq, ack: 0, flags: ['RST'], window: 0, options: [] });
  }

  /** The earliest timer, for the stack's deadline. */
  nextTimer(): { at: Micros; reason: string } | undefined {
    let best: { at: Micros; reason: string } | undefined;
    for (const [t, at] of this.timers) if (!best || at < best.at) best = { at, reason: TIMER_REASON[t] };
    return best;
  }

  protected arm(t: TcbTimer, at: Micros): void {
    this.timers.set(t, at);
  }

  protected disarm(t: TcbTimer): void {
    this.timers.delete(t);
  }

  protected setState(next: TcpState, why: string): void {
    const prev = this.state;
    this.state = next;
    this.owner.note(tcpNote('tcp.state', `${this.name}: ${prev} → ${next} (${why})`, { from: prev, to: next, local: fmt(this.local), remote: fmt(this.remote) }));
  }

  protected enterTimeWait(now: Micros): void {
    this.setState('TIME-WAIT', 'both FINs acknowledged');
    for (const t of ['rto', 'persist', 'delack', 'fin-wait-2'] as const) this.disarm(t);
    this.arm('time-wait', now + this.owner.config.timeWait);
  }

  protected enterClosed(now: Micros, error: TcpError | undefined, reason: string): void {
    if (this.state === 'CLOSED') return;
    this.timers.clear();
    if (error) this.error = error;
    this.setState('CLOSED', reason);
    this.owner.event({ type: 'closed', connection: this.self(), ...(error ? { error } : {}), reason });
    this.owner.closed(this.self());
    void now;
  }

  /** The connection as its owner and its apps know it. */
  protected abstract self(): TcpConnection;
}
