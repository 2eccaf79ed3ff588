import { bytesEqual, toHex } from '../core/encoding.ts';
import type { Problem } from '../wire/field.ts';
import type { DissectedRecord } from '../wire/dtls/datagram.ts';
import type { DtlsRecord } from '../wire/dtls/record.ts';
import { handshakeLabel, type DtlsRole } from '../wire/dtls/describe.ts';
import { findExtension } from '../wire/handshake/extensions.ts';
import { HandshakeReassembler, type FragmentInput } from '../wire/dtls/fragment.ts';
import { decodeHandshakeBody, decodeHandshakeFragments } from '../wire/dtls/handshake.ts';
import type { HelloVerifyRequest } from '../wire/dtls/hello-verify.ts';
import { decodeTlsHandshakeBody, isHelloRetryRequest, type TlsHandshakeBody } from '../wire/tls/handshake.ts';
import { Dtls13State, type Dtls13Host, type DtlsDecryption, type DtlsProgress, type Opened } from './dtls13-state.ts';
import { decodeAlert, describeAlert } from '../wire/handshake/alert.ts';
import { ContentType, HandshakeType, Version, cipherSuiteName } from '../wire/handshake/names.ts';
import { unprotectRecord, type RecordKey } from '../crypto/aead.ts';
import { DTLS_SRTP_LABEL, exportKeyingMaterial, handshakeHash, keyExpansion, verifyData } from '../crypto/prf.ts';
import { SrtpContext } from '../srtp/context.ts';
import { splitKeyingMaterial, type MasterKey } from '../crypto/srtp-kdf.ts';
import { srtpProfile, type SrtpProfile } from '../wire/srtp/profiles.ts';
import { decodeRtp } from '../wire/rtp/rtp.ts';
import { decodeRtcp, describe as describeRtcp } from '../wire/rtcp/rtcp.ts';
import type { KeyStore } from './key-store.ts';
import { dtlsContentDissector } from './table.ts';
import type { Layer } from './types.ts';
import { describeRtp } from './protocols/rtp.ts';

/** What observing a DTLS datagram or unprotecting SRTP gives back: the layer (maybe enriched), extra layers, notes. */
export interface FlowOutput {
  readonly layer: Layer;
  readonly extra: readonly Layer[];
  readonly notes: readonly string[];
}

/** AES-128-GCM suites, the ones `keyExpansion` and `unprotectRecord` serve (RFC 5288, RFC 5289). */
const AES_128_GCM_SUITES = new Set([0xc02b, 0xc02f, 0x009c, 0x009e]);

export type { DtlsDecryption, DtlsProgress } from './dtls13-state.ts';

/** A handshake body as DTLS carries it: the TLS forms (1.2 and 1.3), or DTLS 1.2's HelloVerifyRequest. */
type DtlsBody = TlsHandshakeBody | HelloVerifyRequest;

/** A body a decoder already read from a whole-message fragment, and whether with the TLS 1.3 forms. */
interface KnownBody {
  readonly body: DtlsBody | undefined;
  readonly tls13: boolean;
}

interface Keys {
  readonly master: Uint8Array;
  readonly client: RecordKey;
  readonly server: RecordKey;
}

/** The DTLS-SRTP master keys and salts of an association (RFC 5764 §4.2), derived once. */
export interface SrtpKeys {
  readonly profile: SrtpProfile;
  readonly client: MasterKey;
  readonly server: MasterKey;
}

/**
 * SRTP/SRTCP contexts (each per SSRC inside) made from an association's keys. They are kept per 5-tuple, not per
 * association: a relay shows one packet on two 5-tuples at one vantage point, and one shared replay list would
 * refuse the second copy (RFC 3711 §3.3.2).
 */
export interface SrtpContexts {
  readonly keys: SrtpKeys;
  readonly client: SrtpContext;
  readonly server: SrtpContext;
}

/** Who keeps SRTP contexts: a 5-tuple's flow state (see SrtpContexts). */
export interface SrtpHolder {
  srtp?: SrtpContexts;
}

