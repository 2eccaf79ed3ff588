import { sfuNote } from './notes.ts';
import type { EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { DtlsEndpoint } from '../dtls/endpoint.ts';
import type { DtlsIdentity } from '../dtls/identity.ts';
import { IceAgent } from '../ice/agent.ts';
import type { CandidatePair } from '../ice/pair.ts';
import { SrtpSession } from '../srtp/session.ts';
import { demux } from '../wire/demux.ts';
import { srtpProfileName } from '../wire/dtls/names.ts';

/**
 * One client's WebRtcTransport on the SFU (mediasoup's model): its own UDP port, an ICE-lite agent (RFC 8445 §2.5:
 * controlled, host candidate only, answers checks and takes USE-CANDIDATE), a DTLS server (a=setup:passive) keyed
 * to the fingerprint the client sent in connectWebRtcTransport, and the SRTP session the exporter keys.
 */
export class WebRtcTransport {
  readonly agent: IceAgent;
  dtls: DtlsEndpoint | undefined;
  srtp: SrtpSession | undefined;
  readonly counters = { rtpIn: 0, rtcpIn: 0, datagramsOut: 0, beforeKeys: 0, noPath: 0, srtpFailures: 0 };
  private readonly pendingDtls: { from: TransportAddress; bytes: Uint8Array }[] = [];
  private readonly out: EndpointOutput[] = [];
  private selected: CandidatePair | undefined;

  constructor(
    readonly id: string,
    readonly peerId: string,
    readonly local: TransportAddress,
    private readonly rng: Rng,
    private readonly identity: DtlsIdentity,
    /** Plain RTP or RTCP that arrived and decrypted. */
    private readonly onMedia: (now: Micros, t: WebRtcTransport, kind: 'rtp' | 'rtcp', plain: Uint8Array) => void,
  ) {
    this.agent = new IceAgent({ name: `${peerId} transport ${id}`, rng: rng.fork('ice'), role: 'controlled', lite: true });
    this.agent.addLocalAddress(local);
  }

  /** connectWebRtcTransport: the client's DTLS parameters; this side is the DTLS server. */
  connect(fingerprint: string): void {
    if (this.dtls) return;
    this.dtls = new DtlsEndpoint({ role: 'server', rng: this.rng.fork('dtls'), identity: this.identity, local: this.local, remoteFingerprint: fingerprint });
  }

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    this.agent.handleDatagram(now, from, to, bytes);
    this.drain(now);
  }

  handleTimeout(now: Micros): void {
    this.agent.handleTimeout(now);
    this.dtls?.handleTimeout(now);
  }

  /** Sends SRTP (already protected) to the client on the selected pair. */
  send(now: Micros, bytes: Uint8Array): boolean {
    if (this.agent.sendData(now, bytes)) {
      this.counters.datagramsOut++;
      return true;
    }
    this.counters.noPath++;
    return false;
  }

  /** One output, or the next deadline (`timeout`) / `idle`. */
  poll(now: Micros): EndpointOutput {
    for (;;) {
      const q = this.out.shift();
      if (q) return q;
      const o = this.agent.poll(now);
      this.agent.takeSignals(); // ICE-lite: its parameters go out in the createWebRtcTransport answer instead
      if (o.type !== 'timeout' && o.type !== 'idle') return o;
      const sel = this.agent.selected;
      if (sel && sel !== this.selected) {
        this.selected = sel;
        this.dtls?.setRemote(sel.remote.address);
      }
      this.drain(now);
      if (!this.dtls) return o;
      const d = this.dtls.poll(now);
      if (d.type === 'transmit') {
        this.send(now, d.bytes);
        continue;
      }
      if (d.type === 'note' || d.type === 'secret') return d;
      this.maybeKey();
      if (this.out.length > 0) continue;
      if (o.type === 'idle') return d;
      if (d.type === 'idle') return o;
      return d.at < o.at ? d : o;
    }
  }

  private drain(now: Micros): void {
    for (const d of this.agent.inbound.splice(0)) {
      const c = demux(d.bytes).class;
      if (c === 'dtls') {
        if (this.dtls) this.dtls.handleDatagram(now, d.from, this.local, d.bytes);
        else if (this.pendingDtls.length < 16) this.pendingDtls.push(d);
      } else if (c === 'rtp' || c === 'rtcp') {
        if (!this.srtp) {
          this.counters.beforeKeys++;
          continue;
        }
        const r = c === 'rtp' ? this.srtp.unprotectRtp(d.bytes) : this.srtp.unprotectRtcp(d.bytes);
        if (!r.ok) {
          this.counters.srtpFailures++;
          continue;
        }
        if (c === 'rtp') this.counters.rtpIn++;
        else this.counters.rtcpIn++;
        this.onMedia(now, this, c, r.bytes);
      }
    }
    if (this.dtls && this.pendingDtls.length > 0) for (const d of this.pendingDtls.splice(0)) this.dtls.handleDatagram(now, d.from, this.local, d.bytes);
  }

  /** RFC 5764 §4.2: the server sends with the server keys. */
  private maybeKey(): void {
    const d = this.dtls;
    if (this.srtp || !d || d.state !== 'connected') return;
    const profile = d.session.srtpProfile;
    const material = d.session.srtpKeyingMaterial();
    if (!profile || !material) return;
    this.srtp = SrtpSession.fromKeyingMaterial(profile, material, 'server');
    this.out.push({ type: 'note', ...sfuNote('sfu.transport.keyed', `transport ${this.id} (${this.peerId}): SRTP keyed with ${profile.name}`, { transport: this.id, peer: this.peerId, profile: srtpProfileName(profile.id) }) });
  }

  get profileName(): string | null {
    const id = this.dtls?.session.srtpProfileId;
    return id === undefined ? null : srtpProfileName(id);
  }
}
