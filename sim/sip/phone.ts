import { formatTransportAddress, sameTransportAddress, type Endpoint, type EndpointOutput, type TransportAddress } from '../core/endpoint.ts';
import { nextWake } from '../core/deadline.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { parseNameAddr } from '../wire/sip/headers.ts';
import { sipHeader, type SipMessage } from '../wire/sip/message.ts';
import { buildResponse, hostPort, randomHex, REASONS } from './build.ts';
import { SipCall, type CallState } from './dialog.ts';
import { answerDirection, chooseG711, G711Sender, plainAudioSdp, readRemoteAudio, RtpCounter, sendsMedia } from './plain-audio.ts';
import { sipNote } from './notes.ts';
import { Registration } from './registration.ts';
import { SipTransactionLayer, type ServerTransaction } from './stack.ts';

export interface SipPhoneOptions {
  readonly name: string;
  /** SIP over TCP (RFC 3261 §18; sim/sip/tcp-transport.ts sends the bytes): none means UDP datagrams. */
  readonly sipStream?: { send(to: TransportAddress, bytes: Uint8Array): void };
  readonly rng: Rng;
  /** Its SIP address (UDP). */
  readonly local: TransportAddress;
  /** Its RTP port on the same address (RTCP is not sent: a plain phone, RFC 3550 allows it to be absent). */
  readonly rtpPort: number;
  readonly user: string;
  readonly domain: string;
  readonly password: string;
  readonly authUser?: string;
  readonly displayName?: string;
  /** Registers here at `registerAt` (no registration when absent). */
  readonly registrar?: TransportAddress;
  readonly registerAt: Micros;
  readonly expires: number;
  /** Places a call: to a user at the domain (the INVITE goes to `via`, by default the registrar) at `at`, hangs up after `talkFor`. */
  readonly call?: { readonly to: string; readonly at: Micros; readonly talkFor: Micros; readonly via?: TransportAddress; readonly cancelAfter?: Micros };
  /** How long it rings before answering an INVITE. */
  readonly ringFor: Micros;
  /** G.711 payload types it offers and accepts, in preference order. */
  readonly codecs: readonly (0 | 8)[];
  /** Sends back every RTP packet it receives (an echo phone) as well as its own tone. */
  readonly echo: boolean;
  readonly userAgent: string;
}

interface Media {
  readonly call: SipCall;
  remote: TransportAddress;
  /** Whether it sends its tone: not while the peer holds it with sendonly or inactive (RFC 3264 §8.4). */
  sending: boolean;
  readonly sender: G711Sender;
  readonly counter: RtpCounter;
  echoed: number;
}

/**
 * A SIP phone (RFC 3261 UA over UDP): registers with digest authentication, answers INVITEs (100, 180, then 200 OK
 * with a plain RTP/AVP G.711 answer), places a call and hangs up with BYE; while a call is up it sends a 440 Hz
 * PCMU/PCMA tone every 20 ms to the address the SDP gave and counts (and optionally echoes) what comes back.
 */
export class SipPhone implements Endpoint {
  readonly stack: SipTransactionLayer;
  readonly registration: Registration | undefined;
  readonly calls: SipCall[] = [];
  private readonly media = new Map<SipCall, Media>();
  private readonly rtpLocal: TransportAddress;
  private readonly out: EndpointOutput[];
  private started = false;
  /** Final state of each call, for the summary. */
  readonly history: { callId: string; role: string; state: CallState; status: number | null }[] = [];
  rtpSent = 0;
  rtpReceived = 0;
  private forks = 0;
  /** How long after the answer each call it placed hangs up. */
  private readonly talkFor = new Map<SipCall, Micros>();
  /** Media of calls that ended, for the summary. */
  private readonly finished: Media[] = [];
  /** The o= session id and version of the SDP it gave each call (RFC 3264 §8: a new offer or answer is version + 1). */
  private readonly sdpOf = new Map<SipCall, { sessionId: string; version: number; formats: number[] }>();

