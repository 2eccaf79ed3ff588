import { bytesEqual, concatBytes } from '../../core/encoding.ts';
import type { TransportAddress } from '../../core/endpoint.ts';
import { ecdsaSign, ecdsaVerify } from '../../crypto/ecdsa.ts';
import { tls13Suite, type Tls13Suite } from '../../crypto/tls13-schedule.ts';
import { encodeAlert } from '../../wire/handshake/alert.ts';
import { findExtension, keyShareExtension, rawExtension, signatureAlgorithmsExtension, supportedVersionsExtension, useSrtpExtension, type Extension } from '../../wire/handshake/extensions.ts';
import type { ClientHello, ServerHello } from '../../wire/handshake/hello.ts';
import { AlertDescription, AlertLevel, ContentType, ExtensionType, HandshakeType, NamedGroup, SignatureScheme, Version, namedGroupName, srtpProfileName } from '../../wire/handshake/names.ts';
import type { DtlsRecord } from '../../wire/dtls/record.ts';
import { encodeHandshakeFragment } from '../../wire/dtls/handshake.ts';
import { fromHex } from '../../core/encoding.ts';
import { decodeTlsHandshakeBody, HELLO_RETRY_REQUEST_RANDOM } from '../../wire/tls/handshake.ts';
import { dtlsNote } from '../notes.ts';
import { acceptPeerCertificate } from './certificate.ts';
import { readFragments, type Piece13, type RecordNumber } from './flight.ts';
import type { Host13, Incoming13, Role13 } from './host.ts';
import { isKex13Group, KEX13_GROUPS, serverShare, type Kex13Group } from './kex.ts';
import { certificateVerifyContent, DTLS13_SCHEMES, TLS_AES_128_GCM_SHA256, tlsStyle, writeMessage } from './messages.ts';
import { makeHrrCookie, readHrrCookie } from './cookie.ts';
import { cookieSubject } from '../cookie.ts';
import { DTLS13_LEGACY_VERSION } from './records.ts';
import { Schedule13, Transcript13 } from './schedule.ts';

type State = 'wait-ch' | 'wait-cert' | 'wait-cv' | 'wait-finished' | 'done';

const HRR_RANDOM = fromHex(HELLO_RETRY_REQUEST_RANDOM);

/**
 * The DTLS 1.3 server (RFC 9147, RFC 8446 Appendix A.2 without PSK): before it keeps any state it answers a
 * ClientHello with a stateless HelloRetryRequest carrying a cookie (§5.1, the DoS defence the DTLS 1.2
 * HelloVerifyRequest was; also when it needs a share of another group), rebuilds that HelloRetryRequest and the
 * transcript from the cookie when the ClientHello comes back, then sends ServerHello … Finished asking for the
 * client's certificate (RFC 8827 §6.5), checks the client's flight and ACKs it (§7).
 */
export class Server13 implements Role13 {
  private state: State = 'wait-ch';
  private readonly transcript = new Transcript13();
  private schedule: Schedule13 | undefined;
  private clientKey: Uint8Array | undefined;
  private pendingAcks: RecordNumber[] = [];

  constructor(private readonly h: Host13) {}

  private get groups(): Kex13Group[] {
    return (this.h.options.groups13 ?? ['x25519', 'p256']).map((g) => KEX13_GROUPS[g]);
  }

  start(): void {
    // waits for a ClientHello
  }

  hasState(): boolean {
    return this.state !== 'wait-ch';
  }

  onStatelessRecord(rec: DtlsRecord, from: TransportAddress): void {
    const frags = readFragments(rec.fragment);
    if (!frags) return this.h.count('malformed-handshake');
    for (const f of frags) {
      if (f.msgType !== HandshakeType.client_hello) return this.h.count('unexpected-before-client-hello');
      if (f.fragmentOffset !== 0 || f.fragment.length !== f.length) return this.h.count('fragmented-client-hello');
      const d = decodeTlsHandshakeBody(HandshakeType.client_hello, f.fragment, 0, { variant: 'dtls', tls13: true, spans: false });
      if (d.value.type !== 'client_hello' || d.problems.length > 0) return this.h.count('malformed-client-hello');
      this.clientHello(d.value, f.fragment, f.messageSeq, rec.sequenceNumber, from);
      if (this.state !== 'wait-ch') return;
    }
  }

  private reject(from: TransportAddress, recordSeq: number, description: number, why: string): void {
    // a stateless refusal: an alert back, nothing kept (the ClientHello is unauthenticated)
    this.h.count('client-hello-refused');
    this.h.note(dtlsNote('dtls.alert.sent', `refusing a ClientHello: ${why}`, { level: AlertLevel.fatal, description }));
    this.h.transmitTo(this.h.records.seal(ContentType.alert, 0, encodeAlert({ level: AlertLevel.fatal, description }), recordSeq).bytes, from);
  }

