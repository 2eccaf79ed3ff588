import type { Note } from '../core/trace.ts';
import type { Capture } from '../wire/pcap/capture.ts';
import type { Dissector } from '../dissect/dissector.ts';
import { DissectionPass } from '../pass/pass.ts';
import { CaptureFeed } from '../pass/capture-feed.ts';
import type { DissectedPacket } from '../dissect/types.ts';
import { formatTurnStory } from './turn.ts';
import { CaptureAnalyzer, TIE_EVIDENCE, type TieEvidence } from './analyzer.ts';
import { TIE_NOTE, tieChains } from './ties.ts';
import { jitterMs, jitterNotApplicable, streamLoss, type InferredStream, type RtxSignaled } from './streams.ts';
import { toHex } from '../core/encoding.ts';
import type { FlowState } from '../dissect/flow-state.ts';
import type { DtlsDecryption } from '../dissect/dtls13-state.ts';

/** A whole capture dissected and analysed: the packets, the inferred notes, and the parts a summary reads. */
export interface CaptureStory {
  readonly packets: readonly DissectedPacket[];
  readonly analyzer: CaptureAnalyzer;
  readonly dissector: Dissector;
  /** Inferred notes (every one has `inferred: true`), times relative to the first packet like captureToTrace. */
  readonly notes: readonly Note[];
}

export interface StoryOptions {
  /** NSS key log text; Decryption Secrets Blocks in the capture are used too. */
  readonly keyLog?: string;
}

/** Dissects every packet of a capture in order (the one dissection pass) and infers what happened. */
export function analyzeCapture(capture: Capture, options: StoryOptions = {}): CaptureStory {
  const pass = new DissectionPass(options.keyLog ? { keyLog: options.keyLog } : {});
  const analyzer = new CaptureAnalyzer(pass.dissector.flows);
  const packets: DissectedPacket[] = [];
  pass.observe(analyzer).observe({ hop: (p) => void packets.push(p) });
  new CaptureFeed(pass).all(capture);
  return { packets, analyzer, dissector: pass.dissector, notes: analyzer.finish(pass.lastT) };
}

