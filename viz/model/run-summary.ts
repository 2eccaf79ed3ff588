import { typedNotes, type NoteOf } from '../../sim/notes/index.ts';
import type { Note } from '../../sim/core/trace.ts';
import { demuxClass } from '../../sim/wire/demux.ts';
import { iceStateAt, type IcePairView } from './ice-state.ts';
import { PROTOCOLS, hopBytes, type PackedTrace } from './packed.ts';

/**
 * What a WebRTC engineer looks at first in one run, read from the trace alone (notes and hops), so a simulated run
 * and a capture summarize the same way: ICE pairs and the selected one, when ICE, DTLS and media started, packets
 * per protocol, drops by reason, NAT mappings. Two summaries side by side are the compare view's diff.
 */
export interface PairOutcome {
  /** "srflx 203.0.113.10:54635 → srflx 203.0.113.20:60623" */
  readonly label: string;
  /** "srflx → srflx": comparable across runs whose ports differ. */
  readonly types: string;
  readonly state: string;
  readonly nominated: boolean;
}

export interface AgentSummary {
  /** The note source: "alice/webrtc-peer". */
  readonly agent: string;
  /** Final RTCIceConnectionState word. */
  readonly state: string;
  readonly pairs: readonly PairOutcome[];
  readonly selected?: PairOutcome;
  /** µs: when ICE first reached connected (or completed), DTLS connected. */
  readonly iceConnected?: number;
  readonly dtlsConnected?: number;
  readonly dtlsState?: string;
}

export interface RunSummary {
  readonly title: string;
  readonly source: 'simulation' | 'capture';
  readonly hops: number;
  /** Datagrams sent (first hops), whatever links they crossed. */
  readonly datagrams: number;
  readonly end: number;
  readonly outcome?: string;
  /** Datagrams per protocol class (PROTOCOLS names), classes with none left out. */
  readonly protocols: Readonly<Record<string, number>>;
  /** Dropped hops by reason, addresses left out so that runs with other ports compare ("natA: NAT filtering …"). */
  readonly drops: Readonly<Record<string, number>>;
  readonly agents: readonly AgentSummary[];
  /** µs of the first RTP/SRTP datagram, directly or inside TURN ChannelData. */
  readonly firstMedia?: number;
  /** Per NAT: the mappings it created, "internal ⇄ external". */
  readonly nats: Readonly<Record<string, readonly string[]>>;
}

const RTP = PROTOCOLS.indexOf('RTP');
const CHANNELDATA = PROTOCOLS.indexOf('TURN-CHANNELDATA');


export function summarizeRun(p: PackedTrace): RunSummary {
  const protocols: Record<string, number> = {};
  const drops: Record<string, number> = {};
  let datagrams = 0;
  for (let i = 0; i < p.n; i++) {
    if (p.drop[i]! >= 0) {
      const why = reasonKind(p.dropReasons[p.drop[i]!]!);
      drops[why] = (drops[why] ?? 0) + 1;
    }
    if (p.prevOfPacket[i]! >= 0) continue;
    datagrams++;
    const name = PROTOCOLS[p.proto[i]!] ?? 'IP';
    protocols[name] = (protocols[name] ?? 0) + 1;
  }
  const outcome = p.meta.summary?.['outcome'];
  const firstMedia = firstMediaAt(p);
  return {
    title: p.meta.title ?? p.meta.scenario ?? 'trace',
    source: p.meta.source,
    hops: p.n,
    datagrams,
    end: p.end,
    ...(typeof outcome === 'string' ? { outcome } : {}),
    protocols,
    drops,
    agents: agents(p.notes, p.end),
    ...(firstMedia !== undefined ? { firstMedia } : {}),
    nats: natMappings(p.notes),
  };
}

function pairOutcome(x: IcePairView): PairOutcome {
  // the checklist names each side "type address" already (RFC 8445 §6.1.2: the local side is the base)
  return { label: `${x.local} → ${x.remote}`, types: `${x.localType} → ${x.remoteType}`, state: x.state, nominated: x.nominated };
}

