import { toHex } from '../core/encoding.ts';
import type { Micros } from '../core/time.ts';
import type { DissectedPacket, Layer } from '../dissect/types.ts';
import type { PassHop, PassObserver } from '../pass/pass.ts';
import { nackLost } from '../wire/rtcp/feedback.ts';
import { lastSrFromNtp, type ReportBlock } from '../wire/rtcp/reports.ts';
import type { RtcpPacket } from '../wire/rtcp/rtcp.ts';
import type { RtpPacket } from '../wire/rtp/rtp.ts';
import type { SrtcpView } from '../wire/srtp/protected.ts';
import { carriesRelayedData, getAttribute, Method, Priority, type StunMessage } from '../wire/stun/index.ts';
import { MediaCatalog } from './codecs.ts';
import { RtpAnalysis } from './rtp-analysis.ts';
import { Buckets, mergePairBucket, mergeStreamBucket, newPairBucket, newStreamBucket, type PairBucket, type StreamBucket } from './series.ts';
import { buildReport, type StatsReport } from './report.ts';
import type { PacketTimes } from './import/align.ts';

/**
 * Statistics like chrome://webrtc-internals shows, computed from packets alone: an observer of the one dissection
 * pass (sim/pass) for simulated runs and captures alike. Per RTP stream (SSRC, source, destination, vantage point)
 * a Wireshark-style stream analysis (rtp-analysis.ts) and time buckets of packets, bits, loss, jitter, frames,
 * NACK/PLI/FIR and RTCP round-trip times; per candidate pair (a UDP 5-tuple carrying STUN checks or media) packets
 * and bits each way and STUN round-trip times. SRTP headers are in the clear; SRTCP is read once a key log opens it.
 */
export interface StatsOptions {
  /** Bucket width (µs), default 1 s as webrtc-internals samples. */
  readonly bucketUs?: Micros;
  /** 'wireshark': compute jitter only where Wireshark knows the clock rate (to compare with tshark). */
  readonly clockRates?: 'best' | 'wireshark';
  /** Which hops to count (default all): a simulated trace counts each datagram where it is delivered. */
  readonly accept?: (h: PassHop) => boolean;
  /** Keep every RTP packet's time per SSRC (to align a getStats dump with the packets: import/align.ts). */
  readonly keepTimes?: boolean;
}

/** How a packet is handed to the collector: seen once (a capture), or as sent and as received (a simulated trace). */
export type PacketRole = 'seen' | 'sent' | 'received';

export interface StreamState {
  readonly ssrc: number;
  readonly src: string;
  readonly dst: string;
  readonly vantage: string;
  srtp: boolean;
  relayed: boolean;
  decrypted: number;
  readonly analysis: RtpAnalysis;
  readonly buckets: Buckets<StreamBucket>;
  readonly payloadTypes: Map<number, number>;
  /** Header extension elements by id (and the URI the packet's own map gave, if any). */
  readonly extensions: Map<number, { uri?: string; packets: number }>;
  firstT: Micros;
  lastT: Micros;
  bytes: number;
  payloadBytes: number;
  /** For frame counting, the newest RTP timestamp; for loss per bucket, the highest extended sequence so far. */
  maxTs: number;
  lastExtended: number;
}

/** RTCP about one SSRC at one vantage point (joined with the streams of that SSRC there in the report). */
export interface SsrcState {
  readonly buckets: Buckets<StreamBucket>;
  /** SRTCP packets from this SSRC whose contents stayed encrypted (no key). */
  srtcpEncrypted: number;
  srtcp: number;
}

export interface PairState {
  readonly a: string;
  readonly b: string;
  readonly vantage: string;
  readonly buckets: Buckets<PairBucket>;
  /** ICE connectivity checks (Binding requests with PRIORITY, RFC 8445 §7.1.1), any STUN, media (RTP, RTCP, DTLS). */
  ice: boolean;
  stun: boolean;
  media: boolean;
  firstT: Micros;
  lastT: Micros;
}

export class StatsCollector implements PassObserver {
  readonly catalog = new MediaCatalog();
  readonly streams = new Map<string, StreamState>();
  readonly ssrcs = new Map<string, SsrcState>();
  readonly pairs = new Map<string, PairState>();
  readonly bucketUs: Micros;
  lastT: Micros = 0;
  /** SRs seen: "<ssrc> <middle 32 bits of NTP> @vantage" → when (for LSR/DLSR round trips). */
  private readonly srSeen = new Map<string, Micros>();
  /** With `keepTimes`: per SSRC, when its packets were sent and received (µs), at the first vantage point that saw it. */
  private readonly times = { sent: new Map<number, number[]>(), received: new Map<number, number[]>(), vantage: new Map<number, string>() };
  /** STUN requests seen: transaction id → first sighting and how many times sent. */
  private readonly requests = new Map<string, { t: Micros; sent: number; pair: PairState; answered: boolean }>();

