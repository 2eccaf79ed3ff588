import { bytesEqual, toHex } from '../core/encoding.ts';
import { ecdheSharedSecret, generateEcdheKeyPair, type EcdheGroupCode } from '../crypto/ecdhe.ts';
import { serverKeyExchangeSignedData } from '../crypto/ecdsa.ts';
import { extendedMasterSecret, handshakeHash, keyExpansion, masterSecret, verifyData } from '../crypto/prf.ts';
import { findExtension } from '../wire/handshake/extensions.ts';
import type { ClientHello, ServerHello } from '../wire/handshake/hello.ts';
import { CipherSuite, EcCurveType, Version, cipherSuiteName, namedGroupName } from '../wire/handshake/names.ts';
import type { TlsHandshakeMessage } from '../wire/tls/handshake.ts';
import { encodeTlsMessage } from '../wire/tls/encode13.ts';
import { TLS12_SUITE } from './config.ts';
import type { Handshake, HandshakeHost } from './handshake-host.ts';
import { tlsNote } from './notes.ts';
import { describeScheme, readServerCertificate, verifyPeerSignature, type PeerKey } from './peer-certificate.ts';

type State = 'wait-sh' | 'wait-cert' | 'wait-ske' | 'wait-shd' | 'wait-ccs' | 'wait-finished' | 'done';

/**
 * The TLS 1.2 client handshake (RFC 5246 §7.3) for TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (RFC 5289, RFC 8422),
 * with the extended master secret (RFC 7627) when the server agrees. No resumption, no renegotiation.
 */
export class Client12 implements Handshake {
  readonly tls13 = false;
  private state: State = 'wait-sh';
  private readonly messages: Uint8Array[] = [];
  private serverRandom!: Uint8Array;
  private serverKey: PeerKey | undefined;
  private suite: number = TLS12_SUITE;
  private peerChain: readonly Uint8Array[] = [];
  private group = 0;
  private serverPublic!: Uint8Array;
  private ems = false;
  private alpn: string | null = null;
  private master!: Uint8Array;
  private certificateRequested = false;

  constructor(
    private readonly host: HandshakeHost,
    private readonly hello: { readonly hello: ClientHello; readonly bytes: Uint8Array; readonly random: Uint8Array },
  ) {
    this.messages.push(hello.bytes);
  }

  handle(m: TlsHandshakeMessage): void {
    const b = m.body;
    const host = this.host;
    switch (this.state) {
      case 'wait-sh':
        if (b.type !== 'server_hello') return this.unexpected(m, 'ServerHello');
        return this.serverHello(m, b);
      case 'wait-cert':
        if (b.type !== 'certificate') return this.unexpected(m, 'Certificate');
        this.serverKey = readServerCertificate(host, b.certificates);
        if (!this.serverKey) return;
        // RFC 8422 §5.3 / RFC 5246 §7.4.2: the certificate's key must be of the suite's kind
        if ((this.suite === TLS12_SUITE) !== (this.serverKey.kind === 'ecdsa-p256')) return host.fail('unsupported_certificate', `a ${this.serverKey.kind === 'rsa' ? 'RSA' : 'ECDSA'} certificate for ${cipherSuiteName(this.suite)} (RFC 8422 §5.3)`);
        this.peerChain = b.certificates;
        this.messages.push(m.bytes);
        this.state = 'wait-ske';
        return;
      case 'wait-ske':
        if (b.type !== 'server_key_exchange') return this.unexpected(m, 'ServerKeyExchange');
        if (b.curveType !== EcCurveType.named_curve || !host.config.groups.includes(b.namedGroup)) return host.fail('illegal_parameter', `the ServerKeyExchange group ${namedGroupName(b.namedGroup)} was not offered (RFC 8422 §5.4)`);
        const signed = serverKeyExchangeSignedData(this.hello.random, this.serverRandom, b);
        const verdict = this.serverKey ? verifyPeerSignature(this.serverKey, b.signatureScheme, signed, b.signature, false) : 'bad';
        if (verdict === 'scheme') return host.fail('illegal_parameter', `the ServerKeyExchange uses ${describeScheme(b.signatureScheme)}, which was not offered for this key (RFC 5246 §7.4.1.4.1)`);
        if (verdict === 'bad') return host.fail('decrypt_error', 'the ServerKeyExchange signature does not verify with the certificate key (RFC 8422 §5.4)');
        this.group = b.namedGroup;
        this.serverPublic = b.publicKey;
        this.messages.push(m.bytes);
        this.state = 'wait-shd';
        return;
      case 'wait-shd':
        if (b.type === 'certificate_request' && !this.certificateRequested) {
          this.certificateRequested = true;
          this.messages.push(m.bytes);
          return;
        }
        if (b.type !== 'server_hello_done') return this.unexpected(m, 'ServerHelloDone');
        this.messages.push(m.bytes);
        return this.clientFlight();
      case 'wait-finished': {
        if (b.type !== 'finished') return this.unexpected(m, 'Finished');
        const expected = verifyData(this.master, 'server', handshakeHash(this.messages));
        if (!bytesEqual(expected, b.verifyData)) return host.fail('decrypt_error', `the server Finished verify_data ${toHex(b.verifyData)} is wrong (RFC 5246 §7.4.9)`);
        this.state = 'done';
        host.established({
          version: Version.TLS1_2,
          cipherSuite: this.suite,
          alpn: this.alpn,
          sni: host.config.serverName ?? null,
          clientRandom: this.hello.random,
          masterSecret: this.master,
          peerCertificates: this.peerChain,
        });
        return;
      }
      default:
        return this.unexpected(m, this.state === 'wait-ccs' ? 'ChangeCipherSpec' : 'nothing');
    }
  }

