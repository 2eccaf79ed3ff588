import type { Decoded, Field, Problem } from '../field.ts';
import { Reader } from '../reader.ts';
import { bytes, struct, uint } from '../struct.ts';
import { Writer } from '../writer.ts';
import { formatIPv6, parseIPv6 } from './address.ts';
import { within } from './ipv4.ts';
import { IPPROTO, ecnName, showProtocol } from './protocols.ts';

/** The IPv6 fixed header (RFC 8200 §3), cut where fields change bytes. */
export const IPv6Fixed = struct('IPv6 header', [
  uint('version', 4),
  uint('trafficClass', 8, (v) => `0x${v.toString(16).padStart(2, '0')} (DSCP ${v >> 2}, ECN ${ecnName(v & 3)})`),
  uint('flowLabel', 20, (v) => `0x${v.toString(16).padStart(5, '0')}`),
  uint('payloadLength', 16),
  uint('nextHeader', 8, showProtocol),
  uint('hopLimit', 8), bytes('source', 16, (b) => formatIPv6(b)), bytes('destination', 16, (b) => formatIPv6(b)),
]);

export const IPV6_HEADER_LENGTH = 40;

export interface IPv6ExtensionHeader {
  /** The protocol number that introduced it (0 Hop-by-Hop, 43 Routing, 44 Fragment, 60 Destination Options, …). */
  readonly type: number;
  readonly name: string;
  /** Offset in the decoded bytes, and length in bytes. */
  readonly offset: number;
  readonly length: number;
  readonly nextHeader: number;
}

export interface IPv6Fragment {
  /** In units of 8 bytes, as on the wire. */
  readonly fragmentOffset: number;
  readonly moreFragments: boolean;
  readonly identification: number;
  /** Where the Fragment header sits in the decoded bytes. */
  readonly headerOffset: number;
}

export interface IPv6Header {
  readonly version: number;
  readonly trafficClass: number;
  readonly dscp: number;
  readonly ecn: number;
  readonly flowLabel: number;
  readonly payloadLength: number;
  /** The Next Header field of the fixed header. */
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly src: string;
  readonly dst: string;
  readonly srcBytes: Uint8Array;
  readonly dstBytes: Uint8Array;
  readonly extensionHeaders: readonly IPv6ExtensionHeader[];
  /** The protocol after the last extension header walked (17 for UDP, 59 for none); undefined if the chain broke. */
  readonly upperProtocol: number | undefined;
  readonly fragment?: IPv6Fragment;
  /** RFC 2675 Jumbo Payload length, when a Hop-by-Hop header carries one. */
  readonly jumboPayloadLength?: number;
  /** Fixed header plus extension headers. */
  readonly headerLength: number;
  /** Where the upper-layer data starts in the decoded bytes, and how many of its bytes are present. */
  readonly payloadOffset: number;
  readonly upperLayerLength: number;
}

/** Extension headers RFC 8200 §4 tells us how to skip: their length is in a standard place. */
const EXTENSION_NAMES: Readonly<Record<number, string>> = {
  [IPPROTO.HOPOPT]: 'Hop-by-Hop Options header',
  [IPPROTO.IPV6_ROUTE]: 'Routing header',
  [IPPROTO.IPV6_FRAG]: 'Fragment header',
  [IPPROTO.IPV6_OPTS]: 'Destination Options header',
  [IPPROTO.AH]: 'Authentication Header',
  [IPPROTO.MOBILITY]: 'Mobility header',
  [IPPROTO.HIP]: 'HIP header',
  [IPPROTO.SHIM6]: 'Shim6 header',
};

export function isExtensionHeader(nextHeader: number): boolean {
  return EXTENSION_NAMES[nextHeader] !== undefined;
}

/** IANA "Destination Options and Hop-by-Hop Options" option types. */
const OPTION_NAMES: Readonly<Record<number, string>> = {
  0x00: 'Pad1',
  0x01: 'PadN',
  0x04: 'Tunnel Encapsulation Limit',
  0x05: 'Router Alert',
  0x07: 'CALIPSO',
  0x26: 'Quick-Start',
  0x63: 'RPL Option',
  0xc2: 'Jumbo Payload',
  0xc9: 'Home Address',
};

