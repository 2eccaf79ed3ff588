import type { Note, Secret, TopologyLink, TopologyNode, Trace, TraceMeta } from '../../sim/core/trace.ts';
import { classifyDatagram, PROTOCOL_CLASSES } from '../../sim/dissect/registry.ts';
import type { CaptureFacts } from '../../sim/diagnosis/capture-facts.ts';
import { orderLanes } from './lanes.ts';

/**
 * A trace as columns of typed arrays: what the worker hands to the main thread (transferable, compact enough
 * for a million hops) and what every view reads. Lanes are topology nodes in ladder order; `from`/`to` index them.
 */
export interface PackedTrace {
  readonly meta: TraceMeta;
  readonly nodes: readonly TopologyNode[];
  readonly links: readonly TopologyLink[];
  readonly notes: readonly Note[];
  readonly secrets: readonly Secret[];
  readonly lanes: readonly string[];
  readonly n: number;
  readonly t: Float64Array;
  readonly arrive: Float64Array;
  readonly from: Int32Array;
  readonly to: Int32Array;
  readonly link: Int32Array;
  readonly linkNames: readonly string[];
  readonly packet: Int32Array;
  /** -1 when delivered, else an index into `dropReasons`. */
  readonly drop: Int32Array;
  readonly dropReasons: readonly string[];
  /** Index into PROTOCOLS: a first-byte class (RFC 7983) good enough for colour and filtering. */
  readonly proto: Uint8Array;
  /** The next / previous hop of the same datagram (before/after a NAT), or -1. */
  readonly nextOfPacket: Int32Array;
  readonly prevOfPacket: Int32Array;
  /** Hop i's bytes are bytes[offsets[i] .. offsets[i+1]); empty for synthetic traces. */
  readonly offsets: Uint32Array;
  readonly bytes: Uint8Array;
  /** Longest time any hop spent on its link: how far back a visible window must look. */
  readonly maxTransit: number;
  /** Last moment anything happens (µs). */
  readonly end: number;
  /** A capture's own facts for the diagnosis (DTLS alerts with their sender …), by hop; absent for a run. */
  readonly captureFacts?: CaptureFacts;
}

/**
 * Protocol classes, by index: the classes the dissector's protocol list defines (sim/dissect/registry.ts), each
 * with its colour there. No second list: a protocol added to the registry gets its class and colour here.
 */
export const PROTOCOLS: readonly string[] = PROTOCOL_CLASSES.map((c) => c.name);

/** Cheap classification of one IP datagram: IP version, then the transport, then RFC 7983 §7 on the UDP payload. */
export const classify: (b: Uint8Array) => number = classifyDatagram;

export function hopBytes(p: PackedTrace, i: number): Uint8Array {
  return p.bytes.subarray(p.offsets[i]!, p.offsets[i + 1]!);
}

/** Packs a trace (in the worker). Hops keep their order, which is the order they were recorded in. */
export function packTrace(trace: Trace): PackedTrace {
  const endpoints = trace.meta.source === 'capture' ? captureEndpoints(trace) : undefined;
  const lanes = endpoints ? endpoints.lanes : orderLanes(trace);
  const laneIndex = new Map(lanes.map((l, i) => [l, i]));
  const lane = (name: string): number => {
    let i = laneIndex.get(name);
    if (i === undefined) {
      i = lanes.length;
      lanes.push(name);
      laneIndex.set(name, i);
    }
    return i;
  };
  const n = trace.hops.length;
  const t = new Float64Array(n);
  const arrive = new Float64Array(n);
  const from = new Int32Array(n);
  const to = new Int32Array(n);
  const link = new Int32Array(n);
  const packet = new Int32Array(n);
  const drop = new Int32Array(n);
  const proto = new Uint8Array(n);
  const nextOfPacket = new Int32Array(n).fill(-1);
  const prevOfPacket = new Int32Array(n).fill(-1);
  const offsets = new Uint32Array(n + 1);
  const linkNames: string[] = [];
  const linkIndex = new Map<string, number>();
  const dropReasons: string[] = [];
  const dropIndex = new Map<string, number>();
  const lastOfPacket = new Map<number, number>();
  let total = 0;
  let maxTransit = 0;
  let end = 0;
  for (let i = 0; i < n; i++) {
    const h = trace.hops[i]!;
    t[i] = h.t;
    arrive[i] = h.arrive;
    from[i] = lane(endpoints ? endpoints.from[i]! : h.from);
    to[i] = lane(endpoints ? endpoints.to[i]! : h.to);
    let li = linkIndex.get(h.link);
    if (li === undefined) {
      li = linkNames.length;
      linkNames.push(h.link);
      linkIndex.set(h.link, li);
    }
    link[i] = li;
    packet[i] = h.packet;
    if (h.drop === undefined) drop[i] = -1;
    else {
      let d = dropIndex.get(h.drop);
      if (d === undefined) {
        d = dropReasons.length;
        dropReasons.push(h.drop);
        dropIndex.set(h.drop, d);
      }
      drop[i] = d;
    }
    proto[i] = classify(h.bytes);
    const prev = lastOfPacket.get(h.packet);
    if (prev !== undefined) {
      nextOfPacket[prev] = i;
      prevOfPacket[i] = prev;
    }
    lastOfPacket.set(h.packet, i);
    offsets[i] = total;
    total += h.bytes.length;
    maxTransit = Math.max(maxTransit, h.arrive - h.t);
    end = Math.max(end, h.arrive);
  }
  offsets[n] = total;
  const bytes = new Uint8Array(total);
  for (let i = 0; i < n; i++) bytes.set(trace.hops[i]!.bytes, offsets[i]!);
  for (const note of trace.notes) end = Math.max(end, note.t);
  return {
    meta: trace.meta,
    nodes: trace.nodes,
    links: trace.links,
    notes: trace.notes,
    secrets: trace.secrets,
    lanes,
    n,
    t,
    arrive,
    from,
    to,
    link,
    linkNames,
    packet,
    drop,
    dropReasons,
    proto,
    nextOfPacket,
    prevOfPacket,
    offsets,
    bytes,
    maxTransit,
    end,
  };
}

