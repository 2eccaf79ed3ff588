import { concatBytes, utf8Decode } from '../core/encoding.ts';
import type { Problem } from '../wire/field.ts';
import { decodeHttpMessage, describeHttp, headerHasToken, headerValue, type HttpMessage } from '../wire/http/http.ts';
import { decodeWebSocketFrame, describeFrame, Opcode, opcodeName, type WebSocketFrame } from '../wire/websocket/frame.ts';
import { websocketAccept } from '../wire/websocket/handshake.ts';
import type { KeyStore } from './key-store.ts';
import { TlsSession } from './tls-session.ts';
import { framedLayers, framingName, nextFrame, type FramedMode } from './tcp-framing.ts';
import { dataLayer } from './protocols/data.ts';
import { sipStreamLayers } from './protocols/sip.ts';
import { nextSipStreamUnit } from '../wire/sip/stream.ts';
import { carriedMessageLayers, tcpStreamRecognisers } from './table.ts';
import type { Delivery } from './tcp-reassembly.ts';
import type { Layer, PayloadContext } from './types.ts';

/**
 * The application protocol on one direction of a TCP connection, parsed from the reassembled stream: HTTP/1.1
 * messages (pipelined one after the other), then WebSocket frames once a 101 answered an Upgrade (RFC 6455 §4),
 * with fragmented messages joined (§5.4) and JSON signaling recognised in complete text messages; or STUN/TURN and
 * RFC 4571 (ICE-TCP) framed packets, recognised by content (tcp-framing.ts); or SIP messages framed by their
 * Content-Length (RFC 3261 §18.3), several to a segment or one over several.
 */
type Mode = 'detect' | 'http' | 'websocket' | 'opaque' | 'tls' | 'sip' | FramedMode;

/** Memory bounds against hostile streams: unparsed bytes held per direction, and one WebSocket message. */
export const MAX_BUFFERED = 16 << 20;
export const MAX_MESSAGE = 16 << 20;

export interface Segment {
  /** Where the segment's payload sits in the packet. */
  readonly offset: number;
  readonly length: number;
}

interface Side {
  mode: Mode;
  buf: Uint8Array;
  /** Stream offset of buf[0]. */
  bufStart: number;
  /** Bytes delivered but not yet joined to `buf`: joined only when a parse can succeed (no quadratic copying). */
  pending: Uint8Array[];
  pendingSize: number;
  /** How many buffered bytes the unit at the start needs before another parse attempt is worth it. */
  need: number;
  /** A fragmented WebSocket message being joined. */
  message?: { opcode: number; parts: Uint8Array[]; size: number };
  /** Request methods awaiting responses (answers come in order, RFC 9112 §9.3.2). */
  readonly methods: string[];
  closed: boolean;
}

const newSide = (): Side => ({ mode: 'detect', buf: new Uint8Array(0), bufStart: 0, pending: [], pendingSize: 0, need: 0, methods: [], closed: false });

/** Below this a failed parse is retried on every segment; above it the buffer must grow by a quarter first. */
const RETRY_EVERY_SEGMENT = 64 << 10;

/** What the certificate view reads of a connection's TLS (sim/sdpview/certs.ts). */
export type TlsHandshakeState = Pick<TlsSession, 'version' | 'client' | 'decryption' | 'certificates' | 'clientRandom'>;

export class TcpApplication {
  private readonly sides = new Map<string, Side>();
  /** The flow's payload context (SRTP once DTLS-SRTP was seen, bound channels) for framed datagrams. */
  private ctx: PayloadContext = {};
  /** Sec-WebSocket-Key of an Upgrade request waiting for its 101, per requesting side. */
  private upgradeKey: { from: string; key: string | undefined } | undefined;
  /** TLS on this connection (tls-session.ts): records, and with `keys` their decryption. */
  private tls: TlsSession | undefined;

  constructor(private readonly keys?: KeyStore) {}

  /** The certificates TLS on this connection carried in the clear, by sender (none without TLS). */
  get tlsCertificates(): ReadonlyMap<string, Uint8Array> | undefined {
    return this.tls?.certificates;
  }

  /** TLS on this connection as the certificate view reads it: its version, client, and how decryption went. */
  get tlsHandshake(): TlsHandshakeState | undefined {
    return this.tls;
  }

  /** At the end of a capture: bytes of each direction that never made a complete message (HTTP or WebSocket). */
  unfinished(): { src: string; bytes: number; mode: string }[] {
    const out: { src: string; bytes: number; mode: string }[] = [];
    for (const [src, s] of this.sides) {
      const bytes = s.buf.length + s.pendingSize;
      if (bytes && s.mode !== 'detect' && s.mode !== 'opaque') out.push({ src, bytes, mode: s.mode === 'http' ? 'HTTP message' : s.mode === 'websocket' ? 'WebSocket frame' : s.mode === 'tls' ? 'TLS record' : s.mode === 'sip' ? 'SIP message' : `${framingName(s.mode)} message` });
    }
    return out;
  }