function agents(notes: readonly Note[], end: number): AgentSummary[] {
  const out: AgentSummary[] = [];
  const all = typedNotes(notes);
  for (const a of iceStateAt(notes, end)) {
    const pairs = a.pairs.map(pairOutcome);
    const sel = a.pairs.find((x) => x.selected);
    // the selection note names the local candidate itself (srflx, relay), where the checklist names its base
    const chosen = [...all].reverse().find((n): n is NoteOf<'ice.selected'> => n.source === a.source && n.kind === 'ice.selected' && n.t <= end)?.data;
    // a capture's selection knows no candidate types: the checklist's pair then
    const selected: PairOutcome | undefined = chosen?.localType
      ? {
          label: `${chosen.localType} ${chosen.local} → ${chosen.remoteType ?? ''} ${chosen.remote}`,
          types: `${chosen.localType} → ${chosen.remoteType ?? ''}`,
          state: sel?.state ?? 'succeeded',
          nominated: sel?.nominated ?? true,
        }
      : sel && pairOutcome(sel);
    const dtlsNotes = all.filter((n): n is NoteOf<'dtls.state'> => n.source === a.source && n.kind === 'dtls.state');
    const ice = all.find((n) => n.source === a.source && n.kind === 'ice.state' && (n.data.state === 'connected' || n.data.state === 'completed'))?.t;
    const dtls = dtlsNotes.find((n) => n.data.to === 'connected')?.t;
    const dtlsState = dtlsNotes[dtlsNotes.length - 1]?.data.to;
    out.push({
      agent: a.source,
      state: a.state,
      pairs,
      ...(selected ? { selected } : {}),
      ...(ice !== undefined ? { iceConnected: ice } : {}),
      ...(dtls !== undefined ? { dtlsConnected: dtls } : {}),
      ...(dtlsState ? { dtlsState } : {}),
    });
  }
  return out;
}

/**
 * The first RTP datagram, bare (the packed class, RFC 7983) or inside TURN ChannelData: the ChannelData's application
 * data classed by its first two bytes as the dissector classes it (RFC 8656 §12.4, RFC 7983 §7), read from the
 * bytes where they are. Nothing is dissected: the class is all the summary needs, and the worker's one pass has
 * dissected the trace already.
 */
function firstMediaAt(p: PackedTrace): number | undefined {
  for (let i = 0; i < p.n; i++) {
    if (p.prevOfPacket[i]! >= 0) continue;
    if (p.proto[i] === RTP) return p.t[i];
    if (p.proto[i] === CHANNELDATA && channelDataCarriesRtp(hopBytes(p, i))) return p.t[i];
  }
  return undefined;
}

/** Whether a UDP datagram's ChannelData message (RFC 8656 §12.4: channel, length, data) carries RTP (RFC 7983 §7). */
export function channelDataCarriesRtp(ip: Uint8Array): boolean {
  const version = ip.length > 0 ? ip[0]! >> 4 : 0;
  // IPv4's header length (RFC 791), IPv6's fixed header (RFC 8200: packed classes read UDP right after it too)
  const udp = version === 4 ? (ip[0]! & 0x0f) * 4 : version === 6 ? 40 : -1;
  if (udp < 0 || ip.length < udp + 8 + 4) return false;
  const at = udp + 8;
  const length = (ip[at + 2]! << 8) | ip[at + 3]!;
  return demuxClass(ip.subarray(at + 4, Math.min(ip.length, at + 4 + length))) === 'rtp';
}

function natMappings(notes: readonly Note[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const n of typedNotes(notes)) {
    if (n.kind !== 'nat.mapping.created') continue;
    const d = n.data;
    (out[n.source] ??= []).push(`${d.internal} ⇄ ${d.external}${d.boundTo ? ` (for ${d.boundTo})` : ''}`);
  }
  return out;
}

/** A drop reason without the addresses in it: "internet: no route to 10.0.1.10" → "internet: no route to …". */
export function reasonKind(reason: string): string {
  return reason.replace(/(\[[0-9a-f:.]+\]|\d{1,3}(\.\d{1,3}){3})(:\d+)?/gi, '…');
}
