/**
 * Congestion control (RFC 5681) with NewReno's fast recovery (RFC 6582): slow start, congestion avoidance,
 * fast retransmit after three duplicate ACKs, partial ACKs retransmitting the next hole, and the RTO collapse.
 * Amounts are bytes; the caller owns sequence numbers and says what happened.
 */
export class NewReno {
  cwnd: number;
  ssthresh = 0x7fffffff;
  /** RFC 6582 §3.2: the highest sequence number sent when the last recovery began. */
  recover = 0;
  inRecovery = false;
  /** Byte counter for congestion avoidance's one-SMSS-per-RTT growth (RFC 5681 §3.1, eq. 3 alternative). */
  private avoidance = 0;
  private firstPartial = true;

  constructor(
    public smss: number,
    initialWindowSegments: number,
  ) {
    // RFC 6928 (Linux's IW10), never less than RFC 5681's IW
    this.cwnd = initialWindowSegments * smss;
  }

  /** New data acknowledged outside recovery (RFC 5681 §3.1). */
  onAck(acked: number): void {
    if (this.cwnd < this.ssthresh) {
      this.cwnd += Math.min(acked, this.smss); // slow start, L = 1 SMSS (RFC 3465)
    } else {
      this.avoidance += acked;
      if (this.avoidance >= this.cwnd) {
        this.avoidance -= this.cwnd;
        this.cwnd += this.smss;
      }
    }
    this.cwnd = Math.min(this.cwnd, 0x3fffffff);
  }

  /** RFC 5681 §3.2 step 2 and RFC 6582 §3.2 step 2: the third duplicate ACK starts fast recovery. */
  enterRecovery(flight: number, highestSent: number): void {
    this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.smss);
    this.cwnd = this.ssthresh + 3 * this.smss;
    this.recover = highestSent;
    this.inRecovery = true;
    this.firstPartial = true;
  }

  /** RFC 5681 §3.2 step 4: each further duplicate ACK inflates the window by one segment. */
  onDupAckInRecovery(): void {
    this.cwnd += this.smss;
  }

  /**
   * RFC 6582 §3.2 step 5: a partial ACK deflates the window by what it acknowledged (plus one SMSS back when that
   * was at least one SMSS). Returns whether this was the first partial ACK (which resets the RTO timer).
   */
  onPartialAck(acked: number): boolean {
    this.cwnd = Math.max(this.cwnd - acked + (acked >= this.smss ? this.smss : 0), this.smss);
    const first = this.firstPartial;
    this.firstPartial = false;
    return first;
  }

  /** RFC 6582 §3.2 step 3 (full ACK): leave recovery with cwnd = min(ssthresh, flight + SMSS). */
  exitRecovery(flight: number): void {
    this.cwnd = Math.max(Math.min(this.ssthresh, Math.max(flight, 0) + this.smss), this.smss);
    this.inRecovery = false;
    this.avoidance = 0;
  }

  /** RFC 5681 §3.1 eq. 4 and the loss window: after an RTO, ssthresh = max(flight/2, 2 SMSS) and cwnd = 1 SMSS. */
  onRetransmitTimeout(flight: number, highestSent: number): void {
    this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.smss);
    this.cwnd = this.smss;
    this.inRecovery = false;
    this.recover = highestSent; // RFC 6582 §3.2 step 1 after a timeout
    this.avoidance = 0;
  }
}
