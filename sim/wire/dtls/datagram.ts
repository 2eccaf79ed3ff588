import type { Decoded, Field, Problem } from '../field.ts';
import { decodeAlert, decodeChangeCipherSpec } from '../handshake/alert.ts';
import type { Alert } from '../handshake/alert.ts';
import { decodeHandshakeFragments } from './handshake.ts';
import type { HandshakeBody, HandshakeFragment } from './handshake.ts';
import { ContentType } from '../handshake/names.ts';
import { RECORD_HEADER_SIZE, decodeRecords } from './record.ts';
import type { AnyDtlsRecord, RecordDecodeOptions } from './record.ts';

/** A whole datagram: every record plus its decoded content where the content is plaintext. */

export type RecordContent =
  | { readonly kind: 'handshake'; readonly messages: readonly { readonly fragment: HandshakeFragment; readonly body?: HandshakeBody }[] }
  | { readonly kind: 'change_cipher_spec' }
  | { readonly kind: 'alert'; readonly alert: Alert }
  | { readonly kind: 'application_data' }
  /** Epoch > 0 (DTLS 1.2) or a unified-header record (DTLS 1.3): opaque without keys. */
  | { readonly kind: 'encrypted'; readonly contentType?: number }
  | { readonly kind: 'unknown' };

export interface DissectedRecord {
  readonly record: AnyDtlsRecord;
  readonly content: RecordContent;
}

export function decodeDatagram(bytes: Uint8Array, options: RecordDecodeOptions = {}): Decoded<DissectedRecord[]> {
  const d = decodeRecords(bytes, options);
  const problems: Problem[] = [...d.problems];
  const out: DissectedRecord[] = [];
  const contentFields = new Map<number, Field[]>();
  for (const record of d.value) {
    if (record.kind === 'dtls13-ciphertext') {
      out.push({ record, content: { kind: 'encrypted' } });
      continue;
    }
    const at = record.offset + RECORD_HEADER_SIZE;
    if (record.encrypted) {
      out.push({ record, content: { kind: 'encrypted', contentType: record.contentType } });
      continue;
    }
    let content: RecordContent;
    let fields: readonly Field[] = [];
    let probs: readonly Problem[] = [];
    switch (record.contentType) {
      case ContentType.handshake: {
        const h = decodeHandshakeFragments(record.fragment, at, options.spans ?? true);
        content = { kind: 'handshake', messages: h.value };
        fields = h.fields;
        probs = h.problems;
        break;
      }
      case ContentType.change_cipher_spec: {
        const c = decodeChangeCipherSpec(record.fragment, at, options.spans ?? true);
        content = { kind: 'change_cipher_spec' };
        fields = c.fields;
        probs = c.problems;
        break;
      }
      case ContentType.alert: {
        const a = decodeAlert(record.fragment, at, options.spans ?? true);
        content = { kind: 'alert', alert: a.value };
        fields = a.fields;
        probs = a.problems;
        break;
      }
      case ContentType.application_data:
        // RFC 6347 §4.1: application data in epoch 0 is not allowed; show it, flag it.
        problems.push({ offset: record.offset, length: 1, message: 'application_data in epoch 0 (unprotected)' });
        content = { kind: 'application_data' };
        break;
      default:
        content = { kind: 'unknown' };
    }
    contentFields.set(record.offset, [...fields]);
    problems.push(...probs);
    out.push({ record, content });
  }
  const fields = d.fields.map((f) => {
    const inner = contentFields.get(f.offset);
    if (!inner || inner.length === 0 || !f.children) return f;
    return { ...f, children: f.children.map((c) => (c.name === 'fragment' ? { ...c, children: inner } : c)) };
  });
  return { value: out, fields, problems };
}