  constructor(readonly options: StatsOptions = {}) {
    this.bucketUs = options.bucketUs ?? 1_000_000;
    if (!(this.bucketUs > 0)) throw new RangeError(`bucket width must be positive, got ${String(options.bucketUs)} µs`);
  }

  hop(p: DissectedPacket, h: PassHop): void {
    if (this.options.accept && !this.options.accept(h)) return;
    this.packet(p, h.t, h.index, h.vantage ?? '');
  }

  finish(lastT: Micros): void {
    this.lastT = Math.max(this.lastT, lastT);
  }

  /**
   * Counts one dissected packet at `t` (µs), seen at `vantage` (a capture's interface). A simulated trace hands each
   * datagram twice, as it was sent (`role` 'sent', at its first hop) and as it was received ('received', at its
   * last hop, when delivered), with `side` the sending or receiving node: each agent's candidate pairs count what
   * it sent and received, streams are counted as received, round trips run from the request's (or SR's) sending to
   * the answer's arrival, and feedback counts as sent. A capture's packet is 'seen': all of these at once.
   */
  packet(p: DissectedPacket, t: Micros, index: number, vantage = '', role: PacketRole = 'seen', side = vantage): void {
    if (t > this.lastT) this.lastT = t;
    const f = p.flow;
    const sent = role !== 'received';
    const received = role !== 'sent';
    let pair: PairState | undefined;
    let udpLength = 0;
    if (f?.transport === 'UDP') {
      pair = this.pair(p.src, p.dst, side, t);
      const udp = p.layers.find((l) => l.protocol === 'UDP');
      udpLength = udp ? Math.max(0, udp.length - 8) : 0;
    }
    let wire: Layer | undefined;
    for (let i = 0; i < p.layers.length; i++) {
      const l = p.layers[i]!;
      if (l.quoted) continue;
      if ((l.protocol === 'RTP' || l.protocol === 'SRTP') && l.value) {
        // a decrypted SRTP packet shows as its SRTP layer and then the RTP layer of its plaintext: one packet
        if (l.plaintext && wire) {
          if (received) this.decryptedRtp(wire, l.value, p.src, p.dst, vantage);
          continue;
        }
        wire = l;
        if (this.options.keepTimes) this.time(l.value.header.ssrc >>> 0, t, vantage, sent, received);
        if (received) this.rtp(l.value, l.length, l.protocol === 'SRTP', p, t, index, vantage);
        if (pair) pair.media = true;
      } else if (l.protocol === 'RTCP' && l.value) {
        this.rtcp(l.value, t, vantage, sent, received);
        if (pair) pair.media = true;
      } else if (l.protocol === 'SRTCP' && l.value) {
        if (sent) {
          const s = this.ssrc((l.value as SrtcpView).ssrc, vantage);
          s.srtcp++;
          // the next layer is the decrypted RTCP when a key opened it
          if (p.layers[i + 1]?.protocol !== 'RTCP') s.srtcpEncrypted++;
        }
        if (pair) pair.media = true;
      } else if (l.protocol === 'STUN' && l.value && pair) this.stun(l.value, pair, t, sent, received);
      else if (l.protocol === 'DTLS' && pair) pair.media = true;
      else if (l.protocol === 'SDP' && l.value && received) this.catalog.addSdp(l.value);
    }
    if (pair) {
      const b = pair.buckets.at(t);
      if (p.src === pair.a) {
        b.packetsAB++;
        b.bytesAB += udpLength;
      } else {
        b.packetsBA++;
        b.bytesBA += udpLength;
      }
    }
  }

  private time(ssrc: number, t: Micros, vantage: string, sent: boolean, received: boolean): void {
    const tm = this.times;
    const v = tm.vantage.get(ssrc);
    if (v === undefined) tm.vantage.set(ssrc, vantage);
    else if (v !== vantage) return;
    const add = (m: Map<number, number[]>): void => {
      const list = m.get(ssrc) ?? [];
      list.push(t);
      m.set(ssrc, list);
    };
    if (sent) add(tm.sent);
    if (received) add(tm.received);
  }

