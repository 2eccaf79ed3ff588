import { dtlsNote } from './notes.ts';
import { bytesEqual } from '../core/encoding.ts';
import {
  ecPointFormatsExtension,
  extendedMasterSecretExtension,
  findExtension,
  renegotiationInfoExtension,
  useSrtpExtension,
  type Extension,
} from '../wire/handshake/extensions.ts';
import type { HandshakeBody } from '../wire/dtls/handshake.ts';
import { AlertDescription, CipherSuite, ClientCertificateType, SignatureScheme, namedGroupName, srtpProfileName } from '../wire/handshake/names.ts';
import { ecdheSharedSecret, generateEcdheKeyPair } from '../crypto/ecdhe.ts';
import { signServerKeyExchange, verifyCertificateVerify } from '../crypto/ecdsa.ts';
import { DTLS_1_2 } from './record-layer.ts';
import type { HandshakeRole, RoleHost } from './role.ts';

/**
 * The server side of the DTLS 1.2 handshake (RFC 6347 §4.2, RFC 5246 §7.3): it answers the ClientHello that
 * carried a valid cookie with flight 4 (asking for the client's certificate, as WebRTC does), checks flight 5
 * and finishes with flight 6. The stateless cookie exchange before it lives in the endpoint.
 */
type Expect = 'client_hello' | 'certificate' | 'client_key_exchange' | 'certificate_verify' | 'ccs' | 'finished' | 'done';

export class ServerHandshake implements HandshakeRole {
  private expect: Expect = 'client_hello';

  constructor(private readonly h: RoleHost) {}

  start(): void {
    // the server waits for a ClientHello
  }

