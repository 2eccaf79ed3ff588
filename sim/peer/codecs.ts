/**
 * What a browser's media engine declares it can send and receive, as its SDP lists it: codecs (rtpmap, fmtp,
 * rtcp-fb, RFC 8866 §6.6, §6.15; RFC 4585 §4.2) and RTP header extensions (RFC 8285 §8), per media kind, in the
 * browser's order. Chromium's lists are those of the kept Chromium 156 captures (captures/chromium-loopback-call,
 * captures/chromium-rtclab-dtls12); Firefox's are those of a Firefox 71 offer (the seed's SIP call, seeds/003).
 * The simulated media sends the first codec negotiated of each kind (Opus, VP8) with the extensions negotiated.
 */

export interface Codec {
  readonly payloadType: number;
  /** As the rtpmap writes it ("opus", "VP8", "telephone-event"). */
  readonly name: string;
  readonly clockRate: number;
  /** Audio channels (rtpmap encoding parameters); absent means 1. */
  readonly channels?: number;
  /** fmtp parameters in order ("apt=96" → [["apt", "96"]]; "111/111" (RED) → [["111/111", ""]]). */
  readonly fmtp: readonly (readonly [string, string])[];
  /** rtcp-fb values ("nack", "nack pli", "transport-cc"). */
  readonly feedback: readonly string[];
}

export interface HeaderExtension {
  readonly id: number;
  readonly uri: string;
  /** RFC 8285 §8: a direction after the id ("2/recvonly"). */
  readonly direction?: string;
}

export interface MediaCapabilities {
  readonly codecs: readonly Codec[];
  readonly extensions: readonly HeaderExtension[];
}

export interface Capabilities {
  readonly name: 'chromium' | 'firefox';
  readonly audio: MediaCapabilities;
  readonly video: MediaCapabilities;
  /** Where the offer puts a=fingerprint (Firefox: session level) and whether it writes a=msid-semantic with a stream. */
  readonly fingerprintAtSession: boolean;
}

export const URI = {
  audioLevel: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', // RFC 6464
  csrcAudioLevel: 'urn:ietf:params:rtp-hdrext:csrc-audio-level', // RFC 6465
  absSendTime: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  transportCc: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  mid: 'urn:ietf:params:rtp-hdrext:sdes:mid', // RFC 9143 §15.2
  toffset: 'urn:ietf:params:rtp-hdrext:toffset', // RFC 5450
  videoOrientation: 'urn:3gpp:video-orientation',
  playoutDelay: 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay',
  videoContentType: 'http://www.webrtc.org/experiments/rtp-hdrext/video-content-type',
  videoTiming: 'http://www.webrtc.org/experiments/rtp-hdrext/video-timing',
  colorSpace: 'http://www.webrtc.org/experiments/rtp-hdrext/color-space',
  rtpStreamId: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id', // RFC 8852
  repairedRtpStreamId: 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id',
} as const;

const params = (text: string): [string, string][] =>
  text
    .split(';')
    .filter((p) => p)
    .map((p): [string, string] => {
      const eq = p.indexOf('=');
      return eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
    });

const codec = (payloadType: number, name: string, clockRate: number, o: { channels?: number; fmtp?: string; feedback?: readonly string[] } = {}): Codec => ({
  payloadType, name, clockRate, ...(o.channels !== undefined ? { channels: o.channels } : {}), fmtp: params(o.fmtp ?? ''), feedback: o.feedback ?? [],
});

/** Chromium's video feedback set, in its order. */
const CHROMIUM_VIDEO_FB = ['goog-remb', 'transport-cc', 'ccm fir', 'nack', 'nack pli'];

