import { toHex } from '../core/encoding.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import type { Note } from '../core/trace.ts';
import { DTLS_PROGRESS_STATE, dtlsNote, type DtlsStateName } from '../dtls/notes.ts';
import { iceNote, type IcePairStateName } from '../ice/notes.ts';
import { mediaNote } from '../media/notes.ts';
import type { NoteBody } from '../core/note.ts';
import { signalingNote } from '../signaling/notes.ts';
import { turnNote } from '../turn/notes.ts';
import { carriesRelayedData, getAttribute, Lifetime, Method, XorMappedAddress, XorRelayedAddress, type StunMessage } from '../wire/stun/index.ts';
import { inferNote } from './notes.ts';
import type { RtpPacket } from '../wire/rtp/rtp.ts';
import type { FlowTable } from '../dissect/flow-state.ts';
import type { DissectedPacket } from '../dissect/types.ts';
import { IceChecklist } from './ice.ts';
import { StreamTable } from './streams.ts';
import { SignalingLog } from './signaling.ts';
import { RelayMap } from './relay.ts';
import { TurnLog } from './turn.ts';
import { DataChannelLog } from './datachannels.ts';
import { SightingIndex, type SeenDatagram } from './sightings.ts';
import type { ChannelData } from '../wire/stun/channel-data.ts';
import type { IpDatagram } from '../wire/ip/datagram.ts';
import type { PassHop, PassObserver } from '../pass/pass.ts';

/**
 * Inference from packets alone (docs/architecture.md, "The one idea": inference derives notes from packets): lanes and
 * conversations, NAT-translated addresses tied together, the ICE checklist and selected pair, TURN allocations,
 * DTLS progress (from the dissector's flow state) and RTP/SRTP streams. Every note it makes is marked inferred.
 * A datagram seen at several vantage points (one interface per link, or both sides of a NAT) is one event: its
 * first sighting is counted, the others tie the rewritten addresses together (sightings.ts).
 */
export interface Lane {
  /** One lane per IP address. */
  readonly address: string;
  packets: number;
  readonly ports: Set<number>;
}

export interface Conversation {
  readonly key: string;
  readonly transport: 'UDP' | 'TCP';
  readonly a: string;
  readonly b: string;
  packets: number;
  readonly protocols: Map<string, number>;
  readonly firstPacket: number;
  readonly firstT: Micros;
  lastT: Micros;
  /** Packets that were copies of a datagram first seen elsewhere (another link, the other side of a NAT). */
  copies: number;
}

/**
 * Why two addresses are tied: the same datagram seen with its address rewritten (a NAT, the strongest evidence),
 * a reflexive address a STUN server reported (what it saw, RFC 8489 §14.2), or a relayed address a TURN server
 * allocated (the server's own address standing for the client, RFC 8656 §7.3; not a NAT translation).
 */
export type TieEvidence = 'rewritten' | 'reflexive' | 'relayed';

export const TIE_EVIDENCE: Readonly<Record<TieEvidence, string>> = {
  rewritten: 'seen rewritten on the wire',
  reflexive: 'reflexive address reported by STUN',
  relayed: 'relayed address allocated by TURN',
};

export interface NatTie {
  /** The address the host used, and the one a later hop carried, a server saw, or a TURN server relays at. */
  readonly inside: string;
  readonly outside: string;
  readonly evidence: TieEvidence;
  /** The evidence in words, with what showed it ("Binding success XOR-MAPPED-ADDRESS", "via 198.51.100.10:3478"). */
  readonly how: string;
  readonly packet: number;
}

export interface TurnAllocation {
  readonly client: string;
  readonly server: string;
  readonly relayed: string;
  readonly packet: number;
}

