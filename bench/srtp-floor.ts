import { nodeCrypto } from '../cli/node-crypto.ts';
import { type CryptoBackend, cryptoBackend, nobleCrypto, setCryptoBackend } from '../sim/core/crypto-backend.ts';
import { deriveSessionKeys } from '../sim/crypto/srtp-kdf.ts';
import { protectRtp, SrtpCipher, unprotectRtp } from '../sim/srtp/transform.ts';
import { SRTP_PROFILES, type SrtpProfileName } from '../sim/wire/srtp/profiles.ts';

/** What one SRTP operation (a protect or an unprotect, averaged) costs with each backend, in CPU seconds. */
export interface SrtpFloor {
  readonly perOp: { readonly [backend: string]: number };
  /** The fastest backend and its cost per operation. */
  readonly fastest: { readonly name: string; readonly perOp: number };
}

/** The counts of SRTP and SRTCP operations a run's `--json` summary reports (sent = protects, received + failures = unprotects). */
export function srtpOperations(summary: { srtp?: { [endpoint: string]: { rtpSent: number; rtcpSent: number; rtpReceived: number; rtcpReceived: number; failures?: { [why: string]: number } } } }): number {
  let n = 0;
  for (const s of Object.values(summary.srtp ?? {})) {
    n += s.rtpSent + s.rtcpSent + s.rtpReceived + s.rtcpReceived;
    for (const f of Object.values(s.failures ?? {})) n += f;
  }
  return n;
}

/**
 * The crypto floor's unit: protect then unprotect one RTP packet of `packetBytes` (header included) through
 * sim/srtp/transform.ts, with each backend, best CPU of `rounds` rounds of `n` packets; the cost per operation
 * is half of a protect+unprotect pair.
 */
export function measureSrtpFloor(packetBytes: number, profileName: SrtpProfileName = 'AES_CM_128_HMAC_SHA1_80', n = 4000, rounds = 5): SrtpFloor {
  const profile = SRTP_PROFILES[profileName];
  const keys = deriveSessionKeys(profile, new Uint8Array(profile.keyLength).fill(7), new Uint8Array(profile.saltLength).fill(9));
  const packet = new Uint8Array(packetBytes);
  packet[0] = 0x80;
  packet[1] = 96;
  for (let i = 12; i < packet.length; i++) packet[i] = i & 0xff;
  const before = cryptoBackend();
  const perOp: { [backend: string]: number } = {};
  try {
    for (const backend of [nobleCrypto, nodeCrypto] as CryptoBackend[]) {
      setCryptoBackend(backend);
      const cipher = new SrtpCipher(profile, keys); // keyed once, as an SRTP context keys its session
      const pass = (): void => {
        for (let i = 0; i < n; i++) {
          const seq = i & 0xffff;
          const p = protectRtp(cipher, packet, 12, 0x1234, 0, seq);
          if (!unprotectRtp(cipher, p, 12, 0x1234, 0, seq)) throw new Error('srtp floor: round trip failed');
        }
      };
      pass();
      let best = Infinity;
      for (let r = 0; r < rounds; r++) {
        const c0 = process.cpuUsage();
        pass();
        const c = process.cpuUsage(c0);
        best = Math.min(best, (c.user + c.system) / 1e6);
      }
      perOp[backend.name] = best / (2 * n);
    }
  } finally {
    setCryptoBackend(before);
  }
  const [name, cost] = Object.entries(perOp).sort((a, b) => a[1] - b[1])[0]!;
  return { perOp, fastest: { name, perOp: cost } };
}