  constructor(private readonly o: SipPhoneOptions) {
    this.stack = new SipTransactionLayer(o.local, {
      request: (now, req, tx) => this.onRequest(now, req, tx),
      ack: (now, req) => this.callOf(req)?.acked(now),
      strayResponse: (_now, res) => this.callOf(res)?.strayOk(res),
    }, o.sipStream);
    this.out = this.stack.out;
    this.rtpLocal = { ip: o.local.ip, port: o.rtpPort };
    if (o.registrar) {
      this.registration = new Registration(
        { user: o.user, ...(o.authUser ? { authUser: o.authUser } : {}), ...(o.displayName ? { displayName: o.displayName } : {}), domain: o.domain, password: o.password, registrar: o.registrar, expires: o.expires, userAgent: o.userAgent },
        this.stack,
        o.rng.fork('register'),
        { state: () => {} },
      );
    }
  }

  /** A fresh RNG stream for one call, SDP or response (named by a counter: never forked twice). */
  private fork(name: string): Rng {
    return this.o.rng.fork(`${name}${this.forks++}`);
  }

  private get identity() {
    return { uri: `sip:${this.o.user}@${this.o.domain}`, ...(this.o.displayName ? { display: this.o.displayName } : {}), contact: `<sip:${this.o.user}@${hostPort(this.o.local)}${this.o.sipStream ? ';transport=tcp' : ''}>`, userAgent: this.o.userAgent, credentials: { user: this.o.authUser ?? this.o.user, password: this.o.password } };
  }

  private callOf(m: SipMessage): SipCall | undefined {
    const id = sipHeader(m, 'Call-ID');
    return this.calls.find((c) => c.callId === id);
  }

  private offer(version: number): { bytes: Uint8Array; sdp: { sessionId: string; version: number; formats: number[] } } {
    const sdp = { sessionId: String(this.fork('sdp').int(1, 0x7fffffff)), version, formats: [...this.o.codecs, 101] };
    return { bytes: plainAudioSdp({ address: this.o.local.ip, port: this.o.rtpPort, ...sdp }), sdp };
  }

  private onRequest(now: Micros, req: SipMessage, tx: ServerTransaction): void {
    if (req.start.kind !== 'request') return;
    const method = req.start.method;
    const call = this.callOf(req);
    if (method === 'INVITE' && !call) {
      const remote = readRemoteAudio(req.body);
      const pt = typeof remote === 'string' ? undefined : chooseG711(remote.formats.filter((f) => this.o.codecs.includes(f as 0 | 8)));
      if (typeof remote === 'string' || pt === undefined) {
        // RFC 3261 §13.3.1.3 / RFC 3264 §6: no common codec (or no usable SDP) is 488
        this.stack.respond(now, tx, buildResponse(req, 488, REASONS[488]!, { toTag: randomHex(this.fork('reject'), 10), extra: [{ name: 'Warning', value: `304 ${this.o.user} "${typeof remote === 'string' ? remote : 'no common codec: this phone has PCMU and PCMA'}"` }], server: this.o.userAgent }));
        return;
      }
      const from = parseNameAddr(sipHeader(req, 'From') ?? '');
      const contact = parseNameAddr(sipHeader(req, 'Contact') ?? '');
      const target = typeof contact !== 'string' ? contactAddress(contact.uri) ?? tx.source : tx.source;
      const c = new SipCall('uas', this.stack, this.fork('call'), { state: (t, cc, s) => this.onCallState(t, cc, s) }, this.identity, { callId: sipHeader(req, 'Call-ID')!, target, remoteUri: typeof from !== 'string' ? from.uri : 'sip:anonymous@anonymous.invalid' });
      this.calls.push(c);
      const sdp = { sessionId: String(this.fork('sdp').int(1, 0x7fffffff)), version: 1, formats: remote.formats.includes(101) ? [pt, 101] : [pt] };
      this.sdpOf.set(c, sdp);
      const answer = plainAudioSdp({ address: this.o.local.ip, port: this.o.rtpPort, ...sdp });
      c.answerInvite(now, tx, this.o.ringFor, answer);
      return;
    }
    if (method === 'CANCEL') {
      // §9.2: the CANCEL matches an INVITE server transaction by its branch; no such transaction is 481
      const inv = this.stack.inviteTransactionFor(req);
      const target = inv ? this.calls.find((c) => c.callId === sipHeader(inv.request, 'Call-ID')) : undefined;
      if (!target) return this.stack.respond(now, tx, buildResponse(req, 481, REASONS[481]!, { toTag: randomHex(this.fork('cancel'), 8), server: this.o.userAgent }));
      return target.cancelled(now, tx);
    }
    if (method === 'BYE') {
      if (!call) return this.stack.respond(now, tx, buildResponse(req, 481, REASONS[481]!, { server: this.o.userAgent }));
      return call.byeReceived(now, tx);
    }
    if (method === 'INVITE' && call) return this.reinvited(now, call, tx);
    if (method === 'OPTIONS') return this.stack.respond(now, tx, buildResponse(req, 200, REASONS[200]!, { toTag: randomHex(this.fork('options'), 8), extra: [{ name: 'Allow', value: 'INVITE, ACK, BYE, CANCEL, OPTIONS' }], server: this.o.userAgent }));
    // anything else: not in this phone's repertoire (RFC 3261 §8.2.1)
    this.stack.respond(now, tx, buildResponse(req, 501, REASONS[501]!, { toTag: 'x', server: this.o.userAgent }));
  }