  changeCipherSpec(): void {
    if (this.state !== 'wait-ccs') return this.host.fail('unexpected_message', `ChangeCipherSpec in state ${this.state} (RFC 5246 §7.1)`);
    const k = keyExpansion(this.master, this.hello.random, this.serverRandom);
    this.host.setRead({ kind: 'tls12', key: { key: k.serverWriteKey, fixedIv: k.serverWriteIv } });
    this.state = 'wait-finished';
  }

  private unexpected(m: TlsHandshakeMessage, expected: string): void {
    this.host.fail('unexpected_message', `${m.body.type} while waiting for ${expected} (RFC 5246 §7.3)`);
  }

  private serverHello(m: TlsHandshakeMessage, sh: ServerHello): void {
    const host = this.host;
    if (sh.cipherSuite !== TLS12_SUITE && sh.cipherSuite !== CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) return host.fail('illegal_parameter', `the server chose ${cipherSuiteName(sh.cipherSuite)}, which was not offered`);
    this.suite = sh.cipherSuite;
    if (sh.compressionMethod !== 0) return host.fail('illegal_parameter', `compression method ${sh.compressionMethod} was not offered`);
    const alpn = findExtension(sh.extensions, 'application_layer_protocol_negotiation')?.body.protocols;
    if (alpn) {
      const p = alpn[0];
      if (alpn.length !== 1 || p === undefined || !host.config.alpn.includes(p)) return host.fail('illegal_parameter', `the server selected ALPN ${alpn.join(',')}, which was not offered (RFC 7301 §3.2)`);
      this.alpn = p;
    }
    this.ems = findExtension(sh.extensions, 'extended_master_secret') !== undefined;
    this.serverRandom = sh.random;
    this.messages.push(m.bytes);
    host.note(
      tlsNote('tls.negotiated', `TLS 1.2, ${cipherSuiteName(this.suite)}${this.ems ? ', extended master secret' : ''}${this.alpn ? `, ALPN ${this.alpn}` : ''}`, {
        role: 'client',
        version: 'TLS 1.2',
        cipherSuite: cipherSuiteName(this.suite),
        group: '(in ServerKeyExchange)',
        sni: host.config.serverName ?? null,
        alpn: this.alpn,
        extendedMasterSecret: this.ems,
      }),
    );
    this.state = 'wait-cert';
  }

  private clientFlight(): void {
    const host = this.host;
    const kp = generateEcdheKeyPair(this.group as EcdheGroupCode, host.rng);
    const shared = ecdheSharedSecret(this.group, kp.privateKey, this.serverPublic);
    if (!shared.ok) return host.fail('illegal_parameter', `the ServerKeyExchange point: ${shared.error}`);
    const send = (bytes: Uint8Array): void => {
      this.messages.push(bytes);
      host.sendHandshake(bytes);
    };
    // RFC 5246 §7.4.6: no client certificate, so an empty list
    if (this.certificateRequested) send(encodeTlsMessage({ type: 'certificate', certificates: [] }, false));
    send(encodeTlsMessage({ type: 'client_key_exchange', publicKey: kp.publicKey }, false));
    this.master = this.ems ? extendedMasterSecret(shared.preMasterSecret, handshakeHash(this.messages)) : masterSecret(shared.preMasterSecret, this.hello.random, this.serverRandom);
    host.keyLog('CLIENT_RANDOM', this.hello.random, this.master);
    const k = keyExpansion(this.master, this.hello.random, this.serverRandom);
    host.sendChangeCipherSpec();
    host.setWrite({ kind: 'tls12', key: { key: k.clientWriteKey, fixedIv: k.clientWriteIv } });
    send(encodeTlsMessage({ type: 'finished', verifyData: verifyData(this.master, 'client', handshakeHash(this.messages)) }, false));
    this.state = 'wait-ccs';
  }
}
