import type { Decoded, Field, Problem } from '../field.ts';
import { Reader } from '../reader.ts';
import { Writer } from '../writer.ts';
import { struct, uint } from '../struct.ts';
import { commonMsgTypeOf, readHandshakeBody, writeHandshakeBody, type CommonHandshakeBody } from '../handshake/body.ts';
import type { HelloVariant } from '../handshake/hello.ts';
import { HandshakeType, handshakeTypeName } from '../handshake/names.ts';
import { readHelloVerifyRequest, writeHelloVerifyRequest, type HelloVerifyRequest } from './hello-verify.ts';

/**
 * DTLS handshake messages: the 12-byte header of RFC 6347 §4.2.2 that lets a message be fragmented, and the bodies:
 * the ones TLS shares (sim/wire/handshake/body.ts) and DTLS's own HelloVerifyRequest (hello-verify.ts).
 */

export const HandshakeHeader = struct('DTLS handshake header', [
  uint('msgType', 8, (v) => handshakeTypeName(v)),
  uint('length', 24),
  uint('messageSeq', 16),
  uint('fragmentOffset', 24),
  uint('fragmentLength', 24),
]);
export const HANDSHAKE_HEADER_SIZE = HandshakeHeader.size; // 12

export interface HandshakeFragment {
  readonly msgType: number;
  /** Length of the whole message body. */
  readonly length: number;
  readonly messageSeq: number;
  readonly fragmentOffset: number;
  readonly fragmentLength: number;
  /** The fragment's bytes (fragmentLength of them unless truncated). */
  readonly fragment: Uint8Array;
  /** Absolute offset of this fragment's header. */
  readonly offset: number;
}

export type { UnknownHandshake } from '../handshake/body.ts';

/** A DTLS 1.2 handshake body: one TLS shares, or the HelloVerifyRequest. */
export type HandshakeBody = CommonHandshakeBody | HelloVerifyRequest;

/** A whole (unfragmented or reassembled) handshake message. */
export interface HandshakeMessage {
  readonly messageSeq: number;
  readonly body: HandshakeBody;
}

/** A fragment from its decoded header, with the keys in the header's order (as a spread of it would give). */
export function fragmentOf(h: Omit<HandshakeFragment, 'fragment' | 'offset'>, fragment: Uint8Array, offset: number): HandshakeFragment {
  return { msgType: h.msgType, length: h.length, messageSeq: h.messageSeq, fragmentOffset: h.fragmentOffset, fragmentLength: h.fragmentLength, fragment, offset };
}

export function isComplete(f: HandshakeFragment): boolean {
  return f.fragmentOffset === 0 && f.fragmentLength === f.length && f.fragment.length === f.length;
}

/**
 * Decodes the handshake fragments in one plaintext handshake record (RFC 6347 §4.2.3 allows several per record).
 * Complete fragments also get their body decoded, as child fields of the fragment.
 */
export function decodeHandshakeFragments(bytes: Uint8Array, base = 0, spans = true): Decoded<{ fragment: HandshakeFragment; body?: HandshakeBody }[]> {
  const r = new Reader(bytes, base, 0, bytes.length, spans);
  const out: { fragment: HandshakeFragment; body?: HandshakeBody }[] = [];
  while (r.remaining > 0 && !r.truncated) {
    const offset = base + r.pos;
    let item: { fragment: HandshakeFragment; body?: HandshakeBody } | undefined;
    r.group(
      'handshake',
      () => {
        const h = HandshakeHeader.decode(r);
        if (r.truncated) return;
        if (h.fragmentOffset + h.fragmentLength > h.length) {
          r.problem(`fragment ${h.fragmentOffset}+${h.fragmentLength} exceeds message length ${h.length}`, r.pos - 6, 6);
        }
        const bodyAt = r.pos;
        const fragment = r.bytes(h.fragmentLength);
        // spelled out, not `{ ...h, … }`: a spread followed by more properties is V8's slow path (~1 µs a fragment)
        const f: HandshakeFragment = fragmentOf(h, fragment, offset);
        if (isComplete(f)) {
          const sub = new Reader(bytes, base, bodyAt, bodyAt + fragment.length, r.spans);
          const body = readBody(sub, h.msgType);
          r.adopt(sub.fields, sub.problems);
          item = { fragment: f, body };
        } else {
          r.field('fragment', bodyAt, fragment.length, `${fragment.length} of ${h.length} bytes at offset ${h.fragmentOffset}`);
          item = { fragment: f };
        }
      },
      () =>
        item
          ? `${handshakeTypeName(item.fragment.msgType)}, seq ${item.fragment.messageSeq}${item.body ? '' : ` (fragment ${item.fragment.fragmentOffset}..${item.fragment.fragmentOffset + item.fragment.fragmentLength} of ${item.fragment.length})`}`
          : 'truncated',
    );
    if (item) out.push(item);
  }
  return { value: out, fields: r.fields, problems: r.problems };
}

