import type { JsonValue } from '../core/trace.ts';
import { alertDescriptionName, contentTypeName, handshakeTypeName, versionName } from '../wire/dtls/names.ts';
import type { TlsRecordInfo } from './tls-session.ts';

type Obj = { [key: string]: JsonValue };

/** The `--json` keys of a 'TLS' layer (docs/dissect-json.md): one record, on the wire or decrypted. */
export function tlsJson(v: TlsRecordInfo): Obj {
  const out: Obj = { contentType: contentTypeName(v.contentType), recordVersion: versionName(v.version), recordLength: v.length };
  if (v.encrypted) out.encrypted = true;
  if (v.innerContentType !== undefined) out.innerContentType = contentTypeName(v.innerContentType);
  if (v.handshakeTypes?.length) out.handshakeType = v.handshakeTypes.length === 1 ? handshakeTypeName(v.handshakeTypes[0]!) : v.handshakeTypes.map((t) => handshakeTypeName(t));
  if (v.alert) out.alert = { level: v.alert.level, description: v.alert.description, name: alertDescriptionName(v.alert.description) };
  const s = v.session;
  if (s && v.encrypted) out.decryption = s.decryption;
  return out;
}
