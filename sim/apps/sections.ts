import type { Obj, SummarySection } from './app-kind.ts';
import { sfuLines } from '../sfu/summary-lines.ts';

/**
 * The run-summary sections apps share. A list section's entries carry their `kind` and are printed by that kind
 * (`AppKind.entryLines`); a keyed section's entries have one shape whoever adds them, so the section prints them.
 */

const ms = (us: unknown): string => (typeof us === 'number' ? `${(us / 1000).toFixed(1)} ms` : '?');
const cand = (c: unknown): string => {
  const x = c as Obj | undefined;
  return x ? `${String(x.type)} ${String(x.address)}:${String(x.port)}` : '?';
};

/** `summary.stun`: STUN servers, Binding clients and RFC 5780 discovery, in app order. */
export const STUN_SECTION: SummarySection = { name: 'stun', keyed: false };

/** `summary.turn`: TURN servers and clients, in app order. */
export const TURN_SECTION: SummarySection = { name: 'turn', keyed: false };

/** `summary.ice[host]`: an ICE agent's state, role, selected pair and time to connected. */
export const ICE_SECTION: SummarySection = {
  name: 'ice',
  keyed: true,
  lines(host, i) {
    const pair = i.selectedPair as Obj | undefined;
    return [
      `  ICE ${host} (${String(i.role)}${i.lite ? ', lite' : ''}): ${String(i.state)}` +
        (pair ? `, selected ${cand(pair.local)} → ${cand(pair.remote)}, connected after ${ms(i.timeToConnected)}` : ', no pair selected'),
    ];
  },
};

/** `summary.peer[source]`: a webrtc peer's signaling and connection states. */
export const PEER_SECTION: SummarySection = { name: 'peer', keyed: true };

/** `summary.dtls[source]`: a DTLS association's role, state, group and fingerprint check. */
export const DTLS_SECTION: SummarySection = {
  name: 'dtls',
  keyed: true,
  lines(who, d) {
    return [`  DTLS ${who} (${String(d.role)}): ${String(d.state)}${d.state === 'connected' ? ` in ${String(d.handshakeMs)} ms, ${String(d.group)}, fingerprint ${d.fingerprintVerified ? 'verified' : 'NOT verified'}` : ''}, ${String(d.retransmissions)} retransmissions`];
  },
};

/** `summary.srtp[source]`: the negotiated profile and RTP counts. */
export const SRTP_SECTION: SummarySection = {
  name: 'srtp',
  keyed: true,
  lines(who, x) {
    return [`  SRTP ${who}: ${String(x.profile ?? 'not keyed')}, ${String(x.rtpSent)} RTP sent, ${String(x.rtpReceived)} received`];
  },
};

/** `summary.media[source]`: one entry per stream sent or received. */
export const MEDIA_SECTION: SummarySection = {
  name: 'media',
  keyed: true,
  lines(who, v) {
    const out: string[] = [];
    // a media entry is the list of a peer's streams (StreamSummary[]), not an object
    for (const m of v as unknown as Obj[]) {
      if (m.direction !== 'receive') continue;
      const fb = Number(m.nackSent ?? 0) + Number(m.pliSent ?? 0) > 0 ? `, ${String(m.nackSent)} NACKed, ${String(m.rtxReceived)} repaired by RTX, ${String(m.pliSent)} PLI` : '';
      out.push(`  ${who} receives ${String(m.kind)} ssrc 0x${Number(m.ssrc).toString(16)}: ${String(m.packets)} packets, ${String(m.lost)} lost, jitter ${Number(m.jitterMs).toFixed(2)} ms${fb}`);
    }
    return out;
  },
};

/** `summary.datachannels[source]`: a peer's SCTP association and its data channels with their message counts. */
export const DATACHANNELS_SECTION: SummarySection = {
  name: 'datachannels',
  keyed: true,
  lines(who, x) {
    const out = [`  SCTP ${who}: ${String(x.state)}, ${String(x.dataChannelsOpened)} channel(s) opened, ${String(x.retransmissions)} retransmissions, ${String(x.abandoned)} message(s) abandoned`];
    for (const c of (x.channels as Obj[] | undefined) ?? []) {
      out.push(`    channel "${String(c.label)}" (stream ${String(c.streamId)}, ${c.ordered ? 'ordered' : 'unordered'}${c.maxRetransmits !== null ? `, max ${String(c.maxRetransmits)} retransmits` : ''}${c.maxPacketLifeTime !== null ? `, max ${String(c.maxPacketLifeTime)} ms` : ''}): ${String(c.state)}, ${String(c.messagesSent)} sent, ${String(c.messagesReceived)} received`);
    }
    return out;
  },
};

/** `summary.sfu[source]`: an SFU's transports, producers and consumers (scores, NACK/RTX/PLI counts; sim/sfu/summary-lines.ts). */
export const SFU_SECTION: SummarySection = { name: 'sfu', keyed: true, lines: sfuLines };

/** Milliseconds for printed lines ("12.3 ms"). */
export { ms as formatMs };
