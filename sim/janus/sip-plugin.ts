import { formatTransportAddress, type EndpointOutput, type TransportAddress } from '../core/endpoint.ts';
import { nextWake } from '../core/deadline.ts';
import type { Micros } from '../core/time.ts';
import { utf8Encode } from '../core/encoding.ts';
import { SipCall, uriAddress, type CallState } from '../sip/dialog.ts';
import { buildResponse, hostPort, randomHex, REASONS } from '../sip/build.ts';
import { answerDirection, readRemoteAudio, sendsMedia } from '../sip/plain-audio.ts';
import type { SdpDirection } from '../wire/sdp/types.ts';
import { Registration, type RegistrationState } from '../sip/registration.ts';
import { SipTransactionLayer, type ServerTransaction } from '../sip/stack.ts';
import { parseNameAddr, parseSipUri } from '../wire/sip/headers.ts';
import { sipHeader, type SipMessage } from '../wire/sip/message.ts';
import type { JanusHandleContext, JanusMediaPacket, JanusPlugin, JanusPluginFactory, JanusPluginHost, JanusPluginResult, Jsep, JsonObject } from './plugin.ts';
import { browserAnswer, browserOffer, plainOffer, withDirection } from './sip-sdp.ts';

/** janus_sip.c error codes. */
export const SIP_ERROR = { NO_MESSAGE: 440, INVALID_JSON: 441, INVALID_REQUEST: 442, MISSING_ELEMENT: 443, INVALID_ELEMENT: 444, ALREADY_REGISTERED: 445, INVALID_ADDRESS: 446, WRONG_STATE: 447, MISSING_SDP: 448, LIBSOFIA_ERROR: 449, IO_ERROR: 450, RECORDING_ERROR: 451, TOO_STRICT: 452 } as const;

const PACKAGE = 'janus.plugin.sip';
const USER_AGENT = 'Janus WebRTC Server SIP Plugin 0.0.8';
const ALLOW = 'INVITE, ACK, CANCEL, OPTIONS, BYE';

interface SipHandle {
  readonly ctx: JanusHandleContext;
  readonly stack: SipTransactionLayer;
  /** The handle's plain RTP port towards the SIP peer. */
  readonly rtp: TransportAddress;
  registration: Registration | undefined;
  /** The call `hangup` sent BYE on: its end is Sofia-SIP's "to BYE" (as the real plugin reports it). */
  hungUp?: SipCall;
  /** `register`'s outbound_proxy: where `call` sends its INVITE (janus_sip.c NUTAG_PROXY); none: the Request-URI's host. */
  outboundProxy: TransportAddress | undefined;
  username: string | undefined;
  /** The digest credentials of `register` (or of `call`'s own secret/authuser): an INVITE challenged with 401/407 answers with them. */
  credentials: { user: string; password: string } | undefined;
  call: SipCall | undefined;
  /** The transaction of the `call` request (the `calling` event answers it). */
  callTransaction: string | undefined;
  /** Where the SIP peer wants RTP. */
  peerRtp: TransportAddress | undefined;
  /** The plain SDP the handle last gave its SIP peer (what a hold re-INVITE changes) and its o= version. */
  localSdp: string | undefined;
  sdpVersion: number;
  /** `hold` was asked (the re-INVITE's direction), and the direction to restore on `unhold` (janus_sip.c pre_hold_audio_dir). */
  onHold: boolean;
  preHoldDirection: SdpDirection;
  /** Whether the browser's RTP goes on to the SIP peer: not while our SDP says recvonly or inactive (RFC 3264 §5.1). */
  sendsToPeer: boolean;
  up: boolean;
  readonly relayed: { toPeer: number; toBrowser: number };
}

