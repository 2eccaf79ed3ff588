import type { DissectedRecord } from '../wire/dtls/datagram.ts';
import { ChannelNumber, getAttribute, Method, type StunMessage } from '../wire/stun/index.ts';
import type { SrtpProfile } from '../srtp/profiles.ts';
import { DtlsFlow } from './dtls-flow.ts';
import { formatEndpoint, topLayer } from './dissect.ts';
import type { PacketMeta } from './dissector.ts';
import type { PayloadContext } from './udp-payload.ts';
import type { DissectedPacket, Flow, Layer } from './types.ts';
import { KeyStore } from './key-store.ts';

/** The same key for both directions of a 5-tuple: "UDP 10.0.0.1:5000 10.0.0.2:6000" with the endpoints sorted. */
export function flowKey(f: Flow): string {
  return endpointsKey(f.transport, formatEndpoint(f.srcIp, f.srcPort), formatEndpoint(f.dstIp, f.dstPort));
}

/** `flowKey` from endpoint strings already formatted (a dissected packet's `src` and `dst`). */
export function endpointsKey(transport: string, a: string, b: string): string {
  // remembered per endpoint pair (bounded): a flow's packets build no new string and the key hashes once
  const lo = a < b ? a : b;
  const hi = a < b ? b : a;
  const table = transport === 'UDP' ? udpKeys : transport === 'TCP' ? tcpKeys : undefined;
  if (!table) return `${transport} ${lo} ${hi}`;
  let inner = table.get(lo);
  if (!inner) {
    if (table.size >= 4096) table.clear();
    inner = new Map();
    table.set(lo, inner);
  }
  let key = inner.get(hi);
  if (key === undefined) {
    if (inner.size >= 4096) inner.clear();
    key = `${transport} ${lo} ${hi}`;
    inner.set(hi, key);
  }
  return key;
}

const udpKeys = new Map<string, Map<string, string>>();
const tcpKeys = new Map<string, Map<string, string>>();

/** What the dissector remembers about one 5-tuple (both directions). */
export interface FlowState {
  readonly key: string;
  readonly transport: 'UDP' | 'TCP';
  /** The endpoints, the one seen sending first first. */
  readonly a: string;
  readonly b: string;
  /** Index of the first and last packet seen on it. */
  readonly first: number;
  last: number;
  packets: number;
  /** TURN channels a ChannelBind request on this 5-tuple asked for (RFC 8656 §11). */
  readonly channels: Set<number>;
  /** Present once a DTLS record was seen here. */
  dtls?: DtlsFlow;
  /** The payload context per sending endpoint, until a ChannelBind or a DTLS record changes what it says. */
  contexts?: Map<string, PayloadContext>;
}

/** All flows of a capture or trace, and the key material shared by them. */
export class FlowTable {
  private readonly byKey = new Map<string, FlowState>();
  private lastFlow: Flow | undefined;
  private lastKey = '';
  readonly keys = new KeyStore();
  /**
   * Where the current packet was captured (an interface name), '' when there is one vantage point. A datagram that
   * crossed several links appears once per link; state kept per vantage point keeps those copies apart (they are
   * not retransmissions or replays).
   */
  vantage = '';

  private stateKey(base: string): string {
    return this.vantage ? `${base} @${this.vantage}` : base;
  }

  addKeyLog(text: string): number {
    return this.keys.addKeyLog(text);
  }

  get(key: string): FlowState | undefined {
    return this.byKey.get(key);
  }

  /** Every flow, in the order each was first seen. */
  all(): FlowState[] {
    return [...this.byKey.values()];
  }

  /** The per-flow payload context: SRTP once DTLS-SRTP was seen on the 5-tuple, and who is the DTLS client. */
  contextFor(flow: Flow): PayloadContext | undefined {
    const key = this.stateKey(flowKey(flow));
    // the packet being dissected asks first, then is observed: its key is computed once
    this.lastFlow = flow;
    this.lastKey = key;
    const s = this.byKey.get(key);
    if (!s) return undefined;
    const src = formatEndpoint(flow.srcIp, flow.srcPort);
    const cached = s.contexts?.get(src);
    if (cached) return cached;
    const ctx = this.computeContext(s, src);
    (s.contexts ??= new Map()).set(src, ctx);
    return ctx;
  }

  private computeContext(s: FlowState, src: string): PayloadContext {
    const channels = s.channels.size ? { channels: s.channels } : {};
    const dtls = s.dtls;
    if (!dtls) return channels;
    const role = dtls.roleOf(src);
    // RFC 5764 §5.1.2: RTP on a 5-tuple that carries DTLS is SRTP keyed by it (WebRTC always uses DTLS-SRTP)
    const profile: SrtpProfile | boolean = dtls.negotiatedProfile() ?? true;
    return { ...channels, ...(profile ? { srtp: profile } : {}), ...(role ? { dtlsRole: role } : {}) };
  }

  /** Updates flow state from a dissected packet; returns the packet, enriched when state or keys say more. */
  observe(p: DissectedPacket, meta: PacketMeta, bytes: Uint8Array): DissectedPacket {
    const f = p.flow;
    if (!f) return p;
    const src = p.src;
    const dst = p.dst;
    const key = f === this.lastFlow ? this.lastKey : this.stateKey(endpointsKey(f.transport, src, dst));
    const index = meta.index ?? 0;
    let s = this.byKey.get(key);
    if (!s) {
      s = { key, transport: f.transport, a: src, b: dst, first: index, last: index, packets: 0, channels: new Set() };
      this.byKey.set(key, s);
    }
    s.last = index;
    s.packets++;
    let layers: Layer[] | undefined;
    const notes: string[] = [];
    p.layers.forEach((l) => {
      if (l.protocol === 'STUN') {
        const m = l.value as StunMessage | undefined;
        const channel = m && m.method === Method.ChannelBind && m.class === 'request' ? getAttribute(m, ChannelNumber) : undefined;
        if (channel !== undefined) {
          s.channels.add(channel);
          s.contexts = undefined;
        }
      } else if (l.protocol === 'DTLS') {
        s.dtls ??= new DtlsFlow(this.keys);
        s.contexts = undefined;
        const out = s.dtls.observe(src, dst, l.value as DissectedRecord[], l, meta.index);
        notes.push(...out.notes);
        if (out.layer !== l || out.extra.length) {
          layers ??= [...p.layers];
          layers.splice(layers.indexOf(l), 1, out.layer, ...out.extra);
        }
      } else if ((l.protocol === 'SRTP' || l.protocol === 'SRTCP') && s.dtls) {
        const out = s.dtls.unprotect(src, l, l.bytes ?? bytes.subarray(l.offset, l.offset + l.length));
        if (out) {
          notes.push(...out.notes);
          layers ??= [...p.layers];
          layers.splice(layers.indexOf(l), 1, out.layer, ...out.extra);
        }
      }
    });
    if (!layers && notes.length === 0) return p;
    const all = layers ?? p.layers;
    const top = topLayer(all);
    return {
      ...p,
      layers: all,
      protocol: top?.protocol ?? p.protocol,
      summary: top?.summary ?? p.summary,
      problems: all.flatMap((l) => l.problems),
      ...(notes.length ? { notes: [...(p.notes ?? []), ...notes] } : {}),
    };
  }
}
