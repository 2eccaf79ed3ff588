import { utf8Decode } from '../core/encoding.ts';
import type { Micros } from '../core/time.ts';
import type { Note } from '../core/trace.ts';
import type { SignalingMessage } from '../dissect/signaling.ts';
import type { DissectedPacket } from '../dissect/types.ts';
import type { PassHop, PassObserver } from '../pass/pass.ts';
import { compareSdp, soloSdp, type SdpComparison } from './align.ts';

/**
 * Every session description a trace or capture carried, where it was seen, and the offers paired with their answers:
 * from the signaling the dissector decodes (JSEP in WebSocket or HTTP, Janus, SIP bodies), from a simulated run's
 * signaling notes (a hub delivers messages without packets), or from a webrtc-internals dump's updateLog.
 */
export interface SeenSdp {
  /** "offer", "answer", "pranswer", or "description" when the signaling did not say. */
  readonly type: string;
  readonly sdp: string;
  /** Who sent it: an endpoint ("10.0.0.1:5000") or a party ("alice"). */
  readonly from: string;
  readonly to: string;
  readonly t: Micros;
  /** The hops (0-based) that carried this exact text, first the one that carried it first. */
  readonly hops: readonly number[];
  /** The note that says it was sent, when it came from notes. */
  readonly note?: number;
  /** "WebSocket", "HTTP", "SIP", "signaling hub", "webrtc-internals updateLog" … */
  readonly via: string;
  /** The same text seen elsewhere too (a webrtc-internals dump's events beside the packet that carried it). */
  readonly also?: readonly string[];
  /** Candidates trickled after it by the side that sent it (a webrtc-internals dump's onicecandidate events). */
  readonly trickled?: readonly string[];
}

export interface SdpExchange {
  readonly offer?: SeenSdp;
  readonly answer?: SeenSdp;
  /** Set when the exchange is shown twice because a copy was rewritten on its way. */
  readonly view?: string;
  readonly comparison: SdpComparison;
  /** What a signaling server changed in the offer or the answer it forwarded. */
  readonly rewrites: readonly string[];
}

/** Collects SDPs from the dissection pass: each SDP layer, its JSEP type from the signaling layer before it. */
export class SdpCollector implements PassObserver {
  readonly seen: SeenSdp[] = [];
  private readonly byText = new Map<string, { hops: number[]; also?: string[]; index?: number }>();

  hop(p: DissectedPacket, h: PassHop): void {
    let signal: SignalingMessage | undefined;
    let k = 0;
    let via = '';
    for (const l of p.layers) {
      if (l.protocol === 'SIGNALING') {
        signal = l.value as SignalingMessage | undefined;
        k = 0;
      } else if (l.protocol === 'SDP' && l.value) {
        const text = l.bytes ? utf8Decode(l.bytes) : '';
        const type = signal?.descriptions[k]?.type ?? /^(\w+):/.exec(l.summary)?.[1] ?? 'description';
        k++;
        this.add({ type, sdp: text, from: p.src, to: p.dst, t: h.t, via: via || 'signaling' }, h.index);
      } else if (l.protocol === 'WEBSOCKET') via = 'WebSocket';
      else if (l.protocol === 'HTTP' || l.protocol === 'SIP') via = l.protocol;
    }
  }

  /** A description seen again (the same text on another link or forwarded) adds its hop to the first sighting. */
  private add(s: Omit<SeenSdp, 'hops'>, hop: number | undefined): void {
    const key = `${s.type}\u0000${s.sdp}`;
    const had = this.byText.get(key);
    if (had) {
      if (hop !== undefined) had.hops.push(hop);
      else if (had.also) had.also.push(s.via);
      const first = had.index !== undefined ? this.seen[had.index] : undefined;
      if (first && s.trickled && !first.trickled) this.seen[had.index!] = { ...first, trickled: s.trickled };
      return;
    }
    const hops: number[] = hop === undefined ? [] : [hop];
    const also: string[] = [];
    this.byText.set(key, { hops, also, index: this.seen.length });
    this.seen.push({ ...s, hops, also });
  }

  /** A simulated run's `signaling.sent` notes with an SDP: the ones no hop carried (hub signaling) are added. */
  addNotes(notes: readonly Note[]): void {
    notes.forEach((n, i) => {
      if (n.kind !== 'signaling.sent') return;
      const d = n.data as { message?: string; sdp?: string; from?: string; to?: string } | undefined;
      if (!d || (d.message !== 'offer' && d.message !== 'answer') || typeof d.sdp !== 'string') return;
      const key = `${d.message}\u0000${d.sdp}`;
      if (this.byText.has(key)) return;
      this.byText.set(key, { hops: [] });
      this.seen.push({ type: d.message, sdp: d.sdp, from: d.from ?? n.source, to: d.to ?? '', t: n.t, hops: [], note: i, via: 'signaling hub' });
    });
  }

