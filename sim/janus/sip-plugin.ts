import { formatTransportAddress, type EndpointOutput, type TransportAddress } from '../core/endpoint.ts';
import { nextWake } from '../core/deadline.ts';
import type { Micros } from '../core/time.ts';
import { utf8Decode, utf8Encode } from '../core/encoding.ts';
import { SipCall, uriAddress, type CallState } from '../sip/dialog.ts';
import { hostPort } from '../sip/build.ts';
import { readRemoteAudio } from '../sip/plain-audio.ts';
import { Registration, type RegistrationState } from '../sip/registration.ts';
import { SipTransactionLayer } from '../sip/stack.ts';
import { parseSipUri } from '../wire/sip/headers.ts';
import { sipHeader } from '../wire/sip/message.ts';
import { decodeSdp } from '../wire/sdp/sdp.ts';
import type { JanusHandleContext, JanusMediaPacket, JanusPlugin, JanusPluginFactory, JanusPluginHost, JanusPluginResult, Jsep, JsonObject } from './plugin.ts';
import { JANUS_EXTMAPS } from './sdp.ts';

/** janus_sip.c error codes. */
export const SIP_ERROR = { NO_MESSAGE: 440, INVALID_JSON: 441, INVALID_REQUEST: 442, MISSING_ELEMENT: 443, INVALID_ELEMENT: 444, ALREADY_REGISTERED: 445, INVALID_ADDRESS: 446, WRONG_STATE: 447, MISSING_SDP: 448, LIBSOFIA_ERROR: 449, IO_ERROR: 450, RECORDING_ERROR: 451, TOO_STRICT: 452 } as const;

const PACKAGE = 'janus.plugin.sip';
const CRLF = '\r\n';

interface SipHandle {
  readonly ctx: JanusHandleContext;
  readonly stack: SipTransactionLayer;
  /** The handle's plain RTP port towards the SIP peer. */
  readonly rtp: TransportAddress;
  registration: Registration | undefined;
  username: string | undefined;
  /** The digest credentials of `register` (or of `call`'s own secret/authuser): an INVITE challenged with 401/407 answers with them. */
  credentials: { user: string; password: string } | undefined;
  call: SipCall | undefined;
  /** The transaction of the `call` request (the `calling` event answers it). */
  callTransaction: string | undefined;
  /** Where the SIP peer wants RTP. */
  peerRtp: TransportAddress | undefined;
  up: boolean;
  readonly relayed: { toPeer: number; toBrowser: number };
}