/**
 * janus.plugin.sip (written from its documented API and behaviour): each handle is a SIP user agent of its own on a
 * port of the gateway. `register` (username "sip:user@domain", secret, authuser, display_name, proxy, outbound_proxy) sends REGISTER
 * with digest authentication: events `registering`, then `registered` or `registration_failed` (a second 401 or a
 * 403 with code and reason). `call` (uri, with the browser's JSEP offer) sends INVITE carrying a plain RTP/AVP SDP
 * made from the offer (its codecs, the handle's RTP port on the gateway): events `calling`, `ringing`, then
 * `accepted` with the JSEP answer made from the callee's SDP (its codec, the offer's mid). Media is relayed as it
 * comes: the browser's RTP (SRTP removed by the gateway) to the phone as plain RTP, the phone's RTP to the browser.
 * `hangup` sends BYE; the dialog's end is the `hangup` event with its code and reason.
 */
class SipPlugin implements JanusPlugin {
  readonly package = PACKAGE;
  readonly shortName = 'sip';
  readonly versionString = '0.0.8';
  readonly description = 'This is a simple SIP plugin for Janus, allowing WebRTC peers to register at a SIP server and call SIP user agents through a Janus instance.';
  private readonly handles = new Map<number, SipHandle>();
  private nextPort: number;
  private nextRtpPort: number;
  private forks = 0;

  constructor(
    private readonly host: JanusPluginHost,
    config: JsonObject,
  ) {
    this.nextPort = typeof config.localPort === 'number' ? config.localPort : 5070;
    this.nextRtpPort = typeof config.rtpPort === 'number' ? config.rtpPort : 30000;
  }

  createSession(_now: Micros, ctx: JanusHandleContext): void {
    const sip = this.host.bind(this.nextPort++);
    // outside the gateway's rtp_port_range (20000–20099 by default), as janus_sip.c takes its own from a range of its own
    const rtp = this.host.bind(this.nextRtpPort);
    this.nextRtpPort += 2;
    const h: SipHandle = {
      ctx, rtp, registration: undefined, outboundProxy: undefined, username: undefined, credentials: undefined, call: undefined, callTransaction: undefined, peerRtp: undefined, localSdp: undefined, sdpVersion: 1, onHold: false, preHoldDirection: 'sendrecv', sendsToPeer: true, up: false, relayed: { toPeer: 0, toBrowser: 0 },
      stack: new SipTransactionLayer(sip, {
        request: (now, req, tx) => this.sipRequest(now, h, req, tx),
        // the ACK for our 200 to an incoming INVITE (or re-INVITE) confirms it (RFC 3261 §13.3.1.4)
        ack: (now, req) => {
          if (h.call && sipHeader(req, 'Call-ID') === h.call.callId) h.call.acked(now);
        },
        strayResponse: (_now, res) => h.call?.strayOk(res),
      }),
    };
    this.handles.set(ctx.handleId, h);
  }

  handleMessage(now: Micros, handleId: number, transaction: string, body: JsonObject, jsep: Jsep | undefined): JanusPluginResult {
    const h = this.handles.get(handleId);
    if (!h) return { type: 'error', text: 'No session associated with this handle...' };
    const fail = (code: number, error: string): JanusPluginResult => {
      h.ctx.pushEvent(now, transaction, { sip: 'event', error_code: code, error });
      return { type: 'okWait' };
    };
    const request = body.request;
    if (typeof request !== 'string') return fail(SIP_ERROR.MISSING_ELEMENT, 'Missing element (request)');
    switch (request) {
      case 'register':
        return this.register(now, h, transaction, body, fail);
      case 'call':
        return this.callRequest(now, h, transaction, body, jsep, fail);
      case 'accept':
        return this.accept(now, h, transaction, jsep, fail);
      case 'decline':
        return this.decline(now, h, transaction, body, fail);
      case 'hold':
      case 'unhold':
        return this.hold(now, h, transaction, request === 'hold', body, fail);
      case 'hangup':
        if (!h.call || h.call.state === 'ended' || h.call.state === 'failed' || (h.call.role === 'uas' && h.call.state === 'ringing')) return fail(SIP_ERROR.WRONG_STATE, 'Wrong state (not in a call?)');
        h.call.bye(now);
        h.hungUp = h.call;
        // as the real plugin (1.1.2) says it: with the call's Call-ID
        h.ctx.pushEvent(now, transaction, { sip: 'event', call_id: h.call.callId, result: { event: 'hangingup' } });
        return { type: 'okWait' };
      default:
        return fail(SIP_ERROR.INVALID_REQUEST, `Unknown request (${request})`);
    }
  }

