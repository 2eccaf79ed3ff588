import { formatTransportAddress, type TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { formatNameAddr, parseNameAddr, parseSipUri } from '../wire/sip/headers.ts';
import { sipHeader, sipHeaderValues, type SipMessage } from '../wire/sip/message.ts';
import { buildRequest, buildResponse, hostPort, newBranch, randomHex, REASONS } from './build.ts';
import { sipNote } from './notes.ts';
import { T1, T2, type ServerTransaction, type SipTransactionLayer } from './stack.ts';

/** A call's life as both ends see it (RFC 3261 §12, §13, §15). */
export type CallState = 'calling' | 'ringing' | 'answered' | 'confirmed' | 'ended' | 'failed';

export interface CallEvents {
  state(now: Micros, call: SipCall, state: CallState, status: number | null, reason: string): void;
}

/** Where a SIP URI's host:port points (a URI without a port means 5060, RFC 3261 §19.1.2). */
export function uriAddress(uri: string): TransportAddress | undefined {
  const u = parseSipUri(uri);
  if (typeof u === 'string' || !/^[0-9.]+$|:/.test(u.host)) return undefined;
  return { ip: u.host, port: u.port ?? 5060 };
}

/**
 * One INVITE dialog, from either end: the UAC sends INVITE (following a 3xx to its Contact, RFC 3261 §8.1.3.4),
 * ACKs a 2xx itself with a new branch (§13.2.2.4) and ACKs 2xx retransmissions again; the UAS answers 100 Trying,
 * 180 Ringing and after `ringFor` 200 OK with its SDP, retransmitted from T1 doubling to T2 until the ACK
 * (§13.3.1.4), giving up with a BYE after 64·T1. Either end may send BYE (§15); the other answers 200.
 */
export class SipCall {
  state: CallState;
  readonly callId: string;
  readonly localTag: string;
  remoteTag: string | undefined;
  /** Where in-dialog requests go: the peer's Contact (§12.1.1, §12.1.2). */
  remoteTarget: TransportAddress;
  remoteUri: string;
  /** The peer's Contact URI: the Request-URI of in-dialog requests (RFC 3261 §12.2.1.1). */
  targetUri: string | undefined;
  private localCseq = 0;
  private inviteCseq = 0;
  /** The remote party's SDP (the UAS's answer or the UAC's offer). */
  remoteSdp: Uint8Array | undefined;
  private ok: SipMessage | undefined;
  private okInterval: Micros = T1;
  redirects = 0;

  constructor(
    readonly role: 'uac' | 'uas',
    private readonly stack: SipTransactionLayer,
    private readonly rng: Rng,
    private readonly events: CallEvents,
    readonly local: { readonly uri: string; readonly display?: string; readonly contact: string; readonly userAgent: string },
    init: { readonly callId?: string; readonly target: TransportAddress; readonly remoteUri: string },
  ) {
    this.state = role === 'uac' ? 'calling' : 'ringing';
    this.callId = init.callId ?? `${randomHex(rng, 20)}@${hostPort(stack.local)}`;
    this.localTag = randomHex(rng, 10);
    this.remoteTarget = init.target;
    this.remoteUri = init.remoteUri;
  }

  get peer(): string {
    return formatTransportAddress(this.remoteTarget);
  }

  private from(): string {
    return formatNameAddr({ ...(this.local.display ? { display: this.local.display } : {}), uri: this.local.uri, params: new Map([['tag', this.localTag]]) });
  }

  private to(): string {
    return formatNameAddr({ uri: this.remoteUri, ...(this.remoteTag ? { params: new Map([['tag', this.remoteTag]]) } : {}) });
  }

  private emit(now: Micros, state: CallState, status: number | null, reason: string): void {
    this.state = state;
    this.stack.out.push({ type: 'note', ...sipNote('sip.call', `call ${this.callId.slice(0, 12)}… ${state}${status !== null ? ` (${status})` : ''}: ${reason}`, { callId: this.callId, state, peer: this.peer, status }) });
    this.events.state(now, this, state, status, reason);
  }

  // ---- UAC ----

  /** Sends the INVITE with an SDP offer to `remoteTarget` (a proxy, a redirect server or the phone itself). */
  invite(now: Micros, offer: Uint8Array): void {
    this.localCseq++;
    this.inviteCseq = this.localCseq;
    const req = buildRequest({
      method: 'INVITE',
      uri: this.remoteUri,
      local: this.stack.local,
      branch: newBranch(this.rng),
      from: this.from(),
      to: formatNameAddr({ uri: this.remoteUri }),
      callId: this.callId,
      cseq: this.localCseq,
      contact: this.local.contact,
      extra: [{ name: 'Allow', value: 'INVITE, ACK, BYE, CANCEL, OPTIONS' }],
      body: { type: 'application/sdp', bytes: offer },
      userAgent: this.local.userAgent,
    });
    if (this.redirects === 0) this.emit(now, 'calling', null, `INVITE ${this.remoteUri} to ${this.peer}`);
    this.stack.send(now, req, this.remoteTarget, {
      response: (t, res) => this.onInviteResponse(t, res, offer),
      timeout: (t, timer) => this.emit(t, 'failed', 408, `no final answer to INVITE (Timer ${timer})`),
    });
  }

  private onInviteResponse(now: Micros, res: SipMessage, offer: Uint8Array): void {
    if (res.start.kind !== 'response' || this.state === 'ended' || this.state === 'failed') return;
    const status = res.start.status;
    if (status === 100) return;
    if (status < 200) {
      if (this.state === 'calling') this.emit(now, 'ringing', status, `${status} ${res.start.reason}`);
      return;
    }
    if (status >= 300 && status < 400) {
      // §8.1.3.4: try the Contact the redirect names (the ACK for the 3xx went inside the transaction)
      const c = sipHeaderValues(res, 'Contact').map((x) => parseNameAddr(x)).find((x) => typeof x !== 'string');
      const target = c && typeof c !== 'string' ? uriAddress(c.uri) : undefined;
      if (!target || this.redirects >= 3) return this.emit(now, 'failed', status, target ? 'too many redirects' : `${status} without a usable Contact`);
      this.redirects++;
      this.remoteTarget = target;
      this.invite(now, offer);
      return;
    }
    if (status >= 300) return this.emit(now, 'failed', status, `${status} ${res.start.reason}`);
    this.takeDialog(res);
    this.sendAck();
    if (this.state === 'confirmed') return;
    this.remoteSdp = res.body.length ? res.body : undefined;
    this.emit(now, 'confirmed', status, `${status} ${res.start.reason}, ACK sent`);
  }

  /** §12.1.2: the dialog's remote tag and target from the 2xx. */
  private takeDialog(res: SipMessage): void {
    const to = parseNameAddr(sipHeader(res, 'To') ?? '');
    if (typeof to !== 'string' && to.tag) this.remoteTag = to.tag;
    const contact = sipHeaderValues(res, 'Contact').map((x) => parseNameAddr(x)).find((x) => typeof x !== 'string');
    const target = contact && typeof contact !== 'string' ? uriAddress(contact.uri) : undefined;
    if (target && contact && typeof contact !== 'string') {
      this.remoteTarget = target;
      this.targetUri = contact.uri;
    }
  }

  /** §13.2.2.4: the ACK for a 2xx, a transaction of its own (new branch), CSeq number of the INVITE. */
  private sendAck(): void {
    const ack = buildRequest({ method: 'ACK', uri: this.targetUri ?? this.remoteUri, local: this.stack.local, branch: newBranch(this.rng), from: this.from(), to: this.to(), callId: this.callId, cseq: this.inviteCseq, userAgent: this.local.userAgent });
    this.stack.sendRaw(this.remoteTarget, ack);
  }

  /** A retransmitted 2xx (our ACK was lost): ACK again. */
  strayOk(res: SipMessage): void {
    if (this.role === 'uac' && (this.state === 'confirmed' || this.state === 'ended')) {
      this.takeDialog(res);
      this.sendAck();
    }
  }

  // ---- UAS ----

  private inviteTx: ServerTransaction | undefined;

  /** Answers an INVITE: 100 Trying now, 180 Ringing with our tag, 200 OK with `answer` after `ringFor`. */
  answerInvite(now: Micros, tx: ServerTransaction, ringFor: Micros, answer: Uint8Array): void {
    this.inviteTx = tx;
    const req = tx.request;
    const from = parseNameAddr(sipHeader(req, 'From') ?? '');
    if (typeof from !== 'string') this.remoteTag = from.tag;
    const contact = parseNameAddr(sipHeader(req, 'Contact') ?? '');
    if (typeof contact !== 'string' && uriAddress(contact.uri)) this.targetUri = contact.uri;
    this.remoteSdp = req.body.length ? req.body : undefined;
    this.stack.respond(now, tx, buildResponse(req, 100, REASONS[100]!, { server: this.local.userAgent }));
    this.stack.respond(now, tx, buildResponse(req, 180, REASONS[180]!, { toTag: this.localTag, extra: [{ name: 'Contact', value: this.local.contact }], server: this.local.userAgent }));
    this.emit(now, 'ringing', 180, `INVITE from ${sipHeader(req, 'From')}`);
    this.stack.setTimer(`ring:${this.callId}`, now + ringFor, `SIP phone ringing (${ringFor / 1000} ms)`, (t) => this.accept(t, answer));
  }

  private accept(now: Micros, answer: Uint8Array): void {
    const tx = this.inviteTx;
    if (!tx || this.state !== 'ringing') return;
    this.ok = buildResponse(tx.request, 200, REASONS[200]!, { toTag: this.localTag, extra: [{ name: 'Contact', value: this.local.contact }, { name: 'Allow', value: 'INVITE, ACK, BYE, CANCEL, OPTIONS' }], body: { type: 'application/sdp', bytes: answer }, server: this.local.userAgent });
    this.stack.respond(now, tx, this.ok);
    this.emit(now, 'answered', 200, '200 OK sent, waiting for ACK');
    this.okInterval = T1;
    const start = now;
    const arm = (at: Micros): void =>
      this.stack.setTimer(`2xx:${this.callId}`, at, `SIP 2xx retransmission until ACK (${this.okInterval / 1000} ms, RFC 3261 §13.3.1.4)`, (t) => {
        if (this.state !== 'answered' || !this.ok) return;
        if (t - start >= 64 * T1) {
          this.stack.out.push({ type: 'note', ...sipNote('sip.timeout', `no ACK for the 200 OK in 64·T1: the call is ended with BYE (RFC 3261 §13.3.1.4)`, { method: 'INVITE', timer: '2xx', to: this.peer }) });
          this.bye(t);
          return;
        }
        this.stack.sendRaw(tx.source, this.ok);
        this.okInterval = Math.min(this.okInterval * 2, T2);
        arm(t + this.okInterval);
      });
    arm(now + T1);
  }

  /** The ACK for our 2xx arrived (through the core, §17.2.1). */
  acked(now: Micros): void {
    if (this.state !== 'answered') return;
    this.stack.clearTimer(`2xx:${this.callId}`);
    this.emit(now, 'confirmed', null, 'ACK received');
  }

  // ---- both ----

  /** §15.1.1: BYE ends the dialog; the call is over when its 200 comes (or the transaction gives up). */
  bye(now: Micros): void {
    if (this.state === 'ended' || this.state === 'failed') return;
    this.stack.clearTimer(`2xx:${this.callId}`);
    this.stack.clearTimer(`ring:${this.callId}`);
    this.localCseq = Math.max(this.localCseq + 1, 1);
    const req = buildRequest({ method: 'BYE', uri: this.targetUri ?? this.remoteUri, local: this.stack.local, branch: newBranch(this.rng), from: this.from(), to: this.to(), callId: this.callId, cseq: this.localCseq, userAgent: this.local.userAgent });
    this.stack.send(now, req, this.remoteTarget, {
      response: (t, res) => {
        if (res.start.kind === 'response' && res.start.status >= 200) this.emit(t, 'ended', res.start.status, `BYE answered ${res.start.status} ${res.start.reason}`);
      },
      timeout: (t, timer) => this.emit(t, 'ended', 408, `BYE unanswered (Timer ${timer})`),
    });
  }

  /** The peer's BYE: 200 OK, the call is over (§15.1.2). */
  byeReceived(now: Micros, tx: ServerTransaction): void {
    this.stack.clearTimer(`2xx:${this.callId}`);
    this.stack.clearTimer(`ring:${this.callId}`);
    this.stack.respond(now, tx, buildResponse(tx.request, 200, REASONS[200]!, { server: this.local.userAgent }));
    if (this.state !== 'ended') this.emit(now, 'ended', null, 'BYE received, 200 OK sent');
  }
}
