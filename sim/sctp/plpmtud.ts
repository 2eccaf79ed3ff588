// Packetization Layer Path MTU Discovery for SCTP (RFC 8899 §5, §6.2; RFC 8261 §5 asks it of SCTP over DTLS): the
// largest SCTP packet the path carries, found with probe packets of a HEARTBEAT and a PAD chunk (RFC 4820) whose
// HEARTBEAT-ACK confirms the size, never with DATA, so a lost probe loses no user data and counts against nothing.
// Sans-IO: the association asks for the probe due, hands back acknowledgements and timeouts, and reads `plpmtu`.
import type { Micros } from '../core/time.ts';
import { SECOND } from '../core/time.ts';

/** RFC 8899 §5.2: the search's states (DISABLED is an association without the option). */
export type PlpmtudState = 'base' | 'search' | 'search-complete' | 'error';

/** RFC 8899 §5.1 constants and timers, in SCTP packet bytes (common header and chunks) and µs. */
export interface PlpmtudOptions {
  /** BASE_PLPMTU: confirmed first; 1200 as RFC 8899 §5.1.2 recommends for IPv4 and WebRTC's SCTP uses. */
  readonly base?: number;
  /** MIN_PLPMTU: what ERROR falls back to while BASE is not confirmed. */
  readonly min?: number;
  /** MAX_PLPMTU: the largest probe (the local MTU less what lies under SCTP: DTLS, UDP, IP). */
  readonly max?: number;
  /** PROBE_TIMER: how long a probe waits for its acknowledgement (RFC 8899 §5.1.1: not under 1 s). */
  readonly probeTimer?: Micros;
  /** MAX_PROBES: probes of one size lost in a row before the size is given up (RFC 8899 §5.1.2: 3). */
  readonly maxProbes?: number;
  /** PMTU_RAISE_TIMER: how long a completed search is trusted before searching again (RFC 8899 §5.1.1: 600 s). */
  readonly raiseTimer?: Micros;
  /** How often SEARCH_COMPLETE confirms the PLPMTU with a probe of that size (black-hole detection, §4.3). */
  readonly confirmInterval?: Micros;
}

/** The search's steps: up by 32 bytes, then by 4 (chunks are 4-byte aligned) below the size that failed, as Linux's SCTP. */
const BIG_STEP = 32;
const MIN_STEP = 4;

export type PlpmtudEvent =
  | { readonly kind: 'confirmed'; readonly size: number }
  | { readonly kind: 'probe-lost'; readonly size: number; readonly count: number }
  | { readonly kind: 'state'; readonly from: PlpmtudState; readonly to: PlpmtudState; readonly plpmtu: number; readonly why: string }
  | { readonly kind: 'ptb'; readonly size: number; readonly action: PtbAction; readonly why: string };

/** What a Packet Too Big hint did (RFC 8899 §4.6.2): nothing, the next search point, or back to BASE to search again. */
export type PtbAction = 'ignored' | 'search-point' | 'black-hole';

export class Plpmtud {
  readonly base: number;
  readonly min: number;
  readonly max: number;
  readonly probeTimer: Micros;
  readonly maxProbes: number;
  readonly raiseTimer: Micros;
  readonly confirmInterval: Micros;
  state: PlpmtudState = 'base';
  /** The PLPMTU in use: what DATA packets are built to. */
  plpmtu: number;
  /** PROBED_SIZE and PROBE_COUNT (RFC 8899 §5.1.3). */
  probedSize: number;
  probeCount = 0;
  /** The smallest size that failed in this search (the search never probes it or beyond again). */
  private probeHigh: number;
  private step = BIG_STEP;
  /** The outstanding probe's deadline, or when the next probe is due. */
  private probeDue: Micros | undefined;
  private outstanding: { size: number; info: string } | undefined;
  readonly events: PlpmtudEvent[] = [];
  /** Every probe sent, for tests and the summary: [time, size]. */
  readonly probes: [Micros, number][] = [];

  constructor(now: Micros, o: PlpmtudOptions = {}) {
    this.base = o.base ?? 1200;
    this.min = Math.min(o.min ?? 512, this.base);
    // 1500-byte Ethernet less IPv4 (20), UDP (8) and DTLS 1.2 AES-GCM (13 header, 8 nonce, 16 tag), to 4 bytes
    this.max = Math.max(roundDown4(o.max ?? 1500 - 20 - 8 - 37), this.base);
    this.probeTimer = Math.max(o.probeTimer ?? SECOND, SECOND);
    this.maxProbes = o.maxProbes ?? 3;
    this.raiseTimer = o.raiseTimer ?? 600 * SECOND;
    this.confirmInterval = o.confirmInterval ?? 30 * SECOND;
    // BASE (§5.2): the PLPMTU is BASE_PLPMTU while it is confirmed; the first probe goes at once
    this.plpmtu = this.base;
    this.probedSize = this.base;
    this.probeHigh = this.max + MIN_STEP;
    this.probeDue = now;
  }

