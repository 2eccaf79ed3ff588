import type { SctpParam } from '../wire/sctp/chunk.ts';
import { reconfigResultName } from '../wire/sctp/names.ts';
import { tsnAdd, tsnLte } from './tsn.ts';

/**
 * Stream reconfiguration (RFC 6525) as WebRTC uses it to close channels (RFC 8831 §6.7): Outgoing SSN Reset
 * Requests, one outstanding at a time (§5.1.1), retransmitted on the RTO until answered; and the answers to the
 * peer's requests, deferred ("In progress") until every TSN before its last assigned one has arrived (§5.2.2).
 */

/** RFC 6525 §4.4 results. */
export const ReconfigResult = { SUCCESS_NOTHING: 0, SUCCESS_PERFORMED: 1, DENIED: 2, ERROR_WRONG_SSN: 3, ERROR_IN_PROGRESS: 4, ERROR_BAD_SEQUENCE: 5, IN_PROGRESS: 6 } as const;

export interface ReconfigEvents {
  /** Our outgoing streams were reset (the peer performed our request): their SSNs start again. */
  outgoingReset(streams: readonly number[], result: string): void;
  /** The peer reset its outgoing streams (our incoming ones). */
  incomingReset(streams: readonly number[]): void;
}

export class Reconfig {
  private nextRequestSeq: number;
  /** The peer's next expected request sequence number (§5.2.1), known from its INIT's initial TSN. */
  private peerNextSeq: number;
  private lastResponse: SctpParam | undefined;
  private readonly queue: number[][] = [];
  /** The request in flight and when it may be sent again. */
  outstanding: { readonly param: Extract<SctpParam, { kind: 'outgoing-ssn-reset' }>; resendAt: number } | undefined;
  /** A peer request we answered "In progress", performed once its last TSN arrived. */
  private deferred: Extract<SctpParam, { kind: 'outgoing-ssn-reset' }> | undefined;

  constructor(localInitialTsn: number, peerInitialTsn: number) {
    // RFC 6525 §5.1.1: the first request sequence number is the initial TSN
    this.nextRequestSeq = localInitialTsn;
    this.peerNextSeq = peerInitialTsn;
  }

  /** Queues streams to reset (RFC 8831 §6.7: closing a channel resets its outgoing stream). */
  request(streams: readonly number[]): void {
    if (streams.length) this.queue.push([...streams]);
  }

  /** The request to send now, if any: a new one when none is outstanding, or the outstanding one when due again. */
  due(now: number, lastTsn: number, rto: number, dataPending: boolean): SctpParam | undefined {
    if (this.outstanding) {
      if (now < this.outstanding.resendAt) return undefined;
      this.outstanding.resendAt = now + rto;
      return this.outstanding.param;
    }
    // §5.1.2: data queued for a stream is sent before the reset; the simplest rule is to wait for an idle sender
    if (dataPending) return undefined;
    const streams = this.queue.shift();
    if (!streams) return undefined;
    const param = { kind: 'outgoing-ssn-reset' as const, requestSeq: this.nextRequestSeq, responseSeq: tsnAdd(this.peerNextSeq, -1), lastTsn, streams };
    this.nextRequestSeq = tsnAdd(this.nextRequestSeq, 1);
    this.outstanding = { param, resendAt: now + rto };
    return param;
  }

  /** The next deadline a request waits for. */
  deadline(): number | undefined {
    return this.outstanding?.resendAt;
  }

  /** Whether requests are waiting or in flight. */
  get busy(): boolean {
    return !!this.outstanding || this.queue.length > 0;
  }

  /**
   * The peer's RE-CONFIG parameters: our answers to send back. `cumulativeTsn` is what we received so far (a
   * request waits for its last TSN, §5.2.2).
   */
  receive(params: readonly SctpParam[], cumulativeTsn: number, ev: ReconfigEvents): SctpParam[] {
    const answers: SctpParam[] = [];
    for (const p of params) {
      if (p.kind === 'reconfig-response') {
        const o = this.outstanding;
        if (!o || p.responseSeq !== o.param.requestSeq) continue;
        if (p.result === ReconfigResult.IN_PROGRESS) continue; // asked again when the timer fires
        this.outstanding = undefined;
        ev.outgoingReset(o.param.streams, reconfigResultName(p.result));
      } else if (p.kind === 'outgoing-ssn-reset') {
        answers.push(this.peerRequest(p, cumulativeTsn, ev));
      } else if (p.kind === 'incoming-ssn-reset' || p.kind === 'ssn-tsn-reset' || p.kind === 'add-outgoing-streams' || p.kind === 'add-incoming-streams') {
        // not offered by WebRTC data channels: denied (§5.2.3–§5.2.6 allow it)
        const seq = p.requestSeq;
        if (seq === this.peerNextSeq) this.peerNextSeq = tsnAdd(seq, 1);
        answers.push({ kind: 'reconfig-response', responseSeq: seq, result: ReconfigResult.DENIED });
      }
    }
    return answers;
  }

  private peerRequest(p: Extract<SctpParam, { kind: 'outgoing-ssn-reset' }>, cumulativeTsn: number, ev: ReconfigEvents): SctpParam {
    // §5.2.1: a retransmitted request gets the same answer, one out of sequence a Bad Sequence Number
    if (p.requestSeq === tsnAdd(this.peerNextSeq, -1) && this.lastResponse && !this.deferred) return this.lastResponse;
    if (p.requestSeq !== this.peerNextSeq && !(this.deferred && this.deferred.requestSeq === p.requestSeq)) {
      return { kind: 'reconfig-response', responseSeq: p.requestSeq, result: ReconfigResult.ERROR_BAD_SEQUENCE };
    }
    if (!tsnLte(p.lastTsn, cumulativeTsn)) {
      this.deferred = p;
      this.peerNextSeq = tsnAdd(p.requestSeq, 1);
      return { kind: 'reconfig-response', responseSeq: p.requestSeq, result: ReconfigResult.IN_PROGRESS };
    }
    this.deferred = undefined;
    this.peerNextSeq = tsnAdd(p.requestSeq, 1);
    ev.incomingReset(p.streams);
    this.lastResponse = { kind: 'reconfig-response', responseSeq: p.requestSeq, result: ReconfigResult.SUCCESS_PERFORMED };
    return this.lastResponse;
  }
}