/** RFC 8200 §4.2: the two high bits of an option type say what a node that does not know it must do. */
const UNKNOWN_ACTION = ['skip', 'discard', 'discard and send ICMP', 'discard and send ICMP unless multicast'];

/**
 * Decodes an IPv6 header at the start of `buf` and walks its extension headers (RFC 8200 §4) to the upper-layer
 * protocol, recording each as a field. Spans are offset by `base`; offsets in the value are relative to `buf`.
 */
export function decodeIPv6(buf: Uint8Array, base = 0, spans = true): Decoded<IPv6Header | undefined> {
  const r = new Reader(buf, base, 0, buf.length, spans);
  const h = IPv6Fixed.decode(r);
  const fields = r.fields;
  const problems: Problem[] = r.problems;
  if (buf.length > 0 && h.version !== 6) {
    problems.push({ offset: base, length: 1, message: `IP version ${h.version}, expected 6` });
    return { value: undefined, fields: within(fields, base, buf.length), problems };
  }
  if (r.truncated) return { value: undefined, fields: within(fields, base, buf.length), problems };

  let end = IPV6_HEADER_LENGTH + h.payloadLength;
  if (end > buf.length) {
    problems.push({ offset: base + 4, length: 2, message: `payload length ${h.payloadLength} exceeds the ${buf.length - IPV6_HEADER_LENGTH} bytes captured after the header` });
    end = buf.length;
  }
  const walk = walkExtensions(buf, base, h.nextHeader, end, h.payloadLength, spans);
  fields.push(...walk.fields);
  problems.push(...walk.problems);
  if (walk.jumbo !== undefined) end = Math.min(buf.length, IPV6_HEADER_LENGTH + walk.jumbo);
  const payloadOffset = Math.min(walk.pos, end);
  return {
    value: {
      version: h.version,
      trafficClass: h.trafficClass,
      dscp: h.trafficClass >> 2,
      ecn: h.trafficClass & 3,
      flowLabel: h.flowLabel,
      payloadLength: h.payloadLength,
      nextHeader: h.nextHeader,
      hopLimit: h.hopLimit,
      src: formatIPv6(h.source),
      dst: formatIPv6(h.destination),
      srcBytes: h.source,
      dstBytes: h.destination,
      extensionHeaders: walk.headers,
      upperProtocol: walk.upper,
      ...(walk.fragment ? { fragment: walk.fragment } : {}),
      ...(walk.jumbo !== undefined ? { jumboPayloadLength: walk.jumbo } : {}),
      headerLength: walk.pos,
      payloadOffset,
      upperLayerLength: end - payloadOffset,
    },
    fields,
    problems,
  };
}

interface Walk {
  pos: number;
  upper: number | undefined;
  headers: IPv6ExtensionHeader[];
  fragment?: IPv6Fragment;
  jumbo?: number;
  fields: Field[];
  problems: Problem[];
}