  /**
   * A re-INVITE in a call (RFC 3261 §14.2): answered 200 with its SDP again, version + 1 (RFC 3264 §8), the direction
   * mirrored (§6.1). Put on hold with sendonly or inactive (§8.4), it stops sending its tone; sendrecv again resumes it.
   */
  private reinvited(now: Micros, call: SipCall, tx: ServerTransaction): void {
    call.reinviteReceived(now, tx, (offer) => {
      const remote = readRemoteAudio(offer);
      const m = this.media.get(call);
      const direction = typeof remote === 'string' ? 'sendrecv' : answerDirection(remote.direction);
      if (m) {
        const was = m.sending;
        m.sending = sendsMedia(direction);
        if (typeof remote !== 'string') m.remote = remote.rtp;
        if (was !== m.sending) this.out.push({ type: 'note', ...sipNote('sip.call', `call ${call.callId.slice(0, 12)}… ${m.sending ? 'resumed: sends its tone again' : `held (${typeof remote === 'string' ? '?' : remote.direction} offered): answers ${direction} and stops sending`} (RFC 3264 §8.4)`, { callId: call.callId, state: m.sending ? 'resumed' : 'held', peer: call.peer, status: null }) });
      }
      const sdp = this.sdpOf.get(call) ?? { sessionId: String(this.fork('sdp').int(1, 0x7fffffff)), version: 0, formats: [m?.sender.payloadType ?? this.o.codecs[0] ?? 0] };
      sdp.version++;
      this.sdpOf.set(call, sdp);
      // an answer keeps to the offer's formats (RFC 3264 §6.1)
      const formats = typeof remote === 'string' ? sdp.formats : sdp.formats.filter((f) => remote.formats.includes(f));
      return plainAudioSdp({ address: this.o.local.ip, port: this.o.rtpPort, sessionId: sdp.sessionId, version: sdp.version, formats: formats.length ? formats : sdp.formats, direction });
    });
  }