/** Decodes a handshake body of `msgType` from `bytes` (no header); `variant` 'tls' reads a ClientHello without cookie. */
export function decodeHandshakeBody(msgType: number, bytes: Uint8Array, base = 0, variant: HelloVariant = 'dtls', spans = true): Decoded<HandshakeBody> {
  const r = new Reader(bytes, base, 0, bytes.length, spans);
  const body = readBody(r, msgType, variant);
  return { value: body, fields: r.fields, problems: r.problems };
}

/** DTLS's own bodies, read before the common ones. */
const ownBody = (r: Reader, msgType: number): HelloVerifyRequest | undefined => (msgType === HandshakeType.hello_verify_request ? readHelloVerifyRequest(r) : undefined);

/** Reads the body of a DTLS 1.2 handshake message at the reader (the HelloVerifyRequest, or a body TLS shares). */
export function readBody(r: Reader, msgType: number, variant: HelloVariant = 'dtls'): HandshakeBody {
  return readHandshakeBody(r, msgType, variant, ownBody);
}

export function msgTypeOf(body: HandshakeBody): number {
  return body.type === 'hello_verify_request' ? HandshakeType.hello_verify_request : commonMsgTypeOf(body);
}

/** The body bytes alone (no header). */
export function encodeHandshakeBody(body: HandshakeBody, variant: HelloVariant = 'dtls'): Uint8Array {
  const w = new Writer();
  if (body.type === 'hello_verify_request') writeHelloVerifyRequest(w, body);
  else writeHandshakeBody(w, body, variant);
  return w.finish();
}

/** Writes a header + fragment. */
export function encodeHandshakeFragment(msgType: number, messageSeq: number, totalLength: number, fragmentOffset: number, fragment: Uint8Array): Uint8Array {
  const w = new Writer(HANDSHAKE_HEADER_SIZE + fragment.length);
  HandshakeHeader.encode(w, { msgType, length: totalLength, messageSeq, fragmentOffset, fragmentLength: fragment.length });
  w.bytes(fragment);
  return w.finish();
}

/**
 * A whole message with an unfragmented header (fragment_offset 0, fragment_length = length). These are also the
 * bytes the handshake hash covers (RFC 6347 §4.2.6).
 */
export function encodeHandshake(m: HandshakeMessage): Uint8Array {
  const body = encodeHandshakeBody(m.body);
  return encodeHandshakeFragment(msgTypeOf(m.body), m.messageSeq, body.length, 0, body);
}

/** Field spans of a whole message that the caller holds as bytes (header + body), e.g. for a detail panel. */
export function decodeHandshake(bytes: Uint8Array, base = 0): Decoded<HandshakeMessage | undefined> {
  const d = decodeHandshakeFragments(bytes, base);
  const first = d.value[0];
  const problems: Problem[] = [...d.problems];
  const fields: Field[] = [...d.fields];
  if (!first?.body) {
    if (first) problems.push({ offset: first.fragment.offset, length: 0, message: 'not a whole handshake message' });
    return { value: undefined, fields, problems };
  }
  return { value: { messageSeq: first.fragment.messageSeq, body: first.body }, fields, problems };
}
