import { alertDescriptionName, contentTypeName, handshakeTypeName, versionName } from '../../wire/handshake/names.ts';
import { looksLikeTls } from '../../wire/tls/record.ts';
import { defineProtocol, type Json } from '../table.ts';
import type { TlsRecordInfo } from '../tls-session.ts';

declare module '../types.ts' {
  interface LayerValues {
    /** One TLS record, on the wire or decrypted (tls-session.ts). */
    TLS: TlsRecordInfo;
  }
}

/** The `--json` keys of a 'TLS' layer (docs/dissect-json.md): one record, on the wire or decrypted. */
function tlsJson(v: TlsRecordInfo, _l: unknown, base: Json): Json {
  const out: Json = { contentType: contentTypeName(v.contentType), recordVersion: versionName(v.version), recordLength: v.length };
  if (v.encrypted) out.encrypted = true;
  if (v.innerContentType !== undefined) out.innerContentType = contentTypeName(v.innerContentType);
  if (v.handshakeTypes?.length) out.handshakeType = v.handshakeTypes.length === 1 ? handshakeTypeName(v.handshakeTypes[0]!) : v.handshakeTypes.map((t) => handshakeTypeName(t));
  if (v.alert) out.alert = { level: v.alert.level, description: v.alert.description, name: alertDescriptionName(v.alert.description) };
  const s = v.session;
  if (s && v.encrypted) out.decryption = s.decryption;
  return Object.assign(base, out);
}

export const TLS = defineProtocol({
  name: 'TLS',
  description: 'TLS 1.2 (RFC 5246) and 1.3 (RFC 8446) records over TCP (HTTPS, WSS, TURN over TLS); decrypted with a key log',
  viz: { class: 'TCP' },
  json: tlsJson,
  // RFC 8446 §5.1: a record header (content type 20–23, legacy version 3.x) at the start of the stream
  on: [{ table: 'tcp.stream', recogniser: { order: 20, recognise: (b) => (looksLikeTls(b) ? 'tls' : undefined) } }],
});
