import { normalizeFingerprint } from '../dtls/identity.ts';
import { codecsOf } from '../peer/offer-answer.ts';
import type { Codec } from '../peer/codecs.ts';
import { decodeSdp } from '../wire/sdp/sdp.ts';
import type { SdpMedia } from '../wire/sdp/types.ts';

/**
 * The SDP work of a Janus gateway and its plugins (Janus sdp-utils.c and sdp.c, written from their behaviour):
 * `anonymize` strips what belongs to the gateway's transport before a plugin sees the browser's SDP;
 * `generateAnswer` is what a plugin answers with (one codec per m-line, the directions and header extensions it
 * accepts); `mergeTransport` adds the gateway's ICE credentials, candidates, fingerprint, a=setup, BUNDLE and its
 * own SSRCs to the SDP a plugin produced, giving the JSEP the browser receives.
 */

const CRLF = '\r\n';
const lines = (sdp: string): string[] => sdp.split(/\r?\n/).filter((l) => l.length > 0);

/** Attributes that belong to ICE, DTLS and BUNDLE (RFC 8839, RFC 8842, RFC 9143): the gateway's, never a plugin's. */
const TRANSPORT_ATTRIBUTES = new Set(['ice-ufrag', 'ice-pwd', 'ice-options', 'ice-lite', 'fingerprint', 'setup', 'candidate', 'end-of-candidates', 'group', 'msid-semantic', 'rtcp', 'extmap-allow-mixed']);

/** janus_sdp_anonymize: the SDP without transport attributes, c= set to 0.0.0.0 and ports to 9 (or 0 for rejected). */
export function anonymize(sdp: string): string {
  const out: string[] = [];
  for (const l of lines(sdp)) {
    if (l.startsWith('a=')) {
      const colon = l.indexOf(':');
      const name = colon < 0 ? l.slice(2) : l.slice(2, colon);
      if (TRANSPORT_ATTRIBUTES.has(name)) continue;
    }
    if (l.startsWith('c=')) {
      out.push('c=IN IP4 0.0.0.0');
      continue;
    }
    if (l.startsWith('m=')) {
      const p = l.split(' ');
      if (p[1] !== '0') p[1] = '9';
      out.push(p.join(' '));
      continue;
    }
    out.push(l);
  }
  return out.map((l) => l + CRLF).join('');
}

/** Janus's codec preference (sdp-utils.c janus_preferred_audio_codecs / video): the first offered is chosen. */
export const AUDIO_PREFERENCE = ['opus', 'pcmu', 'pcma', 'g722', 'isac32', 'isac16'] as const;
export const VIDEO_PREFERENCE = ['vp8', 'vp9', 'h264', 'av1', 'h265'] as const;

/** Header extensions a plugin can accept (Janus rtp.h JANUS_RTP_EXTMAP_*). */
export const JANUS_EXTMAPS = {
  audioLevel: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  videoOrientation: 'urn:3gpp:video-orientation',
  mid: 'urn:ietf:params:rtp-hdrext:sdes:mid',
  rid: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
  repairedRid: 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id',
  absSendTime: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  transportWideCc: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
} as const;

export interface AnswerOptions {
  /** Accept the audio m-line(s) (else port 0). */
  readonly audio: boolean;
  readonly video: boolean;
  /** A codec name to use instead of the preference list (echotest's `audiocodec` / `videocodec`). */
  readonly audioCodec?: string;
  readonly videoCodec?: string;
  /** Header extension URIs the plugin accepts (others are left out of the answer). */
  readonly extmaps: readonly string[];
  /** The o= line's session id (digits) and the s= name. */
  readonly sessionId: string;
  readonly sessionName: string;
}

export interface AnsweredSection {
  readonly index: number;
  readonly kind: string;
  readonly mid: string;
  readonly accepted: boolean;
  readonly codec?: Codec;
  readonly direction: string;
}

/**
 * janus_sdp_generate_answer: each offered m-line answered in order; audio/video accepted when allowed and a codec
 * of the preference list is offered (that codec only, with its offered fmtp and rtcp-fb), else rejected (port 0);
 * the direction mirrors the offer's (RFC 3264 §6: sendonly ↔ recvonly); application sections are rejected.
 */
export function generateAnswer(offerSdp: string, o: AnswerOptions): { sdp: string; sections: AnsweredSection[] } | { error: string } {
  const d = decodeSdp(offerSdp).value;
  if (d.media.length === 0 || d.origin === undefined) return { error: 'Missing mandatory lines (o=, s= or m=)' };
  const out: string[] = ['v=0', `o=- ${o.sessionId} ${o.sessionId} IN IP4 0.0.0.0`, `s=${o.sessionName}`, 't=0 0'];
  const sections: AnsweredSection[] = [];
  d.media.forEach((m, index) => {
    const mid = m.mid ?? String(index);
    const codec = m.media === 'audio' || m.media === 'video' ? chooseCodec(m, o) : undefined;
    if (!codec) {
      out.push(`m=${m.media} 0 ${m.proto} ${m.formats[0] ?? '0'}`, 'c=IN IP4 0.0.0.0', 'a=inactive', `a=mid:${mid}`);
      sections.push({ index, kind: m.media, mid, accepted: false, direction: 'inactive' });
      return;
    }
    const direction = mirror(m.direction ?? 'sendrecv');
    out.push(`m=${m.media} 9 ${m.proto} ${codec.payloadType}`, 'c=IN IP4 0.0.0.0', `a=${direction}`, `a=mid:${mid}`, 'a=rtcp-mux');
    out.push(`a=rtpmap:${codec.payloadType} ${codec.name}/${codec.clockRate}${codec.channels !== undefined ? `/${codec.channels}` : ''}`);
    if (codec.fmtp.length > 0) out.push(`a=fmtp:${codec.payloadType} ${codec.fmtp.map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join(';')}`);
    for (const fb of codec.feedback) out.push(`a=rtcp-fb:${codec.payloadType} ${fb}`);
    for (const e of m.extmaps) if (o.extmaps.includes(e.uri)) out.push(`a=extmap:${e.id} ${e.uri}`);
    sections.push({ index, kind: m.media, mid, accepted: true, codec, direction });
  });
  return { sdp: out.map((l) => l + CRLF).join(''), sections };
}

