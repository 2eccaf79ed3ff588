import { bytesEqual, toHex } from '../core/encoding.ts';
import { ecdheSharedSecret, type EcdheGroupCode } from '../crypto/ecdhe.ts';
import { finishedVerifyData, tls13Suite, type Tls13Suite } from '../crypto/tls13-schedule.ts';
import { findExtension, type Extension } from '../wire/handshake/extensions.ts';
import type { ServerHello } from '../wire/handshake/hello.ts';
import { ExtensionType, Version, cipherSuiteName, namedGroupName } from '../wire/handshake/names.ts';
import { isHelloRetryRequest, type TlsHandshakeMessage } from '../wire/tls/handshake.ts';
import { encodeTlsMessage } from '../wire/tls/encode13.ts';
import { Client12 } from './client12.ts';
import { buildClientHello, clientHelloNote, offers12, offers13, type ClientOffer } from './client-hello.ts';
import type { Handshake, HandshakeHost } from './handshake-host.ts';
import { tlsNote } from './notes.ts';
import { describeScheme, readServerCertificate, verifyPeerSignature, type PeerKey } from './peer-certificate.ts';
import { KeySchedule13, Transcript, certificateVerifyContent, type HandshakeSecrets } from './schedule13.ts';

/** RFC 8446 §4.1.3: the last 8 bytes of a TLS 1.3 server's random when it negotiates TLS 1.2. */
export const DOWNGRADE_TLS12 = new Uint8Array([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]);

type State = 'start' | 'wait-sh' | 'wait-ee' | 'wait-cert-cr' | 'wait-cert' | 'wait-cv' | 'wait-finished' | 'done';

/**
 * The TLS 1.3 client handshake (RFC 8446 §2, the state machine of Appendix A.1) without PSK or 0-RTT; it sends
 * the first ClientHello, which also offers TLS 1.2 when allowed, and hands over to client12.ts if the server
 * chooses 1.2.
 */
export class Client13 implements Handshake {
  tls13 = false;
  private state: State = 'start';
  private readonly random: Uint8Array;
  private readonly sessionId: Uint8Array;
  private offer!: ClientOffer;
  private firstHello!: Uint8Array;
  private readonly transcript = new Transcript();
  private retried = false;
  private retrySuite: number | undefined;
  private sentCcs = false;
  private suite!: Tls13Suite;
  private schedule!: KeySchedule13;
  private hs!: HandshakeSecrets;
  private serverKey: PeerKey | undefined;
  private peerChain: readonly Uint8Array[] = [];
  private alpn: string | null = null;
  private certificateRequestContext: Uint8Array | undefined;
  private group = 0;

  constructor(private readonly host: HandshakeHost) {
    this.random = host.rng.bytes(32);
    // RFC 8446 Appendix D.4: a non-empty legacy_session_id makes the exchange look like TLS 1.2 resumption
    this.sessionId = offers13(host) && host.config.middleboxCompat ? host.rng.bytes(32) : new Uint8Array(0);
  }

  start(): void {
    this.offer = buildClientHello(this.host, this.random, this.sessionId);
    this.firstHello = encodeTlsMessage(this.offer.hello, false);
    this.transcript.add(this.firstHello);
    const c = this.host.config;
    this.host.note(clientHelloNote('client', this.offer.hello, c.versions, this.offer.keyPairs.map((k) => k.group), c.serverName, c.alpn));
    // RFC 8446 §5.1: the first ClientHello's record may say TLS 1.0 for old middleboxes
    this.host.sendHandshake(this.firstHello, 0x0301);
    this.state = 'wait-sh';
  }

  changeCipherSpec(): void {
    // RFC 8446 §5: a ChangeCipherSpec during the handshake is dropped
  }

  handle(m: TlsHandshakeMessage): void {
    const b = m.body;
    switch (this.state) {
      case 'wait-sh':
        if (b.type !== 'server_hello') return this.unexpected(m, 'ServerHello');
        return this.serverHello(m, b);
      case 'wait-ee':
        if (b.type !== 'encrypted_extensions') return this.unexpected(m, 'EncryptedExtensions');
        return this.encryptedExtensions(m, b.extensions);
      case 'wait-cert-cr':
        if (b.type === 'certificate_request13') {
          this.certificateRequestContext = b.certificateRequestContext;
          this.transcript.add(m.bytes);
          this.state = 'wait-cert';
          return;
        }
        return this.certificate(m);
      case 'wait-cert':
        return this.certificate(m);
      case 'wait-cv': {
        if (b.type !== 'certificate_verify') return this.unexpected(m, 'CertificateVerify');
        const content = certificateVerifyContent('server', this.transcript.hash(this.suite));
        const verdict = this.serverKey ? verifyPeerSignature(this.serverKey, b.signatureScheme, content, b.signature, true) : 'bad';
        if (verdict === 'scheme') return this.host.fail('illegal_parameter', `CertificateVerify uses ${describeScheme(b.signatureScheme)}, which was not offered for this key in TLS 1.3 (RFC 8446 §4.4.3)`);
        if (verdict === 'bad') return this.host.fail('decrypt_error', 'the server CertificateVerify signature does not verify with its certificate key (RFC 8446 §4.4.3)');
        this.transcript.add(m.bytes);
        this.state = 'wait-finished';
        return;
      }
      case 'wait-finished':
        if (b.type !== 'finished') return this.unexpected(m, 'Finished');
        return this.serverFinished(m, b.verifyData);
      default:
        return this.unexpected(m, 'nothing');
    }
  }

