import { bytesEqual } from '../../core/encoding.ts';
import { ecdsaSign, ecdsaVerify } from '../../crypto/ecdsa.ts';
import { tls13Suite } from '../../crypto/tls13-schedule.ts';
import {
  ecPointFormatsExtension,
  extendedMasterSecretExtension,
  findExtension,
  keyShareExtension,
  rawExtension,
  renegotiationInfoExtension,
  signatureAlgorithmsExtension,
  supportedGroupsExtension,
  supportedVersionsExtension,
  useSrtpExtension,
} from '../../wire/handshake/extensions.ts';
import type { ClientHello, ServerHello } from '../../wire/handshake/hello.ts';
import { AlertDescription, CipherSuite, ExtensionType, HandshakeType, NamedGroup, SignatureScheme, Version, cipherSuiteName, namedGroupName, srtpProfileName } from '../../wire/handshake/names.ts';
import { isHelloRetryRequest } from '../../wire/tls/handshake.ts';
import { dtlsNote } from '../notes.ts';
import { acceptPeerCertificate } from './certificate.ts';
import type { Host13, Incoming13, Role13 } from './host.ts';
import { clientShare, isKex13Group, KEX13_GROUPS, type ClientShare, type Kex13Group } from './kex.ts';
import { certificateVerifyContent, DOWNGRADE_12, DTLS13_SCHEMES, TLS_AES_128_GCM_SHA256, tlsStyle, writeMessage } from './messages.ts';
import { Schedule13, Transcript13 } from './schedule.ts';

/** The DTLS 1.2 server answered (HelloVerifyRequest or a 1.2 ServerHello): what a 1.2 client needs to go on. */
export interface Fallback12 {
  readonly hello: ClientHello;
  /** The datagram with the server's answer, for the 1.2 endpoint to read. */
  readonly datagram: Uint8Array;
  /** The next epoch-0 record sequence number. */
  readonly nextRecordSeq: number;
}

type State = 'wait-sh' | 'wait-ee' | 'wait-cert-cr' | 'wait-cert' | 'wait-cv' | 'wait-finished' | 'done';

/**
 * The DTLS 1.3 client (RFC 9147, RFC 8446 Appendix A.1 without PSK or 0-RTT): ClientHello with key shares and
 * use_srtp (and the DTLS 1.2 offer when allowed), the HelloRetryRequest with a cookie or a group (§5.1), the
 * server's flight checked (certificate against the fingerprint, CertificateVerify, Finished), then its own
 * Certificate, CertificateVerify and Finished, retransmitted until the server's ACK.
 */
export class Client13 implements Role13 {
  private state: State = 'wait-sh';
  private hello!: ClientHello;
  private shares: ClientShare[] = [];
  private readonly transcript = new Transcript13();
  private retried = false;
  private schedule: Schedule13 | undefined;
  private serverKey: Uint8Array | undefined;
  private requestContext: Uint8Array | undefined;
  private nextSeq = 0;

  constructor(private readonly h: Host13 & { fallBack(f: Fallback12): void }) {}

  private get offers12(): boolean {
    return (this.h.options.versions ?? []).includes('1.2');
  }

  private get groups(): Kex13Group[] {
    return (this.h.options.groups13 ?? ['x25519', 'p256']).map((g) => KEX13_GROUPS[g]);
  }

  hasState(): boolean {
    return true;
  }

  start(): void {
    const { h } = this;
    h.session.clientRandom = h.rng.bytes(32);
    const first = (h.options.keyShares13 ?? []).map((g) => KEX13_GROUPS[g]);
    this.shares = (first.length > 0 ? first : this.groups.slice(0, 1)).map((g) => clientShare(g, h.rng));
    this.hello = this.buildHello();
    this.sendHello(1);
  }