function walkExtensions(buf: Uint8Array, base: number, first: number, end: number, payloadLength: number, spans: boolean): Walk {
  const r = new Reader(buf, base, IPV6_HEADER_LENGTH, end, spans);
  const walk: Walk = { pos: IPV6_HEADER_LENGTH, upper: first, headers: [], fields: r.fields, problems: r.problems };
  let nh = first;
  while (isExtensionHeader(nh)) {
    const at = r.pos;
    const name = EXTENSION_NAMES[nh]!;
    if (nh === IPPROTO.HOPOPT && at !== IPV6_HEADER_LENGTH) {
      r.problem('a Hop-by-Hop Options header must immediately follow the IPv6 header (RFC 8200 §4.3)', at, 1);
    }
    const lenByte = r.peekU8(1);
    const length = nh === IPPROTO.IPV6_FRAG ? 8 : nh === IPPROTO.AH ? ((lenByte ?? 0) + 2) * 4 : ((lenByte ?? 0) + 1) * 8;
    if (lenByte === undefined || at + length > end) {
      r.problem(`truncated: the ${name} needs ${length} bytes at offset ${base + at}, only ${end - at} left`, at, end - at);
      r.field(name, at, end - at, 'truncated');
      walk.upper = undefined;
      walk.pos = end;
      return walk;
    }
    const type = nh;
    const next = r.group(name, () => {
      const n = r.u8('nextHeader', showProtocol);
      if (type === IPPROTO.IPV6_FRAG) {
        walk.fragment = fragmentBody(r, at);
        return n;
      }
      if (type === IPPROTO.AH) {
        r.u8('payloadLen', (v) => `${v} (${(v + 2) * 4} bytes)`);
        r.u16('reserved');
        r.u32('spi', (v) => `0x${v.toString(16).padStart(8, '0')}`);
        r.u32('sequenceNumber');
        r.bytes(length - 12, 'icv');
        return n;
      }
      r.u8('hdrExtLen', (v) => `${v} (${(v + 1) * 8} bytes)`);
      if (type === IPPROTO.HOPOPT || type === IPPROTO.IPV6_OPTS) {
        const jumbo = options(r, at + length, type === IPPROTO.HOPOPT, payloadLength);
        if (jumbo !== undefined) walk.jumbo = jumbo;
      } else if (type === IPPROTO.IPV6_ROUTE) {
        r.u8('routingType', (v) => (v === 0 ? '0 (deprecated by RFC 5095)' : v === 3 ? '3 (RPL)' : v === 4 ? '4 (Segment Routing)' : String(v)));
        r.u8('segmentsLeft');
        r.bytes(length - 4, 'typeSpecificData');
      } else {
        r.bytes(length - 2, 'data');
      }
      return n;
    }, (n) => `next header ${showProtocol(n)}, ${length} bytes`);
    walk.headers.push({ type, name, offset: at, length, nextHeader: next });
    nh = next;
    walk.pos = r.pos;
    // a later fragment carries no upper-layer header: stop here (RFC 8200 §4.5)
    if (walk.fragment && walk.fragment.fragmentOffset !== 0) break;
  }
  walk.upper = nh;
  return walk;
}

function fragmentBody(r: Reader, at: number): IPv6Fragment {
  r.u8('reserved');
  const p = r.pos;
  const word = r.u16();
  const fragmentOffset = word >> 3;
  r.fieldBits('fragmentOffset', p, 2, 0, 13, `${fragmentOffset} (${fragmentOffset * 8} bytes)`);
  r.fieldBits('res', p, 2, 13, 2, String((word >> 1) & 3));
  r.fieldBits('moreFragments', p, 2, 15, 1, word & 1 ? 'set' : 'not set');
  const identification = r.u32('identification', (v) => `0x${v.toString(16).padStart(8, '0')}`);
  return { fragmentOffset, moreFragments: (word & 1) === 1, identification, headerOffset: at };
}

/** Type-length-value options of a Hop-by-Hop or Destination Options header (RFC 8200 §4.2); returns a jumbo length. */
function options(r: Reader, end: number, hopByHop: boolean, payloadLength: number): number | undefined {
  let jumbo: number | undefined;
  while (r.pos < end) {
    const at = r.pos;
    const type = r.peekU8()!;
    const name = OPTION_NAMES[type] ?? `option 0x${type.toString(16).padStart(2, '0')}`;
    if (type === 0) {
      r.u8('Pad1', () => 'Pad1');
      continue;
    }
    const len = r.peekU8(1);
    if (len === undefined || at + 2 + len > end) {
      r.problem(`option ${name} runs past the end of its header`, at, end - at);
      r.skip(end - at, name);
      break;
    }
    r.group(name, () => {
      r.u8('type', (v) => `0x${v.toString(16).padStart(2, '0')} (unknown: ${UNKNOWN_ACTION[v >> 6]}${v & 0x20 ? ', may change en route' : ''})`);
      r.u8('length');
      if (type === 0xc2 && hopByHop && len === 4) {
        jumbo = r.u32('jumboPayloadLength');
        if (payloadLength !== 0) r.problem('a Jumbo Payload option with a non-zero Payload Length (RFC 2675 §3)', at, 6);
      } else if (type === 0x05 && len === 2) {
        r.u16('value', (v) => (v === 0 ? '0 (MLD)' : v === 1 ? '1 (RSVP)' : v === 2 ? '2 (Active Networks)' : String(v)));
      } else {
        r.bytes(len, 'data');
      }
    }, () => `length ${len}`);
  }
  return jumbo;
}

