import { concatBytes } from '../core/encoding.ts';
import type { Rng } from '../core/rng.ts';
import { formatKeyLogLine } from '../crypto/keylog.ts';
import { trafficKeys } from '../crypto/tls13-schedule.ts';
import { decodeAlert, encodeAlert } from '../wire/handshake/alert.ts';
import { AlertDescription, AlertLevel, ContentType, Version, alertDescriptionName, cipherSuiteName, type AlertDescriptionName } from '../wire/handshake/names.ts';
import { TlsHandshakeBuffer, decodeTlsHandshakes, type TlsHandshakeMessage } from '../wire/tls/handshake.ts';
import { encodeTlsMessage } from '../wire/tls/encode13.ts';
import { Client13 } from './client13.ts';
import { resolveTlsConfig, type ResolvedTlsConfig, type TlsConfig } from './config.ts';
import type { Established, Handshake, HandshakeHost } from './handshake-host.ts';
import { tlsNote, type TlsNote, type TlsStateName } from './notes.ts';
import { RecordDirection, RecordReader, type Protection } from './record-layer.ts';
import { nextTrafficSecret } from './schedule13.ts';
import { Server13 } from './server13.ts';

/**
 * A sans-IO TLS connection (RFC 8446; RFC 5246 for TLS 1.2): ciphertext in through `receive`, plaintext in through
 * `write`; what it wants done comes out of `poll` — bytes to transmit, plaintext for the application, the open /
 * end / closed events, notes and key log lines. It reads no clock and has no timers: TLS over TCP needs none.
 * Bad input of any kind ends it with the fatal alert RFC 8446 §6.2 names and a `tls.bad-input` note; it never
 * throws out of these calls.
 */

export type TlsOutput =
  | { readonly type: 'transmit'; readonly bytes: Uint8Array }
  | { readonly type: 'open'; readonly established: Established }
  | { readonly type: 'data'; readonly bytes: Uint8Array }
  /** close_notify received: the peer sends no more (RFC 8446 §6.1). */
  | { readonly type: 'end' }
  /** A fatal alert sent or received: nothing more will flow. `error` is the alert's name. */
  | { readonly type: 'closed'; readonly error: string }
  | { readonly type: 'note'; readonly note: TlsNote }
  | { readonly type: 'secret'; readonly text: string };

interface Tls13Traffic {
  readonly suite: NonNullable<Established['tls13']>['suite'];
  sendSecret: Uint8Array;
  receiveSecret: Uint8Array;
  sendGeneration: number;
  receiveGeneration: number;
}

export class TlsConnection implements HandshakeHost {
  readonly config: ResolvedTlsConfig;
  private handshake: Handshake;
  private stateName: TlsStateName = 'new';
  private readonly reader = new RecordReader();
  private readonly readDir = new RecordDirection();
  private readonly writeDir = new RecordDirection();
  private readonly handshakeBuffer = new TlsHandshakeBuffer();
  private readonly out: TlsOutput[] = [];
  private pendingHandshake: Uint8Array[] = [];
  private pendingTransmit: Uint8Array[] = [];
  private pendingRecordVersion = 0x0303;
  private readKeyChanges = 0;
  private keyLabels: string[] = [];
  private queued: Uint8Array[] = [];
  private info: Established | undefined;
  private traffic: Tls13Traffic | undefined;
  private sentCloseNotify = false;
  private receivedCloseNotify = false;
  private ignoredCcs = false;

  constructor(
    readonly role: 'client' | 'server',
    config: TlsConfig,
    readonly rng: Rng,
  ) {
    this.config = resolveTlsConfig(config, role, rng);
    this.handshake = role === 'client' ? new Client13(this) : new Server13(this);
  }

  get state(): TlsStateName {
    return this.stateName;
  }

  /** What the handshake settled on, once open. */
  get negotiated(): Established | undefined {
    return this.info;
  }

  get closeNotifySent(): boolean {
    return this.sentCloseNotify;
  }

  poll(): TlsOutput | undefined {
    return this.out.shift();
  }

