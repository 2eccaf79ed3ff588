import { formatTransportAddress, sameTransportAddress, type EndpointOutput, type IcmpError, type TransportAddress } from '../../core/endpoint.ts';
import type { Rng } from '../../core/rng.ts';
import type { Micros } from '../../core/time.ts';
import { formatKeyLogLine } from '../../crypto/keylog.ts';
import { describeAlert, encodeAlert } from '../../wire/handshake/alert.ts';
import { AlertDescription, AlertLevel, ContentType, HandshakeType, handshakeTypeName } from '../../wire/handshake/names.ts';
import { decodeRecords, MAX_RECORD_LENGTH } from '../../wire/dtls/record.ts';
import { HandshakeReassembler } from '../../wire/dtls/fragment.ts';
import { decodeTlsHandshakeBody } from '../../wire/tls/handshake.ts';
import { resolveConfig, type DtlsConfig, type DtlsEndpointOptions } from '../config.ts';
import type { DtlsIdentity } from '../identity.ts';
import { dtlsNote, type DtlsNote } from '../notes.ts';
import { Flight13, readFragments, encodeAck, decodeAck, type RecordNumber } from './flight.ts';
import { RecordLayer13 } from './records.ts';
import { Session13 } from './session.ts';
import { Client13, type Fallback12 } from './client.ts';
import { Server13 } from './server.ts';
import type { Host13, Role13, Incoming13 } from './host.ts';
import { DtlsPathMtu } from '../pmtu.ts';

export type Dtls13State = 'new' | 'connecting' | 'connected' | 'failed' | 'closed';

/**
 * A sans-IO DTLS 1.3 endpoint (RFC 9147) for DTLS-SRTP, client or server: the record layer (records.ts), flights
 * with ACKs and retransmission (flight.ts, RFC 9147 §5.8 and §7), and the handshake of its role (client.ts,
 * server.ts). Unauthenticated input that does not fit is counted in `dropped`, never thrown.
 */
export class Dtls13Endpoint implements Host13 {
  readonly config: DtlsConfig;
  readonly options: DtlsEndpointOptions;
  readonly rng: Rng;
  readonly identity: DtlsIdentity;
  readonly local: TransportAddress;
  readonly records = new RecordLayer13();
  readonly session = new Session13();
  readonly cookieSecret: Uint8Array;
  readonly dropped: Record<string, number> = {};
  readonly flight: Flight13;
  readonly pmtu: DtlsPathMtu; // path MTU discovery (sim/dtls/pmtu.ts), as the DTLS 1.2 endpoint has it
  private remoteAddr: TransportAddress | undefined;
  private readonly role: Role13;
  private readonly out: EndpointOutput[] = [];
  private stateValue: Dtls13State = 'new';
  private started = false;
  private now: Micros = 0;
  reassembler = new HandshakeReassembler({ ordered: true, firstMessageSeq: 0 });
  private readonly appData: Uint8Array[] = [];
  /** The epoch application data and ACKs are sent in once the handshake is over. */
  writeEpoch = 0;
  reason: string | undefined;
  connectedAt: Micros | undefined;
  startedAt: Micros | undefined;
  handshakeBeganAt: Micros | undefined;
  fingerprintVerified = false;
  /** Client: the server answered as DTLS 1.2; the factory hands the handshake to a 1.2 endpoint. */
  fallback: Fallback12 | undefined;

  constructor(options: DtlsEndpointOptions) {
    this.options = options;
    this.config = resolveConfig(options);
    this.rng = options.rng;
    this.identity = options.identity;
    this.local = options.local;
    this.remoteAddr = options.remote;
    this.cookieSecret = this.rng.bytes(32);
    this.pmtu = new DtlsPathMtu(this.config.mtu, this.local.ip.includes(':') ? 6 : 4, options.mtuFallback ?? false, (n) => this.note(n));
    this.flight = new Flight13(this.config, this.records, {
      transmit: (b) => this.transmit(b),
      note: (n) => this.note(n),
      giveUp: (why) => (this.stateValue === 'connected' ? this.count('final-flight-unacknowledged') : this.failQuietly(why)),
      mtu: () => this.pmtu.current,
      beforeTimerRetransmit: (attempt) => this.pmtu.onTimerRetransmit(attempt),
    });
    this.role = options.role === 'client' ? new Client13(this) : new Server13(this);
  }

