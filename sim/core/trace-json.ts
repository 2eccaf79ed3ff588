import { fromBase64, toBase64 } from './encoding.ts';
import type { Hop, JsonValue, Note, Secret, TopologyLink, TopologyNode, Trace, TraceMeta } from './trace.ts';

/**
 * The trace file format (`rtclab run --trace out.json`), columnar so that a million hops stay compact:
 *
 * {
 *   "format": "rtclab-trace", "version": 1,
 *   "meta": {...}, "nodes": [...], "links": [...],
 *   "strings": ["alice-lan", "alice", ...],       // link names, node names and drop reasons, interned
 *   "hops": {
 *     "t": [...], "arrive": [...],                  // µs, one entry per hop
 *     "link": [...], "from": [...], "to": [...],    // indexes into strings
 *     "packet": [...],                              // datagram id shared by all hops of one datagram
 *     "drop": [...],                                // -1 when delivered, else an index into strings
 *     "length": [...],                              // byte length of each hop's datagram
 *     "bytes": "…"                                  // base64 of all datagrams concatenated, in hop order
 *   },
 *   "notes": [{ "t", "source", "kind", "text", "data"?, "packet"?, "inferred"? }],
 *   "secrets": [{ "t", "kind", "source", "text" }]
 * }
 */
export const TRACE_FORMAT = 'rtclab-trace';
export const TRACE_VERSION = 1;

interface HopColumns {
  t: number[];
  arrive: number[];
  link: number[];
  from: number[];
  to: number[];
  packet: number[];
  drop: number[];
  length: number[];
  bytes: string;
}

export interface TraceFile {
  format: typeof TRACE_FORMAT;
  version: number;
  meta: TraceMeta;
  nodes: TopologyNode[];
  links: TopologyLink[];
  strings: string[];
  hops: HopColumns;
  notes: Note[];
  secrets: Secret[];
}

export function traceToFile(trace: Trace): TraceFile {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const intern = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      index.set(s, i);
    }
    return i;
  };
  const n = trace.hops.length;
  const cols: Omit<HopColumns, 'bytes'> = {
    t: new Array<number>(n),
    arrive: new Array<number>(n),
    link: new Array<number>(n),
    from: new Array<number>(n),
    to: new Array<number>(n),
    packet: new Array<number>(n),
    drop: new Array<number>(n),
    length: new Array<number>(n),
  };
  let total = 0;
  for (let i = 0; i < n; i++) {
    const h = trace.hops[i]!;
    cols.t[i] = h.t;
    cols.arrive[i] = h.arrive;
    cols.link[i] = intern(h.link);
    cols.from[i] = intern(h.from);
    cols.to[i] = intern(h.to);
    cols.packet[i] = h.packet;
    cols.drop[i] = h.drop === undefined ? -1 : intern(h.drop);
    cols.length[i] = h.bytes.length;
    total += h.bytes.length;
  }
  const all = new Uint8Array(total);
  let o = 0;
  for (const h of trace.hops) {
    all.set(h.bytes, o);
    o += h.bytes.length;
  }
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    meta: trace.meta,
    nodes: [...trace.nodes],
    links: [...trace.links],
    strings,
    hops: { ...cols, bytes: toBase64(all) },
    notes: [...trace.notes],
    secrets: [...trace.secrets],
  };
}

export function traceToJson(trace: Trace): string {
  return JSON.stringify(traceToFile(trace));
}

/** A trace file that does not hold together; `where` names the field. */
export class TraceFormatError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`trace file: ${where}: ${message}`);
    this.name = 'TraceFormatError';
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function intColumn(hops: Record<string, unknown>, name: keyof HopColumns, n: number): number[] {
  const col = hops[name];
  if (!Array.isArray(col)) throw new TraceFormatError(`hops.${name}`, 'expected an array of integers');
  if (col.length !== n) throw new TraceFormatError(`hops.${name}`, `has ${col.length} entries, hops.t has ${n}`);
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(col[i])) throw new TraceFormatError(`hops.${name}[${i}]`, `expected an integer, got ${JSON.stringify(col[i])}`);
  }
  return col as number[];
}

/** Reads a trace file, validating every column; throws TraceFormatError naming the field at fault. */
export function traceFromJson(text: string | unknown): Trace {
  let doc: unknown = text;
  if (typeof text === 'string') {
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new TraceFormatError('(file)', `not JSON: ${(e as Error).message}`);
    }
  }
  if (!isRecord(doc)) throw new TraceFormatError('(file)', 'expected a JSON object');
  if (doc.format !== TRACE_FORMAT) throw new TraceFormatError('format', `expected "${TRACE_FORMAT}", got ${JSON.stringify(doc.format)}`);
  if (doc.version !== TRACE_VERSION) throw new TraceFormatError('version', `this reader knows version ${TRACE_VERSION}, got ${JSON.stringify(doc.version)}`);
  for (const key of ['nodes', 'links', 'strings', 'notes', 'secrets'] as const) {
    if (!Array.isArray(doc[key])) throw new TraceFormatError(key, 'expected an array');
  }
  if (!isRecord(doc.meta)) throw new TraceFormatError('meta', 'expected an object');
  if (!isRecord(doc.hops)) throw new TraceFormatError('hops', 'expected an object of columns');
  const strings = doc.strings as unknown[];
  strings.forEach((s, i) => {
    if (typeof s !== 'string') throw new TraceFormatError(`strings[${i}]`, 'expected a string');
  });
  const hops = doc.hops;
  if (!Array.isArray(hops.t)) throw new TraceFormatError('hops.t', 'expected an array of integers');
  const n = hops.t.length;
  const t = intColumn(hops, 't', n);
  const arrive = intColumn(hops, 'arrive', n);
  const link = intColumn(hops, 'link', n);
  const from = intColumn(hops, 'from', n);
  const to = intColumn(hops, 'to', n);
  const packet = intColumn(hops, 'packet', n);
  const drop = intColumn(hops, 'drop', n);
  const length = intColumn(hops, 'length', n);
  if (typeof hops.bytes !== 'string') throw new TraceFormatError('hops.bytes', 'expected base64 text');
  let all: Uint8Array;
  try {
    all = fromBase64(hops.bytes);
  } catch (e) {
    throw new TraceFormatError('hops.bytes', (e as Error).message);
  }
  const str = (col: string, i: number, v: number): string => {
    const s = strings[v];
    if (typeof s !== 'string') throw new TraceFormatError(`hops.${col}[${i}]`, `string index ${v} is out of range (${strings.length} strings)`);
    return s;
  };
  const out: Hop[] = new Array<Hop>(n);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const len = length[i]!;
    if (len < 0 || o + len > all.length) throw new TraceFormatError(`hops.length[${i}]`, `${len} bytes run past the end of hops.bytes (${all.length} bytes)`);
    const d = drop[i]!;
    const hop: Hop = {
      index: i,
      t: t[i]!,
      arrive: arrive[i]!,
      link: str('link', i, link[i]!),
      from: str('from', i, from[i]!),
      to: str('to', i, to[i]!),
      packet: packet[i]!,
      bytes: all.subarray(o, o + len),
    };
    if (d >= 0) hop.drop = str('drop', i, d);
    out[i] = hop;
    o += len;
  }
  if (o !== all.length) throw new TraceFormatError('hops.bytes', `${all.length - o} bytes are left over after the last hop`);
  return {
    meta: doc.meta as unknown as TraceMeta,
    nodes: doc.nodes as TopologyNode[],
    links: doc.links as TopologyLink[],
    hops: out,
    notes: doc.notes as Note[],
    secrets: doc.secrets as Secret[],
  };
}

export type { JsonValue };