/**
 * The DTLS association on one 5-tuple as seen from the wire: who is client and server, the hellos' randoms, the
 * negotiated suite and SRTP profile, the handshake transcript (RFC 6347 §4.2.6, without the first ClientHello and
 * the HelloVerifyRequest), and, with a key log, record keys, Finished verification and the DTLS-SRTP keys. DTLS 1.3's
 * transcript, keys and records are kept by its own state (dtls13-state.ts).
 */
export class DtlsFlow implements Dtls13Host {
  client: string | undefined;
  server: string | undefined;
  clientRandom: Uint8Array | undefined;
  serverRandom: Uint8Array | undefined;
  cipherSuite: number | undefined;
  srtpProfileId: number | undefined;
  offeredProfiles: readonly number[] = [];
  offersSrtp = false;
  version: 'DTLS 1.2' | 'DTLS 1.3' | undefined;
  progress: DtlsProgress = 'hello';
  /** Handshake message labels in the order they completed, with the sender's role. */
  readonly messages: { role: DtlsRole | undefined; type: string; packet: number | undefined }[] = [];
  /** Finished results: true verified, false mismatch. */
  readonly finished: { role: DtlsRole; ok: boolean }[] = [];
  decryption: DtlsDecryption = 'none';
  /** The end-entity certificate (DER) each side sent in its Certificate message (RFC 5246 §7.4.2), by sender. */
  readonly certificates = new Map<string, Uint8Array>();
  srtpKeysDerived = false;
  private readonly reassemblers = new Map<string, HandshakeReassembler>();
  private transcript: Uint8Array[] = [];
  private readonly v13 = new Dtls13State(this);
  private keys: Keys | undefined;
  /** Whether the packet being dissected records field spans (set by the flow table per packet). */
  spans = true;
  private srtp: SrtpKeys | undefined;
  /** The last ClientHello's message (header and body): RFC 6347 §4.2.6, the ServerHello answers it. */
  private hello: Uint8Array | undefined;
  /** SRTP contexts for callers that keep none of their own. */
  private readonly own: SrtpHolder = {};

  constructor(readonly keyStore: KeyStore) {}

  roleOf(endpoint: string): DtlsRole | undefined {
    if (endpoint === this.client) return 'client';
    if (endpoint === this.server) return 'server';
    return undefined;
  }

  /** The SRTP profile the handshake chose, or a best guess (first offered) when DTLS 1.3 hid it. */
  negotiatedProfile(): SrtpProfile | undefined {
    const id = this.srtpProfileId ?? (this.version === 'DTLS 1.3' ? this.offeredProfiles[0] : undefined);
    return id === undefined ? undefined : srtpProfile(id);
  }

  observe(src: string, dst: string, records: readonly DissectedRecord[], layer: Layer, packet: number | undefined): FlowOutput {
    const notes: string[] = [];
    const extra: Layer[] = [];
    const problems: Problem[] = [];
    const decrypted: string[] = [];
    let hidden13 = 0;
    for (const d of records) {
      const c = d.content;
      if (c.kind === 'handshake') {
        for (const m of c.messages) this.push(src, dst, m.fragment, packet, notes, { body: m.body, tls13: false });
      } else if (c.kind === 'alert') {
        this.progress = c.alert.description === 0 ? 'closed' : 'alert';
      } else if (c.kind === 'encrypted' && d.record.kind === 'dtls12') {
        const out = this.decrypt(src, dst, d.record, packet, notes);
        if (out.layer) extra.push(out.layer, ...(out.more ?? []));
        if (out.label) decrypted.push(out.label);
        if (out.problem) problems.push(out.problem);
      } else if (c.kind === 'encrypted' && d.record.kind === 'dtls13-ciphertext') {
        const out = this.v13.open(src, dst, d.record, packet, notes);
        if (out.layer) extra.push(out.layer, ...(out.more ?? []));
        if (out.label) decrypted.push(out.label);
        if (out.problem) problems.push(out.problem);
        if (!out.layer && !out.problem) hidden13++;
      }
    }
    // RFC 9147: without the traffic secrets a DTLS 1.3 record shows only its header; say why it stays closed
    const closed = hidden13
      ? ` [${this.decryption === 'wrong-key' ? 'wrong key' : this.keyStore.size > 0 && this.clientRandom ? 'no key log line for this connection' : 'no key log'}]`
      : problems.length && !decrypted.length && this.decryption === 'wrong-key'
        ? ' [wrong key]'
        : '';
    if (!extra.length && !problems.length && !closed) return { layer, extra, notes };
    const summary = `${layer.summary}${decrypted.length ? ` [decrypted: ${decrypted.join(', ')}]` : ''}${closed}`;
    return { layer: { ...layer, summary, problems: [...layer.problems, ...problems] }, extra, notes };
  }

