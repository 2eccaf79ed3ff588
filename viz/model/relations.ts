import { toHex } from '../../sim/core/encoding.ts';
import { formatTransportAddress } from '../../sim/core/endpoint.ts';
import { dissectPacket } from '../../sim/dissect/dissect.ts';
import { formatEndpoint } from '../../sim/dissect/endpoint.ts';
import type { Layer } from '../../sim/dissect/types.ts';
import { decodeIpDatagram } from '../../sim/wire/ip/datagram.ts';
import { IPPROTO } from '../../sim/wire/ip/protocols.ts';
import type { DissectedRecord } from '../../sim/wire/dtls/datagram.ts';
import { flightOf } from '../../sim/wire/dtls/describe.ts';
import { AttrType, ChannelNumber, Method, XorRelayedAddress, getAttribute, hasAttribute, messageTypeName, type ChannelData, type StunMessage } from '../../sim/wire/stun/index.ts';
import { RelayedLegs } from './relayed-legs.ts';
import { TurnTcpConnections } from './turn-tcp-connections.ts';
import { TurnTcpStreams } from './turn-tcp-streams.ts';
import { hopBytes, type PackedTrace } from './packed.ts';
import type { TraceObserver } from './trace-pass.ts';

/**
 * Cause and effect between datagrams of a trace, found from the dissector's decoded values (never from raw bytes):
 * a STUN request and its response, a retransmission and its original, the DTLS cookie exchange, a ChannelBind and
 * the first ChannelData on its channel, an Allocate and the first use of its relayed address, the nominating
 * check and the first media on that pair, and a datagram a TURN server relays seen on both its legs (a Send
 * indication or ChannelData from the client and the datagram leaving the relayed address; a datagram reaching the
 * relayed address and the Data indication or ChannelData taking it to the client), the client's leg over UDP or
 * over TCP (RFC 8656 §12.5, its stream read by TurnTcpStreams). Works on any trace — simulated or captured.
 */
export type RelationKind = 'response' | 'retransmission' | 'dtls-cookie' | 'channel-data' | 'relay-use' | 'first-media' | 'relayed' | 'tcp-connection';

/** One end of a link on the ladder: a hop, at its sender (`start`, when sent) or its receiver (`end`, on arrival). */
export interface Anchor {
  readonly hop: number;
  readonly at: 'start' | 'end';
}

export interface Relation {
  readonly kind: RelationKind;
  /** First hops of the causing and the resulting datagram (what the detail pane names: "#12"). */
  readonly cause: number;
  readonly effect: number;
  /** Where the link is drawn: from the cause where the effect's sender got it, to the effect leaving. */
  readonly from: Anchor;
  readonly to: Anchor;
  /**
   * µs from the cause's first transmission to the effect's; for a response, to its arrival back at the requester
   * (the round trip the client measures), when it got back.
   */
  readonly dt: number;
  /** Retransmissions: 1 for the first one, 2 for the second … */
  readonly nth?: number;
  /** A few words about the link: "Binding Success Response", "channel 0x4000", "relayed 198.51.100.10:49153". */
  readonly detail: string;
}

type Chain = number[];

/** One datagram as the finder remembers it. */
class Sent {
  private k: readonly string[] | undefined;

  constructor(
    readonly chain: Chain,
    /** Who sent it: the first hop's lane and source address (a TURN server relaying a request is not its sender). */
    readonly sender: string,
    private readonly keyOf: (hop: number) => string,
  ) {}

  /** The conversation of each hop (see `RelationFinder.key`), worked out when first asked for. */
  get keys(): readonly string[] {
    return (this.k ??= this.chain.map(this.keyOf));
  }

  meets(o: Sent): boolean {
    return this.keys.some((k) => o.keys.includes(k));
  }
}

const TCP = 2;
const STUN = 3;
const CHANNELDATA = 4;
const DTLS = 5;
const RTP = 6;
/**
 * How long (trace time) a relayed address is watched for its first use. Watching means dissecting every datagram,
 * so an allocation that is never used (a relay candidate ICE did not need) stops costing after this.
 */
const RELAY_WATCH = 60_000_000;
/** Relations need values, not verdicts on checksums (the packet detail still checks them). */
const NO_CHECKSUMS = { verifyChecksums: false, spans: false } as const;

/** Computes every relation of a trace, in the order their effects happen (each wanted first hop dissected here). */
export function computeRelations(p: PackedTrace): Relation[] {
  const f = new RelationFinder(p);
  for (let i = 0; i < p.n; i++) f.offer(i);
  return f.finish();
}

