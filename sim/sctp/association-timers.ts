// The association's timers (RFC 9260): T1-init and T1-cookie (§5.1), T2-shutdown (§9.2), T3-rtx (§6.3.3), the
// delayed SACK (§6.2) and heartbeats (§8.3), what each does when it expires, and which deadline comes next.
import type { Micros } from '../core/time.ts';
import { AssociationCore } from './association-core.ts';
import { sctpNote } from './notes.ts';

/** The timers of an association: what expires at `handleTimeout`, and the next deadline `poll` reports. */
export abstract class AssociationTimers extends AssociationCore {
  /** Every timer whose deadline `now` has reached expires (the driver calls this at the deadline `poll` gave). */
  handleTimeout(now: Micros): void {
    if (this.t1At !== undefined && now >= this.t1At) this.onT1(now);
    if (this.t2At !== undefined && now >= this.t2At) this.onT2(now);
    const s = this.sender;
    if (s?.t3At !== undefined && now >= s.t3At) {
      s.t3Expired(now);
      this.flushSender();
      if (s.errorCount > this.o.maxRetrans) return this.unresponsive(s.errorCount);
    }
    if (this.sackAt !== undefined && now >= this.sackAt && this.receiver) {
      this.sackAt = undefined;
      this.control.push(this.receiver.sack());
    }
    // §8.3: heartbeats probe an idle path; while DATA is outstanding T3-rtx does
    if (this.heartbeatAt !== undefined && now >= this.heartbeatAt && s?.busy) this.heartbeatAt = now + this.o.heartbeatInterval;
    if (this.heartbeatAt !== undefined && now >= this.heartbeatAt && this.state === 'established') {
      if (this.heartbeatOutstanding && s && ++s.errorCount > this.o.maxRetrans) return this.unresponsive(s.errorCount);
      // §8.3: HEARTBEAT info is opaque to the peer; ours carries a nonce from the RNG
      this.control.push({ kind: 'HEARTBEAT', info: this.rng.bytes(8) });
      this.heartbeatOutstanding = true;
      this.heartbeatAt = now + this.o.heartbeatInterval + (s?.rto ?? this.o.rto.initial);
    }
  }

  protected unresponsive(n: number): void {
    this.note(sctpNote('sctp.peer.unresponsive', `no acknowledgement after ${n} retransmission timeouts (Association.Max.Retrans, RFC 9260 §8.1): the association fails`, { retransmissions: n }));
    this.abort('peer unresponsive');
  }

  /** §5.1 T1-init / T1-cookie: INIT or COOKIE-ECHO again, up to Max.Init.Retransmits. */
  protected onT1(now: Micros): void {
    if (++this.t1Count > this.o.maxInitRetrans) {
      this.t1At = undefined;
      this.note(sctpNote('sctp.peer.unresponsive', `no answer to ${this.state === 'cookie-wait' ? 'INIT' : 'COOKIE-ECHO'} after ${this.t1Count - 1} retransmissions (Max.Init.Retransmits)`, { retransmissions: this.t1Count - 1 }));
      this.setState('closed', 'setup failed');
      return;
    }
    if (this.state === 'cookie-wait' && this.initChunk) this.sendAlone(0, this.initChunk);
    else if (this.state === 'cookie-echoed' && this.cookieEcho && this.peer) this.sendAlone(this.peer.tag, { kind: 'COOKIE-ECHO', cookie: this.cookieEcho });
    else return void (this.t1At = undefined);
    this.t1At = now + Math.min(this.o.rto.max, this.o.rto.initial * 2 ** this.t1Count);
  }

  /** §9.2 T2-shutdown: SHUTDOWN or SHUTDOWN-ACK again. */
  protected onT2(now: Micros): void {
    if (++this.t2Count > this.o.maxRetrans) return this.unresponsive(this.t2Count);
    if (this.state === 'shutdown-sent') this.control.push({ kind: 'SHUTDOWN', cumulativeTsnAck: this.receiver?.cumulativeTsn ?? 0 });
    else if (this.state === 'shutdown-ack-sent') this.control.push({ kind: 'SHUTDOWN-ACK' });
    else return void (this.t2At = undefined);
    this.t2At = now + Math.min(this.o.rto.max, (this.sender?.rto ?? this.o.rto.initial) * 2 ** this.t2Count);
  }

  /** The earliest deadline, with the reason `poll` gives for it. */
  protected nextDeadline(): { readonly at: Micros; readonly reason: string } | undefined {
    const deadlines: [Micros | undefined, string][] = [
      [this.t1At, this.state === 'cookie-wait' ? 'sctp-t1-init' : 'sctp-t1-cookie'],
      [this.t2At, 'sctp-t2-shutdown'],
      [this.sender?.t3At, 'sctp-t3-rtx'],
      [this.sackAt, 'sctp-delayed-sack'],
      [this.reconfig?.deadline(), 'sctp-reconfig'],
      [this.state === 'established' ? this.heartbeatAt : undefined, 'sctp-heartbeat'],
      [this.state === 'established' ? this.pl?.deadline() : undefined, 'sctp-plpmtud-probe'],
    ];
    let best: [Micros, string] | undefined;
    for (const [at, why] of deadlines) if (at !== undefined && (!best || at < best[0])) best = [at, why];
    return best ? { at: best[0], reason: best[1] } : undefined;
  }
}