export class CaptureAnalyzer implements PassObserver {
  readonly lanes = new Map<string, Lane>();
  readonly conversations = new Map<string, Conversation>();
  readonly natTies: NatTie[] = [];
  readonly allocations: TurnAllocation[] = [];
  /** Each allocation's life: challenge, permissions, channels, relayed data, refreshes, errors, release. */
  readonly turn = new TurnLog();
  readonly ice = new IceChecklist();
  readonly streams = new StreamTable();
  /** Data channels opened and their messages per direction (decrypted SCTP, sim/infer/datachannels.ts). */
  readonly dataChannels = new DataChannelLog();
  readonly notes: Note[] = [];
  /** SDP and trickle seen in signaling, and what checking the ICE checklist and DTLS certificates against it gave. */
  readonly signaling = new SignalingLog();
  readonly signalingChecks: { readonly kind: 'ice' | 'dtls'; readonly ok: boolean; readonly text: string }[] = [];
  /** Every datagram's sightings: copies are counted once. */
  readonly sightings = new SightingIndex();
  /** Datagrams counted (first sightings), when the caller passes the packets' bytes. */
  datagrams = 0;
  private readonly relays = new RelayMap();
  /** Where each STUN message (class and transaction) was first seen, and whether inside ChannelData. */
  private readonly stunFirst = new Map<string, { src: string; dst: string; relayed: boolean }>();
  private readonly allocated = new Set<string>();
  private readonly tied = new Set<string>();
  /** Outside → inside address, from datagrams seen rewritten (never from reports, which may be relayed). */
  private readonly insideOf = new Map<string, string>();
  private readonly dtlsNoted = new Map<string, string>();
  /** The state each inferred ICE pair's last note gave, by pair id. */
  private readonly pairNoted = new Map<string, IcePairStateName>();
  /** The endpoint state each DTLS flow's last note gave (sim/dtls/notes.ts `DTLS_PROGRESS_STATE`). */
  private readonly dtlsState = new Map<string, DtlsStateName>();

  /** `flows` is the dissector's flow table, for DTLS state. */
  constructor(private readonly flows?: FlowTable) {}

  /** Records an inferred note: a body built by its folder's emit helper (the type a component's note of that kind has too). */
  private note(t: Micros, source: string, body: NoteBody, packet: number): void {
    this.notes.push({ t, source, kind: body.kind, text: body.text, packet, inferred: true, ...(body.data ? { data: body.data } : {}) });
  }

  /** As an observer of the dissection pass: the hop's bytes and vantage point let copies of a datagram be recognised. */
  hop(p: DissectedPacket, h: PassHop): void {
    this.observe(p, h.index, h.t, h.bytes, h.vantage ?? '');
  }

  /**
   * Feeds one dissected packet. `bytes` (what was dissected: the frame or datagram) lets copies of one datagram be
   * recognised; `vantage` is where it was captured (defaults to the dissector's current vantage point).
   */
  observe(p: DissectedPacket, packet: number, t: Micros, bytes?: Uint8Array, vantage?: string): void {
    const f = p.flow;
    const seen = bytes ? this.sight(p, packet, t, bytes, vantage ?? this.flows?.vantage ?? '') : undefined;
    const repeat = seen?.repeat ?? false;
    if (seen && repeat) this.rewritten(seen.datagram, t);
    else if (seen) this.datagrams++;
    const srcIp = f?.srcIp ?? (p.src || undefined);
    const dstIp = f?.dstIp ?? (p.dst || undefined);
    if (srcIp) this.lane(srcIp, f?.srcPort, true);
    if (dstIp) this.lane(dstIp, f?.dstPort, dstIp !== srcIp);
    if (f) {
      const [a, b] = p.src < p.dst ? [p.src, p.dst] : [p.dst, p.src];
      const key = `${f.transport} ${a} ${b}`;
      let c = this.conversations.get(key);
      if (!c) {
        c = { key, transport: f.transport, a: p.src, b: p.dst, packets: 0, protocols: new Map(), firstPacket: packet, firstT: t, lastT: t, copies: 0 };
        this.conversations.set(key, c);
      }
      c.packets++;
      if (repeat) c.copies++;
      c.lastT = t;
      c.protocols.set(p.protocol, (c.protocols.get(p.protocol) ?? 0) + 1);
    }
    if (!repeat && p.layers.some((l) => l.protocol === 'SIGNALING' || l.protocol === 'SDP')) this.signal(p, packet, t);
    // inside ChannelData or a Send/Data indication: the endpoints the relayed datagram travels between (undefined:
    // not known from the capture)
    let relay: { src: string; dst: string } | undefined | null = null;
    for (const l of p.layers) {
      if (l.plaintext) {
        const n = !repeat && (l.protocol === 'DCEP' || l.protocol === 'DATACHANNEL') ? this.dataChannels.layer(l, p.src, p.dst, packet, t) : undefined;
        if (n) this.note(t, `capture/sctp ${p.src}`, n, packet);
        continue;
      }
      if (l.protocol === 'TURN-CHANNELDATA' && l.value) {
        relay = this.relays.endpoints((l.value as ChannelData).channel, p.src, p.dst);
        if (!repeat) this.turn.channelData(this.canonical(p.src), this.canonical(p.dst));
      }
      else if (l.protocol === 'STUN' && l.value) {
        const m = l.value as StunMessage;
        if (relay === null) this.everySighting(m, p.src, p.dst, packet, t);
        if (!repeat) this.stun(m, relay?.src ?? p.src, relay?.dst ?? p.dst, relay !== null, packet, t);
        // what a Send or Data indication carries (the next layers) travels between the relayed address and the peer
        if (relay === null && carriesRelayedData(m)) relay = this.relays.indication(m, p.src, p.dst);
      } else if (repeat) continue;
      else if ((l.protocol === 'RTP' || l.protocol === 'SRTP') && l.value) {
        // a stream relayed by TURN is one stream: named by its relayed endpoints, a NAT's outside address by the inside one
        const src = this.canonical(relay?.src ?? p.src);
        const dst = this.canonical(relay?.dst ?? p.dst);
        const before = this.streams.streams.length;
        const s = this.streams.observe((l.value as RtpPacket).header, src, dst, l.protocol === 'SRTP', packet, t, relay !== null);
        if (this.streams.streams.length > before) {
          const ssrc = `0x${s.ssrc.toString(16).padStart(8, '0')}`;
          this.note(t, `capture/${src}`, mediaNote('rtp.stream.started', `${l.protocol} stream ${ssrc} (PT ${(l.value as RtpPacket).header.payloadType}) from ${src} to ${dst}`, { ssrc, srtp: s.srtp }), packet);
        }
      } else if (l.protocol === 'DTLS') this.dtls(p, packet, t);
    }
  }