  private register(now: Micros, h: SipHandle, transaction: string, body: JsonObject, fail: (code: number, error: string) => JanusPluginResult): JanusPluginResult {
    for (const k of ['username', 'secret', 'authuser', 'display_name', 'proxy', 'outbound_proxy'] as const) if (body[k] !== undefined && typeof body[k] !== 'string') return fail(SIP_ERROR.INVALID_ELEMENT, `Invalid element (${k} should be a string)`);
    if (typeof body.username !== 'string') return fail(SIP_ERROR.MISSING_ELEMENT, 'Missing element (username)');
    const user = parseSipUri(body.username);
    if (typeof user === 'string' || user.user === undefined) return fail(SIP_ERROR.INVALID_ADDRESS, `Invalid user address (${body.username})`);
    const proxyUri = typeof body.proxy === 'string' ? body.proxy : `sip:${user.host}`;
    const proxy = uriAddress(proxyUri);
    if (!proxy) return fail(SIP_ERROR.INVALID_ADDRESS, `Invalid proxy address (${proxyUri})`);
    const outbound = typeof body.outbound_proxy === 'string' ? uriAddress(body.outbound_proxy) : undefined;
    if (typeof body.outbound_proxy === 'string' && !outbound) return fail(SIP_ERROR.INVALID_ADDRESS, `Invalid outbound_proxy address (${body.outbound_proxy})`);
    if (h.registration?.state === 'registered' || h.registration?.state === 'registering') return fail(SIP_ERROR.ALREADY_REGISTERED, 'Already registered');
    h.username = body.username;
    h.outboundProxy = outbound;
    h.credentials = { user: typeof body.authuser === 'string' ? body.authuser : user.user, password: typeof body.secret === 'string' ? body.secret : '' };
    h.registration = new Registration(
      { user: user.user, ...(typeof body.authuser === 'string' ? { authUser: body.authuser } : {}), ...(typeof body.display_name === 'string' ? { displayName: body.display_name } : {}), domain: user.host, password: typeof body.secret === 'string' ? body.secret : '', registrar: proxy, expires: 3600, userAgent: USER_AGENT },
      h.stack,
      this.host.rng.fork(`register${this.forks++}`),
      { state: (t, s, code, reason) => this.registrationEvent(t, h, s, code, reason) },
    );
    h.registration.start(now);
    void transaction;
    return { type: 'okWait' };
  }

  private registrationEvent(now: Micros, h: SipHandle, state: RegistrationState, code: number, reason: string): void {
    if (state === 'registering') h.ctx.pushEvent(now, undefined, { sip: 'event', result: { event: 'registering' } });
    // the real plugin (1.1.2) names the user part only ("1001"), not the URI the page registered
    else if (state === 'registered') h.ctx.pushEvent(now, undefined, { sip: 'event', result: { event: 'registered', username: this.userPart(h), register_sent: true, master_id: h.ctx.handleId } });
    else if (state === 'failed') h.ctx.pushEvent(now, undefined, { sip: 'event', result: { event: 'registration_failed', code, reason } });
  }

