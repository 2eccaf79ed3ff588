import type { Micros } from '../core/time.ts';
import type { DataChunk, SackChunk } from '../wire/sctp/chunk.ts';
import { ssnAdd, ssnLt, tsnAdd, tsnDiff, tsnLt, tsnLte } from './tsn.ts';
import { completeMessage, joinUserData } from '../wire/sctp/fragments.ts';

/**
 * The receiving half of an association (RFC 9260 §6.2, §6.5, §6.9; RFC 3758 §3.6): TSNs received beyond the
 * cumulative one (for gap blocks), duplicates (reported once in the next SACK), fragments waiting for the rest of
 * their message, and complete ordered messages waiting for their turn on their stream (head-of-line blocking).
 * Bounded: at most `maxTsnWindow` TSNs past the cumulative one are accepted and at most `arwnd` bytes are held;
 * past that, chunks are dropped as §6.2 allows when the window is full.
 */

/** A message handed to the user. */
export interface DeliveredMessage {
  readonly streamId: number;
  readonly ppid: number;
  readonly bytes: Uint8Array;
  readonly unordered: boolean;
  readonly ssn: number;
}

/** What the receiver tells its association about a DATA chunk or a FORWARD-TSN. */
export type ReceiverEvent =
  | { readonly kind: 'hol-blocked'; readonly streamId: number; readonly ssn: number; readonly waitingFor: number }
  | { readonly kind: 'hol-released'; readonly streamId: number; readonly messages: number; readonly heldMs: number }
  | { readonly kind: 'limit'; readonly what: string; readonly limit: number };

interface Fragment {
  readonly chunk: DataChunk;
}

interface HeldMessage extends DeliveredMessage {
  readonly since: Micros;
}

interface InStream {
  /** The next SSN to deliver (RFC 9260 §6.5). */
  nextSsn: number;
  /** Complete ordered messages waiting, by SSN. */
  readonly held: Map<number, HeldMessage>;
  blockedNoted: number | undefined;
}

export class Receiver {
  /** The highest TSN such that all up to it arrived (§6.2: the Cumulative TSN Ack Point). */
  cumulativeTsn: number;
  /** TSNs received beyond the cumulative one. */
  private readonly beyond = new Set<number>();
  private duplicates: number[] = [];
  private readonly fragments = new Map<number, Fragment>();
  private readonly streams = new Map<number, InStream>();
  private heldBytes = 0;
  readonly delivered: DeliveredMessage[] = [];
  readonly events: ReceiverEvent[] = [];
  /** Counters for the summary. */
  received = 0;
  duplicateCount = 0;
  /** Whether a SACK is owed (§6.2: at least every second packet with DATA, or when the delayed-ack timer fires). */
  packetsSinceSack = 0;
  sackNow = false;

  constructor(
    peerInitialTsn: number,
    readonly arwnd: number,
    private readonly maxTsnWindow = 16384,
  ) {
    this.cumulativeTsn = tsnAdd(peerInitialTsn, -1);
  }

  /** Bytes of the window left (§6.2.1 a_rwnd), fragments and held messages counted. */
  window(): number {
    return Math.max(0, this.arwnd - this.heldBytes);
  }

  private stream(id: number): InStream {
    let s = this.streams.get(id);
    if (!s) {
      s = { nextSsn: 0, held: new Map(), blockedNoted: undefined };
      this.streams.set(id, s);
    }
    return s;
  }

  /** A DATA chunk (§6.2): 'duplicate', 'dropped' (window or bound), or 'new'. */
  data(now: Micros, c: DataChunk): 'duplicate' | 'dropped' | 'new' {
    if (tsnLte(c.tsn, this.cumulativeTsn) || this.beyond.has(c.tsn)) {
      // §6.2: report duplicates in the next SACK; bounded list
      if (this.duplicates.length < 64) this.duplicates.push(c.tsn);
      this.duplicateCount++;
      this.sackNow = true;
      return 'duplicate';
    }
    if (tsnDiff(this.cumulativeTsn, c.tsn) > this.maxTsnWindow) {
      this.events.push({ kind: 'limit', what: `TSN ${c.tsn} is more than ${this.maxTsnWindow} past the cumulative TSN ${this.cumulativeTsn}`, limit: this.maxTsnWindow });
      return 'dropped';
    }
    // §6.2: drop what does not fit the window unless it fills a hole below the highest TSN received
    if (this.heldBytes + c.userData.length > this.arwnd && tsnLt(this.highest(), c.tsn)) return 'dropped';
    this.received++;
    if (c.tsn === tsnAdd(this.cumulativeTsn, 1)) {
      this.cumulativeTsn = c.tsn;
      while (this.beyond.delete(tsnAdd(this.cumulativeTsn, 1))) this.cumulativeTsn = tsnAdd(this.cumulativeTsn, 1);
    } else {
      this.beyond.add(c.tsn);
      this.sackNow = true; // §6.7: a gap is reported at once
    }
    if (c.immediate) this.sackNow = true;
    this.fragment(now, c);
    return 'new';
  }

  /** The highest TSN received. */
  private highest(): number {
    let h = this.cumulativeTsn;
    for (const t of this.beyond) if (tsnLt(h, t)) h = t;
    return h;
  }

