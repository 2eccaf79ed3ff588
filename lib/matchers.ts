import type { Hop } from '../sim/core/trace.ts';
import { parseDuration, formatDuration, type Micros } from '../sim/core/time.ts';
import type { CandidateType, Connection } from '../sim/sweep/outcome.ts';
import { formatHops } from './hops.ts';
import type { ScenarioRun } from './run.ts';

/**
 * The checks behind `rtclab/vitest`'s matchers, as plain functions of a run: each says whether it passed and, for
 * the failure message (or the message of its negation), what was expected, what the run shows, the diagnosis when
 * one is installed, and the hops that matter.
 */
export interface MatchResult {
  readonly pass: boolean;
  readonly message: string;
}

export interface ConnectExpectation {
  /** Only this host's ICE agent (default: every agent of the run). */
  readonly host?: string;
  /** The selected pair's local and remote candidate types: one type, any of several, or "local/remote" ("srflx/relay"). */
  readonly via?: CandidateType | readonly CandidateType[] | `${CandidateType}/${CandidateType}` | { readonly local?: CandidateType | readonly CandidateType[]; readonly remote?: CandidateType | readonly CandidateType[] };
  readonly transport?: 'udp' | 'tcp';
  /** Connected by this virtual time since the start of the run (µs, or "2s", "800ms"). */
  readonly within?: Micros | string;
}

export function isRun(v: unknown): v is ScenarioRun {
  return typeof v === 'object' && v !== null && 'hops' in v && 'summary' in v && 'connections' in v && typeof (v as { digest?: unknown }).digest === 'function';
}

function time(v: Micros | string): Micros {
  if (typeof v === 'number') return v;
  const d = parseDuration(v);
  if (typeof d === 'object') throw new Error(`within: ${d.error}`);
  return d;
}

function typesOf(v: CandidateType | readonly CandidateType[] | undefined): readonly CandidateType[] | undefined {
  return v === undefined ? undefined : typeof v === 'string' ? [v] : v;
}

function pairText(c: Connection): string {
  return c.local ? `${c.local}/${c.remote ?? '?'} over ${c.transport ?? '?'}` : 'no selected pair';
}

export function describeConnections(cs: readonly Connection[]): string {
  if (cs.length === 0) return '  (no ICE agent in this run)';
  return cs.map((c) => `  ${c.host}: ${c.state}, ${pairText(c)}${c.connectedAt === undefined ? '' : `, first valid pair at ${formatDuration(c.connectedAt)}`}`).join('\n');
}

/** The message tail every matcher adds: the diagnosis (when there is one) and the hops worth reading. */
export function evidence(run: ScenarioRun, hops: readonly Hop[], title = 'hops'): string {
  const parts: string[] = [];
  const d = run.diagnosis();
  if (d.length > 0) parts.push(`diagnosis:\n${d.map((l) => `  ${l}`).join('\n')}`);
  parts.push(hops.length === 0 ? `${title}: none` : `${title} (${hops.length}):\n${formatHops(hops).map((l) => `  ${l}`).join('\n')}`);
  return parts.join('\n');
}

/** The hops a connection failure is explained by: the dropped ones first, else the last ones of the run. */
function telling(run: ScenarioRun): readonly Hop[] {
  const dropped = run.hops.filter((h) => h.drop !== undefined);
  return dropped.length > 0 ? dropped : run.hops.slice(-12);
}