  private callRequest(now: Micros, h: SipHandle, transaction: string, body: JsonObject, jsep: Jsep | undefined, fail: (code: number, error: string) => JanusPluginResult): JanusPluginResult {
    if (h.call && h.call.state !== 'ended' && h.call.state !== 'failed') return fail(SIP_ERROR.WRONG_STATE, 'Wrong state (already in a call?)');
    if (typeof body.uri !== 'string') return fail(SIP_ERROR.MISSING_ELEMENT, 'Missing element (uri)');
    for (const k of ['secret', 'authuser'] as const) if (body[k] !== undefined && typeof body[k] !== 'string') return fail(SIP_ERROR.INVALID_ELEMENT, `Invalid element (${k} should be a string)`);
    const callee = parseSipUri(body.uri);
    if (typeof callee === 'string') return fail(SIP_ERROR.INVALID_ADDRESS, `Invalid user address (${body.uri})`);
    if (!jsep || jsep.type !== 'offer') return fail(SIP_ERROR.MISSING_SDP, 'Missing SDP');
    // janus_sip.c NUTAG_PROXY(outbound_proxy): to register's outbound_proxy, else the Request-URI's host (never `proxy`)
    const target = h.outboundProxy ?? uriAddress(body.uri);
    const offer = plainOffer(jsep.sdp, this.host.ip, h.rtp.port);
    if ('error' in offer) return fail(SIP_ERROR.MISSING_SDP, offer.error);
    if (!target) {
      // a host name and no DNS in this world: Sofia-SIP gives up on the INVITE with 503 "DNS Error" after `calling`
      const callId = randomHex(this.host.rng.fork(`call${this.forks++}`), 20);
      h.ctx.pushEvent(now, transaction, { sip: 'event', call_id: callId, result: { event: 'calling', call_id: callId } });
      h.ctx.pushEvent(now, undefined, { sip: 'event', call_id: callId, result: { event: 'hangup', code: 503, reason: 'DNS Error' } });
      h.ctx.note(now, 'hangup', `call to ${body.uri} failed: no outbound_proxy and no DNS for its host (503 DNS Error)`, { uri: body.uri });
      return { type: 'okWait' };
    }
    h.localSdp = offer.sdp;
    h.sdpVersion = 1;
    const userPart = this.userPart(h);
    // janus_sip.c: `secret`/`authuser` in `call` update the account's credentials (for a handle that never registered)
    if (typeof body.secret === 'string') h.credentials = { user: typeof body.authuser === 'string' ? body.authuser : (h.credentials?.user ?? userPart), password: body.secret };
    else if (typeof body.authuser === 'string' && h.credentials) h.credentials = { ...h.credentials, user: body.authuser };
    const call = new SipCall('uac', h.stack, this.host.rng.fork(`call${this.forks++}`), { state: (t, c, s, st, r) => this.callEvent(t, h, c, s, st, r, jsep.sdp) }, this.identity(h), { target, remoteUri: body.uri });
    h.call = call;
    h.callTransaction = transaction;
    h.peerRtp = undefined;
    call.invite(now, utf8Encode(offer.sdp));
    return { type: 'okWait' };
  }

  private userPart(h: SipHandle): string {
    const u = parseSipUri(h.username ?? '');
    return typeof u === 'string' ? 'janus' : (u.user ?? 'janus');
  }

  /** The handle's SIP identity: its registered URI (or sip:janus@<gateway>), its Contact on its own port, its credentials. */
  private identity(h: SipHandle) {
    return { uri: h.username ?? `sip:janus@${this.host.ip}`, contact: `<sip:${this.userPart(h)}@${hostPort(h.stack.local)}>`, userAgent: USER_AGENT, ...(h.credentials ? { credentials: h.credentials } : {}) };
  }

