import { bytesEqual, toHex } from '../core/encoding.ts';
import type { Problem } from '../wire/field.ts';
import type { Dtls13CiphertextRecord } from '../wire/dtls/record.ts';
import { handshakeLabel, type DtlsRole } from '../wire/dtls/describe.ts';
import type { FragmentInput } from '../wire/dtls/fragment.ts';
import type { TlsHandshakeBody } from '../wire/tls/handshake.ts';
import { exportKeyingMaterial13, finishedVerifyData, messageHash, tls13Suite, transcriptHash } from '../crypto/tls13-schedule.ts';
import { decodeAlert, describeAlert } from '../wire/handshake/alert.ts';
import { ContentType, HandshakeType, cipherSuiteName } from '../wire/handshake/names.ts';
import { DTLS_SRTP_LABEL } from '../crypto/prf.ts';
import type { SrtpProfile } from '../wire/srtp/profiles.ts';
import { Dtls13Keys, decodeAck, decodeHandshakeFragments13, tlsStyleMessage } from './dtls13-flow.ts';
import type { KeyStore } from './key-store.ts';
import type { Layer } from './types.ts';

/** Progress of the handshake as seen on the wire, for the summary and the inferred notes. */
export type DtlsProgress = 'hello' | 'cookie' | 'key-exchange' | 'finished' | 'established' | 'closed' | 'alert';

/** Whether the key log opened the flow's records. */
export type DtlsDecryption = 'none' | 'no-key' | 'unsupported' | 'ok' | 'wrong-key';

/** What opening a protected record gives back: a layer (and the ones it carries), its label, or a problem. */
export interface Opened {
  layer?: Layer;
  more?: readonly Layer[];
  label?: string;
  problem?: Problem;
}

/** What the DTLS 1.3 state reads and updates of the flow it belongs to (dtls-flow.ts), and the flow's own steps. */
export interface Dtls13Host {
  readonly keyStore: KeyStore;
  readonly spans: boolean;
  readonly clientRandom: Uint8Array | undefined;
  readonly cipherSuite: number | undefined;
  decryption: DtlsDecryption;
  progress: DtlsProgress;
  readonly finished: { role: DtlsRole; ok: boolean }[];
  roleOf(endpoint: string): DtlsRole | undefined;
  negotiatedProfile(): SrtpProfile | undefined;
  /** Hands a decrypted handshake fragment to the flow's reassembly (the flow's `handle` then sees the message). */
  pushFragment(src: string, dst: string, f: FragmentInput, packet: number | undefined, notes: string[], body: TlsHandshakeBody | undefined): void;
  /** Application data read by the `dtls.content` table, if it knows it. */
  content(pt: Uint8Array, span: { offset: number; length: number }, sender: DtlsRole, packet: number | undefined): { label: string; layer: Layer; more: readonly Layer[] } | undefined;
}

/**
 * One flow's DTLS 1.3 state: the transcript with TLS-style message headers (RFC 9147 §5.2), the record keys from the
 * key log's traffic secrets, the records they open (handshake, ACK, alert, application data) with the Finished
 * checks, and the DTLS-SRTP exporter (RFC 8446 §7.5 with the "dtls13" labels of RFC 9147 §5.9).
 */
export class Dtls13State {
  /** The DTLS 1.3 transcript: the flow's handshake messages with TLS-style 4-byte headers (RFC 9147 §5.2). */
  private transcript: Uint8Array[] = [];
  private keys: Dtls13Keys | undefined;

  constructor(private readonly flow: Dtls13Host) {}

  /** Forgets the transcript and the keys (a new ClientHello, or the first one's HelloVerifyRequest). */
  reset(keys: boolean): void {
    this.transcript = [];
    if (keys) this.keys = undefined;
  }

  /** A handshake message joins the transcript. */
  add(msgType: number, body: Uint8Array): void {
    this.transcript.push(tlsStyleMessage(msgType, body));
  }

  /** RFC 8446 §4.4.1: after a HelloRetryRequest the first ClientHello is hashed into message_hash. */
  retry(suiteId: number, msgType: number, body: Uint8Array): void {
    const suite = tls13Suite(suiteId);
    this.transcript = [...(suite && this.transcript[0] ? [messageHash(suite, this.transcript[0])] : []), tlsStyleMessage(msgType, body)];
  }

  /** DTLS 1.3 keys from the key log's traffic secrets, once the ServerHello named the suite. */
  start(suiteId: number, notes: string[]): void {
    const f = this.flow;
    const suite = tls13Suite(suiteId);
    if (!f.clientRandom) return;
    if (!suite) {
      f.decryption = 'unsupported';
      notes.push(`DTLS 1.3 with ${cipherSuiteName(suiteId)}: not a suite this dissector decrypts`);
      return;
    }
    const k = new Dtls13Keys(f.keyStore, suite, f.clientRandom);
    if (!k.available) {
      f.decryption = 'no-key';
      notes.push(f.keyStore.size > 0 ? `DTLS 1.3: no key log line for client random ${toHex(f.clientRandom).slice(0, 16)}…; the rest of the handshake stays encrypted` : 'DTLS 1.3: the rest of the handshake is encrypted (no key log)');
      return;
    }
    this.keys = k;
  }

