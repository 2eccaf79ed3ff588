import { dtlsNote } from './notes.ts';
import { bytesEqual } from '../core/encoding.ts';
import {
  ecPointFormatsExtension,
  extendedMasterSecretExtension,
  findExtension,
  renegotiationInfoExtension,
  signatureAlgorithmsExtension,
  supportedGroupsExtension,
  useSrtpExtension,
} from '../wire/handshake/extensions.ts';
import type { HandshakeBody } from '../wire/dtls/handshake.ts';
import type { ClientHello } from '../wire/handshake/hello.ts';
import { AlertDescription, CipherSuite, EcCurveType, SignatureScheme, cipherSuiteName, namedGroupName, srtpProfileName } from '../wire/handshake/names.ts';
import { ecdheSharedSecret, generateEcdheKeyPair, type EcdheGroupCode } from '../crypto/ecdhe.ts';
import { signCertificateVerify, verifyServerKeyExchange } from '../crypto/ecdsa.ts';
import { DTLS_1_2 } from './record-layer.ts';
import type { HandshakeRole, RoleHost } from './role.ts';

/**
 * The client side of the DTLS 1.2 handshake (RFC 6347 §4.2, RFC 5246 §7.3): flights 1, 3 and 5, and the
 * checks on what the server sends in flights 2, 4 and 6.
 */
type Expect = 'hello' | 'certificate' | 'server_key_exchange' | 'certificate_request_or_done' | 'server_hello_done' | 'ccs' | 'finished' | 'done';

export class ClientHandshake implements HandshakeRole {
  private expect: Expect = 'hello';
  private hello: ClientHello | undefined;
  private serverPublicKey: Uint8Array | undefined;
  private certificateRequested = false;

  constructor(private readonly h: RoleHost) {}

