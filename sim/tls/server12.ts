import { bytesEqual, toHex } from '../core/encoding.ts';
import { ecdheSharedSecret, generateEcdheKeyPair, type EcdheGroupCode } from '../crypto/ecdhe.ts';
import { signServerKeyExchange } from '../crypto/ecdsa.ts';
import { extendedMasterSecret, handshakeHash, keyExpansion, masterSecret, verifyData } from '../crypto/prf.ts';
import {
  alpnExtension,
  ecPointFormatsExtension,
  extendedMasterSecretExtension,
  findExtension,
  rawExtension,
  renegotiationInfoExtension,
  type Extension,
} from '../wire/handshake/extensions.ts';
import type { ClientHello } from '../wire/handshake/hello.ts';
import { CipherSuite, ExtensionType, SignatureScheme, Version, cipherSuiteName, namedGroupName } from '../wire/handshake/names.ts';
import type { TlsHandshakeMessage } from '../wire/tls/handshake.ts';
import { encodeTlsMessage } from '../wire/tls/encode13.ts';
import { TLS12_SUITE } from './config.ts';
import type { Handshake, HandshakeHost } from './handshake-host.ts';
import { tlsNote } from './notes.ts';

type State = 'wait-ch' | 'wait-cke' | 'wait-ccs' | 'wait-finished' | 'done';

/** RFC 8446 §4.1.3: a TLS 1.3-capable server negotiating TLS 1.2 ends its random with "DOWNGRD" 01. */
const DOWNGRADE_TLS12 = new Uint8Array([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]);

/**
 * The TLS 1.2 server handshake (RFC 5246 §7.3) for TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (RFC 5289, RFC 8422),
 * with the extended master secret (RFC 7627) when the client offers it. No resumption, no renegotiation.
 */
export class Server12 implements Handshake {
  readonly tls13 = false;
  private state: State = 'wait-ch';
  private readonly messages: Uint8Array[] = [];
  private clientRandom!: Uint8Array;
  private serverRandom!: Uint8Array;
  private group = 0;
  private ecdhePrivate!: Uint8Array;
  private ems = false;
  private alpn: string | null = null;
  private sni: string | null = null;
  private master!: Uint8Array;

  constructor(private readonly host: HandshakeHost) {}

  handle(m: TlsHandshakeMessage): void {
    const b = m.body;
    const host = this.host;
    switch (this.state) {
      case 'wait-ch':
        if (b.type !== 'client_hello') return this.unexpected(m, 'ClientHello');
        return this.clientHello(m, b);
      case 'wait-cke': {
        if (b.type !== 'client_key_exchange') return this.unexpected(m, 'ClientKeyExchange');
        const shared = ecdheSharedSecret(this.group, this.ecdhePrivate, b.publicKey);
        if (!shared.ok) return host.fail('illegal_parameter', `the ClientKeyExchange point: ${shared.error}`);
        this.messages.push(m.bytes);
        this.master = this.ems ? extendedMasterSecret(shared.preMasterSecret, handshakeHash(this.messages)) : masterSecret(shared.preMasterSecret, this.clientRandom, this.serverRandom);
        host.keyLog('CLIENT_RANDOM', this.clientRandom, this.master);
        this.state = 'wait-ccs';
        return;
      }
      case 'wait-finished': {
        if (b.type !== 'finished') return this.unexpected(m, 'Finished');
        const expected = verifyData(this.master, 'client', handshakeHash(this.messages));
        if (!bytesEqual(expected, b.verifyData)) return host.fail('decrypt_error', `the client Finished verify_data ${toHex(b.verifyData)} is wrong (RFC 5246 §7.4.9)`);
        this.messages.push(m.bytes);
        const k = keyExpansion(this.master, this.clientRandom, this.serverRandom);
        host.sendChangeCipherSpec();
        host.setWrite({ kind: 'tls12', key: { key: k.serverWriteKey, fixedIv: k.serverWriteIv } });
        host.sendHandshake(encodeTlsMessage({ type: 'finished', verifyData: verifyData(this.master, 'server', handshakeHash(this.messages)) }, false));
        this.state = 'done';
        host.established({ version: Version.TLS1_2, cipherSuite: TLS12_SUITE, alpn: this.alpn, sni: this.sni, clientRandom: this.clientRandom, masterSecret: this.master, peerCertificates: [] });
        return;
      }
      default:
        return this.unexpected(m, this.state === 'wait-ccs' ? 'ChangeCipherSpec' : 'nothing');
    }
  }

  changeCipherSpec(): void {
    if (this.state !== 'wait-ccs') return this.host.fail('unexpected_message', `ChangeCipherSpec in state ${this.state} (RFC 5246 §7.1)`);
    const k = keyExpansion(this.master, this.clientRandom, this.serverRandom);
    this.host.setRead({ kind: 'tls12', key: { key: k.clientWriteKey, fixedIv: k.clientWriteIv } });
    this.state = 'wait-finished';
  }