  /** The packet times kept with `keepTimes`, sorted. */
  packetTimes(): PacketTimes {
    const sorted = (m: Map<number, number[]>): Map<number, number[]> => new Map([...m].map(([k, v]) => [k, [...v].sort((a, b) => a - b)]));
    return { sent: sorted(this.times.sent), received: sorted(this.times.received) };
  }

  private pair(src: string, dst: string, vantage: string, t: Micros): PairState {
    const [x, y] = src < dst ? [src, dst] : [dst, src];
    const key = `${x} ${y} @${vantage}`;
    let s = this.pairs.get(key);
    if (!s) {
      // the first endpoint is the one that sent first (the checking side, for an ICE pair)
      s = { a: src, b: dst, vantage, buckets: new Buckets(this.bucketUs, newPairBucket), ice: false, stun: false, media: false, firstT: t, lastT: t };
      this.pairs.set(key, s);
    }
    s.lastT = t;
    return s;
  }

  private ssrc(ssrc: number, vantage: string): SsrcState {
    const key = `${ssrc >>> 0} @${vantage}`;
    let s = this.ssrcs.get(key);
    if (!s) {
      s = { buckets: new Buckets(this.bucketUs, newStreamBucket), srtcpEncrypted: 0, srtcp: 0 };
      this.ssrcs.set(key, s);
    }
    return s;
  }

  private rtp(v: RtpPacket, length: number, srtp: boolean, p: DissectedPacket, t: Micros, index: number, vantage: string): void {
    const h = v.header;
    const key = `${h.ssrc >>> 0} ${p.src} ${p.dst} @${vantage}`;
    let s = this.streams.get(key);
    if (!s) {
      s = {
        ssrc: h.ssrc >>> 0,
        src: p.src,
        dst: p.dst,
        vantage,
        srtp,
        relayed: p.layers.some((l) => l.protocol === 'TURN-CHANNELDATA' || (l.protocol === 'STUN' && l.value !== undefined && carriesRelayedData(l.value))),
        decrypted: 0,
        analysis: new RtpAnalysis(),
        buckets: new Buckets(this.bucketUs, newStreamBucket),
        payloadTypes: new Map(),
        extensions: new Map(),
        firstT: t,
        lastT: t,
        bytes: 0,
        payloadBytes: 0,
        maxTs: 0,
        lastExtended: -1,
      };
      this.streams.set(key, s);
    }
    s.lastT = t;
    const codec = this.catalog.codec(h.payloadType);
    const rate = this.options.clockRates === 'wireshark' ? this.catalog.wiresharkClockRate(h.payloadType) : codec.clockRate;
    const before = s.analysis.packets;
    const dupBefore = s.analysis.duplicates;
    s.analysis.add(h, t, index, rate);
    s.payloadTypes.set(h.payloadType, (s.payloadTypes.get(h.payloadType) ?? 0) + 1);
    for (const e of h.extension?.elements ?? []) {
      const x = s.extensions.get(e.id) ?? { packets: 0 };
      if (e.uri) x.uri = e.uri;
      x.packets++;
      s.extensions.set(e.id, x);
    }
    const b = s.buckets.at(t);
    b.packets++;
    b.bytes += length;
    b.payloadBytes += v.payload.length;
    s.bytes += length;
    s.payloadBytes += v.payload.length;
    if (h.marker) b.markers++;
    // a frame begins with a timestamp later than any before (RFC 3550 §5.1: one timestamp per video frame)
    const ts = h.timestamp >>> 0;
    if (before === 0 || (((ts - s.maxTs) | 0) > 0 && s.analysis.duplicates === dupBefore)) {
      b.frames++;
      s.maxTs = ts;
    }
    const ext = s.analysis.highestExtended;
    b.expected += s.lastExtended < 0 ? 1 : Math.max(0, ext - s.lastExtended);
    s.lastExtended = ext;
    b.jitterMs = s.analysis.clockRate ? s.analysis.jitterMs : undefined;
  }

  /** The payload size from the decrypted packet (the protected one's includes no padding count). */
  private decryptedRtp(wire: Layer, v: RtpPacket, src: string, dst: string, vantage: string): void {
    if (wire.protocol !== 'SRTP' || !wire.value) return;
    const s = this.streams.get(`${(wire.value as RtpPacket).header.ssrc >>> 0} ${src} ${dst} @${vantage}`);
    if (!s) return;
    s.decrypted++;
    const diff = (wire.value as RtpPacket).payload.length - v.payload.length;
    s.payloadBytes -= diff;
    const last = s.buckets.at(s.lastT);
    last.payloadBytes -= diff;
  }