  private onCallState(now: Micros, call: SipCall, state: CallState): void {
    if ((state === 'answered' && call.role === 'uas') || (state === 'confirmed' && call.role === 'uac')) {
      const remote = call.remoteSdp ? readRemoteAudio(call.remoteSdp) : 'no SDP';
      if (typeof remote !== 'string') {
        const pt = chooseG711(remote.formats) ?? this.o.codecs[0] ?? 0;
        this.media.set(call, { call, remote: remote.rtp, sender: new G711Sender(this.fork('rtp'), pt, now), counter: new RtpCounter(), echoed: 0, sending: true });
      }
      const talkFor = this.talkFor.get(call);
      if (call.role === 'uac' && talkFor !== undefined) this.stack.setTimer(`hangup:${call.callId}`, now + talkFor, `SIP phone hangs up after ${talkFor / 1000} ms`, (t) => call.bye(t));
    }
    if (state !== 'calling' && state !== 'ringing') this.stack.clearTimer(`cancel:${call.callId}`);
    if (state === 'ended' || state === 'failed') {
      const m = this.media.get(call);
      if (m) this.finished.push(m);
      this.media.delete(call);
      this.history.push({ callId: call.callId, role: call.role, state, status: null });
    }
  }

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    if (to.port === this.o.rtpPort) {
      const m = [...this.media.values()].find((x) => sameTransportAddress(x.remote, from)) ?? [...this.media.values()][0];
      if (!m || !m.counter.take(bytes)) return;
      this.rtpReceived++;
      if (this.o.echo) {
        m.echoed++;
        this.out.push({ type: 'transmit', from: this.rtpLocal, to: from, bytes });
      }
      return;
    }
    this.stack.handleDatagram(now, from, bytes);
  }

  handleTimeout(now: Micros): void {
    this.start(now);
    this.stack.handleTimeout(now);
    for (const m of this.media.values()) {
      while (m.sender.next <= now) {
        if (!m.sending) {
          m.sender.skip();
          continue;
        }
        this.rtpSent++;
        this.out.push({ type: 'transmit', from: this.rtpLocal, to: m.remote, bytes: m.sender.packet() });
      }
    }
  }

  private start(now: Micros): void {
    if (this.started) return;
    this.started = true;
    if (this.registration) this.stack.setTimer('register', this.o.registerAt, 'SIP phone registers', (t) => this.registration!.start(t));
    const c = this.o.call;
    if (c) {
      const uri = c.to.startsWith('sip:') ? c.to : `sip:${c.to}@${this.o.domain}`;
      this.stack.setTimer('call', c.at, `SIP phone calls ${uri}`, (t) => {
        const call = this.dial(t, c.to, c.talkFor, c.via);
        // RFC 3261 §9.1: the caller hangs up while it rings
        if (call && c.cancelAfter !== undefined) this.stack.setTimer(`cancel:${call.callId}`, t + c.cancelAfter, `SIP phone gives up ringing after ${c.cancelAfter / 1000} ms (CANCEL)`, (tt) => call.cancel(tt));
      });
    }
    void now;
  }

  /**
   * Places a call now: INVITE `to` (a user of the domain or a SIP URI) through `via` (default the registrar), hangs
   * up `talkFor` after the answer. Undefined when there is nowhere to send it.
   */
  dial(now: Micros, to: string, talkFor: Micros, via?: TransportAddress): SipCall | undefined {
    const target = via ?? this.o.registrar;
    if (!target) return undefined;
    const uri = to.startsWith('sip:') ? to : `sip:${to}@${this.o.domain}`;
    const call = new SipCall('uac', this.stack, this.fork('call'), { state: (tt, cc, s) => this.onCallState(tt, cc, s) }, this.identity, { target, remoteUri: uri });
    this.talkFor.set(call, talkFor);
    this.calls.push(call);
    const offer = this.offer(1);
    call.invite(now, offer.bytes);
    this.sdpOf.set(call, offer.sdp);
    return call;
  }

  poll(now: Micros): EndpointOutput {
    if (!this.started) return { type: 'timeout', at: 0, reason: 'SIP phone starts' };
    const next = this.out.shift();
    if (next) return next;
    let rtp: { at: Micros; reason: string } | undefined;
    for (const m of this.media.values()) if (!rtp || m.sender.next < rtp.at) rtp = { at: m.sender.next, reason: `RTP ${m.sender.payloadType === 0 ? 'PCMU' : 'PCMA'} every 20 ms` };
    void now;
    return nextWake(rtp, this.stack.deadline());
  }

  /** Per call: where its media went, packets each way. */
  mediaSummary(): { callId: string; to: string; payloadType: number; sent: number; received: number; lost: number }[] {
    return [...this.finished, ...this.media.values()].map((m) => ({ callId: m.call.callId, to: formatTransportAddress(m.remote), payloadType: m.sender.payloadType, sent: m.sender.packets, received: m.counter.packets, lost: m.counter.lost }));
  }
}

function contactAddress(uri: string): TransportAddress | undefined {
  const m = /^sips?:(?:[^@]+@)?(\[[^\]]+\]|[0-9.]+)(?::(\d+))?/.exec(uri);
  if (!m) return undefined;
  return { ip: m[1]!.replace(/^\[|\]$/g, ''), port: m[2] ? Number(m[2]) : 5060 };
}
