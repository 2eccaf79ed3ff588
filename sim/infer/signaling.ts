import { sha1 } from '@noble/hashes/legacy.js';
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { bytesEqual, toHex } from '../core/encoding.ts';
import type { Micros } from '../core/time.ts';
import { parseCandidate } from '../wire/sdp/attributes.ts';
import type { SdpCandidate, SdpFingerprint, SessionDescription } from '../wire/sdp/types.ts';
import type { SignalingMessage } from '../dissect/signaling.ts';
import type { DissectedPacket } from '../dissect/types.ts';
import type { InferredPair } from './ice.ts';

/**
 * What the signaling said, gathered from SDP and trickle messages seen on the wire, so that the ICE checklist and
 * the DTLS handshakes rebuilt from packets can be checked against it: every checked address should be a signaled
 * candidate (else it is peer-reflexive, RFC 8445 §7.3.1.3), the USERNAME of a check is the two signaled ufrags
 * (RFC 8445 §7.2.2), and a DTLS certificate must hash to a signaled a=fingerprint (RFC 8842 §5, RFC 8122 §5).
 */
export interface SignaledDescription {
  readonly packet: number;
  readonly t: Micros;
  /** Who sent the signaling message (the signaling connection's endpoint, not a media address). */
  readonly from: string;
  readonly type: string;
  readonly ufrags: readonly string[];
  readonly candidates: readonly SdpCandidate[];
  readonly fingerprints: readonly SdpFingerprint[];
  readonly setup: string | undefined;
}

export interface SignaledCandidateSeen {
  readonly candidate: SdpCandidate;
  readonly packet: number;
  /** "SDP offer", "trickle" … */
  readonly source: string;
  readonly description: SignaledDescription | undefined;
}

const endpoint = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

const HASHES: Record<string, (b: Uint8Array) => Uint8Array> = { 'sha-1': sha1, 'sha-224': sha224, 'sha-256': sha256, 'sha-384': sha384, 'sha-512': sha512 };

/** Parses "AB:CD:…" into bytes, or undefined. */
function fingerprintBytes(text: string): Uint8Array | undefined {
  const parts = text.trim().split(':');
  return parts.every((p) => /^[0-9A-Fa-f]{2}$/.test(p)) ? Uint8Array.from(parts, (p) => parseInt(p, 16)) : undefined;
}

export class SignalingLog {
  readonly descriptions: SignaledDescription[] = [];
  readonly trickled: SignaledCandidateSeen[] = [];
  /** Fingerprints from non-SDP signaling (mediasoup dtlsParameters). */
  readonly otherFingerprints: { fingerprint: SdpFingerprint; packet: number; from: string }[] = [];
  /** Retransmission streams the SDPs declare (RFC 4588 §8): rtx payload types and the second SSRC of FID groups. */
  readonly rtx = { payloadTypes: new Set<number>(), ssrcs: new Set<number>() };

  observe(p: DissectedPacket, packet: number, t: Micros): SignaledDescription[] {
    const added: SignaledDescription[] = [];
    let lastSignal: SignalingMessage | undefined;
    for (const l of p.layers) {
      if (l.protocol === 'SIGNALING' && l.value) {
        lastSignal = l.value as SignalingMessage;
        for (const c of lastSignal.candidates) {
          const parsed = parseCandidate(c.candidate.replace(/^a=/, '').replace(/^candidate:/, ''), 0);
          if (parsed.value) this.trickled.push({ candidate: parsed.value, packet, source: 'trickle', description: undefined });
        }
        for (const f of lastSignal.fingerprints) {
          const bytes = fingerprintBytes(f.value);
          if (bytes) this.otherFingerprints.push({ fingerprint: { hashFunction: f.algorithm.toLowerCase(), fingerprint: bytes }, packet, from: p.src });
        }
      } else if (l.protocol === 'SDP' && l.value) {
        const d = l.value as SessionDescription;
        // the JSEP type from the signaling message, or (WHIP: a bare application/sdp body) from the SDP layer's summary
        const type = lastSignal?.descriptions[added.length]?.type ?? /^(\w+):/.exec(l.summary)?.[1] ?? 'description';
        const all = [d, ...d.media];
        for (const m of d.media) {
          for (const r of m.rtpmaps) if (r.encodingName.toLowerCase() === 'rtx') this.rtx.payloadTypes.add(r.payloadType);
          // RFC 5576 §4.2 with RFC 4588 §8.3: a=ssrc-group:FID <primary> <retransmission>
          for (const a of m.attributes) {
            const fid = a.name === 'ssrc-group' ? /^FID\s+(\d+)\s+(\d+)/.exec(a.value ?? '') : null;
            if (fid) this.rtx.ssrcs.add(Number(fid[2]));
          }
        }
        const desc: SignaledDescription = {
          packet,
          t,
          from: p.src,
          type,
          ufrags: [...new Set(all.map((x) => x.iceUfrag).filter((x): x is string => x !== undefined))],
          candidates: all.flatMap((x) => x.candidates),
          fingerprints: all.flatMap((x) => x.fingerprints),
          setup: d.setup ?? d.media.find((m) => m.setup)?.setup,
        };
        this.descriptions.push(desc);
        added.push(desc);
      }
    }
    return added;
  }