  private buildHello(cookie?: Uint8Array): ClientHello {
    const { config } = this.h;
    const twelve = this.offers12;
    // RFC 8446 §4.2.7: the 1.3 groups, and for a 1.2 server the ECDHE curves it may choose from
    const groups = [...this.groups, ...(twelve ? [NamedGroup.x25519, NamedGroup.secp256r1].filter((g) => !this.groups.includes(g as Kex13Group)) : [])];
    return {
      type: 'client_hello',
      clientVersion: Version.DTLS1_2,
      random: this.h.session.clientRandom,
      sessionId: new Uint8Array(0),
      // RFC 9147 §5.3: legacy_cookie is empty in DTLS 1.3 (the cookie travels in the extension)
      cookie: new Uint8Array(0),
      cipherSuites: [TLS_AES_128_GCM_SHA256, ...(twelve ? [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256] : [])],
      compressionMethods: [0],
      extensions: [
        supportedGroupsExtension(groups),
        ...(twelve ? [ecPointFormatsExtension([0]), extendedMasterSecretExtension(), renegotiationInfoExtension()] : []),
        signatureAlgorithmsExtension(DTLS13_SCHEMES),
        useSrtpExtension(config.srtpProfiles),
        supportedVersionsExtension(twelve ? [Version.DTLS1_3, Version.DTLS1_2] : [Version.DTLS1_3]),
        ...(cookie ? [rawExtension(ExtensionType.cookie, cookie)] : []),
        keyShareExtension(this.shares.map((s) => ({ group: s.group, keyExchange: s.keyExchange }))),
      ],
    };
  }

  private sendHello(flight: number): void {
    const w = writeMessage(this.hello, this.nextSeq++, 0);
    this.transcript.add(w.tls);
    this.h.sendFlight(flight, [w.piece], true);
  }

  onPeerRetransmit(): void {
    this.h.flight.onPeerRetransmit(this.h.nowMicros);
  }

  onMessage(m: Incoming13): void {
    const { h } = this;
    const b = m.body;
    const unexpected = (want: string): void => h.fail(AlertDescription.unexpected_message, `${b.type} while waiting for ${want} (RFC 8446 Appendix A.1)`);
    if (this.state === 'wait-sh' && m.msgType === HandshakeType.hello_verify_request) return this.toDtls12(m, 'HelloVerifyRequest');
    switch (this.state) {
      case 'wait-sh':
        return b.type === 'server_hello' ? this.serverHello(m, b) : unexpected('ServerHello');
      case 'wait-ee': {
        if (b.type !== 'encrypted_extensions') return unexpected('EncryptedExtensions');
        const srtp = findExtension(b.extensions, 'use_srtp');
        if (srtp) {
          const chosen = srtp.body.profiles[0];
          // RFC 5764 §4.1.1: one profile, one the client offered
          if (srtp.body.profiles.length !== 1 || chosen === undefined || !h.config.srtpProfiles.includes(chosen)) {
            return h.fail(AlertDescription.illegal_parameter, `server's use_srtp selects ${srtp.body.profiles.map(srtpProfileName).join(', ') || 'nothing'}`);
          }
          h.session.srtpProfileId = chosen;
        }
        this.transcript.add(tlsStyle(m.msgType, m.raw));
        this.state = 'wait-cert-cr';
        return;
      }
      case 'wait-cert-cr':
        if (b.type === 'certificate_request13') {
          this.requestContext = b.certificateRequestContext;
          this.transcript.add(tlsStyle(m.msgType, m.raw));
          this.state = 'wait-cert';
          return;
        }
        return this.certificate(m);
      case 'wait-cert':
        return this.certificate(m);
      case 'wait-cv': {
        if (b.type !== 'certificate_verify') return unexpected('CertificateVerify');
        if (b.signatureScheme !== SignatureScheme.ecdsa_secp256r1_sha256) return h.fail(AlertDescription.illegal_parameter, 'CertificateVerify is not ecdsa_secp256r1_sha256, the only scheme offered');
        const content = certificateVerifyContent('server', this.transcript.hash(this.schedule!.suite));
        if (!ecdsaVerify(this.serverKey!, content, b.signature)) return h.fail(AlertDescription.decrypt_error, 'the server CertificateVerify does not verify with its certificate key (RFC 8446 §4.4.3)');
        this.transcript.add(tlsStyle(m.msgType, m.raw));
        this.state = 'wait-finished';
        return;
      }
      case 'wait-finished':
        return b.type === 'finished' ? this.serverFinished(m, b.verifyData) : unexpected('Finished');
      default:
        return unexpected('nothing (the handshake is over)');
    }
  }