  get roleName(): 'client' | 'server' {
    return this.config.role;
  }

  get state(): Dtls13State {
    return this.stateValue;
  }

  get remote(): TransportAddress | undefined {
    return this.remoteAddr;
  }

  setRemote(remote: TransportAddress): void {
    this.remoteAddr = remote;
  }

  get stats(): { flightsSent: number; retransmissions: number; datagramsSent: number } {
    return this.flight.stats;
  }

  /** Whether the handshake keeps state yet (a server before it accepts a ClientHello does not). */
  get hasHandshakeState(): boolean {
    return this.role.hasState();
  }

  get nowMicros(): Micros {
    return this.now;
  }

  // ---- the Endpoint contract ----

  handleDatagram(now: Micros, from: TransportAddress, _to: TransportAddress, bytes: Uint8Array): void {
    this.now = now;
    this.maybeStart();
    if (this.over() || this.fallback) return;
    if (this.remoteAddr && !sameTransportAddress(from, this.remoteAddr) && (this.config.role === 'client' || this.role.hasState())) return this.count('foreign-source');
    const decoded = decodeRecords(bytes, { spans: false });
    for (const rec of decoded.value) {
      // RFC 9147 §4.5.2: an invalid record is discarded, and the rest of the datagram with it
      if ((rec.kind === 'dtls12' ? rec.fragment.length : rec.encryptedRecord.length) !== rec.length || rec.length > MAX_RECORD_LENGTH) {
        this.count('bad-length');
        break;
      }
      if (rec.kind === 'dtls12' && rec.contentType === ContentType.handshake && rec.epoch === 0 && !this.role.hasState()) {
        this.role.onStatelessRecord?.(rec, from, bytes);
        if (this.over() || this.fallback) return;
        continue;
      }
      const opened = this.records.open(rec);
      if (!opened.ok) {
        this.count(opened.reason);
        continue;
      }
      const { epoch, seq, contentType, content } = opened;
      // epoch 0 is unauthenticated: once keys exist, only handshake messages (the peer's retransmissions) count there
      if (epoch === 0 && contentType !== ContentType.handshake && (contentType !== ContentType.alert || this.writeEpoch > 0)) {
        this.count('unauthenticated-epoch-0');
        continue;
      }
      switch (contentType) {
        case ContentType.handshake:
          this.onHandshake(content, { epoch, seq }, bytes);
          break;
        case ContentType.ack:
          this.onAck(content, epoch);
          break;
        case ContentType.alert:
          this.onAlert(content);
          break;
        case ContentType.application_data:
          if (epoch !== 3 || this.stateValue !== 'connected') this.count('early-application-data');
          else this.appData.push(content);
          break;
        default:
          this.count('unknown-content-type');
      }
      if (this.over() || this.fallback) return;
    }
  }

  /** RFC 9147 §4.4: Fragmentation Needed / Packet Too Big lowers the datagram size; the next (re)transmission is re-cut. */
  handleIcmpError(_now: Micros, e: IcmpError): void {
    this.pmtu.onIcmp(e, this.remoteAddr);
  }

  handleTimeout(now: Micros): void {
    this.now = now;
    this.maybeStart();
    if (this.over() || this.fallback) return;
    // RFC 9147 §7.1: the rest of the peer's flight is late: ACK what came, so it resends only the rest
    if (this.flight.onTimeout(now) === 'ack-due') this.sendAck(this.flight.peerRecords, this.ackEpoch());
  }

  poll(now: Micros): EndpointOutput {
    this.now = now;
    this.maybeStart();
    const o = this.out.shift();
    if (o) return o;
    const at = this.fallback || this.over() ? undefined : this.flight.deadline;
    if (at !== undefined) return { type: 'timeout', at, reason: `dtls13-flight-${this.flight.number ?? 0}` };
    return { type: 'idle' };
  }

