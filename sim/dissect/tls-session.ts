import { bytesEqual, toHex } from '../core/encoding.ts';
import type { Field, Problem } from '../wire/field.ts';
import { shiftFields, shiftProblems } from '../wire/field.ts';
import { decodeAlert, describeAlert, type Alert } from '../wire/handshake/alert.ts';
import { findExtension } from '../wire/handshake/extensions.ts';
import { handshakeLabel } from '../wire/dtls/describe.ts';
import { ContentType, ExtensionType, HandshakeType, Version, cipherSuiteName, contentTypeName } from '../wire/handshake/names.ts';
import { TlsHandshakeBuffer, decodeTlsHandshakes, isHelloRetryRequest } from '../wire/tls/handshake.ts';
import { TLS_RECORD_HEADER_SIZE, decodeTlsRecord, type TlsRecord } from '../wire/tls/record.ts';
import { exportKeyingMaterial, handshakeHash, verifyData } from '../crypto/prf.ts';
import { exportKeyingMaterial13, finishedVerifyData, messageHash, tls13Suite, transcriptHash, type Tls13Suite } from '../crypto/tls13-schedule.ts';
import type { KeyStore } from './key-store.ts';
import type { Delivery } from './tcp-reassembly.ts';
import { TLS12_AES_128_GCM_SUITES, cipher13, ciphers12, keyUpdate, openTlsRecord, shortRandom, type Cipher, type Role } from './tls-keys.ts';
import { describeTlsHandshake } from './tls-describe.ts';
import type { Layer, PayloadContext } from './types.ts';

/** The payload context of decrypted application bytes read without field spans. */
const NO_SPANS: PayloadContext = { spans: false };

/**
 * TLS over TCP as the dissector sees it (RFC 8446, RFC 5246): records read one at a time from a direction's
 * reassembled stream; handshake messages joined across records; with a key log, the protected records opened
 * (TLS 1.3 traffic secrets or the TLS 1.2 master secret), Finished verified against the transcript, and the
 * decrypted application bytes handed to an inner application parser (HTTP, WebSocket, STUN …).
 */

/** The value of a 'TLS' layer: one record, on the wire or decrypted (then `plaintext` is set on the layer). */
export interface TlsRecordInfo {
  readonly contentType: number;
  readonly version: number;
  readonly length: number;
  readonly encrypted: boolean;
  /** Handshake message types in the record, in order (plaintext or decrypted). */
  readonly handshakeTypes?: readonly number[];
  readonly alert?: Alert;
  /** For a decrypted TLS 1.3 record: the real content type from the inner plaintext (RFC 8446 §5.2). */
  readonly innerContentType?: number;
  /** On a wire record: the connection's state (version, suite, Finished results, exporter), for analyzers. */
  readonly session?: TlsSession;
}

/** What an inner application parser must offer (TcpApplication does). */
export interface InnerApplication {
  feed(src: string, deliveries: readonly Delivery[], segment: { offset: number; length: number }, ended: boolean, ctx?: PayloadContext): { layers: Layer[]; problems: Problem[] };
}

export interface Placement {
  readonly span: { offset: number; length: number };
  /** Offset of the record's first byte in the packet, or 0 when `bytes` holds it (the record spans segments). */
  readonly base: number;
  readonly bytes?: Uint8Array;
}

export type TlsStep = { readonly need: number } | { readonly consumed: number; readonly layers: Layer[]; readonly invalid?: boolean };

/** How one record reads in a packet's summary: clear text, or protected (and what decryption found). */
type Part = { readonly text: string } | { readonly what: string; readonly decrypted?: string; readonly why?: string };

interface Direction {
  readonly handshake: TlsHandshakeBuffer;
  /** TLS 1.2: a ChangeCipherSpec was sent, so what follows is protected (RFC 5246 §7.1). */
  ccs: boolean;
  cipher?: Cipher;
  /** The next cipher, taken after the current record (RFC 8446 §5.1: handshake messages never span a key change). */
  next?: Cipher | 'key-update';
  streamOffset: number;
}