  private reassembler(src: string): HandshakeReassembler {
    let r = this.reassemblers.get(src);
    if (!r) {
      r = new HandshakeReassembler({ ordered: false });
      this.reassemblers.set(src, r);
    }
    return r;
  }

  /**
   * `known`: the body a decoder already read from this fragment when it was a whole message (then the reassembler
   * hands back exactly these bytes), so it is not read a second time.
   */
  private push(src: string, dst: string, f: FragmentInput, packet: number | undefined, notes: string[], known?: KnownBody): void {
    const r = this.reassembler(src).push(f);
    for (const m of r.messages) this.handle(src, dst, m.msgType, m.body, m.bytes, packet, notes, m.messageSeq === f.messageSeq ? known : undefined);
  }

  /** A fragment of a decrypted DTLS 1.3 record, its body read in the TLS 1.3 forms when whole. */
  pushFragment(src: string, dst: string, f: FragmentInput, packet: number | undefined, notes: string[], body: TlsHandshakeBody | undefined): void {
    this.push(src, dst, f, packet, notes, { body, tls13: true });
  }

  private handle(src: string, dst: string, msgType: number, body: Uint8Array, bytes: Uint8Array, packet: number | undefined, notes: string[], known?: KnownBody): void {
    const b = this.body(msgType, body, known);
    if (b.type === 'client_hello') {
      if (this.clientRandom && !bytesEqual(this.clientRandom, b.random) && b.cookie.length === 0) this.reset();
      this.client = src;
      this.server = dst;
      this.clientRandom = b.random;
      this.hello = bytes;
      const srtp = findExtension(b.extensions, 'use_srtp');
      if (srtp) {
        this.offersSrtp = true;
        this.offeredProfiles = srtp.body.profiles;
      }
      this.progress = b.cookie.length > 0 ? 'key-exchange' : 'hello';
    } else if (b.type === 'certificate') {
      const own = b.certificates[0];
      if (own) this.certificates.set(src, own);
    } else if (b.type === 'hello_verify_request') {
      // RFC 6347 §4.2.1: the first ClientHello and the HelloVerifyRequest are left out of the handshake hash.
      this.transcript = [];
      this.v13.reset(false);
      this.progress = 'cookie';
      this.note(src, 'HelloVerifyRequest', packet);
      return;
    } else if (b.type === 'server_hello' && isHelloRetryRequest(b) && findExtension(b.extensions, 'supported_versions')?.body.selected === Version.DTLS1_3) {
      this.v13.retry(b.cipherSuite, msgType, body);
      this.progress = 'cookie';
      return this.note(src, 'HelloRetryRequest', packet);
    } else if (b.type === 'server_hello') {
      this.client ??= dst;
      this.server ??= src;
      this.serverRandom = b.random;
      this.cipherSuite = b.cipherSuite;
      const srtp = findExtension(b.extensions, 'use_srtp');
      if (srtp) this.srtpProfileId = srtp.body.profiles[0];
      const sv = findExtension(b.extensions, 'supported_versions');
      this.version = sv?.body.selected === Version.DTLS1_3 ? 'DTLS 1.3' : 'DTLS 1.2';
      this.progress = 'key-exchange';
      if (this.version === 'DTLS 1.3') this.v13.start(b.cipherSuite, notes);
      // RFC 6347 §4.2.6: the hash starts at the ClientHello this answers (a second HelloVerifyRequest, whose
      // message_seq repeats the first's, may have cleared it after that ClientHello's one delivery)
      else if (this.hello) this.transcript = [this.hello];
    } else if (b.type === 'encrypted_extensions') {
      // RFC 9147 §5.3 / RFC 5764 §4.1.1: in DTLS 1.3 the server's use_srtp answer is encrypted
      const srtp = findExtension(b.extensions, 'use_srtp');
      if (srtp) this.srtpProfileId = srtp.body.profiles[0];
    }
    this.transcript.push(bytes);
    this.v13.add(msgType, body);
    this.note(src, handshakeLabel(msgType), packet);
  }

