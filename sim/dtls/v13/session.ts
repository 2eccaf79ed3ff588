import { toHex } from '../../core/encoding.ts';
import { DTLS_SRTP_LABEL } from '../../crypto/prf.ts';
import { srtpProfile, type SrtpProfile } from '../../wire/srtp/profiles.ts';
import { srtpProfileName } from '../../wire/handshake/names.ts';
import type { Schedule13 } from './schedule.ts';

/** What a DTLS 1.3 handshake agreed: randoms, suite and group, the key schedule, the SRTP profile (RFC 5764 §4.1.2). */
export class Session13 {
  clientRandom: Uint8Array = new Uint8Array(32);
  serverRandom: Uint8Array = new Uint8Array(32);
  group = 0;
  schedule: Schedule13 | undefined;
  srtpProfileId: number | undefined;
  peerCertificateDer: Uint8Array | undefined;

  get srtpProfile(): SrtpProfile | undefined {
    return this.srtpProfileId === undefined ? undefined : srtpProfile(this.srtpProfileId);
  }

  /** RFC 5764 §4.2 with the TLS 1.3 exporter (RFC 8446 §7.5): 2 × (key + salt) bytes of "EXTRACTOR-dtls_srtp". */
  srtpKeyingMaterial(): Uint8Array | undefined {
    const p = this.srtpProfile;
    if (!p) return undefined;
    return this.schedule?.export(DTLS_SRTP_LABEL, 2 * (p.keyLength + p.saltLength));
  }

  /** The `secret` line of kind 'srtp', as the DTLS 1.2 session writes it. */
  srtpSecretLine(): string | undefined {
    const p = this.srtpProfile;
    const m = this.srtpKeyingMaterial();
    if (!p || !m) return undefined;
    const k = p.keyLength;
    const s = p.saltLength;
    return [
      `SRTP ${srtpProfileName(p.id)}`,
      `client_random=${toHex(this.clientRandom)}`,
      `client_write_key=${toHex(m.subarray(0, k))}`,
      `server_write_key=${toHex(m.subarray(k, 2 * k))}`,
      `client_write_salt=${toHex(m.subarray(2 * k, 2 * k + s))}`,
      `server_write_salt=${toHex(m.subarray(2 * k + s, 2 * k + 2 * s))}`,
    ].join(' ');
  }
}