  private certificate(m: Incoming13): void {
    const { h } = this;
    const b = m.body;
    if (b.type !== 'certificate' || !('certificateRequestContext' in b)) return h.fail(AlertDescription.unexpected_message, `${b.type} while waiting for Certificate (RFC 8446 Appendix A.1)`);
    if (b.certificateRequestContext.length !== 0) return h.fail(AlertDescription.illegal_parameter, 'the server Certificate has a non-empty certificate_request_context (RFC 8446 §4.4.2)');
    const cert = acceptPeerCertificate(h, b.certificates);
    if (!cert) return;
    this.serverKey = cert.publicKey;
    this.transcript.add(tlsStyle(m.msgType, m.raw));
    this.state = 'wait-cv';
  }

  private toDtls12(m: Incoming13, what: string): void {
    const { h } = this;
    if (!this.offers12 || this.retried) return h.fail(AlertDescription.protocol_version, `the server answered with a DTLS 1.2 ${what}; DTLS 1.2 is not offered`);
    h.note(dtlsNote('dtls.version', `the server answered with a DTLS 1.2 ${what}: going on as a DTLS 1.2 client with the same ClientHello`, { version: 'DTLS 1.2', offered: ['DTLS 1.3', 'DTLS 1.2'], group: null, cipherSuite: null }));
    h.fallBack({ hello: this.hello, datagram: m.datagram, nextRecordSeq: h.records.nextSequence(0) });
  }

  private serverHello(m: Incoming13, sh: ServerHello): void {
    const { h } = this;
    const selected = findExtension(sh.extensions, 'supported_versions')?.body.selected;
    if (selected === undefined) {
      if (sh.serverVersion !== Version.DTLS1_2) return h.fail(AlertDescription.protocol_version, `the server chose version 0x${sh.serverVersion.toString(16)}`);
      if (bytesEqual(sh.random.subarray(24), DOWNGRADE_12)) return h.fail(AlertDescription.illegal_parameter, 'the DTLS 1.2 ServerHello random ends in the 1.3 downgrade sentinel (RFC 8446 §4.1.3)');
      return this.toDtls12(m, 'ServerHello');
    }
    if (selected !== Version.DTLS1_3) return h.fail(AlertDescription.illegal_parameter, `supported_versions selects 0x${selected.toString(16)}, which was not offered (RFC 8446 §4.2.1)`);
    if (sh.cipherSuite !== TLS_AES_128_GCM_SHA256) return h.fail(AlertDescription.illegal_parameter, `the server chose ${cipherSuiteName(sh.cipherSuite)}, which was not offered`);
    if (sh.sessionId.length !== 0) return h.fail(AlertDescription.illegal_parameter, 'legacy_session_id_echo differs from the empty ClientHello session id (RFC 8446 §4.1.3)');
    const suite = tls13Suite(sh.cipherSuite)!;
    const share = findExtension(sh.extensions, 'key_share')?.body;
    if (isHelloRetryRequest(sh)) return this.helloRetry(m, sh, share?.selectedGroup);
    const entry = share?.shares[0];
    if (!entry) return h.fail(AlertDescription.missing_extension, 'the ServerHello has no key_share (RFC 8446 §4.2.8)');
    const mine = this.shares.find((s) => s.group === entry.group);
    if (!mine) return h.fail(AlertDescription.illegal_parameter, `the server key share is for ${namedGroupName(entry.group)}, for which no share was sent (RFC 8446 §4.2.8)`);
    const shared = mine.finish(entry.keyExchange);
    if (!shared.ok) return h.fail(AlertDescription.illegal_parameter, `the server key share: ${shared.error}`);
    h.flight.implicitlyAcked(h.nowMicros);
    h.session.serverRandom = sh.random;
    h.session.group = entry.group;
    this.transcript.add(tlsStyle(m.msgType, m.raw));
    this.schedule = new Schedule13(suite);
    h.session.schedule = this.schedule;
    const hs = this.schedule.handshake(shared.shared, this.transcript.hash(suite));
    h.keyLog('SERVER_HANDSHAKE_TRAFFIC_SECRET', hs.server);
    h.keyLog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', hs.client);
    h.records.installRead(2, suite, this.schedule.keys(hs.server));
    h.records.installWrite(2, suite, this.schedule.keys(hs.client));
    h.note(
      dtlsNote('dtls.version', `DTLS 1.3 agreed: ${suite.name}, ${namedGroupName(entry.group)}${entry.group === NamedGroup.X25519MLKEM768 ? ' (post-quantum hybrid)' : ''}`, {
        version: 'DTLS 1.3',
        offered: this.offers12 ? ['DTLS 1.3', 'DTLS 1.2'] : ['DTLS 1.3'],
        group: namedGroupName(entry.group),
        cipherSuite: suite.name,
      }),
    );
    this.state = 'wait-ee';
  }

