import { typedNotes, type AnyNoteKind } from '../sim/notes/index.ts';
import { appsSummaryLines } from '../sim/apps/summary.ts';
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
  const fromApps = appsSummaryLines(sum);
  lines.push(...fromApps.apps);
  for (const [name, n] of Object.entries(sum.nats as Obj)) {
    const x = n as Obj;
    lines.push(`  NAT ${name} (${String(x.preset)}): ${String(x.created)} mappings created, ${String(x.expired)} expired, ${String(x.filtered)} filtered, ${String(x.noMapping)} without mapping, ${String(x.hairpinned)} hairpinned`);
  }
  lines.push(...fromApps.sections);
  const drops = Object.entries(sum.drops as Obj);
  lines.push(drops.length === 0 ? '  no drops' : `  drops: ${drops.map(([k, v]) => `${String(v)} ${k}`).join(', ')}`);
  for (const n of typedNotes(r.trace.notes)) {
    if (HIGHLIGHTS.has(n.kind)) {
      lines.push(`  ${fmtTime(n.t)}  ${n.text}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function fmtTime(t: number): string {
  return `${(t / 1e6).toFixed(6)}s`.padStart(14);
}