  /** Every candidate signaled at this transport address (SDP first, then trickle). */
  candidatesAt(address: string): SignaledCandidateSeen[] {
    const out: SignaledCandidateSeen[] = [];
    for (const d of this.descriptions) for (const c of d.candidates) if (endpoint(c.address, c.port) === address) out.push({ candidate: c, packet: d.packet, source: `SDP ${d.type}`, description: d });
    for (const c of this.trickled) if (endpoint(c.candidate.address, c.candidate.port) === address) out.push(c);
    return out;
  }

  /** RFC 8445 §7.2.2: USERNAME is "<receiver's ufrag>:<sender's ufrag>"; checks it against the SDPs holding the candidates. */
  checkUsername(pair: InferredPair): string | undefined {
    const [remoteUfrag, localUfrag] = pair.username.split(':');
    const local = this.candidatesAt(pair.local).find((c) => c.description)?.description;
    const remote = this.candidatesAt(pair.remote).find((c) => c.description)?.description;
    const bad: string[] = [];
    if (local && localUfrag !== undefined && !local.ufrags.includes(localUfrag)) bad.push(`sender ufrag ${localUfrag} is not the ${local.type}'s (${local.ufrags.join(', ')})`);
    if (remote && remoteUfrag !== undefined && !remote.ufrags.includes(remoteUfrag)) bad.push(`receiver ufrag ${remoteUfrag} is not the ${remote.type}'s (${remote.ufrags.join(', ')})`);
    if (!local && !remote) return undefined;
    return bad.length ? `USERNAME ${pair.username} does not match the signaling: ${bad.join('; ')}` : `USERNAME ${pair.username} matches the signaled ice-ufrags`;
  }

  /**
   * RFC 8842 §5 / RFC 8122 §5: a certificate must match a fingerprint its sender signaled. The description holding a
   * candidate at the certificate's sender address is preferred; else any signaled fingerprint of the same hash.
   */
  checkCertificate(sender: string, der: Uint8Array): { ok: boolean; text: string; fingerprint: string } {
    const own = this.candidatesAt(sender).find((c) => c.description)?.description;
    const pool: { fp: SdpFingerprint; where: string }[] = [];
    if (own) for (const fp of own.fingerprints) pool.push({ fp, where: `the SDP ${own.type} in packet ${own.packet + 1}` });
    const fallback = !own || own.fingerprints.length === 0;
    if (fallback) {
      for (const d of this.descriptions) for (const fp of d.fingerprints) pool.push({ fp, where: `the SDP ${d.type} in packet ${d.packet + 1}` });
      for (const o of this.otherFingerprints) pool.push({ fp: o.fingerprint, where: `dtlsParameters in packet ${o.packet + 1}` });
    }
    const sha = toHex(sha256(der), ':').toUpperCase();
    for (const { fp, where } of pool) {
      const h = HASHES[fp.hashFunction];
      if (h && bytesEqual(h(der), fp.fingerprint)) return { ok: true, fingerprint: sha, text: `matches a=fingerprint ${fp.hashFunction} of ${where}` };
    }
    if (!pool.length) return { ok: false, fingerprint: sha, text: 'no fingerprint was signaled to check it against' };
    const where = own ? `the SDP ${own.type} in packet ${own.packet + 1}, which carries ${sender} as a candidate` : 'any signaled fingerprint';
    return { ok: false, fingerprint: sha, text: `matches no fingerprint of ${where} (RFC 8842 §5: the endpoint must abort the handshake)` };
  }
}