/**
 * janus.plugin.sip (written from its documented API and behaviour): each handle is a SIP user agent of its own on a
 * port of the gateway. `register` (username "sip:user@domain", secret, authuser, display_name, proxy) sends REGISTER
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
      ctx, rtp, registration: undefined, username: undefined, credentials: undefined, call: undefined, callTransaction: undefined, peerRtp: undefined, up: false, relayed: { toPeer: 0, toBrowser: 0 },
      stack: new SipTransactionLayer(sip, {
        request: (now, req, tx) => {
          // a BYE from the peer ends the call; this handle does not take incoming calls
          if (req.start.kind === 'request' && req.start.method === 'BYE' && h.call && sipHeader(req, 'Call-ID') === h.call.callId) h.call.byeReceived(now, tx);
        },
        ack: () => {},
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
      case 'hangup':
        if (!h.call || h.call.state === 'ended' || h.call.state === 'failed') return fail(SIP_ERROR.WRONG_STATE, 'Wrong state (not in a call?)');
        h.call.bye(now);
        h.ctx.pushEvent(now, transaction, { sip: 'event', result: { event: 'hangingup' } });
        return { type: 'okWait' };
      default:
        return fail(SIP_ERROR.INVALID_REQUEST, `Unknown request (${request})`);
    }
  }

  private register(now: Micros, h: SipHandle, transaction: string, body: JsonObject, fail: (code: number, error: string) => JanusPluginResult): JanusPluginResult {
    for (const k of ['username', 'secret', 'authuser', 'display_name', 'proxy'] as const) if (body[k] !== undefined && typeof body[k] !== 'string') return fail(SIP_ERROR.INVALID_ELEMENT, `Invalid element (${k} should be a string)`);
    if (typeof body.username !== 'string') return fail(SIP_ERROR.MISSING_ELEMENT, 'Missing element (username)');
    const user = parseSipUri(body.username);
    if (typeof user === 'string' || user.user === undefined) return fail(SIP_ERROR.INVALID_ADDRESS, `Invalid user address (${body.username})`);
    const proxyUri = typeof body.proxy === 'string' ? body.proxy : `sip:${user.host}`;
    const proxy = uriAddress(proxyUri);
    if (!proxy) return fail(SIP_ERROR.INVALID_ADDRESS, `Invalid proxy address (${proxyUri})`);
    if (h.registration?.state === 'registered' || h.registration?.state === 'registering') return fail(SIP_ERROR.ALREADY_REGISTERED, 'Already registered');
    h.username = body.username;
    h.credentials = { user: typeof body.authuser === 'string' ? body.authuser : user.user, password: typeof body.secret === 'string' ? body.secret : '' };
    h.registration = new Registration(
      { user: user.user, ...(typeof body.authuser === 'string' ? { authUser: body.authuser } : {}), ...(typeof body.display_name === 'string' ? { displayName: body.display_name } : {}), domain: user.host, password: typeof body.secret === 'string' ? body.secret : '', registrar: proxy, expires: 3600, userAgent: 'Janus WebRTC Server SIP Plugin 0.0.8' },
      h.stack,
      this.host.rng.fork(`register${this.forks++}`),
      { state: (t, s, code, reason) => this.registrationEvent(t, h, s, code, reason) },
    );
    h.registration.start(now);
    void transaction;
    return { type: 'okWait' };
  }

  private registrationEvent(now: Micros, h: SipHandle, state: RegistrationState, code: number, reason: string): void {
    const username = h.username ?? '';
    if (state === 'registering') h.ctx.pushEvent(now, undefined, { sip: 'event', result: { event: 'registering' } });
    else if (state === 'registered') h.ctx.pushEvent(now, undefined, { sip: 'event', result: { event: 'registered', username, register_sent: true, master_id: h.ctx.handleId } });
    else if (state === 'failed') h.ctx.pushEvent(now, undefined, { sip: 'event', result: { event: 'registration_failed', code, reason } });
  }

  private callRequest(now: Micros, h: SipHandle, transaction: string, body: JsonObject, jsep: Jsep | undefined, fail: (code: number, error: string) => JanusPluginResult): JanusPluginResult {
    if (h.call && h.call.state !== 'ended' && h.call.state !== 'failed') return fail(SIP_ERROR.WRONG_STATE, 'Wrong state (already in a call?)');
    if (typeof body.uri !== 'string') return fail(SIP_ERROR.MISSING_ELEMENT, 'Missing element (uri)');
    for (const k of ['secret', 'authuser'] as const) if (body[k] !== undefined && typeof body[k] !== 'string') return fail(SIP_ERROR.INVALID_ELEMENT, `Invalid element (${k} should be a string)`);
    const callee = parseSipUri(body.uri);
    if (typeof callee === 'string') return fail(SIP_ERROR.INVALID_ADDRESS, `Invalid user address (${body.uri})`);
    if (!jsep || jsep.type !== 'offer') return fail(SIP_ERROR.MISSING_SDP, 'Missing SDP');
    const reg = h.registration;
    // the INVITE goes to the outbound proxy (the registrar) when registered, else to the callee's host
    const target = reg?.state === 'registered' ? reg.registrar : uriAddress(body.uri);
    if (!target) return fail(SIP_ERROR.INVALID_ADDRESS, `Invalid address (${body.uri})`);
    const offer = plainOffer(jsep.sdp, this.host.ip, h.rtp.port);
    if ('error' in offer) return fail(SIP_ERROR.MISSING_SDP, offer.error);
    const me = h.username ?? `sip:janus@${this.host.ip}`;
    const user = parseSipUri(me);
    const userPart = typeof user === 'string' ? 'janus' : (user.user ?? 'janus');
    // janus_sip.c: `secret`/`authuser` in `call` update the account's credentials (for a handle that never registered)
    if (typeof body.secret === 'string') h.credentials = { user: typeof body.authuser === 'string' ? body.authuser : (h.credentials?.user ?? userPart), password: body.secret };
    else if (typeof body.authuser === 'string' && h.credentials) h.credentials = { ...h.credentials, user: body.authuser };
    const call = new SipCall('uac', h.stack, this.host.rng.fork(`call${this.forks++}`), { state: (t, c, s, st, r) => this.callEvent(t, h, c, s, st, r, jsep.sdp) }, { uri: me, contact: `<sip:${userPart}@${hostPort(h.stack.local)}>`, userAgent: 'Janus WebRTC Server SIP Plugin 0.0.8', ...(h.credentials ? { credentials: h.credentials } : {}) }, { target, remoteUri: body.uri });
    h.call = call;
    h.callTransaction = transaction;
    h.peerRtp = undefined;
    call.invite(now, utf8Encode(offer.sdp));
    return { type: 'okWait' };
  }

  private callEvent(now: Micros, h: SipHandle, call: SipCall, state: CallState, status: number | null, reason: string, browserOffer: string): void {
    if (h.call !== call) return;
    if (state === 'calling') h.ctx.pushEvent(now, h.callTransaction, { sip: 'event', call_id: call.callId, result: { event: 'calling' } });
    else if (state === 'ringing') h.ctx.pushEvent(now, undefined, { sip: 'event', call_id: call.callId, result: { event: 'ringing' } });
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
      h.ctx.pushEvent(now, undefined, { sip: 'event', call_id: call.callId, result: { event: 'hangup', code: status ?? 200, reason: state === 'failed' ? reason : 'Session Terminated' } });
      if (h.up) h.ctx.closePc(now, 'SIP call ended');
    }
  }

  setupMedia(_now: Micros, handleId: number): void {
    const h = this.handles.get(handleId);
    if (h) h.up = true;
  }

  incomingRtp(_now: Micros, handleId: number, p: JanusMediaPacket): void {
    const h = this.handles.get(handleId);
    if (!h || !h.peerRtp || p.video) return;
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

/**
 * The INVITE's SDP from the browser's offer (what janus_sip.c does with janus_sdp): the audio section's codecs
 * and their rtpmap/fmtp, as plain RTP/AVP on the gateway's address and the handle's RTP port; no ICE, DTLS,
 * BUNDLE, msid or header extensions.
 */