  /**
   * The message body as the TLS codec reads it, or the known one when that read gives the same value: the same
   * TLS 1.3 setting, or, without TLS 1.3 forms, any body but encrypted_extensions and key_update (RFC 8446 §4.3.1,
   * §4.6.3), which the TLS codec reads and the DTLS 1.2 codec (the wire decoder's) leaves unknown.
   */
  private body(msgType: number, body: Uint8Array, known: KnownBody | undefined): DtlsBody {
    const tls13 = this.version === 'DTLS 1.3';
    if (known?.body && known.tls13 === tls13 && (tls13 || (msgType !== HandshakeType.encrypted_extensions && msgType !== HandshakeType.key_update))) return known.body;
    // the HelloVerifyRequest is DTLS 1.2's own (RFC 6347 §4.2.1; DTLS 1.3 has none): the DTLS codec reads it
    if (msgType === HandshakeType.hello_verify_request && !tls13) return decodeHandshakeBody(msgType, body, 0, 'dtls', this.spans).value;
    return decodeTlsHandshakeBody(msgType, body, 0, { variant: 'dtls', tls13, spans: this.spans }).value;
  }

  private note(src: string, type: string, packet: number | undefined): void {
    this.messages.push({ role: this.roleOf(src), type, packet });
  }

  private reset(): void {
    this.transcript = [];
    this.v13.reset(true);
    this.reassemblers.clear();
    this.keys = undefined;
    this.srtp = undefined;
    this.hello = undefined;
    this.serverRandom = undefined;
    this.srtpProfileId = undefined;
    this.cipherSuite = undefined;
    this.finished.length = 0;
    this.srtpKeysDerived = false;
    this.decryption = 'none';
  }

  /** Record keys from the key log, once both randoms and the suite are known (RFC 5246 §6.3). */
  private recordKeys(notes: string[]): Keys | undefined {
    if (this.keys) return this.keys;
    if (!this.clientRandom || !this.serverRandom || this.cipherSuite === undefined || this.version === 'DTLS 1.3') return undefined;
    const master = this.keyStore.masterSecret(this.clientRandom);
    if (!master) {
      if (this.decryption === 'none' && this.keyStore.size > 0) notes.push(`no key log line for client random ${toHex(this.clientRandom).slice(0, 16)}…`);
      this.decryption = 'no-key';
      return undefined;
    }
    if (!AES_128_GCM_SUITES.has(this.cipherSuite)) {
      if (this.decryption !== 'unsupported') notes.push(`cipher suite ${cipherSuiteName(this.cipherSuite)} is not one this dissector decrypts (AES-128-GCM only)`);
      this.decryption = 'unsupported';
      return undefined;
    }
    const kb = keyExpansion(master, this.clientRandom, this.serverRandom);
    this.keys = { master, client: { key: kb.clientWriteKey, fixedIv: kb.clientWriteIv }, server: { key: kb.serverWriteKey, fixedIv: kb.serverWriteIv } };
    return this.keys;
  }

  /**
   * Which side's record key opens this DTLS 1.2 record (its authentication tag checks), once the keys are known;
   * nothing is changed either way: a record another association sealed only fails the tag.
   */
  /** Whether `opener` can try records: the DTLS 1.2 record keys are known. */
  get tries(): boolean {
    return this.keys !== undefined;
  }

  opener(rec: DtlsRecord): DtlsRole | undefined {
    const keys = this.keys;
    if (!keys || !rec.encrypted) return undefined;
    if (unprotectRecord(keys.client, rec, rec.fragment).ok) return 'client';
    if (unprotectRecord(keys.server, rec, rec.fragment).ok) return 'server';
    return undefined;
  }

