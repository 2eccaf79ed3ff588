import type { PeerNoteKinds } from './notes.ts';
import type { SrtpNoteKinds } from '../srtp/notes.ts';
import type { EndpointOutput, IcmpError, SignalingEndpoint, TransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import { SignalOutbox } from '../core/signal-outbox.ts';
import type { JsonValue } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import type { DtlsCurveName, DtlsSrtpProfileName } from '../dtls/config.ts';
import type { DtlsEndpoint } from '../dtls/endpoint.ts';
import type { DtlsIdentity } from '../dtls/identity.ts';
import { IceAgent, type TurnServerConfig } from '../ice/agent.ts';
import { MediaSession } from '../media/session.ts';
import type { VideoOptions } from '../media/video.ts';
import type { IceSignal } from '../signaling/ice.ts';
import type { JsepMessage } from '../signaling/jsep.ts';
import { jsep, type SignalingMessage } from '../signaling/message.ts';
import type { SrtpSession } from '../srtp/session.ts';
import { IceDtlsSrtpTransport } from '../webrtc/transport.ts';
import { srtpProfileName } from '../wire/handshake/names.ts';
import { answerSetup, dtlsRoleFor, readDescription, writeDescription, type MediaSectionSpec, type RemoteDescription } from './sdp.ts';

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
  readonly mtu?: number;
  readonly restartOnFailure?: boolean;
  readonly nominationDelay?: Micros;
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
  readonly localStreams: readonly { readonly kind: 'audio' | 'video'; readonly mid: string; readonly ssrc: number }[];
  /** What the peer counts; the transport counts the rest (datagrams before keys, without a path, DTLS buffered, path changes). */
  readonly counters = { offers: 0, answers: 0, candidatesSent: 0, candidatesReceived: 0, rtpIn: 0, rtcpIn: 0, rtpOut: 0, rtcpOut: 0 };
  connectedAt: Micros | undefined;
  private began: boolean;
  private readonly outbox = new SignalOutbox<SignalingMessage>();
  private readonly dtlsRng: Rng;
  private readonly mediaSeed: bigint;
  private readonly pendingRemote: { type: 'offer' | 'answer'; description: RemoteDescription }[] = [];
  private readonly sessionId: string;
  private sessionVersion = 0;
  private readonly startAt: Micros;

  constructor(readonly options: WebRtcPeerOptions) {
    const rng = options.rng;
    this.startAt = options.startAt ?? 0;
    this.began = options.offerer && options.autoStart !== false;
    this.agent = new IceAgent({
      name: options.name, rng: rng.fork('ice'), role: options.offerer && !options.lite ? 'controlling' : 'controlled', trickle: options.trickle ?? true,
      ...(options.lite ? { lite: true } : {}),
      stunServers: options.stunServers ?? [], turnServers: options.turnServers ?? [], restartOnFailure: options.restartOnFailure ?? false,
      ...(options.nominationDelay !== undefined ? { nominationDelay: options.nominationDelay } : {}),
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
    }, { keepPreviousPair: true });
    this.dtlsRng = rng.fork('dtls');
    // Media is keyed late but its SSRCs go into the first SDP: a seed drawn now rebuilds the same streams later.
    const m = rng.fork('media');
    this.mediaSeed = (BigInt(m.u32()) << 32n) | BigInt(m.u32());
    const s = rng.fork('session-id');
    this.sessionId = String(s.int(1, 0x7fffffff)) + String(s.int(0, 100_000_000)).padStart(8, '0');
    this.localStreams = this.newMediaSession(0).sources.map((x) => ({ kind: x.kind, mid: x.mid, ssrc: x.ssrc }));
  }

  get dtls(): DtlsEndpoint | undefined {
    return this.transport.dtls;
  }

  get srtp(): SrtpSession | undefined {
    return this.transport.srtp;
  }

  private newMediaSession(start: Micros): MediaSession {
    const m = this.options.media ?? {};
    return new MediaSession(Rng.fromSeed(this.mediaSeed), start, { ...(m.audio ? { audio: true } : {}), ...(m.video ? { video: m.video } : {}), cname: this.options.name });
  }

  /** A socket the driver bound: one host candidate per address. */
  addLocalAddress(a: TransportAddress): void {
    this.agent.addLocalAddress(a);
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
    }
    if (first) {
      const role = dtlsRoleFor(this.localSetup ?? 'actpass', d.setup);
      this.note('peer.dtls-role', `${this.options.name}: a=setup:${this.localSetup} here, a=setup:${d.setup ?? 'none'} there → DTLS ${role} (RFC 8842 §5.1)`, { role, localSetup: this.localSetup ?? null, remoteSetup: d.setup ?? null });
      this.transport.startDtls({
        role, rng: this.dtlsRng, identity: this.options.identity, remoteFingerprint: d.fingerprint,
        ...(this.options.srtpProfiles ? { srtpProfiles: this.options.srtpProfiles } : {}),
        ...(this.options.curves ? { curves: this.options.curves } : {}),
        ...(this.options.mtu !== undefined ? { mtu: this.options.mtu } : {}),
      });
    }
    this.agent.handleSignal(now, { type: 'description', ufrag: d.ufrag, pwd: d.pwd, lite: d.lite, candidates: d.candidates, endOfCandidates: d.endOfCandidates, restart: !first });
  }

  // ---- signaling out -----------------------------------------------------------------------------------------

  private fromAgent(now: Micros, s: IceSignal): void {
    if (s.type === 'description') {
      const answering = this.signalingState === 'have-remote-offer';
      const type = answering ? 'answer' : 'offer';
      if (!answering) this.localSetup = this.localSetup === undefined ? 'actpass' : this.localSetup === 'passive' ? 'passive' : 'actpass';
      const media: MediaSectionSpec[] = [
        { kind: 'audio', mid: '0', ...this.ssrcOf('audio') },
        { kind: 'video', mid: '1', ...this.ssrcOf('video') },
      ];
      const sdp = writeDescription({
        type, sessionId: this.sessionId, sessionVersion: this.sessionVersion++, ufrag: s.ufrag, pwd: s.pwd, lite: s.lite,
        candidates: s.candidates, endOfCandidates: s.endOfCandidates, fingerprint: this.options.identity.fingerprint,
        setup: answering ? (this.localSetup ?? 'active') : 'actpass', media, cname: this.options.name,
      });
      if (answering) this.counters.answers++;
      else this.counters.offers++;
      this.setSignaling(answering ? 'stable' : 'have-local-offer', `local ${type} sent`);
      this.send(now, { type, sdp });
    } else if (s.type === 'candidate') {
      this.counters.candidatesSent++;
      this.send(now, { type: 'candidate', candidate: s.candidate, sdpMid: '0', ufrag: s.ufrag });
    } else {
      this.send(now, { type: 'end-of-candidates', ufrag: s.ufrag });
    }
  }

  private ssrcOf(kind: 'audio' | 'video'): { ssrc?: number; direction: 'sendrecv' | 'recvonly' } {
    const s = this.localStreams.find((x) => x.kind === kind);
    return s ? { ssrc: s.ssrc, direction: 'sendrecv' } : { direction: 'recvonly' };
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

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    this.outbox.input();
    this.transport.handleDatagram(now, from, to, bytes);
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
    this.media = this.newMediaSession(now);
    this.transport.followSelection(now);
  }

  /** `summary.dtls`, `summary.srtp`, `summary.media` shapes as the dtls-peer app reports them, plus `peer`. */
  summary(): { peer: { [key: string]: JsonValue }; dtls: { [key: string]: JsonValue } | null; srtp: { [key: string]: JsonValue }; media: JsonValue[] } {
    const d = this.dtls;
    const dtls: { [key: string]: JsonValue } | null = d
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
    return { peer, dtls, srtp, media: (this.media?.summary() ?? []).map((s) => ({ ...s })) };
  }
}