/**
 * What the finder reads of a hop's dissection: its two ends ("ip:port", or the IP address without a transport
 * header) and its layers. A `DissectedPacket` is one; so is what `RelationHops` keeps of a capture's pass.
 */
export interface RelationHop {
  readonly src: string;
  readonly dst: string;
  readonly layers: readonly Layer[];
  readonly flow?: { readonly transport: 'UDP' | 'TCP' };
  readonly reassembled?: Uint8Array;
}

/** The protocols whose layers the finder reads (the rest of a packet only says where it went). */
const READ: ReadonlySet<string> = new Set(['STUN', 'TURN-CHANNELDATA', 'DTLS', 'RTP', 'SRTP']);

/**
 * What a capture's one pass (capture-load.ts) says of each hop for the relations, kept for the hops whose
 * dissection has a layer the finder reads: their ends and those layers (decoded values, not copies). The relations
 * of the capture are then found from these, after the pass, with no hop dissected again (`finish`).
 */
export class RelationHops {
  private readonly kept = new Map<number, RelationHop>();

  /** Hop `key` (a frame number until `finish` maps it) as the pass dissected it. */
  observe(key: number, d: RelationHop): void {
    // a TCP segment or reassembled datagram is read as the keyless dissection reads it: no layer (see `offer`)
    if (d.flow?.transport === 'TCP' || d.reassembled) return;
    let layers: Layer[] | undefined;
    for (const l of d.layers) if (READ.has(l.protocol) && !l.plaintext) (layers ??= []).push(l);
    if (layers) this.kept.set(key, { src: d.src, dst: d.dst, layers });
  }

  /** The relations of the packed trace: `hopOf` maps an observed key to its hop (-1: none). */
  finish(p: PackedTrace, hopOf: (key: number) => number): Relation[] {
    const byHop = new Map<number, RelationHop>();
    for (const [key, h] of this.kept) {
      const hop = hopOf(key);
      if (hop >= 0) byHop.set(hop, h);
    }
    const f = new RelationFinder(p);
    // every other hop was dissected too, and has nothing the finder reads: its ends come from its headers
    for (let i = 0; i < p.n; i++) f.offer(i, byHop.get(i) ?? null);
    return f.finish();
  }
}

/**
 * A hop's two ends as the keyless dissection names them (`DissectedPacket.src`/`dst`), read from the IP header and
 * the first four bytes of a UDP datagram or TCP segment (RFC 768, RFC 9293 §3.1): the IP addresses alone without a
 * transport header (another protocol, a fragment after the first, a TCP first fragment, too few bytes).
 */
export function hopEnds(b: Uint8Array): [string, string] {
  const ip = decodeIpDatagram(b, 0, false).value;
  if (!ip) return ['', ''];
  const at = ip.payloadOffset;
  const udp = ip.protocol === IPPROTO.UDP && (!ip.fragment || ip.fragment.offset === 0) && ip.payloadLength >= 8;
  // the TCP dissector reads no fragment, and a header shorter than its 20 bytes gives no 5-tuple
  const tcp = ip.protocol === IPPROTO.TCP && !ip.fragment && ip.payloadLength >= 20 && b[at + 12]! >> 4 >= 5;
  if (!udp && !tcp) return [ip.src, ip.dst];
  return [formatEndpoint(ip.src, (b[at]! << 8) | b[at + 1]!), formatEndpoint(ip.dst, (b[at + 2]! << 8) | b[at + 3]!)];
}

const NOTHING: readonly Layer[] = [];

/**
 * Finds relations hop by hop, in trace order. The dissection pass (trace-pass.ts) offers each first hop with its
 * dissection, so nothing is dissected twice; `computeRelations` offers hops alone and the finder dissects those it
 * wants. Either way the same relations come out.
 */