  private decrypt(
    src: string,
    dst: string,
    rec: DtlsRecord,
    packet: number | undefined,
    notes: string[],
  ): Opened {
    const keys = this.recordKeys(notes);
    const role = this.roleOf(src);
    if (!keys || !role) return {};
    const span = { offset: rec.offset, length: 13 + rec.fragment.length };
    const res = unprotectRecord(role === 'client' ? keys.client : keys.server, rec, rec.fragment);
    if (!res.ok) {
      if (this.decryption !== 'wrong-key') notes.push('the key log has this connection\'s client random but its master secret does not open the records: wrong key');
      this.decryption = 'wrong-key';
      return { problem: { ...span, message: `cannot decrypt with the key log's master secret (${res.error}): wrong key for this connection` } };
    }
    if (this.decryption !== 'ok') this.decryption = 'ok';
    const pt = res.plaintext;
    const base = { ...span, plaintext: pt };
    if (rec.contentType === ContentType.handshake) {
      const h = decodeHandshakeFragments(pt, 0, this.spans);
      const labels: string[] = [];
      const problems: Problem[] = [...h.problems];
      for (const { fragment, body } of h.value) {
        if (fragment.msgType === HandshakeType.finished && this.finished.some((f) => f.role === role)) {
          labels.push('Finished (retransmitted)');
          continue;
        }
        if (fragment.msgType === HandshakeType.finished && fragment.fragmentLength === fragment.length) {
          const expected = verifyData(keys.master, role, handshakeHash(this.transcript));
          const ok = bytesEqual(expected, fragment.fragment);
          this.finished.push({ role, ok });
          labels.push(ok ? 'Finished, verify_data verified' : 'Finished, verify_data MISMATCH');
          if (!ok) problems.push({ offset: fragment.offset, length: 12 + fragment.length, message: `${role} Finished verify_data ${toHex(fragment.fragment)} ≠ expected ${toHex(expected)} (RFC 5246 §7.4.9)` });
          else if (role === 'server' || this.finished.some((f) => f.role === 'server' && f.ok)) this.progress = 'established';
          else this.progress = 'finished';
        } else labels.push(handshakeLabel(fragment.msgType));
        this.push(src, dst, fragment, packet, notes, { body, tls13: false });
      }
      const label = labels.join(', ');
      return { label, layer: { ...base, protocol: 'DTLS', summary: `decrypted ${label}`, fields: h.fields, problems, value: { decrypted: 'handshake', messages: h.value } } };
    }
    if (rec.contentType === ContentType.alert) {
      const a = decodeAlert(pt, 0, this.spans);
      this.progress = a.value.description === 0 ? 'closed' : 'alert';
      const label = `Alert (${describeAlert(a.value)})`;
      return { label, layer: { ...base, protocol: 'DTLS', summary: `decrypted ${label}`, fields: a.fields, problems: a.problems, value: { decrypted: 'alert', alert: a.value } } };
    }
    const carried = this.content(pt, span, role, packet);
    if (carried) return carried;
    const label = `${pt.length} bytes of application data`;
    return { label, layer: { ...base, protocol: 'DATA', summary: `decrypted ${label} (SCTP, for a data channel)`, fields: [{ name: 'application data', offset: 0, length: pt.length }], problems: [], value: pt } };
  }

  /** Application data handed to the `dtls.content` table (SCTP, RFC 8261): the first layer stands for the record. */
  content(pt: Uint8Array, span: { offset: number; length: number }, sender: DtlsRole, packet: number | undefined): { label: string; layer: Layer; more: readonly Layer[] } | undefined {
    const r = dtlsContentDissector('application-data')?.({ plaintext: pt, span, session: this, sender, spans: this.spans, packet });
    return r?.layers[0] ? { label: r.label, layer: r.layers[0], more: r.layers.slice(1) } : undefined;
  }

  /** RFC 5705 exporter output for DTLS-SRTP (RFC 5764 §4.2), when the key log and handshake allow it. */
  srtpKeyingMaterial(): Uint8Array | undefined {
    if (this.version === 'DTLS 1.3') return this.v13.srtpKeyingMaterial();
    const keys = this.keys ?? this.recordKeys([]);
    const profile = this.srtpProfileId === undefined ? undefined : srtpProfile(this.srtpProfileId);
    if (!keys || !profile || !this.clientRandom || !this.serverRandom) return undefined;
    return exportKeyingMaterial(keys.master, DTLS_SRTP_LABEL, this.clientRandom, this.serverRandom, 2 * (profile.keyLength + profile.saltLength));
  }