  /** The earliest time `poll` has something to do. */
  deadline(): Micros | undefined {
    return this.probeDue;
  }

  /**
   * At `now`: a lost probe is counted (its PROBE_TIMER expired), and the probe due is returned (its size and the
   * HEARTBEAT information that names it) for the association to send alone; undefined when none is due.
   */
  poll(now: Micros, nonce: () => Uint8Array): { size: number; info: Uint8Array } | undefined {
    if (this.probeDue === undefined || now < this.probeDue) return undefined;
    if (this.outstanding) this.lost(now);
    if (this.probeDue === undefined || now < this.probeDue) return undefined;
    const size = this.probedSize;
    const info = new Uint8Array(12);
    new DataView(info.buffer).setUint32(0, size);
    info.set(nonce().subarray(0, 8), 4);
    this.outstanding = { size, info: hex(info) };
    this.probes.push([now, size]);
    this.probeDue = now + this.probeTimer;
    return { size, info };
  }

  /** A HEARTBEAT-ACK: true when it acknowledges the outstanding probe (then it is the search's, not the association's). */
  acknowledge(now: Micros, info: Uint8Array): boolean {
    if (!this.outstanding || hex(info) !== this.outstanding.info) return false;
    const size = this.outstanding.size;
    this.outstanding = undefined;
    this.probeCount = 0;
    this.events.push({ kind: 'confirmed', size });
    if (this.state === 'base' || this.state === 'error') {
      // §5.2: BASE_PLPMTU confirmed: search upwards
      this.plpmtu = size;
      this.enter('search', `BASE_PLPMTU ${size} confirmed`);
      this.nextSearchProbe(now);
    } else if (this.state === 'search') {
      this.plpmtu = size;
      this.nextSearchProbe(now);
    } else {
      // SEARCH_COMPLETE: the PLPMTU still holds
      this.probeDue = now + this.confirmInterval;
    }
    return true;
  }

  /**
   * RFC 8899 §4.6.2: a validated Packet Too Big, as PL_PTB_SIZE (the next-hop MTU less what lies under SCTP). It is a
   * hint, never the PLPMTU itself (§6.1.6; over DTLS the quoted SCTP header is encrypted and cannot be checked,
   * §6.2.1.4): at or above the size in flight it is inconsistent and ignored; between the PLPMTU and the size
   * being probed it is the search's next point; below the PLPMTU it signals a black hole: the PLPMTU goes back to
   * BASE_PLPMTU (never below it on a PTB's word) and a search starts again, its first probe the PTB's size, so what
   * it says is confirmed by a probe before DATA uses it.
   */
  packetTooBig(now: Micros, size: number): PtbAction {
    const s = roundDown4(size);
    const probing = this.outstanding?.size ?? (this.state === 'search' ? this.probedSize : this.plpmtu);
    const ceiling = Math.max(this.plpmtu, probing);
    if (size >= ceiling) return this.ptb(size, 'ignored', `not below the PLPMTU ${this.plpmtu}${probing > this.plpmtu ? ` nor the probe of ${probing}` : ''}: inconsistent, a PTB never raises the PLPMTU`);
    if (this.state === 'base' || this.state === 'error') return this.ptb(size, 'ignored', `BASE_PLPMTU ${this.base} is not confirmed yet: its probes decide, and a PTB never takes the PLPMTU below it`);
    if (size >= this.plpmtu) {
      // PLPMTU < PL_PTB_SIZE < PROBED_SIZE: the PLPMTU holds; the search goes on from the PTB's size
      this.probeHigh = Math.min(this.probeHigh, s + MIN_STEP);
      this.outstanding = undefined;
      this.probeCount = 0;
      this.step = MIN_STEP;
      this.ptb(size, 'search-point', `between the PLPMTU ${this.plpmtu} and the probe of ${probing}: the probe is given up and ${s > this.plpmtu ? `${s} probed next` : 'the search completes'}`);
      if (s > this.plpmtu) {
        this.probedSize = s;
        this.probeDue = now;
      } else this.complete(now, `Packet Too Big says ${size}`);
      return 'search-point';
    }
    if (this.plpmtu <= this.base) return this.ptb(size, 'ignored', `below the PLPMTU ${this.plpmtu}, which is BASE_PLPMTU already: only lost probes take it lower (RFC 8899 §5.2 ERROR)`);
    // BASE_PLPMTU <= ... < PLPMTU (or under BASE: not below it on a PTB's word): a black hole; search again from the hint
    this.ptb(size, 'black-hole', `below the PLPMTU ${this.plpmtu}: PLPMTU back to BASE_PLPMTU ${this.base}, then ${s > this.base ? `${s} probed` : 'no search above BASE_PLPMTU'}`);
    this.hint = s > this.base ? s : undefined;
    this.blackHole(now, `Packet Too Big says ${size}`);
    this.probeHigh = Math.max(this.base, s) + MIN_STEP;
    return 'black-hole';
  }

