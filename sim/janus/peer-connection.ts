import type { EndpointOutput, IcmpError, TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import { SECOND, type Micros } from '../core/time.ts';
import type { DtlsIdentity } from '../dtls/identity.ts';
import { IceAgent } from '../ice/agent.ts';
import { formatCandidate } from '../ice/candidate.ts';
import type { RemoteDescription } from '../peer/sdp.ts';
import { srtpProfileName } from '../wire/handshake/names.ts';
import { encodeRtcp } from '../wire/rtcp/rtcp.ts';
import { IceDtlsSrtpTransport } from '../webrtc/transport.ts';
import type { AnsweredSection } from './sdp.ts';
import type { JanusMediaPacket } from './plugin.ts';

/** What a handle's PeerConnection tells the gateway. */
export interface PeerConnectionEvents {
  /** ICE connected and DTLS up, SRTP keyed: Janus's `webrtcup`. */
  webrtcUp(now: Micros): void;
  /** The first packet of a medium (receiving) or none for the no-media timer (not receiving): Janus's `media`. */
  media(now: Micros, section: Section, receiving: boolean): void;
  /** More than the threshold of packets lost in a second on a medium from the browser: `slowlink`. */
  slowLink(now: Micros, section: Section, lost: number): void;
  rtp(now: Micros, packet: JanusMediaPacket): void;
  rtcp(now: Micros, packet: JanusMediaPacket): void;
  /** ICE failed or DTLS closed or failed: the PeerConnection is gone (Janus's `hangup` with this reason). */
  hangup(now: Micros, reason: string): void;
}

/** One negotiated audio/video m-line of the handle: what arrives on its payload type and what the gateway sends. */
export interface Section extends AnsweredSection {
  /** The SSRC the gateway sends on this m-line (announced in its a=ssrc). */
  readonly ssrcOut: number;
  receiving: boolean;
  lastAt: Micros | undefined;
  packetsIn: number;
  packetsOut: number;
  /** Sequence tracking for losses (RFC 3550 §A.1, simplified to gaps in one second). */
  highestSeq: number | undefined;
  lostThisSecond: number;
  secondStart: Micros;
}

export interface PeerConnectionOptions {
  readonly name: string;
  readonly local: TransportAddress;
  readonly rng: Rng;
  readonly identity: DtlsIdentity;
  /** Janus's no_media_timer: a medium silent this long is reported as not receiving (default 1 s). */
  readonly noMediaTimer: Micros;
  /** Janus's slowlink_threshold: lost packets per second that raise `slowlink` (0: never). */
  readonly slowlinkThreshold: number;
  /** The gateway offers (a plugin's JSEP offer): its agent controls (RFC 8445 §6.1.1) and its offer says a=setup:actpass. */
  readonly offerer?: boolean;
}

/**
 * A handle's PeerConnection on the gateway (Janus ice.c + dtls.c): a full ICE agent (not lite: it checks too),
 * controlled since the browser offers, on its own UDP port; the shared ICE+DTLS+SRTP transport (sim/webrtc) with a
 * DTLS client (Janus answers a=setup:active, RFC 8842 §5.1); what arrives is SRTP-decrypted and handed to the
 * plugin with its m-line; what the plugin relays is SRTP-protected with the gateway's own SSRC per m-line.
 */
export class JanusPeerConnection {
  readonly agent: IceAgent;
  readonly transport: IceDtlsSrtpTransport;
  sections: Section[] = [];
  up = false;
  closed: string | undefined;
  upAt: Micros | undefined;
  /** The a=setup the gateway answers with (RFC 8842 §5.3: active to an actpass offer, as Janus does). */
  dtlsSetup: 'active' | 'passive' | 'actpass' = 'active';
  readonly counters = { rtpIn: 0, rtcpIn: 0, rtpOut: 0, rtcpOut: 0, srtpFailures: 0, unknownPayload: 0 };

  constructor(
    readonly options: PeerConnectionOptions,
    private readonly events: PeerConnectionEvents,
  ) {
    this.agent = new IceAgent({ name: options.name, rng: options.rng.fork('ice'), role: options.offerer ? 'controlling' : 'controlled', trickle: true });
    if (options.offerer) this.dtlsSetup = 'actpass';
    this.agent.addLocalAddress(options.local);
    this.transport = new IceDtlsSrtpTransport(this.agent, {
      afterIcePoll: () => void this.agent.takeSignals(), // half-trickle: the gateway's candidates go in its SDP
      afterSelection: (now) => this.watch(now),
      keyed: (now, srtp) => {
        this.up = true;
        this.upAt = now;
        this.transport.out.push({ type: 'note', kind: 'janus.webrtcup', text: `${options.name}: ICE and DTLS up, SRTP keyed with ${srtp.profile.name}`, data: { profile: srtpProfileName(srtp.profile.id) } });
        this.events.webrtcUp(now);
      },
      media: (now, kind, bytes) => this.incoming(now, kind, bytes),
      deadline: (now) => this.mediaDeadline(now),
    }, { local: options.local });
  }

  /** The gateway's candidates, all gathered (host candidates on its port; the first poll starts the agent). */
  localCandidates(now: Micros): string[] {
    this.poll(now, true);
    return this.agent.local.filter((c) => c.type !== 'prflx').map(formatCandidate);
  }

  /**
   * The browser's offer (DTLS client against its fingerprint, unless it said a=setup:active) or its answer to the
   * gateway's actpass offer (RFC 8842 §5.3: an answer saying active makes the gateway the DTLS server): its ICE
   * credentials and candidates.
   */
  setRemote(now: Micros, remote: RemoteDescription): void {
    this.agent.handleSignal(now, { type: 'description', ufrag: remote.ufrag, pwd: remote.pwd, lite: remote.lite, candidates: remote.candidates, endOfCandidates: remote.endOfCandidates, restart: false });
    this.dtlsSetup = remote.setup === 'active' ? 'passive' : 'active';
    this.transport.startDtls({ role: this.dtlsSetup === 'passive' ? 'server' : 'client', rng: this.options.rng.fork('dtls'), identity: this.options.identity, remoteFingerprint: remote.fingerprint });
  }

  /**
   * The browser's answer to the gateway's offer settles the codec of each m-line (the first it kept, RFC 3264 §6.1)
   * and its direction; the SSRCs the offer announced stay.
   */
  settleSections(answered: readonly AnsweredSection[]): void {
    this.sections = this.sections.map((s) => {
      const a = answered.find((x) => x.mid === s.mid);
      return a ? { ...s, ...(a.codec ? { codec: a.codec } : {}), direction: a.direction } : s;
    }).filter((s) => answered.find((x) => x.mid === s.mid)?.accepted !== false);
  }

  /** The plugin's answer (or offer) settled these m-lines; each accepted one gets an SSRC of the gateway's. */
  setSections(now: Micros, answered: readonly AnsweredSection[]): void {
    const rng = this.options.rng.fork('ssrc');
    this.sections = answered.filter((s) => s.accepted && (s.kind === 'audio' || s.kind === 'video')).map((s) => ({
      ...s, ssrcOut: rng.int(1, 0xffffffff), receiving: false, lastAt: undefined, packetsIn: 0, packetsOut: 0, highestSeq: undefined, lostThisSecond: 0, secondStart: now,
    }));
  }

  /** A trickled candidate (`trickle` request), or the end of them. */
  addRemoteCandidate(now: Micros, candidate: string): void {
    this.agent.handleSignal(now, { type: 'candidate', ufrag: this.agent.remoteUfrag ?? '', candidate });
  }

  endOfCandidates(now: Micros): void {
    this.agent.handleSignal(now, { type: 'end-of-candidates', ufrag: this.agent.remoteUfrag ?? '' });
  }

  // ---- media out ---------------------------------------------------------------------------------------------

  relayRtp(now: Micros, p: JanusMediaPacket): void {
    const s = this.sections.find((x) => x.index === p.mindex) ?? this.sections.find((x) => (x.kind === 'video') === p.video);
    const srtp = this.transport.srtp;
    if (!s || !srtp || this.closed !== undefined || p.bytes.length < 12) return;
    const b = p.bytes.slice();
    new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(8, s.ssrcOut); // Janus sends with its own SSRC per m-line
    if (s.codec) b[1] = (b[1]! & 0x80) | s.codec.payloadType;
    const r = srtp.protectRtp(b);
    if (!r.ok) return;
    if (this.transport.send(now, r.bytes)) {
      this.counters.rtpOut++;
      s.packetsOut++;
    }
  }

  relayRtcp(now: Micros, p: JanusMediaPacket): void {
    const srtp = this.transport.srtp;
    if (!srtp || this.closed !== undefined || p.bytes.length < 8) return;
    const s = this.sections.find((x) => x.index === p.mindex);
    const b = p.bytes.slice();
    if (s) new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(4, s.ssrcOut); // the first packet's sender SSRC
    const r = srtp.protectRtcp(b);
    if (r.ok && this.transport.send(now, r.bytes)) this.counters.rtcpOut++;
  }

  /** RFC 4585 §6.3.1 PLI for the browser's stream on a video m-line. */
  sendPli(now: Micros, mindex: number): void {
    const s = this.sections.find((x) => x.index === mindex);
    if (!s) return;
    this.relayRtcp(now, { video: true, mindex, bytes: encodeRtcp([{ type: 'pli', senderSsrc: s.ssrcOut, mediaSsrc: 0 }]) });
  }

  /** REMB (draft-alvestrand-rmcat-remb-03) capping what the browser sends. */
  sendRemb(now: Micros, bitrate: number): void {
    const s = this.sections[0];
    if (!s) return;
    this.relayRtcp(now, { video: s.kind === 'video', mindex: -1, bytes: encodeRtcp([{ type: 'remb', senderSsrc: s.ssrcOut, mediaSsrc: 0, bitrate, ssrcs: [] }]) });
  }

  close(now: Micros, reason: string): void {
    if (this.closed !== undefined) return;
    this.closed = reason;
    this.transport.dtls?.close();
  }

  // ---- the endpoint part -------------------------------------------------------------------------------------

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    if (this.closed !== undefined && this.closed !== 'closing') return;
    this.transport.handleDatagram(now, from, to, bytes);
  }

  handleIcmpError(now: Micros, e: IcmpError): void {
    this.transport.handleIcmpError(now, e);
  }

  handleTimeout(now: Micros): void {
    this.transport.handleTimeout(now);
    this.checkMedia(now);
  }

  poll(now: Micros, startOnly = false): EndpointOutput {
    if (startOnly) {
      // the agent's first poll gathers; its outputs wait in the transport's queue for the gateway's poll
      const o = this.transport.poll(now);
      if (o.type !== 'timeout' && o.type !== 'idle') this.transport.out.unshift(o);
      return o;
    }
    return this.transport.poll(now);
  }

  private incoming(now: Micros, kind: 'rtp' | 'rtcp', bytes: Uint8Array): void {
    const srtp = this.transport.srtp!;
    if (this.closed !== undefined) return;
    const r = kind === 'rtp' ? srtp.unprotectRtp(bytes) : srtp.unprotectRtcp(bytes);
    if (!r.ok) {
      this.counters.srtpFailures++;
      return;
    }
    if (kind === 'rtcp') {
      this.counters.rtcpIn++;
      this.events.rtcp(now, { video: false, mindex: -1, bytes: r.bytes });
      return;
    }
    const pt = r.bytes[1]! & 0x7f;
    const s = this.sections.find((x) => x.codec?.payloadType === pt);
    if (!s) {
      this.counters.unknownPayload++;
      return;
    }
    this.counters.rtpIn++;
    s.packetsIn++;
    this.countLoss(now, s, (r.bytes[2]! << 8) | r.bytes[3]!);
    s.lastAt = now;
    if (!s.receiving) {
      s.receiving = true;
      this.events.media(now, s, true);
    }
    this.events.rtp(now, { video: s.kind === 'video', mindex: s.index, bytes: r.bytes });
  }

  /** Gaps in the sequence numbers counted per second; over the threshold, `slowlink` (Janus counts lost packets the same way). */
  private countLoss(now: Micros, s: Section, seq: number): void {
    if (now - s.secondStart >= SECOND) {
      s.secondStart = now;
      s.lostThisSecond = 0;
    }
    if (s.highestSeq !== undefined) {
      const gap = (seq - s.highestSeq) & 0xffff;
      if (gap > 0 && gap < 0x8000) {
        s.lostThisSecond += gap - 1;
        s.highestSeq = seq;
      }
    } else s.highestSeq = seq;
    const t = this.options.slowlinkThreshold;
    if (t > 0 && s.lostThisSecond >= t) {
      this.events.slowLink(now, s, s.lostThisSecond);
      s.lostThisSecond = -Infinity; // once per second
    }
  }

  private mediaDeadline(_now: Micros): { at: Micros; reason: string } | undefined {
    let at: Micros | undefined;
    for (const s of this.sections) if (s.receiving && s.lastAt !== undefined) at = Math.min(at ?? Infinity, s.lastAt + this.options.noMediaTimer);
    return at === undefined || this.closed !== undefined ? undefined : { at, reason: 'janus no-media timer' };
  }

  private checkMedia(now: Micros): void {
    for (const s of this.sections) {
      if (s.receiving && s.lastAt !== undefined && now >= s.lastAt + this.options.noMediaTimer) {
        s.receiving = false;
        this.events.media(now, s, false);
      }
    }
  }

  /** After each look at the selected pair: ICE failure or a DTLS failure/close hangs the PeerConnection up. */
  private watch(now: Micros): void {
    if (this.closed !== undefined) return;
    const dtls = this.transport.dtls;
    const reason = this.agent.state === 'failed' ? 'ICE failed' : dtls?.state === 'failed' ? 'DTLS alert' : dtls?.state === 'closed' ? 'DTLS alert' : undefined;
    if (reason === undefined) return;
    this.closed = reason;
    this.events.hangup(now, reason);
  }
}
