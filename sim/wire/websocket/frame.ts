import { utf8Decode } from '../../core/encoding.ts';
import type { Decoded, Field, Problem } from '../field.ts';
import { Reader } from '../reader.ts';
import { Writer } from '../writer.ts';

/**
 * WebSocket frames (RFC 6455 §5.2): FIN, RSV1–3, opcode, MASK, payload length (7 bits, or 126 + 16 bits, or
 * 127 + 64 bits), masking key, payload. The payload is unmasked (§5.3); a Close frame's code and reason are read
 * (§5.5.1, §7.4).
 */
export const Opcode = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

const OPCODE_NAMES: Record<number, string> = { 0: 'Continuation', 1: 'Text', 2: 'Binary', 8: 'Close', 9: 'Ping', 10: 'Pong' };

export function opcodeName(op: number): string {
  return OPCODE_NAMES[op] ?? `reserved opcode 0x${op.toString(16)}`;
}

export interface WebSocketFrame {
  readonly fin: boolean;
  /** RSV1–RSV3 as a 3-bit number (non-zero only with a negotiated extension such as permessage-deflate). */
  readonly rsv: number;
  readonly opcode: number;
  readonly masked: boolean;
  readonly maskingKey?: Uint8Array;
  readonly payloadLength: number;
  /** The payload, unmasked. */
  readonly payload: Uint8Array;
  /** Close frames: the status code (§7.4) and reason, when present. */
  readonly closeCode?: number;
  readonly closeReason?: string;
}

export interface WebSocketDecoded extends Decoded<WebSocketFrame | undefined> {
  /** 'incomplete' when the frame continues beyond these bytes; its `length` is then how many it needs in all. */
  readonly status: 'complete' | 'incomplete';
  readonly length: number;
}

/** §7.4.1 defined status codes. */
const CLOSE_CODES: Record<number, string> = {
  1000: 'normal closure',
  1001: 'going away',
  1002: 'protocol error',
  1003: 'unsupported data',
  1007: 'invalid payload data',
  1008: 'policy violation',
  1009: 'message too big',
  1010: 'mandatory extension',
  1011: 'internal error',
};

export function closeCodeName(code: number): string {
  return CLOSE_CODES[code] ?? (code >= 3000 && code <= 4999 ? 'application-defined' : 'not a valid close code');
}

/** §7.4.1–7.4.2: codes a Close frame may carry (1004–1006, 1015 and anything below 1000 must not be sent). */
function validCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) || (code >= 3000 && code <= 4999);
}