  private helloRetry(m: Incoming13, hrr: ServerHello, group: number | undefined): void {
    const { h } = this;
    if (this.retried) return h.fail(AlertDescription.unexpected_message, 'a second HelloRetryRequest (RFC 8446 §4.1.4)');
    const cookie = hrr.extensions.find((e) => e.type === ExtensionType.cookie);
    if (group === undefined && !cookie) return h.fail(AlertDescription.illegal_parameter, 'a HelloRetryRequest that would not change the ClientHello (RFC 8446 §4.1.4)');
    if (group !== undefined && (!isKex13Group(group) || !this.groups.includes(group) || this.shares.some((s) => s.group === group))) {
      return h.fail(AlertDescription.illegal_parameter, `the HelloRetryRequest asks for ${namedGroupName(group)}, which is not offered or already has a share (RFC 8446 §4.2.8)`);
    }
    this.retried = true;
    h.flight.implicitlyAcked(h.nowMicros);
    const suite = tls13Suite(hrr.cipherSuite)!;
    this.transcript.replaceFirstWithMessageHash(suite);
    this.transcript.add(tlsStyle(m.msgType, m.raw));
    if (group !== undefined) this.shares = [clientShare(group as Kex13Group, h.rng)];
    h.note(
      dtlsNote('dtls.hello-retry', `HelloRetryRequest${cookie ? ` with a ${cookie.data.length - 2}-byte cookie` : ''}${group !== undefined ? `, asking for a ${namedGroupName(group)} share` : ''}: sending the ClientHello again`, {
        role: 'client',
        group: group === undefined ? null : namedGroupName(group),
        cookie: cookie !== undefined,
      }),
    );
    this.hello = this.buildHello(cookie?.data);
    this.sendHello(3);
  }

  private serverFinished(m: Incoming13, verifyData: Uint8Array): void {
    const { h } = this;
    const schedule = this.schedule!;
    const suite = schedule.suite;
    if (!bytesEqual(schedule.finished(schedule.hs!.server, this.transcript.hash(suite)), verifyData)) {
      return h.fail(AlertDescription.decrypt_error, 'the server Finished verify_data does not match the transcript (RFC 8446 §4.4.4)');
    }
    this.transcript.add(tlsStyle(m.msgType, m.raw));
    const app = schedule.application(this.transcript.hash(suite));
    h.keyLog('SERVER_TRAFFIC_SECRET_0', app.server);
    h.keyLog('CLIENT_TRAFFIC_SECRET_0', app.client);
    h.keyLog('EXPORTER_SECRET', schedule.exporter!);
    h.records.installRead(3, suite, schedule.keys(app.server));
    h.records.installWrite(3, suite, schedule.keys(app.client));
    // RFC 8446 §4.4.2, RFC 8827 §6.5: WebRTC clients always authenticate
    const pieces = [];
    if (this.requestContext) {
      const cert = writeMessage({ type: 'certificate', certificateRequestContext: this.requestContext, certificates: [h.identity.der] }, this.nextSeq++, 2);
      this.transcript.add(cert.tls);
      pieces.push(cert.piece);
      const signature = ecdsaSign(h.identity.keyPair.privateKey, certificateVerifyContent('client', this.transcript.hash(suite)));
      const cv = writeMessage({ type: 'certificate_verify', signatureScheme: SignatureScheme.ecdsa_secp256r1_sha256, signature }, this.nextSeq++, 2);
      this.transcript.add(cv.tls);
      pieces.push(cv.piece);
    }
    const fin = writeMessage({ type: 'finished', verifyData: schedule.finished(schedule.hs!.client, this.transcript.hash(suite)) }, this.nextSeq++, 2);
    pieces.push(fin.piece);
    h.sendFlight(5, pieces, true);
    this.state = 'done';
    h.connected();
    const line = h.session.srtpSecretLine();
    if (line) {
      h.secretLine(line);
      h.note(dtlsNote('dtls.srtp', `SRTP keys exported with EXTRACTOR-dtls_srtp for ${srtpProfileName(h.session.srtpProfileId!)} (RFC 5764 §4.2, RFC 8446 §7.5)`, { profile: srtpProfileName(h.session.srtpProfileId!) }));
    }
  }
}
