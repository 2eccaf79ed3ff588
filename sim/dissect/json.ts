import { protocolJson } from './registry.ts';
import type { Json } from './table.ts';
import type { DissectedPacket, Layer } from './types.ts';

/**
 * The `--json` form of a dissected packet (documented in docs/dissect-json.md): plain JSON, stable key names,
 * numbers as numbers, bytes as hex. One object per packet.
 */
export interface PacketJsonMeta {
  /** 1-based packet number. */
  readonly no: number;
  /** Seconds since the Unix epoch (capture) or since the run began (simulation), µs precision. */
  readonly ts: number;
}

type Obj = Json;

export function packetToJson(p: DissectedPacket, meta: PacketJsonMeta): Obj {
  const out: Obj = {
    no: meta.no,
    ts: Math.round(meta.ts * 1e6) / 1e6,
    src: p.src,
    dst: p.dst,
    proto: p.protocol,
    summary: p.summary,
    layers: p.layers.map(layerToJson),
  };
  if (p.problems.length) out.problems = p.problems.map((x) => ({ offset: x.offset, length: x.length, message: x.message }));
  if (p.notes?.length) out.notes = [...p.notes];
  return out;
}

export function layerToJson(l: Layer): Obj {
  const base: Obj = { protocol: l.protocol, offset: l.offset, length: l.length, summary: l.summary };
  if (l.plaintext) base.decrypted = true;
  if (l.bytesFrom) base.bytesFrom = l.bytesFrom;
  if (l.quoted) base.quoted = true;
  if (l.classification) base.classification = l.classification;
  if (l.problems.length) base.problems = l.problems.map((x) => x.message);
  // each protocol's own keys come from its spec (protocols/*.ts), added to `base` in their documented order
  return protocolJson(l, base);
}
