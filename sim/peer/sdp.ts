import { normalizeFingerprint } from '../dtls/identity.ts';
import { OPUS_PT } from '../media/audio.ts';
import { EXTMAP } from '../media/source.ts';
import { VP8_PT } from '../media/video.ts';
import { decodeSdp, effective } from '../wire/sdp/sdp.ts';
import type { SdpSetup, SessionDescription } from '../wire/sdp/types.ts';
import type { InitChunk } from '../wire/sctp/chunk.ts';
import { decodeSctpInitAttribute } from '../wire/sctp/snap.ts';
import { isMdnsName } from '../ice/mdns-candidates.ts';

/**
 * SDP generation for JSEP offers and answers (RFC 8829) as a browser writes them (RFC 8866 syntax): one BUNDLE
 * group (RFC 9143) over an audio and a video m-section (and optionally a data channel section), ICE attributes
 * (RFC 8839), DTLS attributes (RFC 8122 fingerprint, RFC 8842 setup), rtcp-mux (RFC 5761), codecs and header
 * extensions matching what sim/media sends. `readDescription` reads one back with the sim/wire/sdp parser.
 */

export const EXTMAP_URIS = {
  audioLevel: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', // RFC 6464
  absSendTime: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  mid: 'urn:ietf:params:rtp-hdrext:sdes:mid', // RFC 9143 §15.2
} as const;

export interface MediaSectionSpec {
  readonly kind: 'audio' | 'video' | 'application';
  readonly mid: string;
  /** The SSRC this side sends on the section (none: receive only or application). */
  readonly ssrc?: number;
  readonly direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  /** application only: a=sctp-port and a=max-message-size (RFC 8841 §5, §6); default 5000 and 262144. */
  readonly sctpPort?: number;
  readonly maxMessageSize?: number;
}

export interface DescriptionSpec {
  readonly type: 'offer' | 'answer';
  /** RFC 8866 §5.2 sess-id (digits) and sess-version (incremented on every new description, JSEP §5.2.2). */
  readonly sessionId: string;
  readonly sessionVersion: number;
  readonly ufrag: string;
  readonly pwd: string;
  readonly lite?: boolean;
  /** Candidate-attribute values ("<foundation> 1 udp <priority> <ip> <port> typ host"). */
  readonly candidates: readonly string[];
  readonly endOfCandidates: boolean;
  /** "AB:CD:…" (SHA-256 of the DER certificate). */
  readonly fingerprint: string;
  readonly setup: Exclude<SdpSetup, 'holdconn'>;
  readonly media: readonly MediaSectionSpec[];
  /** RTCP CNAME (RFC 7022) and the MediaStream id for a=msid. */
  readonly cname: string;
  readonly streamId?: string;
}

/** JSEP §5.2.1: a section's port and c= address are the default candidate's, or 9 / 0.0.0.0 before there is one. */
function defaultCandidate(candidates: readonly string[]): { ip: string; port: number } {
  const first = candidates[0]?.split(/\s+/);
  if (!first || first.length < 6) return { ip: '0.0.0.0', port: 9 };
  // as libwebrtc's UpdateConnectionAddress: an mDNS name never goes into c=; 0.0.0.0 and port 9 stand in for it
  return isMdnsName(first[4]!) ? { ip: '0.0.0.0', port: 9 } : { ip: first[4]!, port: Number(first[5]) };
}

