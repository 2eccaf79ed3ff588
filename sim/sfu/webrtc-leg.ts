import type { Micros } from '../core/time.ts';
import type { MediaLeg } from './rtp-streams.ts';
import type { WebRtcTransport } from './transport.ts';

/** A WebRtcTransport as the media plane sees it: plain RTP/RTCP protected with its SRTP keys and sent on its selected pair. */
export function webRtcLeg(t: WebRtcTransport): MediaLeg {
  const send = (now: Micros, plain: Uint8Array, kind: 'rtp' | 'rtcp'): boolean => {
    const srtp = t.srtp;
    if (!srtp) return false;
    const r = kind === 'rtp' ? srtp.protectRtp(plain) : srtp.protectRtcp(plain);
    return r.ok && t.send(now, r.bytes);
  };
  return { id: t.id, peerId: t.peerId, sendRtp: (now, p) => send(now, p, 'rtp'), sendRtcp: (now, p) => send(now, p, 'rtcp') };
}