  /** A request from a SIP peer: an INVITE (a new call, or a re-INVITE of ours), its CANCEL, a BYE, OPTIONS. */
  private sipRequest(now: Micros, h: SipHandle, req: SipMessage, tx: ServerTransaction): void {
    if (req.start.kind !== 'request') return;
    const method = req.start.method;
    const mine = h.call !== undefined && sipHeader(req, 'Call-ID') === h.call.callId;
    const reply = (status: number, extra: { name: string; value: string }[] = []): void => h.stack.respond(now, tx, buildResponse(req, status, REASONS[status] ?? 'Unknown', { toTag: randomHex(this.host.rng, 8), extra, server: USER_AGENT }));
    if (method === 'INVITE' && !mine) return this.incoming(now, h, req, tx);
    if (method === 'INVITE') return this.reinvited(now, h, req, tx);
    if (method === 'CANCEL') {
      // RFC 3261 §9.2: the CANCEL matches the INVITE transaction by its branch
      const inv = h.stack.inviteTransactionFor(req);
      if (inv && h.call && sipHeader(inv.request, 'Call-ID') === h.call.callId) return h.call.cancelled(now, tx);
      return reply(481);
    }
    if (method === 'BYE') return mine ? h.call!.byeReceived(now, tx) : reply(481);
    if (method === 'OPTIONS') return reply(200, [{ name: 'Allow', value: ALLOW }]);
    reply(405, [{ name: 'Allow', value: ALLOW }]);
  }

  /**
   * An INVITE for this handle (janus_sip.c nua_i_invite): busy → 486 and `missed_call`; an SDP without audio → 488;
   * else 100 and 180 Ringing, and the `incomingcall` event with a JSEP offer made from the caller's SDP (the gateway
   * adds its ICE, DTLS and BUNDLE: the gateway offers). The browser answers with `accept` (or `decline`).
   */
  private incoming(now: Micros, h: SipHandle, req: SipMessage, tx: ServerTransaction): void {
    const from = parseNameAddr(sipHeader(req, 'From') ?? '');
    const to = parseNameAddr(sipHeader(req, 'To') ?? '');
    const caller = typeof from === 'string' ? 'sip:anonymous@anonymous.invalid' : from.uri;
    const display = typeof from === 'string' ? undefined : from.display;
    const callee = typeof to === 'string' ? (req.start.kind === 'request' ? req.start.uri : '') : to.uri;
    const reject = (status: number, warning?: string): void => h.stack.respond(now, tx, buildResponse(req, status, REASONS[status] ?? 'Unknown', { toTag: randomHex(this.host.rng, 8), ...(warning ? { extra: [{ name: 'Warning', value: `399 janus "${warning}"` }] } : {}), server: USER_AGENT }));
    if (h.call && h.call.state !== 'ended' && h.call.state !== 'failed') {
      reject(486);
      h.ctx.pushEvent(now, undefined, { sip: 'event', call_id: sipHeader(req, 'Call-ID') ?? '', result: { event: 'missed_call', caller, ...(display ? { displayname: display } : {}), callee } });
      return;
    }
    const offer = browserOffer(req.body);
    const remote = readRemoteAudio(req.body);
    if (offer === undefined || typeof remote === 'string') return reject(488, typeof remote === 'string' ? remote : 'no audio to offer the browser');
    const contact = parseNameAddr(sipHeader(req, 'Contact') ?? '');
    const target = (typeof contact !== 'string' ? uriAddress(contact.uri) : undefined) ?? tx.source;
    const call = new SipCall('uas', h.stack, this.host.rng.fork(`call${this.forks++}`), { state: (t, c, st, code, r) => this.callEvent(t, h, c, st, code, r, '') }, this.identity(h), { callId: sipHeader(req, 'Call-ID') ?? '', target, remoteUri: caller });
    h.call = call;
    h.callTransaction = undefined;
    h.peerRtp = undefined;
    h.localSdp = undefined;
    call.ring(now, tx);
    const pushed = h.ctx.pushEvent(now, undefined, { sip: 'event', call_id: call.callId, result: { event: 'incomingcall', username: caller, ...(display ? { displayname: display } : {}), callee } }, { type: 'offer', sdp: offer });
    // the gateway could not offer (the handle's PeerConnection is up): the caller hears 488
    if (!pushed) call.decline(now, 488, REASONS[488]!);
  }

