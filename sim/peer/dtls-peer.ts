import { srtpNote } from '../srtp/notes.ts';
import { nextWake } from '../core/deadline.ts';
import type { Endpoint, EndpointOutput, IcmpError, TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { JsonValue } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import type { DtlsEndpointOptions } from '../dtls/config.ts';
import { DtlsEndpoint } from '../dtls/endpoint.ts';
import { createDtlsEndpoint, type AnyDtlsEndpoint } from '../dtls/v13/factory.ts';
import { MediaSession, type MediaOptions } from '../media/session.ts';
import { SrtpSession } from '../srtp/session.ts';
import { demux } from '../wire/demux.ts';
import { srtpProfileName } from '../wire/handshake/names.ts';

export interface DtlsPeerOptions extends DtlsEndpointOptions {
  /** Media to send once SRTP is keyed; none by default. */
  readonly media?: Omit<MediaOptions, 'cname'>;
  /** A name for notes and the RTCP CNAME. */
  readonly name?: string;
  /** Separate stream for media (so the DTLS stream stays the same whatever media does). */
  readonly mediaRng?: Rng;
}

/**
 * A DTLS-SRTP peer without ICE: one UDP 5-tuple carrying DTLS, SRTP and SRTCP, told apart by their first byte
 * (RFC 7983). DTLS runs first; once it completes, the exporter keys an SRTP session (RFC 5764 §4.2: the client
 * sends with the client keys) and media flows both ways. The ICE agent can later hand the DTLS endpoint its
 * selected pair through `dtls.setRemote`.
 */
export class DtlsPeer implements Endpoint {
  readonly dtls: AnyDtlsEndpoint;
  srtp: SrtpSession | undefined;
  media: MediaSession | undefined;
  private readonly out: EndpointOutput[] = [];
  private readonly mediaRng: Rng;
  readonly counters = { dtlsIn: 0, rtpIn: 0, rtcpIn: 0, rtpOut: 0, rtcpOut: 0, beforeKeys: 0, other: 0 };
  private holdTill: Micros = 0;

  constructor(private readonly options: DtlsPeerOptions) {
    this.dtls = createDtlsEndpoint(options);
    this.mediaRng = options.mediaRng ?? options.rng.fork('media');
  }

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    const c = demux(bytes).class;
    if (c === 'dtls') {
      this.counters.dtlsIn++;
      this.dtls.handleDatagram(now, from, to, bytes);
      return;
    }
    if (c !== 'rtp' && c !== 'rtcp') {
      this.counters.other++;
      return;
    }
    if (!this.srtp || !this.media) {
      this.counters.beforeKeys++;
      return;
    }
    if (c === 'rtp') {
      this.counters.rtpIn++;
      this.media.onRtp(now, bytes, this.srtp);
    } else {
      this.counters.rtcpIn++;
      this.media.onRtcp(now, bytes, this.srtp);
    }
  }

  handleTimeout(now: Micros): void {
    if (now < this.holdTill) return;
    this.dtls.handleTimeout(now);
  }

  /** Fragmentation Needed / Packet Too Big about what DTLS sent lowers its datagram size (sim/dtls/pmtu.ts). */
  handleIcmpError(now: Micros, e: IcmpError): void {
    this.dtls.handleIcmpError(now, e);
  }

  /** Stays silent until `at` (a scenario's start time): nothing is polled from DTLS before then. */
  holdUntil(at: Micros): void {
    this.holdTill = at;
  }

  poll(now: Micros): EndpointOutput {
    if (now < this.holdTill) return { type: 'timeout', at: this.holdTill, reason: 'dtls-peer start' };
    const queued = this.out.shift();
    if (queued) return queued;
    let dtlsDeadline: { at: Micros; reason: string } | undefined;
    const o = this.dtls.poll(now);
    if (o.type === 'transmit' || o.type === 'note' || o.type === 'secret') return o;
    if (o.type === 'timeout') dtlsDeadline = { at: o.at, reason: o.reason };
    this.maybeKey(now);
    if (this.srtp && this.media && this.dtls.state === 'connected') {
      const remote = this.dtls.remote!;
      for (const bytes of this.media.due(now, this.srtp)) {
        if (bytes[1]! >= 192 && bytes[1]! <= 223) this.counters.rtcpOut++;
        else this.counters.rtpOut++;
        this.out.push({ type: 'transmit', from: this.dtls.local, to: remote, bytes });
      }
      const next = this.out.shift();
      if (next) return next;
      return nextWake(dtlsDeadline, { at: this.media.nextAt, reason: 'media' });
    }
    return nextWake(dtlsDeadline);
  }

  /** RFC 5764 §4.2: once DTLS is up with a use_srtp profile, key SRTP from the exporter. */
  private maybeKey(now: Micros): void {
    if (this.srtp || this.dtls.state !== 'connected') return;
    const profile = this.dtls.session.srtpProfile;
    const material = this.dtls.session.srtpKeyingMaterial();
    if (!profile || !material) return;
    this.srtp = SrtpSession.fromKeyingMaterial(profile, material, this.dtls.roleName);
    this.out.push({
      type: 'note',
      ...srtpNote(
        'srtp.keyed',
        `SRTP session keyed with ${profile.name}: sending with the ${this.dtls.roleName} keys, receiving with the ${this.dtls.roleName === 'client' ? 'server' : 'client'} keys`,
        { profile: srtpProfileName(profile.id), role: this.dtls.roleName },
      ),
    });
    if (this.options.media && (this.options.media.audio || this.options.media.video)) {
      this.media = new MediaSession(this.mediaRng, now, { ...this.options.media, cname: this.options.name ?? 'rtclab' });
    } else {
      this.media = new MediaSession(this.mediaRng, now, { cname: this.options.name ?? 'rtclab' });
    }
  }

  /** What `rtclab run --json` reports for this peer. */
  summary(): { dtls: { [key: string]: JsonValue }; srtp: { [key: string]: JsonValue }; media: JsonValue[] } {
    const d = this.dtls;
    const dtls: { [key: string]: JsonValue } = !(d instanceof DtlsEndpoint) ? d.summary() : {
      role: d.roleName,
      state: d.state,
      ...(d.reason ? { reason: d.reason } : {}),
      flightsSent: d.stats.flightsSent,
      retransmissions: d.stats.retransmissions,
      fingerprintVerified: d.fingerprintVerified,
      ...(d.connectedAt !== undefined ? { handshakeMs: (d.connectedAt - (d.startedAt ?? 0)) / 1000 } : {}),
      ...(d.session.group ? { group: d.session.describeGroup() } : {}),
      extendedMasterSecret: d.session.extendedMasterSecret,
      dropped: { ...d.dropped },
    };
    const profile = d.session.srtpProfileId;
    const srtp: { [key: string]: JsonValue } = {
      profile: profile === undefined ? null : srtpProfileName(profile),
      keyed: this.srtp !== undefined,
      rtpSent: this.counters.rtpOut,
      rtcpSent: this.counters.rtcpOut,
      rtpReceived: this.counters.rtpIn,
      rtcpReceived: this.counters.rtcpIn,
      beforeKeys: this.counters.beforeKeys,
      failures: { ...(this.media?.failures ?? {}) },
    };
    const media: JsonValue[] = (this.media?.summary() ?? []).map((s) => ({ ...s }));
    return { dtls, srtp, media };
  }
}