/** An extension header to put between the fixed header and the payload, in order. */
export type IPv6ExtensionInit =
  | { readonly type: 'hop-by-hop' | 'destination-options'; readonly options: Uint8Array }
  | { readonly type: 'routing'; readonly routingType: number; readonly segmentsLeft: number; readonly data: Uint8Array }
  | { readonly type: 'fragment'; readonly fragmentOffset: number; readonly moreFragments: boolean; readonly identification: number };

export interface IPv6Init {
  readonly src: string;
  readonly dst: string;
  /** The protocol of `payload` (after any extension headers). */
  readonly nextHeader: number;
  readonly hopLimit?: number;
  readonly trafficClass?: number;
  readonly flowLabel?: number;
  readonly extensionHeaders?: readonly IPv6ExtensionInit[];
  /** Override for building malformed datagrams in tests; computed when absent. */
  readonly payloadLength?: number;
}

const EXTENSION_CODE = { 'hop-by-hop': IPPROTO.HOPOPT, 'destination-options': IPPROTO.IPV6_OPTS, routing: IPPROTO.IPV6_ROUTE, fragment: IPPROTO.IPV6_FRAG } as const;

/** Encodes an IPv6 datagram: fixed header, extension headers chained by Next Header, then `payload` (RFC 8200). */
export function encodeIPv6(init: IPv6Init, payload: Uint8Array): Uint8Array {
  const src = parseIPv6(init.src);
  const dst = parseIPv6(init.dst);
  if (!src || !dst || init.src.indexOf(':') < 0 || init.dst.indexOf(':') < 0) throw new RangeError(`not IPv6 addresses: ${init.src} → ${init.dst}`);
  const ext = init.extensionHeaders ?? [];
  const w = new Writer(IPV6_HEADER_LENGTH + payload.length + 64);
  const firstNext = ext[0] ? EXTENSION_CODE[ext[0].type] : init.nextHeader;
  IPv6Fixed.encode(w, {
    version: 6,
    trafficClass: init.trafficClass ?? 0,
    flowLabel: init.flowLabel ?? 0,
    payloadLength: 0,
    nextHeader: firstNext,
    hopLimit: init.hopLimit ?? 64,
    source: src,
    destination: dst,
  });
  ext.forEach((e, i) => {
    const next = ext[i + 1];
    const nh = next ? EXTENSION_CODE[next.type] : init.nextHeader;
    encodeExtension(w, e, nh);
  });
  w.bytes(payload);
  const payloadLength = init.payloadLength ?? w.pos - IPV6_HEADER_LENGTH;
  if (payloadLength > 0xffff) throw new RangeError(`IPv6 payload of ${payloadLength} bytes needs a jumbogram`);
  w.setU16(4, payloadLength);
  return w.finish();
}

function encodeExtension(w: Writer, e: IPv6ExtensionInit, nextHeader: number): void {
  w.u8(nextHeader);
  if (e.type === 'fragment') {
    w.u8(0).u16(((e.fragmentOffset & 0x1fff) << 3) | (e.moreFragments ? 1 : 0)).u32(e.identification);
    return;
  }
  if (e.type === 'routing') {
    if ((4 + e.data.length) % 8 !== 0) throw new RangeError('Routing header data must make the header a multiple of 8 bytes');
    w.u8((4 + e.data.length) / 8 - 1).u8(e.routingType).u8(e.segmentsLeft).bytes(e.data);
    return;
  }
  // options padded with Pad1 or PadN to a multiple of 8 bytes (RFC 8200 §4.2)
  const pad = (8 - ((2 + e.options.length) % 8)) % 8;
  w.u8((2 + e.options.length + pad) / 8 - 1).bytes(e.options);
  if (pad === 1) w.u8(0);
  else if (pad > 1) w.u8(1).u8(pad - 2).zeros(pad - 2);
}