  /** `accept` with the browser's JSEP answer: 200 OK with a plain SDP made from it; the `accepted` event. */
  private accept(now: Micros, h: SipHandle, transaction: string, jsep: Jsep | undefined, fail: (code: number, error: string) => JanusPluginResult): JanusPluginResult {
    const c = h.call;
    if (!c || c.role !== 'uas' || c.state !== 'ringing') return fail(SIP_ERROR.WRONG_STATE, `Wrong state (not invited? status=${c?.state ?? 'idle'})`);
    if (!jsep) return fail(SIP_ERROR.MISSING_SDP, 'Missing SDP');
    if (jsep.type !== 'answer') return fail(SIP_ERROR.MISSING_SDP, 'Missing SDP answer (the INVITE had an offer)');
    const plain = plainOffer(jsep.sdp, this.host.ip, h.rtp.port);
    if ('error' in plain) return fail(SIP_ERROR.MISSING_SDP, plain.error);
    const remote = c.remoteSdp ? readRemoteAudio(c.remoteSdp) : 'no SDP';
    if (typeof remote === 'string') return fail(SIP_ERROR.MISSING_SDP, remote);
    h.localSdp = plain.sdp;
    h.sdpVersion = 1;
    h.peerRtp = remote.rtp;
    h.callTransaction = transaction;
    c.accept(now, utf8Encode(plain.sdp));
    h.ctx.pushEvent(now, transaction, { sip: 'event', call_id: c.callId, result: { event: 'accepted' } });
    h.ctx.note(now, 'accepted', `incoming call ${c.callId} accepted: 200 OK sent, RTP to ${formatTransportAddress(remote.rtp)}`, { callId: c.callId, rtp: formatTransportAddress(remote.rtp) });
    return { type: 'okWait' };
  }

  /** `decline` (code, default 486; under 400 is 486 as in janus_sip.c): the final response, `declining`, then `hangup`. */
  private decline(now: Micros, h: SipHandle, transaction: string, body: JsonObject, fail: (code: number, error: string) => JanusPluginResult): JanusPluginResult {
    const c = h.call;
    if (body.code !== undefined && typeof body.code !== 'number') return fail(SIP_ERROR.INVALID_ELEMENT, 'Invalid element (code should be an integer)');
    if (!c || c.role !== 'uas' || c.state !== 'ringing') return fail(SIP_ERROR.WRONG_STATE, `Wrong state (not invited? status=${c?.state ?? 'idle'})`);
    const code = typeof body.code === 'number' && body.code > 399 && body.code < 700 ? Math.floor(body.code) : 486;
    h.ctx.pushEvent(now, transaction, { sip: 'event', call_id: c.callId, result: { event: 'declining', code } });
    c.decline(now, code, REASONS[code] ?? 'Declined');
    return { type: 'okWait' };
  }

