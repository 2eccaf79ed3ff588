import type { Decoded, Problem } from '../field.ts';
import { onesSum } from '../checksum.ts';
import { Reader } from '../reader.ts';
import { hex, struct, uint } from '../struct.ts';
import { Writer } from '../writer.ts';
import { replaceDisplay, within } from './ipv4.ts';
import { pseudoHeaderSum, showChecksum, transportChecksum, withProtocol, type PseudoHeader } from './pseudo-header.ts';

/** The UDP header (RFC 768). */
export const UdpFixed = struct('UDP header', [
  uint('srcPort', 16),
  uint('dstPort', 16),
  uint('length', 16),
  uint('checksum', 16, hex(4)),
]);

export const UDP_HEADER_LENGTH = 8;
const reader = new Reader(new Uint8Array(0));

interface UdpFields {
  srcPort: number;
  dstPort: number;
  length: number;
  checksum: number;
}
/** The header's numbers when read without the struct: one object for every call, its numbers copied out before return. */
const plain: UdpFields = { srcPort: 0, dstPort: 0, length: 0, checksum: 0 };

/**
 * correct / incorrect: verified against the pseudo-header; absent: IPv4 with checksum 0 (RFC 768);
 * unverified: no pseudo-header given, or the datagram is cut short or is a fragment.
 */
export type ChecksumStatus = 'correct' | 'incorrect' | 'absent' | 'unverified';

export interface UdpHeader {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly length: number;
  readonly checksum: number;
  readonly checksumStatus: ChecksumStatus;
  /** What the checksum should be, when it could be computed. */
  readonly expectedChecksum?: number;
  /** Offset of the payload in the decoded bytes (always 8) and how many payload bytes there are. */
  readonly payloadOffset: number;
  readonly payloadLength: number;
}

export interface UdpDecodeOptions {
  /** The addresses from the IP header; without them the checksum cannot be verified. */
  readonly pseudo?: PseudoHeader;
  /** Where `buf[0]` sits in the outermost buffer. */
  readonly base?: number;
  /**
   * True for the first fragment of a fragmented datagram: the header is there but the bytes it covers are not,
   * so length and checksum are not checked.
   */
  readonly fragment?: boolean;
  /** Record field spans (default true); a packet list needs none. */
  readonly spans?: boolean;
}

/**
 * Decodes a UDP datagram: `buf` holds exactly the IP payload (from the UDP header to the end of the IP datagram).
 * The payload is `length - 8` bytes; a Length field that disagrees with the IP payload is a problem.
 */
