import type { PeerNoteKinds } from './notes.ts';
import type { Micros } from '../core/time.ts';
import type { DtlsIdentity } from '../dtls/identity.ts';
import type { IceAgent } from '../ice/agent.ts';
import { formatCandidate } from '../ice/candidate.ts';
import { mdnsNameOf, sanitizeLocalCandidate, withResolvedAddress, type MdnsNames } from '../ice/mdns-candidates.ts';
import type { IceSignal } from '../signaling/ice.ts';
import type { JsepMessage } from '../signaling/jsep.ts';
import { answerSetup, dtlsRoleFor, readDescription, type RemoteDescription } from './sdp.ts';
import { CAPABILITIES } from './codecs.ts';
import type { SessionModel } from './description.ts';
import { writeSession } from './description.ts';
import { createAnswer, createOffer, settle, type FactoryOptions, type Negotiated, type Track } from './offer-answer.ts';

/** W3C RTCSignalingState words. */
export type SignalingState = 'stable' | 'have-local-offer' | 'have-remote-offer';

/** What a peer's JSEP side needs from the peer around it. */
export interface JsepHost {
  readonly name: string;
  readonly identity: DtlsIdentity;
  readonly browser?: 'chromium' | 'firefox';
  readonly rtcpMuxPolicy?: 'require' | 'negotiate';
  /** Whether the peer wants data channels, and its a=max-message-size. */
  readonly dataChannels?: { readonly maxMessageSize?: number };
  /** SNAP: its INIT for a=sctp-init (draft-hancke-tsvwg-snap), when it has SNAP on. */
  sctpInit(): string | undefined;
  readonly agent: IceAgent;
  /** The counters the peer reports (offers and answers made, candidates sent and received). */
  readonly counters: { offers: number; answers: number; candidatesSent: number; candidatesReceived: number };
  /** The tracks it sends, as the description factory takes them. */
  tracks(): Track[];
  /** The DTLS association's role, once there is one. */
  dtlsRole(): 'client' | 'server' | undefined;
  /** Queues a JSEP message to the remote party. */
  send(m: JsepMessage): void;
  note<K extends keyof PeerNoteKinds>(kind: K, text: string, data: PeerNoteKinds[K]): void;
  /** The first remote description is applied: DTLS starts with this role (RFC 8842 §5.1). */
  firstRemote(now: Micros, d: RemoteDescription, role: 'client' | 'server'): void;
  /** Every remote description, after `firstRemote` on the first: data channels start with the first that has them. */
  remoteApplied(now: Micros, d: RemoteDescription): void;
  /** Offer and answer settled (after peer.negotiated is noted): the peer updates its streams and media. */
  settled(now: Micros, n: Negotiated): void;
  /** Its host's mDNS names (ice/mdns-candidates.ts): host candidates signalled by name, `.local` ones resolved. */
  readonly mdns?: MdnsNames;
}

/**
 * A peer connection's JSEP side (RFC 8829): the signaling state, the remote descriptions it applies (after the
 * ICE agent's poll, in order), the offers and answers it makes from its ICE agent's descriptions (createOffer /
 * createAnswer, offer-answer.ts), trickled candidates both ways, renegotiation (a track added, JSEP §5.2.2) and the
 * answer to a remote ICE restart. DTLS and media stay with the peer (webrtc-peer.ts), reached through `JsepHost`.
 */
export class JsepNegotiation {
  signalingState: SignalingState = 'stable';
  remote: RemoteDescription | undefined;
  localSetup: 'actpass' | 'active' | 'passive' | undefined;
  /** The last description sent, as structured data, and what the last offer/answer exchange settled. */
  localDescription: SessionModel | undefined;
  negotiated: Negotiated | undefined;
  private readonly pendingRemote: { type: 'offer' | 'answer'; description: RemoteDescription }[] = [];
  private sessionVersion = 0;
  private localEnd = false;

  constructor(private readonly host: JsepHost, private readonly sessionId: string, private readonly streamId: string) {}

  private factoryOptions(ufrag: string, pwd: string, lite: boolean, candidates: readonly string[], endOfCandidates: boolean, setup: 'actpass' | 'active' | 'passive'): FactoryOptions {
    const h = this.host;
    const caps = CAPABILITIES[h.browser ?? 'chromium'];
    return {
      capabilities: caps, transport: { ufrag, pwd, lite, iceOptions: lite ? [] : ['trickle'], fingerprint: h.identity.fingerprint, setup },
      candidates: candidates.map((c) => this.signalled(c)), endOfCandidates, sessionId: this.sessionId, sessionVersion: this.sessionVersion, cname: h.name, streamId: this.streamId,
      tracks: h.tracks(), ...(h.rtcpMuxPolicy ? { rtcpMuxPolicy: h.rtcpMuxPolicy } : {}),
      // RFC 8841: a data channel section when this peer wants channels, or accepted when the remote offer has one
      ...(h.dataChannels || this.remote?.application ? { data: true } : {}),
      ...(h.dataChannels?.maxMessageSize !== undefined ? { maxMessageSize: h.dataChannels.maxMessageSize } : {}),
      ...((h.dataChannels || this.remote?.application) && h.sctpInit() ? { sctpInit: h.sctpInit()! } : {}),
    };
  }

