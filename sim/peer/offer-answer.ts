import type { SdpDirection, SdpMedia, SessionDescription } from '../wire/sdp/types.ts';
import { primaryCodec, refsOf, sameFormat, URI, type Capabilities, type Codec, type HeaderExtension, type MediaCapabilities } from './codecs.ts';
import type { Content, DataContent, RtpContent, SendStream, SessionModel, TransportInfo } from './description.ts';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../sctp/datachannels.ts';
import { decodeSctpInitAttribute } from '../wire/sctp/snap.ts';

/**
 * Offers and answers built like libwebrtc's MediaSessionDescriptionFactory (JSEP, RFC 8829 §5.2, §5.3): an offer
 * lists this side's contents (audio, video, optionally data) with mids, one BUNDLE group, rtcp-mux and
 * rtcp-rsize, the codecs and header extensions of its capabilities, its tracks (msid, ssrc, FID for RTX); a
 * renegotiation keeps the previous contents and mids and appends new ones. An answer mirrors the offer's
 * m-sections and mids in order, rejects (port 0) what it cannot do, negotiates codecs by intersection in the
 * offer's order with the offerer's payload types, intersects rtcp-fb and header extensions (the offerer's ids),
 * reverses the direction, keeps the BUNDLE group (minus rejected mids) and answers a=setup:actpass with active.
 */

export interface Track {
  readonly kind: 'audio' | 'video';
  readonly send: SendStream;
}

export interface FactoryOptions {
  readonly capabilities: Capabilities;
  readonly transport: TransportInfo;
  readonly candidates: readonly string[];
  readonly endOfCandidates: boolean;
  readonly sessionId: string;
  readonly sessionVersion: number;
  readonly cname: string;
  readonly streamId: string;
  /** The tracks this side sends, by kind; a section of a kind without a track receives only. */
  readonly tracks: readonly Track[];
  /** Offer a data channel section (m=application, RFC 8841); an answer accepts one only when set. */
  readonly data?: boolean;
  /** Its a=max-message-size (RFC 8841 §6): the largest message this side takes; 0 any size. Default 262144, Chromium's. */
  readonly maxMessageSize?: number;
  /**
   * SNAP (draft-hancke-tsvwg-snap §5): this side's INIT for a=sctp-init, in a new offer's data section, and in an
   * answer only when the offer carried a valid one (§5.3).
   */
  readonly sctpInit?: string;
  /** W3C rtcpMuxPolicy: "require" (default) refuses an offer without a=rtcp-mux, as Chromium does. */
  readonly rtcpMuxPolicy?: 'require' | 'negotiate';
}

const RTP_PROTO = 'UDP/TLS/RTP/SAVPF'; // RFC 5764 §8, JSEP §5.1.2
const DATA_PROTO = 'UDP/DTLS/SCTP'; // RFC 8841 §4.1

function trackFor(o: FactoryOptions, kind: 'audio' | 'video', used: Set<Track>): Track | undefined {
  const t = o.tracks.find((x) => x.kind === kind && !used.has(x));
  if (t) used.add(t);
  return t;
}

function rtpContent(o: FactoryOptions, kind: 'audio' | 'video', mid: string, track: Track | undefined): RtpContent {
  const caps = o.capabilities[kind];
  return {
    kind, mid, rejected: false, proto: RTP_PROTO, direction: track ? 'sendrecv' : 'recvonly', codecs: caps.codecs, extensions: caps.extensions,
    rtcpMux: true, rtcpRsize: o.capabilities.name === 'chromium', ...(track ? { send: track.send } : {}),
  };
}

/**
 * createOffer (JSEP §5.2.1, §5.2.2): a section per track (and data when asked) for a first offer; for a
 * later one, the previous local contents in their order (a track added since gets the first receive-only section
 * of its kind, else a new section with the next mid), credentials from `transport` (new ones on an ICE restart).
 */