export function checkConnected(run: ScenarioRun, e: ConnectExpectation = {}): MatchResult {
  const all = e.host === undefined ? run.connections : run.connections.filter((c) => c.host === e.host);
  const problems: string[] = [];
  if (all.length === 0) problems.push(e.host === undefined ? 'the run has no ICE agent' : `no ICE agent on host ${e.host}`);
  let local: readonly CandidateType[] | undefined;
  let remote: readonly CandidateType[] | undefined;
  if (typeof e.via === 'string' && e.via.includes('/')) {
    const [l, r] = e.via.split('/') as [CandidateType, CandidateType];
    local = [l];
    remote = [r];
  } else if (typeof e.via === 'string' || Array.isArray(e.via)) {
    local = typesOf(e.via as CandidateType | readonly CandidateType[]);
    remote = local;
  } else if (e.via !== undefined) {
    const v = e.via as { local?: CandidateType | readonly CandidateType[]; remote?: CandidateType | readonly CandidateType[] };
    local = typesOf(v.local);
    remote = typesOf(v.remote);
  }
  // "via relay" for a pair means either end relayed; a "local/remote" form or {local, remote} pins each end
  const either = typeof e.via === 'string' && !e.via.includes('/') || Array.isArray(e.via);
  const by = e.within === undefined ? undefined : time(e.within);
  for (const c of all) {
    if (!c.connected) {
      problems.push(`${c.host} is ${c.state}`);
      continue;
    }
    if (either && local) {
      if (!(local.includes(c.local!) || local.includes(c.remote!))) problems.push(`${c.host}'s selected pair is ${pairText(c)}, not via ${local.join(' or ')}`);
    } else {
      if (local && !local.includes(c.local!)) problems.push(`${c.host}'s selected local candidate is ${c.local ?? 'none'}, not ${local.join(' or ')}`);
      if (remote && !remote.includes(c.remote!)) problems.push(`${c.host}'s selected remote candidate is ${c.remote ?? 'none'}, not ${remote.join(' or ')}`);
    }
    if (e.transport && c.transport !== e.transport) problems.push(`${c.host}'s selected pair is over ${c.transport ?? 'nothing'}, not ${e.transport}`);
    if (by !== undefined && (c.connectedAt === undefined || c.connectedAt > by)) problems.push(`${c.host} connected at ${c.connectedAt === undefined ? '?' : formatDuration(c.connectedAt)}, later than ${formatDuration(by)}`);
  }
  const pass = problems.length === 0;
  const what = [e.host ? `${e.host} to connect` : 'every ICE agent to connect', e.via ? `via ${JSON.stringify(e.via)}` : '', e.transport ? `over ${e.transport}` : '', by === undefined ? '' : `within ${formatDuration(by)}`].filter(Boolean).join(' ');
  const message = pass
    ? `expected the run not to connect (${what}), but it did:\n${describeConnections(all)}`
    : `expected ${what}, but ${problems.join('; ')}\nICE at the end of the run:\n${describeConnections(run.connections)}\n${evidence(run, telling(run))}`;
  return { pass, message };
}

export function checkFailed(run: ScenarioRun, host?: string): MatchResult {
  const all = host === undefined ? run.connections : run.connections.filter((c) => c.host === host);
  const failed = all.filter((c) => !c.connected);
  const pass = all.length > 0 && (host === undefined ? failed.length > 0 : failed.length === all.length);
  const what = host === undefined ? 'an ICE agent to fail' : `${host} to fail to connect`;
  const message = pass
    ? `expected the run to connect, but ${failed.map((c) => `${c.host} is ${c.state}`).join('; ')}\n${describeConnections(run.connections)}\n${evidence(run, telling(run))}`
    : `expected ${what}, but ${all.length === 0 ? 'there is no such ICE agent' : 'it connected'}:\n${describeConnections(run.connections)}`;
  return { pass, message };
}

export interface DropExpectation {
  /** Only drops on this link. */
  readonly link?: string;
  /** At least this many (default 1). */
  readonly atLeast?: number;
}

export function checkDropped(run: ScenarioRun, reason: string | RegExp, e: DropExpectation = {}): MatchResult {
  // a hop's drop names the node first ("natA: NAT filtering: …"); the summary counts the reason alone ("NAT filtering")
  const matches = (d: string): boolean => (typeof reason === 'string' ? d.startsWith(reason) || d.includes(`: ${reason}`) : reason.test(d));
  const dropped = run.hops.filter((h) => h.drop !== undefined && (e.link === undefined || h.link === e.link));
  const hits = dropped.filter((h) => matches(h.drop!));
  const n = e.atLeast ?? 1;
  const pass = hits.length >= n;
  const where = e.link ? ` on link ${e.link}` : '';
  const reasons = Object.entries(run.drops).map(([r, k]) => `${r} × ${k}`).join(', ') || 'none';
  const message = pass
    ? `expected no packet dropped for ${String(reason)}${where}, but ${hits.length} were\n${evidence(run, hits, 'those drops')}`
    : `expected ${n === 1 ? 'a packet' : `${n} packets`} dropped for ${String(reason)}${where}, but ${hits.length === 0 ? 'none was' : `only ${hits.length} were`} (drops by reason: ${reasons})\n${evidence(run, dropped, 'dropped hops')}`;
  return { pass, message };
}

