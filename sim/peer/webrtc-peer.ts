import type { PeerNoteKinds } from './notes.ts';
import type { SrtpNoteKinds } from '../srtp/notes.ts';
import { sameTransportAddress, type Endpoint, type EndpointOutput, type TransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import type { JsonValue } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import type { DtlsCurveName, DtlsSrtpProfileName } from '../dtls/config.ts';
import { DtlsEndpoint } from '../dtls/endpoint.ts';
import type { DtlsIdentity } from '../dtls/identity.ts';
import { IceAgent, type TurnServerConfig } from '../ice/agent.ts';
import type { CandidatePair } from '../ice/pair.ts';
import type { SignalMessage } from '../ice/signaling.ts';
import { MediaSession } from '../media/session.ts';
import type { VideoOptions } from '../media/video.ts';
import type { JsepMessage } from '../signaling/channel.ts';
import { SrtpSession } from '../srtp/session.ts';
import { demux } from '../wire/demux.ts';
import { srtpProfileName } from '../wire/dtls/names.ts';
import { answerSetup, dtlsRoleFor, readDescription, writeDescription, type MediaSectionSpec, type RemoteDescription } from './sdp.ts';

export interface WebRtcPeerOptions {
  /** Shown in notes; the RTCP CNAME. */
  readonly name: string;
  readonly rng: Rng;
  readonly identity: DtlsIdentity;
  /** The offerer starts at `startAt`; the answerer waits for an offer (JSEP §3.2). */
  readonly offerer: boolean;
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

const NOWHERE: TransportAddress = { ip: '0.0.0.0', port: 0 };

/**
 * A browser-like WebRTC peer (sans-IO): an ICE agent gathers and checks (sim/ice); SDP offer and answer
 * (RFC 8829 JSEP) carry its credentials, candidates, the certificate fingerprint and a=setup; DTLS runs over the
 * ICE-selected pair once there is one (the client waits for it), checks the peer's certificate against the SDP
 * fingerprint, and its exporter keys SRTP (RFC 5764 §4.2) for audio and video both ways. Consent checks keep
 * running; an ICE restart moves DTLS and media to the new pair without a new handshake (RFC 8842 §5.5: same
 * fingerprint and setup).
 */
/** The kinds a peer writes itself; its ICE agent and DTLS endpoint write theirs. */
type PeerOwnNoteKinds = PeerNoteKinds & SrtpNoteKinds;

export class WebRtcPeer implements Endpoint {
  readonly agent: IceAgent;
  dtls: DtlsEndpoint | undefined;
  srtp: SrtpSession | undefined;
  media: MediaSession | undefined;
  signalingState: SignalingState = 'stable';
  state: PeerState = 'new';
  remote: RemoteDescription | undefined;
  localSetup: 'actpass' | 'active' | 'passive' | undefined;
  /** Where signaling goes (the scenario wiring sets it). */
  onSignal: ((now: Micros, m: JsepMessage) => void) | undefined;
  /** The SSRCs this side will send, known before the first offer (they go into a=ssrc). */
  readonly localStreams: readonly { readonly kind: 'audio' | 'video'; readonly mid: string; readonly ssrc: number }[];
  readonly counters = { offers: 0, answers: 0, candidatesSent: 0, candidatesReceived: 0, rtpIn: 0, rtcpIn: 0, rtpOut: 0, rtcpOut: 0, beforeKeys: 0, noPath: 0, dtlsBuffered: 0, pathChanges: 0 };
  connectedAt: Micros | undefined;
  private began: boolean;
  private readonly out: EndpointOutput[] = [];
  private readonly dtlsRng: Rng;
  private readonly mediaSeed: bigint;
  private readonly pendingDtls: { from: TransportAddress; bytes: Uint8Array }[] = [];
  private readonly pendingRemote: { type: 'offer' | 'answer'; description: RemoteDescription }[] = [];
  private readonly sessionId: string;
  private sessionVersion = 0;
  private selectedPair: CandidatePair | undefined;
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
    this.dtlsRng = rng.fork('dtls');
    // Media is keyed late but its SSRCs go into the first SDP: a seed drawn now rebuilds the same streams later.
    const m = rng.fork('media');
    this.mediaSeed = (BigInt(m.u32()) << 32n) | BigInt(m.u32());
    const s = rng.fork('session-id');
    this.sessionId = String(s.int(1, 0x7fffffff)) + String(s.int(0, 100_000_000)).padStart(8, '0');
    this.localStreams = this.newMediaSession(0).sources.map((x) => ({ kind: x.kind, mid: x.mid, ssrc: x.ssrc }));
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
    this.began = true;
    this.note('peer.begin', `${this.options.name}: creates an offer`, {});
    void now;
  }

  /** Restarts ICE (RFC 8445 §9) from this side: a new offer with new credentials; DTLS stays up. */
  restartIce(now: Micros): void {
    this.agent.restart(now, 'local');
  }

  // ---- signaling in ------------------------------------------------------------------------------------------

  handleSignal(now: Micros, m: JsepMessage): void {
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
    const s: SignalMessage = m.type === 'candidate' ? { type: 'candidate', ufrag: m.ufrag, candidate: m.candidate } : { type: 'end-of-candidates', ufrag: m.ufrag };
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
      this.dtls = new DtlsEndpoint({
        role, rng: this.dtlsRng, identity: this.options.identity, local: NOWHERE, remoteFingerprint: d.fingerprint,
        ...(this.options.srtpProfiles ? { srtpProfiles: this.options.srtpProfiles } : {}),
        ...(this.options.curves ? { curves: this.options.curves } : {}),
        ...(this.options.mtu !== undefined ? { mtu: this.options.mtu } : {}),
      });
    }
    this.agent.handleSignal(now, { type: 'description', ufrag: d.ufrag, pwd: d.pwd, lite: d.lite, candidates: d.candidates, endOfCandidates: d.endOfCandidates, restart: !first });
  }

  // ---- signaling out -----------------------------------------------------------------------------------------

  private fromAgent(now: Micros, s: SignalMessage): void {
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

  private send(now: Micros, m: JsepMessage): void {
    this.onSignal?.(now, m);
  }

  private setSignaling(s: SignalingState, why: string): void {
    if (this.signalingState === s) return;
    const previous = this.signalingState;
    this.signalingState = s;
    this.note('peer.signaling', `${this.options.name}: signaling ${previous} → ${s} (${why})`, { state: s, previous });
  }

  /** Queues one of the peer's own notes (peer.*, srtp.keyed), its data checked against the kind (notes.ts). */
  private note<K extends keyof PeerOwnNoteKinds>(kind: K, text: string, data: PeerOwnNoteKinds[K]): void {
    this.out.push({ type: 'note', kind, text, data });
  }

  // ---- the endpoint contract ---------------------------------------------------------------------------------

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    this.agent.handleDatagram(now, from, to, bytes);
    this.drainInbound(now);
  }

  handleTimeout(now: Micros): void {
    if (this.iceRunning(now)) this.agent.handleTimeout(now);
    this.dtls?.handleTimeout(now);
  }

  private iceRunning(now: Micros): boolean {
    return this.began && now >= this.startAt;
  }

  poll(now: Micros): EndpointOutput {
    for (let guard = 0; guard < 100_000; guard++) {
      const q = this.out.shift();
      if (q) return q;
      let iceDeadline: { at: Micros; reason: string } | undefined;
      if (this.iceRunning(now)) {
        const o = this.agent.poll(now); // the first poll starts the agent (an answerer's, once the offer is here)
        for (const p of this.pendingRemote.splice(0)) this.applyRemote(now, p.type, p.description);
        for (const s of this.agent.takeSignals()) this.fromAgent(now, s);
        if (o.type !== 'timeout' && o.type !== 'idle') return o;
        if (o.type === 'timeout') iceDeadline = { at: o.at, reason: o.reason };
        this.followSelection(now);
        this.drainInbound(now);
      }
      if (this.out.length > 0) continue;
      let dtlsDeadline: { at: Micros; reason: string } | undefined;
      if (this.dtls) {
        const o = this.dtls.poll(now);
        if (o.type === 'transmit') {
          this.sendOnPath(now, o.bytes);
          continue;
        }
        if (o.type === 'note' || o.type === 'secret') return o;
        if (o.type === 'timeout') dtlsDeadline = { at: o.at, reason: o.reason };
        this.maybeKey(now);
      }
      if (this.srtp && this.media && this.dtls?.state === 'connected') {
        let sent = false;
        for (const bytes of this.media.due(now, this.srtp)) {
          const rtcp = bytes[1]! >= 192 && bytes[1]! <= 223;
          if (!this.sendOnPath(now, bytes)) continue;
          if (rtcp) this.counters.rtcpOut++;
          else this.counters.rtpOut++;
          sent = true;
        }
        if (sent || this.out.length > 0) continue;
        const at = this.media.nextAt;
        if (!dtlsDeadline || at < dtlsDeadline.at) dtlsDeadline = { at, reason: 'media' };
      }
      if (this.out.length > 0) continue;
      const waits = [iceDeadline, dtlsDeadline, this.began && now < this.startAt ? { at: this.startAt, reason: 'peer start' } : undefined];
      let best: { at: Micros; reason: string } | undefined;
      for (const w of waits) if (w && (!best || w.at < best.at)) best = w;
      return best ? { type: 'timeout', ...best } : { type: 'idle' };
    }
    throw new Error(`${this.options.name}: poll loop did not settle at ${now}`);
  }

  /**
   * Sends on the selected pair; during an ICE restart, until a new pair is selected, on the previous one
   * (RFC 8445 §9: media keeps flowing on the old pair). Relayed old pairs wait (their channel belongs to the agent).
   */
  private sendOnPath(now: Micros, bytes: Uint8Array): boolean {
    if (this.agent.sendData(now, bytes)) return true;
    const old = this.selectedPair;
    if (old && this.agent.state !== 'failed' && old.local.type !== 'relay') {
      this.out.push({ type: 'transmit', from: old.local.base, to: old.remote.address, bytes });
      return true;
    }
    this.counters.noPath++;
    return false;
  }

  /** The selected pair (new or changed after an ICE restart) is where DTLS sends and from where it accepts. */
  private followSelection(now: Micros): void {
    const sel = this.agent.selected;
    // a new selection (after an ICE restart it may be the same addresses, but a new pair)
    if (sel && sel !== this.selectedPair && this.dtls) {
      if (this.selectedPair !== undefined) this.counters.pathChanges++;
      this.selectedPair = sel;
      this.dtls.setRemote(sel.remote.address);
      this.note('peer.path', `${this.options.name}: DTLS and media use the selected pair ${sel.id}${this.counters.pathChanges ? ' (same DTLS association)' : ''}`, { pair: sel.id, changes: this.counters.pathChanges });
    }
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

  /** RFC 7983 §7: STUN stays with the agent; DTLS (20–63) goes to DTLS, RTP/RTCP (128–191) to SRTP. */
  private drainInbound(now: Micros): void {
    for (const d of this.agent.inbound.splice(0)) {
      const c = demux(d.bytes).class;
      if (c === 'dtls') {
        if (this.dtls) this.dtls.handleDatagram(now, this.dtlsSource(d.from), NOWHERE, d.bytes);
        else if (this.pendingDtls.length < 16) {
          this.counters.dtlsBuffered++;
          this.pendingDtls.push(d);
        }
      } else if (c === 'rtp' || c === 'rtcp') {
        if (!this.srtp || !this.media) this.counters.beforeKeys++;
        else if (c === 'rtp') {
          this.counters.rtpIn++;
          this.media.onRtp(now, d.bytes, this.srtp);
        } else {
          this.counters.rtcpIn++;
          this.media.onRtcp(now, d.bytes, this.srtp);
        }
      }
    }
    if (this.dtls && this.pendingDtls.length > 0) for (const d of this.pendingDtls.splice(0)) this.dtls.handleDatagram(now, d.from, NOWHERE, d.bytes);
  }

  /**
   * RFC 8445 §12.2: data may arrive on any valid pair, not only the selected one (Chromium nominates a pair from
   * another interface once connected and sends its DTLS there). The DTLS association is the session's (RFC 8842
   * §5.5), so a record from a valid pair's remote address is taken as from the selected pair's.
   */
  private dtlsSource(from: TransportAddress): TransportAddress {
    const selected = this.dtls?.remote;
    if (!selected || sameTransportAddress(from, selected)) return from;
    return this.agent.checklist.valid().some((p) => sameTransportAddress(p.remote.address, from)) ? selected : from;
  }

  /** RFC 5764 §4.2: once DTLS is up with a use_srtp profile, key SRTP from the exporter and start media. */
  private maybeKey(now: Micros): void {
    const d = this.dtls;
    if (this.srtp || !d || d.state !== 'connected') return;
    const profile = d.session.srtpProfile;
    const material = d.session.srtpKeyingMaterial();
    if (!profile || !material) return;
    this.srtp = SrtpSession.fromKeyingMaterial(profile, material, d.roleName);
    this.note('srtp.keyed', `${this.options.name}: SRTP keyed with ${profile.name} (sending with the ${d.roleName} keys)`, { profile: srtpProfileName(profile.id), role: d.roleName });
    this.media = this.newMediaSession(now);
    this.followSelection(now);
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
      beforeKeys: this.counters.beforeKeys, noPath: this.counters.noPath, failures: { ...(this.media?.failures ?? {}) },
    };
    const peer = {
      state: this.state, signalingState: this.signalingState, offerer: this.options.offerer, localSetup: this.localSetup ?? null, remoteSetup: this.remote?.setup ?? null,
      connectedAt: this.connectedAt ?? null, offers: this.counters.offers, answers: this.counters.answers, candidatesSent: this.counters.candidatesSent,
      candidatesReceived: this.counters.candidatesReceived, pathChanges: this.counters.pathChanges,
    };
    return { peer, dtls, srtp, media: (this.media?.summary() ?? []).map((s) => ({ ...s })) };
  }
}
