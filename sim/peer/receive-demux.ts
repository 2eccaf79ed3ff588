import type { DemuxDrop, DemuxSection, DemuxTable } from '../media/demux.ts';
import type { SenderParameters } from '../media/source.ts';
import type { SessionDescription } from '../wire/sdp/types.ts';
import { URI } from './codecs.ts';
import type { SessionModel } from './description.ts';
import { codecsOf } from './offer-answer.ts';

/**
 * The receive side of a peer's BUNDLE transport as offer/answer settled it (RFC 8843 §9.2): per RTP section that
 * both sides kept, the payload types it receives (those both descriptions list), the SSRCs the remote signaled in it
 * (a=ssrc, RFC 5576 §4.1), and whether the MID header extension was negotiated on it (both descriptions map
 * urn:ietf:params:rtp-hdrext:sdes:mid, RFC 8843 §15.2). A section without it may bind an unsignaled SSRC by payload
 * type, as libwebrtc allows in Unified Plan only then.
 */
export function demuxTable(local: SessionModel, remote: SessionDescription): DemuxTable {
  const sections: DemuxSection[] = [];
  let midExtensionId: number | undefined;
  const bundle = local.bundle && local.bundle.length > 0 ? new Set(local.bundle) : undefined;
  for (const c of local.contents) {
    if (c.kind !== 'audio' && c.kind !== 'video') continue;
    if (c.rejected || (bundle && !bundle.has(c.mid))) continue;
    const r = remote.media.find((m) => m.mid === c.mid);
    if (!r || r.port === 0) continue;
    const ours = new Set(c.codecs.map((x) => x.payloadType));
    const payloadTypes = codecsOf(r).map((x) => x.payloadType).filter((pt) => ours.has(pt));
    const ssrcs = [...new Set(r.ssrcs.map((s) => s.ssrc))];
    // RFC 8285 §8: an extension the remote only receives is not one it writes
    const theirs = r.extmaps.find((e) => e.uri === URI.mid && e.direction !== 'recvonly' && e.direction !== 'inactive');
    const mid = theirs !== undefined && c.extensions.some((e) => e.uri === URI.mid) ? theirs.id : undefined;
    midExtensionId ??= mid;
    sections.push({ mid: c.mid, kind: c.kind, payloadTypes, ssrcs, payloadTypeDemux: mid === undefined });
  }
  return { sections, midExtensionId };
}

/** Fault injection on what a peer sends (webrtc-peer's `rtpFaults`): a sender bug a receiver has to cope with. */
export type RtpFault = 'unsignaled-ssrc' | 'strip-mid';
export const RTP_FAULTS = ['unsignaled-ssrc', 'strip-mid'] as const satisfies readonly RtpFault[];

/**
 * A sender's parameters with the faults applied: `unsignaled-ssrc` sends on another SSRC than the a=ssrc it
 * signaled (as a forwarding server that rewrites SSRCs without telling), `strip-mid` writes no MID header extension
 * although it was negotiated.
 */
export function faultySender(p: SenderParameters, signaled: number, faults: readonly RtpFault[]): SenderParameters {
  if (faults.length === 0) return p;
  const { mid: _mid, ...withoutMid } = p.extensions ?? {};
  return {
    ...p,
    ...(faults.includes('strip-mid') ? { extensions: withoutMid } : {}),
    // a fixed, visible change of the signaled value (never the value itself)
    ...(faults.includes('unsignaled-ssrc') ? { ssrc: (signaled ^ 0x0f0f0f0f) >>> 0 } : {}),
  };
}

/** The text of a peer's note about a stream its demultiplexer dropped (the first packet of it). */
export function demuxDropText(name: string, d: DemuxDrop): string {
  const ssrc = `0x${d.ssrc.toString(16).padStart(8, '0')}`;
  if (d.reason === 'unknown-mid') return `${name}: drops RTP on SSRC ${ssrc} (payload type ${d.payloadType}): its MID "${d.mid}" names no m= section of the BUNDLE group (RFC 8843 §9.2)`;
  if (d.reason === 'payload-type-mismatch') return `${name}: drops RTP on SSRC ${ssrc}: payload type ${d.payloadType} is not one its m= section (mid ${d.section}) receives (RFC 8843 §9.2)`;
  return `${name}: drops RTP on SSRC ${ssrc} (payload type ${d.payloadType}): the SSRC was not signaled (a=ssrc) and the packet carries no MID header extension, so no m= section takes it (RFC 8843 §9.2)`;
}
