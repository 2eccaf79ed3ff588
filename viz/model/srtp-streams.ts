import type { Micros } from '../../sim/core/time.ts';
import type { Trace } from '../../sim/core/trace.ts';
import { passOverTrace, type TraceObserver } from './trace-pass.ts';
import type { LabelOverrideCollector } from './label-overrides.ts';
import type { DissectedPacket, Layer } from '../../sim/dissect/types.ts';
import { estimateRoc, updateRollover, type RolloverState } from '../../sim/srtp/rollover.ts';
import type { RtpPacket } from '../../sim/wire/rtp/rtp.ts';
import type { SrtcpView } from '../../sim/wire/srtp/protected.ts';

/**
 * Per-stream SRTP/SRTCP counters over time, derived from the trace's packets as the dissector sees them (with the
 * trace's key log): what the sender protected, what the receiver could unprotect, authentication failures, replay
 * drops, losses and the rollover counter. Built once per trace (in the worker); read at any cursor time.
 */

/** The counters of one stream, in this order in `SrtpStreamTable.samples`. */
export const SRTP_COUNTERS = ['protectedPackets', 'protectedBytes', 'unprotectedPackets', 'unprotectedBytes', 'authFailures', 'replayDrops', 'received', 'lost', 'roc'] as const;
export type SrtpCounterName = (typeof SRTP_COUNTERS)[number];
export type SrtpCounters = Record<SrtpCounterName, number>;
const N = SRTP_COUNTERS.length;

export interface SrtpStream {
  readonly kind: 'SRTP' | 'SRTCP';
  readonly ssrc: number;
  /** audio / video (from the RTP payload type), or rtcp. */
  readonly media: string;
  /** Payload type of the first packet (SRTP). */
  readonly payloadType?: number;
  /** Where the protected packets start and end: host names in a simulation, addresses in a capture. */
  readonly from: string;
  readonly to: string;
}

export interface SrtpStreamTable {
  readonly streams: readonly SrtpStream[];
  /** Per stream: the times at which its counters changed, and the counters after each change (N per sample). */
  readonly samples: readonly { readonly t: Float64Array; readonly c: Float64Array }[];
  /** Whether any packet could be unprotected (the trace's secrets held the keys). */
  readonly decrypted: boolean;
}

/** Where a packet stands on its path: the sender's first hop, the receiver's last hop (delivered or not), or both. */
export interface HopRole {
  readonly first: boolean;
  readonly last: boolean;
  readonly delivered: boolean;
  /** The first hop's sender (with the SSRC, what identifies a stream) and this hop's receiver. */
  readonly from: string;
  readonly to: string;
}

// RFC 3551 §6: static payload types 0–23 are audio, 24–34 video; dynamic ones are guessed from common use
// (111 Opus, 63/103/104/9/0/8 audio in browsers), anything else dynamic as video.
const AUDIO_DYNAMIC = new Set([63, 103, 104, 109, 110, 111, 112, 113, 126]);
function mediaOf(pt: number): string {
  if (pt <= 23) return 'audio';
  if (pt <= 34) return 'video';
  return AUDIO_DYNAMIC.has(pt) ? 'audio' : 'video';
}

interface Event {
  readonly t: Micros;
  readonly order: number;
  readonly apply: (c: Float64Array) => void;
}

interface StreamState {
  info: SrtpStream;
  readonly events: Event[];
  /** Sender side rollover (RFC 3711 §3.3.1). */
  readonly send: RolloverState & { started: boolean };
  /** Receiver side: RFC 3550 Appendix A.3 extended highest sequence number and base. */
  recv?: { base: number; max: number; state: RolloverState };
}

const protectedLayer = (p: DissectedPacket): { layer: Layer; inner: Layer | undefined } | undefined => {
  const i = p.layers.findIndex((l) => l.protocol === 'SRTP' || l.protocol === 'SRTCP');
  if (i < 0) return undefined;
  const next = p.layers[i + 1];
  return { layer: p.layers[i]!, inner: next && next.plaintext !== undefined ? next : undefined };
};

/** Collects SRTP/SRTCP events from dissected packets in hop order; `table()` gives the counters over time. */
export class SrtpStreamCollector {
  private readonly streams = new Map<string, StreamState>();
  private order = 0;
  private decrypted = false;