  private side(src: string): Side {
    let s = this.sides.get(src);
    if (!s) {
      s = newSide();
      this.sides.set(src, s);
    }
    return s;
  }

  private other(src: string): Side | undefined {
    for (const [k, s] of this.sides) if (k !== src) return s;
    return undefined;
  }

  /**
   * Feeds in-order bytes from `src`; returns the layers of every message completed by them. `segment` is this
   * packet's payload span; a delivery's `fromThisSegment` says where its bytes start in that payload.
   */
  feed(src: string, deliveries: readonly Delivery[], segment: Segment, ended: boolean, ctx: PayloadContext = {}): { layers: Layer[]; problems: Problem[] } {
    const s = this.side(src);
    this.ctx = ctx;
    const layers: Layer[] = [];
    const problems: Problem[] = [];
    // the stream range of this packet's own bytes, to tell whether a message lies wholly inside the packet
    const own = deliveries.find((d) => d.fromThisSegment !== undefined);
    const ownRange = own ? { start: own.streamOffset, end: own.streamOffset + own.bytes.length, at: segment.offset + own.fromThisSegment! } : undefined;
    for (const d of deliveries) {
      if (d.afterGap) {
        // bytes were lost: whatever was half-parsed cannot be finished; start again at the next recognisable unit
        const dropped = s.buf.length + s.pendingSize;
        if (dropped) problems.push({ offset: segment.offset, length: 0, message: `${dropped} byte(s) of an unfinished message dropped after a gap in the stream` });
        s.buf = new Uint8Array(0);
        s.pending = [];
        s.pendingSize = 0;
        s.need = 0;
        s.message = undefined;
        if (s.mode === 'http') s.mode = 'detect';
      }
      if (s.buf.length === 0 && s.pendingSize === 0) s.bufStart = d.streamOffset;
      s.pending.push(d.bytes);
      s.pendingSize += d.bytes.length;
    }
    if (ended) s.closed = true;
    const buffered = s.buf.length + s.pendingSize;
    if (buffered > MAX_BUFFERED) {
      problems.push({ offset: segment.offset, length: segment.length, message: `more than ${MAX_BUFFERED} bytes without a complete message: the rest of this direction is shown as data` });
      s.mode = 'opaque';
      s.buf = new Uint8Array(0);
      s.pending = [];
      s.pendingSize = 0;
      return { layers, problems };
    }
    if (buffered < s.need && !s.closed) return { layers, problems };
    if (s.pendingSize) {
      s.buf = s.buf.length ? concatBytes(s.buf, ...s.pending) : s.pending.length === 1 ? s.pending[0]! : concatBytes(...s.pending);
      s.pending = [];
      s.pendingSize = 0;
    }
    s.need = 0;
    for (let guard = 0; guard < 100000 && s.buf.length > 0; guard++) {
      const before = s.buf.length;
      this.step(src, s, layers, problems, segment, ownRange);
      if (s.buf.length === before) {
        // incomplete: wait for what the unit needs (a frame's length is known), or for the buffer to grow
        s.need = Math.max(s.need, s.buf.length >= RETRY_EVERY_SEGMENT ? Math.ceil(s.buf.length * 1.25) : s.buf.length + 1);
        break;
      }
    }
    return { layers, problems };
  }