  private clientHello(ch: ClientHello, body: Uint8Array, messageSeq: number, recordSeq: number, from: TransportAddress): void {
    const { h } = this;
    const versions = findExtension(ch.extensions, 'supported_versions')?.body.versions ?? [];
    if (!versions.includes(Version.DTLS1_3)) return this.reject(from, recordSeq, AlertDescription.protocol_version, 'it does not offer DTLS 1.3');
    if (!ch.cipherSuites.includes(TLS_AES_128_GCM_SHA256)) return this.reject(from, recordSeq, AlertDescription.handshake_failure, 'it does not offer TLS_AES_128_GCM_SHA256');
    const schemes = findExtension(ch.extensions, 'signature_algorithms')?.body.schemes ?? [];
    if (!schemes.includes(SignatureScheme.ecdsa_secp256r1_sha256)) return this.reject(from, recordSeq, AlertDescription.handshake_failure, 'it does not accept ecdsa_secp256r1_sha256');
    const supported = findExtension(ch.extensions, 'supported_groups')?.body.groups ?? [];
    const shares = findExtension(ch.extensions, 'key_share')?.body.shares ?? [];
    // our preference among the groups the client sent shares for; else the first common group, asked for by HRR
    const withShare = this.groups.find((g) => shares.some((s) => s.group === g));
    const common = this.groups.find((g) => supported.includes(g));
    if (common === undefined) return this.reject(from, recordSeq, AlertDescription.handshake_failure, `no common group (client: ${supported.map(namedGroupName).join(', ')})`);
    const suite = tls13Suite(TLS_AES_128_GCM_SHA256)!;
    const cookieExt = ch.extensions.find((e) => e.type === ExtensionType.cookie);
    if (cookieExt) {
      const cookie = readHrrCookie(h.cookieSecret, cookieSubject(h.config.cookieBinding, from), cookieExt.data.subarray(2));
      if (!cookie) return h.count('bad-cookie');
      const group = cookie.group !== 0 ? cookie.group : withShare;
      if (group === undefined || !isKex13Group(group)) return h.count('bad-cookie');
      const hrr = this.helloRetryRequest(ch, cookie.group, cookieExt.data.subarray(2));
      this.transcript.startWith(concatBytes(new Uint8Array([HandshakeType.message_hash, 0, 0, cookie.helloHash.length]), cookie.helloHash));
      this.transcript.add(tlsStyle(HandshakeType.server_hello, hrr));
      return this.accept(ch, body, messageSeq, recordSeq, from, suite, group, true);
    }
    if (h.config.cookieExchange || withShare === undefined) {
      const group = withShare === undefined ? common : 0;
      const cookie = makeHrrCookie(h.cookieSecret, cookieSubject(h.config.cookieBinding, from), { cipherSuite: suite.id, group, helloHash: suite.hash(tlsStyle(HandshakeType.client_hello, body)) });
      const hrr = this.helloRetryRequest(ch, group, cookie);
      // RFC 9147 §5.1: stateless, not retransmitted; the record copies the ClientHello's sequence number (as the
      // DTLS 1.2 HelloVerifyRequest does) and the message its message_seq
      const bytes = h.records.seal(ContentType.handshake, 0, encodeHandshakeFragment(HandshakeType.server_hello, messageSeq, hrr.length, 0, hrr), recordSeq).bytes;
      h.transmitTo(bytes, from);
      h.flight.stats.flightsSent++;
      h.flight.stats.datagramsSent++;
      h.flight.stats.bytesSent += bytes.length;
      h.note(dtlsNote('dtls.flight.sent', `flight 2 sent: HelloRetryRequest (stateless, with a ${cookie.length}-byte cookie${group ? `, asking for ${namedGroupName(group)}` : ''}: RFC 9147 §5.1)`, { flight: 2, messages: ['HelloRetryRequest'], datagrams: 1, bytes: bytes.length, at: h.nowMicros }));
      h.note(dtlsNote('dtls.hello-retry', `HelloRetryRequest sent with a cookie${group ? `, asking for a ${namedGroupName(group)} share` : ''}`, { role: 'server', group: group ? namedGroupName(group) : null, cookie: true }));
      return;
    }
    this.transcript.add(tlsStyle(HandshakeType.client_hello, body));
    this.accept(ch, body, messageSeq, recordSeq, from, suite, withShare, false);
  }