  /** Descriptions from elsewhere (a webrtc-internals dump), with their times on the trace's axis. */
  addOther(list: readonly Omit<SeenSdp, 'hops'>[]): void {
    for (const s of list) this.add(s, undefined);
  }

  /**
   * In time order, each answer paired with the last offer before it not yet answered; lone ones alone. A copy of a
   * description with the same o= line (RFC 8866 §5.2: same session and version) seen later with other text was
   * rewritten on its way (a signaling server's mangling): the exchange is then shown twice, as the answerer saw it
   * (the offer delivered, the answer it sent) and as the offerer saw it, with what was rewritten.
   */
  exchanges(): SdpExchange[] {
    const groups: SeenSdp[][] = [];
    for (const s of [...this.seen].sort((a, b) => a.t - b.t)) {
      const origin = originLine(s.sdp);
      const g = origin === undefined ? undefined : groups.find((x) => x[0]!.type === s.type && originLine(x[0]!.sdp) === origin);
      if (g) g.push(s);
      else groups.push([s]);
    }
    const out: SdpExchange[] = [];
    let open: SeenSdp[] | undefined;
    const lone = (g: SeenSdp[], side: 'offer' | 'answer'): void => {
      out.push({ [side]: g[0]!, comparison: soloSdp(g[0]!.sdp, side), rewrites: rewrites(g, side) });
    };
    for (const g of groups) {
      const type = g[0]!.type;
      if (type === 'offer') {
        if (open) lone(open, 'offer');
        open = g;
      } else if (type === 'answer' || type === 'pranswer') {
        if (!open) lone(g, 'answer');
        else {
          const o = open;
          const both = [...rewrites(o, 'offer'), ...rewrites(g, 'answer')];
          const clash = roleClash(o[0]!, g[0]!, g[g.length - 1]!);
          if (clash) both.push(clash);
          if (o.length === 1 && g.length === 1) out.push({ offer: o[0]!, answer: g[0]!, comparison: compareSdp(o[0]!.sdp, g[0]!.sdp), rewrites: [] });
          else {
            out.push({ offer: o[o.length - 1]!, answer: g[0]!, view: 'as the answerer saw it (the offer delivered, the answer it sent)', comparison: compareSdp(o[o.length - 1]!.sdp, g[0]!.sdp), rewrites: both });
            out.push({ offer: o[0]!, answer: g[g.length - 1]!, view: 'as the offerer saw it (the offer it sent, the answer delivered)', comparison: compareSdp(o[0]!.sdp, g[g.length - 1]!.sdp), rewrites: both });
          }
        }
        if (type === 'answer') open = undefined;
      } else lone(g, 'offer');
    }
    if (open) lone(open, 'offer');
    return out;
  }
}

/** RFC 8842 §5.3: the DTLS role each side takes from the answer it sent or got; the two must differ. */
function roleClash(offer: SeenSdp, answerSent: SeenSdp, answerDelivered: SeenSdp): string | undefined {
  const setup = (sdp: string): string | undefined => /^a=setup:(\w+)/m.exec(sdp)?.[1];
  const sent = setup(answerSent.sdp);
  const got = setup(answerDelivered.sdp);
  if (!sent || !got || sent === got) return undefined;
  const answerer = sent === 'active' ? 'client' : 'server';
  const offerer = got === 'active' ? 'server' : 'client';
  if (answerer !== offerer) return undefined;
  return `both sides take the DTLS ${offerer} role: the answerer sent setup:${sent}, the offerer (${offer.from}) got setup:${got} (RFC 8842 §5.3: one must be active, the other passive)`;
}

function originLine(sdp: string): string | undefined {
  return /^o=(.*)$/m.exec(sdp)?.[1]?.trim();
}

/** What changed between the first copy of a description and each later one: "offer rewritten at hop #66: a=setup:actpass → a=setup:active". */
function rewrites(copies: readonly SeenSdp[], side: 'offer' | 'answer'): string[] {
  const out: string[] = [];
  const first = copies[0]!;
  for (const c of copies.slice(1)) {
    const changes: string[] = [];
    for (const b of compareSdp(first.sdp, c.sdp).blocks) {
      for (const r of b.rows) {
        if (r.offer === r.answer) continue;
        changes.push(r.offer && r.answer ? `${r.offer} → ${r.answer}` : r.offer ? `${r.offer} removed` : `${r.answer ?? ''} added`);
      }
    }
    const where = c.hops[0] !== undefined ? `hop #${c.hops[0]}` : c.note !== undefined ? `note #${c.note}` : c.via;
    out.push(`the ${side} from ${first.from} was rewritten on its way (${where}, ${c.from} → ${c.to}): ${changes.join('; ') || 'whitespace only'}`);
  }
  return out;
}