  /** Parses at most one unit at the start of the side's buffer, consuming it. */
  private step(src: string, s: Side, layers: Layer[], problems: Problem[], segment: Segment, own: { start: number; end: number; at: number } | undefined): void {
    if (s.mode === 'detect') {
      // the stream protocols recognised by their first bytes (table.ts `tcp.stream`), in their order
      const mode = recognise(s.buf);
      if (mode) s.mode = mode;
      else if (s.buf.length >= 16 || s.closed) s.mode = 'opaque';
      else return;
    }
    if (s.mode === 'opaque') {
      this.consume(s, s.buf.length);
      return;
    }
    const place = (length: number): { span: { offset: number; length: number }; base: number; bytes?: Uint8Array } => {
      // a unit wholly inside this packet keeps packet offsets; otherwise its fields index its own bytes
      const start = s.bufStart;
      if (own && start >= own.start && start + length <= own.end) {
        const at = own.at + (start - own.start);
        return { span: { offset: at, length }, base: at };
      }
      return { span: { offset: segment.offset, length: segment.length }, base: 0, bytes: s.buf.slice(0, length) };
    };
    if (s.mode === 'tls') {
      const tls = (this.tls ??= new TlsSession(this.keys, () => new TcpApplication()));
      tls.spans = this.ctx.spans !== false;
      const t = tls.step(src, s.buf, place);
      if ('need' in t) {
        s.need = t.need;
        return;
      }
      layers.push(...t.layers);
      if (t.invalid) s.mode = 'opaque';
      this.consume(s, t.consumed);
      return;
    }
    if (s.mode === 'stun-tcp' || s.mode === 'rfc4571') {
      const f = nextFrame(s.mode, s.buf);
      if (f.kind === 'incomplete') {
        s.need = f.need;
        return;
      }
      if (f.kind === 'invalid') {
        const p = place(s.buf.length);
        const data = dataLayer(p.bytes ?? s.buf, p.base, `not ${framingName(s.mode)}: shown as data from here on`, [{ offset: p.base, length: 1, message: f.why }]);
        layers.push({ ...data, ...p.span, ...(p.bytes ? { bytes: p.bytes, bytesFrom: 'reassembled' as const } : {}) });
        s.mode = 'opaque';
        this.consume(s, s.buf.length);
        return;
      }
      const p = place(f.length);
      layers.push(...framedLayers(s.mode, s.buf.subarray(0, f.length), p.bytes ? undefined : p.base, p.span, this.ctx));
      this.consume(s, f.length);
      return;
    }
    if (s.mode === 'sip') {
      const u = nextSipStreamUnit(s.buf, s.closed);
      if (u.kind === 'incomplete') {
        s.need = u.need;
        return;
      }
      if (u.kind === 'invalid') {
        const p = place(s.buf.length);
        const data = dataLayer(p.bytes ?? s.buf, p.base, 'not SIP: shown as data from here on', [{ offset: p.base, length: 1, message: u.why }]);
        layers.push({ ...data, ...p.span, ...(p.bytes ? { bytes: p.bytes, bytesFrom: 'reassembled' as const } : {}) });
        s.mode = 'opaque';
        this.consume(s, s.buf.length);
        return;
      }
      const p = place(u.length);
      layers.push(...sipStreamLayers(s.buf.subarray(0, u.length), p.bytes ? undefined : p.base, p.span, this.ctx));
      this.consume(s, u.length);
      return;
    }
    if (s.mode === 'http') {
      const other = this.other(src);
      const isResponse = utf8Decode(s.buf.subarray(0, 5)) === 'HTTP/';
      const method = isResponse ? other?.methods[0] : undefined;
      const d = decodeHttpMessage(s.buf, { ...(method ? { requestMethod: method } : {}), closed: s.closed });
      if (d.status === 'incomplete') {
        if (d.length > 0) s.need = d.length;
        return;
      }
      if (d.status === 'invalid' || !d.value) {
        const p = place(s.buf.length);
        layers.push({ protocol: 'HTTP', ...p.span, summary: 'not HTTP: shown as data from here on', fields: [], problems: d.problems.map((x) => ({ ...x, offset: x.offset + p.base })), ...(p.bytes ? { bytes: p.bytes, bytesFrom: 'reassembled' as const } : {}) });
        s.mode = 'opaque';
        this.consume(s, s.buf.length);
        return;
      }
      const p = place(d.length);
      const m = d.value;
      const layerProblems = d.problems.map((x) => ({ ...x, offset: x.offset + p.base }));
      const fields = d.fields.map((f) => shift(f, p.base));
      const notes: string[] = [];
      if (m.start.kind === 'request') {
        s.methods.push(m.start.method);
        if (headerHasToken(m, 'upgrade', 'websocket')) this.upgradeKey = { from: src, key: headerValue(m, 'sec-websocket-key') };
      } else {
        if (m.start.status >= 200 || m.start.status === 101) other?.methods.shift();
        if (m.start.status === 101 && headerHasToken(m, 'upgrade', 'websocket')) notes.push(this.upgrade(src, s, m, layerProblems, p.base));
      }
      const summary = `${describeHttp(m)}${notes.length ? ` [${notes.join('; ')}]` : ''}`;
      layers.push({ protocol: 'HTTP', ...p.span, summary, fields, problems: layerProblems, value: m, ...(p.bytes ? { bytes: p.bytes, bytesFrom: 'reassembled' as const } : {}) });
      if (m.body.length) layers.push(...bodyLayers(m, p.span));
      this.consume(s, d.length);
      // after the 101 both directions carry frames (RFC 6455 §4.1: the client sends them once the 101 arrived)
      if ((s.mode as Mode) === 'websocket' && other && other.mode !== 'websocket') other.mode = 'websocket';
      return;
    }
    // WebSocket frames (RFC 6455 §5)
    const f = decodeWebSocketFrame(s.buf, 0, MAX_MESSAGE, this.ctx.spans !== false);
    if (f.status === 'incomplete') {
      s.need = f.length;
      return;
    }
    const p = place(f.length);
    const frameProblems = f.problems.map((x) => ({ ...x, offset: x.offset + p.base }));
    const fields = f.fields.map((x) => shift(x, p.base));
    const v = f.value;
    const extra: Layer[] = [];
    let summary = v ? `WebSocket ${describeFrame(v)}` : 'WebSocket frame (too large to show)';
    if (v) {
      const msg = this.message(s, v, frameProblems, p.base);
      if (msg) {
        summary += msg.opcode === Opcode.text ? `: ${preview(msg.payload)}` : '';
        if (msg.opcode === Opcode.text) extra.push(...carriedMessageLayers({ bytes: msg.payload, text: utf8Decode(msg.payload), span: p.span, carrier: 'websocket' }));
      }
    }
    layers.push({
      protocol: 'WEBSOCKET',
      ...p.span,
      summary,
      fields,
      problems: frameProblems,
      ...(v ? { value: v } : {}),
      ...(p.bytes ? { bytes: p.bytes, bytesFrom: 'reassembled' as const } : {}),
    });
    layers.push(...extra);
    this.consume(s, f.length);
  }

