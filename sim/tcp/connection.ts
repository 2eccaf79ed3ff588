import { tcpNote } from './notes.ts';
import type { Micros } from '../core/time.ts';
import { segLen, type Segment } from './segment.ts';
import { seqAdd, seqDiff, seqGe, seqGt, seqInRange, seqLe, seqLt } from './seq.ts';
import { TcpSender } from './sender.ts';
import type { TcpState } from './types.ts';

/**
 * One TCP connection: the state machine's input side (RFC 9293 §3.10.7): SYN-SENT processing with simultaneous
 * open, the acceptability test, RFC 5961 RST/SYN/ACK checks, ACK processing with RFC 6298 RTT samples (Karn),
 * RFC 5681/6582 fast retransmit and NewReno recovery, the send window update, segment text with delayed ACKs
 * (RFC 5681 §4.2) and FIN in every state. Driven by its stack: `segmentArrives`, `onTimers`, `output`; apps use
 * `write`, `read`, `close`, `abort`.
 */
export class TcpConnection extends TcpSender {
  protected self(): TcpConnection {
    return this;
  }

  /** Passive open: a SYN reached our listener (RFC 9293 §3.10.7.2, LISTEN state). */
  acceptSyn(now: Micros, seg: Segment): void {
    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.takeSynOptions(seg);
    this.setState('SYN-RECEIVED', 'SYN received');
    this.sendSyn(now, true);
  }

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
      if (seg.fin && this.state === 'TIME-WAIT' && seqAdd(seg.seq, seg.data.length) === seqAdd(this.rcvNxt, -1)) this.arm('time-wait', now + this.owner.config.timeWait);
      const rateLimited = segLen(seg) === 0 || seg.syn; // Linux never rate-limits ACKs for data: no ACK loop there
      this.invalidAck(now, `segment seq ${seg.seq} len ${segLen(seg)} outside the receive window [${this.rcvNxt}, ${this.rcvEdge})`, rateLimited);
      return;
    }
    // second, RST (RFC 5961 §3.2): only an exact match resets, an in-window one draws a challenge ACK
    if (seg.rst) {
      if (seg.seq === this.rcvNxt) {
        this.owner.note(tcpNote('tcp.reset-received', `${this.name}: RST received in ${this.state}`, { state: this.state }));
        if (this.state === 'SYN-RECEIVED' && this.passive) this.enterClosed(now, undefined, 'reset during the handshake');
        // RFC 9293 §3.10.7.4: in CLOSING, LAST-ACK and TIME-WAIT a RST just ends it; the user is not told of a reset
        else if (this.state === 'CLOSING' || this.state === 'LAST-ACK' || this.state === 'TIME-WAIT') this.enterClosed(now, undefined, `RST received in ${this.state}`);
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
      if (this.passive) this.owner.established(this.self());
      else this.owner.event({ type: 'connected', connection: this.self() });
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
      this.owner.event({ type: 'connected', connection: this.self() });
      return;
    }
    // simultaneous open (RFC 9293 §3.5, figure 8): answer with SYN-ACK on our own ISS
    this.owner.note(tcpNote('tcp.simultaneous-open', `${this.name}: SYN crossed ours; answering SYN-ACK (simultaneous open)`, {}));
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
    if (this.sackOk && seg.sack) this.scoreboard.update(seg.sack, seqGt(ack, this.sndUna) ? ack : this.sndUna, this.sndMax);
    if (seqGt(ack, this.sndUna)) {
      this.newAck(now, ack);
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
      if (opened) this.owner.note(tcpNote('tcp.window-open', `${this.name}: peer's window reopened to ${window} bytes`, { window }));
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

  private newAck(now: Micros, ack: number): void {
    const acked = seqDiff(ack, this.sndUna);
    const base = this.bufferBase();
    this.sndUna = ack;
    this.sendBuf.consume(seqDiff(this.bufferBase(), base));
    this.scoreboard.prune(ack);
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
        this.scoreboard.highRxt = ack;
        this.owner.note(tcpNote('tcp.recovery-exit', `${this.name}: full ACK ${ack}; fast recovery ends, cwnd ${this.cc.cwnd}`, { cwnd: this.cc.cwnd, ssthresh: this.cc.ssthresh }));
      } else {
        // RFC 6582 §3.2 step 5: a partial ACK, the next hole goes at once
        const first = this.cc.onPartialAck(acked);
        this.scoreboard.retransmitted(this.sndUna, seqDiff(this.retransmitAt(now, this.sndUna), this.sndUna));
        if (first) this.arm('rto', now + this.rtt.rto);
      }
    } else {
      this.cc.onAck(acked);
    }
    if (this.sndUna === this.sndMax) this.disarm('rto');
    else if (!this.cc.inRecovery || !this.timers.has('rto')) this.arm('rto', now + this.rtt.rto); // RFC 6298 §5.3
    if (this.wantWritable && this.sendBuf.free > 0 && !this.finQueued) {
      this.wantWritable = false;
      this.owner.event({ type: 'writable', connection: this.self() });
    }
  }

  /** RFC 5681 §3.2 and RFC 6582 §3.2: three duplicate ACKs retransmit; more inflate the window. */
  private duplicateAck(now: Micros): void {
    this.stats.dupAcksReceived++;
    this.dupAcks++;
    if (this.cc.inRecovery) {
      // RFC 6675 §5 step (C) in spirit: while SACK shows a lost hole, each duplicate ACK sends it instead of
      // inflating the window for new data (one segment out per segment that left the network)
      if (!this.retransmitNextHole(now)) this.cc.onDupAckInRecovery();
      return;
    }
    if (this.dupAcks !== 3) return;
    // RFC 6582 §3.2 step 2: not when the ACK does not cover more than `recover` (avoids multiple fast retransmits)
    if (!seqGt(this.sndUna, this.cc.recover) && this.cc.recover !== this.iss) return;
    const flight = seqDiff(this.sndMax, this.sndUna);
    this.cc.enterRecovery(flight, this.sndMax);
    this.stats.fastRetransmits++;
    this.owner.note(tcpNote('tcp.fast-retransmit', `${this.name}: 3 duplicate ACKs for ${this.sndUna}; fast retransmit, ssthresh ${this.cc.ssthresh}, cwnd ${this.cc.cwnd}`, { seq: this.sndUna, ssthresh: this.cc.ssthresh, cwnd: this.cc.cwnd }));
    this.scoreboard.highRxt = this.sndUna;
    this.scoreboard.retransmitted(this.sndUna, seqDiff(this.retransmitAt(now, this.sndUna), this.sndUna));
    this.arm('rto', now + this.rtt.rto);
  }

  /** Retransmits the next hole the SACK scoreboard shows lost; false when there is none. */
  private retransmitNextHole(now: Micros): boolean {
    if (!this.sackOk || this.scoreboard.empty) return false;
    const hole = this.scoreboard.nextHole(this.sndUna, this.effMss);
    if (!hole) return false;
    const end = this.retransmitAt(now, hole.seq, hole.len);
    if (end === hole.seq) return false;
    this.scoreboard.retransmitted(hole.seq, seqDiff(end, hole.seq));
    this.stats.sackRetransmits++;
    return true;
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
    if (advanced > 0) this.owner.event({ type: 'readable', connection: this.self() });
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
    this.owner.event({ type: 'end', connection: this.self() });
    if (this.state === 'FIN-WAIT-1') {
      if (this.finSeq !== undefined && seqGt(this.sndUna, this.finSeq)) this.enterTimeWait(now);
      else this.setState('CLOSING', 'FIN received while ours is unacknowledged');
    } else if (this.state === 'FIN-WAIT-2') {
      this.enterTimeWait(now);
    } else {
      this.setState('CLOSE-WAIT', 'FIN received');
    }
  }
}
