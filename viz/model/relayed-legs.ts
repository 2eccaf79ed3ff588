import { formatTransportAddress } from '../../sim/core/endpoint.ts';
import { formatEndpoint } from '../../sim/dissect/endpoint.ts';
import { decodeIpDatagram } from '../../sim/wire/ip/datagram.ts';
import { IPPROTO } from '../../sim/wire/ip/protocols.ts';
import { ChannelNumber, Data, Method, XorPeerAddress, XorRelayedAddress, carriesRelayedData, getAttribute, getAttributes, hex16, type ChannelData, type StunMessage } from '../../sim/wire/stun/index.ts';
import { hopBytes, type PackedTrace } from './packed.ts';

/** A datagram as the relation finder remembers it: its hops, and whether it shares a conversation with another. */
export interface LegDatagram {
  readonly chain: readonly number[];
  meets(o: LegDatagram): boolean;
}

/** How long (trace time) one leg of a relayed datagram waits for the other: a server relays within milliseconds. */
const LEG_WINDOW = 5_000_000;

interface Pending {
  readonly sent: LegDatagram;
  readonly t: number;
  readonly detail: string;
}

/** FNV-1a over the bytes, with their length: the key a payload is looked up by (compared byte for byte after). */
function payloadKey(b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return `${b.length}/${(h >>> 0).toString(16)}`;
}

/** A hop's UDP ends and payload, read from its headers (nothing for another protocol or a later fragment). */
function udpOf(b: Uint8Array): { src: string; dst: string; payload: Uint8Array } | undefined {
  const ip = decodeIpDatagram(b, 0, false).value;
  if (!ip || ip.protocol !== IPPROTO.UDP || ip.fragment || ip.payloadLength < 8) return undefined;
  const at = ip.payloadOffset;
  const src = formatEndpoint(ip.src, (b[at]! << 8) | b[at + 1]!);
  const dst = formatEndpoint(ip.dst, (b[at + 2]! << 8) | b[at + 3]!);
  return { src, dst, payload: b.subarray(at + 8, at + ip.payloadLength) };
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The two legs of every datagram a TURN server relays (RFC 8656 §11, §12): a Send indication or ChannelData from
 * the client and the datagram leaving its relayed address for the peer with the same payload; a datagram from the
 * peer reaching the relayed address and the Data indication or ChannelData taking the same payload to the client.
 * The client's leg may be UDP or a TCP segment of its connection to the server (RFC 8656 §12.5; its messages read by
 * TurnTcpStreams, one record per message); the peer's leg is UDP.
 * Fed in trace order by the relation finder; each pair found is handed to `relate` (cause first).
 */
export class RelayedLegs {
  /** Allocations seen (RFC 8656 §7.3): the Allocate success and its relayed address. */
  private readonly allocations: { sent: LegDatagram; address: string }[] = [];
  private readonly relayed = new Set<string>();
  /** Channels bound (RFC 8656 §11): by ChannelBind request, the client's address as it sent it, and the peer. */
  private readonly bound: { sent: LegDatagram; client: string; channel: number; peer: string }[] = [];
  /** Client-side legs waiting for the datagram leaving the relay, by "relayed peer payload". */
  private readonly outbound = new Map<string, Pending[]>();
  /** Datagrams that reached a relayed address, waiting for the leg to the client, by "peer relayed payload". */
  private readonly inbound = new Map<string, Pending[]>();
  private readonly payloads = new WeakMap<LegDatagram, Uint8Array>();
  private readonly expiry: { map: Map<string, Pending[]>; key: string; t: number }[] = [];
  private expired = 0;

  constructor(
    private readonly p: PackedTrace,
    private readonly relate: (cause: LegDatagram, effect: LegDatagram, detail: string) => void,
  ) {}

  /** True once an allocation was seen: from then on every datagram may be a relay's other leg. */
  get watching(): boolean {
    return this.relayed.size > 0;
  }

  /** A STUN message between a client and its server: allocations, channels, Send and Data indications. */
  stun(m: StunMessage, sent: LegDatagram, src: string): void {
    if (m.method === Method.Allocate && m.class === 'success') {
      const r = getAttribute(m, XorRelayedAddress);
      if (r) {
        const address = formatTransportAddress(r);
        this.allocations.push({ sent, address });
        this.relayed.add(address);
      }
      return;
    }
    if (m.method === Method.ChannelBind && m.class === 'request') {
      const channel = getAttribute(m, ChannelNumber);
      const peer = getAttributes(m, XorPeerAddress)[0];
      if (channel !== undefined && peer) this.bound.push({ sent, client: src, channel, peer: formatTransportAddress(peer) });
      return;
    }
    if (!carriesRelayedData(m)) return;
    const relayed = this.relayedOf(sent);
    const peer = getAttributes(m, XorPeerAddress)[0];
    if (!relayed || !peer) return;
    const data = getAttribute(m, Data)!;
    const p = formatTransportAddress(peer);
    // RFC 8656 §11.4: the server sends the DATA from the relayed address to XOR-PEER-ADDRESS; §11.6: it wraps what
    // reached the relayed address from that peer in a Data indication
    if (m.method === Method.Send) this.wait(this.outbound, `${relayed} ${p} ${payloadKey(data)}`, sent, data, `Send indication to ${p}`);
    else this.found(this.inbound, `${p} ${relayed} ${payloadKey(data)}`, sent, data, `Data indication from ${p}`);
  }

