import type { JsonValue } from '../core/trace.ts';

/**
 * What one run came to, read from its summary (sim/scenario/run.ts) alone: the ICE connections with their selected
 * pairs, the DTLS and SRTP results, media loss, and one outcome word. The library's run result, the vitest matchers
 * and sweeps all read runs through here, so "connected" means the same thing in each.
 */

type Obj = { readonly [key: string]: JsonValue };

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/** One ICE agent's end of a connection (an entry of `summary.ice`, keyed by host). */
export interface Connection {
  /** The summary's key: the host the agent runs on. */
  readonly host: string;
  /** Its ICE state at the end ("completed", "connected", "failed", "checking" …). */
  readonly state: string;
  /** Connected at the end of the run (RFC 8445 states "connected" or "completed"). */
  readonly connected: boolean;
  /** Virtual time from the start of its checks to its first valid pair (µs), when it got one. */
  readonly timeToConnected?: number;
  /** Virtual time of its first valid pair (µs). */
  readonly connectedAt?: number;
  /** The selected pair's candidate types, local and remote, when one was selected. */
  readonly local?: CandidateType;
  readonly remote?: CandidateType;
  /** The selected pair's transport. */
  readonly transport?: 'udp' | 'tcp';
}

/** The DTLS and SRTP result of one app (entries of `summary.dtls` and `summary.srtp`, keyed by app source). */
export interface SecureTransport {
  readonly app: string;
  readonly dtlsState?: string;
  readonly handshakeMs?: number;
  readonly srtpProfile?: string;
  readonly fingerprintVerified?: boolean;
}

/** Received media over every app and stream: packets received and lost (RFC 3550 §6.4.1 cumulative loss). */
export interface MediaLoss {
  readonly received: number;
  readonly lost: number;
  /** lost / (received + lost); 0 when nothing was expected. */
  readonly rate: number;
}

/**
 * `connected`: every ICE agent of the run connected; `failed`: at least one did not; `completed`: the scenario has
 * no ICE agent, so it just ran to its end.
 */
export type RunOutcome = 'connected' | 'failed' | 'completed';

function obj(v: JsonValue | undefined): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

function num(v: JsonValue | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function str(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

const TYPES: readonly string[] = ['host', 'srflx', 'prflx', 'relay'];

function candidateType(v: JsonValue | undefined): CandidateType | undefined {
  const t = str(obj(v)?.type);
  return t !== undefined && TYPES.includes(t) ? (t as CandidateType) : undefined;
}

/** The ICE connections of a run, in the summary's (host) order. */
export function connections(summary: Obj): Connection[] {
  const out: Connection[] = [];
  for (const [host, v] of Object.entries(obj(summary.ice) ?? {})) {
    const e = obj(v);
    if (!e) continue;
    const state = str(e.state) ?? 'unknown';
    const pair = obj(e.selectedPair);
    const protocol = str(obj(pair?.local)?.protocol);
    const c: { -readonly [K in keyof Connection]: Connection[K] } = { host, state, connected: state === 'connected' || state === 'completed' };
    const ttc = num(e.timeToConnected);
    if (ttc !== undefined) c.timeToConnected = ttc;
    const at = num(e.connectedAt);
    if (at !== undefined) c.connectedAt = at;
    const local = candidateType(pair?.local);
    if (local) c.local = local;
    const remote = candidateType(pair?.remote);
    if (remote) c.remote = remote;
    if (protocol === 'udp' || protocol === 'tcp') c.transport = protocol;
    out.push(c);
  }
  return out;
}

/** The outcome word of a run (see RunOutcome). */
export function runOutcome(summary: Obj): RunOutcome {
  const cs = connections(summary);
  if (cs.length === 0) return 'completed';
  return cs.every((c) => c.connected) ? 'connected' : 'failed';
}

/** DTLS and SRTP per app, in the order apps appear in `summary.dtls` then `summary.srtp`. */
export function secureTransports(summary: Obj): SecureTransport[] {
  const dtls = obj(summary.dtls) ?? {};
  const srtp = obj(summary.srtp) ?? {};
  const apps = [...Object.keys(dtls), ...Object.keys(srtp).filter((k) => !(k in dtls))];
  return apps.map((app) => {
    const d = obj(dtls[app]);
    const s = obj(srtp[app]);
    const t: { -readonly [K in keyof SecureTransport]: SecureTransport[K] } = { app };
    const state = str(d?.state);
    if (state !== undefined) t.dtlsState = state;
    const ms = num(d?.handshakeMs);
    if (ms !== undefined) t.handshakeMs = ms;
    if (typeof d?.fingerprintVerified === 'boolean') t.fingerprintVerified = d.fingerprintVerified;
    const profile = str(s?.profile);
    if (profile !== undefined) t.srtpProfile = profile;
    return t;
  });
}

/** Media loss over every received stream of `summary.media` (entries with direction "receive"). */
export function mediaLoss(summary: Obj): MediaLoss {
  let received = 0;
  let lost = 0;
  for (const streams of Object.values(obj(summary.media) ?? {})) {
    if (!Array.isArray(streams)) continue;
    for (const s of streams) {
      const e = obj(s);
      if (str(e?.direction) !== 'receive') continue;
      received += num(e?.packets) ?? 0;
      // cumulative lost can be negative when duplicates arrive (RFC 3550 §6.4.1): a loss rate never is
      lost += Math.max(0, num(e?.lost) ?? 0);
    }
  }
  const expected = received + lost;
  return { received, lost, rate: expected === 0 ? 0 : lost / expected };
}