  start(prepared?: ClientHello): void {
    const { config, rng, session } = this.h;
    session.clientRandom = prepared?.random ?? rng.bytes(32);
    // RFC 5246 §7.4.1.2, RFC 8422 §5.1, RFC 5764 §4.1.1, RFC 7627 §5.1, RFC 5746 §3.4
    this.hello = prepared ?? {
      type: 'client_hello',
      clientVersion: DTLS_1_2,
      random: session.clientRandom,
      sessionId: new Uint8Array(0),
      cookie: new Uint8Array(0),
      cipherSuites: [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
      compressionMethods: [0],
      extensions: [
        supportedGroupsExtension(config.groups),
        ecPointFormatsExtension([0]),
        signatureAlgorithmsExtension([SignatureScheme.ecdsa_secp256r1_sha256]),
        useSrtpExtension(config.srtpProfiles),
        extendedMasterSecretExtension(),
        renegotiationInfoExtension(),
      ],
    };
    this.h.queueHandshake(this.hello);
    this.h.sendFlight(1);
  }

  onMessage(body: HandshakeBody, bytes: Uint8Array): void {
    const { session } = this.h;
    const unexpected = (): void => this.h.fail(AlertDescription.unexpected_message, `unexpected ${body.type} while waiting for ${this.expect}`);
    switch (body.type) {
      case 'hello_verify_request': {
        if (this.expect !== 'hello' || !this.hello) return unexpected();
        // RFC 6347 §4.2.1: resend the same ClientHello with the cookie; the first exchange is not hashed (§4.2.6).
        session.transcript.length = 0;
        this.hello = { ...this.hello, cookie: body.cookie };
        this.h.note(dtlsNote('dtls.cookie', `got a ${body.cookie.length}-byte cookie; sending the ClientHello again with it`));
        this.h.queueHandshake(this.hello);
        this.h.sendFlight(3);
        return;
      }
      case 'server_hello': {
        if (this.expect !== 'hello') return unexpected();
        if (body.serverVersion !== DTLS_1_2) return this.h.fail(AlertDescription.protocol_version, `server chose version 0x${body.serverVersion.toString(16)}, not DTLS 1.2`);
        if (body.cipherSuite !== CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256) {
          return this.h.fail(AlertDescription.illegal_parameter, `server chose ${cipherSuiteName(body.cipherSuite)}, which was not offered`);
        }
        session.transcript.push(bytes);
        session.serverRandom = body.random;
        session.extendedMasterSecret = findExtension(body.extensions, 'extended_master_secret') !== undefined;
        const srtp = findExtension(body.extensions, 'use_srtp');
        if (srtp) {
          const chosen = srtp.body.profiles[0];
          // RFC 5764 §4.1.1: exactly one profile, one the client offered.
          if (srtp.body.profiles.length !== 1 || chosen === undefined || !this.h.config.srtpProfiles.includes(chosen)) {
            return this.h.fail(AlertDescription.illegal_parameter, `server's use_srtp selects ${srtp.body.profiles.map(srtpProfileName).join(', ') || 'nothing'}`);
          }
          session.srtpProfileId = chosen;
        }
        const suite = cipherSuiteName(body.cipherSuite);
        const srtpProfile = session.srtpProfileId === undefined ? null : srtpProfileName(session.srtpProfileId);
        this.h.note(
          dtlsNote('dtls.server-hello', `server chose ${suite}, SRTP ${srtpProfile ?? 'none'}, extended master secret ${session.extendedMasterSecret ? 'yes' : 'no'}`, {
            cipherSuite: suite,
            srtpProfile,
            extendedMasterSecret: session.extendedMasterSecret,
          }),
        );
        this.expect = 'certificate';
        return;
      }
      case 'certificate': {
        if (this.expect !== 'certificate') return unexpected();
        session.transcript.push(bytes);
        if (!this.h.acceptPeerCertificate(body.certificates)) return;
        this.expect = 'server_key_exchange';
        return;
      }
      case 'server_key_exchange': {
        if (this.expect !== 'server_key_exchange') return unexpected();
        session.transcript.push(bytes);
        if (body.curveType !== EcCurveType.named_curve || !this.h.config.groups.includes(body.namedGroup as EcdheGroupCode)) {
          return this.h.fail(AlertDescription.illegal_parameter, `server chose group ${namedGroupName(body.namedGroup)}, which was not offered`);
        }
        // RFC 8422 §5.4: the signature covers both randoms and the ECDH parameters.
        if (!verifyServerKeyExchange(session.peerCertificate!.publicKey, session.clientRandom, session.serverRandom, body)) {
          return this.h.fail(AlertDescription.decrypt_error, 'ServerKeyExchange signature does not verify with the server certificate');
        }
        session.group = body.namedGroup;
        this.serverPublicKey = body.publicKey;
        this.expect = 'certificate_request_or_done';
        return;
      }
      case 'certificate_request': {
        if (this.expect !== 'certificate_request_or_done') return unexpected();
        session.transcript.push(bytes);
        if (!body.signatureSchemes.includes(SignatureScheme.ecdsa_secp256r1_sha256)) {
          return this.h.fail(AlertDescription.handshake_failure, 'CertificateRequest does not accept ecdsa_secp256r1_sha256');
        }
        this.certificateRequested = true;
        this.expect = 'server_hello_done';
        return;
      }
      case 'server_hello_done': {
        if (this.expect !== 'certificate_request_or_done' && this.expect !== 'server_hello_done') return unexpected();
        session.transcript.push(bytes);
        this.flight5();
        return;
      }
      case 'finished': {
        if (this.expect !== 'finished') return unexpected();
        const expected = session.finished('server');
        if (!bytesEqual(expected, body.verifyData)) return this.h.fail(AlertDescription.decrypt_error, 'server Finished verify_data does not match the transcript');
        session.transcript.push(bytes);
        this.expect = 'done';
        this.h.connected();
        return;
      }
      default:
        return unexpected();
    }
  }

  /** Flight 5: Certificate, ClientKeyExchange, CertificateVerify, ChangeCipherSpec, Finished (RFC 5246 §7.3). */
  private flight5(): void {
    const { session, identity } = this.h;
    if (this.certificateRequested) this.h.queueHandshake({ type: 'certificate', certificates: [identity.der] });
    const kp = generateEcdheKeyPair(session.group as EcdheGroupCode, this.h.rng);
    session.ecdhe = kp;
    const shared = ecdheSharedSecret(session.group, kp.privateKey, this.serverPublicKey!);
    if (!shared.ok) return this.h.fail(AlertDescription.illegal_parameter, shared.error);
    session.preMasterSecret = shared.preMasterSecret;
    this.h.queueHandshake({ type: 'client_key_exchange', publicKey: kp.publicKey });
    // RFC 7627 §4: the session hash ends with ClientKeyExchange.
    session.deriveMasterSecret();
    this.h.keysDerived();
    if (this.certificateRequested) {
      // RFC 5246 §7.4.8: sign every handshake message so far.
      const signature = signCertificateVerify(identity.keyPair.privateKey, session.transcript);
      this.h.queueHandshake({ type: 'certificate_verify', signatureScheme: SignatureScheme.ecdsa_secp256r1_sha256, signature });
    }
    this.h.queueChangeCipherSpec();
    this.h.queueHandshake({ type: 'finished', verifyData: session.finished('client') });
    this.expect = 'ccs';
    this.h.sendFlight(5);
  }

  onChangeCipherSpec(): boolean {
    if (this.expect !== 'ccs') return false;
    this.h.peerChangedCipherSpec();
    this.expect = 'finished';
    return true;
  }
}