/** Writes the description as SDP text with CRLF line endings (RFC 8866 §5). */
export function writeDescription(d: DescriptionSpec): string {
  const lines: string[] = [];
  const mids = d.media.map((m) => m.mid);
  const stream = d.streamId ?? d.cname;
  lines.push('v=0', `o=- ${d.sessionId} ${d.sessionVersion} IN IP4 127.0.0.1`, 's=-', 't=0 0');
  lines.push(`a=group:BUNDLE ${mids.join(' ')}`); // RFC 9143 §7: the offerer's first mid is the tagged section
  if (d.lite) lines.push('a=ice-lite'); // RFC 8839 §5.3: session level only
  lines.push('a=extmap-allow-mixed', `a=msid-semantic: WMS ${stream}`);
  const def = defaultCandidate(d.candidates);
  d.media.forEach((m, i) => {
    const ipv = def.ip.includes(':') ? 'IP6' : 'IP4';
    if (m.kind === 'application') {
      lines.push(`m=application ${def.port} UDP/DTLS/SCTP webrtc-datachannel`, `c=IN ${ipv} ${def.ip}`);
    } else {
      const pt = m.kind === 'audio' ? OPUS_PT : `${VP8_PT} ${VP8_PT + 1}`;
      lines.push(`m=${m.kind} ${def.port} UDP/TLS/RTP/SAVPF ${pt}`, `c=IN ${ipv} ${def.ip}`, 'a=rtcp:9 IN IP4 0.0.0.0');
    }
    lines.push(`a=ice-ufrag:${d.ufrag}`, `a=ice-pwd:${d.pwd}`);
    if (!d.lite) lines.push('a=ice-options:trickle'); // RFC 8840 §4.1.1
    lines.push(`a=fingerprint:sha-256 ${normalizeFingerprint(d.fingerprint).hex}`, `a=setup:${d.setup}`, `a=mid:${m.mid}`);
    if (m.kind === 'application') {
      lines.push(`a=sctp-port:${m.sctpPort ?? 5000}`, `a=max-message-size:${m.maxMessageSize ?? 262144}`); // RFC 8841 §5, §6
    } else {
      if (m.kind === 'audio') lines.push(`a=extmap:${EXTMAP.audioLevel} ${EXTMAP_URIS.audioLevel}`);
      lines.push(`a=extmap:${EXTMAP.absSendTime} ${EXTMAP_URIS.absSendTime}`, `a=extmap:${EXTMAP.mid} ${EXTMAP_URIS.mid}`);
      const dir = m.direction ?? (m.ssrc !== undefined ? 'sendrecv' : 'recvonly');
      lines.push(`a=${dir}`);
      if (m.ssrc !== undefined) lines.push(`a=msid:${stream} ${d.cname}-${m.kind}`);
      lines.push('a=rtcp-mux'); // RFC 5761 §5.1.1
      if (m.kind === 'audio') {
        lines.push(`a=rtpmap:${OPUS_PT} opus/48000/2`, `a=rtcp-fb:${OPUS_PT} transport-cc`, `a=fmtp:${OPUS_PT} minptime=10;useinbandfec=1`); // RFC 7587 §7
      } else {
        lines.push(`a=rtpmap:${VP8_PT} VP8/90000`, `a=rtcp-fb:${VP8_PT} goog-remb`, `a=rtcp-fb:${VP8_PT} nack`, `a=rtcp-fb:${VP8_PT} nack pli`, `a=rtcp-fb:${VP8_PT} ccm fir`, `a=fmtp:${VP8_PT} max-fr=30;max-fs=3600`); // RFC 7741 §6.1
        lines.push(`a=rtpmap:${VP8_PT + 1} rtx/90000`, `a=fmtp:${VP8_PT + 1} apt=${VP8_PT}`); // RFC 4588 §8.6: retransmissions of VP8
      }
      if (m.ssrc !== undefined) lines.push(`a=ssrc:${m.ssrc} cname:${d.cname}`, `a=ssrc:${m.ssrc} msid:${stream} ${d.cname}-${m.kind}`); // RFC 5576 §4.1
    }
    // RFC 8843 §7.1.3: candidates of a BUNDLE group go in its first section
    if (i === 0) {
      for (const c of d.candidates) lines.push(`a=candidate:${c}`);
      if (d.endOfCandidates) lines.push('a=end-of-candidates'); // RFC 8840 §8.2
    }
  });
  return lines.map((l) => `${l}\r\n`).join('');
}

/** What a peer needs from a remote description. */
export interface RemoteDescription {
  readonly ufrag: string;
  readonly pwd: string;
  readonly lite: boolean;
  readonly candidates: readonly string[];
  readonly endOfCandidates: boolean;
  /** "sha-256 AB:CD:…" */
  readonly fingerprint: string;
  readonly setup: SdpSetup | undefined;
  readonly mids: readonly string[];
  readonly bundle: readonly string[];
  /** The data channel section (RFC 8841): its mid, SCTP port and largest message; absent when none was offered. */
  /** RFC 8841: a=sctp-port, and a=max-message-size (0: any size). */
  readonly application?: {
    readonly mid: string;
    readonly sctpPort: number;
    readonly maxMessageSize: number;
    /** SNAP (draft-hancke-tsvwg-snap §4): the INIT chunk a=sctp-init carries, when there is a readable one. */
    readonly sctpInit?: InitChunk;
  };
  /** Signaled SSRCs per mid. */
  readonly ssrcs: readonly { readonly mid: string; readonly kind: string; readonly ssrc: number; readonly cname?: string }[];
  /** The whole description as decoded (codecs, extensions, directions: what offer/answer reads). */
  readonly parsed: SessionDescription;
}

const hexPairs = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).toUpperCase().padStart(2, '0')).join(':');

