import type { EndpointOutput, IcmpError, TransportAddress } from '../../core/endpoint.ts';
import type { Micros } from '../../core/time.ts';
import { HandshakeReassembler } from '../../wire/dtls/fragment.ts';
import { decodeRecords, encodeRecord } from '../../wire/dtls/record.ts';
import { encodeHandshakeFragment } from '../../wire/dtls/handshake.ts';
import { decodeTlsHandshakeBody } from '../../wire/tls/handshake.ts';
import { findExtension } from '../../wire/handshake/extensions.ts';
import { ContentType, HandshakeType, Version, namedGroupName } from '../../wire/handshake/names.ts';
import type { JsonValue } from '../../core/trace.ts';
import type { DtlsEndpointOptions } from '../config.ts';
import { DtlsEndpoint } from '../endpoint.ts';
import { Dtls13Endpoint } from './endpoint.ts';
import { readFragments } from './flight.ts';

/**
 * DTLS version negotiation (RFC 8446 §4.2.1, RFC 9147 §5.3) over the two endpoints: with `versions` ['1.2'] (the
 * default) the DTLS 1.2 endpoint alone, unchanged; with '1.3' a DTLS 1.3 endpoint, which with '1.2' too goes on
 * as a DTLS 1.2 client when the server answers as one, and as a server hands a ClientHello that does not offer
 * 1.3 to a DTLS 1.2 server (which then writes the downgrade sentinel, RFC 8446 §4.1.3).
 */

export type AnyDtlsEndpoint = DtlsEndpoint | VersionedDtls;

export function createDtlsEndpoint(options: DtlsEndpointOptions): AnyDtlsEndpoint {
  return (options.versions ?? ['1.2']).includes('1.3') ? new VersionedDtls(options) : new DtlsEndpoint(options);
}

/**
 * Servers read a ClientHello only whole (the stateless answer needs all of it), and a post-quantum ClientHello
 * spans two records in two datagrams (RFC 9147 §5.5 fragmentation): this joins the fragments of one ClientHello
 * (at most 16 KiB, one at a time) into a single record the server reads.
 */
export class HelloGate {
  private joiner = new HandshakeReassembler({ ordered: false, maxMessageLength: 16384, maxPendingMessages: 1 });

  feed(bytes: Uint8Array): Uint8Array | undefined {
    const recs = decodeRecords(bytes, { spans: false }).value;
    const first = recs[0];
    if (recs.length !== 1 || !first || first.kind !== 'dtls12' || first.epoch !== 0 || first.contentType !== ContentType.handshake) return bytes;
    const frags = readFragments(first.fragment);
    const f = frags?.[0];
    if (!frags || frags.length !== 1 || !f || f.msgType !== HandshakeType.client_hello || (f.fragmentOffset === 0 && f.fragment.length === f.length)) return bytes;
    const r = this.joiner.push(f);
    const m = r.messages[0];
    if (r.problems.length > 0) this.joiner = new HandshakeReassembler({ ordered: false, maxMessageLength: 16384, maxPendingMessages: 1 });
    if (!m) return undefined;
    this.joiner = new HandshakeReassembler({ ordered: false, maxMessageLength: 16384, maxPendingMessages: 1 });
    return encodeRecord({ contentType: ContentType.handshake, epoch: 0, sequenceNumber: first.sequenceNumber, fragment: encodeHandshakeFragment(HandshakeType.client_hello, m.messageSeq, m.body.length, 0, m.body) });
  }
}

/** Whether a whole-ClientHello datagram offers DTLS 1.3 (undefined: not a whole ClientHello). */
function offers13(bytes: Uint8Array): boolean | undefined {
  const rec = decodeRecords(bytes, { spans: false }).value[0];
  if (!rec || rec.kind !== 'dtls12' || rec.contentType !== ContentType.handshake || rec.epoch !== 0) return undefined;
  const f = readFragments(rec.fragment)?.[0];
  if (!f || f.msgType !== HandshakeType.client_hello || f.fragment.length !== f.length) return undefined;
  const ch = decodeTlsHandshakeBody(HandshakeType.client_hello, f.fragment, 0, { variant: 'dtls', spans: false }).value;
  return ch.type === 'client_hello' && (findExtension(ch.extensions, 'supported_versions')?.body.versions ?? []).includes(Version.DTLS1_3);
}

