import { bytesEqual, fromHex, toHex } from '../core/encoding.ts';
import { ecdheSharedSecret, generateEcdheKeyPair, type EcdheGroupCode } from '../crypto/ecdhe.ts';
import { ecdsaSign } from '../crypto/ecdsa.ts';
import { finishedVerifyData, tls13Suite, type Tls13Suite } from '../crypto/tls13-schedule.ts';
import { alpnExtension, findExtension, keyShareExtension, rawExtension, supportedVersionsExtension, type Extension } from '../wire/handshake/extensions.ts';
import type { ClientHello } from '../wire/handshake/hello.ts';
import { ExtensionType, SignatureScheme, Version, namedGroupName } from '../wire/handshake/names.ts';
import { HELLO_RETRY_REQUEST_RANDOM, type TlsHandshakeMessage } from '../wire/tls/handshake.ts';
import { encodeTlsMessage } from '../wire/tls/encode13.ts';
import { clientHelloNote } from './client-hello.ts';
import type { Handshake, HandshakeHost } from './handshake-host.ts';
import { tlsNote } from './notes.ts';
import { KeySchedule13, Transcript, certificateVerifyContent, type HandshakeSecrets } from './schedule13.ts';
import { Server12 } from './server12.ts';

type State = 'wait-ch' | 'wait-ch2' | 'wait-finished' | 'done';

/** What the server chose from a ClientHello. */
interface Choice {
  readonly suite: Tls13Suite;
  readonly group: number;
  readonly alpn: string | null;
  readonly sni: string | null;
}

/**
 * The TLS 1.3 server handshake (RFC 8446 §2, Appendix A.2) without PSK, 0-RTT or client certificates: it reads
 * the ClientHello, asks for another key share with a HelloRetryRequest when none fits, and hands a TLS 1.2-only
 * client to server12.ts.
 */
export class Server13 implements Handshake {
  tls13 = true;
  private state: State = 'wait-ch';
  private readonly transcript = new Transcript();
  private choice!: Choice;
  private clientRandom!: Uint8Array;
  private hs!: HandshakeSecrets;
  private sentCcs = false;
  private schedule!: KeySchedule13;
  private app!: { client: Uint8Array; server: Uint8Array; exporter: Uint8Array };
  private sessionId: Uint8Array = new Uint8Array(0);

  constructor(private readonly host: HandshakeHost) {}

  changeCipherSpec(): void {
    // RFC 8446 §5: a ChangeCipherSpec during the handshake is dropped
  }

  handle(m: TlsHandshakeMessage): void {
    const b = m.body;
    switch (this.state) {
      case 'wait-ch':
        if (b.type !== 'client_hello') return this.unexpected(m, 'ClientHello');
        return this.clientHello(m, b);
      case 'wait-ch2': {
        if (b.type !== 'client_hello') return this.unexpected(m, 'the second ClientHello');
        const shares = findExtension(b.extensions, 'key_share')?.body.shares ?? [];
        if (!b.cipherSuites.includes(this.choice.suite.id)) return this.host.fail('illegal_parameter', 'the second ClientHello dropped the cipher suite chosen (RFC 8446 §4.1.2)');
        if (shares.length !== 1 || shares[0]?.group !== this.choice.group) return this.host.fail('illegal_parameter', `the second ClientHello has no single ${namedGroupName(this.choice.group)} key share (RFC 8446 §4.2.8)`);
        if (!bytesEqual(b.random, this.clientRandom)) return this.host.fail('illegal_parameter', 'the second ClientHello changed its random (RFC 8446 §4.1.2)');
        this.transcript.add(m.bytes);
        return this.serverFlight(b, shares[0].keyExchange);
      }
      case 'wait-finished': {
        if (b.type !== 'finished') return this.unexpected(m, 'Finished');
        const expected = finishedVerifyData(this.choice.suite, this.hs.client, this.transcript.hash(this.choice.suite));
        if (!bytesEqual(expected, b.verifyData)) return this.host.fail('decrypt_error', `the client Finished verify_data ${toHex(b.verifyData).slice(0, 16)}… is wrong (RFC 8446 §4.4.4)`);
        this.transcript.add(m.bytes);
        this.host.setRead(this.schedule.protection(this.app.client));
        this.state = 'done';
        this.host.established({
          version: Version.TLS1_3,
          cipherSuite: this.choice.suite.id,
          alpn: this.choice.alpn,
          sni: this.choice.sni,
          clientRandom: this.clientRandom,
          tls13: { suite: this.choice.suite, clientSecret: this.app.client, serverSecret: this.app.server, exporterSecret: this.app.exporter },
          peerCertificates: [],
        });
        return;
      }
      default:
        return this.unexpected(m, 'nothing');
    }
  }