  /** The HelloRetryRequest body, rebuilt byte for byte from its inputs (RFC 8446 §4.1.4). */
  private helloRetryRequest(ch: ClientHello, group: number, cookie: Uint8Array): Uint8Array {
    const ext: Extension[] = [supportedVersionsExtension([Version.DTLS1_3], 'server_hello')];
    if (group) ext.push(rawExtension(ExtensionType.key_share, new Uint8Array([group >> 8, group & 0xff]), 'server_hello'));
    ext.push(rawExtension(ExtensionType.cookie, concatBytes(new Uint8Array([cookie.length >> 8, cookie.length & 0xff]), cookie), 'server_hello'));
    const hrr: ServerHello = { type: 'server_hello', serverVersion: DTLS13_LEGACY_VERSION, random: HRR_RANDOM, sessionId: ch.sessionId, cipherSuite: TLS_AES_128_GCM_SHA256, compressionMethod: 0, extensions: ext };
    return writeMessage(hrr, 0, 0).piece.body;
  }

  private accept(ch: ClientHello, body: Uint8Array, messageSeq: number, recordSeq: number, from: TransportAddress, suite: Tls13Suite, group: Kex13Group, afterRetry: boolean): void {
    const { h } = this;
    const share = (findExtension(ch.extensions, 'key_share')?.body.shares ?? []).find((s) => s.group === group);
    if (!share) return h.count(afterRetry ? 'retry-without-share' : 'no-share');
    if (!h.adoptRemote(from)) return h.count('foreign-source');
    if (afterRetry) this.transcript.add(tlsStyle(HandshakeType.client_hello, body));
    const kex = serverShare(group, share.keyExchange, h.rng);
    this.state = 'wait-cert';
    h.beganHandshake();
    if (!kex.ok) return h.fail(AlertDescription.illegal_parameter, `the client key share: ${kex.error}`);
    // the peer's messages continue after this ClientHello; ours mirror its numbering (a stateless HRR used its seq)
    h.reassembler.nextSeq = messageSeq + 1;
    h.records.reserveSequence(0, recordSeq);
    h.session.clientRandom = ch.random;
    h.session.serverRandom = h.rng.bytes(32);
    h.session.group = group;
    const offered = findExtension(ch.extensions, 'use_srtp')?.body.profiles ?? [];
    h.session.srtpProfileId = h.config.srtpProfiles.find((p) => offered.includes(p));
    let seq = messageSeq;
    const pieces: Piece13[] = [];
    const add = (b: Parameters<typeof writeMessage>[0], epoch: number): void => {
      const w = writeMessage(b, seq++, epoch);
      this.transcript.add(w.tls);
      pieces.push(w.piece);
    };
    add({ type: 'server_hello', serverVersion: DTLS13_LEGACY_VERSION, random: h.session.serverRandom, sessionId: ch.sessionId, cipherSuite: suite.id, compressionMethod: 0, extensions: [supportedVersionsExtension([Version.DTLS1_3], 'server_hello'), keyShareExtension([{ group, keyExchange: kex.keyExchange }], 'server_hello')] }, 0);
    this.schedule = new Schedule13(suite);
    h.session.schedule = this.schedule;
    const hs = this.schedule.handshake(kex.shared, this.transcript.hash(suite));
    h.keyLog('SERVER_HANDSHAKE_TRAFFIC_SECRET', hs.server);
    h.keyLog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', hs.client);
    h.records.installWrite(2, suite, this.schedule.keys(hs.server));
    h.records.installRead(2, suite, this.schedule.keys(hs.client));
    add({ type: 'encrypted_extensions', extensions: h.session.srtpProfileId === undefined ? [] : [useSrtpExtension([h.session.srtpProfileId])] }, 2);
    add({ type: 'certificate_request13', certificateRequestContext: new Uint8Array(0), extensions: [signatureAlgorithmsExtension(DTLS13_SCHEMES)] }, 2);
    add({ type: 'certificate', certificateRequestContext: new Uint8Array(0), certificates: [h.identity.der] }, 2);
    add({ type: 'certificate_verify', signatureScheme: SignatureScheme.ecdsa_secp256r1_sha256, signature: ecdsaSign(h.identity.keyPair.privateKey, certificateVerifyContent('server', this.transcript.hash(suite))) }, 2);
    add({ type: 'finished', verifyData: this.schedule.finished(hs.server, this.transcript.hash(suite)) }, 2);
    const app = this.schedule.application(this.transcript.hash(suite));
    h.keyLog('SERVER_TRAFFIC_SECRET_0', app.server);
    h.keyLog('CLIENT_TRAFFIC_SECRET_0', app.client);
    h.keyLog('EXPORTER_SECRET', this.schedule.exporter!);
    h.records.installWrite(3, suite, this.schedule.keys(app.server));
    h.note(
      dtlsNote('dtls.client-hello', `client offers ${offered.map(srtpProfileName).join(', ') || 'no SRTP'}; DTLS 1.3 with ${namedGroupName(group)}${group === NamedGroup.X25519MLKEM768 ? ' (post-quantum hybrid)' : ''}, SRTP ${h.session.srtpProfileId === undefined ? 'none' : srtpProfileName(h.session.srtpProfileId)}`),
    );
    h.note(dtlsNote('dtls.version', `DTLS 1.3 agreed: ${suite.name}, ${namedGroupName(group)}`, { version: 'DTLS 1.3', offered: (findExtension(ch.extensions, 'supported_versions')?.body.versions ?? []).map((v) => (v === Version.DTLS1_3 ? 'DTLS 1.3' : v === Version.DTLS1_2 ? 'DTLS 1.2' : `0x${v.toString(16)}`)), group: namedGroupName(group), cipherSuite: suite.name }));
    h.sendFlight(4, pieces, true);
  }

