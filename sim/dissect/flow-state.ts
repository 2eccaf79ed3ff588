import { ChannelNumber, getAttribute, Method, Username, type StunMessage } from '../wire/stun/index.ts';
import type { DtlsRole } from '../wire/dtls/describe.ts';
import type { SrtpProfile } from '../wire/srtp/profiles.ts';
import type { DtlsFlow } from './dtls-flow.ts';
import { AssociationIndex, type Carrier } from './association-follow.ts';
import { formatEndpoint } from './endpoint.ts';
import { plainLayer } from './layer.ts';
import { LazyPacket, topLayer } from './packet.ts';
import { wireRecords } from './protocols/dtls.ts';
import type { DissectedPacket, Flow, Layer, PacketMeta, PayloadContext } from './types.ts';
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
export interface FlowState extends Carrier {
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
  /** Present once a DTLS record was seen here, or the association of another 5-tuple followed here (association-follow.ts). */
  dtls?: DtlsFlow;
  /** The ICE session whose checks ran on this 5-tuple: the two ufrags of a Binding request's USERNAME, sorted (and its vantage point). */
  ice?: string;
  /** The payload context per sending endpoint, until a ChannelBind or a DTLS record changes what it says. */
  contexts?: Map<string, PayloadContext>;
}

/**
 * A flow found by its IPv4 endpoints as numbers (address · 2^16 + port): `a` is the number of `state.a`, so a
 * packet's direction, and its endpoints' text, follow without formatting anything.
 */
interface NumberedFlow {
  readonly state: FlowState;
  readonly a: number;
}

/** All flows of a capture or trace, and the key material shared by them. */
export class FlowTable {
  private readonly byKey = new Map<string, FlowState>();
  /**
   * The same flows found by numbers, for IPv4 on one vantage point (nearly every packet of a capture): UDP and TCP
   * apart, then the lower endpoint, then the higher. Each is filled the first time a flow is looked up by numbers.
   */
  private readonly byNumbers = { UDP: new Map<number, Map<number, NumberedFlow>>(), TCP: new Map<number, Map<number, NumberedFlow>>() };
  /** The packet being dissected asks for its context first, then is observed: what the first lookup found. */
  private lastFlow: Flow | undefined;
  private lastKey = '';
  /** The numbers the last lookup was made with (-1: it was made by text). */
  private lastSrc = -1;
  private lastDst = -1;
  private lastNumbered: NumberedFlow | undefined;
  readonly keys = new KeyStore();
  /** Each endpoint's ICE ufrag, from the USERNAME "RFRAG:LFRAG" of Binding requests it sent or got (RFC 8445 §7.2.2). */
  private readonly ufrags = new Map<string, string>();
  /** ICE session → the flows (candidate pairs) its checks ran on. */
  private readonly sessions = new Map<string, FlowState[]>();
  /** Which DTLS association each 5-tuple's records belong to, followed across 5-tuples. */
  private readonly associations = new AssociationIndex<FlowState>(this.keys, {
    scoped: (name) => this.stateKey(name),
    sessionAssociations: (s) => {
      const out: DtlsFlow[] = [];
      for (const f of s.ice === undefined ? [] : (this.sessions.get(s.ice) ?? [])) if (f !== s && f.dtls && !out.includes(f.dtls)) out.push(f.dtls);
      return out;
    },
    roleByUfrag: (dtls, endpoint) => this.roleIn(dtls, endpoint),
  });
  /**
   * Where the current packet was captured (an interface name), '' when there is one vantage point. A datagram that
   * crossed several links appears once per link; state kept per vantage point keeps those copies apart (they are
   * not retransmissions or replays).
   */
  vantage = '';
  /** Whether the current packet records field spans (the dissector sets it per packet): handed to the decoders. */
  spans = true;

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

  /**
   * The per-flow payload context: SRTP once DTLS-SRTP was seen on the 5-tuple, and who is the DTLS client.
   * `srcEnd`/`dstEnd`: the IPv4 endpoints as numbers (address · 2^16 + port), when the caller has them.
   */
  contextFor(flow: Flow, srcEnd?: number, dstEnd?: number): PayloadContext | undefined {
    this.lastFlow = flow;
    this.lastNumbered = undefined;
    let s: FlowState | undefined;
    let src: string;
    if (srcEnd !== undefined && dstEnd !== undefined && this.vantage === '') {
      this.lastSrc = srcEnd;
      this.lastDst = dstEnd;
      const n = this.numbered(flow.transport, srcEnd, dstEnd);
      if (!n) return undefined;
      this.lastNumbered = n;
      s = n.state;
      src = srcEnd === n.a ? s.a : s.b;
    } else {
      this.lastSrc = -1;
      this.lastDst = -1;
      this.lastKey = this.stateKey(flowKey(flow));
      s = this.byKey.get(this.lastKey);
      if (!s) return undefined;
      src = formatEndpoint(flow.srcIp, flow.srcPort);
    }
    let ctx = s.contexts?.get(src);
    if (!ctx) {
      ctx = this.computeContext(s, src);
      (s.contexts ??= new Map()).set(src, ctx);
    }
    // kept without spans (a packet list's case); a packet dissected with spans gets a copy that says so
    return this.spans ? { ...ctx, spans: true } : ctx;
  }