  /** Starts the handshake: a client sends its ClientHello; a server waits for one. */
  start(): void {
    if (this.stateName !== 'new') return;
    this.guard(() => {
      this.setState('handshaking', this.role === 'client' ? 'ClientHello sent' : 'waiting for a ClientHello');
      this.handshake.start?.();
    });
  }

  /** Bytes from the transport, in order; any split of records across reads is fine. */
  receive(bytes: Uint8Array): void {
    if (this.stateName === 'new') this.start();
    if (this.done()) return;
    this.guard(() => {
      this.reader.push(bytes);
      while (!this.done()) {
        const r = this.reader.next();
        if (r.status === 'need-more') break;
        if (r.status === 'error') return this.fail(r.alert, r.error);
        this.record(r.record.type, r.record);
      }
    });
  }

  /** Application bytes; queued until the handshake completes, dropped after close_notify or a failure. */
  write(bytes: Uint8Array): void {
    if (this.done() || this.sentCloseNotify || bytes.length === 0) return;
    if (this.stateName !== 'open') {
      this.queued.push(bytes.slice());
      return;
    }
    this.guard(() => this.transmit(this.writeDir.seal(ContentType.application_data, bytes, this.config.maxFragment)));
  }

  /** Sends close_notify (RFC 8446 §6.1): nothing more will be written. Reading continues until the peer's. */
  close(): void {
    if (this.done() || this.sentCloseNotify) return;
    this.guard(() => {
      this.sentCloseNotify = true;
      this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
      if (this.stateName !== 'open') this.setState('closed', 'close_notify sent before the handshake completed');
      else if (this.receivedCloseNotify) this.setState('closed', 'close_notify received and sent');
    });
  }

  /** Gives up at once: a user_canceled alert (RFC 8446 §6.1), then nothing more is read or written. */
  abort(): void {
    if (this.done()) return;
    this.guard(() => {
      this.sendAlert(AlertLevel.warning, AlertDescription.user_canceled);
      this.setState('closed', 'aborted by the application (user_canceled sent)');
    });
  }

  /** RFC 8446 §4.6.3: moves the sending key on, asking the peer to do the same when `requestPeer`. */
  keyUpdate(requestPeer: boolean): boolean {
    if (this.stateName !== 'open' || !this.traffic || this.sentCloseNotify) return false;
    this.guard(() => this.sendKeyUpdate(requestPeer));
    return true;
  }

  // ---- HandshakeHost --------------------------------------------------------------------------------------------

  sendHandshake(message: Uint8Array, recordVersion = 0x0303): void {
    this.pendingHandshake.push(message);
    this.pendingRecordVersion = recordVersion;
  }

  sendChangeCipherSpec(): void {
    this.flushHandshake();
    this.transmit([concatBytes(new Uint8Array([ContentType.change_cipher_spec, 0x03, 0x03, 0x00, 0x01, 0x01]))]);
  }

  setWrite(p: Protection): void {
    this.flushHandshake();
    this.writeDir.set(p);
  }

  setRead(p: Protection): void {
    this.readDir.set(p);
    this.readKeyChanges++;
  }

  keyLog(label: string, clientRandom: Uint8Array, secret: Uint8Array): void {
    this.out.push({ type: 'secret', text: formatKeyLogLine(clientRandom, secret, label) });
    this.keyLabels.push(label);
  }

  note(n: TlsNote): void {
    this.out.push({ type: 'note', note: n });
  }

  fail(alert: AlertDescriptionName, error: string): void {
    if (this.done()) return;
    this.flushHandshake();
    this.note(tlsNote('tls.bad-input', `${error}: sending ${alert}`, { alert, error }));
    this.sendAlert(AlertLevel.fatal, AlertDescription[alert]);
    this.setState('failed', `${alert} sent: ${error}`);
    this.flushTransmit();
    this.out.push({ type: 'closed', error: alert });
  }

