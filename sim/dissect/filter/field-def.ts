import type { Layer, LayerOf, LayerValues, Protocol } from '../types.ts';

/**
 * What a display filter field is: a `proto.field` name (tshark's own where we dissect the same field), its type
 * (how a value written in the filter is read, as Wireshark's field types do: FT_UINT*, FT_IPv4, FT_STRING …) and
 * how its values are read from a dissected packet. The same definitions name the packet list's columns.
 */

/**
 * `uint` numbers (a literal in decimal, 0x hex, 0 octal, 0b binary); `float`; `bool` (1/0, true/false); `ipv4` and
 * `ipv6` addresses (a literal may be a CIDR prefix); `string`; `bytes` (aa:bb:cc, aa-bb, aabbcc); `protocol` (a
 * protocol name: present when the packet has such a layer; its value is the layer's bytes, for `contains`).
 */
export type FieldType = 'uint' | 'float' | 'bool' | 'ipv4' | 'ipv6' | 'string' | 'bytes' | 'protocol';

/** A value read from a packet: numbers (bool as 1/0), text, bytes (addresses as their 4 or 16 bytes). */
export type FieldValue = number | string | Uint8Array;

/** What the packet's frame adds: its number, times and bytes, and the conversations it belongs to. */
export interface FrameInfo {
  /** 1-based, as tshark numbers frames. */
  readonly number: number;
  /** Seconds since the first frame. */
  readonly timeRelative: number;
  /** Seconds since the previous frame (0 for the first). */
  readonly timeDelta: number;
  /** Seconds since the Unix epoch, when the capture says (a simulation's frames have none). */
  readonly timeEpoch?: number;
  /** The frame's bytes (for its length and for `frame contains`). */
  readonly bytes: Uint8Array;
  /** The conversation indexes (tshark's tcp.stream, udp.stream), numbered by first appearance (streams.ts). */
  readonly tcpStream?: number;
  readonly udpStream?: number;
  /** The conversation of the UDP datagram an ICMP error quotes (tshark numbers it too). */
  readonly quotedUdpStream?: number;
  /** TCP sequence and acknowledgment numbers relative to each direction's first (tshark's tcp.seq, tcp.ack). */
  readonly tcpSeq?: number;
  readonly tcpAck?: number;
}

export interface FieldDef {
  readonly name: string;
  readonly type: FieldType;
  /** What it is, in a few words (tshark's own description where it has the field). */
  readonly description: string;
  /** The layers it reads (each occurrence of such a layer may add values); empty for a frame field. */
  readonly protocols: readonly Protocol[];
  /** Adds this field's values in `layer` (undefined for a frame field) to `out`. */
  readonly read: (layer: Layer | undefined, frame: FrameInfo, out: FieldValue[]) => void;
}

type Got = FieldValue | boolean | readonly (FieldValue | boolean)[] | undefined;

/** A field spec: [type, description, reader of the layer's value]. */
export type LayerFieldSpec<P extends Protocol> = readonly [FieldType, string, (value: LayerValues[P], layer: LayerOf<P>, frame: FrameInfo) => Got];

function push(out: FieldValue[], v: Got): void {
  if (v === undefined) return;
  if (typeof v === 'boolean') out.push(v ? 1 : 0);
  else if (Array.isArray(v)) for (const x of v as readonly (FieldValue | boolean)[]) push(out, x);
  else out.push(v as FieldValue);
}

/** The fields read from layers of these protocols (a layer without a decoded value adds none). */
export function layerFields<P extends Protocol>(protocols: readonly P[], specs: Readonly<Record<string, LayerFieldSpec<P>>>): FieldDef[] {
  return Object.entries(specs).map(([name, [type, description, get]]) => ({
    name,
    type,
    description,
    protocols,
    read: (layer, frame, out) => {
      const l = layer as LayerOf<P> | undefined;
      if (l?.value !== undefined) push(out, get(l.value, l, frame));
    },
  }));
}

/** Fields of the frame itself. */
export function frameFields(specs: Readonly<Record<string, readonly [FieldType, string, (frame: FrameInfo) => Got]>>): FieldDef[] {
  return Object.entries(specs).map(([name, [type, description, get]]) => ({ name, type, description, protocols: [], read: (_l, frame, out) => push(out, get(frame)) }));
}

/** A layer's own bytes: its plaintext or reassembled bytes when it has them, else its span of the frame. */
export function layerBytes(l: Layer, frame: FrameInfo): Uint8Array {
  return l.plaintext ?? l.bytes ?? frame.bytes.subarray(l.offset, l.offset + l.length);
}

/** A protocol name as a filter test: present when a layer of one of these protocols is; its value is its bytes. */
export function protocolField(name: string, description: string, protocols: readonly Protocol[]): FieldDef {
  return { name, type: 'protocol', description, protocols, read: (l, frame, out) => void (l && out.push(layerBytes(l, frame))) };
}
