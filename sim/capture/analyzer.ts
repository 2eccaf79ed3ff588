import { toHex } from '../core/encoding.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import type { JsonValue, Note } from '../core/trace.ts';
import { getAttribute, Method, XorMappedAddress, XorRelayedAddress, type StunMessage } from '../wire/stun/index.ts';
import type { RtpPacket } from '../wire/rtp/rtp.ts';
import type { FlowTable } from '../dissect/flow-state.ts';
import type { DissectedPacket } from '../dissect/types.ts';
import { IceChecklist } from './ice.ts';
import { StreamTable } from './streams.ts';
import { SignalingLog } from './signaling.ts';

/**
 * Inference from packets alone (DESIGN.md: "the same analyzers can infer notes from packets"): lanes and
 * conversations, NAT-translated addresses tied together, the ICE checklist and selected pair, TURN allocations,
 * DTLS progress (from the dissector's flow state) and RTP/SRTP streams. Every note it makes is marked inferred.
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
}

export interface NatTie {
  /** The address the host used, and the one a server saw (XOR-MAPPED-ADDRESS) or a later hop carried. */
  readonly inside: string;
  readonly outside: string;
  readonly how: string;
  readonly packet: number;
}

export interface TurnAllocation {
  readonly client: string;
  readonly server: string;
  readonly relayed: string;
  readonly packet: number;
}

export class CaptureAnalyzer {
  readonly lanes = new Map<string, Lane>();
  readonly conversations = new Map<string, Conversation>();
  readonly natTies: NatTie[] = [];
  readonly allocations: TurnAllocation[] = [];
  readonly ice = new IceChecklist();
  readonly streams = new StreamTable();
  readonly notes: Note[] = [];
  /** SDP and trickle seen in signaling, and what checking the ICE checklist and DTLS certificates against it gave. */
  readonly signaling = new SignalingLog();
  readonly signalingChecks: { readonly kind: 'ice' | 'dtls'; readonly ok: boolean; readonly text: string }[] = [];
  private readonly stunSeen = new Map<string, { src: string; dst: string }>();
  private readonly tied = new Set<string>();
  private readonly dtlsNoted = new Map<string, string>();

  /** `flows` is the dissector's flow table, for DTLS state. */
  constructor(private readonly flows?: FlowTable) {}

  private note(t: Micros, source: string, kind: string, text: string, packet: number, data?: { [key: string]: JsonValue }): void {
    this.notes.push({ t, source, kind, text, packet, inferred: true, ...(data ? { data } : {}) });
  }