export function createOffer(o: FactoryOptions, previous?: SessionModel): SessionModel {
  const used = new Set<Track>();
  const contents: Content[] = [];
  const prior = previous?.contents ?? [];
  for (const c of prior) {
    if (c.kind === 'audio' || c.kind === 'video') {
      const t = c.send ? o.tracks.find((x) => x.send.ssrc === c.send!.ssrc) : trackFor(o, c.kind, used);
      if (t) used.add(t);
      contents.push(c.rejected ? c : rtpContent(o, c.kind, c.mid, t));
    } else contents.push(c);
  }
  let nextMid = prior.reduce((n, c) => Math.max(n, /^\d+$/.test(c.mid) ? Number(c.mid) + 1 : n), 0);
  const add = (c: Content): void => {
    contents.push(c);
    nextMid++;
  };
  if (!previous) {
    // a section per track (W3C addTrack), audio first; with no track at all, audio and video to receive
    // (offerToReceiveAudio/Video), so that there is something to negotiate and a transport to gather for
    const kinds = o.tracks.length ? (['audio', 'video'] as const).filter((k) => o.tracks.some((t) => t.kind === k)) : (['audio', 'video'] as const);
    for (const k of kinds) add(rtpContent(o, k, String(nextMid), trackFor(o, k, used)));
  }
  for (const t of o.tracks) if (!used.has(t)) add(rtpContent(o, t.kind, String(nextMid), (used.add(t), t)));
  if (o.data && !contents.some((c) => c.kind === 'application')) add({ kind: 'application', mid: String(nextMid), rejected: false, proto: DATA_PROTO, sctpPort: 5000, maxMessageSize: o.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE, ...(o.sctpInit ? { sctpInit: o.sctpInit } : {}) });
  // max-bundle (JSEP §4.1.1): every section that is not rejected in one group
  const bundle = contents.filter((c) => !c.rejected).map((c) => c.mid);
  return model(o, 'offer', contents, bundle);
}

function model(o: FactoryOptions, type: 'offer' | 'answer', contents: Content[], bundle: readonly string[] | undefined): SessionModel {
  return {
    type, sessionId: o.sessionId, sessionVersion: o.sessionVersion, bundle, transport: o.transport, candidates: o.candidates, endOfCandidates: o.endOfCandidates,
    contents, cname: o.cname, msidSemantic: o.capabilities.name === 'firefox' ? '*' : o.streamId, fingerprintAtSession: o.capabilities.fingerprintAtSession,
  };
}

// ---- reading codecs from a remote section ----------------------------------------------------------------------

/** RFC 3551 §6: static payload types that need no rtpmap. */
const STATIC: Record<number, [string, number, number?]> = { 0: ['PCMU', 8000], 8: ['PCMA', 8000], 9: ['G722', 8000], 13: ['CN', 8000], 18: ['G729', 8000] };

/** The codecs a section lists, in its m= line's order, with their fmtp and rtcp-fb. */
export function codecsOf(m: SdpMedia): Codec[] {
  const out: Codec[] = [];
  for (const f of m.formats) {
    if (!/^\d+$/.test(f)) continue;
    const pt = Number(f);
    const map = m.rtpmaps.find((r) => r.payloadType === pt);
    const st = STATIC[pt];
    if (!map && !st) continue;
    const channels = map?.encodingParameters !== undefined && /^\d+$/.test(map.encodingParameters) ? Number(map.encodingParameters) : undefined;
    const fmtp = m.fmtps.find((x) => x.format === f)?.pairs ?? [];
    const feedback = m.attributes.filter((a) => a.name === 'rtcp-fb' && a.value !== undefined).map((a) => a.value!).filter((v) => v.startsWith(`${f} `) || v.startsWith('* ')).map((v) => v.slice(v.indexOf(' ') + 1).trim());
    out.push({ payloadType: pt, name: map?.encodingName ?? st![0], clockRate: map?.clockRate ?? st![1], ...(channels !== undefined ? { channels } : {}), fmtp, feedback });
  }
  return out;
}

export interface Rejection {
  readonly mid: string;
  readonly reason: string;
}