function chromiumVideo(): Codec[] {
  const out: Codec[] = [];
  const withRtx = (pt: number, rtx: number, name: string, fmtp?: string): void => {
    out.push(codec(pt, name, 90000, { feedback: CHROMIUM_VIDEO_FB, ...(fmtp ? { fmtp } : {}) }), codec(rtx, 'rtx', 90000, { fmtp: `apt=${pt}` }));
  };
  withRtx(96, 97, 'VP8');
  withRtx(102, 103, 'H264', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f');
  withRtx(104, 107, 'H264', 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f');
  withRtx(108, 109, 'H264', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f');
  withRtx(114, 115, 'H264', 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f');
  withRtx(116, 117, 'H264', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f');
  withRtx(39, 40, 'H264', 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f');
  withRtx(45, 46, 'AV1', 'level-idx=5;profile=0;tier=0');
  withRtx(98, 99, 'VP9', 'profile-id=0');
  withRtx(100, 101, 'VP9', 'profile-id=2');
  out.push(codec(118, 'red', 90000), codec(119, 'rtx', 90000, { fmtp: 'apt=118' }), codec(120, 'ulpfec', 90000));
  return out;
}

/** Chromium 156 (captures/chromium-loopback-call/chromium-host.result.json, the offer). */
export const CHROMIUM: Capabilities = {
  name: 'chromium',
  fingerprintAtSession: false,
  audio: {
    codecs: [
      codec(111, 'opus', 48000, { channels: 2, fmtp: 'minptime=10;useinbandfec=1', feedback: ['transport-cc'] }), // RFC 7587 §7
      codec(63, 'red', 48000, { channels: 2, fmtp: '111/111' }), // RFC 2198
      codec(9, 'G722', 8000),
      codec(0, 'PCMU', 8000),
      codec(8, 'PCMA', 8000),
      codec(13, 'CN', 8000),
      codec(110, 'telephone-event', 48000),
      codec(126, 'telephone-event', 8000),
    ],
    extensions: [
      { id: 1, uri: URI.audioLevel },
      { id: 2, uri: URI.absSendTime },
      { id: 3, uri: URI.transportCc },
      { id: 4, uri: URI.mid },
    ],
  },
  video: {
    codecs: chromiumVideo(),
    extensions: [
      { id: 14, uri: URI.toffset },
      { id: 2, uri: URI.absSendTime },
      { id: 13, uri: URI.videoOrientation },
      { id: 3, uri: URI.transportCc },
      { id: 5, uri: URI.playoutDelay },
      { id: 6, uri: URI.videoContentType },
      { id: 7, uri: URI.videoTiming },
      { id: 8, uri: URI.colorSpace },
      { id: 4, uri: URI.mid },
      { id: 10, uri: URI.rtpStreamId },
      { id: 11, uri: URI.repairedRtpStreamId },
    ],
  },
};

const FIREFOX_VIDEO_FB = ['nack', 'nack pli', 'ccm fir', 'goog-remb', 'transport-cc'];

/** Firefox 71, as its offer in seeds/003 lists audio (opus 109 …); video as Firefox 71 offers it. */
export const FIREFOX: Capabilities = {
  name: 'firefox',
  fingerprintAtSession: true,
  audio: {
    codecs: [
      codec(109, 'opus', 48000, { channels: 2, fmtp: 'maxplaybackrate=48000;stereo=1;useinbandfec=1' }),
      codec(9, 'G722', 8000, { channels: 1 }),
      codec(0, 'PCMU', 8000),
      codec(8, 'PCMA', 8000),
      codec(101, 'telephone-event', 8000, { channels: 1, fmtp: '0-15' }),
    ],
    extensions: [
      { id: 1, uri: URI.audioLevel },
      { id: 2, uri: URI.csrcAudioLevel, direction: 'recvonly' },
      { id: 3, uri: URI.mid },
    ],
  },
  video: {
    codecs: [
      codec(120, 'VP8', 90000, { fmtp: 'max-fs=12288;max-fr=60', feedback: FIREFOX_VIDEO_FB }),
      codec(121, 'VP9', 90000, { fmtp: 'max-fs=12288;max-fr=60', feedback: FIREFOX_VIDEO_FB }),
      codec(126, 'H264', 90000, { fmtp: 'profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1', feedback: FIREFOX_VIDEO_FB }),
      codec(97, 'H264', 90000, { fmtp: 'profile-level-id=42e01f;level-asymmetry-allowed=1', feedback: FIREFOX_VIDEO_FB }),
    ],
    extensions: [
      { id: 3, uri: URI.mid },
      { id: 4, uri: URI.absSendTime },
      { id: 5, uri: URI.toffset },
      { id: 6, uri: URI.playoutDelay, direction: 'recvonly' },
      { id: 7, uri: URI.transportCc },
    ],
  },
};

export const CAPABILITIES = { chromium: CHROMIUM, firefox: FIREFOX } as const;

export const fmtpText = (c: Pick<Codec, 'fmtp'>): string => c.fmtp.map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join(';');
const fmtpValue = (c: Pick<Codec, 'fmtp'>, key: string): string | undefined => c.fmtp.find(([k]) => k.toLowerCase() === key)?.[1];

/** H.264's profile (RFC 6184 §8.1): profile_idc and the constraint flags of profile-level-id; the level is negotiated apart. */
function h264Profile(c: Codec): string {
  const id = (fmtpValue(c, 'profile-level-id') ?? '42001f').toLowerCase();
  const idc = id.slice(0, 2);
  const iop = parseInt(id.slice(2, 4), 16);
  // constrained baseline: 42 with constraint_set1 (0x40), or 4d/58 with set1 (libwebrtc's table keeps these apart)
  return idc === '42' || idc === '4d' || idc === '58' ? `${idc}-${(iop & 0x40) !== 0 ? 'c' : ''}` : idc;
}

/**
 * Whether two codecs are the same format, as libwebrtc matches an offered codec with one of its own: name (case
 * blind), clock rate, channels; H.264 also by packetization-mode and profile, VP9 by profile-id, AV1 by profile;
 * rtx and red by what they protect (compared by the caller through `apt`, `refs`).
 */
export function sameFormat(a: Codec, b: Codec): boolean {
  if (a.name.toLowerCase() !== b.name.toLowerCase() || a.clockRate !== b.clockRate) return false;
  if ((a.channels ?? 1) !== (b.channels ?? 1)) return false;
  const name = a.name.toLowerCase();
  if (name === 'h264') return (fmtpValue(a, 'packetization-mode') ?? '0') === (fmtpValue(b, 'packetization-mode') ?? '0') && h264Profile(a) === h264Profile(b);
  if (name === 'vp9') return (fmtpValue(a, 'profile-id') ?? '0') === (fmtpValue(b, 'profile-id') ?? '0');
  if (name === 'av1') return (fmtpValue(a, 'profile') ?? '0') === (fmtpValue(b, 'profile') ?? '0');
  return true;
}

/** RFC 4588 §8.6: the payload type an rtx format retransmits; RFC 2198 §5: the ones a red format carries. */
export function refsOf(c: Codec): number[] {
  const name = c.name.toLowerCase();
  if (name === 'rtx') {
    const apt = fmtpValue(c, 'apt');
    return apt !== undefined && /^\d+$/.test(apt) ? [Number(apt)] : [];
  }
  if (name === 'red' && c.fmtp[0]) return c.fmtp[0][0].split('/').filter((x) => /^\d+$/.test(x)).map(Number);
  return [];
}

/** The first media codec (not rtx, red, ulpfec, CN, telephone-event) of a list: what a sender uses. */
export function primaryCodec(codecs: readonly Codec[]): Codec | undefined {
  return codecs.find((c) => !['rtx', 'red', 'ulpfec', 'flexfec-03', 'cn', 'telephone-event'].includes(c.name.toLowerCase()));
}
