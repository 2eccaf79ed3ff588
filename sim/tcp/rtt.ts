import type { Micros } from '../core/time.ts';

/**
 * The retransmission timer's value (RFC 6298): SRTT and RTTVAR from RTT samples (§2.2, §2.3), the RTO clamped to
 * [minRto, maxRto] (§2.4, §2.5), doubled on every expiry (§5.5) and recomputed from the next sample.
 */
export class RttEstimator {
  srtt: Micros | undefined;
  rttvar: Micros = 0;
  private base: Micros;
  /** How many times the timer has been backed off since the last sample. */
  backoffs = 0;

  constructor(
    initialRto: Micros,
    private readonly minRto: Micros,
    private readonly maxRto: Micros,
  ) {
    this.base = initialRto;
  }

  /** §2.2 (first sample) and §2.3 (later ones), with alpha = 1/8 and beta = 1/4; clock granularity G = 1 ms. */
  sample(r: Micros): void {
    if (this.srtt === undefined) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.base = this.srtt + Math.max(1000, 4 * this.rttvar);
    this.backoffs = 0;
  }

  /** The current RTO, backed off. */
  get rto(): Micros {
    const clamped = Math.min(Math.max(this.base, this.minRto), this.maxRto);
    return Math.min(Math.round(clamped * 2 ** this.backoffs), this.maxRto);
  }

  /** §5.5: the timer expired; the next one is twice as long. */
  backoff(): void {
    if (this.rto < this.maxRto) this.backoffs++;
  }
}