  onMessage(m: Incoming13): void {
    const { h } = this;
    const b = m.body;
    const suite = this.schedule?.suite;
    const unexpected = (want: string): void => h.fail(AlertDescription.unexpected_message, `${b.type} while waiting for ${want} (RFC 8446 Appendix A.2)`);
    if (!suite) return unexpected('a ClientHello');
    switch (this.state) {
      case 'wait-cert': {
        if (b.type !== 'certificate' || !('certificateRequestContext' in b)) return unexpected('Certificate');
        h.flight.implicitlyAcked(h.nowMicros);
        if (b.certificateRequestContext.length !== 0) return h.fail(AlertDescription.illegal_parameter, 'certificate_request_context differs from the CertificateRequest one (RFC 8446 §4.4.2)');
        const cert = acceptPeerCertificate(h, b.certificates);
        if (!cert) return;
        this.clientKey = cert.publicKey;
        this.transcript.add(tlsStyle(m.msgType, m.raw));
        this.state = 'wait-cv';
        return;
      }
      case 'wait-cv': {
        if (b.type !== 'certificate_verify') return unexpected('CertificateVerify');
        if (b.signatureScheme !== SignatureScheme.ecdsa_secp256r1_sha256) return h.fail(AlertDescription.illegal_parameter, 'CertificateVerify is not ecdsa_secp256r1_sha256, the only scheme asked for');
        if (!ecdsaVerify(this.clientKey!, certificateVerifyContent('client', this.transcript.hash(suite)), b.signature)) return h.fail(AlertDescription.decrypt_error, 'the client CertificateVerify does not verify with its certificate key (RFC 8446 §4.4.3)');
        this.transcript.add(tlsStyle(m.msgType, m.raw));
        this.state = 'wait-finished';
        return;
      }
      case 'wait-finished': {
        if (b.type !== 'finished') return unexpected('Finished');
        const s = this.schedule!;
        if (!bytesEqual(s.finished(s.hs!.client, this.transcript.hash(suite)), b.verifyData)) return h.fail(AlertDescription.decrypt_error, 'the client Finished verify_data does not match the transcript (RFC 8446 §4.4.4)');
        h.records.installRead(3, suite, s.keys(s.app!.client));
        h.flight.finish();
        this.state = 'done';
        h.connected();
        // RFC 9147 §7: the server ACKs the client's last flight, in the new epoch
        this.pendingAcks = [...h.flight.peerRecords];
        this.flushAcks();
        const line = h.session.srtpSecretLine();
        if (line) {
          h.secretLine(line);
          h.note(dtlsNote('dtls.srtp', `SRTP keys exported with EXTRACTOR-dtls_srtp for ${srtpProfileName(h.session.srtpProfileId!)} (RFC 5764 §4.2, RFC 8446 §7.5)`, { profile: srtpProfileName(h.session.srtpProfileId!) }));
        }
        return;
      }
      default:
        return unexpected('nothing (the handshake is over)');
    }
  }

  onPeerRetransmit(rn: RecordNumber): void {
    if (this.state === 'done') {
      // our ACK was lost: the client sent its flight again; ACK the records it came in now
      this.pendingAcks.push(rn);
      return this.flushAcks();
    }
    this.h.flight.onPeerRetransmit(this.h.nowMicros);
  }

  private flushAcks(): void {
    const acks = this.pendingAcks.splice(0);
    this.h.sendAck(acks, 3);
  }
}