/**
 * libwebrtc's NegotiateCodecs for an answer: each offered codec (in the offer's order) that matches one of ours is
 * kept with the offerer's payload type; its fmtp is ours except what names the format (H.264 packetization and
 * profile, VP9/AV1 profile: theirs, being equal) and what points at payload types (rtx apt, red), which follows
 * the offer; rtcp-fb is the intersection.
 */
export function negotiateCodecs(ours: readonly Codec[], offered: readonly Codec[]): Codec[] {
  const kept: Codec[] = [];
  const byOffered = new Map<number, Codec>();
  // media formats first, then rtx and red, which must point at a kept payload type
  for (const pass of ['media', 'refs'] as const) {
    for (const theirs of offered) {
      const refs = refsOf(theirs);
      const name = theirs.name.toLowerCase();
      const isRef = name === 'rtx' || (name === 'red' && refs.length > 0);
      if ((pass === 'refs') !== isRef) continue;
      if (isRef && !refs.every((r) => byOffered.has(r))) continue;
      const mine = ours.find((c) => sameFormat(c, theirs) && (!isRef || c.name.toLowerCase() !== 'rtx' || refsOf(c).length === 1));
      if (!mine) continue;
      const feedback = mine.feedback.filter((f) => theirs.feedback.includes(f));
      const fmtp = isRef || ['h264', 'vp9', 'av1'].includes(name) ? theirs.fmtp : mine.fmtp;
      const c: Codec = { payloadType: theirs.payloadType, name: theirs.name, clockRate: theirs.clockRate, ...(theirs.channels !== undefined ? { channels: theirs.channels } : {}), fmtp, feedback };
      byOffered.set(theirs.payloadType, c);
    }
  }
  // RFC 3264 §6.1: in the offer's order
  for (const theirs of offered) {
    const c = byOffered.get(theirs.payloadType);
    if (c) kept.push(c);
  }
  return kept;
}

/** RFC 8285 §8: the offered extensions this side knows, with the offerer's ids; a direction is answered reversed. */
export function negotiateExtensions(ours: readonly HeaderExtension[], offered: SdpMedia['extmaps']): HeaderExtension[] {
  const out: HeaderExtension[] = [];
  for (const e of offered) {
    if (!ours.some((x) => x.uri === e.uri)) continue;
    const direction = e.direction === 'recvonly' ? 'sendonly' : e.direction === 'sendonly' ? 'recvonly' : e.direction;
    out.push({ id: e.id, uri: e.uri, ...(direction !== undefined ? { direction } : {}) });
  }
  return out;
}

/** RFC 3264 §6.1: the answer's direction from the offer's and whether this side has a track. */
export function answerDirection(offered: SdpDirection | undefined, sending: boolean): SdpDirection {
  const theySend = offered === undefined || offered === 'sendrecv' || offered === 'sendonly';
  const theyReceive = offered === undefined || offered === 'sendrecv' || offered === 'recvonly';
  const send = sending && theyReceive;
  return send && theySend ? 'sendrecv' : send ? 'sendonly' : theySend ? 'recvonly' : 'inactive';
}

export type AnswerResult = { ok: true; model: SessionModel; rejected: readonly Rejection[] } | { ok: false; error: string };

