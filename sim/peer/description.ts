import { normalizeFingerprint } from '../dtls/identity.ts';
import type { SdpDirection } from '../wire/sdp/types.ts';
import { fmtpText, type Codec, type HeaderExtension } from './codecs.ts';
import { isMdnsName } from '../ice/mdns-candidates.ts';

/**
 * A session description as structured data, the way libwebrtc's SessionDescription holds contents and transport
 * infos before it is serialized: one content per m= section, in order. `writeSession` writes it as Chromium does
 * (RFC 8866 syntax; attribute order as in the kept Chromium captures). New kinds of content (an SCTP data channel
 * with its own attributes) add a member to `Content` and a branch to `writeContent`.
 */

export interface TransportInfo {
  readonly ufrag: string;
  readonly pwd: string;
  /** RFC 8839 §5.6: "trickle" (RFC 8840 §4.1.1), "renomination" … */
  readonly iceOptions: readonly string[];
  readonly lite: boolean;
  /** "AB:CD:…", SHA-256 of the DER certificate (RFC 8122 §5). */
  readonly fingerprint: string;
  readonly setup: 'actpass' | 'active' | 'passive';
}

/** A track this side sends on a section: a=msid (RFC 8830 §2), a=ssrc (RFC 5576 §4.1), a=ssrc-group:FID for RTX (RFC 4588 §8.1). */
export interface SendStream {
  readonly streamId: string;
  readonly trackId: string;
  readonly ssrc: number;
  readonly rtxSsrc?: number;
}

export interface RtpContent {
  readonly kind: 'audio' | 'video';
  readonly mid: string;
  /** JSEP §5.3.1: a rejected section (answer) or a stopped one has port 0. */
  readonly rejected: boolean;
  readonly proto: string;
  readonly direction: SdpDirection;
  readonly codecs: readonly Codec[];
  readonly extensions: readonly HeaderExtension[];
  readonly rtcpMux: boolean;
  /** RFC 5506 §5: reduced-size RTCP. */
  readonly rtcpRsize: boolean;
  readonly send?: SendStream;
}

export interface DataContent {
  readonly kind: 'application';
  readonly mid: string;
  readonly rejected: boolean;
  readonly proto: string;
  /** RFC 8841 §5, §6 (absent when rejected). */
  readonly sctpPort?: number;
  readonly maxMessageSize?: number;
  /** SNAP (draft-hancke-tsvwg-snap §4): this side's SCTP INIT chunk in base64. */
  readonly sctpInit?: string;
}

/** A section this side cannot take part in, mirrored from an offer with port 0 (JSEP §5.3.1). */
export interface RejectedContent {
  readonly kind: 'other';
  readonly media: string;
  readonly mid: string;
  readonly rejected: true;
  readonly proto: string;
  readonly formats: readonly string[];
}

export type Content = RtpContent | DataContent | RejectedContent;

export interface SessionModel {
  readonly type: 'offer' | 'answer';
  /** RFC 8866 §5.2 sess-id (digits) and sess-version (JSEP §5.2.2: +1 on every new description). */
  readonly sessionId: string;
  readonly sessionVersion: number;
  /** RFC 9143: the BUNDLE group's mids (the tagged one first); undefined when there is none. */
  readonly bundle: readonly string[] | undefined;
  readonly transport: TransportInfo;
  /** candidate-attribute values, written in the first bundled section (RFC 8843 §7.1.3). */
  readonly candidates: readonly string[];
  readonly endOfCandidates: boolean;
  readonly contents: readonly Content[];
  readonly cname: string;
  /** The MediaStream id of a=msid-semantic (Chromium writes its stream; Firefox "*"). */
  readonly msidSemantic: string;
  readonly fingerprintAtSession: boolean;
}

/** JSEP §5.2.1: a section's port and c= address are the default candidate's, or 9 / 0.0.0.0 before there is one. */
function defaultCandidate(candidates: readonly string[]): { ip: string; port: number } {
  const first = candidates.find((c) => c.split(/\s+/)[2]?.toLowerCase() === 'udp')?.split(/\s+/);
  if (!first || first.length < 6) return { ip: '0.0.0.0', port: 9 };
  // as libwebrtc's UpdateConnectionAddress: an mDNS name never goes into c=; 0.0.0.0 and port 9 stand in for it
  return isMdnsName(first[4]!) ? { ip: '0.0.0.0', port: 9 } : { ip: first[4]!, port: Number(first[5]) };
}

const ipVersion = (ip: string): string => (ip.includes(':') ? 'IP6' : 'IP4');