  private unexpected(m: TlsHandshakeMessage, expected: string): void {
    this.host.fail('unexpected_message', `${m.body.type} while waiting for ${expected} (RFC 8446 Appendix A.2)`);
  }

  private clientHello(m: TlsHandshakeMessage, ch: ClientHello): void {
    const host = this.host;
    const c = host.config;
    const versions = findExtension(ch.extensions, 'supported_versions')?.body.versions;
    const sniName = findExtension(ch.extensions, 'server_name')?.body.hostNames[0] ?? null;
    const offeredAlpn = findExtension(ch.extensions, 'application_layer_protocol_negotiation')?.body.protocols ?? [];
    const shares = findExtension(ch.extensions, 'key_share')?.body.shares ?? [];
    host.note(clientHelloNote('server', ch, versions ?? [ch.clientVersion], shares.map((s) => s.group), sniName ?? undefined, offeredAlpn));
    if (!versions?.includes(Version.TLS1_3) || !c.versions.includes(Version.TLS1_3)) {
      // RFC 8446 §4.2.1 / RFC 5246 §7.4.1.2: no TLS 1.3 in common; TLS 1.2 if both have it
      const twelve = versions ? versions.includes(Version.TLS1_2) : ch.clientVersion >= Version.TLS1_2;
      if (twelve && c.versions.includes(Version.TLS1_2)) return host.switchTo(new Server12(host), m);
      return host.fail('protocol_version', `the client offers ${versions ? versions.map((v) => `0x${v.toString(16)}`).join(', ') : `0x${ch.clientVersion.toString(16)}`}; this server speaks ${c.versions.map((v) => `0x${v.toString(16)}`).join(', ')}`);
    }
    if (ch.compressionMethods.length !== 1 || ch.compressionMethods[0] !== 0) return host.fail('illegal_parameter', 'legacy_compression_methods must be exactly [null] (RFC 8446 §4.1.2)');
    const suiteId = c.cipherSuites.find((s) => ch.cipherSuites.includes(s));
    const suite = suiteId === undefined ? undefined : tls13Suite(suiteId);
    if (!suite) return host.fail('handshake_failure', 'no TLS 1.3 cipher suite in common');
    const sigs = findExtension(ch.extensions, 'signature_algorithms')?.body.schemes;
    if (!sigs) return host.fail('missing_extension', 'the ClientHello has no signature_algorithms (RFC 8446 §9.2)');
    if (!sigs.includes(SignatureScheme.ecdsa_secp256r1_sha256)) return host.fail('handshake_failure', 'the client does not accept ecdsa_secp256r1_sha256, the only scheme of this certificate');
    const groups = findExtension(ch.extensions, 'supported_groups')?.body.groups;
    if (!groups || !findExtension(ch.extensions, 'key_share')) return host.fail('missing_extension', 'the ClientHello lacks supported_groups or key_share (RFC 8446 §9.2)');
    let alpn: string | null = null;
    if (offeredAlpn.length && c.alpn.length) {
      alpn = c.alpn.find((p) => offeredAlpn.includes(p)) ?? null;
      if (alpn === null) return host.fail('no_application_protocol', `no ALPN protocol in common: the client offers ${offeredAlpn.join(',')} (RFC 7301 §3.2)`);
    }
    this.clientRandom = ch.random;
    this.sessionId = ch.sessionId;
    this.transcript.add(m.bytes);
    const withShare = c.groups.find((g) => shares.some((s) => s.group === g));
    if (withShare !== undefined) {
      this.choice = { suite, group: withShare, alpn, sni: sniName };
      return this.serverFlight(ch, shares.find((s) => s.group === withShare)!.keyExchange);
    }
    const retryGroup = c.groups.find((g) => groups.includes(g));
    if (retryGroup === undefined) return host.fail('handshake_failure', `no key exchange group in common: the client supports ${groups.map(namedGroupName).join(', ')}`);
    this.choice = { suite, group: retryGroup, alpn, sni: sniName };
    this.helloRetry(ch);
  }