export class TlsSession {
  client: string | undefined;
  clientRandom: Uint8Array | undefined;
  serverRandom: Uint8Array | undefined;
  cipherSuite: number | undefined;
  version: 'TLS 1.2' | 'TLS 1.3' | undefined;
  serverName: string | undefined;
  /** The end-entity certificate (DER) each side sent in the clear (TLS 1.2 Certificate, RFC 5246 §7.4.2), by sender. */
  readonly certificates = new Map<string, Uint8Array>();
  /** The ClientHello offered 0-RTT (RFC 8446 §4.2.10). */
  earlyData = false;
  decryption: 'none' | 'no-key' | 'unsupported' | 'ok' | 'wrong-key' = 'none';
  readonly finished: { role: Role; ok: boolean }[] = [];
  private readonly directions = new Map<string, Direction>();
  private transcript: Uint8Array[] = [];
  private clientHello1: Uint8Array | undefined;
  private suite13: Tls13Suite | undefined;
  private master: Uint8Array | undefined;
  private inner: InnerApplication | undefined;
  /** Whether the packet being dissected records field spans (set by the stream's application per packet). */
  spans = true;
  private notes: string[] = [];
  private part: Part = { text: '' };
  /** The records of the packet being read so far (consecutive in the same packet), for its summary. */
  private chain: { src: string; end: number; parts: Part[] } | undefined;

  constructor(
    private readonly keys: KeyStore | undefined,
    private readonly innerFactory: () => InnerApplication,
  ) {}

  private direction(src: string): Direction {
    let d = this.directions.get(src);
    if (!d) {
      d = { handshake: new TlsHandshakeBuffer(), ccs: false, streamOffset: 0 };
      this.directions.set(src, d);
    }
    return d;
  }

  private role(src: string): Role | undefined {
    return this.client === undefined ? undefined : src === this.client ? 'client' : 'server';
  }

  /** Reads the record at the start of `buf` (a direction's unparsed stream); `place` positions it in the packet. */
  step(src: string, buf: Uint8Array, place: (length: number) => Placement): TlsStep {
    const d = decodeTlsRecord(buf, 0, this.spans);
    if (d.status === 'incomplete') return { need: d.need };
    if (d.status === 'invalid') {
      const p = place(buf.length);
      const layer: Layer = { protocol: 'TLS', ...p.span, summary: 'not a TLS record: the rest of this direction is shown as data', fields: [], problems: shiftProblems(d.problems, p.base), ...(p.bytes ? { bytes: p.bytes, bytesFrom: 'reassembled' as const } : {}) };
      return { consumed: buf.length, layers: [layer], invalid: true };
    }
    const p = place(d.length);
    this.notes = [];
    const layers = this.record(src, d.value, buf.subarray(0, TLS_RECORD_HEADER_SIZE), p);
    const wire = layers[0]!;
    // records that follow one another inside one packet are summed up together, as tshark's Info column does
    const prev = this.chain;
    const chain = !p.bytes && prev && prev.src === src && prev.end === p.span.offset ? prev : { src, end: 0, parts: [] as Part[] };
    chain.parts.push(this.part);
    chain.end = p.bytes ? -1 : p.span.offset + p.span.length;
    this.chain = chain;
    layers[0] = {
      ...wire,
      summary: this.chainSummary(),
      fields: wire.fields.length ? [...shiftFields(d.fields, p.base), ...wire.fields] : shiftFields(d.fields, p.base),
      problems: [...shiftProblems(d.problems, p.base), ...wire.problems],
      ...(p.bytes ? { bytes: p.bytes, bytesFrom: 'reassembled' as const } : {}),
    };
    return { consumed: d.length, layers };
  }