/** Writes the description as SDP text with CRLF line endings (RFC 8866 §5). */
export function writeSession(d: SessionModel): string {
  const lines: string[] = [];
  const fingerprint = `a=fingerprint:sha-256 ${normalizeFingerprint(d.transport.fingerprint).hex}`;
  lines.push('v=0', `o=- ${d.sessionId} ${d.sessionVersion} IN IP4 127.0.0.1`, 's=-', 't=0 0');
  if (d.fingerprintAtSession) lines.push(fingerprint);
  if (d.bundle && d.bundle.length) lines.push(`a=group:BUNDLE ${d.bundle.join(' ')}`);
  if (d.transport.lite) lines.push('a=ice-lite'); // RFC 8839 §5.3: session level only
  if (!d.fingerprintAtSession) lines.push('a=extmap-allow-mixed'); // RFC 8285 §6
  lines.push(d.msidSemantic === '*' ? 'a=msid-semantic:WMS *' : `a=msid-semantic: WMS ${d.msidSemantic}`);
  const first = d.contents.find((c) => !c.rejected && (!d.bundle || d.bundle.includes(c.mid)));
  const def = defaultCandidate(d.candidates);
  for (const c of d.contents) {
    const carries = c === first;
    writeContent(lines, d, c, carries ? def : { ip: '0.0.0.0', port: 9 }, carries, fingerprint);
  }
  return lines.map((l) => `${l}\r\n`).join('');
}

function writeContent(lines: string[], d: SessionModel, c: Content, def: { ip: string; port: number }, carries: boolean, fingerprint: string): void {
  if (c.kind === 'other') {
    lines.push(`m=${c.media} 0 ${c.proto} ${c.formats.join(' ') || '0'}`, 'c=IN IP4 0.0.0.0', `a=mid:${c.mid}`);
    return;
  }
  const port = c.rejected ? 0 : def.port;
  if (c.kind === 'application') {
    lines.push(`m=application ${port} ${c.proto} webrtc-datachannel`, `c=IN ${ipVersion(def.ip)} ${def.ip}`);
  } else {
    const formats = c.codecs.map((x) => x.payloadType);
    lines.push(`m=${c.kind} ${port} ${c.proto} ${formats.join(' ')}`, `c=IN ${ipVersion(def.ip)} ${def.ip}`);
    if (!c.rejected) lines.push('a=rtcp:9 IN IP4 0.0.0.0'); // RFC 3605 §2.1, as Chromium writes it with rtcp-mux
  }
  if (c.rejected) {
    lines.push(`a=mid:${c.mid}`);
    return;
  }
  if (carries) for (const x of d.candidates) lines.push(`a=candidate:${x}`);
  if (carries && d.endOfCandidates) lines.push('a=end-of-candidates'); // RFC 8840 §8.2
  lines.push(`a=ice-ufrag:${d.transport.ufrag}`, `a=ice-pwd:${d.transport.pwd}`);
  if (d.transport.iceOptions.length) lines.push(`a=ice-options:${d.transport.iceOptions.join(' ')}`);
  if (!d.fingerprintAtSession) lines.push(fingerprint);
  lines.push(`a=setup:${d.transport.setup}`, `a=mid:${c.mid}`); // RFC 8842 §5.1; RFC 5888 §4
  if (c.kind === 'application') {
    if (c.sctpPort !== undefined) lines.push(`a=sctp-port:${c.sctpPort}`);
    if (c.maxMessageSize !== undefined) lines.push(`a=max-message-size:${c.maxMessageSize}`);
    if (c.sctpInit !== undefined) lines.push(`a=sctp-init:${c.sctpInit}`);
    return;
  }
  for (const e of c.extensions) lines.push(`a=extmap:${e.id}${e.direction ? `/${e.direction}` : ''} ${e.uri}`);
  lines.push(`a=${c.direction}`);
  const s = c.send && (c.direction === 'sendrecv' || c.direction === 'sendonly') ? c.send : undefined;
  if (s) lines.push(`a=msid:${s.streamId} ${s.trackId}`);
  if (c.rtcpMux) lines.push('a=rtcp-mux'); // RFC 5761 §5.1.1
  if (c.rtcpRsize) lines.push('a=rtcp-rsize'); // RFC 5506 §5
  for (const x of c.codecs) {
    lines.push(`a=rtpmap:${x.payloadType} ${x.name}/${x.clockRate}${x.channels !== undefined ? `/${x.channels}` : ''}`);
    for (const fb of x.feedback) lines.push(`a=rtcp-fb:${x.payloadType} ${fb}`); // RFC 4585 §4.2
    if (x.fmtp.length) lines.push(`a=fmtp:${x.payloadType} ${fmtpText(x)}`);
  }
  if (s) {
    if (s.rtxSsrc !== undefined) lines.push(`a=ssrc-group:FID ${s.ssrc} ${s.rtxSsrc}`); // RFC 5576 §4.2, RFC 4588 §8.1
    for (const ssrc of s.rtxSsrc !== undefined ? [s.ssrc, s.rtxSsrc] : [s.ssrc]) {
      lines.push(`a=ssrc:${ssrc} cname:${d.cname}`, `a=ssrc:${ssrc} msid:${s.streamId} ${s.trackId}`);
    }
  }
}
