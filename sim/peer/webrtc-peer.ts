// size: one browser-like peer connection: JSEP signaling state, the offer/answer glue (addTrack, renegotiation, restart), DTLS start and media; the SDP work itself lives in offer-answer.ts and description.ts
import type { PeerNoteKinds } from './notes.ts';
import type { SrtpNoteKinds } from '../srtp/notes.ts';
import type { EndpointOutput, IcmpError, SignalingEndpoint, Transport, TransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import { SignalOutbox } from '../core/signal-outbox.ts';
import type { JsonValue } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import type { DtlsCurveName, DtlsEndpointOptions, DtlsSrtpProfileName } from '../dtls/config.ts';
import { DtlsEndpoint } from '../dtls/endpoint.ts';
import type { AnyDtlsEndpoint } from '../dtls/v13/factory.ts';
import type { DtlsIdentity } from '../dtls/identity.ts';
import { IceAgent, type TurnServerConfig } from '../ice/agent.ts';
import { formatCandidate, type TcpType } from '../ice/candidate.ts';
import type { NominationMode } from '../ice/nomination.ts';
import type { CandidatePolicy } from '../ice/candidate-filter.ts';
import type { NetworkInfo } from '../ice/networks.ts';
import { MediaSession } from '../media/session.ts';
import type { VideoOptions } from '../media/video.ts';
import type { IceSignal } from '../signaling/ice.ts';
import type { JsepMessage } from '../signaling/jsep.ts';
import { jsep, type SignalingMessage } from '../signaling/message.ts';
import type { SrtpSession } from '../srtp/session.ts';
import { IceDtlsSrtpTransport, type SrtpKeyFault } from '../webrtc/transport.ts';
import { DataChannels, DEFAULT_MAX_MESSAGE_SIZE, type DataChannelAction } from '../sctp/datachannels.ts';
import type { SctpAssociationOptions } from '../sctp/association.ts';
import { srtpProfileName } from '../wire/handshake/names.ts';
import { answerSetup, dtlsRoleFor, readDescription, type RemoteDescription } from './sdp.ts';
import { CAPABILITIES } from './codecs.ts';
import type { SessionModel } from './description.ts';
import { writeSession } from './description.ts';
import { createAnswer, createOffer, settle, type FactoryOptions, type Negotiated, type Track } from './offer-answer.ts';

export interface WebRtcPeerOptions {
  /** Shown in notes; the RTCP CNAME. */
  readonly name: string;
  readonly rng: Rng;
  readonly identity: DtlsIdentity;
  /** The offerer starts at `startAt`; the answerer waits for an offer (JSEP §3.2). */
  readonly offerer: boolean;
  /** The party on the signaling hub that its offers, answers and candidates go to (default "peer"). */
  readonly signalingPeer?: string;
  readonly startAt?: Micros;
  /** When false, the offerer waits for `begin(now)` (an SFU client first asks the server for its transport). */
  readonly autoStart?: boolean;
  readonly stunServers?: readonly TransportAddress[];
  readonly turnServers?: readonly TurnServerConfig[];
  readonly trickle?: boolean;
  /** An ICE-lite agent (RFC 8445 §2.5): host candidates only, answers checks, never checks; it is controlled. */
  readonly lite?: boolean;
  readonly media?: { readonly audio?: boolean; readonly video?: boolean | VideoOptions };
  readonly srtpProfiles?: readonly DtlsSrtpProfileName[];
  readonly curves?: readonly DtlsCurveName[];
  /** DTLS versions offered or accepted (default ['1.2']) and the DTLS 1.3 groups (sim/dtls/v13). */
  readonly dtls13?: Pick<DtlsEndpointOptions, 'versions' | 'groups13' | 'keyShares13'>;
  readonly mtu?: number;
  readonly restartOnFailure?: boolean;
  readonly nominationDelay?: Micros;
  /** How its ICE agent nominates when controlling (sim/ice/nomination.ts); default semi-aggressive, as Chromium. */
  readonly nomination?: NominationMode;
  /** W3C iceTransportPolicy: `relay` signals and pairs relayed candidates only. */
  readonly iceTransportPolicy?: CandidatePolicy;
  /** Whose codecs, header extensions and SDP style its descriptions carry (sim/peer/codecs.ts); default chromium. */
  readonly browser?: 'chromium' | 'firefox';
  /** W3C rtcpMuxPolicy: "require" (default) refuses an offer without a=rtcp-mux. */
  readonly rtcpMuxPolicy?: 'require' | 'negotiate';
  /** Fault injection: derive the SRTP key for receiving or for sending wrong (IceDtlsSrtpOptions.corruptSrtpKey); noted as peer.fault. */
  readonly corruptSrtpKey?: SrtpKeyFault;
  /**
   * Data channels (RFC 8831): an m=application section, SCTP over DTLS once connected, and the schedule of channels
   * to open and messages to send. Also started when the remote offer has an application section.
   */
  readonly dataChannels?: {
    readonly schedule?: readonly DataChannelAction[];
    readonly sctp?: Omit<SctpAssociationOptions, 'rng'>;
    /** Its a=max-message-size (RFC 8841 §6.1): the largest message it takes, 0 any size; default 262144 as Chromium. */
    readonly maxMessageSize?: number;
  };
}

/** W3C RTCSignalingState and RTCPeerConnectionState words. */
export type SignalingState = 'stable' | 'have-local-offer' | 'have-remote-offer';
export type PeerState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed';

/**
 * A browser-like WebRTC peer (sans-IO): its ICE+DTLS+SRTP transport (sim/webrtc) gathers, checks, runs DTLS over
 * the ICE-selected pair once there is one (the client waits for it), checks the peer's certificate against the SDP
 * fingerprint, and keys SRTP (RFC 5764 §4.2) for audio and video both ways; SDP offer and answer (RFC 8829 JSEP)
 * carry its credentials, candidates, the certificate fingerprint and a=setup, as `signal` outputs. Consent checks
 * keep running; an ICE restart moves DTLS and media to the new pair without a new handshake (RFC 8842 §5.5: same
 * fingerprint and setup).
 */
/** The kinds a peer writes itself; its ICE agent and DTLS endpoint write theirs. */
type PeerOwnNoteKinds = PeerNoteKinds & SrtpNoteKinds;

export class WebRtcPeer implements SignalingEndpoint<SignalingMessage> {
  readonly agent: IceAgent;
  readonly transport: IceDtlsSrtpTransport;
  media: MediaSession | undefined;
  signalingState: SignalingState = 'stable';
  state: PeerState = 'new';
  remote: RemoteDescription | undefined;
  localSetup: 'actpass' | 'active' | 'passive' | undefined;
  /** The SSRCs this side will send, known before the first offer (they go into a=ssrc). */
  localStreams: readonly { readonly kind: 'audio' | 'video'; readonly mid: string; readonly ssrc: number }[];
  /** The last description sent, as structured data, and what the last offer/answer exchange settled. */
  localDescription: SessionModel | undefined;
  negotiated: Negotiated | undefined;
  /** What the peer counts; the transport counts the rest (datagrams before keys, without a path, DTLS buffered, path changes). */
  readonly counters = { offers: 0, answers: 0, candidatesSent: 0, candidatesReceived: 0, rtpIn: 0, rtcpIn: 0, rtpOut: 0, rtcpOut: 0 };
  connectedAt: Micros | undefined;
  private began: boolean;
  private readonly outbox = new SignalOutbox<SignalingMessage>();
  private readonly dtlsRng: Rng;
  private readonly sctpRng: Rng;
  private readonly mediaSeed: bigint;
  private readonly pendingRemote: { type: 'offer' | 'answer'; description: RemoteDescription }[] = [];
  private readonly sessionId: string;
  private sessionVersion = 0;
  private readonly startAt: Micros;
  /** Which kinds it sends (addTrack turns one on). */
  private readonly sending: { audio: boolean; video: boolean };
  /** a=msid ids (RFC 8830) and RTX SSRCs (RFC 4588), drawn once. */
  private readonly msid: { readonly stream: string; readonly audio: string; readonly video: string; readonly rtx: number };
  private localEnd = false;

  constructor(readonly options: WebRtcPeerOptions) {
    const rng = options.rng;
    this.startAt = options.startAt ?? 0;
    this.began = options.offerer && options.autoStart !== false;
    this.agent = new IceAgent({
      name: options.name, rng: rng.fork('ice'), role: options.offerer && !options.lite ? 'controlling' : 'controlled', trickle: options.trickle ?? true,
      ...(options.lite ? { lite: true } : {}),
      stunServers: options.stunServers ?? [], turnServers: options.turnServers ?? [], restartOnFailure: options.restartOnFailure ?? false,
      ...(options.nominationDelay !== undefined ? { nominationDelay: options.nominationDelay } : {}),
      nomination: options.nomination ?? 'semi-aggressive',
      ...(options.iceTransportPolicy ? { candidatePolicy: options.iceTransportPolicy } : {}),
      // libwebrtc pings a stable, writable selected connection every 2.5 s (STABLE_WRITABLE_CONNECTION_PING_INTERVAL);
      // those pings are its consent checks (RFC 7675 §5.1 suggests 5 s on average; Chromium checks twice as often)
      consentInterval: 2_500_000,
    });
    this.transport = new IceDtlsSrtpTransport(this.agent, {
      iceRunning: (now) => this.iceRunning(now),
      afterIcePoll: (now) => {
        for (const p of this.pendingRemote.splice(0)) this.applyRemote(now, p.type, p.description);
        for (const s of this.agent.takeSignals()) this.fromAgent(now, s);
      },
      pathChanged: (_now, pair, changes) => this.note('peer.path', `${this.options.name}: DTLS and media use the selected pair ${pair.id}${changes ? ' (same DTLS association)' : ''}`, { pair: pair.id, changes }),
      afterSelection: (now) => this.updateState(now),
      keyed: (now, srtp) => this.keyed(now, srtp),
      media: (now, kind, bytes) => this.onMedia(now, kind, bytes),
      produce: (now) => this.produce(now),
      deadline: (now) => (this.began && now < this.startAt ? { at: this.startAt, reason: 'peer start' } : undefined),
    }, { keepPreviousPair: true, ...(options.corruptSrtpKey ? { corruptSrtpKey: options.corruptSrtpKey } : {}) });
    this.dtlsRng = rng.fork('dtls');
    this.sctpRng = rng.fork('sctp');
    // Media is keyed late but its SSRCs go into the first SDP: a seed drawn now rebuilds the same streams later.
    const m = rng.fork('media');
    this.mediaSeed = (BigInt(m.u32()) << 32n) | BigInt(m.u32());
    const s = rng.fork('session-id');
    this.sessionId = String(s.int(1, 0x7fffffff)) + String(s.int(0, 100_000_000)).padStart(8, '0');
    const media = options.media ?? {};
    this.sending = { audio: media.audio === true, video: media.video !== undefined && media.video !== false };
    const ids = rng.fork('msid');
    const uuid = (): string => {
      const h = Array.from(ids.bytes(16), (b) => b.toString(16).padStart(2, '0')).join('');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[ids.int(0, 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    };
    this.msid = { stream: uuid(), audio: uuid(), video: uuid(), rtx: ids.u32() };
    this.localStreams = this.newMediaSession(0).sources.map((x) => ({ kind: x.kind, mid: x.mid, ssrc: x.ssrc }));
    this.localDescription = undefined;
    this.negotiated = undefined;
  }

  get dtls(): AnyDtlsEndpoint | undefined {
    return this.transport.dtls;
  }

  get srtp(): SrtpSession | undefined {
    return this.transport.srtp;
  }

  /** The media session: senders of the kinds it sends (of those negotiated, once offer/answer settled them). */
  private newMediaSession(start: Micros, negotiated = true): MediaSession {
    const m = this.options.media ?? {};
    const n = negotiated ? this.negotiated : undefined;
    const params = (kind: 'audio' | 'video'): { mid: string; payloadType: number; extensions: Negotiated['send'][number]['extensions'] } | undefined => {
      const p = n?.send.find((x) => x.kind === kind);
      return p ? { mid: p.mid, payloadType: p.payloadType, extensions: p.extensions } : undefined;
    };
    const audio = this.sending.audio && (!n || params('audio') !== undefined);
    const video = this.sending.video && (!n || params('video') !== undefined);
    const a = params('audio');
    const v = params('video');
    const session = new MediaSession(Rng.fromSeed(this.mediaSeed), start, {
      ...(audio ? { audio: true } : {}), ...(video ? { video: typeof m.video === 'object' ? m.video : true } : {}), cname: this.options.name,
      send: { ...(a ? { audio: a } : {}), ...(v ? { video: v } : {}) },
    }, this.msid.rtx);
    session.receiveKinds = n?.receive;
    if (n) this.feedbackInto(session, n);
    return session;
  }

  /** RTX SSRCs of the remote's streams learned outside SDP (an SFU's consume answer): rtx SSRC → primary SSRC. */
  private readonly signaledRtx = new Map<number, number>();

  /** The remote sends retransmissions of `primary` on `rtx` (RFC 4588 SSRC multiplexing), as a signaling layer learned it. */
  associateRtx(primary: number, rtx: number): void {
    this.signaledRtx.set(rtx, primary);
    this.media?.remoteRtx.set(rtx, primary);
  }

  /** The peer's RTX SSRC for its video (its a=ssrc-group:FID), as a signaling layer sends it in place of SDP. */
  get rtxSsrc(): number {
    return this.msid.rtx;
  }

  private feedbackInto(session: MediaSession, n: Negotiated): void {
    session.setFeedback({ ...(n.feedback ? { feedback: n.feedback } : {}), ...(n.rtx ? { rtx: n.rtx } : {}) });
    for (const [rtx, primary] of [...(n.remoteRtx ?? []), ...this.signaledRtx]) session.remoteRtx.set(rtx, primary);
  }

  /** The tracks it sends, as the description factory takes them. */
  private tracks(): Track[] {
    return this.localStreams.map((s) => ({
      kind: s.kind,
      send: { streamId: this.msid.stream, trackId: this.msid[s.kind], ssrc: s.ssrc, ...(s.kind === 'video' ? { rtxSsrc: this.msid.rtx } : {}) },
    }));
  }

  private factoryOptions(ufrag: string, pwd: string, lite: boolean, candidates: readonly string[], endOfCandidates: boolean, setup: 'actpass' | 'active' | 'passive'): FactoryOptions {
    const caps = CAPABILITIES[this.options.browser ?? 'chromium'];
    return {
      capabilities: caps, transport: { ufrag, pwd, lite, iceOptions: lite ? [] : ['trickle'], fingerprint: this.options.identity.fingerprint, setup },
      candidates, endOfCandidates, sessionId: this.sessionId, sessionVersion: this.sessionVersion, cname: this.options.name, streamId: this.msid.stream,
      tracks: this.tracks(), ...(this.options.rtcpMuxPolicy ? { rtcpMuxPolicy: this.options.rtcpMuxPolicy } : {}),
      // RFC 8841: a data channel section when this peer wants channels, or accepted when the remote offer has one
      ...(this.options.dataChannels || this.remote?.application ? { data: true } : {}),
      ...(this.options.dataChannels?.maxMessageSize !== undefined ? { maxMessageSize: this.options.dataChannels.maxMessageSize } : {}),
    };
  }

  /**
   * Adds a track of a kind it does not send yet (W3C addTrack): a new offer with the previous sections kept and a
   * section for the track (renegotiation, JSEP §5.2.2); media starts on it once the answer settles it.
   */
  addTrack(now: Micros, kind: 'audio' | 'video'): void {
    this.outbox.input();
    if (this.sending[kind]) return;
    this.sending[kind] = true;
    const ssrc = this.newMediaSession(0, false).sources.find((x) => x.kind === kind)?.ssrc;
    this.localStreams = [...this.localStreams, ...(ssrc !== undefined ? [{ kind, mid: '', ssrc }] : [])];
    this.note('peer.track', `${this.options.name}: adds a ${kind} track (SSRC ${ssrc ?? '?'}): renegotiation`, { kind, ssrc: ssrc ?? 0 });
    if (this.signalingState === 'stable' && this.localDescription) this.renegotiate(now);
  }

  /** A new offer on the current ICE credentials and candidates (no restart). */
  private renegotiate(now: Micros): void {
    const a = this.agent;
    const candidates = a.local.filter((c) => c.type !== 'prflx').map(formatCandidate);
    this.sendOffer(now, this.factoryOptions(a.ufrag, a.pwd, a.lite, candidates, this.localEnd, this.localSetup === 'passive' ? 'passive' : 'actpass'));
  }

  private sendOffer(now: Micros, o: FactoryOptions): void {
    const model = createOffer(o, this.localDescription);
    this.sessionVersion++;
    this.publish(now, model, []);
  }

  private publish(now: Micros, model: SessionModel, rejected: readonly { mid: string; reason: string }[]): void {
    this.localDescription = model;
    const type = model.type;
    if (type === 'answer') this.counters.answers++;
    else this.counters.offers++;
    this.note('peer.description', `${this.options.name}: ${type} v${model.sessionVersion}: ${model.contents.map((c) => `${c.kind === 'other' ? c.media : c.kind} mid ${c.mid}${c.rejected ? ' rejected' : ''}`).join(', ')}${model.bundle ? `; BUNDLE ${model.bundle.join(' ')}` : ''}`, {
      type, version: model.sessionVersion, mids: model.contents.map((c) => c.mid), bundle: [...(model.bundle ?? [])], rejected: rejected.map((r) => ({ mid: r.mid, reason: r.reason })),
    });
    this.setSignaling(type === 'answer' ? 'stable' : 'have-local-offer', `local ${type} sent`);
    this.send(now, { type, sdp: writeSession(model) });
    if (type === 'answer' && this.remote) this.settled(now, this.remote);
  }

  /** Offer and answer are both known: what this side sends, and media on newly settled sections. */
  private settled(now: Micros, remote: RemoteDescription): void {
    if (!this.localDescription) return;
    const n = settle(this.localDescription, remote.parsed);
    this.negotiated = n;
    this.localStreams = this.localStreams.map((s) => ({ ...s, mid: n.send.find((x) => x.ssrc === s.ssrc)?.mid ?? s.mid }));
    const ext = (e: Negotiated['send'][number]['extensions']): string => Object.entries(e).map(([k, v]) => `${k}=${v}`).join(',');
    this.note('peer.negotiated', `${this.options.name}: sends ${n.send.map((x) => `${x.kind} ${x.codec}/${x.payloadType} on mid ${x.mid}`).join(', ') || 'nothing'}`, {
      send: n.send.map((x) => ({ mid: x.mid, kind: x.kind, codec: x.codec, payloadType: x.payloadType, ssrc: x.ssrc, extensions: ext(x.extensions) })), bundle: [...n.bundle],
    });
    if (this.media) {
      this.media.receiveKinds = n.receive;
      this.feedbackInto(this.media, n);
      for (const p of n.send) this.media.addSource(p.kind, now, { mid: p.mid, payloadType: p.payloadType, extensions: p.extensions });
    }
  }

  /** A socket the driver bound: one host candidate per address. */
  /** RFC 6544: a TCP host candidate (the driver listens for a passive one and dials for an active one, sim/apps/stream-links.ts). */
  addLocalTcpAddress(a: TransportAddress, tcpType: TcpType): void {
    this.agent.addLocalTcpAddress(a, tcpType);
  }

  addLocalAddress(a: TransportAddress, network?: NetworkInfo): void {
    this.agent.addLocalAddress(a, network);
  }

  /** Starts an offerer that waited (`autoStart: false`). */
  begin(now: Micros): void {
    if (this.began) return;
    this.outbox.input();
    this.began = true;
    this.note('peer.begin', `${this.options.name}: creates an offer`, {});
    void now;
  }

  /** Restarts ICE (RFC 8445 §9) from this side: a new offer with new credentials; DTLS stays up. */
  restartIce(now: Micros): void {
    this.outbox.input();
    this.agent.restart(now, 'local');
  }

  // ---- signaling in ------------------------------------------------------------------------------------------

  handleSignal(now: Micros, from: string, message: SignalingMessage): void {
    this.outbox.input();
    if (message.protocol !== 'jsep') {
      this.note('peer.signal.ignored', `${this.options.name}: ignores a ${message.protocol} message from ${from} (it speaks JSEP)`, { from, protocol: message.protocol });
      return;
    }
    const m = message.body;
    if (m.type === 'offer' || m.type === 'answer') {
      const r = readDescription(m.sdp);
      if (!r.ok) {
        this.note('peer.sdp.invalid', `${this.options.name}: the remote ${m.type} is unusable: ${r.error}`, { type: m.type, error: r.error });
        return;
      }
      for (const p of r.problems) this.note('peer.sdp.problem', `${this.options.name}: remote ${m.type}: ${p}`, { type: m.type, problem: p });
      if (m.type === 'offer') {
        // what setRemoteDescription refuses (JSEP §5.8) is refused here, before anything is applied
        const dry = createAnswer(r.value.parsed, this.factoryOptions(this.agent.ufrag, this.agent.pwd, this.agent.lite, [], false, 'active'), this.localDescription);
        if (!dry.ok) {
          this.note('peer.sdp.invalid', `${this.options.name}: the remote offer is refused: ${dry.error}`, { type: m.type, error: dry.error });
          return;
        }
      }
      this.pendingRemote.push({ type: m.type, description: r.value });
      if (m.type === 'offer') this.began = true; // the answerer's ICE agent starts with the offer
      return;
    }
    this.counters.candidatesReceived += m.type === 'candidate' ? 1 : 0;
    const s: IceSignal = m.type === 'candidate' ? { type: 'candidate', ufrag: m.ufrag, candidate: m.candidate } : { type: 'end-of-candidates', ufrag: m.ufrag };
    this.agent.handleSignal(now, s);
  }

  private applyRemote(now: Micros, type: 'offer' | 'answer', d: RemoteDescription): void {
    const first = this.remote === undefined;
    if (!first && d.fingerprint !== this.remote!.fingerprint) this.note('peer.sdp.problem', `${this.options.name}: the remote fingerprint changed; this peer keeps its DTLS association`, {});
    this.remote = d;
    if (type === 'offer') {
      this.setSignaling('have-remote-offer', 'remote offer applied');
      this.localSetup ??= answerSetup(d.setup);
    } else {
      if (this.signalingState !== 'have-local-offer') {
        this.note('peer.sdp.invalid', `${this.options.name}: an answer arrived in state ${this.signalingState}`, {});
        return;
      }
      this.setSignaling('stable', 'remote answer applied');
      this.settled(now, d);
    }
    if (first) {
      const role = dtlsRoleFor(this.localSetup ?? 'actpass', d.setup);
      this.note('peer.dtls-role', `${this.options.name}: a=setup:${this.localSetup} here, a=setup:${d.setup ?? 'none'} there → DTLS ${role} (RFC 8842 §5.1)`, { role, localSetup: this.localSetup ?? null, remoteSetup: d.setup ?? null });
      this.transport.startDtls({
        role, rng: this.dtlsRng, identity: this.options.identity, remoteFingerprint: d.fingerprint,
        ...(this.options.srtpProfiles ? { srtpProfiles: this.options.srtpProfiles } : {}),
        ...(this.options.curves ? { curves: this.options.curves } : {}),
        ...(this.options.mtu !== undefined ? { mtu: this.options.mtu } : {}),
        ...this.options.dtls13,
      });
      if (this.options.dataChannels || d.application) {
        const dc = this.options.dataChannels;
        const port = d.application?.sctpPort ?? 5000;
        // RFC 8841 §6.1: sends are bound by the remote's a=max-message-size (64 kB when absent), receipts by ours
        const limits = { localMaxMessageSize: dc?.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE, remoteMaxMessageSize: d.application?.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE };
        this.transport.dataChannels = new DataChannels(this.options.name, this.sctpRng, role, dc?.schedule ?? [], { ...dc?.sctp, remotePort: port, ...limits });
      }
    }
    const restart = !first && d.ufrag !== this.agent.remoteUfrag;
    this.agent.handleSignal(now, { type: 'description', ufrag: d.ufrag, pwd: d.pwd, lite: d.lite, candidates: d.candidates, endOfCandidates: d.endOfCandidates, restart: !first });
    // a new offer without an ICE restart (renegotiation): answered now on the current credentials; a restart's
    // answer follows the agent's new description
    if (type === 'offer' && !first && !restart) this.answer(now, this.agent.ufrag, this.agent.pwd, this.agent.lite, this.agent.local.filter((c) => c.type !== 'prflx').map(formatCandidate), this.localEnd);
  }

  private answer(now: Micros, ufrag: string, pwd: string, lite: boolean, candidates: readonly string[], endOfCandidates: boolean): void {
    if (!this.remote) return;
    // RFC 8842 §5.5: a later answer keeps the DTLS role the association already has
    const setup = this.dtls ? (this.dtls.roleName === 'client' ? 'active' : 'passive') : this.localSetup === 'passive' ? 'passive' : 'active';
    const r = createAnswer(this.remote.parsed, this.factoryOptions(ufrag, pwd, lite, candidates, endOfCandidates, setup), this.localDescription);
    if (!r.ok) {
      this.note('peer.sdp.invalid', `${this.options.name}: cannot answer: ${r.error}`, { type: 'offer', error: r.error });
      return;
    }
    this.sessionVersion++;
    this.publish(now, r.model, r.rejected);
  }

  // ---- signaling out -----------------------------------------------------------------------------------------

  private fromAgent(now: Micros, s: IceSignal): void {
    if (s.type === 'description') {
      this.localEnd = s.endOfCandidates;
      if (this.signalingState === 'have-remote-offer') {
        this.answer(now, s.ufrag, s.pwd, s.lite, s.candidates, s.endOfCandidates);
      } else {
        this.localSetup = this.localSetup === 'passive' ? 'passive' : 'actpass';
        this.sendOffer(now, this.factoryOptions(s.ufrag, s.pwd, s.lite, s.candidates, s.endOfCandidates, this.localSetup));
      }
    } else if (s.type === 'candidate') {
      this.counters.candidatesSent++;
      this.send(now, { type: 'candidate', candidate: s.candidate, sdpMid: this.localDescription?.bundle?.[0] ?? '0', ufrag: s.ufrag });
    } else {
      this.localEnd = true;
      this.send(now, { type: 'end-of-candidates', ufrag: s.ufrag });
    }
  }

  private send(_now: Micros, m: JsepMessage): void {
    this.outbox.queue(this.options.signalingPeer ?? 'peer', jsep(m));
  }

  signalPending(): boolean {
    return this.outbox.pending();
  }

  private setSignaling(s: SignalingState, why: string): void {
    if (this.signalingState === s) return;
    const previous = this.signalingState;
    this.signalingState = s;
    this.note('peer.signaling', `${this.options.name}: signaling ${previous} → ${s} (${why})`, { state: s, previous });
  }

  /** Queues one of the peer's own notes (peer.*, srtp.keyed), its data checked against the kind (notes.ts). */
  private note<K extends keyof PeerOwnNoteKinds>(kind: K, text: string, data: PeerOwnNoteKinds[K]): void {
    this.transport.out.push({ type: 'note', kind, text, data });
  }

  // ---- the endpoint contract ---------------------------------------------------------------------------------

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array, transport?: Transport): void {
    this.outbox.input();
    this.transport.handleDatagram(now, from, to, bytes, transport);
  }

  handleStreamClosed(now: Micros, local: TransportAddress, remote: TransportAddress, error: string | undefined): void {
    this.outbox.input();
    this.transport.handleStreamClosed(now, local, remote, error);
  }

  handleIcmpError(now: Micros, e: IcmpError): void {
    this.outbox.input();
    this.transport.handleIcmpError(now, e);
  }

  handleTimeout(now: Micros): void {
    this.outbox.input();
    this.transport.handleTimeout(now);
  }

  private iceRunning(now: Micros): boolean {
    return this.began && now >= this.startAt;
  }

  /** Signals made while working out an output leave before it (they left from inside the agent's poll before). */
  poll(now: Micros): EndpointOutput<SignalingMessage> {
    return this.outbox.take() ?? this.outbox.settle(this.work(now));
  }

  private work(now: Micros): EndpointOutput {
    return this.transport.poll(now);
  }

  /** The connection state (W3C RTCPeerConnectionState) from ICE's and DTLS's. */
  private updateState(now: Micros): void {
    const ice = this.agent.state;
    const dtls = this.dtls?.state;
    const next: PeerState =
      ice === 'failed' || dtls === 'failed' ? 'failed'
      : ice === 'disconnected' ? 'disconnected'
      : (ice === 'connected' || ice === 'completed') && dtls === 'connected' ? 'connected'
      : ice === 'new' && dtls === undefined ? 'new' : 'connecting';
    if (next !== this.state) {
      const previous = this.state;
      this.state = next;
      if (next === 'connected') this.connectedAt ??= now;
      this.note('peer.state', `${this.options.name}: connection ${previous} → ${next} (ICE ${ice}, DTLS ${dtls ?? 'not started'})`, { state: next, previous, ice, dtls: dtls ?? null });
    }
  }

  /** SRTP and SRTCP for the media session (RTCP is 192–223 in the second byte, RFC 5761 §4). */
  private onMedia(now: Micros, kind: 'rtp' | 'rtcp', bytes: Uint8Array): void {
    if (!this.srtp || !this.media) return;
    if (kind === 'rtp') {
      this.counters.rtpIn++;
      this.media.onRtp(now, bytes, this.srtp);
    } else {
      this.counters.rtcpIn++;
      this.media.onRtcp(now, bytes, this.srtp);
    }
  }

  /** The media that is due, sent on the selected pair, and when the next is. */
  private produce(now: Micros): { sent: boolean; next: { at: Micros; reason: string } | undefined } {
    if (!this.srtp || !this.media) return { sent: false, next: undefined };
    let sent = false;
    for (const bytes of this.media.due(now, this.srtp)) {
      const rtcp = bytes[1]! >= 192 && bytes[1]! <= 223;
      if (!this.transport.send(now, bytes)) continue;
      if (rtcp) this.counters.rtcpOut++;
      else this.counters.rtpOut++;
      sent = true;
    }
    return { sent, next: { at: this.media.nextAt, reason: 'media' } };
  }

  /** RFC 5764 §4.2: keyed from the exporter (sending with the keys of this side's DTLS role); media starts now. */
  private keyed(now: Micros, srtp: SrtpSession): void {
    const d = this.dtls!;
    this.note('srtp.keyed', `${this.options.name}: SRTP keyed with ${srtp.profile.name} (sending with the ${d.roleName} keys)`, { profile: srtpProfileName(srtp.profile.id), role: d.roleName });
    const fault = this.options.corruptSrtpKey;
    if (fault) {
      const whose = fault === 'receive' ? `the peer's ${d.roleName === 'client' ? 'server' : 'client'} key it receives with` : `its own ${d.roleName} key it sends with`;
      this.note('peer.fault', `${this.options.name}: fault injected: one bit of ${whose} is flipped (corruptSrtpKey: ${fault}); DTLS is not affected`, { fault: 'corruptSrtpKey', value: fault });
    }
    this.media = this.newMediaSession(now);
    this.transport.followSelection(now);
  }

  /** `summary.dtls`, `summary.srtp`, `summary.media` shapes as the dtls-peer app reports them, plus `peer`. */
  summary(): { peer: { [key: string]: JsonValue }; dtls: { [key: string]: JsonValue } | null; srtp: { [key: string]: JsonValue }; media: JsonValue[]; dataChannels?: { [key: string]: JsonValue } } {
    const d = this.dtls;
    const dtls: { [key: string]: JsonValue } | null = d && !(d instanceof DtlsEndpoint)
      ? d.summary()
      : d
      ? {
          role: d.roleName, state: d.state, ...(d.reason ? { reason: d.reason } : {}), flightsSent: d.stats.flightsSent, retransmissions: d.stats.retransmissions,
          fingerprintVerified: d.fingerprintVerified, ...(d.connectedAt !== undefined ? { handshakeMs: (d.connectedAt - (d.startedAt ?? 0)) / 1000 } : {}),
          ...(d.session.group ? { group: d.session.describeGroup() } : {}), extendedMasterSecret: d.session.extendedMasterSecret, dropped: { ...d.dropped },
        }
      : null;
    const profile = d?.session.srtpProfileId;
    const srtp = {
      profile: profile === undefined ? null : srtpProfileName(profile), keyed: this.srtp !== undefined,
      rtpSent: this.counters.rtpOut, rtcpSent: this.counters.rtcpOut, rtpReceived: this.counters.rtpIn, rtcpReceived: this.counters.rtcpIn,
      beforeKeys: this.transport.counters.beforeKeys, noPath: this.transport.counters.noPath, failures: { ...(this.media?.failures ?? {}) },
    };
    const peer = {
      state: this.state, signalingState: this.signalingState, offerer: this.options.offerer, localSetup: this.localSetup ?? null, remoteSetup: this.remote?.setup ?? null,
      connectedAt: this.connectedAt ?? null, offers: this.counters.offers, answers: this.counters.answers, candidatesSent: this.counters.candidatesSent,
      candidatesReceived: this.counters.candidatesReceived, pathChanges: this.transport.counters.pathChanges,
    };
    return { peer, dtls, srtp, media: (this.media?.summary() ?? []).map((s) => ({ ...s })), ...(this.transport.dataChannels ? { dataChannels: this.transport.dataChannels.summary() } : {}) };
  }
}
