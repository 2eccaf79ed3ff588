/**
 * SIP over a stream (TCP, RFC 3261 §18.3): a message is its start line and headers up to the empty line, then exactly
 * Content-Length bytes of body; Content-Length is mandatory there. CRLFs between messages are allowed (§7.5): a
 * CRLF CRLF is RFC 5626 §4.4.1's keep-alive ping and a lone CRLF its pong. Shared by the simulated transport
 * (sim/sip/stream-framing.ts) and the dissector, so both cut a stream the same way.
 */

const CR = 0x0d;
const LF = 0x0a;

/** The longest header section waited for before the stream is called broken. */
export const MAX_SIP_HEADER = 64 * 1024;

/** The unit at the start of a stream's unread bytes. */
export type SipStreamUnit =
  | { readonly kind: 'incomplete'; readonly need: number }
  | { readonly kind: 'message'; readonly length: number }
  /** RFC 5626 §4.4.1: `length` 4 is a CRLF CRLF ping, 2 a CRLF pong. */
  | { readonly kind: 'keep-alive'; readonly length: 2 | 4 }
  | { readonly kind: 'invalid'; readonly why: string };

/**
 * What the bytes at the start of `b` are: a whole message (its length), a keep-alive, or how many bytes it needs.
 * `closed` says no more bytes will come (a lone CRLF is then a pong rather than the start of a ping).
 */
export function nextSipStreamUnit(b: Uint8Array, closed = false): SipStreamUnit {
  if (b.length === 0) return { kind: 'incomplete', need: 1 };
  if (b[0] === CR) {
    if (b.length < 2) return { kind: 'incomplete', need: 2 };
    if (b[1] !== LF) return { kind: 'invalid', why: 'CR without LF before a start line (RFC 3261 §7.5)' };
    if (b.length < 4 && !closed) {
      // a CRLF alone so far: a pong if what follows is not another CRLF
      if (b.length === 3 && b[2] !== CR) return { kind: 'keep-alive', length: 2 };
      return { kind: 'incomplete', need: 4 };
    }
    return b.length >= 4 && b[2] === CR && b[3] === LF ? { kind: 'keep-alive', length: 4 } : { kind: 'keep-alive', length: 2 };
  }
  const end = headerEnd(b);
  if (end < 0) {
    if (b.length > MAX_SIP_HEADER) return { kind: 'invalid', why: `no end of the header section (CRLF CRLF) in ${b.length} bytes` };
    return { kind: 'incomplete', need: b.length + 1 };
  }
  const length = contentLength(b.subarray(0, end));
  if (length === undefined) return { kind: 'invalid', why: 'no Content-Length: it is mandatory over a stream (RFC 3261 §18.3)' };
  if (typeof length === 'string') return { kind: 'invalid', why: length };
  const total = end + 4 + length;
  return b.length < total ? { kind: 'incomplete', need: total } : { kind: 'message', length: total };
}

/** Where the CRLF CRLF ending the header section starts, or -1. */
function headerEnd(b: Uint8Array): number {
  for (let i = 0; i + 3 < b.length; i++) if (b[i] === CR && b[i + 1] === LF && b[i + 2] === CR && b[i + 3] === LF) return i;
  return -1;
}

/** The Content-Length (or its compact form l, RFC 3261 §7.3.3) of a header section; a string when unreadable. */
function contentLength(head: Uint8Array): number | string | undefined {
  let text = '';
  for (const x of head) text += String.fromCharCode(x);
  const m = /\r\n(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*?)[ \t]*(?=\r\n|$)/i.exec(text);
  if (!m) return undefined;
  if (!/^\d{1,9}$/.test(m[1]!)) return `Content-Length ${JSON.stringify(m[1])} is not a number (RFC 3261 §20.14)`;
  return Number(m[1]);
}