  private chainSummary(): string {
    const parts = this.chain?.parts ?? [this.part];
    const clear: string[] = [];
    const decrypted: string[] = [];
    const closed: { what: string; why?: string }[] = [];
    for (const x of parts) {
      if ('text' in x) clear.push(x.text);
      else if (x.decrypted !== undefined) decrypted.push(x.decrypted);
      else closed.push(x);
    }
    const protectedParts = parts.filter((x): x is Exclude<Part, { text: string }> => !('text' in x));
    const n = protectedParts.length;
    const items = [...clear];
    if (n === 1) items.push(protectedParts[0]!.what);
    else if (n > 1) items.push(`${n} encrypted records`);
    const why = closed[0]?.why;
    const text = `${this.versionText()} ${items.join(', ')}${decrypted.length ? ` [decrypted: ${decrypted.join(', ')}]` : ''}${why ? ` (${why})` : ''}`;
    return this.notes.length ? `${text} [${this.notes.join('; ')}]` : text;
  }

  private versionText(): string {
    return this.version ?? 'TLS';
  }

  private record(src: string, rec: TlsRecord, header: Uint8Array, p: Placement): Layer[] {
    const dir = this.direction(src);
    const info = { contentType: rec.contentType, version: rec.version, length: rec.length };
    const wire = (summary: string, extra: Partial<TlsRecordInfo> = {}, problems: Problem[] = []): Layer => ({
      protocol: 'TLS',
      ...p.span,
      summary,
      fields: [],
      problems,
      value: { ...info, encrypted: false, ...extra, session: this } satisfies TlsRecordInfo,
    });
    const protectedRecord = rec.contentType !== ContentType.change_cipher_spec && (this.version === 'TLS 1.3' ? rec.contentType === ContentType.application_data && this.serverHelloSeen(src) : dir.ccs);
    if (protectedRecord) return this.protectedRecord(src, dir, rec, header, p, wire);
    if (rec.contentType === ContentType.change_cipher_spec) {
      // RFC 8446 §5: in TLS 1.3 a compatibility ChangeCipherSpec changes nothing
      if (this.version !== 'TLS 1.3') dir.ccs = true;
      this.part = { text: 'ChangeCipherSpec' };
      return [wire(`${this.versionText()} ChangeCipherSpec`)];
    }
    if (rec.contentType === ContentType.alert) {
      const a = decodeAlert(rec.fragment, 0, this.spans);
      this.part = { text: `Alert (${describeAlert(a.value)})` };
      return [wire(`${this.versionText()} Alert (${describeAlert(a.value)})`, { alert: a.value }, shiftProblems(a.problems, p.base + TLS_RECORD_HEADER_SIZE))];
    }
    if (rec.contentType === ContentType.handshake) {
      const types = this.handshakeBytes(src, dir, rec.fragment);
      this.advance(dir);
      const labels = types.map((t) => t.label);
      this.part = { text: labels.length ? labels.join(', ') : 'Handshake (part of a message)' };
      const layer = wire(`${this.versionText()} ${labels.length ? labels.join(', ') : 'Handshake (part of a message)'}`, { handshakeTypes: types.map((t) => t.msgType) });
      // the messages' own fields when the record holds whole messages (a message split over records has none here)
      const h = decodeTlsHandshakes(rec.fragment, p.base + TLS_RECORD_HEADER_SIZE, { variant: 'tls', tls13: this.version === 'TLS 1.3', spans: this.spans });
      const whole = !h.problems.some((x) => x.message.includes('runs past'));
      return [whole ? { ...layer, fields: h.fields, problems: h.problems } : layer];
    }
    if (rec.contentType === ContentType.application_data && this.earlyData && this.role(src) === 'client' && !this.serverRandom) {
      // RFC 8446 §4.2.10: 0-RTT data rides after the ClientHello, under keys this dissector does not derive
      this.part = { what: 'early data (0-RTT)', why: 'not decrypted' };
      return [wire(`${this.versionText()} early data (0-RTT), ${rec.length} bytes (not decrypted)`, { encrypted: true })];
    }
    this.part = { text: `${contentTypeName(rec.contentType)} (unprotected)` };
    return [wire(`${this.versionText()} ${contentTypeName(rec.contentType)} (unprotected)`, {}, [{ offset: p.base, length: 1, message: `${contentTypeName(rec.contentType)} record before the connection is protected` }])];
  }

