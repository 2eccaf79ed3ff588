import type { SrtcpView } from '../../sim/wire/srtp/protected.ts';
import type { RtpPacket } from '../../sim/wire/rtp/rtp.ts';
import type { Dissected } from './dissect-captures.ts';

/** Test helper: every SRTP and SRTCP packet of a dissected capture, counted per sending SSRC, and the ones not opened. */
export interface SrtpCensus {
  /** SSRC → SRTP packets decrypted and authenticated. */
  readonly rtp: Map<number, number>;
  /** Sender SSRC → SRTCP packets decrypted and authenticated. */
  readonly rtcp: Map<number, number>;
  /** Every SRTP/SRTCP (or RTP/RTCP) packet not opened, or any packet with a problem: "#index summary: problems". */
  readonly unopened: string[];
  readonly stun: number;
  readonly dtls: number;
}

export function srtpCensus(d: Dissected): SrtpCensus {
  const rtp = new Map<number, number>();
  const rtcp = new Map<number, number>();
  const unopened: string[] = [];
  let stun = 0;
  let dtls = 0;
  for (const { raw, d: p } of d.packets) {
    const outer = p.layers.find((l) => l.protocol === 'SRTP' || l.protocol === 'SRTCP' || l.protocol === 'RTP' || l.protocol === 'RTCP');
    if (p.protocol === 'STUN') stun++;
    if (p.layers.some((l) => l.protocol === 'DTLS')) dtls++;
    const opened = p.layers.some((l) => l.plaintext && (l.protocol === 'RTP' || l.protocol === 'RTCP'));
    if (p.problems.length > 0 || (outer && (outer.plaintext || !opened))) {
      unopened.push(`#${raw.index} ${p.summary}: ${p.problems.map((x) => x.message).join('; ') || 'not opened'}`);
      continue;
    }
    if (outer?.protocol === 'SRTP') {
      const ssrc = (outer.value as RtpPacket).header.ssrc;
      rtp.set(ssrc, (rtp.get(ssrc) ?? 0) + 1);
    } else if (outer?.protocol === 'SRTCP') {
      const ssrc = (outer.value as SrtcpView).ssrc;
      rtcp.set(ssrc, (rtcp.get(ssrc) ?? 0) + 1);
    }
  }
  return { rtp, rtcp, unopened, stun, dtls };
}
