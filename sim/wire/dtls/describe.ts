import { describeAlert } from '../handshake/alert.ts';
import type { DissectedRecord } from './datagram.ts';
import { findExtension } from '../handshake/extensions.ts';
import type { HandshakeBody, HandshakeFragment } from './handshake.ts';
import { ContentType, HandshakeType, Version, contentTypeName, namedGroupName, srtpProfileName } from '../handshake/names.ts';

/** Short labels for the visualizer's ladder and packet list. */

const LABELS: Record<number, string> = {
  [HandshakeType.hello_request]: 'HelloRequest',
  [HandshakeType.client_hello]: 'ClientHello',
  [HandshakeType.server_hello]: 'ServerHello',
  [HandshakeType.hello_verify_request]: 'HelloVerifyRequest',
  [HandshakeType.new_session_ticket]: 'NewSessionTicket',
  [HandshakeType.encrypted_extensions]: 'EncryptedExtensions',
  [HandshakeType.certificate]: 'Certificate',
  [HandshakeType.server_key_exchange]: 'ServerKeyExchange',
  [HandshakeType.certificate_request]: 'CertificateRequest',
  [HandshakeType.server_hello_done]: 'ServerHelloDone',
  [HandshakeType.certificate_verify]: 'CertificateVerify',
  [HandshakeType.client_key_exchange]: 'ClientKeyExchange',
  [HandshakeType.finished]: 'Finished',
  [HandshakeType.key_update]: 'KeyUpdate',
};

/** "ClientHello", "ServerKeyExchange"; unknown types as "Handshake(99)". */
export function handshakeLabel(msgType: number): string {
  return LABELS[msgType] ?? `Handshake(${msgType})`;
}

function isDtls13Hello(body: HandshakeBody): boolean {
  if (body.type !== 'client_hello' && body.type !== 'server_hello') return false;
  const sv = findExtension(body.extensions, 'supported_versions');
  return !!sv && (body.type === 'server_hello' ? sv.body.selected === Version.DTLS1_3 : sv.body.versions.includes(Version.DTLS1_3));
}

/** One handshake body with the detail a learner looks for first. */
export function describeHandshakeBody(body: HandshakeBody): string {
  switch (body.type) {
    case 'client_hello': {
      const parts: string[] = [];
      if (isDtls13Hello(body)) {
        parts.push('offers DTLS 1.3');
        const ks = findExtension(body.extensions, 'key_share');
        if (ks) parts.push(`key_share ${ks.body.shares.map((s) => namedGroupName(s.group)).join(', ')}`);
      }
      if (body.cookie.length > 0) parts.push(`cookie ${body.cookie.length} bytes`);
      const srtp = findExtension(body.extensions, 'use_srtp');
      if (srtp && parts.length === 0) parts.push(`use_srtp ${srtp.body.profiles.map(srtpProfileName).join(', ')}`);
      return parts.length ? `ClientHello (${parts.join(', ')})` : 'ClientHello';
    }
    case 'server_hello':
      if (isDtls13Hello(body)) {
        const ks = findExtension(body.extensions, 'key_share');
        return `ServerHello (DTLS 1.3${ks?.body.shares[0] ? `, key_share ${namedGroupName(ks.body.shares[0].group)}` : ''})`;
      }
      return 'ServerHello';
    case 'hello_verify_request':
      return `HelloVerifyRequest (cookie ${body.cookie.length} bytes)`;
    case 'certificate':
      return body.certificates.length === 1 ? 'Certificate' : `Certificate (${body.certificates.length} certificates)`;
    case 'unknown':
      return handshakeLabel(body.msgType);
    default:
      return handshakeLabel(HandshakeType[body.type]);
  }
}

function describeFragment(f: HandshakeFragment, body: HandshakeBody | undefined): string {
  if (body) return describeHandshakeBody(body);
  return `${handshakeLabel(f.msgType)} (fragment ${f.fragmentOffset}..${f.fragmentOffset + f.fragment.length} of ${f.length})`;
}