  /** RFC 8446 §4.1.4: a ServerHello with the special random, the version and the group wanted. */
  private helloRetry(ch: ClientHello): void {
    const group = new Uint8Array([this.choice.group >> 8, this.choice.group & 0xff]);
    const hrr = encodeTlsMessage(
      {
        type: 'server_hello',
        serverVersion: Version.TLS1_2,
        random: fromHex(HELLO_RETRY_REQUEST_RANDOM),
        sessionId: ch.sessionId,
        cipherSuite: this.choice.suite.id,
        compressionMethod: 0,
        extensions: [supportedVersionsExtension([Version.TLS1_3], 'server_hello'), rawExtension(ExtensionType.key_share, group, 'server_hello')],
      },
      true,
    );
    this.transcript.replaceFirstWithMessageHash(this.choice.suite);
    this.transcript.add(hrr);
    this.host.note(tlsNote('tls.hello-retry', `HelloRetryRequest sent: no usable key share, asking for ${namedGroupName(this.choice.group)}`, { role: 'server', group: namedGroupName(this.choice.group) }));
    this.host.sendHandshake(hrr);
    this.compatCcs();
    this.state = 'wait-ch2';
  }

  private compatCcs(): void {
    // RFC 8446 Appendix D.4: after the first server flight message, when the client sent a session id
    if (this.sessionId.length > 0 && this.host.config.middleboxCompat && !this.sentCcs) {
      this.sentCcs = true;
      this.host.sendChangeCipherSpec();
    }
  }

  private serverFlight(ch: ClientHello, peerShare: Uint8Array): void {
    const host = this.host;
    const { suite, group, alpn, sni } = this.choice;
    const identity = host.config.identity;
    if (!identity) return host.fail('internal_error', 'the server has no certificate');
    const kp = generateEcdheKeyPair(group as EcdheGroupCode, host.rng);
    const shared = ecdheSharedSecret(group, kp.privateKey, peerShare);
    if (!shared.ok) return host.fail('illegal_parameter', `the client ${namedGroupName(group)} key share: ${shared.error}`);
    const sh = encodeTlsMessage(
      {
        type: 'server_hello',
        serverVersion: Version.TLS1_2,
        random: host.rng.bytes(32),
        sessionId: ch.sessionId,
        cipherSuite: suite.id,
        compressionMethod: 0,
        extensions: [supportedVersionsExtension([Version.TLS1_3], 'server_hello'), keyShareExtension([{ group, keyExchange: kp.publicKey }], 'server_hello')],
      },
      true,
    );
    this.transcript.add(sh);
    host.sendHandshake(sh);
    this.compatCcs();
    host.note(
      tlsNote('tls.negotiated', `TLS 1.3, ${suite.name}, ${namedGroupName(group)}${sni ? `, SNI ${sni}` : ''}${alpn ? `, ALPN ${alpn}` : ''}`, {
        role: 'server',
        version: 'TLS 1.3',
        cipherSuite: suite.name,
        group: namedGroupName(group),
        sni,
        alpn,
        extendedMasterSecret: null,
      }),
    );
    this.schedule = new KeySchedule13(suite);
    this.hs = this.schedule.handshake(shared.preMasterSecret, this.transcript.hash(suite));
    host.keyLog('SERVER_HANDSHAKE_TRAFFIC_SECRET', this.clientRandom, this.hs.server);
    host.keyLog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', this.clientRandom, this.hs.client);
    host.setWrite(this.schedule.protection(this.hs.server));
    host.setRead(this.schedule.protection(this.hs.client));
    const ext: Extension[] = [];
    // RFC 6066 §3: an empty server_name in the reply says the name was used
    if (sni !== null) ext.push(rawExtension(ExtensionType.server_name, new Uint8Array(0), 'server_hello'));
    if (alpn !== null) ext.push(alpnExtension([alpn], 'server_hello'));
    const send = (body: Parameters<typeof encodeTlsMessage>[0]): void => {
      const bytes = encodeTlsMessage(body, true);
      this.transcript.add(bytes);
      host.sendHandshake(bytes);
    };
    send({ type: 'encrypted_extensions', extensions: ext });
    send({ type: 'certificate', certificateRequestContext: new Uint8Array(0), certificates: identity.chain });
    const signature = ecdsaSign(identity.keyPair.privateKey, certificateVerifyContent('server', this.transcript.hash(suite)));
    send({ type: 'certificate_verify', signatureScheme: SignatureScheme.ecdsa_secp256r1_sha256, signature });
    send({ type: 'finished', verifyData: finishedVerifyData(suite, this.hs.server, this.transcript.hash(suite)) });
    this.app = this.schedule.application(this.transcript.hash(suite));
    host.keyLog('SERVER_TRAFFIC_SECRET_0', this.clientRandom, this.app.server);
    host.keyLog('CLIENT_TRAFFIC_SECRET_0', this.clientRandom, this.app.client);
    host.keyLog('EXPORTER_SECRET', this.clientRandom, this.app.exporter);
    host.setWrite(this.schedule.protection(this.app.server));
    this.state = 'wait-finished';
  }
}
