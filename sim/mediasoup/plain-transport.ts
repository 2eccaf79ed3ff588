import { fromBase64, toBase64 } from '../core/encoding.ts';
import { formatTransportAddress, sameTransportAddress, type EndpointOutput, type TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import type { RouterTransport } from '../sfu/router.ts';
import { SrtpSession } from '../srtp/session.ts';
import { srtpProfile, type SrtpProfileName } from '../wire/srtp/profiles.ts';
import { mediasoupNote } from './notes.ts';

/** The crypto suites mediasoup's PlainTransport takes in `srtpParameters` (its SrtpCryptoSuite). */
export const PLAIN_SRTP_SUITES = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32', 'AEAD_AES_128_GCM', 'AEAD_AES_256_GCM'] as const satisfies readonly SrtpProfileName[];
export type PlainSrtpSuite = (typeof PLAIN_SRTP_SUITES)[number];

/** mediasoup's SrtpParameters: the suite and the master key followed by the master salt, in base64. */
export interface SrtpParameters {
  readonly cryptoSuite: PlainSrtpSuite;
  readonly keyBase64: string;
}

export interface PlainTransportOptions {
  readonly id: string;
  /** The peer (a broadcaster) that created it. */
  readonly peerId: string;
  /** Its RTP socket (listenInfo) and, without rtcpMux, its RTCP socket. */
  readonly local: TransportAddress;
  readonly rtcpLocal: TransportAddress | undefined;
  /** The address its `ip` says (listenInfo.announcedAddress, else the listen address). */
  readonly announcedIp: string;
  readonly comedia: boolean;
  readonly rtcpMux: boolean;
  /** A PipeTransport (router to router): comedia off and rtcpMux on, its producers never piped again. */
  readonly pipe?: boolean;
  /** enableSrtp: its own key (sent in the createPlainTransport answer) from this stream. */
  readonly srtpCryptoSuite: PlainSrtpSuite | undefined;
  readonly rng: Rng;
  /** Plain RTP or RTCP that arrived (decrypted when SRTP is on), for the router. */
  readonly onMedia: (now: Micros, t: PlainTransport, kind: 'rtp' | 'rtcp', plain: Uint8Array) => void;
  /** Datagrams out and notes. */
  readonly emit: (o: EndpointOutput) => void;
}

/** RFC 5761 §4: with RTP and RTCP on one port, a second byte of 192–223 (RTCP packet types 200–204 + the marker bit) is RTCP. */
function isRtcp(bytes: Uint8Array): boolean {
  const b = bytes[1];
  return bytes.length >= 8 && (bytes[0]! & 0xc0) === 0x80 && b !== undefined && b >= 192 && b <= 223;
}

/**
 * mediasoup's PlainTransport: plain RTP and RTCP over UDP with no ICE or DTLS, for ffmpeg, GStreamer or another
 * RTP endpoint. The remote tuple is given by connect() (ip, port, rtcpPort) or, with `comedia`, learned from the
 * first RTP packet (and the RTCP tuple from the first RTCP packet) — what a sender behind a NAT needs; later
 * packets from any other tuple are ignored. With `rtcpMux` RTCP shares the RTP port (RFC 5761), otherwise it has its
 * own socket. With SRTP (`enableSrtp`) each side sends with its own key: the transport's goes out in
 * createPlainTransport's `srtpParameters`, the remote's comes in connect()'s (RFC 3711 with keys given, not exported).
 */
export class PlainTransport implements RouterTransport {
  tuple: TransportAddress | undefined;
  rtcpTuple: TransportAddress | undefined;
  /** Set once both keys are known: the local one at creation, the remote one from connect(). */
  srtp: SrtpSession | undefined;
  readonly srtpParameters: SrtpParameters | undefined;
  connected = false;
  readonly counters = { rtpIn: 0, rtcpIn: 0, rtpOut: 0, rtcpOut: 0, dropped: 0, srtpFailures: 0 };
  private readonly localKey: Uint8Array | undefined;
  private readonly droppedWhy = new Set<string>();

  constructor(private readonly o: PlainTransportOptions) {
    if (o.srtpCryptoSuite) {
      const p = srtpProfile(o.srtpCryptoSuite)!;
      this.localKey = o.rng.bytes(p.keyLength + p.saltLength);
      this.srtpParameters = { cryptoSuite: o.srtpCryptoSuite, keyBase64: toBase64(this.localKey) };
    }
  }

  get id(): string {
    return this.o.id;
  }

  get peerId(): string {
    return this.o.peerId;
  }

  get local(): TransportAddress {
    return this.o.local;
  }

  get rtcpLocal(): TransportAddress | undefined {
    return this.o.rtcpLocal;
  }

  get comedia(): boolean {
    return this.o.comedia;
  }

  get rtcpMux(): boolean {
    return this.o.rtcpMux;
  }

  get pipe(): boolean {
    return this.o.pipe === true;
  }

  /** What createPlainTransport answers (transport.tuple, rtcpTuple, srtpParameters as mediasoup's PlainTransport has them). */
  parameters(): { id: string; ip: string; port: number; rtcpPort?: number; srtpParameters?: { cryptoSuite: string; keyBase64: string } } {
    return {
      id: this.id, ip: this.o.announcedIp, port: this.o.local.port,
      ...(this.o.rtcpLocal ? { rtcpPort: this.o.rtcpLocal.port } : {}),
      ...(this.srtpParameters ? { srtpParameters: { ...this.srtpParameters } } : {}),
    };
  }

  /**
   * PlainTransport::Connect: the remote's ip/port (and rtcpPort without rtcpMux) unless comedia, and its SRTP
   * parameters when SRTP is on. Returns an error text (mediasoup's TypeError) or undefined.
   */
  connect(now: Micros, p: { ip?: string; port?: number; rtcpPort?: number; srtpParameters?: { cryptoSuite?: unknown; keyBase64?: unknown } }): string | undefined {
    if (this.connected) return 'connect() already called';
    let session: SrtpSession | undefined;
    if (this.localKey) {
      const sp = p.srtpParameters;
      if (!sp) return 'missing srtpParameters (SRTP enabled)';
      if (sp.cryptoSuite !== this.srtpParameters!.cryptoSuite) return `srtpParameters.cryptoSuite ${JSON.stringify(sp.cryptoSuite ?? null)} is not ${this.srtpParameters!.cryptoSuite}`;
      const profile = srtpProfile(this.srtpParameters!.cryptoSuite)!;
      let key: Uint8Array;
      try {
        key = typeof sp.keyBase64 === 'string' ? fromBase64(sp.keyBase64) : new Uint8Array(0);
      } catch (e) {
        return `srtpParameters.keyBase64: ${(e as Error).message}`;
      }
      if (key.length !== profile.keyLength + profile.saltLength) return `srtpParameters.keyBase64 is ${key.length} bytes, ${profile.name} needs ${profile.keyLength + profile.saltLength} (key and salt)`;
      const split = (k: Uint8Array): { masterKey: Uint8Array; masterSalt: Uint8Array } => ({ masterKey: k.slice(0, profile.keyLength), masterSalt: k.slice(profile.keyLength) });
      session = new SrtpSession({ profile, local: split(this.localKey), remote: split(key) });
    }
    if (!this.o.comedia) {
      if (typeof p.ip !== 'string' || typeof p.port !== 'number' || !Number.isInteger(p.port) || p.port < 1 || p.port > 65535) return 'missing or invalid ip/port (comedia is off)';
      if (!this.o.rtcpMux && (typeof p.rtcpPort !== 'number' || !Number.isInteger(p.rtcpPort) || p.rtcpPort < 1 || p.rtcpPort > 65535)) return 'missing rtcpPort (rtcpMux is off)';
      this.tuple = { ip: p.ip, port: p.port };
      this.tupleNote('rtp', this.tuple, 'connect()');
      if (!this.o.rtcpMux) {
        this.rtcpTuple = { ip: p.ip, port: p.rtcpPort! };
        this.tupleNote('rtcp', this.rtcpTuple, 'connect()');
      }
    }
    this.srtp = session;
    this.connected = true;
    void now;
    return undefined;
  }

  /** Forwarding may start: a remote tuple and, with SRTP, both keys. */
  get ready(): boolean {
    return this.tuple !== undefined && (this.localKey === undefined || this.srtp !== undefined);
  }

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    const onRtcpSocket = this.o.rtcpLocal !== undefined && sameTransportAddress(to, this.o.rtcpLocal);
    const rtcp = isRtcp(bytes);
    if (!rtcp && (bytes.length < 12 || (bytes[0]! & 0xc0) !== 0x80)) return this.drop(from, 'not RTP or RTCP (RFC 3550 version 2)');
    if (rtcp && !onRtcpSocket && !this.o.rtcpMux) return this.drop(from, 'RTCP on the RTP port, rtcpMux is off');
    if (!rtcp && onRtcpSocket) return this.drop(from, 'RTP on the RTCP port');
    if (this.localKey && !this.srtp) return this.drop(from, 'SRTP is on and connect() has not given the remote key yet');
    // PlainTransport::OnRtpDataReceived / OnRtcpDataReceived: the tuple checked, or (comedia) learned, but only from
    // a packet that authenticates when SRTP is on (unauthenticated input changes no state)
    const expected = !rtcp ? this.tuple : this.o.rtcpMux ? this.tuple : this.rtcpTuple;
    if (expected && !sameTransportAddress(expected, from)) return this.drop(from, `${rtcp ? 'RTCP' : 'RTP'} from an unknown tuple (the transport's is ${formatTransportAddress(expected)})`);
    if (!expected) {
      if (!this.o.comedia) return this.drop(from, `no remote ${rtcp ? 'RTCP ' : ''}tuple yet (connect() not called, comedia off)`);
      if (rtcp && this.o.rtcpMux) return this.drop(from, 'RTCP before the first RTP packet (comedia)');
    }
    let plain = bytes;
    if (this.srtp) {
      const r = rtcp ? this.srtp.unprotectRtcp(bytes) : this.srtp.unprotectRtp(bytes);
      if (!r.ok) {
        this.counters.srtpFailures++;
        return this.drop(from, `${rtcp ? 'SRTCP' : 'SRTP'} unprotect failed: ${r.message}`);
      }
      plain = r.bytes;
    }
    if (!expected && !rtcp) {
      this.tuple = { ...from };
      this.tupleNote('rtp', from, 'comedia: learned from the first RTP packet');
    } else if (!expected) {
      this.rtcpTuple = { ...from };
      this.tupleNote('rtcp', from, 'comedia: learned from the first RTCP packet');
    }
    if (rtcp) this.counters.rtcpIn++;
    else this.counters.rtpIn++;
    this.o.onMedia(now, this, rtcp ? 'rtcp' : 'rtp', plain);
  }

  sendRtp(_now: Micros, plain: Uint8Array): boolean {
    if (!this.ready) return false;
    const bytes = this.protect(plain, false);
    if (!bytes) return false;
    this.counters.rtpOut++;
    this.o.emit({ type: 'transmit', from: this.o.local, to: this.tuple!, bytes });
    return true;
  }

  sendRtcp(_now: Micros, plain: Uint8Array): boolean {
    const to = this.o.rtcpMux ? this.tuple : this.rtcpTuple;
    if (!this.ready || !to) return false;
    const bytes = this.protect(plain, true);
    if (!bytes) return false;
    this.counters.rtcpOut++;
    this.o.emit({ type: 'transmit', from: this.o.rtcpMux ? this.o.local : this.o.rtcpLocal!, to, bytes });
    return true;
  }

  private protect(plain: Uint8Array, rtcp: boolean): Uint8Array | undefined {
    if (!this.srtp) return plain;
    const r = rtcp ? this.srtp.protectRtcp(plain) : this.srtp.protectRtp(plain);
    return r.ok ? r.bytes : undefined;
  }

  private tupleNote(which: 'rtp' | 'rtcp', remote: TransportAddress, how: string): void {
    const r = formatTransportAddress(remote);
    this.o.emit({ type: 'note', ...mediasoupNote('mediasoup.plain.tuple', `${this.pipe ? 'PipeTransport' : 'PlainTransport'} ${this.id}: ${which === 'rtp' ? 'tuple' : 'rtcpTuple'} ${r} (${how})`, { transport: this.id, which, remote: r, how }) });
  }

  /** A packet ignored; the first of each reason is noted (mediasoup logs it at debug level). */
  private drop(from: TransportAddress, reason: string): void {
    this.counters.dropped++;
    const key = reason.replace(/\(.*\)/, '');
    if (this.droppedWhy.has(key)) return;
    this.droppedWhy.add(key);
    const f = formatTransportAddress(from);
    this.o.emit({ type: 'note', ...mediasoupNote('mediasoup.plain.dropped', `PlainTransport ${this.id}: a packet from ${f} ignored: ${reason}`, { transport: this.id, from: f, reason }) });
  }
}