  /** Opens a DTLS 1.3 record (RFC 9147 §4) and reads its content like a DTLS 1.2 one. */
  open(src: string, dst: string, rec: Dtls13CiphertextRecord, packet: number | undefined, notes: string[]): Opened {
    const f = this.flow;
    const role = f.roleOf(src);
    const k = this.keys;
    if (!k || !role || f.decryption === 'wrong-key') return {};
    const header = 1 + rec.connectionId.length + rec.sequenceNumberLength + (rec.lengthPresent ? 2 : 0);
    const span = { offset: rec.offset, length: header + rec.encryptedRecord.length };
    const r = k.open(role, rec);
    if (!r.ok) {
      if (r.noKey) return {};
      const wrong = r.error.startsWith('bad_record_mac');
      if (wrong) {
        notes.push('the key log has this connection\'s client random but its secrets do not open the records: wrong key');
        f.decryption = 'wrong-key';
      }
      return { problem: { ...span, message: wrong ? `cannot decrypt with the key log's secrets (${r.error}): wrong key for this connection` : r.error } };
    }
    f.decryption = 'ok';
    const base = { ...span, plaintext: r.content };
    const where = `epoch ${r.epoch} seq ${r.seq}`;
    if (r.contentType === ContentType.handshake) {
      const h = decodeHandshakeFragments13(r.content, f.spans);
      const labels: string[] = [];
      const problems: Problem[] = [...h.problems];
      for (const { fragment, body } of h.value) {
        const whole = fragment.fragmentOffset === 0 && fragment.fragment.length === fragment.length;
        if (fragment.msgType === HandshakeType.finished && whole && !f.finished.some((x) => x.role === role)) {
          const secret = k.handshakeSecret(role);
          const expected = secret && finishedVerifyData(k.suite, secret, transcriptHash(k.suite, this.transcript), 'dtls13');
          const ok = !!expected && bytesEqual(expected, fragment.fragment);
          f.finished.push({ role, ok });
          labels.push(ok ? 'Finished, verify_data verified' : 'Finished, verify_data MISMATCH');
          if (!ok) problems.push({ offset: fragment.offset, length: 12 + fragment.length, message: `${role} Finished verify_data ${toHex(fragment.fragment)} ≠ expected ${expected ? toHex(expected) : '(no secret)'} (RFC 8446 §4.4.4)` });
          else f.progress = role === 'client' ? 'established' : 'finished';
        } else labels.push(handshakeLabel(fragment.msgType));
        f.pushFragment(src, dst, fragment, packet, notes, body);
      }
      const label = labels.join(', ');
      return { label, layer: { ...base, protocol: 'DTLS', summary: `decrypted ${label} (${where})`, fields: h.fields, problems, value: { decrypted: 'handshake', messages: h.value } } };
    }
    if (r.contentType === ContentType.ack) {
      const a = decodeAck(r.content, f.spans);
      const label = `ACK (${a.value.map((n) => `epoch ${n.epoch} seq ${n.seq}`).join(', ')})`;
      return { label, layer: { ...base, protocol: 'DTLS', summary: `decrypted ${label} (${where})`, fields: a.fields, problems: a.problems, value: { decrypted: 'ack', ack: a.value.map((n) => ({ epoch: Number(n.epoch), seq: Number(n.seq) })) } } };
    }
    if (r.contentType === ContentType.alert) {
      const a = decodeAlert(r.content, 0, f.spans);
      f.progress = a.value.description === 0 ? 'closed' : 'alert';
      const label = `Alert (${describeAlert(a.value)})`;
      return { label, layer: { ...base, protocol: 'DTLS', summary: `decrypted ${label} (${where})`, fields: a.fields, problems: a.problems, value: { decrypted: 'alert', alert: a.value } } };
    }
    const carried = f.content(r.content, span, role, packet);
    if (carried) return { ...carried, label: `${carried.label} (${where})` };
    const label = `${r.content.length} bytes of application data`;
    return { label, layer: { ...base, protocol: 'DATA', summary: `decrypted ${label} (${where}; SCTP, for a data channel)`, fields: [{ name: 'application data', offset: 0, length: r.content.length }], problems: [], value: r.content } };
  }

  /** RFC 8446 §7.5 from EXPORTER_SECRET, with the "dtls13" labels of RFC 9147 §5.9: the DTLS-SRTP keying material. */
  srtpKeyingMaterial(): Uint8Array | undefined {
    const f = this.flow;
    const secret = f.clientRandom && f.keyStore.secret('EXPORTER_SECRET', f.clientRandom);
    const profile = f.negotiatedProfile();
    const suite = this.keys?.suite ?? tls13Suite(f.cipherSuite ?? 0);
    if (!secret || !profile || !suite) return undefined;
    return exportKeyingMaterial13(suite, secret, DTLS_SRTP_LABEL, 2 * (profile.keyLength + profile.saltLength), new Uint8Array(0), 'dtls13');
  }
}