export class RelationFinder {
  private readonly out: Relation[] = [];
  private readonly ends = new Map<number, [string, string]>();
  /** STUN transactions by id (RFC 8489 §6.3: a retransmission reuses the transaction id): every transmission. */
  private readonly requests = new Map<string, Sent[]>();
  /** DTLS handshake datagrams by sender and first fragment (RFC 6347 §4.2.4: a resent flight keeps message_seq). */
  private readonly flights = new Map<string, { sent: Sent; n: number }>();
  /** First ClientHellos waiting for a HelloVerifyRequest, and HelloVerifyRequests by cookie (RFC 6347 §4.2.1). */
  private readonly hellos: Sent[] = [];
  private readonly cookies = new Map<string, Sent>();
  private readonly channels: { sent: Sent; channel: number }[] = [];
  private readonly relays: { sent: Sent; address: string }[] = [];
  private readonly nominations: Sent[] = [];
  private readonly nominated = new Set<string>();
  /** Both legs of every datagram a TURN server relays (RFC 8656 §11, §12). */
  private readonly legs: RelayedLegs;
  /** TURN over TCP (RFC 8656 §12.5): each connection's STUN messages and ChannelData, for the relayed legs. */
  private readonly turnTcp = new TurnTcpStreams();
  /** RFC 6062 over those streams: a Connect and its peer connection, a CONNECTION-ID and its data connection. */
  private readonly connections = new TurnTcpConnections<Sent>((cause, effect, detail) => this.add('tcp-connection', cause, effect, detail, { fromStart: true }));

  constructor(private readonly p: PackedTrace) {
    // the legs hand back the datagrams the finder gave them
    this.legs = new RelayedLegs(p, (cause, effect, detail) => this.add('relayed', cause as Sent, effect as Sent, detail));
  }

  /**
   * Hop i, in trace order; `given` is its dissection when the caller has one (with flow state and keys: layers
   * opened with a key are not read, and a TCP segment or reassembled datagram is read as the keyless dissection
   * reads it, so that the relations do not depend on the keys or the state: it has none of the layers read here,
   * a TCP segment's data being one opaque layer without stream state and a fragment's carrying no payload layer),
   * or null when the caller's pass had nothing the finder reads in it. Only without either is the hop dissected.
   */
  offer(i: number, given?: RelationHop | null): void {
    const p = this.p;
    if (p.prevOfPacket[i]! >= 0) return;
    const proto = p.proto[i]!;
    if (this.relays.length > 0) this.expireRelays(p.t[i]!);
    // a datagram to or from a relayed address: its ends and payload are read from its headers, nothing dissected
    if (this.legs.watching) this.legs.peerLeg(i, (hop, first) => new Sent(this.chain(hop, first), `${p.from[hop]} ${first.src}`, this.keyOf));
    if (proto === TCP && p.offsets[i] !== p.offsets[i + 1]) this.turnOverTcp(i);
    const wanted = proto === STUN || proto === CHANNELDATA || proto === DTLS || (proto === RTP && this.nominations.length > 0) || this.relays.length > 0;
    if (!wanted) return;
    if (p.offsets[i] === p.offsets[i + 1]) return;
    const d: RelationHop =
      given === undefined ? dissectPacket(hopBytes(p, i), NO_CHECKSUMS) : given && given.flow?.transport !== 'TCP' && !given.reassembled ? given : this.bare(i);
    const chain = this.chain(i, d);
    const sent = new Sent(chain, `${p.from[i]} ${d.src}`, this.keyOf);
    if (this.relays.length > 0) this.relayUse(sent);
    let media = false;
    for (const layer of d.layers) {
      if (layer.plaintext) continue;
      if (layer.protocol === 'STUN' && layer.value) {
        this.stun(layer.value as StunMessage, sent);
        this.legs.stun(layer.value as StunMessage, sent, d.src);
      } else if (layer.protocol === 'TURN-CHANNELDATA' && layer.value) {
        this.channelData(layer.value as ChannelData, sent);
        this.legs.channelData(layer.value as ChannelData, sent, d.src);
      }
      else if (layer.protocol === 'DTLS' && layer.value) this.dtls(layer.value as DissectedRecord[], sent);
      else if (layer.protocol === 'RTP' || layer.protocol === 'SRTP') media = true;
    }
    if (media && this.nominations.length > 0) this.firstMedia(sent);
  }

  /**
   * A TCP segment between a TURN client and its server: the STUN messages and ChannelData it completes in its
   * stream (read statelessly of the dissection, see TurnTcpStreams) are one leg of what the server relays.
   */
  private turnOverTcp(i: number): void {
    const s = this.turnTcp.segment(hopBytes(this.p, i));
    const opens = s?.opening === true && this.connections.awaits(s.dst);
    if (!s || (s.units.length === 0 && !opens)) return;
    const chain = this.chain(i, s);
    if (opens) this.connections.opened(new Sent(chain, `${this.p.from[i]} ${s.src}`, this.keyOf), s.src, s.dst);
    for (const u of s.units) {
      // one record per message: the legs remember each one's payload by its record
      const sent = new Sent(chain, `${this.p.from[i]} ${s.src}`, this.keyOf);
      if (u.kind === 'stun') {
        this.legs.stun(u.message, sent, s.src);
        this.connections.stun(u.message, sent);
      } else this.legs.channelData(u.channelData, sent, s.src);
    }
  }