/** Reads a remote description with the sim/wire/sdp decoder; problems (or a missing ICE/DTLS attribute) come back as `error`. */
export function readDescription(text: string): { ok: true; value: RemoteDescription; problems: readonly string[] } | { ok: false; error: string } {
  const d = decodeSdp(text);
  const s = d.value;
  if (!s.media[0]) return { ok: false, error: 'no m= section' };
  // the transport's attributes are in the first section that is not rejected (port 0 carries only a=mid, JSEP §5.3.1)
  const bundle = s.groups.find((g) => g.semantics === 'BUNDLE')?.mids;
  const first = s.media.find((m) => m.port !== 0 && (!bundle || (m.mid !== undefined && bundle.includes(m.mid)))) ?? s.media[0];
  const e = effective(s, first);
  const fp = e.fingerprints.find((f) => f.hashFunction === 'sha-256');
  if (e.iceUfrag === undefined || e.icePwd === undefined) return { ok: false, error: 'no a=ice-ufrag / a=ice-pwd (RFC 8839 §5.4)' };
  if (!fp) return { ok: false, error: 'no a=fingerprint:sha-256 (RFC 8122 §5)' };
  const candidates: string[] = [];
  let endOfCandidates = s.endOfCandidates;
  for (const m of s.media) {
    for (const a of m.attributes) if (a.name === 'candidate' && a.value !== undefined) candidates.push(a.value);
    endOfCandidates ||= m.endOfCandidates;
  }
  const ssrcs: { mid: string; kind: string; ssrc: number; cname?: string }[] = [];
  for (const m of s.media) {
    for (const x of m.ssrcs) {
      if (x.attribute !== 'cname') continue;
      ssrcs.push({ mid: m.mid ?? '', kind: m.media, ssrc: x.ssrc, ...(x.value !== undefined ? { cname: x.value } : {}) });
    }
  }
  const problems = (d.problems ?? []).map((p) => p.message);
  const application = applicationSection(s.media, problems);
  return {
    ok: true,
    problems,
    value: {
      ufrag: e.iceUfrag,
      pwd: e.icePwd,
      lite: s.iceLite,
      candidates,
      endOfCandidates,
      fingerprint: `sha-256 ${hexPairs(fp.fingerprint)}`,
      setup: e.setup,
      mids: s.media.map((m) => m.mid ?? ''),
      bundle: s.groups.find((g) => g.semantics === 'BUNDLE')?.mids ?? [],
      ssrcs,
      ...(application ? { application } : {}),
      parsed: s,
    },
  };
}

/**
 * RFC 8841 §5–§6: the m=application UDP/DTLS/SCTP section's a=sctp-port (default 5000) and a=max-message-size
 * (§6.1: the largest message the remote takes; 64 kB when absent; 0 means any size and is kept as 0).
 */
function applicationSection(media: ReturnType<typeof decodeSdp>['value']['media'], problems: string[]): RemoteDescription['application'] {
  const m = media.find((x) => x.media === 'application');
  if (!m) return undefined;
  const attr = (name: string): string | undefined => m.attributes.find((a) => a.name === name)?.value;
  const num = (name: string, fallback: number, max: number): number => {
    const v = attr(name);
    if (v === undefined) return fallback;
    const n = /^\d{1,10}$/.test(v.trim()) ? Number(v.trim()) : NaN;
    if (!Number.isInteger(n) || n > max) {
      problems.push(`a=${name}:${v} is not a number up to ${max} (RFC 8841); using ${fallback}`);
      return fallback;
    }
    return n;
  };
  const sctpPort = num('sctp-port', 5000, 65535);
  const mms = num('max-message-size', 65536, 0xffffffff);
  // draft-hancke-tsvwg-snap §5.2, §5.4: a value that is not base64 or not an INIT chunk is ignored (and noted)
  const snap = attr('sctp-init');
  const init = snap === undefined ? undefined : decodeSctpInitAttribute(snap);
  if (init) for (const p of init.problems) problems.push(`a=sctp-init: ${p.message}`);
  return { mid: m.mid ?? '', sctpPort, maxMessageSize: mms, ...(init?.init ? { sctpInit: init.init } : {}) };
}

/** RFC 8842 §5.3 (JSEP §5.3.1): the answerer to an actpass offer picks active (browsers do); active ⇔ passive. */
export function answerSetup(offered: SdpSetup | undefined): 'active' | 'passive' {
  return offered === 'active' ? 'passive' : 'active';
}

/** Which DTLS role the local a=setup gives once the answer is known (RFC 8842 §5.1: active is the client). */
export function dtlsRoleFor(localSetup: SdpSetup, remoteSetup: SdpSetup | undefined): 'client' | 'server' {
  if (localSetup === 'active') return 'client';
  if (localSetup === 'passive') return 'server';
  return remoteSetup === 'active' ? 'server' : 'client';
}