/** How a DTLS association's records were opened, in the summary's words (sim/dissect/dtls-flow.ts sets the state). */
const DECRYPTION: Readonly<Record<DtlsDecryption, string>> = {
  none: 'no key log',
  'no-key': 'no key log line for its client random',
  unsupported: 'a cipher suite this dissector does not decrypt',
  'wrong-key': 'the key log line does not open it',
  ok: 'decrypted with the key log',
};
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** Interarrival jitter, or why it does not apply (RTX and padding streams carry other packets' timestamps). */
function jitterText(st: InferredStream, rtx: RtxSignaled): string {
  const na = jitterNotApplicable(st, rtx);
  if (na) return `jitter not applicable: ${na}`;
  return `jitter ${jitterMs(st).toFixed(2)} ms${st.clockRateAssumed ? ` (clock ${st.clockRate} Hz assumed)` : ''}`;
}

/** The inferred story in words: lanes, conversations, NAT, TURN, ICE checklist, DTLS, streams (`--summary`). */
export function formatStory(s: CaptureStory): string {
  const a = s.analyzer;
  const out: string[] = [];
  const copies = a.sightings.copies;
  out.push(`${s.packets.length} packets (everything below is inferred from the packets)`);
  if (copies) out.push(`${a.datagrams} distinct datagrams: ${copies} packets are the same datagram seen again on another link or beyond a NAT, counted once below`);
  out.push('', 'Lanes:');
  for (const l of a.lanes.values()) out.push(`  ${l.address.padEnd(40)} ${String(l.packets).padStart(6)} packets, ports ${[...l.ports].sort((x, y) => x - y).join(', ')}`);
  out.push('', 'Conversations:');
  for (const c of a.conversations.values()) {
    const protos = [...c.protocols].map(([k, v]) => `${k} ${v}`).join(', ');
    const copied = c.copies ? c.copies === c.packets ? ', all copies of datagrams seen first elsewhere' : `, ${c.copies} of them copies of datagrams seen first elsewhere` : '';
    // RFC 8656 §2: between a relayed transport address and a peer, the TURN server's own leg of an allocation
    const alloc = a.turn.allocations.find((t) => t.relayed !== undefined && (t.relayed === c.a || t.relayed === c.b));
    const leg = alloc ? `; the relay ↔ peer leg of ${alloc.client}'s TURN allocation` : '';
    out.push(`  ${c.transport} ${c.a} ↔ ${c.b}: ${c.packets} packets (${protos}${copied})${leg}`);
  }
  if (a.natTies.length) {
    out.push('', 'Addresses tied together:');
    for (const kind of ['rewritten', 'reflexive', 'relayed'] as const satisfies readonly TieEvidence[]) {
      const ties = a.natTies.filter((n) => n.evidence === kind);
      if (!ties.length) continue;
      out.push(`  ${TIE_EVIDENCE[kind]}${TIE_NOTE[kind]}:`);
      if (kind === 'rewritten') for (const chain of tieChains(ties)) out.push(`    ${[chain[0]!.inside, ...chain.map((n) => n.outside)].join(' → ')} (${chain.map((n) => n.how).join('; ')})`);
      else for (const n of ties) out.push(`    ${n.inside} → ${n.outside} (${n.how})`);
    }
  }
  if (a.turn.allocations.length) {
    out.push('', 'TURN allocations:');
    for (const t of a.turn.allocations) out.push(...formatTurnStory(t).map((l) => `  ${l}`));
  }
  const pairs = a.ice.pairs;
  if (pairs.length) {
    out.push('', 'ICE checklist:');
    for (const p of pairs) {
      const role = p.role ? ` ${p.role}` : '';
      const nom = p.nominated ? ', nominated' : '';
      const err = p.state === 'failed' && p.lastError ? ` (${p.lastError})` : '';
      out.push(`  ${p.local} → ${p.remote}${role}: ${p.state}${err}${nom}; ${p.requests} request(s), ${p.successes} success(es), ${p.errors} error(s); USERNAME ${p.username}`);
    }
    const sel = a.ice.selected();
    // the checks leave from the candidate's base; beyond a NAT the peer sees it at the rewritten address
    const outward = (addr: string): string[] => {
      const path: string[] = [];
      for (let at = addr, i = 0; i < 4; i++) {
        const next = a.natTies.find((n) => n.evidence === 'rewritten' && n.inside === at)?.outside;
        if (!next) break;
        path.push(next);
        at = next;
      }
      return path;
    };
    const seenAs = sel ? outward(sel.local) : [];
    const beyond = sel && seenAs.length ? ` (${sel.local} leaves a NAT as ${seenAs.join(' → ')})` : '';
    out.push(sel ? `  selected pair: ${sel.local} → ${sel.remote}${beyond}` : '  selected pair: none seen nominated and succeeded');
  }
  // one handshake seen on several links (or both sides of a NAT) is one association: grouped by its ClientHello random
  const handshakes = new Map<string, FlowState[]>();
  for (const f of s.dissector.flows.all()) {
    if (!f.dtls) continue;
    const key = f.dtls.clientRandom ? toHex(f.dtls.clientRandom) : f.key;
    const g = handshakes.get(key);
    if (g) g.push(f);
    else handshakes.set(key, [f]);
  }
  if (handshakes.size) {
    out.push('', 'DTLS:');
    for (const [f, ...again] of handshakes.values()) {
      if (!f) continue;
      const d = f.dtls!;
      const fin = d.finished.map((x) => `${x.role} Finished ${x.ok ? 'verified' : 'MISMATCH'}`).join(', ');
      const prof = d.negotiatedProfile();
      const srtp = prof ? `, SRTP ${prof.name}${d.srtpProfileId === undefined ? ' (guessed: first offered)' : ''}` : '';
      const dec = d.decryption === 'no-key' && d.keyStore.size === 0 ? DECRYPTION.none : DECRYPTION[d.decryption];
      out.push(`  ${f.key}: ${d.version ?? 'DTLS'} ${d.progress}; client ${d.client ?? '?'}, server ${d.server ?? '?'}${srtp}; ${dec}${fin ? `; ${fin}` : ''}${d.srtpKeysDerived ? '; SRTP keys derived' : ''}`);
      // the association's 5-tuples, every one: ICE may have moved it (and its media) to another pair
      const media = a.streams.streams.some((st) => st.srtp && [f, ...again].some((x) => st.src === x.a || st.src === x.b));
      if (d.progress !== 'established' && d.progress !== 'closed' && media) out.push(`    SRTP flows on ${again.length ? "the association's 5-tuples" : 'this 5-tuple'} afterwards, so the handshake completed (inferred)`);
      out.push(`    handshake: ${d.messages.map((m) => `${m.role ? `${m.role[0]}:` : ''}${m.type}`).join(' ')}`);
      if (again.length) out.push(`    the same handshake seen again as ${again.map((x) => x.key).join(', ')}`);
    }
  }
  const sig = a.signaling;
  if (sig.descriptions.length || sig.trickled.length) {
    out.push('', 'Signaling:');
    for (const d of sig.descriptions) {
      out.push(`  packet ${d.packet + 1}: SDP ${d.type} from ${d.from}, ice-ufrag ${d.ufrags.join('/') || 'none'}, ${d.candidates.length} candidate(s)${d.setup ? `, setup ${d.setup}` : ''}`);
      for (const c of d.candidates) out.push(`    candidate ${c.address}:${c.port} ${c.type} ${c.transport} priority ${c.priority}`);
    }
    for (const c of sig.trickled) out.push(`  packet ${c.packet + 1}: trickled candidate ${c.candidate.address}:${c.candidate.port} ${c.candidate.type}`);
    for (const c of a.signalingChecks) out.push(`  ${c.ok ? 'ok' : 'MISMATCH'}: ${c.text}`);
  }
  // RFC 8831/8832: channels opened and messages per direction, from decrypted SCTP (sim/infer/datachannels.ts)
  const channels = s.notes.filter((n) => n.kind === 'datachannel.open' || n.kind === 'datachannel.messages');
  if (channels.length) {
    out.push('', 'Data channels:');
    for (const n of channels) out.push(`  packet ${(n.packet ?? 0) + 1}: ${n.text}`);
  }
  const streams = a.streams.streams;
  if (streams.length) {
    out.push('', 'RTP streams:');
    for (const st of streams) {
      const loss = streamLoss(st);
      const pts = [...st.payloadTypes].map(([pt, n]) => `${pt}×${n}`).join(' ');
      const ssrc = `0x${st.ssrc.toString(16).padStart(8, '0')}`;
      out.push(
        `  ${ssrc} ${st.srtp ? 'SRTP' : 'RTP'} ${st.src} → ${st.dst}: ${st.packets} packets, seq ${st.firstSeq}..${st.lastSeq}, PT ${pts}, lost ${Math.max(0, loss.lost)} (${pct(loss.fraction)}), ${jitterText(st, a.signaling.rtx)}${st.relayed ? ', relayed by TURN' : ''}${st.duplicates ? `, ${st.duplicates} packet(s) seen again (not counted)` : ''}`,
      );
    }
  }
  return out.join('\n');
}