export interface MappingExpectation {
  /** The NAT node's name (default: any NAT). */
  readonly nat?: string;
  /** The inside address:port the mapping is for ("10.0.1.10:5000"), or its address alone. */
  readonly internal?: string;
}

export function checkNatMapping(run: ScenarioRun, e: MappingExpectation = {}): MatchResult {
  const created = run.notes.filter((n) => n.kind === 'nat.mapping.created');
  const hits = created.filter((n) => {
    if (e.nat !== undefined && n.source !== e.nat) return false;
    if (e.internal === undefined) return true;
    const internal = String((n.data as { internal?: unknown } | undefined)?.internal ?? '');
    return internal === e.internal || internal.startsWith(`${e.internal}:`);
  });
  const pass = hits.length > 0;
  const what = `a NAT mapping created${e.nat ? ` on ${e.nat}` : ''}${e.internal ? ` for ${e.internal}` : ''}`;
  const list = (ns: typeof created): string => ns.map((n) => `  ${formatDuration(n.t)} ${n.source}: ${n.text}`).join('\n') || '  (none)';
  const message = pass
    ? `expected no ${what.slice(2)}, but:\n${list(hits)}`
    : `expected ${what}, but the run's mappings were:\n${list(created)}\n${evidence(run, run.hops.filter((h) => h.drop !== undefined), 'dropped hops')}`;
  return { pass, message };
}

export function checkMedia(run: ScenarioRun, e: { readonly maxLoss: number }): MatchResult {
  const m = run.mediaLoss;
  const pass = m.received > 0 && m.rate <= e.maxLoss;
  const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
  const message = pass
    ? `expected media loss above ${pct(e.maxLoss)}, but ${m.received} packets arrived and ${m.lost} were lost (${pct(m.rate)})`
    : m.received === 0
      ? `expected media delivered with loss at most ${pct(e.maxLoss)}, but no media arrived\n${describeConnections(run.connections)}\n${evidence(run, telling(run))}`
      : `expected media loss at most ${pct(e.maxLoss)}, but ${m.lost} of ${m.received + m.lost} packets were lost (${pct(m.rate)})\n${evidence(run, run.hops.filter((h) => h.drop !== undefined), 'dropped hops')}`;
  return { pass, message };
}

export function checkSrtp(run: ScenarioRun, profile?: string): MatchResult {
  const withDtls = run.secure.filter((s) => s.dtlsState !== undefined || s.srtpProfile !== undefined);
  const problems: string[] = [];
  if (withDtls.length === 0) problems.push('the run has no DTLS endpoint');
  for (const s of withDtls) {
    if (s.dtlsState !== 'connected') problems.push(`${s.app}'s DTLS is ${s.dtlsState ?? 'absent'}`);
    else if (s.srtpProfile === undefined) problems.push(`${s.app} negotiated no SRTP profile`);
    else if (profile !== undefined && s.srtpProfile !== profile) problems.push(`${s.app} negotiated ${s.srtpProfile}`);
  }
  const pass = problems.length === 0;
  const list = withDtls.map((s) => `  ${s.app}: DTLS ${s.dtlsState ?? '-'}, SRTP ${s.srtpProfile ?? '-'}`).join('\n');
  const what = `DTLS connected with SRTP${profile ? ` profile ${profile}` : ''}`;
  const message = pass
    ? `expected not ${what}, but:\n${list}`
    : `expected ${what}, but ${problems.join('; ')}\n${list}\n${evidence(run, telling(run))}`;
  return { pass, message };
}
