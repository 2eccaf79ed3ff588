import { dtlsNote, type DtlsNote } from './notes.ts';
import { formatTransportAddress, sameTransportAddress, type Endpoint, type EndpointOutput, type IcmpError, type TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { describeAlert, encodeAlert } from '../wire/handshake/alert.ts';
import { decodeHandshakeBody, decodeHandshakeFragments, encodeHandshake, msgTypeOf, type HandshakeBody } from '../wire/dtls/handshake.ts';
import { HandshakeReassembler, type FragmentInput } from '../wire/dtls/fragment.ts';
import { AlertDescription, AlertLevel, ContentType, HandshakeType, handshakeTypeName, srtpProfileName } from '../wire/handshake/names.ts';
import { decodeRecords, MAX_RECORD_LENGTH, type DtlsRecord } from '../wire/dtls/record.ts';
import { resolveConfig, type DtlsConfig, type DtlsEndpointOptions, type DtlsRole } from './config.ts';
import { ClientHandshake } from './client.ts';
import { computeCookie, cookieSubject, cookieValid } from './cookie.ts';
import { checkPeerCertificate } from './peer-certificate.ts';
import { FlightSender, type FlightPiece } from './flight-sender.ts';
import { FLIGHTS, type FlightNumber, type FlightState } from './flights.ts';
import type { DtlsIdentity } from './identity.ts';
import { DTLS_1_0, RecordLayer } from './record-layer.ts';
import type { HandshakeRole, RoleHost } from './role.ts';
import { ServerHandshake } from './server.ts';
import { HandshakeSession } from './session.ts';
import { DtlsPathMtu } from './pmtu.ts';
import { HelloAssembly, joinHello } from './hello-assembly.ts';

/** Leaves 2^16 epoch-0 records for the server's flights after a ClientHello's record sequence number. */
const MAX_CLIENT_HELLO_SEQUENCE = 2 ** 48 - 2 ** 16;

export type DtlsState = 'new' | 'connecting' | 'connected' | 'failed' | 'closed';

/**
 * A sans-IO DTLS 1.2 endpoint (RFC 6347) for DTLS-SRTP: client or server, one peer. It sends from `local` to
 * `remote` and takes whatever datagrams its caller hands it, so an ICE agent can give it the selected pair
 * (`setRemote`) and feed it the DTLS packets its demultiplexer picks out (RFC 7983).
 */
export class DtlsEndpoint implements Endpoint, RoleHost {
  readonly config: DtlsConfig;
  readonly rng: Rng;
  readonly identity: DtlsIdentity;
  readonly session = new HandshakeSession();
  readonly records = new RecordLayer();
  readonly local: TransportAddress;
  private remoteAddr: TransportAddress | undefined;
  private readonly role: HandshakeRole;
  private readonly reassembler: HandshakeReassembler;
  private readonly helloAssembly = new HelloAssembly(); // a server's fragmented ClientHellos before the cookie
  private readonly sender: FlightSender;
  readonly pmtu: DtlsPathMtu; // path MTU discovery (pmtu.ts): lowered by ICMP, or after timeouts
  private readonly out: EndpointOutput[] = [];
  private readonly cookieSecret: Uint8Array;
  private stateValue: DtlsState = 'new';
  private started = false;
  private nextMessageSeq = 0;
  private pending: FlightPiece[] = [];
  private now: Micros = 0;
  private peerRetransmitted = false;
  private readonly appData: Uint8Array[] = [];
  private muted = false; // while taking over a DTLS 1.3 client's ClientHello (v13/factory.ts)
  /** Why the connection failed or closed, for summaries. */
  reason: string | undefined;
  connectedAt: Micros | undefined;
  startedAt: Micros | undefined;
  /** When the handshake began: the client's first ClientHello sent, or the ClientHello the server accepted. */
  handshakeBeganAt: Micros | undefined;
  /** Records dropped by the anti-replay window, bad MACs and other discards, by reason. */
  readonly dropped: Record<string, number> = {};
  fingerprintVerified = false;
  private readonly adopt: DtlsEndpointOptions['adoptClientHello'];

  constructor(options: DtlsEndpointOptions) {
    this.adopt = options.adoptClientHello;
    this.config = resolveConfig(options);
    this.rng = options.rng;
    this.identity = options.identity;
    this.local = options.local;
    this.remoteAddr = options.remote;
    this.cookieSecret = this.rng.bytes(32);
    this.role = options.role === 'client' ? new ClientHandshake(this) : new ServerHandshake(this);
    // The server's first accepted ClientHello may carry message_seq 1 (after a HelloVerifyRequest).
    this.reassembler = new HandshakeReassembler({ ordered: true, firstMessageSeq: 0 });
    this.pmtu = new DtlsPathMtu(this.config.mtu, this.local.ip.includes(':') ? 6 : 4, options.mtuFallback ?? false, (n) => this.note(n));
    this.sender = new FlightSender(this.config, this.records, {
      transmit: (bytes) => this.transmit(bytes),
      transmitTo: (bytes, to) => this.transmit(bytes, to),
      note: (n) => this.note(n),
      fail: (reason) => this.failQuietly(reason),
      mtu: () => this.pmtu.current, beforeTimerRetransmit: (attempt) => this.pmtu.onTimerRetransmit(attempt),
    });
  }

  get roleName(): DtlsRole {
    return this.config.role;
  }

  get state(): DtlsState {
    return this.stateValue;
  }

  get flightState(): FlightState {
    return this.sender.state;
  }

  get remote(): TransportAddress | undefined {
    return this.remoteAddr;
  }

  /** The selected pair changed (ICE): from now on datagrams go to and are accepted from `remote`. */
  setRemote(remote: TransportAddress): void {
    this.remoteAddr = remote;
  }

  /** Flights sent and timer/peer-triggered retransmissions, for summaries. */
  get stats(): { flightsSent: number; retransmissions: number; datagramsSent: number } {
    return this.sender.stats;
  }

  // ---- the Endpoint contract ----

  handleDatagram(now: Micros, from: TransportAddress, _to: TransportAddress, bytes: Uint8Array): void {
    this.now = now;
    this.maybeStart();
    if (this.stateValue === 'failed' || this.stateValue === 'closed') return;
    if (this.remoteAddr && !sameTransportAddress(from, this.remoteAddr)) {
      if (this.config.role === 'client' || this.session.transcript.length > 0) {
        this.count('foreign-source');
        return;
      }
    }
    const decoded = decodeRecords(bytes, { spans: false });
    this.peerRetransmitted = false;
    for (const rec of decoded.value) {
      if (rec.kind !== 'dtls12') {
        this.count('dtls13-record');
        continue;
      }
      // RFC 6347 §4.1.2.7: an invalid record (its length field runs past the datagram or over 2^14 + 2048) is
      // silently discarded, and so is the rest of the datagram, whose record boundaries can no longer be trusted
      if (rec.fragment.length !== rec.length || rec.length > MAX_RECORD_LENGTH) {
        this.count('bad-length');
        break;
      }
      this.onRecord(rec, from);
      if (this.over()) return;
    }
    // RFC 6347 §4.2.4: the peer retransmitted its last flight, so ours was lost: send it again.
    if (this.peerRetransmitted) this.sender.onPeerRetransmit(now);
  }

  handleTimeout(now: Micros): void {
    this.now = now;
    this.maybeStart();
    this.sender.onTimeout(now);
  }

  /** RFC 6347 §4.1.1.1: Fragmentation Needed / Packet Too Big lowers the datagram size (pmtu.ts). */
  handleIcmpError(_now: Micros, e: IcmpError): void {
    this.pmtu.onIcmp(e, this.remoteAddr);
  }

  poll(now: Micros): EndpointOutput {
    this.now = now;
    this.maybeStart();
    const o = this.out.shift();
    if (o) return o;
    const at = this.sender.deadline;
    if (at !== undefined) return { type: 'timeout', at, reason: `dtls-flight-${this.sender.flightNumber ?? 0}` };
    return { type: 'idle' };
  }

  // ---- application use ----

  /** Sends application data (content type 23) once connected. */
  send(data: Uint8Array): boolean {
    if (this.stateValue !== 'connected') return false;
    this.transmit(this.records.seal(ContentType.application_data, this.records.writeEpoch, data));
    return true;
  }

  /** Application data received since the last call. */
  takeApplicationData(): Uint8Array[] {
    return this.appData.splice(0);
  }

  /** RFC 5246 §7.2.1: close_notify, then the connection is closed. */
  close(): void {
    if (this.stateValue !== 'connected' && this.stateValue !== 'connecting') return;
    this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
    this.setState('closed', 'closed by this side (close_notify sent)');
  }

  /** RFC 5705 keying material exporter; undefined before the master secret exists. */
  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array | undefined {
    return this.session.master ? this.session.exportKeyingMaterial(label, length, context) : undefined;
  }

  // ---- RoleHost ----

  queueHandshake(body: HandshakeBody): void {
    const bytes = encodeHandshake({ messageSeq: this.nextMessageSeq++, body });
    this.session.transcript.push(bytes);
    this.pending.push({ contentType: ContentType.handshake, epoch: this.records.writeEpoch, bytes, label: handshakeTypeName(msgTypeOf(body)) });
  }

  queueChangeCipherSpec(): void {
    this.pending.push({ contentType: ContentType.change_cipher_spec, epoch: this.records.writeEpoch, bytes: new Uint8Array([1]), label: 'ChangeCipherSpec' });
    this.records.writeEpoch = 1;
  }

  sendFlight(n: FlightNumber): void {
    const pieces = this.pending;
    this.pending = [];
    this.sender.send(this.now, n, pieces, FLIGHTS[n].retransmit);
  }

  keysDerived(): void {
    const k = this.session.keys!;
    const client = { key: k.clientWriteKey, fixedIv: k.clientWriteIv };
    const server = { key: k.serverWriteKey, fixedIv: k.serverWriteIv };
    if (this.config.role === 'client') this.records.installKeys(1, client, server);
    else this.records.installKeys(1, server, client);
    this.note(dtlsNote('dtls.keys', `master secret derived (${this.session.extendedMasterSecret ? 'extended master secret, RFC 7627' : 'RFC 5246 §8.1'}), ${this.session.describeGroup()} key exchange`, {
      extendedMasterSecret: this.session.extendedMasterSecret,
      group: this.session.describeGroup(),
    }));
    this.out.push({ type: 'secret', kind: 'nss-keylog', text: this.session.keyLogLine() });
  }

  peerChangedCipherSpec(): void {
    this.records.readEpoch = 1;
  }

  acceptPeerCertificate(certificates: readonly Uint8Array[]): boolean {
    const c = checkPeerCertificate(certificates, this.config.remoteFingerprint);
    for (const n of c.notes) this.note(n);
    if (!c.ok) {
      this.fail(c.alert, c.reason);
      return false;
    }
    if (c.fingerprintVerified) this.fingerprintVerified = true;
    this.session.peerCertificateDer = c.der;
    this.session.peerCertificate = c.certificate;
    return true;
  }

  fail(alertDescription: number, reason: string): void {
    if (this.stateValue === 'failed') return;
    this.sendAlert(AlertLevel.fatal, alertDescription);
    this.failQuietly(reason);
  }

  /** Queues a note (built with `dtlsNote`, notes.ts). */
  note(n: DtlsNote): void {
    if (this.muted) return;
    this.out.push({ type: 'note', kind: n.kind, text: n.text, ...(n.data ? { data: n.data } : {}) });
  }

  connected(): void {
    this.connectedAt = this.now;
    this.sender.finish();
    this.setState('connected', `handshake complete in ${((this.now - (this.handshakeBeganAt ?? this.startedAt ?? 0)) / 1000).toFixed(1)} ms`);
    const line = this.session.srtpSecretLine();
    if (line) {
      this.out.push({ type: 'secret', kind: 'srtp', text: line });
      this.note(dtlsNote('dtls.srtp', `SRTP keys exported with EXTRACTOR-dtls_srtp for ${srtpProfileName(this.session.srtpProfileId!)} (RFC 5764 §4.2)`, {
        profile: srtpProfileName(this.session.srtpProfileId!),
      }));
    }
  }

  // ---- internals ----

  /** Starts at the first input or poll; a client without a remote address (ICE still running) waits for `setRemote`. */
  private maybeStart(): void {
    if (this.started) return;
    if (this.config.role === 'client' && !this.remoteAddr) return;
    this.started = true;
    this.startedAt = this.now;
    // a server's handshake begins with the first ClientHello (onHandshakeRecord), not while it waits for one
    if (this.config.role === 'client') this.handshakeBeganAt = this.now;
    this.setState('connecting', this.config.role === 'client' ? 'sending ClientHello' : 'waiting for a ClientHello');
    this.muted = this.adopt !== undefined;
    if (this.config.role === 'client') this.role.start(this.adopt?.hello);
    this.muted = false;
    if (this.adopt) this.records.reserveSequence(0, this.adopt.nextRecordSeq);
  }

  private onRecord(rec: DtlsRecord, from: TransportAddress): void {
    // RFC 6347 §4.2.1: no state before a valid cookie, not even a replay window (a spoofed record numbered like the
    // client's next would get it dropped); nothing but a ClientHello counts yet (a spoofed fatal alert must not fail it)
    if (this.config.role === 'server' && this.session.transcript.length === 0 && rec.epoch === 0) {
      if (rec.contentType !== ContentType.handshake) return this.count('before-client-hello');
      return this.onHandshakeRecord(rec.fragment, from, rec);
    }
    const opened = this.records.open(rec);
    if (!opened.ok) {
      this.count(opened.reason);
      if (opened.reason === 'replay' || opened.reason === 'too-old') this.note(dtlsNote('dtls.record.replay', `dropped: ${opened.message} (RFC 6347 §4.1.2.6)`));
      return;
    }
    const plaintext = opened.plaintext;
    // Once connected, epoch-0 records are unauthenticated: anyone on the path can forge them. Only the peer's
    // retransmitted handshake flight may still arrive there (RFC 6347 §4.2.4); alerts, ChangeCipherSpec and new
    // handshake messages at epoch 0 change nothing (RFC 6347 §4.1.2.7: invalid records are discarded).
    if (rec.epoch === 0 && this.stateValue === 'connected' && rec.contentType !== ContentType.handshake) {
      return this.count(rec.contentType === ContentType.change_cipher_spec ? 'unexpected-ccs' : 'unauthenticated-epoch-0');
    }
    switch (rec.contentType) {
      case ContentType.handshake:
        return this.onHandshakeRecord(plaintext, from, rec);
      case ContentType.change_cipher_spec:
        // RFC 6347 §4.1.2.7: a malformed record is discarded, not fatal (a spoofed one must not end the association)
        if (plaintext.length !== 1 || plaintext[0] !== 1) return this.count('malformed-ccs');
        if (!this.role.onChangeCipherSpec()) this.count('unexpected-ccs');
        return;
      case ContentType.alert:
        return this.onAlert(plaintext);
      case ContentType.application_data:
        if (rec.epoch === 0 || this.stateValue !== 'connected') return this.count('early-application-data');
        this.appData.push(plaintext);
        return;
      default:
        return this.count('unknown-content-type');
    }
  }

  private onHandshakeRecord(plaintext: Uint8Array, from: TransportAddress, rec: DtlsRecord): void {
    const d = decodeHandshakeFragments(plaintext);
    const forgeable = rec.epoch === 0 && this.stateValue === 'connected';
    if (d.problems.length > 0 && d.value.length === 0) {
      if (forgeable) return this.count('malformed-handshake');
      return this.fail(AlertDescription.decode_error, d.problems[0]!.message);
    }
    for (const { fragment: f } of d.value) {
      // RFC 6347 §4.2.1: before a ClientHello with a valid cookie, the server keeps no state.
      if (this.config.role === 'server' && this.session.transcript.length === 0) {
        if (f.msgType !== HandshakeType.client_hello) {
          this.count('before-client-hello');
          continue;
        }
        this.onStatelessFragment(f, from, rec);
        if (this.over()) return;
        continue;
      }
      // a connected endpoint takes no new handshake message at epoch 0 (it does not renegotiate): only a
      // retransmission of a message it already has is acted on, by resending its last flight (RFC 6347 §4.2.4)
      if (forgeable) {
        if (f.messageSeq < this.reassembler.nextSeq) this.peerRetransmitted = true;
        else this.count('unauthenticated-epoch-0');
        continue;
      }
      const r = this.reassembler.push(f);
      if (r.duplicate) {
        this.peerRetransmitted = true;
        continue;
      }
      if (r.problems.length > 0) this.count('bad-fragment');
      for (const m of r.messages) {
        const body = decodeHandshakeBody(m.msgType, m.body);
        if (body.problems.length > 0) return this.fail(AlertDescription.decode_error, `${handshakeTypeName(m.msgType)}: ${body.problems[0]!.message}`);
        this.sender.onPeerProgress();
        this.role.onMessage(body.value, m.bytes);
        if (this.stateValue === 'failed') return;
      }
    }
  }

  /** Before state: a whole hello is answered now, a fragmented one once whole (bounded buffers, hello-assembly.ts). */
  private onStatelessFragment(f: FragmentInput, from: TransportAddress, rec: DtlsRecord): void {
    const r = joinHello(this.helloAssembly, this.now, from, f, rec.sequenceNumber, (n) => this.note(n), 'RFC 6347 §4.2.3');
    if (!r) return;
    const { messageSeq, body, recordSeq } = r;
    // The server's first flight reuses this record sequence number (RFC 6347 §4.2.1; a fragmented hello's highest);
    // one so high that the flight would wrap the 48-bit counter (§4.1: never wrap) is discarded, not answered
    if (recordSeq > MAX_CLIENT_HELLO_SEQUENCE) return this.count('sequence-exhausted');
    const d = decodeHandshakeBody(HandshakeType.client_hello, body);
    if (d.value.type !== 'client_hello' || d.problems.length > 0) return this.count('malformed-client-hello');
    const ch = d.value;
    if (this.config.cookieExchange && !cookieValid(this.cookieSecret, cookieSubject(this.config.cookieBinding, from), ch)) {
      const cookie = computeCookie(this.cookieSecret, cookieSubject(this.config.cookieBinding, from), ch);
      const hvr = encodeHandshake({ messageSeq, body: { type: 'hello_verify_request', serverVersion: DTLS_1_0, cookie } });
      // RFC 6347 §4.2.1: HelloVerifyRequest copies the ClientHello's record sequence number, says DTLS 1.0,
      // and is not retransmitted.
      this.records.reserveSequence(0, recordSeq + 1);
      this.sender.sendStateless(this.now, 2, { contentType: ContentType.handshake, epoch: 0, bytes: hvr, label: 'HelloVerifyRequest' }, recordSeq, DTLS_1_0, from);
      return;
    }
    if (!this.remoteAddr) this.remoteAddr = from;
    else if (!sameTransportAddress(from, this.remoteAddr)) return this.count('foreign-source');
    // the server's handshake time counts from the ClientHello it keeps state for (after the cookie, if any)
    this.handshakeBeganAt ??= this.now;
    // Our messages continue the client's numbering (RFC 6347 §4.2.2); the reassembler expects the next one.
    this.nextMessageSeq = messageSeq;
    this.reassembler.nextSeq = messageSeq + 1;
    this.records.reserveSequence(0, recordSeq);
    this.helloAssembly.clear(); // state is kept from here on (RFC 6347 §4.2.1): no more unauthenticated buffers
    this.sender.onPeerProgress();
    const bytes = encodeHandshake({ messageSeq, body: ch });
    this.role.onMessage(ch, bytes);
  }

  private onAlert(plaintext: Uint8Array): void {
    const level = plaintext[0];
    const description = plaintext[1];
    if (plaintext.length !== 2 || level === undefined || description === undefined) return this.count('malformed-alert');
    const text = describeAlert({ level, description });
    this.note(dtlsNote('dtls.alert.received', `peer sent alert: ${text}`, { level, description }));
    if (description === AlertDescription.close_notify) {
      if (this.stateValue === 'connected') this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
      this.setState('closed', 'peer sent close_notify');
      this.sender.stop();
      return;
    }
    if (level === AlertLevel.fatal) this.failQuietly(`peer sent fatal alert ${text}`);
  }

  private sendAlert(level: number, description: number): void {
    this.note(dtlsNote('dtls.alert.sent', `sending alert: ${describeAlert({ level, description })}`, { level, description }));
    if (!this.remoteAddr) return;
    this.transmit(this.records.seal(ContentType.alert, this.records.writeEpoch, encodeAlert({ level, description })));
  }

  private failQuietly(reason: string): void {
    if (this.stateValue === 'failed') return;
    this.sender.stop();
    this.setState('failed', reason);
  }

  private setState(to: DtlsState, why: string): void {
    const from = this.stateValue;
    if (from === to) return;
    this.stateValue = to;
    if (to === 'failed' || to === 'closed') this.reason = why;
    this.note(dtlsNote('dtls.state', `DTLS ${this.config.role}: ${from} → ${to} (${why})`, { from, to, role: this.config.role, reason: why }));
  }

  private transmit(bytes: Uint8Array, to = this.remoteAddr): void {
    if (!to || this.muted) return;
    this.out.push({ type: 'transmit', from: this.local, to, bytes });
  }

  private over(): boolean {
    return this.stateValue === 'failed' || this.stateValue === 'closed';
  }

  private count(reason: string): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
  }

  describe(): string {
    return `${this.config.role} ${formatTransportAddress(this.local)} → ${this.remoteAddr ? formatTransportAddress(this.remoteAddr) : '?'}: ${this.stateValue}`;
  }
}
