import { formatTransportAddress, type EndpointOutput, type IcmpError, type TransportAddress } from '../../core/endpoint.ts';
import type { Micros } from '../../core/time.ts';
import type { FragmentInput } from '../../wire/dtls/fragment.ts';
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
import { HelloAssembly, joinHello } from '../hello-assembly.ts';
import { dtlsNote, type DtlsNote } from '../notes.ts';

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
 * spans two records in two datagrams (RFC 9147 §5.5 fragmentation): this joins the fragments of a ClientHello in
 * bounded per-source buffers (sim/dtls/hello-assembly.ts says why some state is unavoidable before the cookie and
 * how it is bounded) into a single record the server reads.
 */
export class HelloGate {
  readonly assembly = new HelloAssembly();

  /**
   * `bytes` itself when the datagram is not made only of ClientHello fragments; a one-record datagram with the
   * joined hello when one became whole; undefined while it waits or when a fragment was refused (`note` says why).
   */
  feed(now: Micros, from: TransportAddress, bytes: Uint8Array, note: (n: DtlsNote) => void): Uint8Array | undefined {
    const recs = decodeRecords(bytes, { spans: false }).value;
    const pieces: { f: FragmentInput; seq: number }[] = [];
    for (const rec of recs) {
      if (rec.kind !== 'dtls12' || rec.epoch !== 0 || rec.contentType !== ContentType.handshake || rec.fragment.length !== rec.length) return bytes;
      const frags = readFragments(rec.fragment);
      if (!frags && rec.fragment[0] === HandshakeType.client_hello) {
        note(dtlsNote('dtls.hello-fragments', `ClientHello fragment from ${formatTransportAddress(from)}: its header lies: the fragment runs past the record or runs past the length it claims (RFC 9147 §5.5)`, { event: 'refused', from: formatTransportAddress(from), fragments: null, length: rec.fragment.length }));
        return undefined;
      }
      if (!frags || frags.length === 0) return bytes;
      for (const f of frags) pieces.push({ f, seq: rec.sequenceNumber });
    }
    if (pieces.length === 0 || pieces.some(({ f }) => f.msgType !== HandshakeType.client_hello)) return bytes;
    if (pieces.length === 1 && pieces[0]!.f.fragmentOffset === 0 && pieces[0]!.f.fragment.length === pieces[0]!.f.length) {
      this.assembly.push(now, from, pieces[0]!.f, pieces[0]!.seq); // a whole hello: drops the source's buffer, if any
      return bytes;
    }
    let joined: Uint8Array | undefined;
    for (const { f, seq } of pieces) {
      const r = joinHello(this.assembly, now, from, f, seq, note, 'RFC 9147 §5.5');
      if (r) joined = encodeRecord({ contentType: ContentType.handshake, epoch: 0, sequenceNumber: r.recordSeq, fragment: encodeHandshakeFragment(HandshakeType.client_hello, r.messageSeq, r.body.length, 0, r.body) });
    }
    return joined;
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
   * Fragmentation Needed / Packet Too Big about a datagram to the peer (sim/dtls/pmtu.ts): the endpoint carrying the
   * association lowers its datagram size and re-cuts its next (re)transmission (RFC 6347 §4.1.1.1, RFC 9147 §4.4).
   */
  handleIcmpError(now: Micros, e: IcmpError): void {
    this.active.handleIcmpError(now, e);
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
        // and the datagram size the 1.3 client learned (pmtu.ts): the path is the same
        this.v12 = new DtlsEndpoint({ ...this.options, ...(remote ? { remote } : {}), mtu: this.v13.pmtu.current, adoptClientHello: { hello: fb.hello, nextRecordSeq: fb.nextRecordSeq } });
        this.v12.poll(now); // starts it with the ClientHello already sent
        this.v12.handleDatagram(now, from, to, fb.datagram);
      }
      return;
    }
    const hasState = (this.v12 && this.v12.session.transcript.length > 0) || (this.v13 && this.v13.state !== 'new' && this.v13.hasHandshakeState);
    if (hasState) return this.active.handleDatagram(now, from, to, bytes);
    const whole = this.gate.feed(now, from, bytes, (n) => this.queued.push({ type: 'note', kind: n.kind, text: n.text, ...(n.data ? { data: n.data } : {}) }));
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