function chooseCodec(m: SdpMedia, o: AnswerOptions): Codec | undefined {
  const audio = m.media === 'audio';
  if (audio ? !o.audio : !o.video) return undefined;
  const offered = codecsOf(m);
  const forced = audio ? o.audioCodec : o.videoCodec;
  const order: readonly string[] = forced ? [forced.toLowerCase()] : audio ? AUDIO_PREFERENCE : VIDEO_PREFERENCE;
  for (const name of order) {
    const c = offered.find((x) => x.name.toLowerCase() === name);
    if (c) return c;
  }
  return undefined;
}

function mirror(d: string): string {
  return d === 'sendonly' ? 'recvonly' : d === 'recvonly' ? 'sendonly' : d;
}

export interface GatewayTransport {
  readonly ip: string;
  readonly ufrag: string;
  readonly pwd: string;
  /** "AB:CD:…" (SHA-256). */
  readonly fingerprint: string;
  readonly setup: 'active' | 'passive' | 'actpass';
  /** candidate-attribute values, all gathered (Janus half-trickle: the gateway's candidates go in the SDP). */
  readonly candidates: readonly string[];
  /** The SSRC the gateway sends on each accepted audio/video section, by mid. */
  readonly ssrcs: ReadonlyMap<string, number>;
  /** o= sess-version. */
  readonly version: number;
}

/**
 * janus_sdp_merge: the plugin's SDP with the gateway's transport added: a=group:BUNDLE over the accepted mids,
 * a=ice-options:trickle, the fingerprint and a=msid-semantic at session level; per section c= the gateway's
 * address, ICE credentials, a=setup, and a=msid + a=ssrc cname:janus for what the gateway sends; the candidates
 * and a=end-of-candidates in the first section (RFC 8843 §7.1.3).
 */
export function mergeTransport(pluginSdp: string, t: GatewayTransport): string {
  const src = lines(pluginSdp);
  const out: string[] = [];
  const sections: string[][] = [];
  const session: string[] = [];
  for (const l of src) {
    if (l.startsWith('m=')) sections.push([l]);
    else if (sections.length > 0) sections[sections.length - 1]!.push(l);
    else session.push(l);
  }
  const midOf = (s: string[]): string | undefined => s.find((l) => l.startsWith('a=mid:'))?.slice(6);
  const accepted = sections.filter((s) => s[0]!.split(' ')[1] !== '0');
  const ip4 = t.ip.includes(':') ? 'IP6' : 'IP4';
  for (const l of session) {
    if (l.startsWith('o=')) {
      const p = l.split(' ');
      out.push(`${p[0]} ${p[1]} ${t.version} IN ${ip4} ${t.ip}`);
    } else out.push(l);
  }
  const mids = accepted.map(midOf).filter((m): m is string => m !== undefined);
  if (mids.length > 0) out.push(`a=group:BUNDLE ${mids.join(' ')}`);
  out.push('a=ice-options:trickle', `a=fingerprint:sha-256 ${normalizeFingerprint(t.fingerprint).hex}`, 'a=msid-semantic: WMS janus');
  let first = true;
  for (const s of sections) {
    const open = s[0]!.split(' ')[1] !== '0';
    const mid = midOf(s) ?? '';
    for (const l of s) {
      if (l.startsWith('c=')) out.push(`c=IN ${ip4} ${open ? t.ip : '0.0.0.0'}`);
      else out.push(l);
    }
    if (!open) continue;
    out.push(`a=ice-ufrag:${t.ufrag}`, `a=ice-pwd:${t.pwd}`, 'a=ice-options:trickle', `a=setup:${t.setup}`);
    const ssrc = t.ssrcs.get(mid);
    const kind = s[0]!.slice(2, s[0]!.indexOf(' '));
    const sends = s.some((l) => l === 'a=sendrecv' || l === 'a=sendonly');
    if (ssrc !== undefined && sends) out.push(`a=msid:janus janus${kind}${mid}`, `a=ssrc:${ssrc} cname:janus`);
    if (first) {
      for (const c of t.candidates) out.push(`a=candidate:${c}`);
      out.push('a=end-of-candidates');
      first = false;
    }
  }
  return out.map((l) => l + CRLF).join('');
}

/** The m-lines of a plugin's SDP as the gateway reads them: accepted or not, the codec, the direction. */
export function sectionsOf(sdp: string): { sections: AnsweredSection[] } | { error: string } {
  const d = decodeSdp(sdp).value;
  if (d.media.length === 0 || d.origin === undefined) return { error: 'Missing mandatory lines (o=, s= or m=)' };
  return {
    sections: d.media.map((m, index) => {
      const codec = codecsOf(m)[0];
      return { index, kind: m.media, mid: m.mid ?? String(index), accepted: m.port !== 0 && codec !== undefined, ...(codec ? { codec } : {}), direction: m.direction ?? 'sendrecv' };
    }),
  };
}