  private certificate(m: TlsHandshakeMessage): void {
    const b = m.body;
    if (b.type !== 'certificate' || !('certificateRequestContext' in b)) return this.unexpected(m, 'Certificate');
    if (b.certificateRequestContext.length !== 0) return this.host.fail('illegal_parameter', 'the server Certificate has a non-empty certificate_request_context (RFC 8446 §4.4.2)');
    this.serverKey = readServerCertificate(this.host, b.certificates);
    if (!this.serverKey) return;
    this.peerChain = b.certificates;
    this.transcript.add(m.bytes);
    this.state = 'wait-cv';
  }

  private unexpected(m: TlsHandshakeMessage, expected: string): void {
    this.host.fail('unexpected_message', `${m.body.type} while waiting for ${expected} (RFC 8446 Appendix A.1)`);
  }

  private serverHello(m: TlsHandshakeMessage, sh: ServerHello): void {
    const host = this.host;
    const selected = findExtension(sh.extensions, 'supported_versions')?.body.selected;
    if (selected === undefined) {
      // a TLS 1.2 ServerHello (RFC 8446 §4.2.1: no supported_versions)
      if (sh.serverVersion !== Version.TLS1_2 || !offers12(host)) return host.fail('protocol_version', `the server chose version 0x${sh.serverVersion.toString(16)}, which was not offered`);
      if (offers13(host) && bytesEqual(sh.random.subarray(24), DOWNGRADE_TLS12)) return host.fail('illegal_parameter', 'the TLS 1.2 ServerHello random ends in the TLS 1.3 downgrade sentinel (RFC 8446 §4.1.3)');
      const next = new Client12(host, { hello: this.offer.hello, bytes: this.firstHello, random: this.random });
      return host.switchTo(next, m);
    }
    if (selected !== Version.TLS1_3 || !offers13(host)) return host.fail('illegal_parameter', `supported_versions selects 0x${selected.toString(16)}, which was not offered (RFC 8446 §4.2.1)`);
    if (!bytesEqual(sh.sessionId, this.sessionId)) return host.fail('illegal_parameter', 'legacy_session_id_echo differs from the ClientHello session id (RFC 8446 §4.1.3)');
    if (!host.config.cipherSuites.includes(sh.cipherSuite)) return host.fail('illegal_parameter', `the server chose ${cipherSuiteName(sh.cipherSuite)}, which was not offered`);
    if (sh.compressionMethod !== 0) return host.fail('illegal_parameter', `legacy_compression_method ${sh.compressionMethod} (RFC 8446 §4.1.3: must be 0)`);
    const suite = tls13Suite(sh.cipherSuite);
    if (!suite) return host.fail('illegal_parameter', `no TLS 1.3 suite ${cipherSuiteName(sh.cipherSuite)}`);
    const share = findExtension(sh.extensions, 'key_share')?.body;
    if (isHelloRetryRequest(m.body)) return this.helloRetry(m, suite, share?.selectedGroup, sh);
    if (this.retrySuite !== undefined && this.retrySuite !== sh.cipherSuite) return host.fail('illegal_parameter', 'the ServerHello cipher suite differs from the HelloRetryRequest one (RFC 8446 §4.1.4)');
    const entry = share?.shares[0];
    if (!entry) return host.fail('missing_extension', 'the ServerHello has no key_share (RFC 8446 §4.2.8)');
    const mine = this.offer.keyPairs.find((k) => k.group === entry.group);
    if (!mine) return host.fail('illegal_parameter', `the server key share is for ${namedGroupName(entry.group)}, for which no share was sent (RFC 8446 §4.2.8)`);
    const shared = ecdheSharedSecret(entry.group, mine.privateKey, entry.keyExchange);
    if (!shared.ok) return host.fail('illegal_parameter', `the server key share: ${shared.error}`);
    this.suite = suite;
    this.tls13 = true;
    this.transcript.add(m.bytes);
    this.schedule = new KeySchedule13(suite);
    this.hs = this.schedule.handshake(shared.preMasterSecret, this.transcript.hash(suite));
    host.keyLog('SERVER_HANDSHAKE_TRAFFIC_SECRET', this.random, this.hs.server);
    host.keyLog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', this.random, this.hs.client);
    host.setRead(this.schedule.protection(this.hs.server));
    this.group = entry.group;
    this.state = 'wait-ee';
  }