const MAX_ENDPOINT_LANES = 16;

/**
 * A capture has no topology: its nodes are addresses, and on loopback every packet goes from 127.0.0.1 to
 * itself. Lanes are then transport endpoints (ip:port) — one per socket, which is what a peer, a STUN server or a
 * TURN relay is — private addresses first; beyond 16 endpoints, the rarest fall back to their address.
 */
function captureEndpoints(trace: Trace): { lanes: string[]; from: string[]; to: string[] } {
  const from: string[] = [];
  const to: string[] = [];
  const uses = new Map<string, number>();
  for (const h of trace.hops) {
    const ports = transportPorts(h.bytes);
    const a = ports ? endpoint(h.from, ports[0]) : h.from;
    const b = ports ? endpoint(h.to, ports[1]) : h.to;
    from.push(a);
    to.push(b);
    uses.set(a, (uses.get(a) ?? 0) + 1);
    uses.set(b, (uses.get(b) ?? 0) + 1);
  }
  if (uses.size > MAX_ENDPOINT_LANES) {
    const keep = new Set([...uses.entries()].sort((x, y) => y[1] - x[1]).slice(0, MAX_ENDPOINT_LANES - 1).map(([k]) => k));
    const fold = (e: string): string => (keep.has(e) ? e : e.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1'));
    for (let i = 0; i < from.length; i++) {
      from[i] = fold(from[i]!);
      to[i] = fold(to[i]!);
    }
  }
  const order = new Map<string, number>();
  for (let i = 0; i < from.length; i++) for (const e of [from[i]!, to[i]!]) if (!order.has(e)) order.set(e, order.size);
  const nodes = [...order.keys()].map((name) => ({ name, kind: 'host' as const, addresses: [] }));
  return { lanes: orderLanes({ nodes, links: [] }), from, to };
}

const endpoint = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** Source and destination ports of a UDP or TCP datagram (both start with them, RFC 768 / RFC 9293). */
function transportPorts(b: Uint8Array): [number, number] | undefined {
  const v = b.length > 0 ? b[0]! >> 4 : 0;
  let proto: number;
  let off: number;
  if (v === 4 && b.length >= 20) {
    proto = b[9]!;
    off = (b[0]! & 0x0f) * 4;
    if ((((b[6]! & 0x1f) << 8) | b[7]!) !== 0) return undefined; // a later fragment has no ports
  } else if (v === 6 && b.length >= 40) {
    proto = b[6]!;
    off = 40;
  } else return undefined;
  if ((proto !== 17 && proto !== 6) || b.length < off + 4) return undefined;
  return [(b[off]! << 8) | b[off + 1]!, (b[off + 2]! << 8) | b[off + 3]!];
}

/** The buffers to transfer (not copy) with postMessage. */
export function transferables(p: PackedTrace): ArrayBuffer[] {
  return [p.t, p.arrive, p.from, p.to, p.link, p.packet, p.drop, p.proto, p.nextOfPacket, p.prevOfPacket, p.offsets, p.bytes].map((a) => a.buffer as ArrayBuffer);
}

/** First hop index with t >= time (hops are in time order: the recorder appends as the clock advances). */
export function lowerBound(times: Float64Array, n: number, time: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