  private lane(ip: string, port: number | undefined, count: boolean): void {
    let l = this.lanes.get(ip);
    if (!l) {
      l = { address: ip, packets: 0, ports: new Set() };
      this.lanes.set(ip, l);
    }
    if (count) l.packets++;
    if (port !== undefined) l.ports.add(port);
  }

  /** The datagram's sighting: the IPv4 Identification and the UDP/TCP payload bytes identify it. */
  private sight(p: DissectedPacket, packet: number, t: Micros, bytes: Uint8Array, vantage: string): { datagram: SeenDatagram; repeat: boolean } | undefined {
    const buf = p.reassembled ?? bytes;
    let ip: IpDatagram | undefined;
    let payload: Uint8Array | undefined;
    for (const l of p.layers) {
      if ((l.protocol === 'IPv4' || l.protocol === 'IPv6') && !ip) ip = l.value as IpDatagram | undefined;
      else if (l.protocol === 'UDP' || l.protocol === 'TCP') {
        const at = l.protocol === 'UDP' ? 8 : ((l.value as { payloadOffset?: number } | undefined)?.payloadOffset ?? 20);
        // after IP reassembly the layers above IP index the whole datagram, not the packet
        payload = buf.subarray(l.offset + at, l.offset + l.length);
        break;
      }
    }
    if (!ip || !payload) return undefined;
    return this.sightings.see(payload, ip.ipv4?.identification, { packet, t, vantage, src: p.src, dst: p.dst });
  }

  /** A copy of a datagram seen before: what changed between the last two sightings was rewritten on the way. */
  private rewritten(d: SeenDatagram, t: Micros): void {
    const cur = d.sightings[d.sightings.length - 1]!;
    const prev = d.sightings[d.sightings.length - 2]!;
    // the earlier sighting is nearer the sender: a changed source is its inside address, a changed destination
    // the receiver's outside address
    if (prev.src !== cur.src) this.tie(prev.src, cur.src, 'rewritten', `packet ${prev.packet + 1} seen again as packet ${cur.packet + 1}`, cur.packet, t);
    if (prev.dst !== cur.dst) this.tie(cur.dst, prev.dst, 'rewritten', `packet ${prev.packet + 1} seen again as packet ${cur.packet + 1}`, cur.packet, t);
  }

  /** The inside address a NAT's outside address was seen rewritten from (followed through nested NATs). */
  canonical(address: string): string {
    let a = address;
    for (let i = 0; i < 4; i++) {
      const inside = this.insideOf.get(a);
      if (inside === undefined) break;
      a = inside;
    }
    return a;
  }

  private tie(inside: string, outside: string, evidence: TieEvidence, how: string, packet: number, t: Micros): void {
    const key = `${evidence} ${inside} ${outside}`;
    if (inside === outside || this.tied.has(key)) return;
    this.tied.add(key);
    if (evidence === 'rewritten' && !this.insideOf.has(outside)) this.insideOf.set(outside, inside);
    this.natTies.push({ inside, outside, evidence, how, packet });
    const text =
      evidence === 'rewritten'
        ? `${inside} appears as ${outside} beyond a NAT (${TIE_EVIDENCE[evidence]}: ${how})`
        : evidence === 'reflexive'
          ? `a STUN server saw ${inside} as ${outside} (${TIE_EVIDENCE[evidence]}: ${how})`
          : `${inside} is reachable at ${outside}, the TURN server's (${TIE_EVIDENCE[evidence]}: ${how})`;
    this.note(t, 'capture/nat', inferNote(evidence === 'rewritten' ? 'nat.mapping.inferred' : `address.${evidence}.inferred`, text, { inside, outside, evidence }), packet);
  }