  /** `t` is when the hop left its sender; `arrive` when it reached its receiver. */
  observe(p: DissectedPacket, t: Micros, arrive: Micros, role: HopRole): void {
    const found = protectedLayer(p);
    if (!found) return;
    const { layer, inner } = found;
    const kind = layer.protocol as 'SRTP' | 'SRTCP';
    const rtp = kind === 'SRTP' ? (layer.value as RtpPacket | undefined) : undefined;
    const rtcp = kind === 'SRTCP' ? (layer.value as SrtcpView | undefined) : undefined;
    const ssrc = rtp?.header.ssrc ?? rtcp?.ssrc;
    if (ssrc === undefined) return;
    const key = `${kind} ${ssrc} ${role.from}`;
    let s = this.streams.get(key);
    if (!s) {
      const pt = rtp?.header.payloadType;
      const info: SrtpStream = { kind, ssrc, media: pt === undefined ? 'rtcp' : mediaOf(pt), ...(pt !== undefined ? { payloadType: pt } : {}), from: role.from, to: '' };
      s = { info, events: [], send: { roc: 0, highestSeq: 0, started: false } };
      this.streams.set(key, s);
    }
    const seq = rtp?.header.sequenceNumber;
    if (role.first) {
      if (seq !== undefined) {
        if (!s.send.started) {
          s.send.started = true;
          s.send.highestSeq = seq;
        } else {
          const v = estimateRoc(s.send, seq);
          if (v >= 0) updateRollover(s.send, seq, v);
        }
      }
      const bytes = layer.length;
      const senderRoc = Math.max(0, s.send.roc);
      this.push(s, t, (c) => {
        c[0]! += 1;
        c[1]! += bytes;
        c[8] = senderRoc;
      });
    }
    if (!role.last || !role.delivered) return;
    if (s.info.to === '') s.info = { ...s.info, to: role.to };
    const replay = /\((replay|too-old):/.test(layer.summary);
    const authFailed = !inner && !replay && layer.problems.some((pr) => /wrong key|auth/i.test(pr.message));
    if (inner) this.decrypted = true;
    const plainBytes = inner ? innerPayloadBytes(inner) : 0;
    if (replay) return this.push(s, arrive, (c) => void (c[5]! += 1));
    if (authFailed) return this.push(s, arrive, (c) => void (c[4]! += 1));
    // Received: RFC 3550 Appendix A.1/A.3 extended sequence numbers give the cumulative number lost.
    let ext: number | undefined;
    if (seq !== undefined) {
      if (!s.recv) s.recv = { base: seq, max: seq, state: { roc: 0, highestSeq: seq } };
      else {
        const v = estimateRoc(s.recv.state, seq);
        if (v >= 0) updateRollover(s.recv.state, seq, v);
        ext = Math.max(0, v) * 65536 + seq;
      }
      ext ??= seq;
    }
    const recv = s.recv;
    this.push(s, arrive, (c) => {
      c[6]! += 1;
      if (inner) {
        c[2]! += 1;
        c[3]! += plainBytes;
      }
      if (ext !== undefined && recv) {
        // slot N (not shown) keeps the highest extended sequence number received so far
        c[N] = c[6] === 1 ? ext : Math.max(c[N]!, ext);
        c[7] = Math.max(0, c[N]! - recv.base + 1 - c[6]!);
      } else if (kind === 'SRTCP') c[7] = Math.max(0, c[0]! - c[6]!);
    });
  }

  private push(s: StreamState, t: Micros, apply: (c: Float64Array) => void): void {
    s.events.push({ t, order: this.order++, apply });
  }

  table(): SrtpStreamTable {
    const streams: SrtpStream[] = [];
    const samples: { t: Float64Array; c: Float64Array }[] = [];
    for (const s of this.streams.values()) {
      s.events.sort((a, b) => a.t - b.t || a.order - b.order);
      const t = new Float64Array(s.events.length);
      const c = new Float64Array(s.events.length * N);
      const acc = new Float64Array(N + 1);
      s.events.forEach((e, i) => {
        e.apply(acc);
        t[i] = e.t;
        c.set(acc.subarray(0, N), i * N);
      });
      streams.push(s.info);
      samples.push({ t, c });
    }
    return { streams, samples, decrypted: this.decrypted };
  }
}

function innerPayloadBytes(inner: Layer): number {
  const v = inner.value as { payload?: Uint8Array } | unknown[] | undefined;
  if (v && !Array.isArray(v) && v.payload instanceof Uint8Array) return v.payload.length;
  return inner.plaintext?.length ?? 0;
}

/** Every stream's counters at time `t` (a stream that has not started yet is left out). */
export function srtpCountersAt(table: SrtpStreamTable, t: Micros): { stream: SrtpStream; counters: SrtpCounters; lastAt: Micros }[] {
  const out: { stream: SrtpStream; counters: SrtpCounters; lastAt: Micros }[] = [];
  table.streams.forEach((stream, i) => {
    const { t: times, c } = table.samples[i]!;
    // the last sample at or before t (binary search)
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return;
    const at = (lo - 1) * N;
    const counters = Object.fromEntries(SRTP_COUNTERS.map((k, j) => [k, c[at + j]!])) as SrtpCounters;
    out.push({ stream, counters, lastAt: times[lo - 1]! });
  });
  return out;
}

/**
 * The stream table of a simulated (or loaded) trace, from the worker's one pass over it (trace-pass.ts): counted
 * where the counters look, the sender's first hop and the receiver's last hop (unprotected there with the trace's
 * key log, as the receiver does). `labels` (when given) collects, from the same pass, the non-media hops its keys
 * say more about (label-overrides.ts).
 */
export function srtpStreamsOfTrace(trace: Trace, labels?: LabelOverrideCollector): SrtpStreamTable {
  const c = new SrtpStreamCollector();
  passOverTrace(trace, [srtpObserver(trace, c), ...(labels ? [labelObserver(labels)] : [])]);
  return c.table();
}

/** The counters' observer of a trace's pass: media at its two ends, a stream named by its sender's node. */
export function srtpObserver(trace: Trace, c: SrtpStreamCollector): TraceObserver {
  const endpoints = new Set(trace.nodes.filter((n) => n.kind === 'host').map((n) => n.name));
  return {
    hop(p, h, role) {
      if (!role.media) return;
      const from = role.sender;
      const delivered = h.drop === undefined && endpoints.has(h.to);
      if (role.first) c.observe(p, h.t, h.arrive, { first: true, last: false, delivered, from, to: h.to });
      if (role.last) c.observe(p, h.t, h.arrive, { first: false, last: true, delivered, from, to: h.to });
    },
  };
}

/** The keyed labels' observer of a trace's pass: every hop but media (whose keyed labels are never kept). */
export function labelObserver(labels: LabelOverrideCollector): TraceObserver {
  return { hop: (p, _h, role) => void (role.media ? undefined : labels.observe(role.hop, p)) };
}