  /** RFC 5764 §4.2: the DTLS-SRTP keys from the exporter, once the handshake's master secret is known. */
  private srtpKeys(notes: string[]): SrtpKeys | undefined {
    if (this.srtp) return this.srtp;
    if (!this.keys) this.recordKeys(notes);
    const material = this.srtpKeyingMaterial();
    const profile = this.version === 'DTLS 1.3' ? this.negotiatedProfile() : this.srtpProfileId === undefined ? undefined : srtpProfile(this.srtpProfileId);
    if (!material || !profile) return undefined;
    this.srtp = { profile, ...splitKeyingMaterial(profile, material) };
    this.srtpKeysDerived = true;
    notes.push(`SRTP keys derived through the exporter ("${DTLS_SRTP_LABEL}", ${profile.name}, RFC 5764 §4.2)`);
    return this.srtp;
  }

  /**
   * Opens an SRTP or SRTCP packet (`bytes` is the protected packet) sent by `src` (in `role`, when known otherwise),
   * with the contexts `holder` keeps (made from this association's keys the first time).
   */
  unprotect(src: string, layer: Layer, bytes: Uint8Array, role = this.roleOf(src), holder: SrtpHolder = this.own): FlowOutput | undefined {
    const notes: string[] = [];
    const keys = this.srtpKeys(notes);
    if (!keys || !role) return notes.length ? { layer, extra: [], notes } : undefined;
    let ctxs = holder.srtp;
    if (ctxs?.keys !== keys) {
      // a dissector sees each packet once and may see both copies of a retransmission: a large replay window
      const opts = { replayWindow: 1024 };
      ctxs = holder.srtp = { keys, client: SrtpContext.fromMasterKey(keys.profile, keys.client, opts), server: SrtpContext.fromMasterKey(keys.profile, keys.server, opts) };
    }
    const ctx = role === 'client' ? ctxs.client : ctxs.server;
    const span = { offset: layer.offset, length: layer.length };
    if (layer.protocol === 'SRTP') {
      const r = ctx.unprotectRtp(bytes);
      if (!r.ok) return failure(layer, r.reason, r.message, notes);
      const d = decodeRtp(r.bytes, { spans: this.spans }, 0);
      const inner: Layer = { ...span, protocol: 'RTP', summary: `RTP ${describeRtp(d.value)}, ${d.value.payload.length} bytes of payload`, fields: d.fields, problems: d.problems, value: d.value, plaintext: r.bytes };
      return { layer: { ...layer, summary: `${layer.summary.replace(', payload encrypted', '')}, decrypted and authenticated (ROC ${r.roc ?? 0})` }, extra: [inner], notes };
    }
    const r = ctx.unprotectRtcp(bytes);
    if (!r.ok) return failure(layer, r.reason, r.message, notes);
    const d = decodeRtcp(r.bytes, 0, this.spans);
    const text = d.value.map((p) => describeRtcp(p)).join('; ');
    const inner: Layer = { ...span, protocol: 'RTCP', summary: `RTCP ${text}`, fields: d.fields, problems: d.problems, value: d.value, plaintext: r.bytes };
    return { layer: { ...layer, summary: `${layer.summary}, decrypted: ${text}` }, extra: [inner], notes };
  }
}

function failure(layer: Layer, reason: string, message: string, notes: string[]): FlowOutput {
  if (reason === 'replay' || reason === 'too-old') {
    // a capture on several interfaces shows the same packet twice: a fact to note, not a malformed packet
    return { layer: { ...layer, summary: `${layer.summary} (${reason}: ${message})` }, extra: [], notes: [...notes, message] };
  }
  const text = reason === 'auth-failed' ? `${message}: wrong key` : message;
  return { layer: { ...layer, problems: [...layer.problems, { offset: layer.offset, length: layer.length, message: text }] }, extra: [], notes };
}
