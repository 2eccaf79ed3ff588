import { tcpNote } from './notes.ts';
import type { Micros } from '../core/time.ts';
import { formatDuration } from '../core/time.ts';
import type { TcpOption } from '../wire/tcp/options.ts';
import type { TcpFlagName } from '../wire/tcp/tcp.ts';
import type { Segment } from './segment.ts';
import { seqAdd, seqDiff, seqGt, seqLe, seqLt, seqMax } from './seq.ts';
import { Tcb, type TcbTimer } from './tcb.ts';

/**
 * The sending half of a connection and its app side: write/read/close/abort, the SYN with Linux's options, the
 * output loop (windows, Nagle and SWS avoidance, PSH and FIN), retransmission (RFC 6298 timeouts with backoff,
 * go-back-N), zero-window probes (RFC 9293 §3.8.6.1) and the timers' expiry.
 */
export abstract class TcpSender extends Tcb {
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
      this.send({ seq: this.sndNxt, ack: 0, flags: ['RST'], window: 0, options: [] });
    }
    this.enterClosed(now, undefined, 'aborted by the application');
  }

  /** Active open (RFC 9293 §3.10.1): send SYN. */
  open(now: Micros): void {
    this.sendSyn(now, false);
  }

  protected takeSynOptions(seg: Segment): void {
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
  protected sendSyn(now: Micros, ack: boolean): void {
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
    this.send({ seq: this.iss, ack: ack ? this.rcvNxt : 0, flags: ack ? ['SYN', 'ACK'] : ['SYN'], window, options }, undefined, now);
    if (retransmission) this.stats.retransmissions++;
    else this.timed = { end: seqAdd(this.iss, 1), at: now };
    this.sndNxt = seqAdd(this.iss, 1);
    this.sndMax = this.sndNxt;
    this.arm('rto', now + this.rtt.rto);
  }

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

  /** Sends one data (or FIN) segment at SND.NXT if the windows and Nagle allow; false when nothing went. */
  protected sendOneData(now: Micros): boolean {
    const bufferOffset = seqDiff(this.sndNxt, this.bufferBase());
    const avail = this.sendBuf.length - bufferOffset;
    const finPending = this.finQueued && this.finSeq !== undefined && seqLe(this.sndNxt, this.finSeq);
    if (avail <= 0 && !finPending) return false;
    const mss = this.currentMss();
    const flight = seqDiff(this.sndNxt, this.sndUna);
    const wndRoom = seqDiff(seqAdd(this.sndUna, this.sndWnd), this.sndNxt);
    const cwndRoom = this.cc.cwnd - flight;
    const len = Math.max(0, Math.min(avail, mss, wndRoom, cwndRoom));
    if (len < Math.min(avail, mss)) {
      // limited by a window: wait for ACKs when it is the congestion window; sender SWS avoidance
      // (RFC 9293 §3.8.6.2.1) sends a short segment only if it is half the largest window seen, or nothing is in flight
      if (len === 0 || cwndRoom <= wndRoom || (len < this.maxSndWnd / 2 && flight > 0)) return false;
    } else if (len === avail && len < mss && !(this.noDelay ?? this.owner.config.noDelay) && flight > 0 && !finPending) {
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

  /** One segment of data from `seq`; counts retransmissions, times fresh ones (Karn), arms the RTO. */
  protected emitData(now: Micros, seq: number, bufferOffset: number, len: number, flags: TcpFlagName[]): void {
    const data = this.sendBuf.slice(bufferOffset, len);
    const retransmission = seqLt(seq, this.sndMax);
    this.send({ seq, ack: this.rcvNxt, flags, window: 0, options: [] }, data, now);
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
  protected retransmitAt(now: Micros, seq: number, maxLen = Number.POSITIVE_INFINITY): number {
    const bufferOffset = seqDiff(seq, this.bufferBase());
    const avail = Math.max(0, this.sendBuf.length - bufferOffset);
    const len = Math.min(avail, this.currentMss(), maxLen, Math.max(0, seqDiff(this.sndMax, seq)));
    const fin = this.finSeq !== undefined && seqAdd(seq, len) === this.finSeq && seqGt(this.sndMax, this.finSeq);
    if (len === 0 && !fin) return seq;
    const flags: TcpFlagName[] = ['ACK'];
    if (fin) flags.push('FIN');
    this.emitData(now, seq, bufferOffset, len, flags);
    return seqAdd(seq, len + (fin ? 1 : 0));
  }

  /** RFC 9293 §3.8.6.1: a zero window with data waiting is probed on a backed-off timer. */
  protected maybePersist(now: Micros): void {
    const bufferOffset = seqDiff(this.sndNxt, this.bufferBase());
    const waiting = this.sendBuf.length - bufferOffset > 0;
    if (waiting && this.sndWnd === 0 && this.sndNxt === this.sndUna && !this.timers.has('persist') && !this.timers.has('rto')) {
      this.arm('persist', now + this.rtt.rto);
    }
  }

  /** A duplicate SYN in SYN-RECEIVED: the SYN-ACK went missing, send it again (without touching the timer). */
  protected retransmitTimeoutless(now: Micros): void {
    this.sndMax = seqAdd(this.iss, 1);
    const saved = this.timers.get('rto');
    this.sendSyn(now, true);
    if (saved !== undefined) this.timers.set('rto', saved);
  }

  onTimers(now: Micros): void {
    for (const t of ['time-wait', 'fin-wait-2', 'delack', 'persist', 'rto'] as const) {
      const at = this.timers.get(t);
      if (at === undefined || at > now || this.state === 'CLOSED') continue;
      this.timers.delete(t);
      this.fire(now, t);
    }
  }

  protected fire(now: Micros, t: TcbTimer): void {
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
          this.owner.note(tcpNote('tcp.zero-window-probe', `${this.name}: peer's window is zero; probing with one byte`, { probes: this.stats.zeroWindowProbes }));
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
  protected retransmitTimeout(now: Micros): void {
    const c = this.owner.config;
    this.stats.timeouts++;
    this.retries++;
    const handshake = this.state === 'SYN-SENT' || this.state === 'SYN-RECEIVED';
    const limit = this.state === 'SYN-SENT' ? c.synRetries : this.state === 'SYN-RECEIVED' ? c.synAckRetries : c.retries;
    if (this.retries > limit) {
      const what = handshake ? (this.state === 'SYN-SENT' ? 'SYN' : 'SYN-ACK') : 'data';
      this.owner.note(tcpNote('tcp.timeout', `${this.name}: ${what} retransmitted ${limit} times without an ACK; giving up`, { state: this.state, retries: limit }));
      if (this.state === 'SYN-RECEIVED' && this.passive) this.enterClosed(now, undefined, 'handshake never completed');
      else this.enterClosed(now, 'timeout', `no ACK after ${limit} retransmissions`);
      return;
    }
    this.rtt.backoff();
    this.timed = undefined;
    this.owner.note(tcpNote('tcp.rto', `${this.name}: retransmission timeout in ${this.state}; RTO now ${formatDuration(this.rtt.rto)} (backoff ${this.rtt.backoffs})`, { state: this.state, rto: this.rtt.rto, backoff: this.rtt.backoffs }));
    if (handshake) {
      this.sendSyn(now, this.state === 'SYN-RECEIVED');
      return;
    }
    const flight = seqDiff(this.sndMax, this.sndUna);
    this.cc.onRetransmitTimeout(flight, this.sndMax);
    this.scoreboard.clear(); // RFC 6675 §5.1: after a timeout, start over from SND.UNA (go-back-N)
    this.dupAcks = 0;
    this.sndNxt = this.sndUna; // go back N: everything after SND.UNA is sent again as the window reopens
    this.arm('rto', now + this.rtt.rto);
    this.sndNxt = this.retransmitAt(now, this.sndUna);
  }
}