/** Labels of one record's content: several for a record carrying several handshake messages. */
export function describeRecord(d: DissectedRecord, previous?: DissectedRecord): string[] {
  const { record, content } = d;
  switch (content.kind) {
    case 'handshake':
      return content.messages.map((m) => describeFragment(m.fragment, m.body));
    case 'change_cipher_spec':
      return ['ChangeCipherSpec'];
    case 'alert':
      return [`Alert (${describeAlert(content.alert)})`];
    case 'application_data':
      return ['Application Data'];
    case 'encrypted':
      if (record.kind === 'dtls13-ciphertext') {
        // RFC 9147 §4: only the header is readable; the sequence number bits are themselves encrypted (§4.2.3)
        const seq = `0x${record.sequenceNumberBits.toString(16).padStart(record.sequenceNumberLength * 2, '0')}`;
        return [`encrypted DTLS 1.3 record (epoch bits ${record.epochLowBits}, seq ${seq} (encrypted), ${record.encryptedRecord.length} bytes)`];
      }
      if (content.contentType === ContentType.handshake) {
        // RFC 6347 §4.1: the first epoch-1 handshake message is Finished, right after ChangeCipherSpec.
        const afterCcs = previous?.content.kind === 'change_cipher_spec';
        return [afterCcs || (record.epoch === 1 && record.sequenceNumber === 0) ? 'Finished (encrypted)' : 'encrypted Handshake'];
      }
      if (content.contentType === ContentType.application_data) return ['Application Data'];
      if (content.contentType === ContentType.alert) return ['encrypted Alert'];
      return [`encrypted ${contentTypeName(content.contentType ?? 0)}`];
    case 'unknown':
      return [`unknown record type ${record.kind === 'dtls12' ? record.contentType : ''}`.trim()];
  }
}

export type DtlsRole = 'client' | 'server';

/** The flight number of RFC 6347 §4.2.4 (figure 1), when the datagram's content makes it unambiguous. */
export function flightOf(records: readonly DissectedRecord[], sender?: DtlsRole): number | undefined {
  let flight: number | undefined;
  let sawCcs = false;
  for (const d of records) {
    const c = d.content;
    if (c.kind === 'change_cipher_spec') sawCcs = true;
    if (c.kind !== 'handshake') continue;
    for (const m of c.messages) {
      const t = m.fragment.msgType;
      if (t === HandshakeType.client_hello) {
        if (m.body?.type === 'client_hello' && isDtls13Hello(m.body)) return undefined;
        return m.body?.type === 'client_hello' && m.body.cookie.length > 0 ? 3 : m.body ? 1 : undefined;
      }
      if (t === HandshakeType.hello_verify_request) return 2;
      if (t === HandshakeType.server_hello && m.body && isDtls13Hello(m.body)) return undefined;
      if (t === HandshakeType.server_hello || t === HandshakeType.server_key_exchange || t === HandshakeType.certificate_request || t === HandshakeType.server_hello_done) return 4;
      if (t === HandshakeType.client_key_exchange || t === HandshakeType.certificate_verify) return 5;
      if (t === HandshakeType.new_session_ticket) return 6;
      if (t === HandshakeType.certificate && sender) flight = sender === 'server' ? 4 : 5;
    }
  }
  if (flight === undefined && sawCcs && sender) return sender === 'server' ? 6 : 5;
  return flight;
}

/**
 * "Flight 4: ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone" when the flight is
 * known, else the record labels joined; `sender` resolves flights that look the same from both sides.
 */
export function describeDatagram(records: readonly DissectedRecord[], sender?: DtlsRole): string {
  const labels: string[] = [];
  records.forEach((d, i) => labels.push(...describeRecord(d, records[i - 1])));
  const flight = flightOf(records, sender);
  const text = labels.join(', ');
  return flight === undefined ? text : `Flight ${flight}: ${text}`;
}