  /** Everything queued (notes, secrets, transmits) — the factory drains it before a fallback to DTLS 1.2. */
  drain(): EndpointOutput[] {
    return this.out.splice(0);
  }

  send(data: Uint8Array): boolean {
    if (this.stateValue !== 'connected') return false;
    this.transmit(this.records.seal(ContentType.application_data, 3, data).bytes);
    return true;
  }

  takeApplicationData(): Uint8Array[] {
    return this.appData.splice(0);
  }

  close(): void {
    if (this.stateValue !== 'connected' && this.stateValue !== 'connecting') return;
    this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
    this.flight.stop();
    this.setState('closed', 'closed by this side (close_notify sent)');
  }

  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array | undefined {
    return this.session.schedule?.export(label, length, context);
  }

  // ---- Host13 ----

  /** Handshake messages of one flight (whole, with DTLS headers) go out; `timer`: retransmitted until answered or ACKed. */
  sendFlight(n: number, pieces: Parameters<Flight13['send']>[2], timer: boolean): void {
    this.flight.send(this.now, n, pieces, timer);
  }

  sendAck(records: readonly RecordNumber[], epoch: number): void {
    if (records.length === 0 || !this.records.hasWrite(epoch) || epoch === 0) return;
    this.transmit(this.records.seal(ContentType.ack, epoch, encodeAck(records)).bytes);
    this.flight.stats.acksSent++;
    this.flight.stats.datagramsSent++;
    this.note(dtlsNote('dtls.ack', `ACK sent for ${records.length} record(s): ${records.map((r) => `${r.epoch}/${r.seq}`).join(', ')} (RFC 9147 §7)`, { direction: 'sent', records: records.map((r) => `${r.epoch}/${r.seq}`) }));
  }

  transmitTo(bytes: Uint8Array, to: TransportAddress): void {
    this.transmit(bytes, to);
  }

  adoptRemote(from: TransportAddress): boolean {
    if (!this.remoteAddr) this.remoteAddr = from;
    return sameTransportAddress(from, this.remoteAddr);
  }

  keyLog(label: string, secret: Uint8Array): void {
    this.out.push({ type: 'secret', kind: 'nss-keylog', text: formatKeyLogLine(this.session.clientRandom, secret, label) });
  }

  secretLine(text: string): void {
    this.out.push({ type: 'secret', kind: 'srtp', text });
  }

  note(n: DtlsNote): void {
    this.out.push({ type: 'note', kind: n.kind, text: n.text, ...(n.data ? { data: n.data } : {}) });
  }

