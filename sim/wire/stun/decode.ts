import { toHex } from '../../core/encoding.ts';
import type { Decoded, Field } from '../field.ts';
import { Reader } from '../reader.ts';
import type { AttributeContext, StunAttribute } from './attribute.ts';
import { codecFor } from './attributes.ts';
import { attributeName, AttrType, hex16, HEADER_SIZE, isComprehensionRequired, MAGIC_COOKIE } from './constants.ts';
import { fingerprintAt } from './integrity.ts';
import type { StunMessage } from './message.ts';
import { messageTypeName, MessageTypeBits, splitMessageType } from './message.ts';

/** Types that may legitimately repeat (RFC 8656 §9.1: several XOR-PEER-ADDRESS in one CreatePermission). */
const MAY_REPEAT = new Set<number>([AttrType.XorPeerAddress]);

/**
 * Decodes a STUN message (RFC 8489 §5, §14). Never throws: malformed input gives problems (bad cookie, length not
 * a multiple of 4, an attribute running past the end, attributes after FINGERPRINT or MESSAGE-INTEGRITY,
 * duplicates, missing padding, a wrong FINGERPRINT) and the value holds whatever could be read.
 * Fields: every header bit field, and per attribute its type, length, value (with sub-fields) and padding.
 */
export function decodeStun(bytes: Uint8Array, spans = true): Decoded<StunMessage | undefined> {
  const r = new Reader(bytes, 0, 0, bytes.length, spans);
  const bits = r.group('Message Type', () => MessageTypeBits.decode(r), (b) => {
    const type = (b['Leading zero bits'] << 14) | (b['M11–M7'] << 9) | (b.C1 << 8) | (b['M6–M4'] << 5) | (b.C0 << 4) | b['M3–M0'];
    const t = splitMessageType(type & 0x3fff);
    return `${hex16(type)} ${messageTypeName(t.method, t.class)}`;
  });
  const length = r.u16('Message Length');
  const cookie = r.u32('Magic Cookie', (v) => `0x${v.toString(16).padStart(8, '0')}`);
  const tid = r.bytes(12, 'Transaction ID', (v) => toHex(v));
  if (r.truncated) return { value: undefined, fields: r.fields, problems: r.problems };

  if (bits['Leading zero bits'] !== 0) r.problem('the two leading bits are not zero: not a STUN message (RFC 8489 §5)', 0, 1);
  if (cookie !== MAGIC_COOKIE) {
    r.problem(`magic cookie is 0x${cookie.toString(16).padStart(8, '0')}, not 0x2112a442 (an RFC 3489 message?)`, 4, 4);
  }
  if (length % 4 !== 0) r.problem(`message length ${length} is not a multiple of 4 (RFC 8489 §5)`, 2, 2);
  let end = HEADER_SIZE + length;
  if (end > bytes.length) {
    r.problem(`message length says ${length} bytes of attributes, only ${bytes.length - HEADER_SIZE} follow the header`, 2, 2);
    end = bytes.length;
  }

  const { method, class: cls } = splitMessageType(
    (bits['M11–M7'] << 9) | (bits.C1 << 8) | (bits['M6–M4'] << 5) | (bits.C0 << 4) | bits['M3–M0'],
  );
  const transactionId = tid.slice();
  const ctx: AttributeContext = { transactionId };
  const attributes: StunAttribute[] = [];
  const seen = new Set<number>();
  let after: 'MESSAGE-INTEGRITY' | 'MESSAGE-INTEGRITY-SHA256' | 'FINGERPRINT' | undefined;

  let p = HEADER_SIZE;
  while (p < end) {
    if (end - p < 4) {
      r.problem(`attribute header truncated: ${end - p} byte(s) left at the end of the message`, p, end - p);
      r.field('Truncated attribute', p, end - p);
      break;
    }
    const type = (bytes[p]! << 8) | bytes[p + 1]!;
    const len = (bytes[p + 2]! << 8) | bytes[p + 3]!;
    const name = attributeName(type);
    const valueStart = p + 4;
    if (valueStart + len > end) {
      r.problem(`${name} runs past the end of the message: length ${len}, only ${end - valueStart} byte(s) left`, p, end - p);
      r.field(name, p, end - p, 'truncated', { children: typeAndLength(p, type, len) });
      break;
    }
    const valueEnd = valueStart + len;
    const pad = (4 - (len % 4)) % 4;
    const padEnd = Math.min(valueEnd + pad, end);
    if (valueEnd + pad > end) r.problem(`${name}: padding missing, ${pad} byte(s) needed to reach a multiple of 4`, valueEnd, padEnd - valueEnd);

    if (after === 'FINGERPRINT') r.problem(`${name} after FINGERPRINT: FINGERPRINT must be last (RFC 8489 §14.7)`, p, padEnd - p);
    else if (after && !(type === AttrType.Fingerprint || (after === 'MESSAGE-INTEGRITY' && type === AttrType.MessageIntegritySha256))) {
      r.problem(`${name} after ${after} is ignored by receivers (RFC 8489 §14.5, §14.6)`, p, padEnd - p);
    }
    if (seen.has(type) && !MAY_REPEAT.has(type)) r.problem(`duplicate ${name}: only the first is processed (RFC 8489 §14)`, p, padEnd - p);
    seen.add(type);
    if (type === AttrType.MessageIntegrity && !after) after = 'MESSAGE-INTEGRITY';
    else if (type === AttrType.MessageIntegritySha256 && after !== 'FINGERPRINT') after = 'MESSAGE-INTEGRITY-SHA256';
    else if (type === AttrType.Fingerprint) after = 'FINGERPRINT';

    const sub = new Reader(bytes, 0, valueStart, valueEnd, r.spans);
    const codec = codecFor(type);
    let value: unknown;
    try {
      value = codec?.decode(sub, ctx);
    } catch (e) {
      sub.problem(`${name}: ${e instanceof Error ? e.message : String(e)}`, valueStart, len);
      value = undefined;
    }
    if (sub.problems.length) r.problems.push(...sub.problems);
    const raw = bytes.subarray(valueStart, valueEnd);
    const padding = bytes.subarray(valueEnd, padEnd);

    if (type === AttrType.Fingerprint && typeof value === 'number') {
      const expected = fingerprintAt(bytes, p);
      if (expected !== value) {
        r.problem(`FINGERPRINT is 0x${value.toString(16).padStart(8, '0')}, expected 0x${expected.toString(16).padStart(8, '0')}`, valueStart, 4);
      }
    }

    // the attribute's field tree and its texts only when spans are kept (a packet list never shows them)
    if (r.spans) {
      let display: string;
      if (value !== undefined && codec) display = codec.show(value);
      else if (codec) display = `malformed (${len} bytes)`;
      else display = `${len} bytes, unknown (comprehension-${isComprehensionRequired(type) ? 'required' : 'optional'})`;
      const children: Field[] = [
        ...typeAndLength(p, type, len),
        { name: 'Value', offset: valueStart, length: len, display, ...(sub.fields.length ? { children: sub.fields } : {}) },
      ];
      if (padEnd > valueEnd) children.push({ name: 'Padding', offset: valueEnd, length: padEnd - valueEnd, display: toHex(padding) });
      r.field(name, p, padEnd - p, display, { children });
    }

    const nonZeroPadding = padding.some((b) => b !== 0);
    const known = value !== undefined && codec !== undefined;
    const keep = nonZeroPadding && padding.length === pad;
    // one literal per case, not conditional spreads: a spread among other properties is V8's slow path (~1 µs each)
    attributes.push(
      known
        ? keep
          ? { type, value, padding: padding.slice() }
          : { type, value }
        : keep
          ? { type, value: raw.slice(), opaque: true, padding: padding.slice() }
          : { type, value: raw.slice(), opaque: true },
    );
    p = valueEnd + pad;
  }
  if (HEADER_SIZE + length < bytes.length) {
    const extra = bytes.length - HEADER_SIZE - length;
    r.problem(`${extra} byte(s) after the end of the STUN message`, HEADER_SIZE + length, extra);
    r.field('Trailing bytes', HEADER_SIZE + length, extra);
  }
  return { value: { method, class: cls, transactionId, attributes }, fields: r.fields, problems: r.problems };
}

function typeAndLength(p: number, type: number, len: number): Field[] {
  return [
    { name: 'Attribute Type', offset: p, length: 2, display: `${hex16(type)} ${attributeName(type)}${isComprehensionRequired(type) ? '' : ' (comprehension-optional)'}` },
    { name: 'Attribute Length', offset: p + 2, length: 2, display: String(len) },
  ];
}

/** Types of unknown comprehension-required attributes: a server answers 420 with these (RFC 8489 §6.3.1.1). */
export function unknownComprehensionRequired(msg: StunMessage): number[] {
  const out: number[] = [];
  for (const a of msg.attributes) {
    if (a.opaque && isComprehensionRequired(a.type) && !codecFor(a.type) && !out.includes(a.type)) out.push(a.type);
  }
  return out;
}
