import { sfuNote } from './notes.ts';
import type { EndpointOutput, Transport, TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { DtlsEndpoint } from '../dtls/endpoint.ts';
import type { DtlsIdentity } from '../dtls/identity.ts';
import { IceAgent } from '../ice/agent.ts';
import type { SrtpSession } from '../srtp/session.ts';
import { srtpProfileName } from '../wire/handshake/names.ts';
import { IceDtlsSrtpTransport } from '../webrtc/transport.ts';

/**
 * One client's WebRtcTransport on the SFU (mediasoup's model): its own UDP port and the shared ICE+DTLS+SRTP
 * transport (sim/webrtc) with an ICE-lite agent (RFC 8445 §2.5: controlled, host candidate only, answers checks and
 * takes USE-CANDIDATE) and a DTLS server (a=setup:passive) keyed to the fingerprint the client sent in
 * connectWebRtcTransport; what arrives is SRTP-decrypted here and handed to the router.
 */
export class WebRtcTransport {
  readonly agent: IceAgent;
  readonly transport: IceDtlsSrtpTransport;
  private readonly own = { rtpIn: 0, rtcpIn: 0, srtpFailures: 0 };

  constructor(
    readonly id: string,
    readonly peerId: string,
    readonly local: TransportAddress,
    private readonly rng: Rng,
    private readonly identity: DtlsIdentity,
    /** Plain RTP or RTCP that arrived and decrypted. */
    private readonly onMedia: (now: Micros, t: WebRtcTransport, kind: 'rtp' | 'rtcp', plain: Uint8Array) => void,
    /** mediasoup's enableTcp: where it also listens on TCP, a passive ICE-TCP candidate (RFC 6544). */
    readonly tcp?: TransportAddress,
  ) {
    this.agent = new IceAgent({ name: `${peerId} transport ${id}`, rng: rng.fork('ice'), role: 'controlled', lite: true });
    this.agent.addLocalAddress(local);
    if (tcp) this.agent.addLocalTcpAddress(tcp, 'passive');
    this.transport = new IceDtlsSrtpTransport(this.agent, {
      afterIcePoll: () => void this.agent.takeSignals(), // ICE-lite: its parameters go out in the createWebRtcTransport answer instead
      keyed: (_now, srtp) => this.transport.out.push({ type: 'note', ...sfuNote('sfu.transport.keyed', `transport ${this.id} (${this.peerId}): SRTP keyed with ${srtp.profile.name}`, { transport: this.id, peer: this.peerId, profile: srtpProfileName(srtp.profile.id) }) }),
      media: (now, kind, bytes) => this.unprotect(now, kind, bytes),
    }, { local });
  }

  get dtls(): DtlsEndpoint | undefined {
    return this.transport.dtls;
  }

  get srtp(): SrtpSession | undefined {
    return this.transport.srtp;
  }

  /** `summary.sfu.transports[]` counters, in their order. */
  get counters(): { rtpIn: number; rtcpIn: number; datagramsOut: number; beforeKeys: number; noPath: number; srtpFailures: number } {
    const t = this.transport.counters;
    return { rtpIn: this.own.rtpIn, rtcpIn: this.own.rtcpIn, datagramsOut: t.datagramsOut, beforeKeys: t.beforeKeys, noPath: t.noPath, srtpFailures: this.own.srtpFailures };
  }

  /** connectWebRtcTransport: the client's DTLS parameters; this side is the DTLS server. */
  connect(fingerprint: string): void {
    if (this.dtls) return;
    this.transport.startDtls({ role: 'server', rng: this.rng.fork('dtls'), identity: this.identity, remoteFingerprint: fingerprint });
  }

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array, transport?: Transport): void {
    this.transport.handleDatagram(now, from, to, bytes, transport);
  }

  handleStreamClosed(now: Micros, local: TransportAddress, remote: TransportAddress, error: string | undefined): void {
    this.transport.handleStreamClosed(now, local, remote, error);
  }

  handleTimeout(now: Micros): void {
    this.transport.handleTimeout(now);
  }

  /** Sends SRTP (already protected) to the client on the selected pair. */
  send(now: Micros, bytes: Uint8Array): boolean {
    return this.transport.send(now, bytes);
  }

  /** One output, or the next deadline (`timeout`) / `idle`. */
  poll(now: Micros): EndpointOutput {
    return this.transport.poll(now);
  }

  private unprotect(now: Micros, kind: 'rtp' | 'rtcp', bytes: Uint8Array): void {
    const srtp = this.srtp!;
    const r = kind === 'rtp' ? srtp.unprotectRtp(bytes) : srtp.unprotectRtcp(bytes);
    if (!r.ok) {
      this.own.srtpFailures++;
      return;
    }
    if (kind === 'rtp') this.own.rtpIn++;
    else this.own.rtcpIn++;
    this.onMedia(now, this, kind, r.bytes);
  }

  get profileName(): string | null {
    const id = this.dtls?.session.srtpProfileId;
    return id === undefined ? null : srtpProfileName(id);
  }
}