  /** Every relation found, in the order their effects happen. */
  finish(): Relation[] {
    return this.out.sort((a, b) => a.effect - b.effect || a.cause - b.cause);
  }

  /** Hop i as its headers say: its ends, and no layer the finder reads. */
  private bare(i: number): RelationHop {
    const [src, dst] = hopEnds(hopBytes(this.p, i));
    return { src, dst, layers: NOTHING };
  }

  /** Every hop of the datagram that starts at hop i (before and after each NAT). */
  private chain(i: number, first: { readonly src: string; readonly dst: string }): Chain {
    const c: Chain = [];
    for (let k = i; k >= 0; k = this.p.nextOfPacket[k]!) c.push(k);
    this.ends.set(i, [first.src, first.dst]);
    return c;
  }

  private readonly keyOf = (h: number): string => this.key(h);

  /** The conversation a hop belongs to: its two transport addresses, unordered (a reply reverses them). */
  private key(h: number): string {
    let e = this.ends.get(h);
    if (!e) {
      // the ends of a later hop of a datagram (after a NAT), read from its headers: no dissection
      e = hopEnds(hopBytes(this.p, h));
      this.ends.set(h, e);
    }
    return e[0] < e[1] ? `${e[0]} ${e[1]}` : `${e[1]} ${e[0]}`;
  }

  private add(kind: RelationKind, cause: Sent, effect: Sent, detail: string, opts: { fromStart?: boolean; nth?: number } = {}): void {
    const p = this.p;
    const c0 = cause.chain[0]!;
    const e0 = effect.chain[0]!;
    const extra = opts.nth !== undefined ? { nth: opts.nth } : {};
    if (kind === 'response') {
      // RFC 8489 §6.2.1: the client times the transaction: from its request leaving to the response arriving back
      const back = [...effect.chain].reverse().find((h) => p.to[h] === p.from[c0] && p.drop[h]! < 0);
      if (back !== undefined) {
        this.out.push({ kind, cause: c0, effect: e0, from: { hop: c0, at: 'start' }, to: { hop: back, at: 'end' }, dt: p.arrive[back]! - p.t[c0]!, detail, ...extra });
        return;
      }
    }
    let from: Anchor = { hop: c0, at: 'start' };
    if (!opts.fromStart) {
      // the cause as it reached the effect's sender, when it did: a reply starts where the request arrived
      const lane = p.from[e0]!;
      const reached = cause.chain.find((h) => p.to[h] === lane && p.drop[h]! < 0);
      if (reached !== undefined) from = { hop: reached, at: 'end' };
    }
    this.out.push({ kind, cause: c0, effect: e0, from, to: { hop: e0, at: 'start' }, dt: p.t[e0]! - p.t[c0]!, detail, ...extra });
  }

  private stun(m: StunMessage, sent: Sent): void {
    const tid = toHex(m.transactionId);
    const name = messageTypeName(m.method, m.class);
    if (m.class === 'request') {
      const before = this.requests.get(tid) ?? [];
      const same = before.filter((s) => s.sender === sent.sender);
      before.push(sent);
      this.requests.set(tid, before);
      if (same.length > 0) {
        this.add('retransmission', same[0]!, sent, name, { fromStart: true, nth: same.length });
        return;
      }
      // a copy of a request relayed by a TURN server (same transaction, another sender) is not a new request
      if (before.length > 1) return;
      if (m.method === Method.ChannelBind) {
        const channel = getAttribute(m, ChannelNumber);
        if (channel !== undefined) this.channels.push({ sent, channel });
      }
      // RFC 8445 §8.1.1: the controlling agent nominates a pair with USE-CANDIDATE; media follows on it
      if (m.method === Method.Binding && hasAttribute(m, AttrType.UseCandidate) && !sent.keys.some((k) => this.nominated.has(k))) {
        for (const k of sent.keys) this.nominated.add(k);
        this.nominations.push(sent);
      }
      return;
    }
    if (m.class !== 'success' && m.class !== 'error') return;
    const tx = this.requests.get(tid);
    if (!tx) return;
    // the transmission it answers: the latest one on the same path (not the copy on the other side of a TURN
    // relay) that was delivered before the response left
    const t = this.p.t[sent.chain[0]!]!;
    const onPath = tx.filter((s) => this.p.t[s.chain[0]!]! <= t && s.meets(sent));
    const answered = [...onPath].reverse().find((s) => this.delivered(s)) ?? onPath[onPath.length - 1] ?? tx[0]!;
    this.add('response', answered, sent, name);
    if (m.method === Method.Allocate && m.class === 'success') {
      const relayed = getAttribute(m, XorRelayedAddress);
      if (relayed) this.relays.push({ sent, address: formatTransportAddress(relayed) });
    }
  }