  /**
   * `hold` (direction sendonly, the default, recvonly or inactive) and `unhold` (janus_sip.c): a re-INVITE with our
   * SDP's audio direction changed (RFC 3264 §8.4; a section that was not sendrecv becomes inactive) and o= version + 1,
   * or the direction from before the hold restored; no renegotiation with the browser. The `holding` or `resuming`
   * event answers at once; the peer's 200 (or its refusal) is a note. Asked in another state, ignored as Janus does.
   */
  private hold(now: Micros, h: SipHandle, transaction: string, hold: boolean, body: JsonObject, fail: (code: number, error: string) => JanusPluginResult): JanusPluginResult {
    const c = h.call;
    const direction = body.direction;
    if (hold && direction !== undefined && direction !== 'sendonly' && direction !== 'recvonly' && direction !== 'inactive') return fail(SIP_ERROR.INVALID_ELEMENT, 'Invalid direction (can only be sendonly, recvonly or inactive)');
    if (!c || c.state !== 'confirmed' || !h.localSdp) {
      h.ctx.note(now, 'ignored', `${hold ? 'hold' : 'unhold'} ignored: not in a call (${c?.state ?? 'idle'})`, { request: hold ? 'hold' : 'unhold' });
      return { type: 'okWait' };
    }
    if (hold !== h.onHold) {
      const current = readRemoteAudio(utf8Encode(h.localSdp));
      const was: SdpDirection = typeof current === 'string' ? 'sendrecv' : current.direction;
      let next: SdpDirection;
      if (hold) {
        h.preHoldDirection = was;
        const wanted = (direction ?? 'sendonly') as SdpDirection;
        next = was === 'sendrecv' || was === wanted ? wanted : 'inactive';
      } else next = h.preHoldDirection;
      h.onHold = hold;
      h.sdpVersion++;
      const offer = withDirection(h.localSdp, next, h.sdpVersion);
      const sent = c.reinvite(now, utf8Encode(offer), (t, status, answer) => {
        const remote = answer ? readRemoteAudio(answer) : 'no SDP in the answer';
        if (status >= 300 || typeof remote === 'string') {
          h.ctx.note(t, 'reinvite', `re-INVITE (${next}) for call ${c.callId} refused: ${status}${typeof remote === 'string' && status < 300 ? `, ${remote}` : ''}`, { callId: c.callId, status, direction: next });
          return;
        }
        h.localSdp = offer;
        h.sendsToPeer = sendsMedia(next);
        h.peerRtp = remote.rtp;
        h.ctx.note(t, 'reinvite', `re-INVITE (${next}) for call ${c.callId} answered ${status}: the peer's SDP says ${remote.direction}`, { callId: c.callId, status, direction: next });
      });
      if (!sent) {
        h.onHold = !hold;
        h.sdpVersion--;
        return fail(SIP_ERROR.WRONG_STATE, 'Wrong state (a re-INVITE is in progress)');
      }
    }
    h.ctx.pushEvent(now, transaction, { sip: 'event', call_id: c.callId, result: { event: hold ? 'holding' : 'resuming' } });
    return { type: 'okWait' };
  }

  /**
   * A re-INVITE from the SIP peer (janus_sip.c with autoaccept_reinvites, its default): 200 OK with our SDP again,
   * version + 1, its direction mirrored from the offer (RFC 3264 §6.1: held with sendonly we answer recvonly and stop
   * relaying the browser's RTP to the peer, §8.4); no renegotiation with the browser.
   */
  private reinvited(now: Micros, h: SipHandle, req: SipMessage, tx: ServerTransaction): void {
    const c = h.call!;
    const base = h.localSdp;
    // a re-INVITE before our answer (RFC 3261 §14.2): 491, as for one that crosses ours
    if (base === undefined) return h.stack.respond(now, tx, buildResponse(req, 491, REASONS[491]!, { server: USER_AGENT }));
    c.reinviteReceived(now, tx, (offer) => {
      const remote = readRemoteAudio(offer);
      const direction = typeof remote === 'string' ? 'sendrecv' : answerDirection(remote.direction);
      if (typeof remote !== 'string') h.peerRtp = remote.rtp;
      h.sendsToPeer = sendsMedia(direction);
      h.sdpVersion++;
      h.localSdp = withDirection(base, direction, h.sdpVersion);
      h.ctx.note(now, 'reinvited', `re-INVITE from the peer on call ${c.callId} (${typeof remote === 'string' ? remote : remote.direction}): answered ${direction}`, { callId: c.callId, direction });
      return utf8Encode(h.localSdp);
    });
  }