  private serverHelloSeen(src: string): boolean {
    // the server protects what follows its ServerHello; the client what follows its receipt of it
    return this.serverRandom !== undefined && (this.role(src) !== undefined);
  }

  /** Joins handshake bytes of `src` and handles every whole message; returns their labels. */
  private handshakeBytes(src: string, dir: Direction, bytes: Uint8Array): { msgType: number; label: string }[] {
    const out: { msgType: number; label: string }[] = [];
    for (const m of dir.handshake.push(bytes)) out.push(this.handshakeMessage(src, m));
    return out;
  }

  private handshakeMessage(src: string, bytes: Uint8Array): { msgType: number; label: string } {
    const msgType = bytes[0]!;
    const d = decodeTlsHandshakes(bytes, 0, { variant: 'tls', tls13: this.version === 'TLS 1.3', spans: this.spans });
    const body = d.value[0]?.body;
    const label = body ? describeTlsHandshake(body, msgType) : handshakeLabel(msgType);
    if (!body) return { msgType, label };
    if (body.type === 'client_hello') {
      if (this.clientRandom && !bytesEqual(this.clientRandom, body.random) && !this.clientHello1) this.restart();
      this.client = src;
      this.clientRandom = body.random;
      this.serverName = findExtension(body.extensions, 'server_name')?.body.hostNames[0];
      this.earlyData = body.extensions.some((e) => e.type === ExtensionType.early_data);
      if (this.clientHello1 && this.suite13) this.transcript = [messageHash(this.suite13, this.clientHello1), ...this.transcript.slice(1)];
    } else if (body.type === 'certificate' && body.certificates[0]) {
      this.certificates.set(src, body.certificates[0]);
    } else if (body.type === 'server_hello') {
      this.client ??= 'unknown client';
      const sv = findExtension(body.extensions, 'supported_versions');
      this.version = sv?.body.selected === Version.TLS1_3 ? 'TLS 1.3' : 'TLS 1.2';
      this.cipherSuite = body.cipherSuite;
      this.suite13 = this.version === 'TLS 1.3' ? tls13Suite(body.cipherSuite) : undefined;
      if (isHelloRetryRequest(body)) {
        // RFC 8446 §4.4.1: ClientHello1 becomes message_hash in the transcript; the second ClientHello follows
        this.clientHello1 = this.transcript[0];
        this.transcript.push(bytes);
        return { msgType, label };
      }
      this.serverRandom = body.random;
      this.transcript.push(bytes);
      this.startProtection();
      return { msgType, label };
    } else if (body.type === 'finished') {
      return { msgType, label: this.verifyFinished(src, body.verifyData, bytes) };
    } else if (body.type === 'key_update') {
      const dir = this.direction(src);
      if (dir.cipher?.kind === '1.3') dir.next = 'key-update';
      return { msgType, label };
    }
    if (this.finished.length < 2 && body.type !== 'new_session_ticket13' && msgType !== HandshakeType.hello_request) this.transcript.push(bytes);
    return { msgType, label };
  }