  /** RFC 6455 §4.2.2: the 101's Sec-WebSocket-Accept must be the hash of the request's key. */
  private upgrade(src: string, s: Side, m: HttpMessage, problems: Problem[], base: number): string {
    s.mode = 'websocket';
    const req = this.upgradeKey;
    this.upgradeKey = undefined;
    const accept = headerValue(m, 'sec-websocket-accept');
    if (!req || req.from === src || req.key === undefined) return 'WebSocket upgrade (request not seen)';
    const want = websocketAccept(req.key);
    if (accept !== want) {
      problems.push({ offset: base, length: m.headerLength, message: `Sec-WebSocket-Accept ${accept ?? '(missing)'} is not ${want}, the hash of the request's key (RFC 6455 §4.2.2)` });
      return 'WebSocket upgrade, accept value WRONG';
    }
    return 'WebSocket upgrade, accept value verified';
  }

  /** Joins data frames into messages (§5.4); returns a message completed by this frame. */
  private message(s: Side, f: WebSocketFrame, problems: Problem[], base: number): { opcode: number; payload: Uint8Array } | undefined {
    if (f.opcode >= 8) return undefined; // control frames may sit between fragments (§5.4)
    if (f.opcode === Opcode.continuation) {
      if (!s.message) {
        problems.push({ offset: base, length: 1, message: 'continuation frame without a message to continue (RFC 6455 §5.4)' });
        return undefined;
      }
      s.message.parts.push(f.payload);
      s.message.size += f.payload.length;
    } else {
      if (s.message) problems.push({ offset: base, length: 1, message: `${opcodeName(f.opcode)} frame while a fragmented message is unfinished (RFC 6455 §5.4)` });
      s.message = { opcode: f.opcode, parts: [f.payload], size: f.payload.length };
    }
    if (s.message.size > MAX_MESSAGE) {
      problems.push({ offset: base, length: 1, message: `message larger than ${MAX_MESSAGE} bytes: not joined` });
      s.message = undefined;
      return undefined;
    }
    if (!f.fin) return undefined;
    const m = s.message;
    s.message = undefined;
    return { opcode: m.opcode, payload: m.parts.length === 1 ? m.parts[0]! : concatBytes(...m.parts) };
  }

  private consume(s: Side, n: number): void {
    s.buf = s.buf.subarray(n);
    s.bufStart += n;
  }
}

function recognise(first: Uint8Array): Mode | undefined {
  for (const r of tcpStreamRecognisers()) {
    const m = r.recognise(first);
    if (m) return m;
  }
  return undefined;
}

function shift<T extends { offset: number; children?: readonly T[] }>(f: T, by: number): T {
  return by === 0 ? f : { ...f, offset: f.offset + by, ...(f.children ? { children: f.children.map((c) => shift(c, by)) } : {}) };
}

function preview(payload: Uint8Array): string {
  const t = utf8Decode(payload.subarray(0, 80)).replace(/\s+/g, ' ');
  return payload.length > 80 ? `${t}…` : t;
}

/** What an HTTP body carries, by the message-payload dissectors (table.ts `message.payload`). */
function bodyLayers(m: HttpMessage, span: { offset: number; length: number }): Layer[] {
  const contentType = headerValue(m, 'content-type');
  const carrier = m.start.kind === 'request' ? 'http-request' : 'http-response';
  return carriedMessageLayers({ bytes: m.body, text: utf8Decode(m.body), span, carrier, ...(contentType !== undefined ? { contentType } : {}) });
}
