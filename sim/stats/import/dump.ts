/**
 * getStats series from a file next to a capture: Chrome's "Create a WebRTC-Internals dump" JSON
 * (`PeerConnections` → connection → `stats` → "<stat id>-<member>" → `values` as a JSON-encoded array, with
 * `startTime`/`endTime` and `statsType`, or `timestamps`; a "<stat id>-timestamp" series when present gives each
 * sample's time), or getStats JSON itself (one report or a list of them: a map or array of RTCStats objects with
 * `id`, `type` and `timestamp`, W3C webrtc-stats). Everything becomes one shape: per stat object, its type and
 * its members' samples in ms since the epoch. A malformed file is refused with what is wrong and where.
 */
export interface StatSeries {
  /** The RTCStats object's id and type ("OT01V1234", "outbound-rtp"), and the connection it belongs to. */
  readonly id: string;
  readonly type: string;
  readonly connection: string;
  /** Member → samples (ms since the epoch, value), in time order. */
  readonly members: Map<string, { t: number; v: number | string }[]>;
}

export interface StatsDump {
  readonly format: 'webrtc-internals' | 'getStats';
  readonly objects: StatSeries[];
}

export class DumpError extends Error {
  constructor(
    readonly where: string,
    what: string,
  ) {
    super(`${where}: ${what}`);
    this.name = 'DumpError';
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A member holding a JSON-encoded array (as the dump writes `values`), or an array already. */
function jsonArray(v: unknown, where: string): Json[] {
  if (Array.isArray(v)) return v as Json[];
  if (typeof v !== 'string') throw new DumpError(where, `expected a JSON-encoded array, got ${v === null ? 'null' : typeof v}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch (e) {
    throw new DumpError(where, `is not JSON (${(e as Error).message}): ${v.length > 40 ? `${v.slice(0, 40)}…` : v}`);
  }
  if (!Array.isArray(parsed)) throw new DumpError(where, `expected a JSON-encoded array, got ${typeof parsed}`);
  return parsed as Json[];
}

function epochMs(v: unknown, where: string): number {
  const t = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(t)) throw new DumpError(where, `is not a time (${JSON.stringify(v)})`);
  return t;
}

const q = JSON.stringify;

/** Parses a dump or getStats JSON text; throws DumpError naming the first thing wrong and where. */
export function parseStatsDump(text: string, name = 'the file'): StatsDump {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new DumpError(name, `is not JSON: ${(e as Error).message}`);
  }
  if (isObject(doc) && 'PeerConnections' in doc) return { format: 'webrtc-internals', objects: internals(doc.PeerConnections, name) };
  return { format: 'getStats', objects: getStats(doc, name) };
}

function internals(pcs: unknown, name: string): StatSeries[] {
  if (!isObject(pcs)) throw new DumpError(`${name}: PeerConnections`, 'expected an object of peer connections');
  const out: StatSeries[] = [];
  for (const [pc, conn] of Object.entries(pcs)) {
    const at = `${name}: PeerConnections[${q(pc)}]`;
    if (!isObject(conn)) throw new DumpError(at, 'expected an object');
    if (conn.stats === undefined) continue;
    if (!isObject(conn.stats)) throw new DumpError(`${at}.stats`, 'expected an object of "<id>-<member>" series');
    const byId = new Map<string, StatSeries>();
    const raw = new Map<string, { member: string; values: Json[]; times?: number[]; start?: number; end?: number }[]>();
    for (const [key, series] of Object.entries(conn.stats)) {
      const where = `${at}.stats[${q(key)}]`;
      const dash = key.lastIndexOf('-');
      if (dash <= 0 || dash === key.length - 1) throw new DumpError(where, 'the key is not "<stat id>-<member>"');
      if (!isObject(series)) throw new DumpError(where, 'expected an object with values');
      const id = key.slice(0, dash);
      const member = key.slice(dash + 1);
      const values = jsonArray(series.values, `${where}.values`);
      const entry: { member: string; values: Json[]; times?: number[]; start?: number; end?: number } = { member, values };
      if (series.timestamps !== undefined) {
        const ts = jsonArray(series.timestamps, `${where}.timestamps`).map((t, i) => epochMs(t, `${where}.timestamps[${i}]`));
        if (ts.length !== values.length) throw new DumpError(`${where}.timestamps`, `has ${ts.length} times for ${values.length} values`);
        entry.times = ts;
      } else if (series.startTime !== undefined || series.endTime !== undefined) {
        entry.start = epochMs(series.startTime, `${where}.startTime`);
        entry.end = epochMs(series.endTime, `${where}.endTime`);
        if (entry.end < entry.start) throw new DumpError(`${where}.endTime`, 'is before its startTime');
      }
      const list = raw.get(id) ?? [];
      list.push(entry);
      raw.set(id, list);
      if (!byId.has(id)) byId.set(id, { id, type: typeof series.statsType === 'string' ? series.statsType : '', connection: pc, members: new Map() });
    }
    for (const [id, list] of raw) {
      const obj = byId.get(id)!;
      // each sample's own time when the object has a timestamp series of the same length (getStats ms since the epoch)
      const stamp = list.find((e) => e.member === 'timestamp');
      for (const e of list) {
        const where = `${at}.stats[${q(`${id}-${e.member}`)}]`;
        const times =
          e.times ??
          (stamp && stamp.values.length === e.values.length ? stamp.values.map((t, i) => epochMs(t, `${at}.stats[${q(`${id}-timestamp`)}].values[${i}]`)) : undefined) ??
          spaced(e.start, e.end, e.values.length, where);
        if (e.member === 'type' && typeof e.values[0] === 'string' && !obj.type) (obj as { type: string }).type = e.values[0];
        obj.members.set(
          e.member,
          e.values.map((v, i) => ({ t: times[i]!, v: typeof v === 'number' || typeof v === 'string' ? v : JSON.stringify(v) })),
        );
      }
      out.push(obj);
    }
  }
  return out;
}

/** Samples spread evenly from startTime to endTime (what the dump says of them without a timestamp series). */
function spaced(start: number | undefined, end: number | undefined, n: number, where: string): number[] {
  if (start === undefined || end === undefined) throw new DumpError(where, 'has no times: no timestamps, no startTime/endTime and no "<id>-timestamp" series of its length');
  if (n <= 1) return [end];
  return Array.from({ length: n }, (_, i) => start + ((end - start) * i) / (n - 1));
}

/** getStats JSON: a report (map or array of stats) or a list of reports, each stat with id, type and timestamp. */
function getStats(doc: unknown, name: string): StatSeries[] {
  const reports: { at: string; stats: unknown[] }[] = [];
  const asReport = (r: unknown, at: string): unknown[] | undefined => (Array.isArray(r) && r.every(isObject) && r.every((s) => 'type' in s) ? r : isObject(r) && Object.values(r).length > 0 && Object.values(r).every((s) => isObject(s) && 'type' in s) ? Object.values(r) : undefined) ?? (isObject(r) && 'stats' in r ? asReport(r.stats, `${at}.stats`) : undefined);
  const one = asReport(doc, name);
  if (one) reports.push({ at: name, stats: one });
  else if (Array.isArray(doc)) {
    doc.forEach((r, i) => {
      const s = asReport(r, `${name}[${i}]`);
      if (!s) throw new DumpError(`${name}[${i}]`, 'is not a getStats report (a map or array of objects with id, type and timestamp)');
      reports.push({ at: `${name}[${i}]`, stats: s });
    });
  } else throw new DumpError(name, 'is neither a webrtc-internals dump (no PeerConnections) nor getStats JSON (objects with id, type and timestamp)');
  const byId = new Map<string, StatSeries>();
  for (const r of reports) {
    r.stats.forEach((s, i) => {
      const where = `${r.at}[${i}]`;
      if (!isObject(s)) throw new DumpError(where, 'expected an RTCStats object');
      if (typeof s.id !== 'string') throw new DumpError(`${where}.id`, 'expected a string');
      if (typeof s.type !== 'string') throw new DumpError(`${where}.type`, 'expected a string');
      const t = epochMs(s.timestamp, `${where}.timestamp`);
      let obj = byId.get(s.id);
      if (!obj) {
        obj = { id: s.id, type: s.type, connection: '', members: new Map() };
        byId.set(s.id, obj);
      }
      for (const [k, v] of Object.entries(s)) {
        if (k === 'id' || k === 'type' || k === 'timestamp' || (typeof v !== 'number' && typeof v !== 'string')) continue;
        const list = obj.members.get(k) ?? [];
        list.push({ t, v });
        obj.members.set(k, list);
      }
    });
  }
  for (const o of byId.values()) for (const l of o.members.values()) l.sort((a, b) => a.t - b.t);
  return [...byId.values()];
}