  private unexpected(m: TlsHandshakeMessage, expected: string): void {
    this.host.fail('unexpected_message', `${m.body.type} while waiting for ${expected} (RFC 5246 §7.3)`);
  }

  private clientHello(m: TlsHandshakeMessage, ch: ClientHello): void {
    const host = this.host;
    const c = host.config;
    const identity = c.identity;
    if (!identity) return host.fail('internal_error', 'the server has no certificate');
    if (!ch.cipherSuites.includes(TLS12_SUITE)) return host.fail('handshake_failure', `the client does not offer ${cipherSuiteName(TLS12_SUITE)}, the only TLS 1.2 suite here`);
    if (!ch.compressionMethods.includes(0)) return host.fail('illegal_parameter', 'the client does not offer the null compression method (RFC 5246 §7.4.1.2)');
    // RFC 8422 §4: without supported_groups any curve will do; take the first of ours
    const groups = findExtension(ch.extensions, 'supported_groups')?.body.groups;
    const group = c.groups.find((g) => !groups || groups.includes(g));
    if (group === undefined) return host.fail('handshake_failure', `no elliptic curve in common: the client supports ${(groups ?? []).map(namedGroupName).join(', ')}`);
    const formats = findExtension(ch.extensions, 'ec_point_formats')?.body.formats;
    if (formats && !formats.includes(0)) return host.fail('illegal_parameter', 'the client does not accept uncompressed points (RFC 8422 §5.1.2)');
    const sigs = findExtension(ch.extensions, 'signature_algorithms')?.body.schemes;
    if (sigs && !sigs.includes(SignatureScheme.ecdsa_secp256r1_sha256)) return host.fail('handshake_failure', 'the client does not accept ecdsa_secp256r1_sha256 signatures');
    const offeredAlpn = findExtension(ch.extensions, 'application_layer_protocol_negotiation')?.body.protocols ?? [];
    if (offeredAlpn.length && c.alpn.length) {
      this.alpn = c.alpn.find((p) => offeredAlpn.includes(p)) ?? null;
      if (this.alpn === null) return host.fail('no_application_protocol', `no ALPN protocol in common: the client offers ${offeredAlpn.join(',')} (RFC 7301 §3.2)`);
    }
    this.sni = findExtension(ch.extensions, 'server_name')?.body.hostNames[0] ?? null;
    this.ems = findExtension(ch.extensions, 'extended_master_secret') !== undefined;
    const secureRenegotiation = findExtension(ch.extensions, 'renegotiation_info') !== undefined || ch.cipherSuites.includes(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    this.clientRandom = ch.random;
    this.serverRandom = host.rng.bytes(32);
    if (c.versions.includes(Version.TLS1_3)) this.serverRandom.set(DOWNGRADE_TLS12, 24);
    this.group = group;
    this.messages.push(m.bytes);
    const ext: Extension[] = [];
    if (secureRenegotiation) ext.push(renegotiationInfoExtension());
    if (this.sni !== null) ext.push(rawExtension(ExtensionType.server_name, new Uint8Array(0), 'server_hello'));
    if (this.ems) ext.push(extendedMasterSecretExtension());
    if (formats) ext.push(ecPointFormatsExtension([0]));
    if (this.alpn !== null) ext.push(alpnExtension([this.alpn], 'server_hello'));
    const send = (bytes: Uint8Array): void => {
      this.messages.push(bytes);
      host.sendHandshake(bytes);
    };
    send(encodeTlsMessage({ type: 'server_hello', serverVersion: Version.TLS1_2, random: this.serverRandom, sessionId: new Uint8Array(0), cipherSuite: TLS12_SUITE, compressionMethod: 0, extensions: ext }, false));
    host.note(
      tlsNote('tls.negotiated', `TLS 1.2, ${cipherSuiteName(TLS12_SUITE)}, ${namedGroupName(group)}${this.ems ? ', extended master secret' : ''}${this.alpn ? `, ALPN ${this.alpn}` : ''}`, {
        role: 'server',
        version: 'TLS 1.2',
        cipherSuite: cipherSuiteName(TLS12_SUITE),
        group: namedGroupName(group),
        sni: this.sni,
        alpn: this.alpn,
        extendedMasterSecret: this.ems,
      }),
    );
    send(encodeTlsMessage({ type: 'certificate', certificates: identity.chain }, false));
    const kp = generateEcdheKeyPair(group as EcdheGroupCode, host.rng);
    this.ecdhePrivate = kp.privateKey;
    send(encodeTlsMessage(signServerKeyExchange(identity.keyPair.privateKey, this.clientRandom, this.serverRandom, group, kp.publicKey), false));
    send(encodeTlsMessage({ type: 'server_hello_done' }, false));
    this.state = 'wait-cke';
  }
}
