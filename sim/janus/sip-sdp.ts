import { utf8Decode, utf8Encode } from '../core/encoding.ts';
import { decodeSdp } from '../wire/sdp/sdp.ts';
import { JANUS_EXTMAPS } from './sdp.ts';

/**
 * The SDP janus.plugin.sip writes (janus_sip.c with janus_sdp, written from its behaviour): towards the SIP peer a
 * plain RTP/AVP description on the gateway's address and the handle's RTP port; towards the browser the SIP peer's
 * description as an anonymized WebRTC one (the gateway merges its ICE, DTLS and BUNDLE in, sdp.ts mergeTransport).
 */

const CRLF = '\r\n';

/**
 * The INVITE's SDP from the browser's offer (what janus_sip.c does with janus_sdp): the audio section's codecs
 * and their rtpmap/fmtp, as plain RTP/AVP on the gateway's address and the handle's RTP port; no ICE, DTLS,
 * BUNDLE, msid or header extensions.
 */
export function plainOffer(browserSdp: string, ip: string, port: number, version = 1): { sdp: string } | { error: string } {
  const d = decodeSdp(browserSdp).value;
  const audio = d.media.find((m) => m.media === 'audio' && m.port !== 0);
  if (!audio) return { error: 'the offer has no audio section' };
  const keep = (l: string): boolean => /^a=(rtpmap|fmtp):/.test(l);
  const body = utf8Decode(utf8Encode(browserSdp)).split(/\r?\n/);
  const start = body.findIndex((l) => l.startsWith('m=audio'));
  let end = body.findIndex((l, i) => i > start && l.startsWith('m='));
  if (end < 0) end = body.length;
  const attrs = body.slice(start + 1, end).filter(keep);
  const lines = ['v=0', `o=- ${d.origin?.sessionId ?? '1'} ${version} IN IP4 ${ip}`, 's=Janus SIP', `c=IN IP4 ${ip}`, 't=0 0', `m=audio ${port} RTP/AVP ${audio.formats.join(' ')}`, ...attrs, `a=${audio.direction ?? 'sendrecv'}`];
  return { sdp: lines.join(CRLF) + CRLF };
}

/**
 * The JSEP answer for the browser from the callee's SDP (janus_sip.c: the SIP peer's answer, anonymized, with the
 * offer's mid): the codecs the callee chose, the direction mirrored, the mid and audio-level extensions the offer
 * had. The gateway adds ICE, DTLS, BUNDLE and candidates (mergeTransport).
 */
export function browserAnswer(browserOffer: string, peerSdp: Uint8Array): string {
  const offer = decodeSdp(browserOffer).value;
  const om = offer.media.find((m) => m.media === 'audio');
  const peer = decodeSdp(peerSdp).value;
  const pm = peer.media.find((m) => m.media === 'audio');
  const mid = om?.mid ?? '0';
  const dir = pm?.direction ?? 'sendrecv';
  const lines = ['v=0', `o=- ${peer.origin?.sessionId ?? '1'} ${peer.origin?.sessionVersion ?? '1'} IN IP4 0.0.0.0`, 's=-', 't=0 0', `m=audio 9 ${om?.proto ?? 'UDP/TLS/RTP/SAVPF'} ${(pm?.formats ?? ['0']).join(' ')}`, 'c=IN IP4 0.0.0.0', `a=${dir}`, `a=mid:${mid}`, 'a=rtcp-mux'];
  for (const r of pm?.rtpmaps ?? []) lines.push(`a=rtpmap:${r.payloadType} ${r.encodingName}/${r.clockRate}${r.encodingParameters ? `/${r.encodingParameters}` : ''}`);
  for (const f of pm?.fmtps ?? []) lines.push(`a=fmtp:${f.format} ${f.parameters}`);
  for (const e of om?.extmaps ?? []) if ((e.uri === JANUS_EXTMAPS.mid || e.uri === JANUS_EXTMAPS.audioLevel) && e.direction === undefined) lines.push(`a=extmap:${e.id} ${e.uri}`);
  return lines.join(CRLF) + CRLF;
}

/**
 * The JSEP offer for the browser from an incoming INVITE's SDP (janus_sip.c: the SIP offer anonymized): its audio
 * codecs, their rtpmap and fmtp, its direction, on mid 0 with rtcp-mux. Undefined when the SIP offer has no audio.
 */
export function browserOffer(peerSdp: Uint8Array): string | undefined {
  const peer = decodeSdp(peerSdp).value;
  const pm = peer.media.find((m) => m.media === 'audio' && m.port !== 0);
  if (!pm) return undefined;
  const lines = ['v=0', `o=- ${peer.origin?.sessionId ?? '1'} ${peer.origin?.sessionVersion ?? '1'} IN IP4 0.0.0.0`, 's=-', 't=0 0', `m=audio 9 UDP/TLS/RTP/SAVPF ${pm.formats.join(' ')}`, 'c=IN IP4 0.0.0.0', `a=${pm.direction ?? 'sendrecv'}`, 'a=mid:0', 'a=rtcp-mux'];
  for (const r of pm.rtpmaps) lines.push(`a=rtpmap:${r.payloadType} ${r.encodingName}/${r.clockRate}${r.encodingParameters ? `/${r.encodingParameters}` : ''}`);
  for (const f of pm.fmtps) lines.push(`a=fmtp:${f.format} ${f.parameters}`);
  return lines.join(CRLF) + CRLF;
}

/** The same SDP with its audio section's direction set (RFC 3264 §8.4 hold: sendonly, recvonly or inactive) and o= version `version`. */
export function withDirection(sdp: string, direction: string, version: number): string {
  const out: string[] = [];
  let inAudio = false;
  let wrote = false;
  for (const l of sdp.split(/\r?\n/).filter((x) => x.length > 0)) {
    if (l.startsWith('m=')) {
      if (inAudio && !wrote) out.push(`a=${direction}`);
      inAudio = l.startsWith('m=audio');
      wrote = false;
    }
    if (l.startsWith('o=')) {
      const p = l.split(' ');
      p[2] = String(version);
      out.push(p.join(' '));
      continue;
    }
    if (inAudio && /^a=(sendrecv|sendonly|recvonly|inactive)$/.test(l)) {
      out.push(`a=${direction}`);
      wrote = true;
      continue;
    }
    out.push(l);
  }
  if (inAudio && !wrote) out.push(`a=${direction}`);
  return out.join(CRLF) + CRLF;
}