/** `limit`: payloads larger than this are reported and not unmasked beyond it (memory bound against hostile input). */
export function decodeWebSocketFrame(bytes: Uint8Array, base = 0, limit = 16 << 20, spans = true): WebSocketDecoded {
  const r = new Reader(bytes, base, 0, bytes.length, spans);
  const b0 = r.u8();
  const b1 = r.u8();
  if (r.truncated) return { status: 'incomplete', value: undefined, fields: [], problems: [], length: 2 };
  let header = 2;
  let len = b1 & 0x7f;
  if (len === 126) header += 2;
  else if (len === 127) header += 8;
  const masked = (b1 & 0x80) !== 0;
  if (masked) header += 4;
  if (bytes.length < header) return { status: 'incomplete', value: undefined, fields: [], problems: [], length: header };
  const problems: Problem[] = [];
  const fields: Field[] = [];
  const fin = (b0 & 0x80) !== 0;
  const rsv = (b0 >> 4) & 7;
  const opcode = b0 & 0x0f;
  fields.push({
    name: 'FIN/RSV/opcode',
    offset: base,
    length: 1,
    display: `${fin ? 'FIN' : 'not FIN'}, ${opcodeName(opcode)}`,
    children: [
      { name: 'FIN', offset: base, length: 1, bits: { start: 0, count: 1 }, display: fin ? '1 (final fragment)' : '0 (more fragments follow)' },
      { name: 'RSV1–RSV3', offset: base, length: 1, bits: { start: 1, count: 3 }, display: String(rsv) },
      { name: 'opcode', offset: base, length: 1, bits: { start: 4, count: 4 }, display: `${opcode} (${opcodeName(opcode)})` },
    ],
  });
  fields.push({ name: 'MASK', offset: base + 1, length: 1, bits: { start: 0, count: 1 }, display: masked ? '1' : '0' });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (len === 126) {
    len = view.getUint16(2);
    fields.push({ name: 'payload length', offset: base + 1, length: 3, display: `${len} (16-bit extended)` });
    if (len < 126) problems.push({ offset: base + 2, length: 2, message: `payload length ${len} sent in the 16-bit form: the minimal encoding must be used (RFC 6455 §5.2)` });
  } else if (b1 % 128 === 127) {
    const hi = view.getUint32(2);
    const lo = view.getUint32(6);
    if (hi & 0x80000000) problems.push({ offset: base + 2, length: 8, message: 'the most significant bit of a 64-bit payload length must be 0 (RFC 6455 §5.2)' });
    len = (hi & 0x7fffffff) * 2 ** 32 + lo;
    fields.push({ name: 'payload length', offset: base + 1, length: 9, display: `${len} (64-bit extended)` });
    if (len < 65536) problems.push({ offset: base + 2, length: 8, message: `payload length ${len} sent in the 64-bit form: the minimal encoding must be used (RFC 6455 §5.2)` });
  } else fields.push({ name: 'payload length', offset: base + 1, length: 1, bits: { start: 1, count: 7 }, display: String(len) });
  const maskingKey = masked ? bytes.slice(header - 4, header) : undefined;
  if (maskingKey) fields.push({ name: 'masking-key', offset: base + header - 4, length: 4, display: [...maskingKey].map((x) => x.toString(16).padStart(2, '0')).join('') });
  if (rsv !== 0) problems.push({ offset: base, length: 1, message: `RSV bits ${rsv} set: only with a negotiated extension (RFC 6455 §5.2), e.g. permessage-deflate`, severity: 'warning' });
  if (!(opcode in OPCODE_NAMES)) problems.push({ offset: base, length: 1, message: `opcode 0x${opcode.toString(16)} is reserved (RFC 6455 §5.2)` });
  const control = opcode >= 8;
  if (control && !fin) problems.push({ offset: base, length: 1, message: 'a control frame must not be fragmented (RFC 6455 §5.5)' });
  if (control && len > 125) problems.push({ offset: base + 1, length: 1, message: `control frame payload of ${len} bytes exceeds 125 (RFC 6455 §5.5)` });
  const total = header + len;
  if (len > limit) {
    problems.push({ offset: base + 1, length: header - 1, message: `payload length ${len} exceeds the dissector's limit of ${limit} bytes` });
    return { status: 'complete', value: undefined, fields, problems, length: Math.min(total, bytes.length) };
  }
  if (bytes.length < total) return { status: 'incomplete', value: undefined, fields: [], problems: [], length: total };
  const payload = bytes.slice(header, total);
  // §5.3: octet i of the payload is XORed with octet i mod 4 of the masking key
  if (maskingKey) for (let i = 0; i < payload.length; i++) payload[i]! ^= maskingKey[i & 3]!;
  if (len) fields.push({ name: masked ? 'payload (unmasked)' : 'payload', offset: base + header, length: len, display: `${len} bytes` });
  let closeCode: number | undefined;
  let closeReason: string | undefined;
  if (opcode === Opcode.close && payload.length > 0) {
    if (payload.length === 1) problems.push({ offset: base + header, length: 1, message: 'a Close body must be empty or start with a 2-byte status code (RFC 6455 §5.5.1)' });
    else {
      closeCode = (payload[0]! << 8) | payload[1]!;
      closeReason = utf8Decode(payload.subarray(2));
      fields.push({ name: 'status code', offset: base + header, length: 2, display: `${closeCode} (${closeCodeName(closeCode)})` });
      if (payload.length > 2) fields.push({ name: 'reason', offset: base + header + 2, length: payload.length - 2, display: closeReason });
      if (!validCloseCode(closeCode)) problems.push({ offset: base + header, length: 2, message: `close code ${closeCode} must not be sent in a Close frame (RFC 6455 §7.4)` });
    }
  }
  const value: WebSocketFrame = {
    fin,
    rsv,
    opcode,
    masked,
    ...(maskingKey ? { maskingKey } : {}),
    payloadLength: len,
    payload,
    ...(closeCode !== undefined ? { closeCode } : {}),
    ...(closeReason !== undefined ? { closeReason } : {}),
  };
  return { status: 'complete', value, fields, problems, length: total };
}

export interface WebSocketFrameInit {
  readonly fin?: boolean;
  readonly opcode: number;
  readonly payload: Uint8Array;
  /** Clients mask every frame (RFC 6455 §5.1), with a fresh key from the caller's RNG. */
  readonly maskingKey?: Uint8Array;
  readonly rsv?: number;
}

export function encodeWebSocketFrame(f: WebSocketFrameInit): Uint8Array {
  const len = f.payload.length;
  const w = new Writer(14 + len);
  w.u8(((f.fin ?? true) ? 0x80 : 0) | ((f.rsv ?? 0) << 4) | f.opcode);
  const mask = f.maskingKey ? 0x80 : 0;
  if (len < 126) w.u8(mask | len);
  else if (len < 65536) w.u8(mask | 126).u16(len);
  else w.u8(mask | 127).u32(Math.floor(len / 2 ** 32)).u32(len >>> 0);
  if (f.maskingKey) {
    w.bytes(f.maskingKey);
    const masked = f.payload.slice();
    for (let i = 0; i < masked.length; i++) masked[i]! ^= f.maskingKey[i & 3]!;
    w.bytes(masked);
  } else w.bytes(f.payload);
  return w.finish();
}

/** "Text (FIN, masked) 123 bytes", "Close 1000 normal closure" */
export function describeFrame(f: WebSocketFrame): string {
  const flags = [f.fin ? 'FIN' : 'more follow', ...(f.masked ? ['masked'] : [])].join(', ');
  if (f.opcode === Opcode.close) return `Close${f.closeCode !== undefined ? ` ${f.closeCode} ${closeCodeName(f.closeCode)}${f.closeReason ? ` "${f.closeReason}"` : ''}` : ''} (${flags})`;
  return `${opcodeName(f.opcode)} (${flags}) ${f.payloadLength} bytes`;
}