  onMessage(body: HandshakeBody, bytes: Uint8Array): void {
    const { session } = this.h;
    const unexpected = (): void => this.h.fail(AlertDescription.unexpected_message, `unexpected ${body.type} while waiting for ${this.expect}`);
    switch (body.type) {
      case 'client_hello': {
        if (this.expect !== 'client_hello') return unexpected();
        session.transcript.push(bytes);
        const { config } = this.h;
        // DTLS versions count down: 0xfefd (1.2) is below 0xfeff (1.0).
        if (body.clientVersion > DTLS_1_2) return this.h.fail(AlertDescription.protocol_version, `client offers only 0x${body.clientVersion.toString(16)}, not DTLS 1.2`);
        if (!body.cipherSuites.includes(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)) {
          return this.h.fail(AlertDescription.handshake_failure, 'client does not offer TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
        }
        const groups = findExtension(body.extensions, 'supported_groups')?.body.groups;
        const group = config.groups.find((g) => !groups || groups.includes(g));
        if (group === undefined) return this.h.fail(AlertDescription.handshake_failure, `no common group (client offers ${groups?.map(namedGroupName).join(', ')})`);
        const schemes = findExtension(body.extensions, 'signature_algorithms')?.body.schemes;
        if (schemes && !schemes.includes(SignatureScheme.ecdsa_secp256r1_sha256)) {
          return this.h.fail(AlertDescription.handshake_failure, 'client does not accept ecdsa_secp256r1_sha256 signatures');
        }
        const offered = findExtension(body.extensions, 'use_srtp')?.body.profiles ?? [];
        session.srtpProfileId = config.srtpProfiles.find((p) => offered.includes(p));
        session.extendedMasterSecret = findExtension(body.extensions, 'extended_master_secret') !== undefined;
        session.clientRandom = body.random;
        session.serverRandom = this.h.rng.bytes(32);
        // RFC 8446 §4.1.3: a DTLS 1.3-capable server agreeing to 1.2 says so (sim/dtls/v13/factory.ts)
        if (config.downgradeSentinel) session.serverRandom.set([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01], 24);
        session.group = group;
        // RFC 5246 §7.4.1.4: answer only extensions the client sent.
        const extensions: Extension[] = [];
        const renegotiation = findExtension(body.extensions, 'renegotiation_info') || body.cipherSuites.includes(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
        if (renegotiation) extensions.push(renegotiationInfoExtension());
        if (session.extendedMasterSecret) extensions.push(extendedMasterSecretExtension());
        if (session.srtpProfileId !== undefined) extensions.push(useSrtpExtension([session.srtpProfileId]));
        if (findExtension(body.extensions, 'ec_point_formats')) extensions.push(ecPointFormatsExtension([0]));
        this.h.note(
          dtlsNote(
            'dtls.client-hello',
            `client offers ${offered.map(srtpProfileName).join(', ') || 'no SRTP'}; choosing ${session.srtpProfileId === undefined ? 'no SRTP' : srtpProfileName(session.srtpProfileId)}, ${namedGroupName(group)}`,
          ),
        );
        this.h.queueHandshake({
          type: 'server_hello',
          serverVersion: DTLS_1_2,
          random: session.serverRandom,
          sessionId: new Uint8Array(0),
          cipherSuite: CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
          compressionMethod: 0,
          extensions,
        });
        this.h.queueHandshake({ type: 'certificate', certificates: [this.h.identity.der] });
        const kp = generateEcdheKeyPair(group, this.h.rng);
        session.ecdhe = kp;
        this.h.queueHandshake(signServerKeyExchange(this.h.identity.keyPair.privateKey, session.clientRandom, session.serverRandom, group, kp.publicKey));
        // WebRTC authenticates both sides (RFC 8827 §6.5): ask for the client's certificate.
        this.h.queueHandshake({
          type: 'certificate_request',
          certificateTypes: [ClientCertificateType.ecdsa_sign],
          signatureSchemes: [SignatureScheme.ecdsa_secp256r1_sha256],
          certificateAuthorities: [],
        });
        this.h.queueHandshake({ type: 'server_hello_done' });
        this.expect = 'certificate';
        this.h.sendFlight(4);
        return;
      }
      case 'certificate': {
        if (this.expect !== 'certificate') return unexpected();
        session.transcript.push(bytes);
        if (body.certificates.length === 0) return this.h.fail(AlertDescription.handshake_failure, 'client sent no certificate; WebRTC requires one');
        if (!this.h.acceptPeerCertificate(body.certificates)) return;
        this.expect = 'client_key_exchange';
        return;
      }
      case 'client_key_exchange': {
        if (this.expect !== 'client_key_exchange') return unexpected();
        session.transcript.push(bytes);
        const shared = ecdheSharedSecret(session.group, session.ecdhe!.privateKey, body.publicKey);
        if (!shared.ok) return this.h.fail(AlertDescription.illegal_parameter, shared.error);
        session.preMasterSecret = shared.preMasterSecret;
        session.deriveMasterSecret();
        this.h.keysDerived();
        this.expect = 'certificate_verify';
        return;
      }
      case 'certificate_verify': {
        if (this.expect !== 'certificate_verify') return unexpected();
        if (body.signatureScheme !== SignatureScheme.ecdsa_secp256r1_sha256 || !verifyCertificateVerify(session.peerCertificate!.publicKey, session.transcript, body.signature)) {
          return this.h.fail(AlertDescription.decrypt_error, 'CertificateVerify does not verify with the client certificate');
        }
        session.transcript.push(bytes);
        this.expect = 'ccs';
        return;
      }
      case 'finished': {
        if (this.expect !== 'finished') return unexpected();
        if (!bytesEqual(session.finished('client'), body.verifyData)) return this.h.fail(AlertDescription.decrypt_error, 'client Finished verify_data does not match the transcript');
        session.transcript.push(bytes);
        this.h.queueChangeCipherSpec();
        this.h.queueHandshake({ type: 'finished', verifyData: session.finished('server') });
        this.expect = 'done';
        this.h.sendFlight(6);
        this.h.connected();
        return;
      }
      default:
        return unexpected();
    }
  }

  onChangeCipherSpec(): boolean {
    if (this.expect !== 'ccs') return false;
    this.h.peerChangedCipherSpec();
    this.expect = 'finished';
    return true;
  }
}