  /** Keys for what follows the ServerHello, from the key log (TLS 1.3 handshake secrets, or the TLS 1.2 master). */
  private startProtection(): void {
    const cr = this.clientRandom;
    if (!cr || !this.keys || this.client === undefined) return;
    const server = [...this.directions.keys()].find((k) => k !== this.client);
    if (this.version === 'TLS 1.3') {
      if (!this.suite13) {
        this.decryption = 'unsupported';
        this.notes.push(`cipher suite ${cipherSuiteName(this.cipherSuite ?? 0)} is not one this dissector decrypts`);
        return;
      }
      const c = cipher13(this.keys, this.suite13, cr, 'client', 'handshake', 'tls13 ');
      const s = cipher13(this.keys, this.suite13, cr, 'server', 'handshake', 'tls13 ');
      if (!c || !s) return this.noKey(cr);
      this.direction(this.client).cipher = c;
      // the ServerHello's own record is plaintext: the server's keys apply from its next record
      if (server) this.direction(server).next = s;
      return;
    }
    const master = this.keys.masterSecret(cr);
    if (!master) return this.noKey(cr);
    if (!TLS12_AES_128_GCM_SUITES.has(this.cipherSuite ?? -1) || !this.serverRandom) {
      this.decryption = 'unsupported';
      this.notes.push(`cipher suite ${cipherSuiteName(this.cipherSuite ?? 0)} is not one this dissector decrypts (TLS 1.2: AES-128-GCM only)`);
      return;
    }
    this.master = master;
    const both = ciphers12(master, cr, this.serverRandom);
    this.direction(this.client).cipher = both.client;
    if (server) this.direction(server).cipher = both.server;
  }

  private noKey(cr: Uint8Array): void {
    this.decryption = 'no-key';
    if (this.keys && this.keys.size > 0) this.notes.push(`no key log line for client random ${shortRandom(cr)}`);
  }

  private verifyFinished(src: string, got: Uint8Array, bytes: Uint8Array): string {
    const role = this.role(src) ?? 'server';
    let expected: Uint8Array | undefined;
    if (this.version === 'TLS 1.3' && this.suite13) {
      const c = this.direction(src).cipher;
      if (c?.kind === '1.3' && c.phase === 'handshake') expected = finishedVerifyData(this.suite13, c.secret, transcriptHash(this.suite13, this.transcript), c.prefix);
    } else if (this.master) expected = verifyData(this.master, role, handshakeHash(this.transcript));
    this.transcript.push(bytes);
    if (!expected) return 'Finished';
    const ok = bytesEqual(expected, got);
    this.finished.push({ role, ok });
    if (this.version === 'TLS 1.3' && this.suite13 && this.keys && this.clientRandom) {
      // RFC 8446 §7.1: after its Finished each side moves to its application traffic secret
      const next = cipher13(this.keys, this.suite13, this.clientRandom, role, 'application', 'tls13 ');
      if (next) this.direction(src).next = next;
    }
    if (!ok) this.notes.push(`${role} Finished verify_data ${toHex(got)} ≠ expected ${toHex(expected)} (RFC 8446 §4.4.4)`);
    return ok ? 'Finished, verify_data verified' : 'Finished, verify_data MISMATCH';
  }