  count(reason: string): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
  }

  beganHandshake(): void {
    this.handshakeBeganAt ??= this.now;
  }

  connected(): void {
    this.connectedAt = this.now;
    this.writeEpoch = 3;
    this.setState('connected', `DTLS 1.3 handshake complete in ${((this.now - (this.handshakeBeganAt ?? this.startedAt ?? 0)) / 1000).toFixed(1)} ms`);
  }

  fail(alertDescription: number, reason: string): void {
    if (this.stateValue === 'failed') return;
    this.sendAlert(AlertLevel.fatal, alertDescription);
    this.failQuietly(reason);
  }

  fallBack(f: Fallback12): void {
    this.fallback = f;
    this.flight.stop();
  }

  // ---- internals ----

  private maybeStart(): void {
    if (this.started) return;
    if (this.config.role === 'client' && !this.remoteAddr) return;
    this.started = true;
    this.startedAt = this.now;
    if (this.config.role === 'client') this.handshakeBeganAt = this.now;
    this.setState('connecting', this.config.role === 'client' ? 'sending a DTLS 1.3 ClientHello' : 'waiting for a ClientHello');
    this.role.start();
  }

  private onHandshake(content: Uint8Array, rn: RecordNumber, datagram: Uint8Array): void {
    const frags = readFragments(content);
    if (!frags) return this.count('malformed-handshake');
    let fresh = false;
    let duplicate = false;
    for (const f of frags) {
      const r = this.reassembler.push(f);
      if (r.duplicate) {
        duplicate = true;
        continue;
      }
      if (r.problems.length > 0) {
        this.count('bad-fragment');
        continue;
      }
      if (!fresh) this.flight.peerRecord(rn);
      fresh = true;
      for (const m of r.messages) {
        const body = decodeTlsHandshakeBody(m.msgType, m.body, 0, { variant: 'dtls', tls13: true, spans: false });
        // a DTLS 1.2 server's HelloVerifyRequest has no TLS 1.3 form: the client falls back on its type alone
        if (body.problems.length > 0 && m.msgType !== HandshakeType.hello_verify_request) {
          // epoch 0 is unauthenticated (a forged ServerHello must not end the handshake); protected epochs are the peer's
          if (rn.epoch === 0) return this.count('malformed-handshake');
          return this.fail(AlertDescription.decode_error, `${handshakeTypeName(m.msgType)}: ${body.problems[0]!.message}`);
        }
        const incoming: Incoming13 = { msgType: m.msgType, messageSeq: m.messageSeq, body: body.value, raw: m.body, record: rn, datagram };
        this.role.onMessage(incoming);
        if (this.over() || this.fallback) return;
      }
    }
    if (duplicate && !fresh) this.role.onPeerRetransmit(rn);
  }

  private onAck(content: Uint8Array, epoch: number): void {
    if (epoch < 2) return this.count('ack-in-epoch-0');
    const records = decodeAck(content);
    if (!records) return this.count('malformed-ack');
    this.note(dtlsNote('dtls.ack', `ACK received for ${records.length} record(s) (RFC 9147 §7)`, { direction: 'received', records: records.map((r) => `${r.epoch}/${r.seq}`) }));
    this.flight.onAck(this.now, records);
    this.role.onAckProcessed?.();
  }

  private onAlert(content: Uint8Array): void {
    const level = content[0];
    const description = content[1];
    if (content.length !== 2 || level === undefined || description === undefined) return this.count('malformed-alert');
    this.note(dtlsNote('dtls.alert.received', `peer sent alert: ${describeAlert({ level, description })}`, { level, description }));
    if (description === AlertDescription.close_notify) {
      if (this.stateValue === 'connected') this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
      this.flight.stop();
      this.setState('closed', 'peer sent close_notify');
      return;
    }
    if (level === AlertLevel.fatal) this.failQuietly(`peer sent fatal alert ${describeAlert({ level, description })}`);
  }

  private ackEpoch(): number {
    return this.records.hasWrite(3) && this.stateValue === 'connected' ? 3 : this.records.hasWrite(2) ? 2 : 0;
  }

  private sendAlert(level: number, description: number): void {
    this.note(dtlsNote('dtls.alert.sent', `sending alert: ${describeAlert({ level, description })}`, { level, description }));
    if (!this.remoteAddr) return;
    const epoch = this.stateValue === 'connected' ? 3 : this.records.hasWrite(2) ? 2 : 0;
    this.transmit(this.records.seal(ContentType.alert, epoch, encodeAlert({ level, description })).bytes);
  }

  private failQuietly(reason: string): void {
    if (this.stateValue === 'failed') return;
    this.flight.stop();
    this.setState('failed', reason);
  }

  private setState(to: Dtls13State, why: string): void {
    const from = this.stateValue;
    if (from === to) return;
    this.stateValue = to;
    if (to === 'failed' || to === 'closed') this.reason = why;
    this.note(dtlsNote('dtls.state', `DTLS ${this.config.role}: ${from} → ${to} (${why})`, { from, to, role: this.config.role, reason: why }));
  }

  private transmit(bytes: Uint8Array, to = this.remoteAddr): void {
    if (!to) return;
    this.out.push({ type: 'transmit', from: this.local, to, bytes });
  }

  private over(): boolean {
    return this.stateValue === 'failed' || this.stateValue === 'closed';
  }

  describe(): string {
    return `DTLS 1.3 ${this.config.role} ${formatTransportAddress(this.local)} → ${this.remoteAddr ? formatTransportAddress(this.remoteAddr) : '?'}: ${this.stateValue}`;
  }
}
