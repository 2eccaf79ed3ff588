import { findExtension } from '../wire/handshake/extensions.ts';
import { handshakeLabel } from '../wire/dtls/describe.ts';
import { Version, cipherSuiteName, namedGroupName } from '../wire/handshake/names.ts';
import { isHelloRetryRequest, type TlsHandshakeBody } from '../wire/tls/handshake.ts';

/** One handshake message with what a learner looks for first: SNI, ALPN, versions, key shares, the suite. */
export function describeTlsHandshake(body: TlsHandshakeBody, msgType: number): string {
  if (body.type === 'client_hello') {
    const parts: string[] = [];
    const sni = findExtension(body.extensions, 'server_name')?.body.hostNames[0];
    if (sni) parts.push(`SNI ${sni}`);
    const alpn = findExtension(body.extensions, 'application_layer_protocol_negotiation')?.body.protocols;
    if (alpn?.length) parts.push(`ALPN ${alpn.join(',')}`);
    const sv = findExtension(body.extensions, 'supported_versions')?.body.versions;
    if (sv?.includes(Version.TLS1_3)) parts.push('offers TLS 1.3');
    const ks = findExtension(body.extensions, 'key_share')?.body.shares;
    if (ks?.length) parts.push(`key_share ${ks.map((s) => namedGroupName(s.group)).join(', ')}`);
    return parts.length ? `ClientHello (${parts.join(', ')})` : 'ClientHello';
  }
  if (body.type === 'server_hello') {
    if (isHelloRetryRequest(body)) {
      const g = findExtension(body.extensions, 'key_share')?.body.selectedGroup;
      return `HelloRetryRequest${g !== undefined ? ` (retry with ${namedGroupName(g)})` : ''}`;
    }
    const sv = findExtension(body.extensions, 'supported_versions')?.body.selected;
    return `ServerHello (${sv === Version.TLS1_3 ? 'TLS 1.3, ' : ''}${cipherSuiteName(body.cipherSuite)})`;
  }
  if (body.type === 'encrypted_extensions') {
    const alpn = findExtension(body.extensions, 'application_layer_protocol_negotiation')?.body.protocols[0];
    return alpn ? `EncryptedExtensions (ALPN ${alpn})` : 'EncryptedExtensions';
  }
  if (body.type === 'new_session_ticket13') return 'NewSessionTicket';
  return handshakeLabel(msgType);
}
