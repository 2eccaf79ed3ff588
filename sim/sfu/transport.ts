import { sfuNote } from './notes.ts';
import type { EndpointOutput, Transport, TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { AnyDtlsEndpoint } from '../dtls/v13/factory.ts';
import type { DtlsIdentity } from '../dtls/identity.ts';
import { IceAgent } from '../ice/agent.ts';
import type { SrtpSession } from '../srtp/session.ts';
import { demuxClass, type DemuxClass } from '../wire/demux.ts';
import { srtpProfileName } from '../wire/handshake/names.ts';
import { IceDtlsSrtpTransport, type SctpCarrier } from '../webrtc/transport.ts';

/**
 * One step of mediasoup's own receive path (the worker's C++ functions, as the seed document lists them), for notes a
 * learner lays over the ladder: `step` names the function, `text` says what happened there.
 */
export type PathSink = (now: Micros, step: string, text: string, data: { readonly [key: string]: string | number | boolean }) => void;

export interface WebRtcTransportOptions {
  /** Report each step of the receive path (the mediasoup-server app); absent: no path notes (the sfu app). */
  readonly path?: PathSink;
  /** A UDP host candidate on `local` (mediasoup's enableUdp; default true). */
  readonly udp?: boolean;
  /** A passive ICE-TCP host candidate on `local`'s port (mediasoup's enableTcp: a TcpServer per transport, RFC 6544). */
  readonly tcp?: boolean;
}

/**
 * One client's WebRtcTransport on the SFU (mediasoup's model): its own UDP port and the shared ICE+DTLS+SRTP
 * transport (sim/webrtc) with an ICE-lite agent (RFC 8445 §2.5: controlled, host candidate only, answers checks and
 * takes USE-CANDIDATE) and a DTLS server (a=setup:passive) keyed to the fingerprint the client sent in
 * connectWebRtcTransport; what arrives is SRTP-decrypted here and handed to the router.
 */
export class WebRtcTransport {
  readonly agent: IceAgent;
  readonly transport: IceDtlsSrtpTransport<SctpCarrier>;
  private readonly own = { rtpIn: 0, rtcpIn: 0, srtpFailures: 0 };
  /** Path notes given so far: the first packet of each RFC 7983 class, the DTLS milestones. */
  private readonly seen = new Set<string>();

  constructor(
    readonly id: string,
    readonly peerId: string,
    readonly local: TransportAddress,
    private readonly rng: Rng,
    private readonly identity: DtlsIdentity,
    /** Plain RTP or RTCP that arrived and decrypted. */
    private readonly onMedia: (now: Micros, t: WebRtcTransport, kind: 'rtp' | 'rtcp', plain: Uint8Array) => void,
    private readonly options: WebRtcTransportOptions = {},
  ) {
    this.agent = new IceAgent({ name: `${peerId} transport ${id}`, rng: rng.fork('ice'), role: 'controlled', lite: true });
    if (options.udp ?? true) this.agent.addLocalAddress(local);
    if (options.tcp) this.agent.addLocalTcpAddress(local, 'passive');
    this.transport = new IceDtlsSrtpTransport(this.agent, {
      afterIcePoll: () => void this.agent.takeSignals(), // ICE-lite: its parameters go out in the createWebRtcTransport answer instead
      keyed: (now, srtp) => {
        this.progress(now);
        this.transport.out.push({ type: 'note', ...sfuNote('sfu.transport.keyed', `transport ${this.id} (${this.peerId}): SRTP keyed with ${srtp.profile.name}`, { transport: this.id, peer: this.peerId, profile: srtpProfileName(srtp.profile.id) }) });
        this.keyedPath(now, srtp);
      },
      media: (now, kind, bytes) => this.unprotect(now, kind, bytes),
    }, { local });
  }

  get dtls(): AnyDtlsEndpoint | undefined {
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

  /**
   * connectWebRtcTransport: the client's DTLS parameters. This side is the DTLS server unless the client asked to be
   * the server (mediasoup: remote role "server" makes the transport the client; "client" or "auto", the server).
   */
  connect(fingerprint: string, role: 'client' | 'server' = 'server'): void {
    if (this.dtls) return;
    this.transport.startDtls({ role, rng: this.rng.fork('dtls'), identity: this.identity, remoteFingerprint: fingerprint });
  }

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array, transport?: Transport): void {
    const path = this.options.path;
    if (path) this.received(now, path, from, bytes, transport ?? 'udp');
    this.transport.handleDatagram(now, from, to, bytes, transport);
    if (path) this.progress(now);
  }

  /** An ICE-TCP connection to this transport closed (RFC 6544 §7.1): the agent fails its pairs. */
  handleStreamClosed(now: Micros, local: TransportAddress, remote: TransportAddress, error: string | undefined): void {
    this.transport.handleStreamClosed(now, local, remote, error);
  }

  // ---- mediasoup's receive path, step by step (the seed's call graph) -----------------------------------------

  /** The first datagram of each RFC 7983 class, and every DTLS datagram, named as mediasoup's functions see them. */
  private received(now: Micros, path: PathSink, from: TransportAddress, bytes: Uint8Array, transport: Transport): void {
    const c: DemuxClass = demuxClass(bytes);
    const socket = transport === 'tcp' ? 'WebRtcTransport::OnTcpConnectionPacketReceived' : 'WebRtcTransport::OnUdpSocketPacketReceived';
    const where = `${from.ip}:${from.port}`;
    if (!this.seen.has(`class:${c}`)) {
      this.seen.add(`class:${c}`);
      path(now, socket, `transport ${this.id}: ${bytes.length} bytes from ${where} ${transport === 'tcp' ? 'on a TCP connection of its TcpServer (one RFC 4571 frame)' : 'on its UDP socket'}; OnPacketReceived: first byte ${bytes[0] ?? 0} is ${c.toUpperCase()} (RFC 7983 §7)${c === 'stun' ? ' → IceServer::ProcessStunPacket' : c === 'rtp' ? ' → WebRtcTransport::OnRtpDataReceived (the receive SrtpSession decrypts it)' : c === 'rtcp' ? ' → WebRtcTransport::OnRtcpDataReceived (the receive SrtpSession decrypts it)' : c === 'dtls' ? ' → WebRtcTransport::OnDtlsDataReceived' : ''}`, { transport: this.id, from: where, protocol: transport, bytes: bytes.length, class: c, firstByte: bytes[0] ?? 0 });
    }
    if (c === 'dtls') {
      const state = this.dtls?.state ?? 'new';
      path(now, 'WebRtcTransport::OnDtlsDataReceived', `transport ${this.id}: DTLS datagram of ${bytes.length} bytes (content type ${bytes[0] ?? 0}) → DtlsTransport::ProcessDtlsData${this.dtls ? ` (DTLS ${this.dtls.roleName}, ${state})` : ' held: connectWebRtcTransport has not come yet'}`, { transport: this.id, bytes: bytes.length, contentType: bytes[0] ?? 0, dtls: state });
    }
  }

  /** DTLS milestones after each input: handshake started, the fingerprint checked, handshake done or failed. */
  private progress(now: Micros): void {
    const path = this.options.path;
    const d = this.dtls;
    if (!path || !d) return;
    const once = (key: string, f: () => void): void => {
      if (this.seen.has(key)) return;
      this.seen.add(key);
      f();
    };
    if (d.state !== 'new' && this.seen.has('class:dtls')) once('handshake', () => path(now, 'DtlsTransport::ProcessHandshake', `transport ${this.id}: DTLS handshake under way as the ${d.roleName} (SSL_do_handshake)`, { transport: this.id, role: d.roleName }));
    if (d.fingerprintVerified) once('fingerprint', () => path(now, 'DtlsTransport::CheckRemoteFingerprint', `transport ${this.id}: the peer certificate's SHA-256 matches the fingerprint from connectWebRtcTransport`, { transport: this.id, ok: true }));
    if (d.state === 'failed') once('failed', () => path(now, 'DtlsTransport::CheckStatus', `transport ${this.id}: DTLS failed (${d.reason ?? 'unknown'}); the transport's dtlsState is "failed"`, { transport: this.id, ok: false, reason: d.reason ?? '' }));
  }

  /** SRTP keyed: the exporter, the connected transport, the two SRTP sessions. */
  private keyedPath(now: Micros, srtp: SrtpSession): void {
    const path = this.options.path;
    const d = this.dtls;
    if (!path || !d) return;
    const profile = srtpProfileName(srtp.profile.id);
    path(now, 'DtlsTransport::ExtractSrtpKeys', `transport ${this.id}: ${profile} keys from SSL_export_keying_material("EXTRACTOR-dtls_srtp") (RFC 5764 §4.2), split into client and server key and salt`, { transport: this.id, profile });
    path(now, 'WebRtcTransport::OnDtlsTransportConnected', `transport ${this.id}: DTLS connected as the ${d.roleName}; dtlsState "connected"`, { transport: this.id, role: d.roleName });
    path(now, 'RTC::SrtpSession', `transport ${this.id}: SRTP sessions created: send with the ${d.roleName} key, receive with the ${d.roleName === 'client' ? 'server' : 'client'}'s`, { transport: this.id, profile, send: d.roleName });
  }

  handleTimeout(now: Micros): void {
    this.transport.handleTimeout(now);
  }

  /** Sends SRTP (already protected) to the client on the selected pair. */
  /** Keyed: the router may forward to it (RouterTransport). */
  get ready(): boolean {
    return this.srtp !== undefined;
  }

  /** RTP, SRTP-protected, on the selected path; false before keys or without a path (RouterTransport). */
  sendRtp(now: Micros, plain: Uint8Array): boolean {
    const r = this.srtp?.protectRtp(plain);
    return r?.ok === true && this.send(now, r.bytes);
  }

  /** An RTCP compound, SRTCP-protected (RouterTransport). */
  sendRtcp(now: Micros, plain: Uint8Array): boolean {
    const r = this.srtp?.protectRtcp(plain);
    return r?.ok === true && this.send(now, r.bytes);
  }

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