  /** What every sighting of a STUN message (not relayed) shows: TURN state, and the client's reflexive address. */
  private everySighting(m: StunMessage, src: string, dst: string, packet: number, t: Micros): void {
    this.relays.observe(m, src, dst);
    if (m.class !== 'success' || (m.method !== Method.Binding && m.method !== Method.Allocate)) return;
    const mapped = getAttribute(m, XorMappedAddress);
    if (mapped) this.tie(dst, formatTransportAddress(mapped), 'reflexive', `XOR-MAPPED-ADDRESS of ${m.method === Method.Binding ? 'a Binding' : 'an Allocate'} response from ${src}`, packet, t);
  }

  /** A STUN message counted once: `src`/`dst` are the relayed endpoints when it came inside ChannelData. */
  private stun(m: StunMessage, src: string, dst: string, relayed: boolean, packet: number, t: Micros): void {
    const tid = toHex(m.transactionId);
    // the same message seen again at other addresses (the TURN server relaying it, a NAT whose copy was not
    // recognised as such) is not another transaction; at the same addresses it is a retransmission
    const key = `${m.class} ${tid}`;
    const first = this.stunFirst.get(key);
    if (first && (first.src !== src || first.dst !== dst || first.relayed !== relayed)) return;
    if (!first) this.stunFirst.set(key, { src, dst, relayed });
    if (!first && !relayed) this.turn.observe(m, src, dst, packet, t, (a) => this.canonical(a));
    if (m.class === 'success' && m.method === Method.Allocate && !relayed) {
      const relayedAddress = getAttribute(m, XorRelayedAddress);
      const r = relayedAddress && formatTransportAddress(relayedAddress);
      if (r && !this.allocated.has(`${dst} ${src} ${r}`)) {
        this.allocated.add(`${dst} ${src} ${r}`);
        this.allocations.push({ client: dst, server: src, relayed: r, packet });
        const lifetime = getAttribute(m, Lifetime);
        this.note(t, 'capture/turn', turnNote('turn.allocation.created', `TURN server ${src} relays for ${dst} at ${r}`, { client: dst, relayed: r, ...(lifetime !== undefined ? { lifetime } : {}), server: src }), packet);
        this.tie(dst, r, 'relayed', `Allocate via ${src}`, packet, t);
      }
    }
    const ch = this.ice.observe(m, src, dst, packet, t);
    if (ch) {
      const { pair } = ch;
      const what = ch.change === 'new' ? 'in-progress' : ch.change;
      // as an agent notes it: a pair is formed in progress (the first check), succeeds or fails once, or is nominated in its state
      const id = `${pair.local} -> ${pair.remote}`;
      const previous = this.pairNoted.get(id) ?? null;
      this.pairNoted.set(id, pair.state);
      const reason = ch.change === 'new' ? 'check seen' : ch.change === 'nominated' ? 'nominated' : ch.change === 'succeeded' ? 'success response seen' : `error response seen${pair.lastError ? `: ${pair.lastError}` : ''}`;
      this.note(
        t,
        `capture/ice ${pair.local}`,
        iceNote('ice.pair.state', `ICE pair ${pair.local} → ${pair.remote}: ${what}${ch.change === 'failed' && pair.lastError ? ` (${pair.lastError})` : ''}`, {
          pair: id,
          local: pair.local,
          remote: pair.remote,
          state: pair.state,
          nominated: pair.nominated,
          previous,
          reason,
        }),
        packet,
      );
    }
  }

  private dtls(p: DissectedPacket, packet: number, t: Micros): void {
    const f = p.flow;
    if (!f || !this.flows) return;
    const [a, b] = p.src < p.dst ? [p.src, p.dst] : [p.dst, p.src];
    const key = `${f.transport} ${a} ${b}`;
    // the flow table keeps state per vantage point (see FlowTable.vantage)
    const d = this.flows.get(this.flows.vantage ? `${key} @${this.flows.vantage}` : key)?.dtls;
    if (!d) return;
    const state = `${d.version ?? 'DTLS'} ${d.progress}`;
    const before = this.dtlsNoted.get(key);
    if (before === state) return;
    this.dtlsNoted.set(key, state);
    const who = d.client ? ` (client ${d.client}, server ${d.server})` : '';
    const from = this.dtlsState.get(key) ?? 'new';
    const to = DTLS_PROGRESS_STATE[d.progress];
    this.dtlsState.set(key, to);
    const text = `${state}${who}`;
    this.note(t, `capture/dtls ${key}`, dtlsNote('dtls.state', text, { from, to, reason: `inferred from the capture: ${text}`, version: d.version ?? null, progress: d.progress }), packet);
  }