export function decodeUdp(buf: Uint8Array, opts: UdpDecodeOptions = {}): Decoded<UdpHeader | undefined> {
  const base = opts.base ?? 0;
  // one Reader for every call (nothing here decodes UDP again before it returns)
  const r = reader.reset(buf, base, opts.spans ?? true);
  let h: UdpFields;
  if (!r.spans && buf.length >= UDP_HEADER_LENGTH) {
    // a packet list's header, all there: the four numbers read off the bytes (no struct object; no span to record)
    h = plain;
    h.srcPort = (buf[0]! << 8) | buf[1]!;
    h.dstPort = (buf[2]! << 8) | buf[3]!;
    h.length = (buf[4]! << 8) | buf[5]!;
    h.checksum = (buf[6]! << 8) | buf[7]!;
  } else {
    h = UdpFixed.decode(r);
    if (r.truncated) return { value: undefined, fields: within(r.fieldList(), base, buf.length), problems: r.problemList() };
  }
  const problems: Problem[] = r.problems;

  let payloadLength = buf.length - UDP_HEADER_LENGTH;
  let lengthOk = !opts.fragment;
  if (opts.fragment) {
    payloadLength = Math.max(0, Math.min(h.length, buf.length) - UDP_HEADER_LENGTH);
  } else if (h.length < UDP_HEADER_LENGTH) {
    problems.push({ offset: base + 4, length: 2, message: `UDP length ${h.length} is less than the 8-byte header (RFC 768)` });
    lengthOk = false;
  } else if (h.length > buf.length) {
    problems.push({ offset: base + 4, length: 2, message: `UDP length ${h.length} exceeds the ${buf.length} bytes of the IP payload` });
    lengthOk = false;
  } else if (h.length < buf.length) {
    problems.push({ offset: base + 4, length: 2, message: `UDP length ${h.length} is less than the ${buf.length} bytes of the IP payload` });
    payloadLength = h.length - UDP_HEADER_LENGTH;
  }

  let status: ChecksumStatus = 'unverified';
  let expected: number | undefined;
  let note = opts.fragment ? 'unverified: fragment' : 'unverified';
  if (h.checksum === 0 && opts.pseudo?.family !== 6) {
    status = 'absent';
    note = 'none: checksum not used (RFC 768)';
  } else if (opts.pseudo && lengthOk) {
    // the length in the pseudo-header is the UDP length (RFC 768; RFC 8200 §8.1 upper-layer length)
    const pseudo = opts.pseudo;
    const sum = onesSum(buf, 0, h.length, pseudoHeaderSum(pseudo, h.length));
    status = sum === 0xffff ? 'correct' : 'incorrect';
    // what the field should hold is worked out (one more pass over the bytes) only when it does not hold it
    expected = status === 'correct' ? h.checksum : transportChecksum(pseudo, buf, 0, h.length, 6);
    if (h.checksum === 0) {
      problems.push({ offset: base + 6, length: 2, message: 'UDP checksum 0 over IPv6 is not allowed (RFC 8200 §8.1)' });
      status = 'incorrect';
    } else if (status === 'incorrect') {
      problems.push({ offset: base + 6, length: 2, message: `bad UDP checksum ${showChecksum(h.checksum, expected)}` });
    }
  } else if (!opts.pseudo) {
    note = 'unverified: no IP pseudo-header';
  } else if (!lengthOk && !opts.fragment) {
    note = 'unverified: bad length';
  }
  if (r.spans) replaceDisplay(r.fields, 'checksum', showChecksum(h.checksum, expected, note));
  if (payloadLength > 0 && r.spans) r.fields.push({ name: 'payload', offset: base + UDP_HEADER_LENGTH, length: payloadLength, display: `${payloadLength} bytes` });
  const { srcPort, dstPort, length, checksum } = h;
  // two literals rather than a conditional spread: one object, one shape each
  const value: UdpHeader =
    expected === undefined
      ? { srcPort, dstPort, length, checksum, checksumStatus: status, payloadOffset: UDP_HEADER_LENGTH, payloadLength }
      : { srcPort, dstPort, length, checksum, checksumStatus: status, expectedChecksum: expected, payloadOffset: UDP_HEADER_LENGTH, payloadLength };
  return { value, fields: r.fieldList(), problems: r.problemList() };
}

export interface UdpInit {
  readonly srcPort: number;
  readonly dstPort: number;
  /** Overrides for malformed datagrams in tests. */
  readonly length?: number;
  readonly checksum?: number;
}

/**
 * Encodes a UDP header and payload. With a pseudo-header the checksum is computed (a computed 0 is sent as
 * 0xffff, RFC 768); without one it is 0, which only IPv4 allows.
 */
export function encodeUdp(init: UdpInit, payload: Uint8Array, pseudo?: PseudoHeader): Uint8Array {
  const length = UDP_HEADER_LENGTH + payload.length;
  if (length > 0xffff) throw new RangeError(`UDP payload of ${payload.length} bytes is too long`);
  const w = new Writer(length);
  UdpFixed.encode(w, { srcPort: init.srcPort, dstPort: init.dstPort, length: init.length ?? length, checksum: 0 });
  w.bytes(payload);
  const out = w.finish();
  const c = init.checksum ?? (pseudo ? transportChecksum(withProtocol(pseudo, 17), out, 0, length, 6) : 0);
  out[6] = c >> 8;
  out[7] = c & 0xff;
  return out;
}