/** A DTLS endpoint that offers (client) or accepts (server) DTLS 1.3 and, when allowed, 1.2. */
export class VersionedDtls {
  private v13: Dtls13Endpoint | undefined;
  private v12: DtlsEndpoint | undefined;
  private readonly gate = new HelloGate();
  private readonly queued: EndpointOutput[] = [];
  /** The remote given by setRemote (ICE's selected pair), for a DTLS 1.2 endpoint made after it. */
  private remoteSet: TransportAddress | undefined;
  private readonly allow12: boolean;
  private readonly allow13: boolean;

  constructor(private readonly options: DtlsEndpointOptions) {
    const v = options.versions ?? ['1.2'];
    this.allow12 = v.includes('1.2');
    this.allow13 = v.includes('1.3');
    if (options.role === 'client' || this.allow13) this.v13 = new Dtls13Endpoint(options);
  }

  /** The endpoint that carries the association: the one with handshake state, else the DTLS 1.3 one. */
  private get active(): Dtls13Endpoint | DtlsEndpoint {
    if (this.v12 && (this.options.role === 'client' || this.v12.session.transcript.length > 0 || !this.v13)) return this.v12;
    return this.v13 ?? this.ensure12();
  }

  private ensure12(): DtlsEndpoint {
    // RFC 8446 §4.1.3: a 1.3-capable server that agrees to 1.2 says so in the last 8 bytes of its random
    this.v12 ??= new DtlsEndpoint({ ...this.options, downgradeSentinel: this.allow13 });
    return this.v12;
  }

  /** '1.3', '1.2', or undefined while not yet known. */
  get version(): '1.2' | '1.3' | undefined {
    if (this.v12 && this.active === this.v12 && this.v12.state !== 'new') return this.v12.session.master || this.v12.state === 'connecting' ? '1.2' : undefined;
    return this.v13 && this.v13.session.schedule ? '1.3' : undefined;
  }

  get roleName(): 'client' | 'server' {
    return this.options.role;
  }
  get role(): 'client' | 'server' {
    return this.options.role;
  }
  get state(): DtlsEndpoint['state'] {
    return this.active.state;
  }
  get remote(): TransportAddress | undefined {
    return this.active.remote;
  }
  get local(): TransportAddress {
    return this.options.local;
  }
  get session(): DtlsEndpoint['session'] | Dtls13Endpoint['session'] {
    return this.active.session;
  }
  get stats(): { flightsSent: number; retransmissions: number; datagramsSent: number } {
    const a = this.v13?.stats;
    const b = this.v12?.stats;
    return { flightsSent: (a?.flightsSent ?? 0) + (b?.flightsSent ?? 0), retransmissions: (a?.retransmissions ?? 0) + (b?.retransmissions ?? 0), datagramsSent: (a?.datagramsSent ?? 0) + (b?.datagramsSent ?? 0) };
  }
  get dropped(): Record<string, number> {
    return { ...this.v13?.dropped, ...this.v12?.dropped };
  }
  get fingerprintVerified(): boolean {
    return this.active.fingerprintVerified;
  }
  get connectedAt(): Micros | undefined {
    return this.active.connectedAt;
  }
  get handshakeBeganAt(): Micros | undefined {
    return this.v13?.handshakeBeganAt ?? this.v12?.handshakeBeganAt;
  }
  get reason(): string | undefined {
    return this.active.reason;
  }