  private signal(p: DissectedPacket, packet: number, t: Micros): void {
    const trickled = this.signaling.trickled.length;
    for (const d of this.signaling.observe(p, packet, t)) {
      const fps = d.fingerprints.map((f) => `${f.hashFunction} ${toHex(f.fingerprint, ':').toUpperCase().slice(0, 23)}…`).join(', ');
      this.note(
        t,
        `capture/signaling ${p.src}`,
        signalingNote('signaling.sdp', `SDP ${d.type} from ${p.src}: ${d.candidates.length} candidate(s), ice-ufrag ${d.ufrags.join('/') || 'none'}${fps ? `, fingerprint ${fps}` : ''}${d.setup ? `, setup ${d.setup}` : ''}`, {
          type: d.type,
          candidates: d.candidates.map((c) => `${c.address}:${c.port} ${c.type}`),
          ufrags: [...d.ufrags],
        }),
        packet,
      );
    }
    for (const c of this.signaling.trickled.slice(trickled)) {
      this.note(t, `capture/signaling ${p.src}`, signalingNote('signaling.candidate', `trickled candidate ${c.candidate.address}:${c.candidate.port} (${c.candidate.type}) from ${p.src}`, { candidate: `${c.candidate.address}:${c.candidate.port}`, type: c.candidate.type }), packet);
    }
  }

  /** Ties the ICE checklist and the DTLS certificates to what the signaling said (when signaling was captured). */
  private checkAgainstSignaling(lastT: Micros): void {
    const sig = this.signaling;
    if (!sig.descriptions.length && !sig.trickled.length && !sig.otherFingerprints.length) return;
    for (const pair of this.ice.pairs) {
      const side = (addr: string): string => {
        const c = sig.candidatesAt(addr)[0];
        return c ? `${addr} is a signaled ${c.candidate.type} candidate (${c.source}, packet ${c.packet + 1})` : `${addr} was never signaled (peer-reflexive, RFC 8445 §7.3.1.3)`;
      };
      const known = sig.candidatesAt(pair.local).length > 0 && sig.candidatesAt(pair.remote).length > 0;
      const user = sig.checkUsername(pair);
      const ok = known && !user?.includes('does not match');
      const text = `ICE pair ${pair.local} → ${pair.remote}: ${side(pair.local)}; ${side(pair.remote)}${user ? `; ${user}` : ''}`;
      this.signalingChecks.push({ kind: 'ice', ok, text });
      this.note(pair.firstT, `capture/ice ${pair.local}`, iceNote('ice.pair.signaled', text, { local: pair.local, remote: pair.remote, signaled: known }), pair.firstPacket);
    }
    for (const f of this.flows?.all() ?? []) {
      const d = f.dtls;
      if (!d) continue;
      for (const [sender, der] of d.certificates) {
        const r = sig.checkCertificate(sender, der);
        const role = d.roleOf(sender) ?? 'peer';
        const text = `DTLS ${role} certificate from ${sender} (sha-256 ${r.fingerprint.slice(0, 23)}…) ${r.text}`;
        this.signalingChecks.push({ kind: 'dtls', ok: r.ok, text });
        const packet = d.messages.find((m) => m.type.startsWith('Certificate') && m.role === role)?.packet ?? f.first;
        this.note(lastT, `capture/dtls ${f.key}`, r.ok ? dtlsNote('dtls.fingerprint.verified', text, { fingerprint: r.fingerprint, sender }) : dtlsNote('dtls.fingerprint.mismatch', text, { actual: r.fingerprint, sender }), packet);
      }
    }
  }

  /** Notes that only make sense at the end: loss and jitter per stream, the selected pair, signaling checks. */
  finish(lastT: Micros): Note[] {
    const sel = this.ice.selected();
    if (sel) this.note(sel.succeededT ?? lastT, 'capture/ice', iceNote('ice.selected', `selected pair ${sel.local} → ${sel.remote} (nominated, succeeded)`, { pair: `${sel.local} -> ${sel.remote}`, local: sel.local, remote: sel.remote }), sel.succeededPacket ?? sel.firstPacket);
    this.checkAgainstSignaling(lastT);
    for (const n of this.dataChannels.finish()) this.note(n.t, `capture/sctp ${n.body.kind === 'datachannel.messages' ? String(n.body.data?.from) : ''}`, n.body, n.packet);
    return this.notes;
  }
}
