import type { JsonValue } from '../../core/trace.ts';
import { peekUdpDatagram } from '../../wire/ip/udp-datagram.ts';
import { evidence, seconds, TraceIndex, type Indexed } from '../trace-index.ts';
import type { Finding } from '../types.ts';

type Obj = { readonly [key: string]: JsonValue };
const obj = (v: JsonValue | undefined): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined);
const num = (v: JsonValue | undefined): number => (typeof v === 'number' ? v : 0);
const hex = (ssrc: number): string => `0x${(ssrc >>> 0).toString(16).padStart(8, '0')}`;

/** The SSRC of an RTP packet (RFC 7983: first byte 128–191, RTCP excluded) in a UDP datagram, bare or in TURN ChannelData. */
function rtpSsrc(bytes: Uint8Array): { ssrc: number; src: string; srcPort: number; dst: string; dstPort: number } | undefined {
  const v = peekUdpDatagram(bytes);
  if ('error' in v) return undefined;
  let o = v.payloadOffset;
  if (bytes[o] !== undefined && bytes[o]! >= 64 && bytes[o]! <= 79) o += 4; // RFC 8656 §12.4 ChannelData
  const first = bytes[o];
  const pt = bytes[o + 1];
  if (first === undefined || pt === undefined || first < 128 || first > 191 || (pt >= 192 && pt <= 223) || o + 12 > bytes.length) return undefined;
  const ssrc = ((bytes[o + 8]! << 24) | (bytes[o + 9]! << 16) | (bytes[o + 10]! << 8) | bytes[o + 11]!) >>> 0;
  return { ssrc, src: v.src, srcPort: v.srcPort, dst: v.dst, dstPort: v.dstPort };
}

const CAUSE: Readonly<Record<string, string>> = { 'unknown-ssrc': 'media.unknown-ssrc', 'unknown-mid': 'media.unknown-mid', 'payload-type-mismatch': 'media.payload-type-mismatch' };

/**
 * RTP a receiver decrypted but could not associate with an m= section (RFC 8843 §9.2), from its `peer.rtp.dropped`
 * notes (one per stream and reason) and its srtp failure counters: which SSRC, from whom, arriving on which hop, and
 * what the sender signaled. A fault the scenario injected into the sender (`rtpFaults`) is named as such.
 */
export function unknownSsrcFindings(x: TraceIndex): Finding[] {
  const out: Finding[] = [];
  const srtp = obj(x.summary?.srtp) ?? {};
  const byReceiver = new Map<string, Indexed<'peer.rtp.dropped'>[]>();
  for (const d of x.of('peer.rtp.dropped')) byReceiver.set(d.n.source, [...(byReceiver.get(d.n.source) ?? []), d]);
  for (const [source, drops] of byReceiver) {
    const host = TraceIndex.host(source);
    const counters = obj(srtp[source]);
    const failures = obj(counters?.failures) ?? {};
    const received = num(counters?.rtpReceived);
    const reasons = new Map<string, { ssrc: number; pt: number; mid: string | null; i: number }[]>();
    for (const d of drops) {
      const data = d.n.data;
      reasons.set(data.reason, [...(reasons.get(data.reason) ?? []), { ssrc: data.ssrc, pt: data.payloadType, mid: data.mid, i: d.i }]);
    }
    const totalDropped = [...reasons.keys()].reduce((s, r) => s + num(failures[r]), 0);
    for (const [reason, streams] of reasons) {
      const count = num(failures[reason]) || streams.length;
      const ssrcs = new Set(streams.map((s) => s.ssrc));
      // the datagrams that brought those streams to the receiver: the first of each, and who sent it
      const first = new Map<number, { hop: number; t: number; from: string }>();
      for (const h of x.hops) {
        if (first.size === ssrcs.size) break;
        if (h.to !== host || h.drop !== undefined) continue;
        const r = rtpSsrc(h.bytes);
        if (!r || !ssrcs.has(r.ssrc) || first.has(r.ssrc)) continue;
        first.set(r.ssrc, { hop: h.index, t: h.t, from: `${r.src}:${r.srcPort} → ${r.dst}:${r.dstPort}` });
      }
      // the sender: the other peer whose fault note or negotiated SSRCs name it, else the other peers that sent RTP
      const others = Object.keys(srtp).filter((s) => s !== source && num(obj(srtp[s])?.rtpSent) > 0);
      const faults = x.of('peer.fault').filter((f) => f.n.data.fault === 'rtpFaults' && others.includes(f.n.source));
      const senders = faults.length ? [...new Set(faults.map((f) => f.n.source))] : others;
      const sender = senders.map((s) => TraceIndex.host(s)).join(' or ') || 'the peer';
      const negotiated = senders.flatMap((s) => x.from('peer.negotiated', s).slice(-1));
      const signaled = negotiated.flatMap((n) => n.n.data.send.map((s) => `${s.kind} ${hex(s.ssrc)}`));
      const all = totalDropped >= received && received > 0;
      const streamText = streams.map((s) => {
        const f = first.get(s.ssrc);
        return `SSRC ${hex(s.ssrc)} (payload type ${s.pt}${s.mid !== null ? `, MID "${s.mid}"` : ''})${f ? `, first on hop #${f.hop} (${f.from}) at ${seconds(f.t)}` : ''}`;
      });
      const faultText = faults.length ? ` (the scenario injected that fault: rtpFaults ${[...new Set(faults.map((f) => f.n.data.value))].join(', ')})` : '';
      out.push({
        cause: CAUSE[reason] ?? `media.${reason}`,
        severity: all ? 'failure' : 'degradation',
        subject: host,
        t: Math.min(...streams.map((s) => x.notes[s.i]!.t)),
        text: `${host} dropped ${all ? 'all ' : ''}${count} of the ${received} RTP packets it received from ${sender} (RFC 8843 §9.2): ${
          reason === 'unknown-ssrc'
            ? `${ssrcs.size} SSRC(s) it was never told of: ${signaled.length ? `${sender}'s a=ssrc lines signal ${signaled.join(', ')}` : `${sender} signaled none of them in a=ssrc`}, and the packets carry no MID header extension to name their m= section`
            : reason === 'unknown-mid'
              ? 'their MID header extension names no m= section of its BUNDLE group'
              : 'their payload type is not one the m= section of their SSRC receives'
        }: ${streamText.join('; ')}${faultText}`,
        evidence: evidence([...first.values()].map((f) => f.hop), [...streams.map((s) => s.i), ...faults.map((f) => f.i), ...negotiated.map((n) => n.i)]),
        fix: faults.length
          ? `remove rtpFaults from ${sender}'s webrtc-peer: send on the SSRCs signaled in a=ssrc, with the MID header extension`
          : reason === 'unknown-ssrc'
            ? `signal ${[...ssrcs].map(hex).join(', ')} in ${sender}'s SDP (a=ssrc), or make ${sender} send the MID header extension it negotiated (urn:ietf:params:rtp-hdrext:sdes:mid)`
            : reason === 'unknown-mid'
              ? `make ${sender} write the MID of an m= section ${host} has in the MID header extension`
              : `make ${sender} send each SSRC with a payload type of its own m= section`,
        details: [],
        facts: {
          host, sender, dropped: count, received, all: all ? 1 : 0, ssrcs: [...ssrcs].map(hex).join(', '), signaled: signaled.join(', '),
          firstHop: first.get(streams[0]!.ssrc)?.hop ?? -1, fault: [...new Set(faults.map((f) => f.n.data.value))].join(', '),
        },
      });
    }
  }
  return out;
}
