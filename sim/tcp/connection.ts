import { formatTransportAddress as fmt, type TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { formatDuration } from '../core/time.ts';
import type { TcpOption } from '../wire/tcp/options.ts';
import type { TcpFlagName } from '../wire/tcp/tcp.ts';
import { ReceiveBuffer, SendBuffer } from './buffers.ts';
import type { TcpConfig } from './config.ts';
import { NewReno } from './newreno.ts';
import { RttEstimator } from './rtt.ts';
import { buildSegment, segLen, type Segment } from './segment.ts';
import { seqAdd, seqDiff, seqGe, seqGt, seqInRange, seqLe, seqLt, seqMax } from './seq.ts';
import type { ConnectionOwner, TcpConnectionStats, TcpError, TcpState } from './types.ts';

type Timer = 'rto' | 'delack' | 'persist' | 'time-wait' | 'fin-wait-2';
const TIMER_REASON: Record<Timer, string> = { rto: 'tcp-rto', delack: 'tcp-delack', persist: 'tcp-persist', 'time-wait': 'time-wait', 'fin-wait-2': 'tcp-fin-wait-2' };

/**
 * One TCP connection: the transmission control block and its state machine (RFC 9293 §3.3, §3.10), with
 * RFC 6298 retransmission, RFC 5681/6582 congestion control, RFC 7323 window scaling and timestamps, RFC 2018 SACK
 * blocks on the receive side and RFC 5961 challenge ACKs. Driven by its stack: `segmentArrives`, `onTimer`,
 * `output`; apps use `write`, `read`, `close`, `abort`.
 */
export class TcpConnection {
  state: TcpState;
  readonly stats: TcpConnectionStats = { segmentsSent: 0, segmentsReceived: 0, bytesSent: 0, bytesReceived: 0, retransmissions: 0, fastRetransmits: 0, timeouts: 0, dupAcksReceived: 0, zeroWindowProbes: 0, challengeAcks: 0, outOfWindow: 0 };
  /** Set once the connection ended badly. */
  error: TcpError | undefined;

  // send sequence space (RFC 9293 §3.3.1)
  readonly iss: number;
  sndUna: number;
  sndNxt: number;
  /** The highest sequence number sent so far, plus one (go-back-N after a timeout rewinds SND.NXT, not this). */
  sndMax: number;
  sndWnd = 0;
  private sndWl1 = 0;
  private sndWl2 = 0;
  private maxSndWnd = 0;
  // receive sequence space
  irs = 0;
  rcvNxt = 0;
  /** RCV.NXT + RCV.WND as last advertised: never moved left (RFC 9293 §3.8.6.2.2). */
  private rcvEdge = 0;
  private lastAckSent = 0;
  private peerFin: number | undefined;

  // negotiated options
  private wsOk = false;
  private sndShift = 0;
  private rcvShift = 0;
  private tsOk = false;
  private sackOk = false;
  private tsRecent = 0;
  private readonly tsOffset: number;
  private readonly ourMss: number;
  /** Effective send MSS: data bytes per full segment (RFC 9293 §3.7.1, RFC 6691). */
  effMss = 536;

  private readonly sendBuf: SendBuffer;
  private readonly recvBuf = new ReceiveBuffer();
  private finQueued = false;
  /** Sequence number of our FIN once its place is known (after close). */
  private finSeq: number | undefined;
  readonly rtt: RttEstimator;
  readonly cc: NewReno;
  /** Karn's algorithm: one timed segment, forgotten when anything is retransmitted. */
  private timed: { end: number; at: Micros } | undefined;
  private dupAcks = 0;
  private retries = 0;
  private probing = false;
  private ackNow = false;
  private unackedBytes = 0;
  private wantWritable = false;
  private lastInvalidAck = Number.NEGATIVE_INFINITY;
  private readonly timers = new Map<Timer, Micros>();
  /** Whether the app has called close() or abort(). */
  appClosed = false;

  constructor(
    private readonly owner: ConnectionOwner<TcpConnection>,
    readonly local: TransportAddress,
    readonly remote: TransportAddress,
    readonly passive: boolean,
    isn: number,
    tsOffset: number,
    now: Micros,
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
    void now;
  }

  get name(): string {
    return `${fmt(this.local)} ⇄ ${fmt(this.remote)}`;
  }

  // ---------------------------------------------------------------- app side

  /** Queues bytes to send; returns how many fit in the send buffer ('writable' follows when space frees up). */
  write(data: Uint8Array): number {
    if (this.finQueued || !['SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT'].includes(this.state)) return 0;
    const n = this.sendBuf.append(data);
    if (n < data.length) this.wantWritable = true;
    return n;
  }

  /** Bytes waiting in the send buffer (unacknowledged or unsent). */
  get buffered(): number {
    return this.sendBuf.length;
  }

  /** In-order bytes ready to read. */
  get readable(): number {
    return this.recvBuf.readableBytes;
  }

  /** Takes up to `max` received bytes; reading frees receive window, which may send a window update. */
  read(max = Number.MAX_SAFE_INTEGER): Uint8Array {
    const out = this.recvBuf.read(max);
    if (out.length > 0 && this.rcvEdge !== 0) {
      const before = seqDiff(this.rcvEdge, this.rcvNxt);
      const after = this.windowCandidate();
      // send a window update when the window opens from (nearly) closed or doubles (SWS-avoided, §3.8.6.2.2)
      if (after > before && (before < 2 * this.effMss || after >= 2 * before) && this.canGrowWindow(after - before)) this.ackNow = true;
    }
    return out;
  }

  /** RFC 9293 §3.10.4 CLOSE: a FIN follows the queued data. */
  close(now: Micros): void {
    this.appClosed = true;
    switch (this.state) {
      case 'SYN-SENT':
      case 'LISTEN':
        this.enterClosed(now, undefined, 'closed before the handshake finished');
        return;
      case 'SYN-RECEIVED':
      case 'ESTABLISHED':
      case 'CLOSE-WAIT':
        if (!this.finQueued) {
          this.finQueued = true;
          this.finSeq = seqAdd(this.bufferBase(), this.sendBuf.length);
        }
        return;
      default:
        return;
    }
  }

  /** RFC 9293 §3.10.5 ABORT: a RST, and the connection is gone at once. */
  abort(now: Micros): void {
    this.appClosed = true;
    if (['SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT'].includes(this.state)) {
      this.send({ seq: this.sndNxt, ack: 0, flags: ['RST'], window: 0, options: [] }, 0);
    }
    this.enterClosed(now, undefined, 'aborted by the application');
  }

  // ---------------------------------------------------------------- opening

  /** Active open (RFC 9293 §3.10.1): send SYN. */
  open(now: Micros): void {
    this.sendSyn(now, false);
  }

  /** Passive open: a SYN reached our listener (RFC 9293 §3.10.7.2, LISTEN state). */
  acceptSyn(now: Micros, seg: Segment): void {
    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.takeSynOptions(seg);
    this.setState('SYN-RECEIVED', 'SYN received');
    this.sendSyn(now, true);
  }

  private takeSynOptions(seg: Segment): void {
    const c = this.owner.config;
    // RFC 9293 §3.7.1: without an MSS option, assume 536 (IPv4) or 1220 (IPv6)
    const peerMss = seg.mss ?? (this.local.ip.includes(':') ? 1220 : 536);
    this.tsOk = c.timestamps && seg.timestamps !== undefined;
    if (this.tsOk) this.tsRecent = seg.timestamps!.tsval;
    this.sackOk = c.sack && seg.sackPermitted;
    // RFC 7323 §2.2: scaling only when both sides sent the option
    if (seg.windowScale !== undefined && c.windowScale >= 0) {
      this.wsOk = true;
      this.sndShift = seg.windowScale;
      this.rcvShift = c.windowScale;
    }
    this.effMss = Math.max(64, Math.min(peerMss, this.ourMss) - (this.tsOk ? 12 : 0));
    this.cc.smss = this.effMss;
    this.cc.cwnd = c.initialWindow * this.effMss;
    // RFC 7323 §2.2: the window field of a SYN is never scaled
    this.sndWnd = seg.window;
    this.sndWl1 = seg.seq;
    this.maxSndWnd = this.sndWnd;
  }

  /** SYN (active) or SYN-ACK (passive or simultaneous), options in the order Linux sends them. */
  private sendSyn(now: Micros, ack: boolean): void {
    const c = this.owner.config;
    const options: TcpOption[] = [{ kind: 'mss', mss: this.ourMss }];
    const peerKnown = ack;
    const sack = c.sack && (!peerKnown || this.sackOk);
    const ts = c.timestamps && (!peerKnown || this.tsOk);
    const ws = c.windowScale >= 0 && (!peerKnown || this.wsOk);
    if (sack && ts) options.push({ kind: 'sack-permitted' });
    if (ts && !sack) options.push({ kind: 'nop' }, { kind: 'nop' });
    if (ts) options.push({ kind: 'timestamps', tsval: this.tsval(now), tsecr: peerKnown ? this.tsRecent : 0 });
    if (sack && !ts) options.push({ kind: 'nop' }, { kind: 'nop' }, { kind: 'sack-permitted' });
    if (ws) options.push({ kind: 'nop' }, { kind: 'window-scale', shift: c.windowScale });
    const window = Math.floor(Math.min(c.receiveBuffer, 65535) / this.ourMss) * this.ourMss;
    if (ack) this.rcvEdge = seqAdd(this.rcvNxt, window);
    const retransmission = this.sndMax !== this.iss;
    this.send({ seq: this.iss, ack: ack ? this.rcvNxt : 0, flags: ack ? ['SYN', 'ACK'] : ['SYN'], window, options }, 0);
    if (retransmission) this.stats.retransmissions++;
    else this.timed = { end: seqAdd(this.iss, 1), at: now };
    this.sndNxt = seqAdd(this.iss, 1);
    this.sndMax = this.sndNxt;
    this.arm('rto', now + this.rtt.rto);
  }

  // ---------------------------------------------------------------- input

  /** RFC 9293 §3.10.7.3 (SYN-SENT) and §3.10.7.4 (the other states). */
  segmentArrives(now: Micros, seg: Segment): void {
    this.stats.segmentsReceived++;
    if (this.state === 'CLOSED' || this.state === 'LISTEN') return;
    if (this.state === 'SYN-SENT') {
      this.synSentArrives(now, seg);
      return;
    }
    // RFC 7323 §5.3 PAWS: a segment whose timestamp is older than TS.Recent is a stale duplicate
    if (this.tsOk && seg.timestamps && !seg.rst && seqLt(seg.timestamps.tsval, this.tsRecent)) {
      this.stats.outOfWindow++;
      this.invalidAck(now, `timestamp ${seg.timestamps.tsval} older than TS.Recent ${this.tsRecent} (PAWS)`);
      return;
    }
    // first, check sequence number (RFC 9293 §3.10.7.4)
    if (!this.acceptable(seg)) {
      if (this.state === 'SYN-RECEIVED' && seg.syn && !seg.ackFlag && seg.seq === this.irs) {
        this.retransmitTimeoutless(now);
        return;
      }
      this.stats.outOfWindow++;
      if (seg.rst) return;
      // a retransmitted FIN in TIME-WAIT restarts the 2*MSL wait (RFC 9293 §3.10.7.4)
      if (seg.fin && this.state === 'TIME-WAIT') this.arm('time-wait', now + this.owner.config.timeWait);
      const rateLimited = segLen(seg) === 0 || seg.syn; // Linux never rate-limits ACKs for data: no ACK loop there
      this.invalidAck(now, `segment seq ${seg.seq} len ${segLen(seg)} outside the receive window [${this.rcvNxt}, ${this.rcvEdge})`, rateLimited);
      return;
    }
    // second, RST (RFC 5961 §3.2): only an exact match resets, an in-window one draws a challenge ACK
    if (seg.rst) {
      if (seg.seq === this.rcvNxt) {
        this.owner.note('tcp.reset-received', `${this.name}: RST received in ${this.state}`, { state: this.state });
        if (this.state === 'SYN-RECEIVED' && this.passive) this.enterClosed(now, undefined, 'reset during the handshake');
        else this.enterClosed(now, this.state === 'SYN-RECEIVED' ? 'refused' : 'reset', 'connection reset by peer');
      } else {
        this.challengeAck(now, `RST with seq ${seg.seq} inside the window but not RCV.NXT ${this.rcvNxt}`);
      }
      return;
    }
    // fourth, SYN (RFC 5961 §4.2): any SYN in a synchronized state draws a challenge ACK
    if (seg.syn) {
      this.challengeAck(now, `SYN with seq ${seg.seq} in ${this.state}`);
      return;
    }
    // fifth, ACK
    if (!seg.ackFlag) return;
    if (this.tsOk && seg.timestamps && seqLe(seg.seq, this.lastAckSent)) this.tsRecent = seg.timestamps.tsval; // RFC 7323 §4.3
    if (this.state === 'SYN-RECEIVED') {
      if (!(seqLt(this.sndUna, seg.ack) && seqLe(seg.ack, this.sndMax))) {
        this.sendReset(seg.ack, `ACK ${seg.ack} does not acknowledge our SYN`);
        return;
      }
      this.sndWnd = seg.window << this.sndShift;
      this.sndWl1 = seg.seq;
      this.sndWl2 = seg.ack;
      this.maxSndWnd = Math.max(this.maxSndWnd, this.sndWnd);
      this.setState('ESTABLISHED', 'handshake complete');
      if (this.passive) this.owner.established(this);
      else this.owner.event({ type: 'connected', connection: this });
    }
    if (!this.processAck(now, seg)) return;
    if ((this.state as TcpState) === 'CLOSED') return;
    // seventh, segment text
    if (seg.data.length > 0) this.processText(now, seg);
    // eighth, FIN
    if (seg.fin) this.peerFin = seqAdd(seg.seq, seg.data.length);
    this.maybeTakeFin(now);
  }

  private synSentArrives(now: Micros, seg: Segment): void {
    if (seg.ackFlag && (seqLe(seg.ack, this.iss) || seqGt(seg.ack, this.sndMax))) {
      if (!seg.rst) this.sendReset(seg.ack, `ACK ${seg.ack} in SYN-SENT acknowledges nothing we sent`);
      return;
    }
    if (seg.rst) {
      if (seg.ackFlag) this.enterClosed(now, 'refused', 'connection refused (RST to our SYN)');
      return;
    }
    if (!seg.syn) return;
    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.takeSynOptions(seg);
    if (seg.ackFlag) {
      this.ackOurSyn(now, seg.ack);
      this.sndWl1 = seg.seq;
      this.sndWl2 = seg.ack;
      this.rcvEdge = seqAdd(this.rcvNxt, this.windowCandidate());
      this.setState('ESTABLISHED', 'SYN-ACK received');
      this.sendAck(now); // the handshake's last ACK goes at once, before the app can act (as Linux does)
      this.owner.event({ type: 'connected', connection: this });
      return;
    }
    // simultaneous open (RFC 9293 §3.5, figure 8): answer with SYN-ACK on our own ISS
    this.owner.note('tcp.simultaneous-open', `${this.name}: SYN crossed ours; answering SYN-ACK (simultaneous open)`, {});
    this.setState('SYN-RECEIVED', 'SYN received in SYN-SENT');
    this.sndMax = this.iss; // the SYN-ACK is a new segment, not a retransmission
    this.sendSyn(now, true);
  }

  private ackOurSyn(now: Micros, ack: number): void {
    this.sndUna = ack;
    if (this.timed && seqGe(ack, this.timed.end)) this.rtt.sample(now - this.timed.at);
    this.timed = undefined;
    this.retries = 0;
    this.disarm('rto');
  }

  /** RFC 9293 §3.10.7.4 "first": the four cases of segment acceptability. */
  private acceptable(seg: Segment): boolean {
    const len = segLen(seg);
    const wnd = Math.max(0, seqDiff(this.rcvEdge, this.rcvNxt));
    if (len === 0) return wnd === 0 ? seg.seq === this.rcvNxt : seqInRange(seg.seq, this.rcvNxt, seqAdd(this.rcvNxt, wnd));
    if (wnd === 0) return false;
    const end = seqAdd(seg.seq, len - 1);
    return seqInRange(seg.seq, this.rcvNxt, seqAdd(this.rcvNxt, wnd)) || seqInRange(end, this.rcvNxt, seqAdd(this.rcvNxt, wnd));
  }

  /** Returns false when the segment must be dropped after ACK processing. */
  private processAck(now: Micros, seg: Segment): boolean {
    const ack = seg.ack;
    // RFC 5961 §5.2: an ACK for data never sent is answered and dropped; one far in the past draws a challenge ACK
    if (seqGt(ack, this.sndMax)) {
      this.invalidAck(now, `ACK ${ack} for data not yet sent (SND.NXT ${this.sndMax})`);
      return false;
    }
    if (seqLt(ack, seqAdd(this.sndUna, -Math.max(this.maxSndWnd, 1)))) {
      this.challengeAck(now, `ACK ${ack} older than SND.UNA - MAX.SND.WND`);
      return false;
    }
    const window = seg.window << this.sndShift;
    if (seqGt(ack, this.sndUna)) {
      this.newAck(now, seg, ack);
    } else if (ack === this.sndUna && seg.data.length === 0 && !seg.fin && window === this.sndWnd && seqGt(this.sndMax, this.sndUna) && !this.probing) {
      this.duplicateAck(now);
    }
    // RFC 9293 §3.10.7.4: update the send window from the newest segment
    if (seqLt(this.sndWl1, seg.seq) || (this.sndWl1 === seg.seq && seqLe(this.sndWl2, ack))) {
      const opened = this.sndWnd === 0 && window > 0;
      this.sndWnd = window;
      this.sndWl1 = seg.seq;
      this.sndWl2 = ack;
      this.maxSndWnd = Math.max(this.maxSndWnd, window);
      if (window > 0 && this.probing) {
        // the probe byte was refused while the window was closed: it goes again as ordinary data
        this.probing = false;
        this.disarm('persist');
        if (seqGt(this.sndNxt, this.sndUna) && seqLe(this.sndMax, seqAdd(this.sndUna, 1))) {
          this.sndNxt = this.sndUna;
          this.sndMax = this.sndUna;
        }
      }
      if (opened) this.owner.note('tcp.window-open', `${this.name}: peer's window reopened to ${window} bytes`, { window });
    }
    if (this.finSeq !== undefined && seqGt(this.sndUna, this.finSeq)) {
      if (this.state === 'FIN-WAIT-1') {
        this.setState('FIN-WAIT-2', 'our FIN acknowledged');
        this.arm('fin-wait-2', now + this.owner.config.finWait2Timeout);
      } else if (this.state === 'CLOSING') {
        this.enterTimeWait(now);
      } else if (this.state === 'LAST-ACK') {
        this.enterClosed(now, undefined, 'our FIN acknowledged');
        return false;
      }
    }
    return true;
  }

  private newAck(now: Micros, seg: Segment, ack: number): void {
    const acked = seqDiff(ack, this.sndUna);
    const base = this.bufferBase();
    this.sndUna = ack;
    this.sendBuf.consume(seqDiff(this.bufferBase(), base));
    if (seqLt(this.sndNxt, ack)) this.sndNxt = ack;
    if (this.probing && seqGe(ack, this.sndMax)) {
      this.probing = false;
      this.disarm('persist');
    }
    this.retries = 0;
    this.dupAcks = 0;
    // RFC 6298 §3 and Karn: only a segment never retransmitted gives a sample
    if (this.timed && seqGe(ack, this.timed.end)) {
      this.rtt.sample(now - this.timed.at);
      this.timed = undefined;
    }
    const flight = seqDiff(this.sndMax, this.sndUna);
    if (this.cc.inRecovery) {
      if (seqGe(ack, this.cc.recover)) {
        this.cc.exitRecovery(flight);
        this.owner.note('tcp.recovery-exit', `${this.name}: full ACK ${ack}; fast recovery ends, cwnd ${this.cc.cwnd}`, { cwnd: this.cc.cwnd, ssthresh: this.cc.ssthresh });
      } else {
        // RFC 6582 §3.2 step 5: a partial ACK, the next hole goes at once
        const first = this.cc.onPartialAck(acked);
        this.retransmitAt(now, this.sndUna);
        if (first) this.arm('rto', now + this.rtt.rto);
      }
    } else {
      this.cc.onAck(acked);
    }
    if (this.sndUna === this.sndMax) this.disarm('rto');
    else if (!this.cc.inRecovery || !this.timers.has('rto')) this.arm('rto', now + this.rtt.rto); // RFC 6298 §5.3
    if (this.wantWritable && this.sendBuf.free > 0 && !this.finQueued) {
      this.wantWritable = false;
      this.owner.event({ type: 'writable', connection: this });
    }
    void seg;
  }

  /** RFC 5681 §3.2 and RFC 6582 §3.2: three duplicate ACKs retransmit; more inflate the window. */
  private duplicateAck(now: Micros): void {
    this.stats.dupAcksReceived++;
    this.dupAcks++;
    if (this.cc.inRecovery) {
      this.cc.onDupAckInRecovery();
      return;
    }
    if (this.dupAcks !== 3) return;
    // RFC 6582 §3.2 step 2: not when the ACK does not cover more than `recover` (avoids multiple fast retransmits)
    if (!seqGt(this.sndUna, this.cc.recover) && this.cc.recover !== this.iss) return;
    const flight = seqDiff(this.sndMax, this.sndUna);
    this.cc.enterRecovery(flight, this.sndMax);
    this.stats.fastRetransmits++;
    this.owner.note('tcp.fast-retransmit', `${this.name}: 3 duplicate ACKs for ${this.sndUna}; fast retransmit, ssthresh ${this.cc.ssthresh}, cwnd ${this.cc.cwnd}`, { seq: this.sndUna, ssthresh: this.cc.ssthresh, cwnd: this.cc.cwnd });
    this.retransmitAt(now, this.sndUna);
    this.arm('rto', now + this.rtt.rto);
  }

  private processText(now: Micros, seg: Segment): void {
    if (!['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2'].includes(this.state)) return;
    // trim to the window's right edge (RFC 9293 §3.10.7.4 "first": keep only what fits)
    let data = seg.data;
    const room = seqDiff(this.rcvEdge, seg.seq);
    if (room < data.length) data = data.subarray(0, Math.max(0, room));
    const outOfOrder = seg.seq !== this.rcvNxt && seqGt(seg.seq, this.rcvNxt);
    const hadHoles = this.recvBuf.hasOutOfOrder;
    const advanced = this.recvBuf.insert(seg.seq, data, this.rcvNxt);
    this.stats.bytesReceived += advanced;
    this.rcvNxt = seqAdd(this.rcvNxt, advanced);
    if (advanced > 0) this.owner.event({ type: 'readable', connection: this });
    // RFC 5681 §4.2: immediate ACK for out-of-order data, for filling a hole and for duplicates
    if (outOfOrder || hadHoles || advanced === 0) {
      this.ackNow = true;
      return;
    }
    this.unackedBytes += advanced;
    if (this.unackedBytes >= 2 * this.effMss) this.ackNow = true;
    else if (!this.timers.has('delack')) this.arm('delack', now + this.owner.config.delayedAck);
  }

  private maybeTakeFin(now: Micros): void {
    if (this.peerFin === undefined || this.peerFin !== this.rcvNxt) return;
    if (!['SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2'].includes(this.state)) {
      if (this.state === 'TIME-WAIT') {
        this.ackNow = true;
        this.arm('time-wait', now + this.owner.config.timeWait);
      } else if (this.state === 'CLOSE-WAIT' || this.state === 'CLOSING' || this.state === 'LAST-ACK') {
        this.ackNow = true; // a retransmitted FIN: ACK it again
      }
      this.peerFin = undefined;
      return;
    }
    this.peerFin = undefined;
    this.rcvNxt = seqAdd(this.rcvNxt, 1);
    this.ackNow = true;
    this.owner.event({ type: 'end', connection: this });
    if (this.state === 'FIN-WAIT-1') {
      if (this.finSeq !== undefined && seqGt(this.sndUna, this.finSeq)) this.enterTimeWait(now);
      else this.setState('CLOSING', 'FIN received while ours is unacknowledged');
    } else if (this.state === 'FIN-WAIT-2') {
      this.enterTimeWait(now);
    } else {
      this.setState('CLOSE-WAIT', 'FIN received');
    }
  }

  // ---------------------------------------------------------------- output

  /** Sends what the windows allow, then a pure ACK if one is owed. Called by the stack after every input. */
  output(now: Micros): void {
    if (['CLOSED', 'LISTEN', 'SYN-SENT', 'SYN-RECEIVED', 'TIME-WAIT'].includes(this.state)) {
      if (this.ackNow && this.state === 'TIME-WAIT') this.sendAck(now);
      return;
    }
    for (let i = 0; i < 10_000; i++) if (!this.sendOneData(now)) break;
    this.maybePersist(now);
    if (this.ackNow) this.sendAck(now);
  }

  /** Sequence number of the first data byte: just after our SYN. */
  private dataStart(): number {
    return seqAdd(this.iss, 1);
  }

  /** Sends one data (or FIN) segment at SND.NXT if the windows and Nagle allow; false when nothing went. */
  private sendOneData(now: Micros): boolean {
    const bufferOffset = seqDiff(this.sndNxt, this.bufferBase());
    const avail = this.sendBuf.length - bufferOffset;
    const finPending = this.finQueued && this.finSeq !== undefined && seqLe(this.sndNxt, this.finSeq);
    if (avail <= 0 && !finPending) return false;
    const flight = seqDiff(this.sndNxt, this.sndUna);
    const wndRoom = seqDiff(seqAdd(this.sndUna, this.sndWnd), this.sndNxt);
    const cwndRoom = this.cc.cwnd - flight;
    const len = Math.max(0, Math.min(avail, this.effMss, wndRoom, cwndRoom));
    if (len < Math.min(avail, this.effMss)) {
      // limited by a window: wait for ACKs when it is the congestion window; sender SWS avoidance
      // (RFC 9293 §3.8.6.2.1) sends a short segment only if it is half the largest window seen, or nothing is in flight
      if (len === 0 || cwndRoom <= wndRoom || (len < this.maxSndWnd / 2 && flight > 0)) return false;
    } else if (len === avail && len < this.effMss && !this.owner.config.noDelay && flight > 0 && !finPending) {
      return false; // Nagle (RFC 9293 §3.7.4): a short segment waits while data is in flight
    }
    const fin = finPending && len === avail;
    if (len === 0 && !fin) return false;
    const flags: TcpFlagName[] = ['ACK'];
    if (len > 0 && len === avail) flags.push('PSH');
    if (fin) flags.push('FIN');
    this.emitData(now, this.sndNxt, bufferOffset, len, flags);
    this.sndNxt = seqAdd(this.sndNxt, len + (fin ? 1 : 0));
    if (fin) {
      if (this.state === 'ESTABLISHED') this.setState('FIN-WAIT-1', 'FIN sent');
      else if (this.state === 'CLOSE-WAIT') this.setState('LAST-ACK', 'FIN sent');
    }
    return true;
  }

  private bufferBase(): number {
    return seqGt(this.sndUna, this.dataStart()) ? this.sndUna : this.dataStart();
  }

  /** One segment of data from `seq`; counts retransmissions, times fresh ones (Karn), arms the RTO. */
  private emitData(now: Micros, seq: number, bufferOffset: number, len: number, flags: TcpFlagName[]): void {
    const data = this.sendBuf.slice(bufferOffset, len);
    const retransmission = seqLt(seq, this.sndMax);
    this.send({ seq, ack: this.rcvNxt, flags, window: 0, options: [] }, len, data, now);
    const end = seqAdd(seq, len + (flags.includes('FIN') ? 1 : 0));
    if (retransmission) {
      this.stats.retransmissions++;
      this.timed = undefined;
    } else {
      this.stats.bytesSent += len;
      if (!this.timed) this.timed = { end, at: now };
    }
    this.sndMax = seqMax(this.sndMax, end);
    if (!this.timers.has('rto')) this.arm('rto', now + this.rtt.rto);
  }

  /** Retransmits the segment that starts at `seq` (fast retransmit, partial ACK, timeout). */
  private retransmitAt(now: Micros, seq: number): number {
    const bufferOffset = seqDiff(seq, this.bufferBase());
    const avail = Math.max(0, this.sendBuf.length - bufferOffset);
    const len = Math.min(avail, this.effMss, Math.max(0, seqDiff(this.sndMax, seq)));
    const fin = this.finSeq !== undefined && seqAdd(seq, len) === this.finSeq && seqGt(this.sndMax, this.finSeq);
    if (len === 0 && !fin) return seq;
    const flags: TcpFlagName[] = ['ACK'];
    if (fin) flags.push('FIN');
    this.emitData(now, seq, bufferOffset, len, flags);
    return seqAdd(seq, len + (fin ? 1 : 0));
  }

  /** RFC 9293 §3.8.6.1: a zero window with data waiting is probed on a backed-off timer. */
  private maybePersist(now: Micros): void {
    const bufferOffset = seqDiff(this.sndNxt, this.bufferBase());
    const waiting = this.sendBuf.length - bufferOffset > 0;
    if (waiting && this.sndWnd === 0 && this.sndNxt === this.sndUna && !this.timers.has('persist') && !this.timers.has('rto')) {
      this.arm('persist', now + this.rtt.rto);
    }
  }

  private sendAck(now: Micros): void {
    this.send({ seq: this.sndNxt, ack: this.rcvNxt, flags: ['ACK'], window: 0, options: [] }, 0, undefined, now);
  }

  /**
   * Puts a segment on the wire: fills in the advertised window and the timestamp and SACK options for
   * synchronized states, and clears the delayed ACK (every segment with ACK acknowledges everything).
   */
  private send(s: { seq: number; ack: number; flags: TcpFlagName[]; window: number; options: TcpOption[] }, len: number, data?: Uint8Array, now?: Micros): void {
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
    void len;
  }

  /** The receive window we could offer now: free buffer space, rounded down to the scale's granularity. */
  private windowCandidate(): number {
    const free = Math.max(0, this.owner.config.receiveBuffer - this.recvBuf.readableBytes);
    return Math.min((free >>> this.rcvShift) << this.rcvShift, 0xffff << this.rcvShift);
  }

  /** Receiver SWS avoidance (RFC 9293 §3.8.6.2.2): grow the window only by min(buffer/2, MSS) or more. */
  private canGrowWindow(growth: number): boolean {
    return growth >= Math.min(this.owner.config.receiveBuffer / 2, this.effMss);
  }

  private advanceWindow(): void {
    const current = seqDiff(this.rcvEdge, this.rcvNxt);
    const candidate = this.windowCandidate();
    if (candidate > current && (this.canGrowWindow(candidate - current) || current < 0)) this.rcvEdge = seqAdd(this.rcvNxt, candidate);
    if (current < 0) this.rcvEdge = this.rcvNxt;
  }

  private tsval(now: Micros): number {
    return (Math.floor(now / 1000) + this.tsOffset) >>> 0; // a 1 ms clock, as Linux's
  }

  // ---------------------------------------------------------------- answers that change no state

  /** An ACK for an unacceptable segment, at most one per invalidRateLimit (Linux's tcp_invalid_ratelimit). */
  private invalidAck(now: Micros, why: string, rateLimited = true): void {
    if (rateLimited) {
      if (now - this.lastInvalidAck < this.owner.config.invalidRateLimit) return;
      this.lastInvalidAck = now;
    }
    this.owner.note('tcp.out-of-window', `${this.name}: ${why}; answered with an ACK`, { state: this.state });
    this.sendAck(now);
  }

  /** RFC 5961 §3.2, §4.2, §5.2: an ACK that tells a genuine peer where we are, rate-limited stack-wide (§7). */
  private challengeAck(now: Micros, why: string): void {
    if (!this.owner.allowChallengeAck(now)) {
      this.owner.note('tcp.challenge-ack-limited', `${this.name}: ${why}; challenge ACK suppressed (rate limit)`, {});
      return;
    }
    this.stats.challengeAcks++;
    this.owner.note('tcp.challenge-ack', `${this.name}: ${why}; challenge ACK sent (RFC 5961)`, { state: this.state });
    this.sendAck(now);
  }

  private sendReset(seq: number, why: string): void {
    this.owner.note('tcp.reset-sent', `${this.name}: ${why}; RST sent`, {});
    this.send({ seq, ack: 0, flags: ['RST'], window: 0, options: [] }, 0);
  }

  /** A duplicate SYN in SYN-RECEIVED: the SYN-ACK went missing, send it again (without touching the timer). */
  private retransmitTimeoutless(now: Micros): void {
    this.sndMax = seqAdd(this.iss, 1);
    const saved = this.timers.get('rto');
    this.sendSyn(now, true);
    if (saved !== undefined) this.timers.set('rto', saved);
  }

  // ---------------------------------------------------------------- timers

  /** The earliest timer, for the stack's deadline. */
  nextTimer(): { at: Micros; reason: string } | undefined {
    let best: { at: Micros; reason: string } | undefined;
    for (const [t, at] of this.timers) if (!best || at < best.at) best = { at, reason: TIMER_REASON[t] };
    return best;
  }

  onTimers(now: Micros): void {
    for (const t of ['time-wait', 'fin-wait-2', 'delack', 'persist', 'rto'] as const) {
      const at = this.timers.get(t);
      if (at === undefined || at > now || this.state === 'CLOSED') continue;
      this.timers.delete(t);
      this.fire(now, t);
    }
  }

  private fire(now: Micros, t: Timer): void {
    const c = this.owner.config;
    switch (t) {
      case 'delack':
        this.ackNow = true;
        return;
      case 'time-wait':
        this.enterClosed(now, undefined, `TIME-WAIT over after ${formatDuration(c.timeWait)} (2*MSL)`);
        return;
      case 'fin-wait-2':
        this.enterClosed(now, undefined, `no FIN from the peer within ${formatDuration(c.finWait2Timeout)} in FIN-WAIT-2`);
        return;
      case 'persist': {
        // RFC 9293 §3.8.6.1: probe the zero window with one byte; its ACK tells us the window
        this.stats.zeroWindowProbes++;
        this.probing = true;
        if (this.sendBuf.length > seqDiff(this.sndUna, this.bufferBase()) && this.sndWnd === 0) {
          this.owner.note('tcp.zero-window-probe', `${this.name}: peer's window is zero; probing with one byte`, { probes: this.stats.zeroWindowProbes });
          this.emitData(now, this.sndUna, seqDiff(this.sndUna, this.bufferBase()), 1, ['ACK']);
          this.sndNxt = seqMax(this.sndNxt, seqAdd(this.sndUna, 1));
          this.disarm('rto');
        } else {
          this.probing = false;
          return;
        }
        this.rtt.backoff();
        this.arm('persist', now + this.rtt.rto);
        return;
      }
      case 'rto':
        this.retransmitTimeout(now);
        return;
    }
  }

  /** RFC 6298 §5.4–5.6 and RFC 5681 §3.1: retransmit the earliest segment, back off, collapse the window. */
  private retransmitTimeout(now: Micros): void {
    const c = this.owner.config;
    this.stats.timeouts++;
    this.retries++;
    const handshake = this.state === 'SYN-SENT' || this.state === 'SYN-RECEIVED';
    const limit = this.state === 'SYN-SENT' ? c.synRetries : this.state === 'SYN-RECEIVED' ? c.synAckRetries : c.retries;
    if (this.retries > limit) {
      const what = handshake ? (this.state === 'SYN-SENT' ? 'SYN' : 'SYN-ACK') : 'data';
      this.owner.note('tcp.timeout', `${this.name}: ${what} retransmitted ${limit} times without an ACK; giving up`, { state: this.state, retries: limit });
      if (this.state === 'SYN-RECEIVED' && this.passive) this.enterClosed(now, undefined, 'handshake never completed');
      else this.enterClosed(now, 'timeout', `no ACK after ${limit} retransmissions`);
      return;
    }
    this.rtt.backoff();
    this.timed = undefined;
    this.owner.note('tcp.rto', `${this.name}: retransmission timeout in ${this.state}; RTO now ${formatDuration(this.rtt.rto)} (backoff ${this.rtt.backoffs})`, { state: this.state, rto: this.rtt.rto, backoff: this.rtt.backoffs });
    if (handshake) {
      this.sendSyn(now, this.state === 'SYN-RECEIVED');
      return;
    }
    const flight = seqDiff(this.sndMax, this.sndUna);
    this.cc.onRetransmitTimeout(flight, this.sndMax);
    this.dupAcks = 0;
    this.sndNxt = this.sndUna; // go back N: everything after SND.UNA is sent again as the window reopens
    this.arm('rto', now + this.rtt.rto);
    this.sndNxt = this.retransmitAt(now, this.sndUna);
  }

  private arm(t: Timer, at: Micros): void {
    this.timers.set(t, at);
  }

  private disarm(t: Timer): void {
    this.timers.delete(t);
  }

  // ---------------------------------------------------------------- state changes

  private setState(next: TcpState, why: string): void {
    const prev = this.state;
    this.state = next;
    this.owner.note('tcp.state', `${this.name}: ${prev} → ${next} (${why})`, { from: prev, to: next, local: fmt(this.local), remote: fmt(this.remote) });
  }

  private enterTimeWait(now: Micros): void {
    this.setState('TIME-WAIT', 'both FINs acknowledged');
    for (const t of ['rto', 'persist', 'delack', 'fin-wait-2'] as const) this.disarm(t);
    this.arm('time-wait', now + this.owner.config.timeWait);
  }

  private enterClosed(now: Micros, error: TcpError | undefined, reason: string): void {
    if (this.state === 'CLOSED') return;
    this.timers.clear();
    if (error) this.error = error;
    this.setState('CLOSED', reason);
    this.owner.event({ type: 'closed', connection: this, ...(error ? { error } : {}), reason });
    this.owner.closed(this);
    void now;
  }
}