  /** ChannelData between a client and its server (RFC 8656 §12.6, §12.7), on a channel a ChannelBind bound. */
  channelData(cd: ChannelData, sent: LegDatagram, src: string): void {
    let b: (typeof this.bound)[number] | undefined;
    for (let k = this.bound.length - 1; k >= 0 && !b; k--) if (this.bound[k]!.channel === cd.channel && this.bound[k]!.sent.meets(sent)) b = this.bound[k];
    const relayed = b ? this.relayedOf(sent) : undefined;
    if (!b || !relayed) return;
    const key = payloadKey(cd.data);
    if (src === b.client) this.wait(this.outbound, `${relayed} ${b.peer} ${key}`, sent, cd.data, `ChannelData ${hex16(cd.channel)} to ${b.peer}`);
    else this.found(this.inbound, `${b.peer} ${relayed} ${key}`, sent, cd.data, `ChannelData ${hex16(cd.channel)} from ${b.peer}`);
  }

  /**
   * The first hop of a datagram, when an allocation was seen: a datagram leaving a relayed address is the other
   * leg of a Send indication or ChannelData; one reaching it waits for its Data indication or ChannelData.
   * `sentOf` makes the finder's record of the datagram (only called when it is on a relay's peer leg).
   */
  peerLeg(i: number, sentOf: (hop: number, ends: { src: string; dst: string }) => LegDatagram): void {
    const u = udpOf(hopBytes(this.p, i));
    if (!u) return;
    if (this.relayed.has(u.src)) {
      const sent = sentOf(i, u);
      this.found(this.outbound, `${u.src} ${u.dst} ${payloadKey(u.payload)}`, sent, u.payload, '');
    } else if (this.relayed.has(u.dst)) {
      const sent = sentOf(i, u);
      // the peer as the server saw it: the source of the hop that reached it (after the peer's NATs)
      let peer = u.src;
      for (const h of sent.chain) {
        const e = udpOf(hopBytes(this.p, h));
        if (e?.dst === u.dst) peer = e.src;
      }
      this.wait(this.inbound, `${peer} ${u.dst} ${payloadKey(u.payload)}`, sent, u.payload, '');
    }
  }

  /** The relayed address of the allocation on the conversation `sent` belongs to (the latest one). */
  private relayedOf(sent: LegDatagram): string | undefined {
    for (let k = this.allocations.length - 1; k >= 0; k--) if (this.allocations[k]!.sent.meets(sent)) return this.allocations[k]!.address;
    return undefined;
  }

  private wait(map: Map<string, Pending[]>, key: string, sent: LegDatagram, payload: Uint8Array, detail: string): void {
    const t = this.p.t[sent.chain[0]!]!;
    this.expire(t);
    let list = map.get(key);
    if (!list) map.set(key, (list = []));
    list.push({ sent, t, detail });
    this.payloads.set(sent, payload);
    this.expiry.push({ map, key, t });
  }

  /** The other leg of a waiting datagram: the oldest with the same payload; `detail` names the client side's leg. */
  private found(map: Map<string, Pending[]>, key: string, sent: LegDatagram, payload: Uint8Array, detail: string): void {
    this.expire(this.p.t[sent.chain[0]!]!);
    const list = map.get(key);
    const k = list ? list.findIndex((w) => sameBytes(this.payloads.get(w.sent)!, payload)) : -1;
    if (!list || k < 0) return;
    const w = list[k]!;
    list.splice(k, 1);
    if (list.length === 0) map.delete(key);
    this.relate(w.sent, sent, w.detail || detail);
  }

  /** Forgets legs waiting longer than LEG_WINDOW (the other leg was not captured, or dropped on the way). */
  private expire(now: number): void {
    const q = this.expiry;
    while (this.expired < q.length && now - q[this.expired]!.t > LEG_WINDOW) {
      const { map, key, t } = q[this.expired++]!;
      const list = map.get(key);
      const k = list ? list.findIndex((w) => w.t === t) : -1;
      if (list && k >= 0) {
        list.splice(k, 1);
        if (list.length === 0) map.delete(key);
      }
    }
    if (this.expired > 4096 && this.expired * 2 > q.length) {
      q.splice(0, this.expired);
      this.expired = 0;
    }
  }
}
