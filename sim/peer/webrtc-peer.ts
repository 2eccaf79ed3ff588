import type { PeerNoteKinds } from './notes.ts';
import type { SrtpNoteKinds } from '../srtp/notes.ts';
import type { EndpointOutput, IcmpError, SignalingEndpoint, Transport, TransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import { SignalOutbox } from '../core/signal-outbox.ts';
import type { Micros } from '../core/time.ts';
import type { AnyDtlsEndpoint } from '../dtls/v13/factory.ts';
import { IceAgent } from '../ice/agent.ts';
import type { TcpType } from '../ice/candidate.ts';
import type { NetworkInfo } from '../ice/networks.ts';
import { RtpDemux } from '../media/demux.ts';
import { MediaSession } from '../media/session.ts';
import type { SenderParameters } from '../media/source.ts';
import type { JsepMessage } from '../signaling/jsep.ts';
import { jsep, type SignalingMessage } from '../signaling/message.ts';
import type { SrtpSession } from '../srtp/session.ts';
import { IceDtlsSrtpTransport } from '../webrtc/transport.ts';
import { DataChannels, DEFAULT_MAX_MESSAGE_SIZE } from '../sctp/datachannels.ts';
import { srtpProfileName } from '../wire/handshake/names.ts';
import type { WebRtcPeerOptions } from './peer-options.ts';
import type { RemoteDescription } from './sdp.ts';
import type { SessionModel } from './description.ts';
import type { Negotiated, Track } from './offer-answer.ts';
import { JsepNegotiation, type SignalingState } from './jsep-negotiation.ts';
import { demuxDropText, demuxTable, faultySender } from './receive-demux.ts';
import { SnapSide } from './snap.ts';
import { peerSummary, type PeerSummary } from './peer-summary.ts';

export type { WebRtcPeerOptions } from './peer-options.ts';
export type { SignalingState } from './jsep-negotiation.ts';
/** W3C RTCPeerConnectionState words. */
export type PeerState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed';

/**
 * A browser-like WebRTC peer (sans-IO): its ICE+DTLS+SRTP transport (sim/webrtc) gathers, checks, runs DTLS over
 * the ICE-selected pair once there is one (the client waits for it), checks the peer's certificate against the SDP
 * fingerprint, and keys SRTP (RFC 5764 §4.2) for audio and video both ways; SDP offer and answer (RFC 8829 JSEP)
 * carry its credentials, candidates, the certificate fingerprint and a=setup, as `signal` outputs (its JSEP side,
 * jsep-negotiation.ts). Consent checks keep running; an ICE restart moves DTLS and media to the new pair without a new
 * handshake (RFC 8842 §5.5: same fingerprint and setup). This file holds the peer's construction, DTLS start, media
 * and the endpoint contract.
 */
/** The kinds a peer writes itself; its ICE agent and DTLS endpoint write theirs. */
type PeerOwnNoteKinds = PeerNoteKinds & SrtpNoteKinds;

export class WebRtcPeer implements SignalingEndpoint<SignalingMessage> {
  readonly agent: IceAgent;
  readonly transport: IceDtlsSrtpTransport;
  media: MediaSession | undefined;
  state: PeerState = 'new';
  /** The SSRCs this side will send, known before the first offer (they go into a=ssrc). */
  localStreams: readonly { readonly kind: 'audio' | 'video'; readonly mid: string; readonly ssrc: number }[];
  /** Its JSEP side: signaling state, descriptions both ways, renegotiation (jsep-negotiation.ts). */
  readonly jsep: JsepNegotiation;
  /** What the peer counts; the transport counts the rest (datagrams before keys, without a path, DTLS buffered, path changes). */
  readonly counters = { offers: 0, answers: 0, candidatesSent: 0, candidatesReceived: 0, rtpIn: 0, rtcpIn: 0, rtpOut: 0, rtcpOut: 0 };
  connectedAt: Micros | undefined;
  private began: boolean;
  private dataOffered: boolean; // its offers carry m=application (not until addDataSection() with deferSection)
  private readonly outbox = new SignalOutbox<SignalingMessage>();
  private readonly dtlsRng: Rng;
  private readonly sctp: SnapSide; // the SCTP association's RNG stream, and SNAP when on (snap.ts)
  private readonly mediaSeed: bigint;
  private readonly startAt: Micros;
  /** Which kinds it sends (addTrack turns one on). */
  private readonly sending: { audio: boolean; video: boolean };
  /** a=msid ids (RFC 8830) and RTX SSRCs (RFC 4588), drawn once. */
  private readonly msid: { readonly stream: string; readonly audio: string; readonly video: string; readonly rtx: number };

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
      afterIcePoll: (now) => this.jsep.afterIcePoll(now),
      pathChanged: (_now, pair, changes) => this.note('peer.path', `${this.options.name}: DTLS and media use the selected pair ${pair.id}${changes ? ' (same DTLS association)' : ''}`, { pair: pair.id, changes }),
      afterSelection: (now) => this.updateState(now),
      keyed: (now, srtp) => this.keyed(now, srtp),
      media: (now, kind, bytes) => this.onMedia(now, kind, bytes),
      produce: (now) => this.produce(now),
      deadline: (now) => (this.began && now < this.startAt ? { at: this.startAt, reason: 'peer start' } : undefined),
    }, { keepPreviousPair: true, ...(options.corruptSrtpKey ? { corruptSrtpKey: options.corruptSrtpKey } : {}), ...(options.sped ? { sped: true } : {}) });
    this.dtlsRng = rng.fork('dtls');
    this.sctp = new SnapSide(rng.fork('sctp'), options.snap === true, options.dataChannels?.sctp);
    // Media is keyed late but its SSRCs go into the first SDP: a seed drawn now rebuilds the same streams later.
    const m = rng.fork('media');
    this.mediaSeed = (BigInt(m.u32()) << 32n) | BigInt(m.u32());
    const s = rng.fork('session-id');
    const sessionId = String(s.int(1, 0x7fffffff)) + String(s.int(0, 100_000_000)).padStart(8, '0');
    const media = options.media ?? {};
    const later = media.later ?? [];
    this.sending = { audio: media.audio === true && !later.includes('audio'), video: media.video !== undefined && media.video !== false && !later.includes('video') };
    const ids = rng.fork('msid');
    const uuid = (): string => {
      const h = Array.from(ids.bytes(16), (b) => b.toString(16).padStart(2, '0')).join('');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[ids.int(0, 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    };
    this.msid = { stream: uuid(), audio: uuid(), video: uuid(), rtx: ids.u32() };
    this.localStreams = this.newMediaSession(0, false).sources.map((x) => ({ kind: x.kind, mid: x.mid, ssrc: x.ssrc }));
    this.dataOffered = options.dataChannels?.deferSection !== true;
    const self = this;
    this.jsep = new JsepNegotiation({
      name: options.name, identity: options.identity, agent: this.agent, counters: this.counters, ...(options.mdns ? { mdns: options.mdns } : {}),
      ...(options.browser ? { browser: options.browser } : {}), ...(options.rtcpMuxPolicy ? { rtcpMuxPolicy: options.rtcpMuxPolicy } : {}),
      // read at each description: a deferred data section enters the offers with addDataSection()
      get dataChannels() { return self.dataOffered ? options.dataChannels : undefined; },
      tracks: () => this.tracks(), sctpInit: () => this.sctp.init(),
      dtlsRole: () => this.dtls?.roleName,
      send: (m) => this.send(m),
      note: (kind, text, data) => this.transport.out.push({ type: 'note', kind, text, data }),
      firstRemote: (now, d, role) => this.startDtls(now, d, role),
      remoteApplied: (_now, d) => this.startDataChannels(d),
      settled: (now, n) => this.settled(now, n),
    }, sessionId, this.msid.stream);
  }

  get signalingState(): SignalingState {
    return this.jsep.signalingState;
  }

  get remote(): RemoteDescription | undefined {
    return this.jsep.remote;
  }

  get localSetup(): 'actpass' | 'active' | 'passive' | undefined {
    return this.jsep.localSetup;
  }

  /** Set before the remote offer arrives, the a=setup its answer keeps (a bridge answering as passive). */
  set localSetup(setup: 'actpass' | 'active' | 'passive' | undefined) {
    this.jsep.localSetup = setup;
  }

  /** The last description sent, as structured data. */
  get localDescription(): SessionModel | undefined {
    return this.jsep.localDescription;
  }

  /** What the last offer/answer exchange settled. */
  get negotiated(): Negotiated | undefined {
    return this.jsep.negotiated;
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
    const params = (kind: 'audio' | 'video'): SenderParameters | undefined => {
      const p = n?.send.find((x) => x.kind === kind);
      return p ? this.sender(p) : undefined;
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
    if (n && this.localDescription && this.remote) session.demux = new RtpDemux(demuxTable(this.localDescription, this.remote.parsed));
    return session;
  }

  /** What a sender of a settled section is given (with the injected `rtpFaults`, if any). */
  private sender(p: Negotiated['send'][number]): SenderParameters {
    const signaled = this.localStreams.find((s) => s.kind === p.kind)?.ssrc ?? p.ssrc;
    return faultySender({ mid: p.mid, payloadType: p.payloadType, extensions: p.extensions }, signaled, this.options.rtpFaults ?? []);
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
    this.jsep.trackAdded(now);
  }

  /** With dataChannels.deferSection: m=application enters a new offer (JSEP §5.2.2), as mediasoup-client's first produceData. */
  addDataSection(now: Micros): void {
    this.outbox.input();
    if (this.dataOffered || !this.options.dataChannels) return;
    this.dataOffered = true;
    this.note('peer.track', `${this.options.name}: adds a data channel section: renegotiation`, { kind: 'application', ssrc: 0 });
    this.jsep.trackAdded(now);
  }

  /** Offer and answer settled: the streams' mids, and media on newly settled sections. */
  private settled(now: Micros, n: Negotiated): void {
    this.localStreams = this.localStreams.map((s) => ({ ...s, mid: n.send.find((x) => x.ssrc === s.ssrc)?.mid ?? s.mid }));
    if (this.media) {
      this.media.receiveKinds = n.receive;
      this.feedbackInto(this.media, n);
      const local = this.localDescription;
      const remote = this.remote;
      if (local && remote) this.media.demux?.configure(demuxTable(local, remote.parsed));
      for (const p of n.send) this.media.addSource(p.kind, now, this.sender(p));
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
    if (this.jsep.handle(now, message.body)) this.began = true; // the answerer's ICE agent starts with the offer
  }

  /** The first remote description: DTLS with the role a=setup gave (RFC 8842 §5.1). */
  private startDtls(_now: Micros, d: RemoteDescription, role: 'client' | 'server'): void {
    this.transport.startDtls({
      role, rng: this.dtlsRng, identity: this.options.identity, remoteFingerprint: d.fingerprint,
      ...(this.options.srtpProfiles ? { srtpProfiles: this.options.srtpProfiles } : {}),
      ...(this.options.curves ? { curves: this.options.curves } : {}),
      ...(this.options.mtu !== undefined ? { mtu: this.options.mtu } : {}),
      ...this.options.dtls13,
    });
  }

  /**
   * Data channels start with the first description that has them: the first, or (an SFU adding an m=application to
   * its offer, as mediasoup-client's receiveSctpAssociation) a later one, in the DTLS role already settled.
   */
  private startDataChannels(d: RemoteDescription): void {
    const dtlsRole = this.dtls?.roleName;
    if (this.transport.dataChannels || !dtlsRole || !((this.dataOffered && this.options.dataChannels) || d.application)) return;
    const dc = this.options.dataChannels;
    const port = d.application?.sctpPort ?? 5000;
    // RFC 8841 §6.1: sends are bound by the remote's a=max-message-size (64 kB when absent), receipts by ours
    const limits = { localMaxMessageSize: dc?.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE, remoteMaxMessageSize: d.application?.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE };
    this.transport.dataChannels = new DataChannels(this.options.name, this.sctp.rng, dtlsRole, dc?.schedule ?? [], { ...dc?.sctp, remotePort: port, ...limits, ...this.sctp.start(d) });
  }

  // ---- signaling out -----------------------------------------------------------------------------------------

  private send(m: JsepMessage): void {
    this.outbox.queue(this.options.signalingPeer ?? 'peer', jsep(m));
  }

  signalPending(): boolean {
    return this.outbox.pending();
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
      for (const d of this.media.demux?.take() ?? []) this.note('peer.rtp.dropped', demuxDropText(this.options.name, d), { ssrc: d.ssrc, payloadType: d.payloadType, mid: d.mid ?? null, reason: d.reason });
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
    for (const f of this.options.rtpFaults ?? []) this.note('peer.fault', `${this.options.name}: fault injected: ${f === 'strip-mid' ? 'its RTP carries no MID header extension although it was negotiated' : 'it sends RTP on SSRCs other than those its a=ssrc lines signal'} (rtpFaults: ${f})`, { fault: 'rtpFaults', value: f });
    this.media = this.newMediaSession(now);
    this.transport.followSelection(now);
  }

  /** `summary.dtls`, `summary.srtp`, `summary.media` shapes as the dtls-peer app reports them, plus `peer` (peer-summary.ts). */
  summary(): PeerSummary {
    return peerSummary(this);
  }
}