  established(e: Established): void {
    this.flushHandshake();
    this.info = e;
    if (e.tls13) {
      const client = this.role === 'client';
      this.traffic = {
        suite: e.tls13.suite,
        sendSecret: client ? e.tls13.clientSecret : e.tls13.serverSecret,
        receiveSecret: client ? e.tls13.serverSecret : e.tls13.clientSecret,
        sendGeneration: 0,
        receiveGeneration: 0,
      };
    }
    this.setState('open', `handshake complete: ${e.version === Version.TLS1_3 ? 'TLS 1.3' : 'TLS 1.2'}, ${cipherSuiteName(e.cipherSuite)}`);
    this.flushTransmit();
    this.out.push({ type: 'open', established: e });
    if (this.role === 'server' && e.tls13) this.sendTickets();
    const queued = this.queued;
    this.queued = [];
    for (const q of queued) this.write(q);
  }

  switchTo(h: Handshake, then?: TlsHandshakeMessage): void {
    this.handshake = h;
    h.start?.();
    if (then) h.handle(then);
  }

  // ---- records ---------------------------------------------------------------------------------------------------

  private record(type: number, raw: { readonly header: Uint8Array; readonly fragment: Uint8Array; readonly type: number; readonly version: number }): void {
    const readKind = this.readDir.kind;
    if (type === ContentType.change_cipher_spec && readKind !== 'tls12') return this.changeCipherSpec(raw.fragment);
    // a peer that fails before it has keys alerts in the clear (e.g. a client rejecting the ServerHello)
    const clearAlert = type === ContentType.alert && readKind === 'tls13' && this.stateName === 'handshaking';
    if (readKind === 'tls13' && type !== ContentType.application_data && !clearAlert) {
      return this.fail('unexpected_message', `a ${type === ContentType.handshake ? 'handshake' : `type ${type}`} record in the clear after encryption began (RFC 8446 §5)`);
    }
    const opened = clearAlert ? ({ ok: true, type, content: raw.fragment } as const) : this.readDir.open(raw);
    if (!opened.ok) return this.fail(opened.alert, opened.error);
    switch (opened.type) {
      case ContentType.handshake:
        return this.handshakeBytes(opened.content);
      case ContentType.alert:
        return this.alert(opened.content);
      case ContentType.application_data:
        if (this.stateName !== 'open') return this.fail('unexpected_message', 'application data before the handshake completed (RFC 8446 §2)');
        if (this.handshakeBuffer.pending > 0) return this.fail('unexpected_message', 'application data inside a fragmented handshake message (RFC 8446 §5.1)');
        if (this.receivedCloseNotify) return this.note(tlsNote('tls.ignored', `${opened.content.length} bytes after close_notify dropped`, { what: 'data after close_notify' }));
        if (opened.content.length > 0) this.out.push({ type: 'data', bytes: opened.content });
        return;
      default:
        return this.fail('unexpected_message', `protected record of content type ${opened.type} (RFC 8446 §5)`);
    }
  }

  private changeCipherSpec(fragment: Uint8Array): void {
    if (fragment.length !== 1 || fragment[0] !== 1) return this.fail('unexpected_message', 'a ChangeCipherSpec record that is not the single byte 0x01 (RFC 8446 §5)');
    if (this.stateName !== 'handshaking') return this.fail('unexpected_message', 'ChangeCipherSpec outside the handshake (RFC 8446 §5)');
    if (this.handshakeBuffer.pending > 0) return this.fail('unexpected_message', 'ChangeCipherSpec inside a fragmented handshake message (RFC 5246 §7.1)');
    // TLS 1.3 (and a client that has not yet read the ServerHello) drops it; TLS 1.2 changes keys
    if (this.handshake instanceof Client13 || this.handshake instanceof Server13) {
      if (!this.ignoredCcs) this.note(tlsNote('tls.ignored', 'ChangeCipherSpec (middlebox compatibility, RFC 8446 Appendix D.4) ignored', { what: 'change_cipher_spec' }));
      this.ignoredCcs = true;
      return;
    }
    this.handshake.changeCipherSpec();
  }