  /** The flow between two IPv4 endpoints (numbers), linked from its text key the first time; undefined if unseen. */
  private numbered(transport: 'UDP' | 'TCP', x: number, y: number): NumberedFlow | undefined {
    const lo = x < y ? x : y;
    const hi = x < y ? y : x;
    const table = this.byNumbers[transport];
    const found = table.get(lo)?.get(hi);
    if (found) return found;
    const s = this.byKey.get(this.stateKey(endpointsKey(transport, endpointText(x), endpointText(y))));
    if (!s) return undefined;
    return this.link(transport, lo, hi, s, s.a === endpointText(x) ? x : y);
  }

  private link(transport: 'UDP' | 'TCP', lo: number, hi: number, state: FlowState, a: number): NumberedFlow {
    const table = this.byNumbers[transport];
    let inner = table.get(lo);
    if (!inner) {
      inner = new Map();
      table.set(lo, inner);
    }
    const n = { state, a };
    inner.set(hi, n);
    return n;
  }

  /**
   * A flow's DTLS association: its own once both hellos were seen on it; else, when the 5-tuple is a candidate
   * pair of an ICE session whose handshake ran on another pair, that one. The association belongs to the session,
   * not the pair: the controlling agent may nominate another pair and move media there (RFC 8445 §8.1.1, RFC 8842
   * §5.5), as Chromium does from another local interface.
   */
  private dtlsOf(s: FlowState): DtlsFlow | undefined {
    const own = s.dtls;
    if ((own?.clientRandom && own.serverRandom) || s.ice === undefined) return own;
    for (const f of this.sessions.get(s.ice) ?? []) if (f !== s && f.dtls?.clientRandom && f.dtls.serverRandom) return f.dtls;
    return own;
  }

  /** A sender's DTLS role: by its address, or on another pair of the session by its ICE ufrag. */
  private roleIn(dtls: DtlsFlow, src: string): DtlsRole | undefined {
    const r = dtls.roleOf(src);
    if (r) return r;
    const u = this.ufrags.get(this.stateKey(src));
    if (u === undefined) return undefined;
    if (dtls.client !== undefined && this.ufrags.get(this.stateKey(dtls.client)) === u) return 'client';
    if (dtls.server !== undefined && this.ufrags.get(this.stateKey(dtls.server)) === u) return 'server';
    return undefined;
  }

  /** RFC 8445 §7.2.2: a Binding request's USERNAME is "RFRAG:LFRAG", the receiver's ufrag, then the sender's. */
  private iceCheck(s: FlowState, m: StunMessage, src: string, dst: string): void {
    const user = getAttribute(m, Username);
    const colon = user === undefined ? -1 : user.indexOf(':');
    if (user === undefined || colon < 0) return;
    const remote = user.slice(0, colon);
    const local = user.slice(colon + 1);
    // per vantage point, like every other piece of state here: the same session seen on another link has its own
    // flows and associations, and mixing them makes the association a 5-tuple continues ambiguous
    this.ufrags.set(this.stateKey(src), local);
    this.ufrags.set(this.stateKey(dst), remote);
    const session = this.stateKey(remote < local ? `${remote}:${local}` : `${local}:${remote}`);
    if (s.ice === session) return;
    s.ice = session;
    const flows = this.sessions.get(session) ?? [];
    flows.push(s);
    this.sessions.set(session, flows);
    this.sessionChanged(s);
  }

  /** What a flow's packets mean may change with another pair's handshake: forget the session's cached contexts. */
  private sessionChanged(s: FlowState): void {
    s.contexts = undefined;
    if (s.ice !== undefined) for (const f of this.sessions.get(s.ice) ?? []) f.contexts = undefined;
  }

  private computeContext(s: FlowState, src: string): PayloadContext {
    const channels = s.channels.size ? { channels: s.channels, spans: false } : { spans: false };
    const dtls = this.dtlsOf(s);
    if (!dtls) return channels;
    const role = this.associations.roleOn(s, dtls, src);
    // RFC 5764 §5.1.2: RTP on a 5-tuple that carries DTLS is SRTP keyed by it (WebRTC always uses DTLS-SRTP)
    const profile: SrtpProfile | boolean = dtls.negotiatedProfile() ?? true;
    return { ...channels, ...(profile ? { srtp: profile } : {}), ...(role ? { dtlsRole: role } : {}) };
  }

