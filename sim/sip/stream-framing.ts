import { concatBytes } from '../core/encoding.ts';
import { nextSipStreamUnit } from '../wire/sip/stream.ts';

/**
 * RFC 3261 §18.3: SIP over a stream (TCP) is framed by Content-Length, which is mandatory there (the cutting is
 * sim/wire/sip/stream.ts, shared with the dissector). CRLFs between messages are skipped (§7.5), and a CRLF CRLF
 * ping (RFC 5626 §4.4.1) is reported so that it can be answered with a CRLF pong.
 */

export type Framed = { readonly type: 'message'; readonly bytes: Uint8Array } | { readonly type: 'ping' } | { readonly type: 'error'; readonly reason: string };

/** Cuts SIP messages out of the bytes of one stream, as they arrive in any pieces. */
export class SipStreamFramer {
  private buf: Uint8Array = new Uint8Array(0);
  private broken = false;

  /** The bytes of the stream, in order; returns the messages (and pings) they complete. */
  push(bytes: Uint8Array): Framed[] {
    if (this.broken) return [];
    this.buf = this.buf.length ? concatBytes(this.buf, bytes) : bytes.slice();
    const out: Framed[] = [];
    for (;;) {
      const u = nextSipStreamUnit(this.buf);
      if (u.kind === 'incomplete') return out;
      if (u.kind === 'invalid') {
        this.broken = true;
        this.buf = new Uint8Array(0);
        out.push({ type: 'error', reason: u.why });
        return out;
      }
      if (u.kind === 'message') out.push({ type: 'message', bytes: this.buf.slice(0, u.length) });
      else if (u.length === 4) out.push({ type: 'ping' });
      this.buf = this.buf.subarray(u.length);
    }
  }
}