  /** The first size the next search probes: a Packet Too Big's, confirmed by that probe before use. */
  private hint: number | undefined;

  private ptb(size: number, action: PtbAction, why: string): PtbAction {
    this.events.push({ kind: 'ptb', size, action, why });
    return action;
  }

  private lost(now: Micros): void {
    const size = this.outstanding!.size;
    this.outstanding = undefined;
    this.probeCount++;
    this.events.push({ kind: 'probe-lost', size, count: this.probeCount });
    if (this.probeCount < this.maxProbes) {
      this.probeDue = now; // the same size again (§5.3.1)
      return;
    }
    this.probeCount = 0;
    switch (this.state) {
      case 'base':
        // §5.2: BASE_PLPMTU not confirmed: ERROR, with the smallest packets, still probing BASE_PLPMTU now and then
        this.plpmtu = this.min;
        this.enter('error', `${this.maxProbes} probes of BASE_PLPMTU ${size} lost`);
        this.probedSize = this.base;
        this.probeDue = now + this.probeTimer;
        return;
      case 'error':
        this.probeDue = now + this.probeTimer;
        return;
      case 'search':
        this.probeHigh = size;
        if (this.step > MIN_STEP) {
          this.step = MIN_STEP;
          this.nextSearchProbe(now);
        } else {
          this.complete(now, `${this.maxProbes} probes of ${size} lost`);
        }
        return;
      case 'search-complete':
        // §4.3 black-hole detection: the confirmed size no longer passes
        this.probeHigh = size;
        this.blackHole(now, `${this.maxProbes} probes of the PLPMTU ${size} lost`);
        return;
    }
  }

  private nextSearchProbe(now: Micros): void {
    const hint = this.hint;
    this.hint = undefined;
    if (hint !== undefined && hint > this.plpmtu && hint < this.probeHigh && hint <= this.max) {
      this.probedSize = hint;
      this.probeDue = now;
      return;
    }
    const next = Math.min(this.plpmtu + this.step, this.max);
    if (next <= this.plpmtu || next >= this.probeHigh) {
      if (this.step > MIN_STEP && this.plpmtu + MIN_STEP < this.probeHigh && this.plpmtu < this.max) {
        this.step = MIN_STEP;
        return this.nextSearchProbe(now);
      }
      return this.complete(now, this.plpmtu >= this.max ? `MAX_PLPMTU ${this.max} reached` : `${this.probeHigh} failed`);
    }
    this.probedSize = next;
    this.probeDue = now; // §5.3.1: the next size at once once one is confirmed
  }

  private complete(now: Micros, why: string): void {
    this.enter('search-complete', why);
    this.probedSize = this.plpmtu;
    this.probeDue = now + this.confirmInterval;
    this.raiseAt = now + this.raiseTimer;
  }

  /** PMTU_RAISE_TIMER: the next confirmation after it starts a new search instead (§5.2). */
  private raiseAt: Micros | undefined;

  /** Called at each deadline before `poll`: the raise timer turns SEARCH_COMPLETE back into SEARCHING. */
  tick(now: Micros): void {
    if (this.state === 'search-complete' && this.raiseAt !== undefined && now >= this.raiseAt && !this.outstanding) {
      this.raiseAt = undefined;
      this.probeHigh = this.max + MIN_STEP;
      this.step = BIG_STEP;
      this.enter('search', `PMTU_RAISE_TIMER (${this.raiseTimer / SECOND} s) expired`);
      this.nextSearchProbe(now);
    }
  }

  private blackHole(now: Micros, why: string): void {
    // back to BASE (§5.2, "black hole detected"): BASE_PLPMTU until confirmed again
    this.outstanding = undefined;
    this.probeCount = 0;
    this.step = BIG_STEP;
    this.plpmtu = this.base;
    this.probedSize = this.base;
    this.enter('base', `black hole: ${why}`);
    this.probeDue = now;
  }

  private enter(to: PlpmtudState, why: string): void {
    const from = this.state;
    this.state = to;
    this.events.push({ kind: 'state', from, to, plpmtu: this.plpmtu, why });
  }
}

const roundDown4 = (n: number): number => n - (n % 4);
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