  private handshakeBytes(content: Uint8Array): void {
    // RFC 8446 §5.1: zero-length fragments of handshake type are not allowed
    if (content.length === 0) return this.fail('unexpected_message', 'an empty handshake record (RFC 8446 §5.1)');
    const messages = this.handshakeBuffer.push(content);
    const tooBig = this.handshakeBuffer.problems[0];
    if (tooBig) return this.fail('decode_error', tooBig.message);
    for (let i = 0; i < messages.length; i++) {
      const decoded = decodeTlsHandshakes(messages[i]!, 0, { tls13: this.handshake.tls13, spans: false });
      const m = decoded.value[0];
      const problem = decoded.problems[0];
      if (!m || problem) return this.fail('decode_error', `malformed ${m?.body.type ?? 'handshake message'}: ${problem?.message ?? 'truncated'}`);
      const keysBefore = this.readKeyChanges;
      if (this.stateName === 'open') this.postHandshake(m);
      else this.handshake.handle(m);
      if (this.done()) return;
      this.flushHandshake();
      if (this.readKeyChanges !== keysBefore && (i < messages.length - 1 || this.handshakeBuffer.pending > 0)) {
        return this.fail('unexpected_message', 'handshake data continues in the record after a key change (RFC 8446 §5.1)');
      }
    }
    this.flushKeyNote();
  }

  private alert(content: Uint8Array): void {
    if (content.length !== 2) return this.fail('decode_error', `an alert record of ${content.length} bytes (RFC 8446 §6: 2)`);
    const a = decodeAlert(content, 0, false).value;
    const name = alertDescriptionName(a.description);
    this.note(tlsNote('tls.alert.received', `alert received: ${a.level === AlertLevel.fatal ? 'fatal' : 'warning'} ${name}`, { level: a.level, description: a.description, name }));
    if (a.description === AlertDescription.close_notify) {
      if (this.stateName !== 'open') {
        this.setState('closed', 'close_notify before the handshake completed');
        this.out.push({ type: 'closed', error: 'close_notify' });
        return;
      }
      this.receivedCloseNotify = true;
      this.out.push({ type: 'end' });
      if (this.sentCloseNotify) this.setState('closed', 'close_notify sent and received');
      return;
    }
    // RFC 8446 §6.1: user_canceled is followed by close_notify; RFC 5246 §7.2: warnings may be ignored
    const tls12 = this.info?.version === Version.TLS1_2 || !this.handshake.tls13;
    if (a.description === AlertDescription.user_canceled || (tls12 && a.level === AlertLevel.warning)) return;
    this.setState('failed', `${name} received`);
    this.out.push({ type: 'closed', error: name });
  }

  private postHandshake(m: TlsHandshakeMessage): void {
    const b = m.body;
    if (!this.traffic) {
      // TLS 1.2: no renegotiation (RFC 5746 §4.2); a HelloRequest is declined with a warning
      if (b.type === 'unknown' && m.msgType === 0) return this.sendAlert(AlertLevel.warning, AlertDescription.no_renegotiation);
      return this.fail('unexpected_message', `${b.type} after the TLS 1.2 handshake (no renegotiation)`);
    }
    if (b.type === 'new_session_ticket13' && this.role === 'client') {
      this.note(tlsNote('tls.ticket', `NewSessionTicket received: lifetime ${b.ticketLifetime} s, ${b.ticket.length}-byte ticket (kept, resumption not implemented)`, { role: 'client', lifetime: b.ticketLifetime, bytes: b.ticket.length }));
      return;
    }
    if (b.type === 'key_update') {
      if (b.requestUpdate > 1) return this.fail('illegal_parameter', `KeyUpdate request_update ${b.requestUpdate} (RFC 8446 §4.6.3: 0 or 1)`);
      if (this.handshakeBuffer.pending > 0) return this.fail('unexpected_message', 'KeyUpdate followed by part of a message in the same record (RFC 8446 §5.1)');
      const t = this.traffic;
      t.receiveSecret = nextTrafficSecret(t.suite, t.receiveSecret);
      t.receiveGeneration++;
      this.setRead({ kind: 'tls13', suite: t.suite, keys: trafficKeys(t.suite, t.receiveSecret) });
      this.note(tlsNote('tls.key-update', `KeyUpdate received${b.requestUpdate ? ' (update requested)' : ''}: the peer's traffic secret is now #${t.receiveGeneration}`, { direction: 'received', requested: b.requestUpdate === 1, generation: t.receiveGeneration }));
      // RFC 8446 §4.6.3: answer a request with our own update, unless we have already closed our side
      if (b.requestUpdate === 1 && !this.sentCloseNotify) this.sendKeyUpdate(false);
      return;
    }
    return this.fail('unexpected_message', `${b.type} after the handshake (RFC 8446 §4.6)`);
  }

