import type { Note } from '../core/trace.ts';
import type { Capture } from '../wire/pcap/capture.ts';
import { Dissector } from '../dissect/dissector.ts';
import type { DissectedPacket } from '../dissect/types.ts';
import { CaptureAnalyzer } from './analyzer.ts';
import { jitterMs, streamLoss } from './streams.ts';

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

/** Dissects every packet of a capture in order and infers what happened. */
export function analyzeCapture(capture: Capture, options: StoryOptions = {}): CaptureStory {
  const dissector = new Dissector(options.keyLog ? { keyLog: options.keyLog } : {});
  const analyzer = new CaptureAnalyzer(dissector.flows);
  const packets: DissectedPacket[] = [];
  const t0 = capture.packets.find((p) => p.time)?.time?.us ?? 0;
  let secret = 0;
  let lastT = 0;
  for (const raw of capture.packets) {
    // a Decryption Secrets Block applies from the packet that follows it (pcapng §4.7)
    while (secret < capture.secrets.length && capture.secrets[secret]!.beforePacket <= raw.index) {
      const s = capture.secrets[secret++]!;
      if (s.text) dissector.addKeyLog(s.text);
    }
    const t = raw.time ? raw.time.us - t0 : lastT;
    lastT = t;
    // with several interfaces (our exports: one per link) each is its own vantage point
    const vantage = capture.interfaces.length > 1 ? (capture.interfaces[raw.interfaceId]?.name ?? `if${raw.interfaceId}`) : undefined;
    const p = dissector.packet(raw.data, { index: raw.index, linkType: raw.linkType, t, ...(vantage ? { vantage } : {}) });
    packets.push(p);
    analyzer.observe(p, raw.index, t);
  }
  return { packets, analyzer, dissector, notes: analyzer.finish(lastT) };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** The inferred story in words: lanes, conversations, NAT, TURN, ICE checklist, DTLS, streams (`--summary`). */
export function formatStory(s: CaptureStory): string {
  const a = s.analyzer;
  const out: string[] = [];
  out.push(`${s.packets.length} packets (everything below is inferred from the packets)`);
  out.push('', 'Lanes:');
  for (const l of a.lanes.values()) out.push(`  ${l.address.padEnd(40)} ${String(l.packets).padStart(6)} packets, ports ${[...l.ports].sort((x, y) => x - y).join(', ')}`);
  out.push('', 'Conversations:');
  for (const c of a.conversations.values()) {
    const protos = [...c.protocols].map(([k, v]) => `${k} ${v}`).join(', ');
    out.push(`  ${c.transport} ${c.a} ↔ ${c.b}: ${c.packets} packets (${protos})`);
  }
  if (a.natTies.length) {
    out.push('', 'NAT-translated addresses:');
    for (const n of a.natTies) out.push(`  ${n.inside} → ${n.outside} (${n.how}, packet ${n.packet + 1})`);
  }
  if (a.allocations.length) {
    out.push('', 'TURN allocations:');
    for (const t of a.allocations) out.push(`  ${t.client} via ${t.server}: relayed ${t.relayed} (packet ${t.packet + 1})`);
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
    out.push(sel ? `  selected pair: ${sel.local} → ${sel.remote}` : '  selected pair: none seen nominated and succeeded');
  }
  const dtlsFlows = s.dissector.flows.all().filter((f) => f.dtls);
  if (dtlsFlows.length) {
    out.push('', 'DTLS:');
    for (const f of dtlsFlows) {
      const d = f.dtls!;
      const fin = d.finished.map((x) => `${x.role} Finished ${x.ok ? 'verified' : 'MISMATCH'}`).join(', ');
      const prof = d.negotiatedProfile();
      const srtp = prof ? `, SRTP ${prof.name}${d.srtpProfileId === undefined ? ' (guessed: first offered)' : ''}` : '';
      const dec = d.decryption === 'none' ? 'no key log' : d.decryption === 'ok' ? 'decrypted with the key log' : d.decryption;
      out.push(`  ${f.key}: ${d.version ?? 'DTLS'} ${d.progress}; client ${d.client ?? '?'}, server ${d.server ?? '?'}${srtp}; ${dec}${fin ? `; ${fin}` : ''}${d.srtpKeysDerived ? '; SRTP keys derived' : ''}`);
      const media = a.streams.streams.some((st) => st.srtp && (st.src === f.a || st.src === f.b));
      if (d.progress !== 'established' && d.progress !== 'closed' && media) out.push('    SRTP flows on this 5-tuple afterwards, so the handshake completed (inferred)');
      out.push(`    handshake: ${d.messages.map((m) => `${m.role ? `${m.role[0]}:` : ''}${m.type}`).join(' ')}`);
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
  const streams = a.streams.streams;
  if (streams.length) {
    out.push('', 'RTP streams:');
    for (const st of streams) {
      const loss = streamLoss(st);
      const pts = [...st.payloadTypes].map(([pt, n]) => `${pt}×${n}`).join(' ');
      const ssrc = `0x${st.ssrc.toString(16).padStart(8, '0')}`;
      out.push(
        `  ${ssrc} ${st.srtp ? 'SRTP' : 'RTP'} ${st.src} → ${st.dst}: ${st.packets} packets, seq ${st.firstSeq}..${st.lastSeq}, PT ${pts}, lost ${Math.max(0, loss.lost)} (${pct(loss.fraction)}), jitter ${jitterMs(st).toFixed(2)} ms${st.clockRateAssumed ? ` (clock ${st.clockRate} Hz assumed)` : ''}`,
      );
    }
  }
  return out.join('\n');
}