  /**
   * Fragmentation Needed / Packet Too Big about a datagram to the peer (sim/dtls/pmtu.ts): the DTLS 1.2 association
   * lowers its datagram size; the DTLS 1.3 endpoint keeps the size it was given (its flights do not re-cut yet).
   */
  handleIcmpError(now: Micros, e: IcmpError): void {
    this.v12?.handleIcmpError(now, e);
  }

  /** What `rtclab run --json` reports: the version agreed, and the handshake's cost (the comparison of 1.2 and 1.3). */
  summary(): { [key: string]: JsonValue } {
    const a = this.active;
    const group = a instanceof Dtls13Endpoint ? (a.session.group ? namedGroupName(a.session.group) : null) : a.session.group ? a.session.describeGroup() : null;
    const began = this.handshakeBeganAt;
    return {
      role: this.roleName,
      state: a.state,
      ...(a.reason ? { reason: a.reason } : {}),
      version: this.version === '1.3' ? 'DTLS 1.3' : this.version === '1.2' ? 'DTLS 1.2' : null,
      flightsSent: this.stats.flightsSent,
      retransmissions: this.stats.retransmissions,
      datagramsSent: this.stats.datagramsSent,
      fingerprintVerified: a.fingerprintVerified,
      ...(a.connectedAt !== undefined && began !== undefined ? { handshakeMs: (a.connectedAt - began) / 1000 } : {}),
      group,
      dropped: { ...this.dropped },
    };
  }

  setRemote(remote: TransportAddress): void {
    this.remoteSet = remote;
    this.v13?.setRemote(remote);
    this.v12?.setRemote(remote);
  }

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    if (this.options.role === 'client') {
      const a = this.active;
      a.handleDatagram(now, from, to, bytes);
      const fb = this.v13?.fallback;
      if (a === this.v13 && fb && !this.v12) {
        this.queued.push(...this.v13.drain());
        // it needs the remote the 1.3 client was sending to (given by setRemote over ICE, not in the options), or it
        // would wait for one and meet the HelloVerifyRequest before its adopted ClientHello
        const remote = this.remoteSet ?? this.options.remote;
        this.v12 = new DtlsEndpoint({ ...this.options, ...(remote ? { remote } : {}), adoptClientHello: { hello: fb.hello, nextRecordSeq: fb.nextRecordSeq } });
        this.v12.poll(now); // starts it with the ClientHello already sent
        this.v12.handleDatagram(now, from, to, fb.datagram);
      }
      return;
    }
    const hasState = (this.v12 && this.v12.session.transcript.length > 0) || (this.v13 && this.v13.state !== 'new' && this.v13.hasHandshakeState);
    if (hasState) return this.active.handleDatagram(now, from, to, bytes);
    const whole = this.gate.feed(bytes);
    if (!whole) return;
    const is13 = offers13(whole);
    if (is13 === undefined || (is13 && this.allow13) || !this.allow12) return (this.v13 ?? this.ensure12()).handleDatagram(now, from, to, whole);
    this.ensure12().handleDatagram(now, from, to, whole);
  }

  handleTimeout(now: Micros): void {
    this.v13?.handleTimeout(now);
    this.v12?.handleTimeout(now);
  }

  poll(now: Micros): EndpointOutput {
    const q = this.queued.shift();
    if (q) return q;
    let at: EndpointOutput | undefined;
    for (const e of [this.v13, this.v12]) {
      if (!e) continue;
      const o = e.poll(now);
      if (o.type === 'idle') continue;
      if (o.type !== 'timeout') return o;
      // a client that fell back to 1.2 keeps no 1.3 timer; otherwise the earliest deadline
      if (!at || (at.type === 'timeout' && o.at < at.at)) at = o;
    }
    return at ?? { type: 'idle' };
  }

  send(data: Uint8Array): boolean {
    return this.active.send(data);
  }

  takeApplicationData(): Uint8Array[] {
    return this.active.takeApplicationData();
  }

  close(): void {
    this.active.close();
  }

  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array | undefined {
    return this.active.exportKeyingMaterial(label, length, context);
  }
}
