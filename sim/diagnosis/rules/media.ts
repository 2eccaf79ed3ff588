import type { JsonValue } from '../../core/trace.ts';
import { peekUdpDatagram } from '../../wire/ip/udp-datagram.ts';
import { classifyDrop, describeDrop, dropFacts, dropGroups, type Drop } from '../drops.ts';
import { evidence, TraceIndex } from '../trace-index.ts';
import type { Finding } from '../types.ts';

type Obj = { readonly [key: string]: JsonValue };
const obj = (v: JsonValue | undefined): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined);
const num = (v: JsonValue | undefined): number => (typeof v === 'number' ? v : 0);

/** Drops of RTP/SRTP datagrams (RFC 7983: first byte 128–191), bare or relayed, with the host each was going to. */
function mediaDrops(x: TraceIndex): (Drop & { readonly toHost: string | undefined })[] {
  const out: (Drop & { readonly toHost: string | undefined })[] = [];
  for (const h of x.hops) {
    if (h.drop === undefined) continue;
    const ihl = h.bytes[0]! >> 4 === 4 ? (h.bytes[0]! & 0x0f) * 4 : 40;
    let first = h.bytes[ihl + 8];
    if (first !== undefined && first >= 64 && first <= 79) first = h.bytes[ihl + 12]; // inside ChannelData
    if (first === undefined || first < 128 || first > 191) continue;
    const d = classifyDrop(h);
    const v = peekUdpDatagram(h.bytes);
    if (d) out.push({ ...d, toHost: 'error' in v ? undefined : x.hostOfAddress(v.dst) });
  }
  return out;
}

/** The first few RTP/RTCP datagrams (RFC 7983: first byte 128–191) delivered to a host, bare or in ChannelData. */
function mediaArrivals(x: TraceIndex, host: string, max = 3): number[] {
  const out: number[] = [];
  for (const h of x.hops) {
    if (out.length >= max) break;
    if (h.to !== host || h.drop !== undefined) continue;
    const v4 = h.bytes[0]! >> 4 === 4;
    if (h.bytes[v4 ? 9 : 6] !== 17) continue; // UDP only (IPv4 protocol, IPv6 next header)
    const ihl = h.bytes[0]! >> 4 === 4 ? (h.bytes[0]! & 0x0f) * 4 : 40;
    let first = h.bytes[ihl + 8];
    if (first !== undefined && first >= 64 && first <= 79) first = h.bytes[ihl + 12];
    if (first !== undefined && first >= 128 && first <= 191) out.push(h.index);
  }
  return out;
}

/**
 * Media problems of a run, from its summary (the SRTP and media counters each peer reports): SRTP packets that
 * failed authentication or replay checks, media that flowed one way only, and loss on a link.
 */