  /** A track was added (W3C addTrack): in a stable state with a description out, a new offer (JSEP §5.2.2). */
  trackAdded(now: Micros): void {
    if (this.signalingState === 'stable' && this.localDescription) this.renegotiate(now);
  }

  /** A new offer on the current ICE credentials and candidates (no restart). */
  private renegotiate(now: Micros): void {
    const a = this.host.agent;
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
    if (type === 'answer') this.host.counters.answers++;
    else this.host.counters.offers++;
    this.host.note('peer.description', `${this.host.name}: ${type} v${model.sessionVersion}: ${model.contents.map((c) => `${c.kind === 'other' ? c.media : c.kind} mid ${c.mid}${c.rejected ? ' rejected' : ''}`).join(', ')}${model.bundle ? `; BUNDLE ${model.bundle.join(' ')}` : ''}`, {
      type, version: model.sessionVersion, mids: model.contents.map((c) => c.mid), bundle: [...(model.bundle ?? [])], rejected: rejected.map((r) => ({ mid: r.mid, reason: r.reason })),
    });
    this.setSignaling(type === 'answer' ? 'stable' : 'have-local-offer', `local ${type} sent`);
    this.host.send({ type, sdp: writeSession(model) });
    if (type === 'answer' && this.remote) this.settled(now, this.remote);
  }

  /** Offer and answer are both known: what this side sends; the peer then starts media on newly settled sections. */
  private settled(now: Micros, remote: RemoteDescription): void {
    if (!this.localDescription) return;
    const n = settle(this.localDescription, remote.parsed);
    this.negotiated = n;
    const ext = (e: Negotiated['send'][number]['extensions']): string => Object.entries(e).map(([k, v]) => `${k}=${v}`).join(',');
    this.host.note('peer.negotiated', `${this.host.name}: sends ${n.send.map((x) => `${x.kind} ${x.codec}/${x.payloadType} on mid ${x.mid}`).join(', ') || 'nothing'}`, {
      send: n.send.map((x) => ({ mid: x.mid, kind: x.kind, codec: x.codec, payloadType: x.payloadType, ssrc: x.ssrc, extensions: ext(x.extensions) })), bundle: [...n.bundle],
    });
    this.host.settled(now, n);
  }

  // ---- signaling in ------------------------------------------------------------------------------------------

  /**
   * A JSEP message from the remote party. A description is checked (parsed; an offer also as setRemoteDescription
   * would refuse it, JSEP §5.8) and applied after the ICE agent's next poll; candidates go to the agent at once.
   * Returns true for an accepted offer (the answerer's ICE agent starts with it).
   */
  handle(now: Micros, m: JsepMessage): boolean {
    if (m.type === 'offer' || m.type === 'answer') {
      const r = readDescription(m.sdp);
      if (!r.ok) {
        this.host.note('peer.sdp.invalid', `${this.host.name}: the remote ${m.type} is unusable: ${r.error}`, { type: m.type, error: r.error });
        return false;
      }
      for (const p of r.problems) this.host.note('peer.sdp.problem', `${this.host.name}: remote ${m.type}: ${p}`, { type: m.type, problem: p });
      if (m.type === 'offer') {
        const a = this.host.agent;
        const dry = createAnswer(r.value.parsed, this.factoryOptions(a.ufrag, a.pwd, a.lite, [], false, 'active'), this.localDescription);
        if (!dry.ok) {
          this.host.note('peer.sdp.invalid', `${this.host.name}: the remote offer is refused: ${dry.error}`, { type: m.type, error: dry.error });
          return false;
        }
      }
      this.pendingRemote.push({ type: m.type, description: r.value });
      return m.type === 'offer';
    }
    this.host.counters.candidatesReceived += m.type === 'candidate' ? 1 : 0;
    const s: IceSignal = m.type === 'candidate' ? { type: 'candidate', ufrag: m.ufrag, candidate: m.candidate } : { type: 'end-of-candidates', ufrag: m.ufrag };
    if (s.type !== 'candidate' || !this.resolvesFirst(s.ufrag, s.candidate)) this.host.agent.handleSignal(now, s);
    return false;
  }