  private helloRetry(m: TlsHandshakeMessage, suite: Tls13Suite, group: number | undefined, sh: ServerHello): void {
    const host = this.host;
    if (this.retried) return host.fail('unexpected_message', 'a second HelloRetryRequest (RFC 8446 §4.1.4)');
    const cookie = sh.extensions.find((e) => e.type === ExtensionType.cookie);
    if (group === undefined && !cookie) return host.fail('illegal_parameter', 'a HelloRetryRequest that would not change the ClientHello (RFC 8446 §4.1.4)');
    const retryGroup = group ?? this.offer.keyPairs[0]?.group;
    if (retryGroup === undefined || !host.config.groups.includes(retryGroup)) return host.fail('illegal_parameter', `the HelloRetryRequest asks for ${retryGroup === undefined ? 'no group' : namedGroupName(retryGroup)}, which is not supported (RFC 8446 §4.2.8)`);
    if (group !== undefined && this.offer.keyPairs.some((k) => k.group === group)) return host.fail('illegal_parameter', `the HelloRetryRequest asks for ${namedGroupName(group)}, for which a share was already sent (RFC 8446 §4.2.8)`);
    this.retried = true;
    this.retrySuite = sh.cipherSuite;
    this.transcript.replaceFirstWithMessageHash(suite);
    this.transcript.add(m.bytes);
    host.note(tlsNote('tls.hello-retry', `HelloRetryRequest: the server wants a ${namedGroupName(retryGroup)} key share`, { role: 'client', group: namedGroupName(retryGroup) }));
    this.compatCcs();
    this.offer = buildClientHello(host, this.random, this.sessionId, { group: retryGroup as EcdheGroupCode, ...(cookie ? { cookie: cookie.data } : {}) });
    const hello = encodeTlsMessage(this.offer.hello, false);
    this.transcript.add(hello);
    host.sendHandshake(hello);
  }

  private compatCcs(): void {
    if (this.host.config.middleboxCompat && !this.sentCcs) {
      this.sentCcs = true;
      this.host.sendChangeCipherSpec();
    }
  }

  private encryptedExtensions(m: TlsHandshakeMessage, extensions: readonly Extension[]): void {
    const alpn = findExtension(extensions, 'application_layer_protocol_negotiation')?.body.protocols;
    if (alpn) {
      const p = alpn[0];
      if (alpn.length !== 1 || p === undefined || !this.host.config.alpn.includes(p)) return this.host.fail('illegal_parameter', `the server selected ALPN ${alpn.join(',') || '(none)'}, which was not offered (RFC 7301 §3.2)`);
      this.alpn = p;
    }
    this.transcript.add(m.bytes);
    const c = this.host.config;
    this.host.note(
      tlsNote('tls.negotiated', `TLS 1.3, ${this.suite.name}, ${namedGroupName(this.group)}${this.alpn ? `, ALPN ${this.alpn}` : ''}`, {
        role: 'client',
        version: 'TLS 1.3',
        cipherSuite: this.suite.name,
        group: namedGroupName(this.group),
        sni: c.serverName ?? null,
        alpn: this.alpn,
        extendedMasterSecret: null,
      }),
    );
    this.state = 'wait-cert-cr';
  }

  private serverFinished(m: TlsHandshakeMessage, verifyData: Uint8Array): void {
    const host = this.host;
    const expected = finishedVerifyData(this.suite, this.hs.server, this.transcript.hash(this.suite));
    if (!bytesEqual(expected, verifyData)) return host.fail('decrypt_error', `the server Finished verify_data ${toHex(verifyData).slice(0, 16)}… is wrong (RFC 8446 §4.4.4)`);
    this.transcript.add(m.bytes);
    const app = this.schedule.application(this.transcript.hash(this.suite));
    host.keyLog('SERVER_TRAFFIC_SECRET_0', this.random, app.server);
    host.keyLog('CLIENT_TRAFFIC_SECRET_0', this.random, app.client);
    host.keyLog('EXPORTER_SECRET', this.random, app.exporter);
    host.setRead(this.schedule.protection(app.server));
    this.compatCcs();
    host.setWrite(this.schedule.protection(this.hs.client));
    if (this.certificateRequestContext) {
      // RFC 8446 §4.4.2: no client certificate, so an empty certificate_list
      const cert = encodeTlsMessage({ type: 'certificate', certificateRequestContext: this.certificateRequestContext, certificates: [] }, true);
      this.transcript.add(cert);
      host.sendHandshake(cert);
    }
    const fin = encodeTlsMessage({ type: 'finished', verifyData: finishedVerifyData(this.suite, this.hs.client, this.transcript.hash(this.suite)) }, true);
    host.sendHandshake(fin);
    host.setWrite(this.schedule.protection(app.client));
    this.state = 'done';
    host.established({
      version: Version.TLS1_3,
      cipherSuite: this.suite.id,
      alpn: this.alpn,
      sni: host.config.serverName ?? null,
      clientRandom: this.random,
      tls13: { suite: this.suite, clientSecret: app.client, serverSecret: app.server, exporterSecret: app.exporter },
      peerCertificates: this.peerChain,
    });
  }
}