  private fragment(now: Micros, c: DataChunk): void {
    if (c.beginning && c.ending) {
      this.complete(now, { streamId: c.streamId, ppid: c.ppid, bytes: c.userData, unordered: c.unordered, ssn: c.ssn });
      return;
    }
    this.fragments.set(c.tsn, { chunk: c });
    this.heldBytes += c.userData.length;
    // §6.9: fragments of a message have consecutive TSNs, B on the first and E on the last, one stream
    const parts = completeMessage(this.fragments, c);
    if (!parts) return;
    const bytes = joinUserData(parts);
    for (const p of parts) {
      this.fragments.delete(p.tsn);
      this.heldBytes -= p.userData.length;
    }
    const head = parts[0]!;
    this.complete(now, { streamId: head.streamId, ppid: head.ppid, bytes, unordered: head.unordered, ssn: head.ssn });
  }

  /** §6.6: an unordered message goes up at once; an ordered one in SSN order on its stream. */
  private complete(now: Micros, m: DeliveredMessage): void {
    if (m.unordered) {
      this.delivered.push(m);
      return;
    }
    const s = this.stream(m.streamId);
    if (m.ssn !== s.nextSsn) {
      if (!ssnLt(s.nextSsn, m.ssn)) return; // an old SSN (after a FORWARD-TSN skipped it): nothing to deliver
      s.held.set(m.ssn, { ...m, since: now });
      this.heldBytes += m.bytes.length;
      if (s.blockedNoted !== s.nextSsn) {
        s.blockedNoted = s.nextSsn;
        this.events.push({ kind: 'hol-blocked', streamId: m.streamId, ssn: m.ssn, waitingFor: s.nextSsn });
      }
      return;
    }
    this.delivered.push(m);
    s.nextSsn = ssnAdd(s.nextSsn, 1);
    this.release(now, m.streamId, s);
  }

  private release(now: Micros, streamId: number, s: InStream): void {
    let n = 0;
    let first: Micros | undefined;
    for (let h = s.held.get(s.nextSsn); h; h = s.held.get(s.nextSsn)) {
      s.held.delete(s.nextSsn);
      this.heldBytes -= h.bytes.length;
      first ??= h.since;
      this.delivered.push({ streamId: h.streamId, ppid: h.ppid, bytes: h.bytes, unordered: false, ssn: h.ssn });
      s.nextSsn = ssnAdd(s.nextSsn, 1);
      n++;
    }
    if (n && first !== undefined) {
      s.blockedNoted = undefined;
      this.events.push({ kind: 'hol-released', streamId, messages: n, heldMs: Math.round((now - first) / 1000) });
    }
  }

  /**
   * RFC 3758 §3.6: FORWARD-TSN moves the cumulative TSN, drops the fragments it passes and lets each listed ordered
   * stream skip to after the SSN given.
   */
  forwardTsn(now: Micros, newCumulativeTsn: number, streams: readonly { readonly streamId: number; readonly ssn: number }[]): void {
    if (!tsnLt(this.cumulativeTsn, newCumulativeTsn)) {
      this.sackNow = true;
      return;
    }
    if (tsnDiff(this.cumulativeTsn, newCumulativeTsn) > this.maxTsnWindow) {
      this.events.push({ kind: 'limit', what: `FORWARD-TSN to ${newCumulativeTsn}, more than ${this.maxTsnWindow} past ${this.cumulativeTsn}`, limit: this.maxTsnWindow });
      return;
    }
    this.cumulativeTsn = newCumulativeTsn;
    for (const t of [...this.beyond]) if (tsnLte(t, this.cumulativeTsn)) this.beyond.delete(t);
    while (this.beyond.delete(tsnAdd(this.cumulativeTsn, 1))) this.cumulativeTsn = tsnAdd(this.cumulativeTsn, 1);
    for (const [t, f] of [...this.fragments]) {
      if (tsnLte(t, this.cumulativeTsn)) {
        this.fragments.delete(t);
        this.heldBytes -= f.chunk.userData.length;
      }
    }
    for (const { streamId, ssn } of streams) {
      const s = this.stream(streamId);
      if (!ssnLt(ssn, s.nextSsn)) {
        for (const k of [...s.held.keys()]) {
          if (!ssnLt(ssn, k)) {
            this.heldBytes -= s.held.get(k)!.bytes.length;
            s.held.delete(k);
          }
        }
        s.nextSsn = ssnAdd(ssn, 1);
        this.release(now, streamId, s);
      }
    }
    this.sackNow = true;
  }

  /** RFC 6525 §5.2.2: an incoming stream reset starts its SSNs again at 0. */
  resetStream(streamId: number): void {
    const s = this.streams.get(streamId);
    if (!s) return;
    for (const h of s.held.values()) this.heldBytes -= h.bytes.length;
    this.streams.delete(streamId);
  }

  /** The SACK for what arrived so far (§3.3.4): gap blocks relative to the cumulative TSN, duplicates once. */
  sack(): SackChunk {
    const sorted = [...this.beyond].map((t) => tsnDiff(this.cumulativeTsn, t)).sort((a, b) => a - b);
    const gapBlocks: { start: number; end: number }[] = [];
    for (const off of sorted) {
      const last = gapBlocks[gapBlocks.length - 1];
      if (last && off === last.end + 1) last.end = off;
      else if (gapBlocks.length < 128) gapBlocks.push({ start: off, end: off });
    }
    const duplicateTsns = this.duplicates;
    this.duplicates = [];
    this.packetsSinceSack = 0;
    this.sackNow = false;
    return { kind: 'SACK', cumulativeTsnAck: this.cumulativeTsn, arwnd: this.window(), gapBlocks, duplicateTsns };
  }
}
