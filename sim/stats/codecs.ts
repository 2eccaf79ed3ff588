import type { SessionDescription } from '../wire/sdp/types.ts';

/**
 * What a payload type means for statistics: its codec, RTP clock rate and media kind, learnt from the SDP seen in
 * the pass (`a=rtpmap`, RFC 8866 §6.6), else from RFC 3551's static assignments, else guessed from common use.
 * Also the header extension names (`a=extmap`, RFC 8285 §5) and the retransmission streams (RFC 4588 §8).
 */
export interface CodecInfo {
  readonly name: string;
  readonly clockRate: number;
  readonly kind: 'audio' | 'video' | 'unknown';
  /** Where the clock rate came from: the SDP, RFC 3551 §6's static table, or a guess. */
  readonly from: 'sdp' | 'static' | 'guess';
}

/** RFC 3551 §6 (and IANA's RTP payload types registry): static payload types, with their clock rates. */
const STATIC: ReadonlyMap<number, readonly [string, number, 'audio' | 'video']> = new Map([
  [0, ['PCMU', 8000, 'audio']],
  [1, ['1016', 8000, 'audio']],
  [2, ['G721', 8000, 'audio']],
  [3, ['GSM', 8000, 'audio']],
  [4, ['G723', 8000, 'audio']],
  [5, ['DVI4', 8000, 'audio']],
  [6, ['DVI4', 16000, 'audio']],
  [7, ['LPC', 8000, 'audio']],
  [8, ['PCMA', 8000, 'audio']],
  [9, ['G722', 8000, 'audio']], // G.722's RTP clock is 8 kHz (RFC 3551 §4.5.2)
  [10, ['L16', 44100, 'audio']],
  [11, ['L16', 44100, 'audio']],
  [12, ['QCELP', 8000, 'audio']],
  [13, ['CN', 8000, 'audio']],
  [14, ['MPA', 90000, 'audio']],
  [15, ['G728', 8000, 'audio']],
  [16, ['DVI4', 11025, 'audio']],
  [17, ['DVI4', 22050, 'audio']],
  [18, ['G729', 8000, 'audio']],
  [19, ['CN', 8000, 'audio']],
  [25, ['CelB', 90000, 'video']],
  [26, ['JPEG', 90000, 'video']],
  [28, ['nv', 90000, 'video']],
  [31, ['H261', 90000, 'video']],
  [32, ['MPV', 90000, 'video']],
  [33, ['MP2T', 90000, 'video']],
  [34, ['H263', 90000, 'video']],
]);

/** Dynamic payload types browsers use for audio (Opus 111, telephone-event, red …); any other dynamic one is taken for video. */
const AUDIO_DYNAMIC = new Set([63, 103, 104, 109, 110, 111, 112, 113, 126]);

export class MediaCatalog {
  /** Payload type → codec, from `a=rtpmap` lines (the last SDP that mapped it wins). */
  private readonly rtpmaps = new Map<number, { name: string; clockRate: number; kind: 'audio' | 'video' | 'unknown' }>();
  /** Header extension id → URI (`a=extmap`). */
  readonly extmaps = new Map<number, string>();
  /** Payload types and SSRCs of retransmission streams (`a=rtpmap:<pt> rtx/…`, `a=ssrc-group:FID <media> <rtx>`). */
  readonly rtxPayloadTypes = new Set<number>();
  readonly rtxSsrcs = new Set<number>();
  /** SDPs taken in. */
  descriptions = 0;

  addSdp(d: SessionDescription): void {
    this.descriptions++;
    for (const m of d.media) {
      const kind = m.media === 'audio' || m.media === 'video' ? m.media : 'unknown';
      for (const r of m.rtpmaps) {
        this.rtpmaps.set(r.payloadType, { name: r.encodingName, clockRate: r.clockRate, kind });
        if (r.encodingName.toLowerCase() === 'rtx') this.rtxPayloadTypes.add(r.payloadType);
      }
      for (const e of [...d.extmaps, ...m.extmaps]) this.extmaps.set(e.id, e.uri);
      for (const a of m.attributes) {
        // RFC 5576 §4.2 / RFC 4588 §8.1: a=ssrc-group:FID <primary> <retransmission>
        if (a.name !== 'ssrc-group' || !a.value?.startsWith('FID ')) continue;
        const rtx = Number(a.value.split(/\s+/)[2]);
        if (Number.isInteger(rtx)) this.rtxSsrcs.add(rtx >>> 0);
      }
    }
  }

  codec(pt: number): CodecInfo {
    const r = this.rtpmaps.get(pt);
    if (r && r.clockRate > 0) return { ...r, from: 'sdp' };
    const s = STATIC.get(pt);
    if (s) return { name: s[0], clockRate: s[1], kind: s[2], from: 'static' };
    if (AUDIO_DYNAMIC.has(pt)) return { name: pt === 111 ? 'opus?' : `PT ${pt}`, clockRate: 48000, kind: 'audio', from: 'guess' };
    return { name: `PT ${pt}`, clockRate: 90000, kind: pt >= 96 || pt < 64 ? 'video' : 'unknown', from: 'guess' };
  }

  /**
   * The clock rate Wireshark's RTP analysis uses (ui/tap-rtp-analysis.c): its static table below 96, the SDP's
   * for a dynamic type, else none (0: no jitter, skew or drift computed). For comparing with `tshark -z rtp,streams`.
   */
  wiresharkClockRate(pt: number): number {
    if (pt < 96) {
      const s = STATIC.get(pt);
      return s ? s[1] : 0;
    }
    const r = this.rtpmaps.get(pt);
    if (!r || r.name.toLowerCase() === 'telephone-event') return 0;
    return r.clockRate;
  }

  /** The extension's name for reports: the URI's last path segment, or "id N" when no SDP mapped it. */
  extensionName(id: number, uri?: string): string {
    const u = uri ?? this.extmaps.get(id);
    if (!u) return `id ${id}`;
    const tail = u.split(/[/:]/).filter(Boolean).pop() ?? u;
    return `${tail} (id ${id})`;
  }
}