  /** The state of the packet's flow, made when first seen; `src`/`dst` are left as the packet's endpoints' text. */
  private stateOf(p: DissectedPacket, f: Flow, index: number): FlowState {
    if (f === this.lastFlow && this.lastSrc >= 0) {
      let n = this.lastNumbered;
      if (!n) {
        // first packet of the flow: made under its text key, then linked to its numbers
        const s = this.fresh(this.stateKey(endpointsKey(f.transport, p.src, p.dst)), f.transport, p.src, p.dst, index);
        const lo = Math.min(this.lastSrc, this.lastDst);
        n = this.link(f.transport, lo, Math.max(this.lastSrc, this.lastDst), s, this.lastSrc);
      }
      const s = n.state;
      const forward = this.lastSrc === n.a;
      this.src = forward ? s.a : s.b;
      this.dst = forward ? s.b : s.a;
      return s;
    }
    this.src = p.src;
    this.dst = p.dst;
    const key = f === this.lastFlow ? this.lastKey : this.stateKey(endpointsKey(f.transport, this.src, this.dst));
    return this.byKey.get(key) ?? this.fresh(key, f.transport, this.src, this.dst, index);
  }

  /** The endpoints of the packet `stateOf` last looked at, as text. */
  private src = '';
  private dst = '';

  private fresh(key: string, transport: 'UDP' | 'TCP', a: string, b: string, index: number): FlowState {
    let s = this.byKey.get(key);
    if (!s) {
      s = { key, transport, a, b, first: index, last: index, packets: 0, channels: new Set() };
      this.byKey.set(key, s);
    }
    return s;
  }

  /** Updates flow state from a dissected packet; returns the packet, enriched when state or keys say more. */
  observe(p: DissectedPacket, meta: PacketMeta, bytes: Uint8Array): DissectedPacket {
    const f = p.flow;
    if (!f) return p;
    const index = meta.index ?? 0;
    const s = this.stateOf(p, f, index);
    const src = this.src;
    const dst = this.dst;
    this.lastFlow = undefined;
    s.last = index;
    s.packets++;
    let layers: Layer[] | undefined;
    let notes: string[] | undefined;
    for (const l of p.layers) {
      if (l.protocol === 'STUN') {
        const m = l.value;
        if (m && m.method === Method.Binding && m.class === 'request') this.iceCheck(s, m, src, dst);
        const channel = m && m.method === Method.ChannelBind && m.class === 'request' ? getAttribute(m, ChannelNumber) : undefined;
        if (channel !== undefined) {
          s.channels.add(channel);
          s.contexts = undefined;
        }
      } else if (l.protocol === 'DTLS') {
        const records = wireRecords(l) ?? [];
        // the datagram's association (maybe begun on another 5-tuple), its records handed over as its own endpoints
        const flow = this.associations.associationFor(s, src, dst, records);
        const [from, to] = this.associations.ends(s, flow, src, dst);
        this.sessionChanged(s);
        // the DTLS flow copies layers with a spread: it is handed a plain one
        const given = plainLayer(l);
        flow.spans = this.spans;
        const out = flow.observe(from, to, records, given, meta.index);
        this.associations.learned(s, flow);
        if (out.notes.length) (notes ??= []).push(...out.notes);
        if (out.layer !== given || out.extra.length) {
          layers ??= [...p.layers];
          layers.splice(layers.indexOf(l), 1, out.layer, ...out.extra);
        }
      } else if ((l.protocol === 'SRTP' || l.protocol === 'SRTCP') && this.keys.size > 0 && (s.dtls || s.ice !== undefined)) {
        // SRTP keys come only from a key log (RFC 5764 §4.2 through the DTLS exporter): without one nothing is
        // opened; the DTLS flow may copy the layer with a spread, so it is handed a plain one
        const dtls = this.dtlsOf(s);
        if (dtls) dtls.spans = this.spans;
        const out = dtls?.unprotect(src, plainLayer(l), l.bytes ?? bytes.subarray(l.offset, l.offset + l.length), this.associations.roleOn(s, dtls, src), s);
        if (out) {
          if (out.notes.length) (notes ??= []).push(...out.notes);
          layers ??= [...p.layers];
          layers.splice(layers.indexOf(l), 1, out.layer, ...out.extra);
        }
      }
    }
    if (!layers && !notes) return p;
    const all = layers ?? p.layers;
    const top = topLayer(all);
    const more = notes ? { notes: [...(p.notes ?? []), ...notes] } : {};
    if (p instanceof LazyPacket) {
      return p.with({ layers: all, protocol: top?.protocol ?? p.protocol, naming: top ?? p.summary, suffix: '', problems: all.flatMap((l) => l.problems), ...more });
    }
    return { ...p, layers: all, protocol: top?.protocol ?? p.protocol, summary: top?.summary ?? p.summary, problems: all.flatMap((l) => l.problems), ...more };
  }
}

/** "192.0.2.1:3478" from an IPv4 endpoint number (address · 2^16 + port). */
function endpointText(n: number): string {
  const port = n % 0x10000;
  const a = (n - port) / 0x10000;
  return formatEndpoint(`${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`, port);
}