  observe(p: DissectedPacket, packet: number, t: Micros): void {
    const f = p.flow;
    const srcIp = f?.srcIp ?? (p.src || undefined);
    const dstIp = f?.dstIp ?? (p.dst || undefined);
    if (srcIp) this.lane(srcIp, f?.srcPort, true);
    if (dstIp) this.lane(dstIp, f?.dstPort, dstIp !== srcIp);
    if (f) {
      const [a, b] = p.src < p.dst ? [p.src, p.dst] : [p.dst, p.src];
      const key = `${f.transport} ${a} ${b}`;
      let c = this.conversations.get(key);
      if (!c) {
        c = { key, transport: f.transport, a: p.src, b: p.dst, packets: 0, protocols: new Map(), firstPacket: packet, firstT: t, lastT: t };
        this.conversations.set(key, c);
      }
      c.packets++;
      c.lastT = t;
      c.protocols.set(p.protocol, (c.protocols.get(p.protocol) ?? 0) + 1);
    }
    if (p.layers.some((l) => l.protocol === 'SIGNALING' || l.protocol === 'SDP')) this.signal(p, packet, t);
    for (const l of p.layers) {
      if (l.plaintext) continue;
      if (l.protocol === 'STUN' && l.value) this.stun(l.value as StunMessage, p.src, p.dst, packet, t);
      else if ((l.protocol === 'RTP' || l.protocol === 'SRTP') && l.value) {
        const s = this.streams.observe((l.value as RtpPacket).header, p.src, p.dst, l.protocol === 'SRTP', packet, t);
        if (s.packets === 1) {
          const ssrc = `0x${s.ssrc.toString(16).padStart(8, '0')}`;
          this.note(t, `capture/${p.src}`, 'rtp.stream.started', `${l.protocol} stream ${ssrc} (PT ${(l.value as RtpPacket).header.payloadType}) from ${p.src} to ${p.dst}`, packet, { ssrc, srtp: s.srtp });
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

  private tie(inside: string, outside: string, how: string, packet: number, t: Micros): void {
    if (inside === outside || this.tied.has(`${inside} ${outside}`)) return;
    this.tied.add(`${inside} ${outside}`);
    this.natTies.push({ inside, outside, how, packet });
    this.note(t, 'capture/nat', 'nat.mapping.inferred', `${inside} appears as ${outside} beyond a NAT (${how})`, packet, { inside, outside });
  }

  private stun(m: StunMessage, src: string, dst: string, packet: number, t: Micros): void {
    const tid = toHex(m.transactionId);
    // the same transaction seen on two hops with different addresses: a NAT rewrote it in between
    const before = this.stunSeen.get(`${m.class} ${tid}`);
    if (before) {
      if (m.class === 'request' || m.class === 'indication') {
        if (before.src !== src && before.dst === dst) this.tie(before.src, src, 'same STUN transaction seen on both sides', packet, t);
      } else if (before.dst !== dst && before.src === src) this.tie(dst, before.dst, 'same STUN transaction seen on both sides', packet, t);
    } else this.stunSeen.set(`${m.class} ${tid}`, { src, dst });
    if (m.class === 'success') {
      const mapped = getAttribute(m, XorMappedAddress);
      if (mapped && m.method === Method.Binding) this.tie(dst, formatTransportAddress(mapped), 'XOR-MAPPED-ADDRESS of a Binding response', packet, t);
      const relayed = getAttribute(m, XorRelayedAddress);
      if (relayed && m.method === Method.Allocate) {
        const r = formatTransportAddress(relayed);
        this.allocations.push({ client: dst, server: src, relayed: r, packet });
        this.note(t, 'capture/turn', 'turn.allocation.created', `TURN server ${src} relays for ${dst} at ${r}`, packet, { client: dst, server: src, relayed: r });
      }
    }
    const ch = this.ice.observe(m, src, dst, packet, t);
    if (ch) {
      const { pair } = ch;
      const what = ch.change === 'new' ? 'in-progress' : ch.change;
      this.note(t, `capture/ice ${pair.local}`, 'ice.pair.state', `ICE pair ${pair.local} → ${pair.remote}: ${what}${ch.change === 'failed' && pair.lastError ? ` (${pair.lastError})` : ''}`, packet, {
        local: pair.local,
        remote: pair.remote,
        state: what,
        nominated: pair.nominated,
      });
    }
  }

  private dtls(p: DissectedPacket, packet: number, t: Micros): void {
    const f = p.flow;
    if (!f || !this.flows) return;
    const [a, b] = p.src < p.dst ? [p.src, p.dst] : [p.dst, p.src];
    const key = `${f.transport} ${a} ${b}`;
    const d = this.flows.get(key)?.dtls;
    if (!d) return;
    const state = `${d.version ?? 'DTLS'} ${d.progress}`;
    if (this.dtlsNoted.get(key) === state) return;
    this.dtlsNoted.set(key, state);
    const who = d.client ? ` (client ${d.client}, server ${d.server})` : '';
    this.note(t, `capture/dtls ${key}`, 'dtls.state', `${state}${who}`, packet, { version: d.version ?? null, progress: d.progress });
  }

  private signal(p: DissectedPacket, packet: number, t: Micros): void {
    const trickled = this.signaling.trickled.length;
    for (const d of this.signaling.observe(p, packet, t)) {
      const fps = d.fingerprints.map((f) => `${f.hashFunction} ${toHex(f.fingerprint, ':').toUpperCase().slice(0, 23)}…`).join(', ');
      this.note(t, `capture/signaling ${p.src}`, 'signaling.sdp', `SDP ${d.type} from ${p.src}: ${d.candidates.length} candidate(s), ice-ufrag ${d.ufrags.join('/') || 'none'}${fps ? `, fingerprint ${fps}` : ''}${d.setup ? `, setup ${d.setup}` : ''}`, packet, {
        type: d.type,
        candidates: d.candidates.map((c) => `${c.address}:${c.port} ${c.type}`),
        ufrags: [...d.ufrags],
      });
    }
    for (const c of this.signaling.trickled.slice(trickled)) {
      this.note(t, `capture/signaling ${p.src}`, 'signaling.candidate', `trickled candidate ${c.candidate.address}:${c.candidate.port} (${c.candidate.type}) from ${p.src}`, packet, { candidate: `${c.candidate.address}:${c.candidate.port}`, type: c.candidate.type });
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
      this.note(pair.firstT, `capture/ice ${pair.local}`, 'ice.pair.signaled', text, pair.firstPacket, { local: pair.local, remote: pair.remote, signaled: known });
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
        this.note(lastT, `capture/dtls ${f.key}`, r.ok ? 'dtls.fingerprint.verified' : 'dtls.fingerprint.mismatch', text, packet, { sender, ok: r.ok, fingerprint: r.fingerprint });
      }
    }
  }

  /** Notes that only make sense at the end: loss and jitter per stream, the selected pair, signaling checks. */
  finish(lastT: Micros): Note[] {
    const sel = this.ice.selected();
    if (sel) this.note(sel.succeededT ?? lastT, 'capture/ice', 'ice.selected', `selected pair ${sel.local} → ${sel.remote} (nominated, succeeded)`, sel.succeededPacket ?? sel.firstPacket, { local: sel.local, remote: sel.remote });
    this.checkAgainstSignaling(lastT);
    return this.notes;
  }
}