  private delivered(s: Sent): boolean {
    return this.p.drop[s.chain[s.chain.length - 1]!]! < 0;
  }

  /** RFC 8656 §12: ChannelData on a channel a ChannelBind bound on the same 5-tuple. */
  private channelData(cd: ChannelData, sent: Sent): void {
    const k = this.channels.findIndex((c) => c.channel === cd.channel && c.sent.meets(sent));
    if (k < 0) return;
    const c = this.channels[k]!;
    this.channels.splice(k, 1);
    this.add('channel-data', c.sent, sent, `channel 0x${cd.channel.toString(16)}`);
  }

  private expireRelays(now: number): void {
    for (let k = 0; k < this.relays.length; k++) if (now - this.p.t[this.relays[k]!.sent.chain[0]!]! > RELAY_WATCH) this.relays.splice(k--, 1);
  }

  /** RFC 8656 §7.3: the relayed transport address, first seen as a datagram's source or destination. */
  private relayUse(sent: Sent): void {
    for (let k = 0; k < this.relays.length; k++) {
      const r = this.relays[k]!;
      if (r.sent === sent) continue;
      if (!sent.chain.some((h) => this.ends.get(h)?.includes(r.address) ?? false)) continue;
      this.relays.splice(k--, 1);
      this.add('relay-use', r.sent, sent, `relayed ${r.address}`);
    }
  }

  private firstMedia(sent: Sent): void {
    const k = this.nominations.findIndex((n) => n.meets(sent));
    if (k < 0) return;
    const n = this.nominations[k]!;
    this.nominations.splice(k, 1);
    this.add('first-media', n, sent, 'first media on the nominated pair');
  }

  private dtls(records: readonly DissectedRecord[], sent: Sent): void {
    for (const r of records) {
      if (r.content.kind !== 'handshake') continue;
      const first = r.content.messages[0];
      if (!first) continue;
      const f = first.fragment;
      const flightKey = `${this.ends.get(sent.chain[0]!)?.join('>') ?? ''} ${f.msgType}/${f.messageSeq}/${f.fragmentOffset}`;
      const seen = this.flights.get(flightKey);
      if (seen) {
        seen.n++;
        const flight = flightOf(records);
        this.add('retransmission', seen.sent, sent, flight ? `DTLS flight ${flight}` : 'DTLS flight', { fromStart: true, nth: seen.n });
        return;
      }
      this.flights.set(flightKey, { sent, n: 0 });
      const body = first.body;
      if (body?.type === 'client_hello' && body.cookie.length === 0) this.hellos.push(sent);
      else if (body?.type === 'hello_verify_request') {
        this.cookies.set(toHex(body.cookie), sent);
        const k = this.hellos.findIndex((h) => h.meets(sent));
        if (k >= 0) {
          this.add('dtls-cookie', this.hellos[k]!, sent, 'HelloVerifyRequest');
          this.hellos.splice(k, 1);
        }
      } else if (body?.type === 'client_hello') {
        const hvr = this.cookies.get(toHex(body.cookie));
        if (hvr) this.add('dtls-cookie', hvr, sent, 'ClientHello with cookie');
      }
      return;
    }
  }
}

/** The relations' observer of a trace's pass (trace-pass.ts): each datagram's first hop, with its dissection. */
export function relationObserver(f: RelationFinder): TraceObserver {
  return { hop: (d, _h, role) => void (role.first ? f.offer(role.hop, d) : undefined) };
}

/** The relations each datagram takes part in, by packet id (a hop's relations are its datagram's). */
export function relationsByPacket(p: PackedTrace, rels: readonly Relation[]): Map<number, number[]> {
  const m = new Map<number, number[]>();
  rels.forEach((r, k) => {
    for (const hop of [r.cause, r.effect]) {
      const id = p.packet[hop]!;
      let list = m.get(id);
      if (!list) m.set(id, (list = []));
      if (!list.includes(k)) list.push(k);
    }
  });
  return m;
}

export { describeRelation } from './describe-relation.ts';