export function mediaFindings(x: TraceIndex): Finding[] {
  const out: Finding[] = [];
  const srtp = obj(x.summary?.srtp);
  const media = obj(x.summary?.media);
  if (!srtp) return out;
  const keyed = (source: string): number[] => x.from('srtp.keyed', source).map((k) => k.i);
  let drops: ReturnType<typeof mediaDrops> | undefined;
  /** Media drops on the way to a host (all of them when the host is not given). */
  // a datagram going to a relay (or an address no peer owns) may be for anyone: it counts for every receiver
  const peers = new Set(Object.keys(srtp).map((s) => TraceIndex.host(s)));
  const linkDrops = (host?: string): ReturnType<typeof dropGroups> =>
    dropGroups((drops ??= mediaDrops(x)).filter((d) => host === undefined || d.toHost === undefined || d.toHost === host || !peers.has(d.toHost)));
  for (const [source, v] of Object.entries(srtp)) {
    const s = obj(v);
    if (!s) continue;
    const host = TraceIndex.host(source);
    const failures = obj(s.failures) ?? {};
    const received = num(s.rtpReceived);
    const rtpAuth = num(failures['auth-failed']);
    const auth = rtpAuth + num(failures['rtcp-auth-failed']);
    if (auth > 0) {
      // a fault the scenario injected into this peer's keys (webrtc-peer's corruptSrtpKey) is the cause, said as such
      const fault = x.from('peer.fault', source).filter((f) => f.n.data.fault === 'corruptSrtpKey');
      const connected = obj(obj(x.summary?.dtls)?.[source])?.state === 'connected';
      const nothing = rtpAuth >= received;
      out.push({
        cause: 'srtp.auth',
        severity: nothing ? 'failure' : 'degradation',
        subject: host,
        t: x.end,
        text: `${auth} SRTP/SRTCP packet(s) failed authentication at ${host} (RFC 3711 §3.3)${nothing ? `: none of the ${received} RTP packets it received could be decrypted` : `: ${rtpAuth} of ${received} RTP packets`}; ${connected ? 'its DTLS handshake completed, so both sides exported the same keying material and one of them derived or used its SRTP keys wrong' : 'they were protected with other keys than the ones its DTLS handshake exported'}${fault.length ? ` (the scenario injected that fault: corruptSrtpKey ${fault.map((f) => f.n.data.value).join(', ')})` : ''}`,
        evidence: evidence(mediaArrivals(x, host), [...keyed(source), ...fault.map((f) => f.i)]),
        fix: fault.length ? `remove corruptSrtpKey from ${host}'s webrtc-peer` : `key ${host}'s SRTP from the same DTLS association as its peer (RFC 5764 §4.2), and drop packets sent before the handshake`,
        details: [],
        facts: { host, failed: auth, rtpFailed: rtpAuth, received, nothing: nothing ? 1 : 0, connected: connected ? 1 : 0, fault: fault.map((f) => f.n.data.value).join(', ') },
      });
    }
    const replay = num(failures.replay) + num(failures['too-old']) + num(failures['rtcp-replay']) + num(failures['rtcp-too-old']);
    if (replay > 0) {
      out.push({ cause: 'srtp.replay', severity: 'degradation', subject: host, t: x.end, text: `${replay} SRTP packet(s) at ${host} were replays or older than the replay window (RFC 3711 §3.3.2)`, evidence: evidence([], keyed(source)), fix: 'find who sends duplicated or very late packets', details: [], facts: { host, replays: replay } });
    }
    // one way: this side is keyed and got nothing while another side sent
    if (s.keyed === true && received === 0) {
      const senders = Object.entries(srtp).filter(([other, ov]) => other !== source && num(obj(ov)?.rtpSent) > 0);
      if (senders.length > 0 && num(s.rtpSent) > 0) {
        const g = linkDrops(host)[0];
        out.push({
          cause: 'media.one-way',
          severity: 'failure',
          subject: host,
          t: x.end,
          text: `media flowed one way only: ${host} sent ${num(s.rtpSent)} RTP packets but received none although ${senders.map(([o, ov]) => `${TraceIndex.host(o)} sent ${num(obj(ov)?.rtpSent)}`).join(', ')}${g ? `; ${g.count} RTP/RTCP datagram(s) dropped ${describeDrop(g.drop)}` : ''}`,
          evidence: evidence(g?.hops ?? [], keyed(source)),
          fix: g ? `fix what drops media ${describeDrop(g.drop)}` : `make the peer send its media to the address ${host} uses`,
          details: [],
          facts: { variant: 'dropped', host, sent: num(s.rtpSent), senders: senders.map(([o, ov]) => `${TraceIndex.host(o)}=${num(obj(ov)?.rtpSent)}`).join(', '), ...dropFacts(g) },
        });
      }
    }
  }
  // loss on the way, from what each receiver counted
  for (const [source, v] of Object.entries(media ?? {})) {
    if (!Array.isArray(v)) continue;
    const host = TraceIndex.host(source);
    let packets = 0;
    let lost = 0;
    for (const st of v) {
      const o = obj(st);
      if (o?.direction !== 'receive') continue;
      packets += num(o.packets);
      lost += Math.max(0, num(o.lost));
    }
    if (packets + lost === 0 || lost / (packets + lost) < 0.02) continue;
    const onLinks = linkDrops(host).filter((g) => g.drop.kind === 'loss' || g.drop.kind === 'queue');
    const g = onLinks[0];
    const pct = ((100 * lost) / (packets + lost)).toFixed(1);
    out.push({
      cause: 'media.loss',
      severity: 'degradation',
      subject: host,
      t: x.end,
      text: `${host} lost ${lost} of ${packets + lost} media packets (${pct}%)${g ? `: ${g.count} RTP/RTCP datagram(s) were dropped ${describeDrop(g.drop)}` : ''}`,
      evidence: evidence(g?.hops ?? [], keyed(source)),
      fix: g ? `fix the loss on link ${g.drop.where}` : 'find where the media is lost',
      details: onLinks.map((d) => ({ text: `${d.count} dropped ${describeDrop(d.drop)}`, evidence: evidence(d.hops, []) })),
      facts: { host, lost, packets: packets + lost, pct, ...dropFacts(g) },
    });
  }
  return out;
}