export function plainOffer(browserSdp: string, ip: string, port: number): { sdp: string } | { error: string } {
  const d = decodeSdp(browserSdp).value;
  const audio = d.media.find((m) => m.media === 'audio' && m.port !== 0);
  if (!audio) return { error: 'the offer has no audio section' };
  const keep = (l: string): boolean => /^a=(rtpmap|fmtp):/.test(l);
  const body = utf8Decode(utf8Encode(browserSdp)).split(/\r?\n/);
  const start = body.findIndex((l) => l.startsWith('m=audio'));
  let end = body.findIndex((l, i) => i > start && l.startsWith('m='));
  if (end < 0) end = body.length;
  const attrs = body.slice(start + 1, end).filter(keep);
  const lines = ['v=0', `o=- ${d.origin?.sessionId ?? '1'} 1 IN IP4 ${ip}`, 's=Janus SIP', `c=IN IP4 ${ip}`, 't=0 0', `m=audio ${port} RTP/AVP ${audio.formats.join(' ')}`, ...attrs, `a=${audio.direction ?? 'sendrecv'}`];
  return { sdp: lines.join(CRLF) + CRLF };
}

/**
 * The JSEP answer for the browser from the callee's SDP (janus_sip.c: the SIP peer's answer, anonymized, with the
 * offer's mid): the codecs the callee chose, the direction mirrored, the mid and audio-level extensions the offer
 * had. The gateway adds ICE, DTLS, BUNDLE and candidates (mergeTransport).
 */
export function browserAnswer(browserOffer: string, peerSdp: Uint8Array): string {
  const offer = decodeSdp(browserOffer).value;
  const om = offer.media.find((m) => m.media === 'audio');
  const peer = decodeSdp(peerSdp).value;
  const pm = peer.media.find((m) => m.media === 'audio');
  const mid = om?.mid ?? '0';
  const dir = pm?.direction ?? 'sendrecv';
  const lines = ['v=0', `o=- ${peer.origin?.sessionId ?? '1'} ${peer.origin?.sessionVersion ?? '1'} IN IP4 0.0.0.0`, 's=-', 't=0 0', `m=audio 9 ${om?.proto ?? 'UDP/TLS/RTP/SAVPF'} ${(pm?.formats ?? ['0']).join(' ')}`, 'c=IN IP4 0.0.0.0', `a=${dir}`, `a=mid:${mid}`, 'a=rtcp-mux'];
  for (const r of pm?.rtpmaps ?? []) lines.push(`a=rtpmap:${r.payloadType} ${r.encodingName}/${r.clockRate}${r.encodingParameters ? `/${r.encodingParameters}` : ''}`);
  for (const f of pm?.fmtps ?? []) lines.push(`a=fmtp:${f.format} ${f.parameters}`);
  for (const e of om?.extmaps ?? []) if ((e.uri === JANUS_EXTMAPS.mid || e.uri === JANUS_EXTMAPS.audioLevel) && e.direction === undefined) lines.push(`a=extmap:${e.id} ${e.uri}`);
  return lines.join(CRLF) + CRLF;
}

export const sipPlugin: JanusPluginFactory = {
  package: PACKAGE,
  create: (host, config) => new SipPlugin(host, config),
};