  private protectedRecord(src: string, dir: Direction, rec: TlsRecord, header: Uint8Array, p: Placement, wire: (s: string, e?: Partial<TlsRecordInfo>, pr?: Problem[]) => Layer): Layer[] {
    const what = this.version === 'TLS 1.3' ? 'encrypted record' : rec.contentType === ContentType.handshake ? 'Finished (encrypted)' : `${contentTypeName(rec.contentType)} (encrypted)`;
    const c = dir.cipher;
    if (!c || this.decryption === 'wrong-key') {
      const why = this.decryption === 'wrong-key' ? 'wrong key' : this.decryption === 'unsupported' ? 'suite not decrypted' : 'no key log';
      this.part = { what: `${what}, ${rec.fragment.length} bytes`, why };
      const out = [wire(`${this.versionText()} ${what}, ${rec.fragment.length} bytes (${why})`, { encrypted: true })];
      this.advance(dir);
      return out;
    }
    const r = openTlsRecord(c, rec, header, rec.fragment);
    if (!r.ok) {
      this.decryption = 'wrong-key';
      this.notes.push('the key log has this connection\'s client random but its secrets do not open the records: wrong key');
      this.part = { what, why: 'cannot decrypt: wrong key' };
      return [wire(`${this.versionText()} ${what} (cannot decrypt: wrong key)`, { encrypted: true }, [{ offset: p.base, length: TLS_RECORD_HEADER_SIZE + rec.length, message: `cannot decrypt with the key log's secrets (${r.error}): wrong key for this connection` }])];
    }
    if (this.decryption !== 'ok') this.decryption = 'ok';
    const span = { ...p.span };
    const inner: TlsRecordInfo = { contentType: rec.contentType, version: rec.version, length: r.content.length, encrypted: false, innerContentType: r.contentType };
    let label: string;
    let fields: readonly Field[] = [{ name: 'plaintext', offset: 0, length: r.content.length, display: `${r.content.length} bytes` }];
    let problems: readonly Problem[] = [];
    const extra: Layer[] = [];
    let value: TlsRecordInfo = inner;
    if (r.contentType === ContentType.handshake) {
      const d = decodeTlsHandshakes(r.content, 0, { variant: 'tls', tls13: this.version === 'TLS 1.3', spans: this.spans });
      const types = this.handshakeBytes(src, dir, r.content);
      label = types.map((t) => t.label).join(', ') || 'Handshake (part of a message)';
      fields = d.fields;
      problems = d.problems.filter((x) => !x.message.includes('runs past'));
      value = { ...inner, handshakeTypes: types.map((t) => t.msgType) };
    } else if (r.contentType === ContentType.alert) {
      const a = decodeAlert(r.content, 0, this.spans);
      label = `Alert (${describeAlert(a.value)})`;
      fields = a.fields;
      problems = a.problems;
      value = { ...inner, alert: a.value };
    } else if (r.contentType === ContentType.application_data) {
      label = `${r.content.length} bytes of application data`;
      this.inner ??= this.innerFactory();
      const app = this.inner.feed(src, [{ streamOffset: dir.streamOffset, bytes: r.content }], span, false, this.spans ? undefined : NO_SPANS);
      dir.streamOffset += r.content.length;
      // summary and classification copied by name: a layer may compute them lazily (a spread would drop them)
      for (const l of app.layers) extra.push({ ...l, summary: l.summary, ...(l.classification ? { classification: l.classification } : {}), plaintext: l.bytes ?? r.content });
      const top = app.layers.filter((l) => l.protocol !== 'SDP').pop();
      if (top) label = `${top.protocol} ${top.summary}`;
    } else label = contentTypeName(r.contentType);
    this.advance(dir);
    this.part = { what, decrypted: label };
    const decrypted: Layer = { protocol: 'TLS', ...span, summary: `decrypted ${label}`, fields, problems, value, plaintext: r.content };
    return [wire(`${this.versionText()} ${what} [decrypted: ${label}]`, { encrypted: true }), decrypted, ...extra];
  }

  /**
   * The exporter (RFC 8446 §7.5 from the key log's EXPORTER_SECRET; RFC 5705 from the TLS 1.2 master secret), as
   * `SSL_export_keying_material` gives it to the endpoints; undefined without the secret.
   */
  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array | undefined {
    if (!this.clientRandom) return undefined;
    if (this.version === 'TLS 1.3') {
      const secret = this.keys?.secret('EXPORTER_SECRET', this.clientRandom);
      return secret && this.suite13 ? exportKeyingMaterial13(this.suite13, secret, label, length, context) : undefined;
    }
    if (!this.master || !this.serverRandom) return undefined;
    return exportKeyingMaterial(this.master, label, this.clientRandom, this.serverRandom, length, context);
  }

  /** Takes the next keys after a record (a Finished or KeyUpdate was in it). */
  private advance(dir: Direction): void {
    if (!dir.next) return;
    if (dir.next === 'key-update') {
      if (dir.cipher?.kind === '1.3') keyUpdate(dir.cipher);
    } else dir.cipher = dir.next;
    dir.next = undefined;
  }

  private restart(): void {
    this.transcript = [];
    this.directions.clear();
    this.finished.length = 0;
    this.serverRandom = undefined;
    this.version = undefined;
    this.master = undefined;
    this.decryption = 'none';
  }
}