/** createAnswer (JSEP §5.3.1) to a decoded remote offer. `previous`: this side's last answer (renegotiation keeps its tracks on their mids). */
export function createAnswer(offer: SessionDescription, o: FactoryOptions, previous?: SessionModel): AnswerResult {
  const used = new Set<Track>();
  const contents: Content[] = [];
  const rejected: Rejection[] = [];
  const group = offer.groups.find((g) => g.semantics === 'BUNDLE');
  let transports = 0;
  const reject = (m: SdpMedia, mid: string, reason: string): void => {
    rejected.push({ mid, reason });
    if (m.media === 'audio' || m.media === 'video') {
      contents.push({ kind: m.media, mid, rejected: true, proto: m.proto, direction: 'inactive', codecs: codecsOf(m), extensions: [], rtcpMux: false, rtcpRsize: false });
    } else if (m.media === 'application') contents.push({ kind: 'application', mid, rejected: true, proto: m.proto });
    else contents.push({ kind: 'other', media: m.media, mid, rejected: true, proto: m.proto, formats: m.formats });
  };
  for (const [i, m] of offer.media.entries()) {
    const mid = m.mid ?? String(i);
    if (m.mid === undefined) return { ok: false, error: `m-section ${i} (${m.media}) has no a=mid (JSEP §5.8: required)` };
    if (m.port === 0) {
      reject(m, mid, 'rejected in the offer (port 0)');
      continue;
    }
    const bundled = group?.mids.includes(mid) ?? false;
    if (!bundled && transports > 0) {
      reject(m, mid, 'not in the BUNDLE group: this peer runs one transport');
      continue;
    }
    if (m.media === 'audio' || m.media === 'video') {
      if (!/RTP\/SAVPF$/.test(m.proto)) {
        reject(m, mid, `proto ${m.proto} is not DTLS-SRTP with feedback (JSEP §5.1.2)`);
        continue;
      }
      if (!m.rtcpMux && o.rtcpMuxPolicy !== 'negotiate') {
        return { ok: false, error: `m-section mid ${mid} has no a=rtcp-mux, which rtcpMuxPolicy "require" needs (JSEP §5.1.3)` };
      }
      const caps: MediaCapabilities = o.capabilities[m.media];
      const codecs = negotiateCodecs(caps.codecs, codecsOf(m));
      if (!primaryCodec(codecs)) {
        reject(m, mid, `no ${m.media} codec in common`);
        continue;
      }
      const prior = previous?.contents.find((c) => c.mid === mid);
      const keep = prior && (prior.kind === 'audio' || prior.kind === 'video') && prior.send ? o.tracks.find((t) => t.send.ssrc === prior.send!.ssrc) : undefined;
      if (keep) used.add(keep);
      const track = keep ?? (m.direction === 'sendrecv' || m.direction === 'recvonly' || m.direction === undefined ? trackFor(o, m.media, used) : undefined);
      const direction = answerDirection(m.direction, track !== undefined);
      contents.push({
        kind: m.media, mid, rejected: false, proto: m.proto, direction, codecs, extensions: negotiateExtensions(caps.extensions, m.extmaps),
        rtcpMux: m.rtcpMux, rtcpRsize: o.capabilities.name === 'chromium' && m.attributes.some((a) => a.name === 'rtcp-rsize'), ...(track ? { send: track.send } : {}),
      });
    } else if (m.media === 'application' && /DTLS\/SCTP$/.test(m.proto)) {
      if (!o.data) {
        reject(m, mid, 'data channels (SCTP) are not enabled on this peer');
        continue;
      }
      // RFC 8841 §6.1: each side declares what it takes itself, whatever the offer's value (which binds the answerer's sends)
      // draft-hancke-tsvwg-snap §5.2–5.4: our a=sctp-init only in reply to a readable INIT
      const offered = m.attributes.find((a) => a.name === 'sctp-init')?.value;
      const snap = o.sctpInit && offered !== undefined && decodeSctpInitAttribute(offered).init ? { sctpInit: o.sctpInit } : {};
      const c: DataContent = { kind: 'application', mid, rejected: false, proto: m.proto, sctpPort: 5000, maxMessageSize: o.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE, ...snap };
      contents.push(c);
    } else {
      reject(m, mid, `${m.media} ${m.proto} is not a kind this peer takes part in`);
      continue;
    }
    transports = 1;
  }
  // RFC 9143 §7.3.1: the answer's group holds the offered mids it accepted, in the offer's order
  const accepted = new Set(contents.filter((c) => !c.rejected).map((c) => c.mid));
  const bundle = group ? group.mids.filter((x) => accepted.has(x)) : undefined;
  return { ok: true, model: model(o, 'answer', contents, bundle), rejected };
}

// ---- what the two descriptions settle -------------------------------------------------------------------------

export interface SendParameters {
  readonly kind: 'audio' | 'video';
  readonly mid: string;
  readonly ssrc: number;
  readonly payloadType: number;
  readonly codec: string;
  /** Header extension ids to write (absent: not negotiated, not written). */
  readonly extensions: { readonly audioLevel?: number; readonly absSendTime?: number; readonly mid?: number };
}

