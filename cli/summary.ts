import { typedNotes, type AnyNoteKind } from '../sim/notes/index.ts';
import type { RunResult } from '../sim/scenario/run.ts';
import type { Scenario } from '../sim/scenario/types.ts';
import type { JsonValue } from '../sim/core/trace.ts';

type Obj = { [key: string]: JsonValue };

/** Notes worth a line of their own in the printed summary: what a learner would look for first. */
const HIGHLIGHTS: ReadonlySet<AnyNoteKind> = new Set<AnyNoteKind>(['nat.mapping.created', 'nat.mapping.expired', 'nat.filtered', 'nat.no-mapping', 'nat.hairpin', 'firewall.blocked', 'probe.received', 'ice.selected', 'dtls.state']);

/** The short human summary `rtclab run` prints. */
export function formatSummary(s: Scenario, r: RunResult): string {
  const sum = r.summary;
  const lines: string[] = [];
  lines.push(`${s.name}: ${s.title} (seed ${String(sum.seed)})`);
  if (s.description) lines.push(`  ${s.description}`);
  lines.push(`  ${String(sum.hops)} hops, ${r.trace.notes.length} notes, ${String(sum.events)} events`);
  const hosts = sum.hosts as Obj;
  for (const [name, c] of Object.entries(hosts)) {
    const h = c as Obj;
    lines.push(`  host ${name}: sent ${String(h.sent)} datagrams, received ${String(h.received)}`);
  }
  for (const a of sum.apps as Obj[]) {
    if (a.kind === 'udp-probe') {
      const heard = (a.heardFrom as string[]).join(', ') || 'nobody';
      lines.push(`  probe on ${String(a.host)}: ${String(a.sent)} sent, ${String(a.received)} replies, heard from ${heard}`);
    }
  }
  for (const [name, n] of Object.entries(sum.nats as Obj)) {
    const x = n as Obj;
    lines.push(`  NAT ${name} (${String(x.preset)}): ${String(x.created)} mappings created, ${String(x.expired)} expired, ${String(x.filtered)} filtered, ${String(x.noMapping)} without mapping, ${String(x.hairpinned)} hairpinned`);
  }
  lines.push(...protocolLines(sum));
  const drops = Object.entries(sum.drops as Obj);
  lines.push(drops.length === 0 ? '  no drops' : `  drops: ${drops.map(([k, v]) => `${String(v)} ${k}`).join(', ')}`);
  for (const n of typedNotes(r.trace.notes)) {
    if (HIGHLIGHTS.has(n.kind)) {
      lines.push(`  ${fmtTime(n.t)}  ${n.text}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const ms = (us: unknown): string => (typeof us === 'number' ? `${(us / 1000).toFixed(1)} ms` : '?');
const cand = (c: unknown): string => {
  const x = c as Obj | undefined;
  return x ? `${String(x.type)} ${String(x.address)}:${String(x.port)}` : '?';
};

/** Results of the protocol layers, when the scenario has them (STUN, TURN, ICE, DTLS, SRTP, media). */
function protocolLines(sum: Obj): string[] {
  const out: string[] = [];
  for (const a of (sum.stun as Obj[] | undefined) ?? []) {
    if (a.kind === 'stun-binding') {
      for (const b of a.bindings as Obj[]) {
        out.push(`  STUN Binding from ${String(a.host)} to ${String(b.server)}: ${b.mapped ? `mapped to ${String(b.mapped)} in ${ms(b.rtt)}` : `no answer after ${String(b.attempts)} attempts`}`);
      }
    } else if (a.kind === 'nat-discovery') {
      const d = a.discovery as Obj;
      out.push(
        d.error
          ? `  RFC 5780 discovery from ${String(a.host)}: ${String(d.error)}`
          : `  RFC 5780 discovery from ${String(a.host)}: ${d.nat ? 'behind a NAT' : 'no NAT'}, ${String(d.mapping)} mapping, ${String(d.filtering)} filtering (mapped ${String(d.mapped)})`,
      );
    } else if (a.kind === 'stun-server') {
      out.push(`  STUN server on ${String(a.host)}: ${String(a.requests)} requests, ${String(a.responses)} responses, ${String(a.errors)} errors`);
    }
  }
  for (const a of (sum.turn as Obj[] | undefined) ?? []) {
    if (a.kind === 'turn-server') {
      const errors = Object.entries((a.errors as Obj) ?? {}).map(([k, v]) => `${String(v)}×${k}`).join(', ') || 'none';
      out.push(`  TURN server on ${String(a.host)}: ${String(a.allocations)} allocations, ${String(a.permissions)} permissions, ${String(a.channels)} channels, relayed ${String(a.relayedToPeer)} out / ${String(a.relayedToClient)} in, dropped ${String(a.droppedFromPeer)} from peers; errors ${errors}`);
    } else {
      out.push(`  TURN client on ${String(a.host)}: relayed address ${String(a.relayed ?? 'none')}${a.errors && (a.errors as unknown[]).length ? `, errors ${JSON.stringify(a.errors)}` : ''}`);
    }
  }
  for (const [host, v] of Object.entries((sum.ice as Obj | undefined) ?? {})) {
    const i = v as Obj;
    const pair = i.selectedPair as Obj | undefined;
    out.push(
      `  ICE ${host} (${String(i.role)}${i.lite ? ', lite' : ''}): ${String(i.state)}` +
        (pair ? `, selected ${cand(pair.local)} → ${cand(pair.remote)}, connected after ${ms(i.timeToConnected)}` : ', no pair selected'),
    );
  }
  for (const [who, v] of Object.entries((sum.dtls as Obj | undefined) ?? {})) {
    const d = v as Obj;
    out.push(`  DTLS ${who} (${String(d.role)}): ${String(d.state)}${d.state === 'connected' ? ` in ${String(d.handshakeMs)} ms, ${String(d.group)}, fingerprint ${d.fingerprintVerified ? 'verified' : 'NOT verified'}` : ''}, ${String(d.retransmissions)} retransmissions`);
  }
  for (const [who, v] of Object.entries((sum.srtp as Obj | undefined) ?? {})) {
    const x = v as Obj;
    out.push(`  SRTP ${who}: ${String(x.profile ?? 'not keyed')}, ${String(x.rtpSent)} RTP sent, ${String(x.rtpReceived)} received`);
  }
  for (const [who, v] of Object.entries((sum.media as Obj | undefined) ?? {})) {
    for (const m of v as Obj[]) {
      if (m.direction !== 'receive') continue;
      out.push(`  ${who} receives ${String(m.kind)} ssrc 0x${Number(m.ssrc).toString(16)}: ${String(m.packets)} packets, ${String(m.lost)} lost, jitter ${Number(m.jitterMs).toFixed(2)} ms`);
    }
  }
  return out;
}

function fmtTime(t: number): string {
  return `${(t / 1e6).toFixed(6)}s`.padStart(14);
}