  private sendKeyUpdate(requestPeer: boolean): void {
    const t = this.traffic;
    if (!t) return;
    this.transmit(this.writeDir.seal(ContentType.handshake, encodeTlsMessage({ type: 'key_update', requestUpdate: requestPeer ? 1 : 0 }, true), this.config.maxFragment));
    t.sendSecret = nextTrafficSecret(t.suite, t.sendSecret);
    t.sendGeneration++;
    this.writeDir.set({ kind: 'tls13', suite: t.suite, keys: trafficKeys(t.suite, t.sendSecret) });
    this.note(tlsNote('tls.key-update', `KeyUpdate sent${requestPeer ? ' (update requested)' : ''}: our traffic secret is now #${t.sendGeneration}`, { direction: 'sent', requested: requestPeer, generation: t.sendGeneration }));
  }

  /** RFC 8446 §4.6.1: tickets the client may keep; this server does not resume, so each is random bytes. */
  private sendTickets(): void {
    for (let i = 0; i < this.config.tickets; i++) {
      const ticket = this.rng.bytes(64);
      const body = { type: 'new_session_ticket13', ticketLifetime: 7200, ticketAgeAdd: this.rng.u32(), ticketNonce: new Uint8Array([i]), ticket } as const;
      this.transmit(this.writeDir.seal(ContentType.handshake, encodeTlsMessage(body, true), this.config.maxFragment));
      this.note(tlsNote('tls.ticket', `NewSessionTicket sent: lifetime 7200 s, ${ticket.length}-byte ticket`, { role: 'server', lifetime: 7200, bytes: ticket.length }));
    }
  }

  // ---- output ----------------------------------------------------------------------------------------------------

  private flushHandshake(): void {
    if (this.pendingHandshake.length === 0) return;
    const bytes = concatBytes(...this.pendingHandshake);
    this.pendingHandshake = [];
    this.transmit(this.writeDir.seal(ContentType.handshake, bytes, this.config.maxFragment, this.pendingRecordVersion));
    this.pendingRecordVersion = 0x0303;
  }

  private flushKeyNote(): void {
    if (this.keyLabels.length === 0) return;
    this.note(tlsNote('tls.keys', `secrets derived: ${this.keyLabels.join(', ')}`, { role: this.role, labels: this.keyLabels }));
    this.keyLabels = [];
  }

  /** Records made during one call leave as one transmit (one write to the transport, as a TLS library does). */
  private transmit(records: Uint8Array[]): void {
    this.pendingTransmit.push(...records);
  }

  private flushTransmit(): void {
    this.flushHandshake();
    if (this.pendingTransmit.length === 0) return;
    this.out.push({ type: 'transmit', bytes: concatBytes(...this.pendingTransmit) });
    this.pendingTransmit = [];
  }

  private sendAlert(level: number, description: number): void {
    this.transmit(this.writeDir.seal(ContentType.alert, encodeAlert({ level, description }), this.config.maxFragment));
    const name = alertDescriptionName(description);
    this.note(tlsNote('tls.alert.sent', `alert sent: ${level === AlertLevel.fatal ? 'fatal' : 'warning'} ${name}`, { level, description, name }));
  }

  private setState(to: TlsStateName, reason: string): void {
    const from = this.stateName;
    if (from === to) return;
    this.stateName = to;
    this.note(tlsNote('tls.state', `TLS ${this.role} ${from} → ${to}: ${reason}`, { from, to, role: this.role, reason }));
  }

  private done(): boolean {
    return this.stateName === 'failed' || this.stateName === 'closed';
  }

  /** Runs `f`; a bug that throws becomes internal_error instead of escaping the endpoint. */
  private guard(f: () => void): void {
    try {
      f();
      this.flushTransmit();
      this.flushKeyNote();
    } catch (e) {
      this.fail('internal_error', `internal error: ${e instanceof Error ? e.message : String(e)}`);
      this.flushTransmit();
    }
  }
}
