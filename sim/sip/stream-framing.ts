/**
 * RFC 3261 §18.3: SIP over a stream (TCP) is framed by Content-Length, which is mandatory there: a message is its
 * start line and headers up to the empty line, then exactly Content-Length bytes of body. CRLFs between messages are
 * skipped (§7.5), and a CRLF CRLF ping (RFC 5626 §4.4.1) is reported so that it can be answered with a CRLF pong.
 */

const CR = 0x0d;
const LF = 0x0a;

export type Framed = { readonly type: 'message'; readonly bytes: Uint8Array } | { readonly type: 'ping' } | { readonly type: 'error'; readonly reason: string };

/** The longest header block it waits for before calling the stream broken. */
const MAX_HEADER = 64 * 1024;

/** Cuts SIP messages out of the bytes of one stream, as they arrive in any pieces. */
export class SipStreamFramer {
  private buf = new Uint8Array(0);
  private broken = false;

  /** The bytes of the stream, in order; returns the messages (and pings) they complete. */
  push(bytes: Uint8Array): Framed[] {
    if (this.broken) return [];
    const b = new Uint8Array(this.buf.length + bytes.length);
    b.set(this.buf);
    b.set(bytes, this.buf.length);
    this.buf = b;
    const out: Framed[] = [];
    for (;;) {
      // §7.5: CRLFs before a start line are ignored; a double one is RFC 5626's keep-alive ping
      let skip = 0;
      while (skip + 1 < this.buf.length && this.buf[skip] === CR && this.buf[skip + 1] === LF) skip += 2;
      if (skip >= 4) out.push({ type: 'ping' });
      this.buf = this.buf.subarray(skip);
      if (this.buf.length === 0) return out;
      const end = headerEnd(this.buf);
      if (end < 0) {
        if (this.buf.length > MAX_HEADER) return this.fail(out, `no end of headers in ${this.buf.length} bytes`);
        return out;
      }
      const head = latin1(this.buf.subarray(0, end));
      const m = /\r\n(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*(?=\r\n|$)/i.exec(head + '\r\n');
      if (!m) return this.fail(out, 'no Content-Length: it is mandatory over a stream (RFC 3261 §18.3)');
      const total = end + 4 + Number(m[1]);
      if (this.buf.length < total) return out;
      out.push({ type: 'message', bytes: this.buf.slice(0, total) });
      this.buf = this.buf.subarray(total);
    }
  }

  private fail(out: Framed[], reason: string): Framed[] {
    this.broken = true;
    this.buf = new Uint8Array(0);
    out.push({ type: 'error', reason });
    return out;
  }
}

/** Where the CRLF CRLF ending the header block starts, or -1. */
function headerEnd(b: Uint8Array): number {
  for (let i = 0; i + 3 < b.length; i++) if (b[i] === CR && b[i + 1] === LF && b[i + 2] === CR && b[i + 3] === LF) return i;
  return -1;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return s;
}