  /** Feedback and what reports say count when sent; round trips end when a report is received. */
  private rtcp(packets: readonly RtcpPacket[], t: Micros, vantage: string, sent: boolean, received: boolean): void {
    for (const r of packets) {
      if (r.type === 'sr' || r.type === 'rr') {
        if (r.type === 'sr' && sent) this.srSeen.set(`${r.ssrc >>> 0} ${lastSrFromNtp(r.ntpTimestamp)} @${vantage}`, t);
        this.blocks(r.reports, t, vantage, sent, received);
      } else if (!sent) continue;
      else if (r.type === 'nack') {
        const b = this.ssrc(r.mediaSsrc, vantage).buckets.at(t);
        b.nack++;
        b.nackedPackets += nackLost(r.items).length;
      } else if (r.type === 'pli') this.ssrc(r.mediaSsrc, vantage).buckets.at(t).pli++;
      else if (r.type === 'fir') for (const e of r.entries) this.ssrc(e.ssrc, vantage).buckets.at(t).fir++;
    }
  }

  /** RFC 3550 §6.4.1: RTT = arrival of the report − LSR − DLSR; the SR's own sighting stands for LSR. */
  private blocks(reports: readonly ReportBlock[], t: Micros, vantage: string, sent: boolean, received: boolean): void {
    for (const rb of reports) {
      const b = this.ssrc(rb.ssrc, vantage).buckets.at(t);
      if (sent) {
        b.reportedFractionLost = rb.fractionLost / 256;
        b.reportedJitterMs = rb.jitter; // in timestamp units here; the report converts with the stream's clock rate
      }
      if (rb.lastSr === 0 || !received) continue;
      const srAt = this.srSeen.get(`${rb.ssrc >>> 0} ${rb.lastSr >>> 0} @${vantage}`);
      if (srAt === undefined) continue;
      const rtt = (t - srAt) / 1000 - (rb.delaySinceLastSr / 65536) * 1000;
      // seen away from the SR's sender, the report can come back sooner than the delay it declares: no round trip
      if (rtt >= 0) b.rttMs.push(rtt);
    }
  }

  /** Requests count as sent, answers as received (each pair counts both: see `packet`). */
  private stun(m: StunMessage, pair: PairState, t: Micros, sent: boolean, received: boolean): void {
    pair.stun = true;
    if (m.method === Method.Binding && m.class === 'request' && getAttribute(m, Priority) !== undefined) pair.ice = true;
    const b = pair.buckets.at(t);
    const tid = toHex(m.transactionId);
    if (m.class === 'request' && sent) {
      b.requests++;
      const r = this.requests.get(tid);
      if (r) r.sent++;
      else this.requests.set(tid, { t, sent: 1, pair, answered: false });
    } else if ((m.class === 'success' || m.class === 'error') && received) {
      b.responses++;
      const r = this.requests.get(tid);
      // Karn's rule: a retransmitted request's answer cannot tell which sending it answers. The round trip is the
      // request's pair's (the answer may come back at addresses a NAT rewrote)
      if (!r || r.answered || r.sent > 1) return;
      r.answered = true;
      r.pair.buckets.at(t).rttMs.push((t - r.t) / 1000);
    }
  }

  /**
   * The report, in this collector's buckets or in `bucketUs` ones, a multiple of its width (the visualizer's one
   * pass collects in its finest width and answers the width the page asks without dissecting the packets again).
   */
  report(bucketUs: Micros = this.bucketUs): StatsReport {
    if (bucketUs === this.bucketUs) return buildReport(this);
    const streams = new Map([...this.streams].map(([k, s]) => [k, { ...s, buckets: s.buckets.regroup(bucketUs, mergeStreamBucket) }]));
    const ssrcs = new Map([...this.ssrcs].map(([k, s]) => [k, { ...s, buckets: s.buckets.regroup(bucketUs, mergeStreamBucket) }]));
    const pairs = new Map([...this.pairs].map(([k, p]) => [k, { ...p, buckets: p.buckets.regroup(bucketUs, mergePairBucket) }]));
    return buildReport({ bucketUs, lastT: this.lastT, options: this.options, catalog: this.catalog, streams, ssrcs, pairs });
  }
}
