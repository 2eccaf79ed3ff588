import { formatTransportAddress, type TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { answerChallenge, formatDigestCredentials, parseDigestChallenge, type DigestChallenge } from '../wire/sip/digest.ts';
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
  /**
   * The INVITE's Request-URI: the address of record at first, the Contact of a 3xx after a redirect (RFC 3261
   * §8.1.3.4: the new request goes to the Contact's URI; To keeps the address of record).
   */
  requestUri: string;
  /** The peer's Contact URI: the Request-URI of in-dialog requests (RFC 3261 §12.2.1.1). */
  targetUri: string | undefined;
  /** The dialog's route set (RFC 3261 §12.1.1, §12.1.2): the proxies that Record-Routed, in the order requests visit them. */
  routeSet: string[] = [];
  private localCseq = 0;
  private inviteCseq = 0;
  /** The remote party's SDP (the UAS's answer or the UAC's offer). */
  remoteSdp: Uint8Array | undefined;
  /** The 2xx we retransmit until its ACK (§13.3.1.4): the INVITE's or a re-INVITE's. */
  private ok: SipMessage | undefined;
  private okInterval: Micros = T1;
  redirects = 0;
  /** The challenge the INVITE in flight answers (RFC 3261 §22.2: a proxy's 407 or a UAS's 401), and how often. */
  private challenge: { header: 'Authorization' | 'Proxy-Authorization'; ch: DigestChallenge; nc: number } | undefined;
  private answeredChallenge = false;
  authRetries = 0;
  /** The INVITE in flight and where it went (a CANCEL copies it, RFC 3261 §9.1). */
  private inviteSent: { req: SipMessage; to: TransportAddress } | undefined;
  /** Whether a provisional response came for the INVITE in flight (§9.1: no CANCEL before one). */
  private provisional = false;
  /** cancel() was asked: sent once a provisional response comes. */
  cancelling = false;
  private cancelSent = false;

  constructor(
    readonly role: 'uac' | 'uas',
    private readonly stack: SipTransactionLayer,
    private readonly rng: Rng,
    private readonly events: CallEvents,
    readonly local: { readonly uri: string; readonly display?: string; readonly contact: string; readonly userAgent: string; readonly credentials?: { readonly user: string; readonly password: string } },
    init: { readonly callId?: string; readonly target: TransportAddress; readonly remoteUri: string },
  ) {
    this.state = role === 'uac' ? 'calling' : 'ringing';
    this.callId = init.callId ?? `${randomHex(rng, 20)}@${hostPort(stack.local)}`;
    this.localTag = randomHex(rng, 10);
    this.remoteTarget = init.target;
    this.remoteUri = init.remoteUri;
    this.requestUri = init.remoteUri;
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
    const extra: { name: string; value: string }[] = [{ name: 'Allow', value: 'INVITE, ACK, BYE, CANCEL, OPTIONS' }];
    this.answeredChallenge = false;
    const cr = this.local.credentials;
    if (this.challenge && cr) {
      // §22.2: the same request again with credentials, a new CSeq and branch, the same Call-ID and From tag
      this.challenge.nc++;
      const c = answerChallenge(this.challenge.ch, { username: cr.user, password: cr.password, method: 'INVITE', uri: this.requestUri, cnonce: randomHex(this.rng, 16), nc: this.challenge.nc });
      extra.push({ name: this.challenge.header, value: formatDigestCredentials(c) });
      this.answeredChallenge = true;
    }
    const req = buildRequest({
      method: 'INVITE',
      uri: this.requestUri,
      local: this.stack.local, transport: this.stack.transport,
      branch: newBranch(this.rng),
      from: this.from(),
      to: formatNameAddr({ uri: this.remoteUri }),
      callId: this.callId,
      cseq: this.localCseq,
      contact: this.local.contact,
      extra,
      body: { type: 'application/sdp', bytes: offer },
      userAgent: this.local.userAgent,
    });
    if (this.redirects === 0 && this.authRetries === 0) this.emit(now, 'calling', null, `INVITE ${this.requestUri} to ${this.peer}`);
    this.inviteSent = { req, to: this.remoteTarget };
    this.provisional = false;
    this.stack.send(now, req, this.remoteTarget, {
      response: (t, res) => this.onInviteResponse(t, res, offer),
      timeout: (t, timer) => this.emit(t, 'failed', 408, `no final answer to INVITE (Timer ${timer})`),
    });
  }

  private onInviteResponse(now: Micros, res: SipMessage, offer: Uint8Array): void {
    if (res.start.kind !== 'response' || this.state === 'ended' || this.state === 'failed') return;
    const status = res.start.status;
    if (status < 200) {
      this.provisional = true;
      if (this.cancelling) this.sendCancel(now);
      if (status !== 100 && this.state === 'calling') this.emit(now, 'ringing', status, `${status} ${res.start.reason}`);
      return;
    }
    if (this.cancelSent && status === 487) return this.emit(now, 'ended', 487, `${status} ${res.start.reason}: the call was cancelled before it was answered`);
    if (status >= 300 && status < 400 && this.cancelling) return this.emit(now, 'ended', status, `${status} ${res.start.reason}: cancelled, the redirect is not followed`);
    if (status >= 300 && status < 400) {
      // §8.1.3.4: try the Contact the redirect names (the ACK for the 3xx went inside the transaction)
      const c = sipHeaderValues(res, 'Contact').map((x) => parseNameAddr(x)).find((x) => typeof x !== 'string');
      const target = c && typeof c !== 'string' ? uriAddress(c.uri) : undefined;
      if (!target || this.redirects >= 3) return this.emit(now, 'failed', status, target ? 'too many redirects' : `${status} without a usable Contact`);
      this.redirects++;
      this.remoteTarget = target;
      this.requestUri = c && typeof c !== 'string' ? c.uri : this.requestUri;
      // credentials answered a challenge of the server that redirected; the new target challenges for itself
      this.challenge = undefined;
      this.invite(now, offer);
      return;
    }
    if ((status === 401 || status === 407) && this.local.credentials) {
      // §22.2, §22.3: answer the challenge once (the ACK for the 401/407 went inside the transaction); a second
      // challenge after credentials, not stale, means they were refused
      const header = sipHeader(res, status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate');
      const ch = header === undefined ? `${status} without a challenge header (RFC 3261 §22.1)` : parseDigestChallenge(header);
      if (typeof ch === 'string') return this.emit(now, 'failed', status, ch);
      if (this.answeredChallenge && !ch.stale) return this.emit(now, 'failed', status, `${status} ${res.start.reason}: credentials refused for ${this.local.credentials.user}`);
      if (this.authRetries >= 3) return this.emit(now, 'failed', status, `${status} ${res.start.reason}: challenged ${this.authRetries} times`);
      this.authRetries++;
      this.challenge = { header: status === 401 ? 'Authorization' : 'Proxy-Authorization', ch, nc: 0 };
      this.invite(now, offer);
      return;
    }
    if (status >= 300) return this.emit(now, 'failed', status, `${status} ${res.start.reason}`);
    this.takeDialog(res);
    this.sendAck();
    if (this.state === 'confirmed') return;
    if (this.cancelling) {
      // §9.1: the 200 crossed our CANCEL: the call is up, so it is ended with BYE (§15)
      this.state = 'confirmed';
      this.bye(now);
      return;
    }
    this.remoteSdp = res.body.length ? res.body : undefined;
    this.emit(now, 'confirmed', status, `${status} ${res.start.reason}, ACK sent`);
  }

  /**
   * §9.1: the caller gives up before an answer: CANCEL (the INVITE's Request-URI, Call-ID, From, To, CSeq number and
   * top Via with its branch, Route too; method CANCEL) to where the INVITE went, once a provisional response came.
   * The INVITE then ends with 487 Request Terminated, ACKed inside its transaction.
   */
  cancel(now: Micros): void {
    if (this.role !== 'uac' || (this.state !== 'calling' && this.state !== 'ringing') || this.cancelling) return;
    this.cancelling = true;
    if (this.provisional) this.sendCancel(now);
  }

  private sendCancel(now: Micros): void {
    const sent = this.inviteSent;
    const start = sent?.req.start;
    if (!sent || this.cancelSent || start?.kind !== 'request') return;
    this.cancelSent = true;
    const inv = sent.req;
    const seq = (sipHeader(inv, 'CSeq') ?? '1').split(' ')[0]!;
    const keep = ['Via', 'Max-Forwards', 'From', 'To', 'Call-ID', 'Route'];
    const headers = inv.headers.filter((h) => keep.includes(h.name)).map((h) => ({ ...h }));
    headers.splice(headers.findIndex((h) => h.name === 'Call-ID') + 1, 0, { name: 'CSeq', value: `${seq} CANCEL` });
    headers.push({ name: 'User-Agent', value: this.local.userAgent });
    const cancel: SipMessage = { start: { kind: 'request', method: 'CANCEL', uri: start.uri, version: 'SIP/2.0' }, headers, body: new Uint8Array(0) };
    this.stack.out.push({ type: 'note', ...sipNote('sip.call', `call ${this.callId.slice(0, 12)}… cancelled by the caller: CANCEL sent`, { callId: this.callId, state: 'cancelling', peer: this.peer, status: null }) });
    this.stack.send(now, cancel, sent.to, {
      response: () => {},
      // §9.1: no answer to the CANCEL: the INVITE's own Timer B ends the call
      timeout: () => {},
    });
  }

  /** §12.1.2: the dialog's remote tag and target from the 2xx. */
  private takeDialog(res: SipMessage): void {
    const to = parseNameAddr(sipHeader(res, 'To') ?? '');
    if (typeof to !== 'string' && to.tag) this.remoteTag = to.tag;
    // §12.1.2: the UAC's route set is the 2xx's Record-Route in reverse order
    this.routeSet = sipHeaderValues(res, 'Record-Route').reverse();
    const contact = sipHeaderValues(res, 'Contact').map((x) => parseNameAddr(x)).find((x) => typeof x !== 'string');
    const target = contact && typeof contact !== 'string' ? uriAddress(contact.uri) : undefined;
    if (target && contact && typeof contact !== 'string') {
      this.remoteTarget = target;
      this.targetUri = contact.uri;
    }
  }

  /** §13.2.2.4: the ACK for a 2xx, a transaction of its own (new branch), CSeq number of the INVITE. */
  private sendAck(): void {
    const r = this.inDialog();
    const ack = buildRequest({ method: 'ACK', uri: r.uri, local: this.stack.local, transport: this.stack.transport, branch: newBranch(this.rng), from: this.from(), to: this.to(), callId: this.callId, cseq: this.inviteCseq, extra: r.route, userAgent: this.local.userAgent });
    this.stack.sendRaw(r.next, ack);
  }

  /**
   * §12.2.1.1: where an in-dialog request goes and what it carries. No route set: to the remote target. A loose
   * router first (";lr", RFC 3261 §16.12.1.1): the Request-URI is the remote target, Route is the route set, the
   * request goes to the first route. A strict router first: the Request-URI is that route, the rest and the remote
   * target follow as Route.
   */
  private inDialog(): { uri: string; route: { name: string; value: string }[]; next: TransportAddress } {
    const target = this.targetUri ?? this.requestUri;
    const first = this.routeSet[0];
    const firstAddr = first === undefined ? undefined : parseNameAddr(first);
    if (!firstAddr || typeof firstAddr === 'string') return { uri: target, route: [], next: this.remoteTarget };
    const next = uriAddress(firstAddr.uri) ?? this.remoteTarget;
    const u = parseSipUri(firstAddr.uri);
    if (typeof u !== 'string' && u.params.has('lr')) return { uri: target, route: this.routeSet.map((v) => ({ name: 'Route', value: v })), next };
    return { uri: firstAddr.uri, route: [...this.routeSet.slice(1), `<${target}>`].map((v) => ({ name: 'Route', value: v })), next };
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
    this.ring(now, tx);
    this.stack.setTimer(`ring:${this.callId}`, now + ringFor, `SIP phone ringing (${ringFor / 1000} ms)`, (t) => this.accept(t, answer));
  }

  /**
   * Takes an INVITE and rings: 100 Trying, 180 Ringing with our tag (RFC 3261 §13.3.1.1); the dialog's remote tag,
   * target and route set from the request (§12.1.1). The answer comes later: `accept` (200 with SDP) or `decline`.
   */
  ring(now: Micros, tx: ServerTransaction): void {
    this.inviteTx = tx;
    const req = tx.request;
    const from = parseNameAddr(sipHeader(req, 'From') ?? '');
    if (typeof from !== 'string') this.remoteTag = from.tag;
    const contact = parseNameAddr(sipHeader(req, 'Contact') ?? '');
    if (typeof contact !== 'string' && uriAddress(contact.uri)) this.targetUri = contact.uri;
    // §12.1.1: the UAS's route set is the request's Record-Route in order
    this.routeSet = sipHeaderValues(req, 'Record-Route');
    this.remoteSdp = req.body.length ? req.body : undefined;
    this.stack.respond(now, tx, buildResponse(req, 100, REASONS[100]!, { server: this.local.userAgent }));
    this.stack.respond(now, tx, buildResponse(req, 180, REASONS[180]!, { toTag: this.localTag, extra: [{ name: 'Contact', value: this.local.contact }], server: this.local.userAgent }));
    this.emit(now, 'ringing', 180, `INVITE from ${sipHeader(req, 'From')}`);
  }

  /** §13.3.1.3: a final non-2xx to the ringing INVITE (486 Busy Here, 603 Decline…); the transaction absorbs the ACK. */
  decline(now: Micros, status: number, reason: string): void {
    const tx = this.inviteTx;
    if (this.role !== 'uas' || !tx || this.state !== 'ringing') return;
    this.stack.clearTimer(`ring:${this.callId}`);
    this.stack.respond(now, tx, buildResponse(tx.request, status, reason, { toTag: this.localTag, server: this.local.userAgent }));
    this.emit(now, 'ended', status, `declined with ${status} ${reason}`);
  }

  /** The 200 OK with `answer` to the ringing INVITE, now (§13.3.1.4), retransmitted until the ACK. */
  accept(now: Micros, answer: Uint8Array): void {
    this.acceptInvite(now, answer);
  }

  private acceptInvite(now: Micros, answer: Uint8Array): void {
    const tx = this.inviteTx;
    if (!tx || this.state !== 'ringing') return;
    this.emit(now, 'answered', 200, '200 OK sent, waiting for ACK');
    this.sendOk(now, tx, answer);
  }

  /** §13.3.1.4: a 2xx with `sdp`, retransmitted from T1 doubling to T2 until the ACK; none in 64·T1 ends the call with BYE. */
  private sendOk(now: Micros, tx: ServerTransaction, sdp: Uint8Array): void {
    const ok = buildResponse(tx.request, 200, REASONS[200]!, { toTag: this.localTag, extra: [{ name: 'Contact', value: this.local.contact }, { name: 'Allow', value: 'INVITE, ACK, BYE, CANCEL, OPTIONS' }], body: { type: 'application/sdp', bytes: sdp }, server: this.local.userAgent });
    this.ok = ok;
    this.stack.respond(now, tx, ok);
    this.okInterval = T1;
    const start = now;
    const arm = (at: Micros): void =>
      this.stack.setTimer(`2xx:${this.callId}`, at, `SIP 2xx retransmission until ACK (${this.okInterval / 1000} ms, RFC 3261 §13.3.1.4)`, (t) => {
        if (this.ok !== ok || this.state === 'ended' || this.state === 'failed') return;
        if (t - start >= 64 * T1) {
          this.stack.out.push({ type: 'note', ...sipNote('sip.timeout', `no ACK for the 200 OK in 64·T1: the call is ended with BYE (RFC 3261 §13.3.1.4)`, { method: 'INVITE', timer: '2xx', to: this.peer }) });
          this.ok = undefined;
          this.bye(t);
          return;
        }
        this.stack.sendRaw(tx.source, ok);
        this.okInterval = Math.min(this.okInterval * 2, T2);
        arm(t + this.okInterval);
      });
    arm(now + T1);
  }

  /** The ACK for our 2xx arrived (through the core, §17.2.1): the call (or the re-INVITE's new session) is confirmed. */
  acked(now: Micros): void {
    if (this.ok === undefined) return;
    this.ok = undefined;
    this.stack.clearTimer(`2xx:${this.callId}`);
    if (this.state === 'answered') this.emit(now, 'confirmed', null, 'ACK received');
    else this.stack.out.push({ type: 'note', ...sipNote('sip.call', `call ${this.callId.slice(0, 12)}… re-INVITE confirmed: ACK received`, { callId: this.callId, state: 'updated', peer: this.peer, status: null }) });
  }

  // ---- re-INVITE (RFC 3261 §14, RFC 3264 §8) ----

  /** Our re-INVITE in flight (§14.1: one at a time). */
  private reinviting = false;

  /**
   * §14.1: a re-INVITE in the confirmed dialog with a new offer (a hold, RFC 3264 §8.4): a new CSeq, the remote
   * target as Request-URI through the route set; a 2xx is ACKed (§13.2.2.4) and its SDP is the new answer; a non-2xx
   * leaves the session as it was; 408 or 481 ends the dialog with BYE. False when none can be sent now.
   */
  reinvite(now: Micros, offer: Uint8Array, done: (now: Micros, status: number, answer: Uint8Array | undefined) => void): boolean {
    if (this.state !== 'confirmed' || this.reinviting || this.ok !== undefined) return false;
    this.reinviting = true;
    this.localCseq++;
    this.inviteCseq = this.localCseq;
    const r = this.inDialog();
    const req = buildRequest({ method: 'INVITE', uri: r.uri, local: this.stack.local, transport: this.stack.transport, branch: newBranch(this.rng), from: this.from(), to: this.to(), callId: this.callId, cseq: this.localCseq, contact: this.local.contact, extra: [...r.route, { name: 'Allow', value: 'INVITE, ACK, BYE, CANCEL, OPTIONS' }], body: { type: 'application/sdp', bytes: offer }, userAgent: this.local.userAgent });
    this.stack.send(now, req, r.next, {
      response: (t, res) => {
        if (res.start.kind !== 'response' || res.start.status < 200) return;
        this.reinviting = false;
        const status = res.start.status;
        if (status < 300) {
          this.sendAck();
          this.remoteSdp = res.body.length ? res.body : this.remoteSdp;
          done(t, status, res.body.length ? res.body : undefined);
          return;
        }
        done(t, status, undefined);
        if (status === 408 || status === 481) this.bye(t);
      },
      timeout: (t) => {
        this.reinviting = false;
        done(t, 408, undefined);
        this.bye(t);
      },
    });
    return true;
  }

  /**
   * A re-INVITE from the peer in the confirmed dialog: 491 Request Pending while ours is in flight (§14.2), else
   * 200 OK with `answer` (made by the caller from the new offer, `remoteSdp` by then), retransmitted until the ACK.
   */
  reinviteReceived(now: Micros, tx: ServerTransaction, answer: (offer: Uint8Array) => Uint8Array): void {
    if (this.reinviting || this.ok !== undefined || this.state !== 'confirmed') {
      this.stack.respond(now, tx, buildResponse(tx.request, 491, REASONS[491]!, { server: this.local.userAgent }));
      return;
    }
    const offer = tx.request.body;
    if (offer.length) this.remoteSdp = offer;
    this.sendOk(now, tx, answer(offer));
  }

  /**
   * §9.2: the caller's CANCEL for our INVITE transaction, still unanswered: 200 to the CANCEL, 487 Request
   * Terminated to the INVITE (whose ACK the transaction absorbs). Answered already: 200 to the CANCEL, no effect.
   */
  cancelled(now: Micros, tx: ServerTransaction): void {
    this.stack.respond(now, tx, buildResponse(tx.request, 200, REASONS[200]!, { toTag: this.localTag, server: this.local.userAgent }));
    const inv = this.inviteTx;
    if (this.role !== 'uas' || this.state !== 'ringing' || !inv) return;
    this.stack.clearTimer(`ring:${this.callId}`);
    this.stack.respond(now, inv, buildResponse(inv.request, 487, REASONS[487]!, { toTag: this.localTag, server: this.local.userAgent }));
    this.emit(now, 'ended', 487, 'CANCEL received: 200 to the CANCEL, 487 Request Terminated to the INVITE');
  }

  // ---- both ----

  /** §15.1.1: BYE ends the dialog; the call is over when its 200 comes (or the transaction gives up). */
  bye(now: Micros): void {
    if (this.state === 'ended' || this.state === 'failed') return;
    this.ok = undefined;
    this.stack.clearTimer(`2xx:${this.callId}`);
    this.stack.clearTimer(`ring:${this.callId}`);
    this.localCseq = Math.max(this.localCseq + 1, 1);
    const r = this.inDialog();
    const req = buildRequest({ method: 'BYE', uri: r.uri, local: this.stack.local, transport: this.stack.transport, branch: newBranch(this.rng), from: this.from(), to: this.to(), callId: this.callId, cseq: this.localCseq, extra: r.route, userAgent: this.local.userAgent });
    this.stack.send(now, req, r.next, {
      response: (t, res) => {
        if (res.start.kind === 'response' && res.start.status >= 200) this.emit(t, 'ended', res.start.status, `BYE answered ${res.start.status} ${res.start.reason}`);
      },
      timeout: (t, timer) => this.emit(t, 'ended', 408, `BYE unanswered (Timer ${timer})`),
    });
  }

  /** The peer's BYE: 200 OK, the call is over (§15.1.2). */
  byeReceived(now: Micros, tx: ServerTransaction): void {
    this.ok = undefined;
    this.stack.clearTimer(`2xx:${this.callId}`);
    this.stack.clearTimer(`ring:${this.callId}`);
    this.stack.respond(now, tx, buildResponse(tx.request, 200, REASONS[200]!, { server: this.local.userAgent }));
    if (this.state !== 'ended') this.emit(now, 'ended', null, 'BYE received, 200 OK sent');
  }
}