  /** After the ICE agent's poll: remote descriptions that waited are applied, then the agent's signals go out. */
  afterIcePoll(now: Micros): void {
    for (const p of this.pendingRemote.splice(0)) this.applyRemote(now, p.type, p.description);
    for (const s of this.host.agent.takeSignals()) this.fromAgent(now, s);
  }

  private applyRemote(now: Micros, type: 'offer' | 'answer', d: RemoteDescription): void {
    const first = this.remote === undefined;
    if (!first && d.fingerprint !== this.remote!.fingerprint) this.host.note('peer.sdp.problem', `${this.host.name}: the remote fingerprint changed; this peer keeps its DTLS association`, {});
    this.remote = d;
    if (type === 'offer') {
      this.setSignaling('have-remote-offer', 'remote offer applied');
      this.localSetup ??= answerSetup(d.setup);
    } else {
      if (this.signalingState !== 'have-local-offer') {
        this.host.note('peer.sdp.invalid', `${this.host.name}: an answer arrived in state ${this.signalingState}`, {});
        return;
      }
      this.setSignaling('stable', 'remote answer applied');
      this.settled(now, d);
    }
    if (first) {
      const role = dtlsRoleFor(this.localSetup ?? 'actpass', d.setup);
      this.host.note('peer.dtls-role', `${this.host.name}: a=setup:${this.localSetup} here, a=setup:${d.setup ?? 'none'} there → DTLS ${role} (RFC 8842 §5.1)`, { role, localSetup: this.localSetup ?? null, remoteSetup: d.setup ?? null });
      this.host.firstRemote(now, d, role);
    }
    this.host.remoteApplied(now, d);
    const agent = this.host.agent;
    const restart = !first && d.ufrag !== agent.remoteUfrag;
    agent.handleSignal(now, { type: 'description', ufrag: d.ufrag, pwd: d.pwd, lite: d.lite, candidates: d.candidates.filter((c) => !this.resolvesFirst(d.ufrag, c)), endOfCandidates: d.endOfCandidates, restart: !first });
    // a new offer without an ICE restart (renegotiation): answered now on the current credentials; a restart's
    // answer follows the agent's new description
    if (type === 'offer' && !first && !restart) this.answer(now, agent.ufrag, agent.pwd, agent.lite, agent.local.filter((c) => c.type !== 'prflx').map(formatCandidate), this.localEnd);
  }

  private answer(now: Micros, ufrag: string, pwd: string, lite: boolean, candidates: readonly string[], endOfCandidates: boolean): void {
    if (!this.remote) return;
    // RFC 8842 §5.5: a later answer keeps the DTLS role the association already has
    const role = this.host.dtlsRole();
    const setup = role ? (role === 'client' ? 'active' : 'passive') : this.localSetup === 'passive' ? 'passive' : 'active';
    const r = createAnswer(this.remote.parsed, this.factoryOptions(ufrag, pwd, lite, candidates, endOfCandidates, setup), this.localDescription);
    if (!r.ok) {
      this.host.note('peer.sdp.invalid', `${this.host.name}: cannot answer: ${r.error}`, { type: 'offer', error: r.error });
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
      this.host.counters.candidatesSent++;
      this.host.send({ type: 'candidate', candidate: this.signalled(s.candidate), sdpMid: this.localDescription?.bundle?.[0] ?? '0', ufrag: s.ufrag });
    } else {
      this.localEnd = true;
      this.host.send({ type: 'end-of-candidates', ufrag: s.ufrag });
    }
  }

  /** A local candidate as it is signalled: by its mDNS name when the peer obfuscates (ice/mdns-candidates.ts). */
  private signalled(line: string): string {
    return this.host.mdns ? sanitizeLocalCandidate(line, this.host.mdns) : line;
  }

  /**
   * A remote candidate named under .local goes to the agent once its name resolves (with the address in its place);
   * one that does not resolve, or that came with no resolver to ask, is dropped, as libwebrtc drops it. True when
   * the candidate is held back (or dropped) here.
   */
  private resolvesFirst(ufrag: string, line: string): boolean {
    const name = mdnsNameOf(line);
    if (name === undefined) return false;
    this.host.mdns?.resolve(name, (now, ip) => {
      if (ip !== undefined) this.host.agent.handleSignal(now, { type: 'candidate', ufrag, candidate: withResolvedAddress(line, ip) });
    });
    return true;
  }

  private setSignaling(s: SignalingState, why: string): void {
    if (this.signalingState === s) return;
    const previous = this.signalingState;
    this.signalingState = s;
    this.host.note('peer.signaling', `${this.host.name}: signaling ${previous} → ${s} (${why})`, { state: s, previous });
  }
}