export interface Negotiated {
  readonly send: readonly SendParameters[];
  /** Payload type → kind for what the peer sends (its offer or answer's sections). */
  readonly receive: ReadonlyMap<number, 'audio' | 'video'>;
  readonly bundle: readonly string[];
  /** Payload type → agreed rtcp-fb values (RFC 4585 §4.2), for every agreed format. */
  readonly feedback?: ReadonlyMap<number, readonly string[]>;
  /** Agreed RTX payload type → the payload type it retransmits (RFC 4588 §8.6 apt). */
  readonly rtx?: ReadonlyMap<number, number>;
  /** The remote's RTX SSRCs (a=ssrc-group:FID primary rtx, RFC 5576 §4.2, RFC 4588 §8.1): rtx SSRC → primary SSRC. */
  readonly remoteRtx?: ReadonlyMap<number, number>;
}

const extensionIds = (extensions: readonly HeaderExtension[], kind: 'audio' | 'video'): SendParameters['extensions'] => {
  const id = (uri: string): number | undefined => extensions.find((e) => e.uri === uri && e.direction !== 'recvonly' && e.direction !== 'inactive')?.id;
  const audioLevel = kind === 'audio' ? id(URI.audioLevel) : undefined;
  const absSendTime = id(URI.absSendTime);
  const mid = id(URI.mid);
  return { ...(audioLevel !== undefined ? { audioLevel } : {}), ...(absSendTime !== undefined ? { absSendTime } : {}), ...(mid !== undefined ? { mid } : {}) };
};

/**
 * What is settled once an offer and its answer are both known (JSEP §5.10, §5.11): per section this side sends on,
 * the codec (the answer's first media codec: an answer lists the common ones in the offer's order) with the
 * payload type and extension ids of the answer, which carries the offerer's; and what the peer may send.
 */
export function settle(local: SessionModel, remote: SessionDescription): Negotiated {
  const send: SendParameters[] = [];
  const receive = new Map<number, 'audio' | 'video'>();
  const feedback = new Map<number, readonly string[]>();
  const rtx = new Map<number, number>();
  const remoteRtx = new Map<number, number>();
  const answer = local.type === 'answer' ? undefined : remote;
  for (const c of local.contents) {
    if (c.kind !== 'audio' && c.kind !== 'video') continue;
    const r = remote.media.find((m) => m.mid === c.mid);
    if (c.rejected || !r || r.port === 0) continue;
    const agreed = answer ? codecsOf(r) : c.codecs;
    const extensions = answer ? r.extmaps.map((e) => ({ id: e.id, uri: e.uri, ...(e.direction !== undefined ? { direction: e.direction } : {}) })) : c.extensions;
    for (const x of codecsOf(r)) receive.set(x.payloadType, c.kind);
    for (const x of agreed) {
      feedback.set(x.payloadType, x.feedback);
      const apt = x.name.toLowerCase() === 'rtx' ? refsOf(x)[0] : undefined;
      if (apt !== undefined) rtx.set(x.payloadType, apt);
    }
    for (const g of r.attributes) {
      const fid = g.name === 'ssrc-group' ? /^FID (\d+) (\d+)$/.exec(g.value ?? '') : null;
      if (fid) remoteRtx.set(Number(fid[2]), Number(fid[1]));
    }
    const we = answer ? (r.direction === 'sendrecv' || r.direction === 'recvonly' || r.direction === undefined) && (c.direction === 'sendrecv' || c.direction === 'sendonly') : c.direction === 'sendrecv' || c.direction === 'sendonly';
    const primary = primaryCodec(agreed);
    if (we && c.send && primary) send.push({ kind: c.kind, mid: c.mid, ssrc: c.send.ssrc, payloadType: primary.payloadType, codec: primary.name, extensions: extensionIds(extensions, c.kind) });
  }
  const bundle = (local.type === 'answer' ? local.bundle : remote.groups.find((g) => g.semantics === 'BUNDLE')?.mids) ?? [];
  return { send, receive, bundle, feedback, rtx, remoteRtx };
}