  private callEvent(now: Micros, h: SipHandle, call: SipCall, state: CallState, status: number | null, reason: string, browserOffer: string): void {
    if (h.call !== call) return;
    if (call.role === 'uas' && (state === 'ringing' || state === 'answered' || state === 'confirmed')) return; // incomingcall and accepted were said already
    // the real plugin (1.1.2) repeats the Call-ID inside `calling`'s result
    if (state === 'calling') h.ctx.pushEvent(now, h.callTransaction, { sip: 'event', call_id: call.callId, result: { event: 'calling', call_id: call.callId } });
    else if (state === 'ringing') { // the real plugin (1.1.2) on a 180: `ringing`, then `proceeding` with the code
      if (status === 180) h.ctx.pushEvent(now, undefined, { sip: 'event', call_id: call.callId, result: { event: 'ringing' } });
      h.ctx.pushEvent(now, undefined, { sip: 'event', call_id: call.callId, result: { event: 'proceeding', code: status ?? 180 } });
    }
    else if (state === 'confirmed') {
      const remote = call.remoteSdp ? readRemoteAudio(call.remoteSdp) : 'the 200 OK has no SDP';
      if (typeof remote === 'string') {
        call.bye(now);
        h.ctx.pushEvent(now, undefined, { sip: 'event', error_code: SIP_ERROR.MISSING_SDP, error: remote });
        return;
      }
      h.peerRtp = remote.rtp;
      const answer = browserAnswer(browserOffer, call.remoteSdp!);
      h.ctx.pushEvent(now, undefined, { sip: 'event', call_id: call.callId, result: { event: 'accepted', username: call.remoteUri } }, { type: 'answer', sdp: answer });
      h.ctx.note(now, 'accepted', `call ${call.callId} accepted: RTP to ${formatTransportAddress(remote.rtp)}`, { callId: call.callId, rtp: formatTransportAddress(remote.rtp) });
    } else if (state === 'ended' || state === 'failed') {
      h.peerRtp = undefined;
      h.ctx.pushEvent(now, undefined, { sip: 'event', call_id: call.callId, result: { event: 'hangup', code: status ?? 200, reason: state === 'failed' ? reason : h.hungUp === call ? 'to BYE' : 'Session Terminated' } });
      if (h.up) h.ctx.closePc(now, 'SIP call ended');
    }
  }

  setupMedia(_now: Micros, handleId: number): void {
    const h = this.handles.get(handleId);
    if (h) h.up = true;
  }

  incomingRtp(_now: Micros, handleId: number, p: JanusMediaPacket): void {
    const h = this.handles.get(handleId);
    if (!h || !h.peerRtp || p.video || !h.sendsToPeer) return;
    h.relayed.toPeer++;
    h.stack.out.push({ type: 'transmit', from: h.rtp, to: h.peerRtp, bytes: p.bytes });
  }

  incomingRtcp(): void {}

  hangupMedia(now: Micros, handleId: number): void {
    const h = this.handles.get(handleId);
    if (!h) return;
    h.up = false;
    if (h.call && (h.call.state === 'confirmed' || h.call.state === 'answered')) h.call.bye(now);
  }

  destroySession(now: Micros, handleId: number): void {
    const h = this.handles.get(handleId);
    if (!h) return;
    if (h.call && h.call.state === 'confirmed') h.call.bye(now);
    h.registration?.stop();
    this.handles.delete(handleId);
  }

  querySession(handleId: number): JsonObject {
    const h = this.handles.get(handleId);
    if (!h) return {};
    return { username: h.username ?? null, registration_status: h.registration?.state ?? 'unregistered', call_status: h.call?.state ?? 'idle', relayed_to_peer: h.relayed.toPeer, relayed_to_browser: h.relayed.toBrowser };
  }

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    for (const h of this.handles.values()) {
      if (to.port === h.rtp.port) {
        if (!h.up || !h.peerRtp || bytes.length < 12 || bytes[0]! >> 6 !== 2) return;
        h.relayed.toBrowser++;
        h.ctx.relayRtp(now, { video: false, mindex: 0, bytes });
        return;
      }
      if (to.port === h.stack.local.port) return h.stack.handleDatagram(now, from, bytes);
    }
  }

  handleTimeout(now: Micros): void {
    for (const h of this.handles.values()) h.stack.handleTimeout(now);
  }

  poll(_now: Micros): EndpointOutput {
    for (const h of this.handles.values()) {
      const o = h.stack.out.shift();
      if (o) return o;
    }
    return nextWake(...[...this.handles.values()].map((h) => h.stack.deadline()));
  }
}

export const sipPlugin: JanusPluginFactory = {
  package: PACKAGE,
  create: (host, config) => new SipPlugin(host, config),
};
