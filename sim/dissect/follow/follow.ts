import type { FrameInfo } from '../filter/field-def.ts';
import type { DissectedPacket, Layer, LayerOf } from '../types.ts';

/**
 * Follow stream, as Wireshark's "Follow TCP Stream" shows a conversation: what each side sent, in order, both
 * directions. One conversation is named by its kind and its index, as tshark numbers them (tcp.stream or udp.stream):
 *
 * - `tcp,N`: the TCP payload bytes, each direction in sequence order (retransmitted bytes once, a gap said);
 * - `tls,N`: the application data TLS carried on TCP stream N, decrypted with the key log;
 * - `http,N`: the HTTP messages on TCP stream N (in clear or inside TLS), start line, headers and body;
 * - `websocket,N`: the WebSocket messages on TCP stream N (unmasked; text as text);
 * - `signaling,N`: the JSON signaling messages (Janus, protoo, JSEP) on TCP stream N;
 * - `udp,N`: the UDP payloads of UDP conversation N;
 * - `datachannel,N`: the data channel messages (RFC 8831) of the DTLS association on UDP conversation N, decrypted
 *   with the key log, each with its channel label.
 */
export const FOLLOW_KINDS = ['tcp', 'tls', 'http', 'websocket', 'signaling', 'udp', 'datachannel'] as const;
export type FollowKind = (typeof FOLLOW_KINDS)[number];

export interface FollowChunk {
  readonly frame: number;
  /** Seconds since the first frame. */
  readonly time: number;
  /** 0: the side that spoke first (its address is `nodes[0]`), 1: the other. */
  readonly node: 0 | 1;
  readonly bytes: Uint8Array;
  /** What the chunk is, when the bytes alone do not say ("text message on \"chat\"", "[12 bytes missing]"). */
  readonly note?: string;
}

export interface FollowResult {
  readonly kind: FollowKind;
  readonly index: number;
  /** The two ends, "ip:port", the first to speak first; empty until a packet of the conversation is seen. */
  readonly nodes: readonly string[];
  readonly chunks: readonly FollowChunk[];
}

/** "tcp,3" or "tcp:3" → kind and index; a message saying what is wrong otherwise. */
export function parseFollow(spec: string): { kind: FollowKind; index: number } | string {
  const m = /^([a-z]+)[,:](\d+)$/.exec(spec.trim());
  if (!m || !(FOLLOW_KINDS as readonly string[]).includes(m[1]!)) return `--follow takes KIND,N with KIND one of ${FOLLOW_KINDS.join(', ')} and N the tcp.stream or udp.stream index (got "${spec}")`;
  return { kind: m[1] as FollowKind, index: Number(m[2]) };
}

const UTF8 = new TextEncoder();
const enc = (s: string): Uint8Array => UTF8.encode(s);

function httpBytes(l: LayerOf<'HTTP'>): Uint8Array | undefined {
  const m = l.value;
  if (!m) return undefined;
  const start = m.start.kind === 'request' ? `${m.start.method} ${m.start.target} ${m.start.version}` : `${m.start.version} ${m.start.status} ${m.start.reason}`;
  const head = enc(`${start}\r\n${m.headers.map((h) => `${h.name}: ${h.value}\r\n`).join('')}\r\n`);
  const out = new Uint8Array(head.length + m.body.length);
  out.set(head);
  out.set(m.body, head.length);
  return out;
}

const WS_OPCODES: Readonly<Record<number, string>> = { 0: 'continuation', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };

/** Gathers one conversation's chunks from packets fed in capture order (with their frame information). */
export class StreamFollower {
  private readonly chunks: FollowChunk[] = [];
  private nodes: string[] = [];
  /** TCP: the next relative sequence number expected from each node. */
  private readonly next: (number | undefined)[] = [undefined, undefined];

  constructor(
    readonly kind: FollowKind,
    readonly index: number,
  ) {}

  private node(p: DissectedPacket): 0 | 1 {
    if (this.nodes.length === 0) this.nodes = [p.src, p.dst];
    return p.src === this.nodes[0] ? 0 : 1;
  }

  /** Data channels: the first message's sender (client or server of the DTLS association) is node 0. */
  private firstSender: string | undefined;

  add(p: DissectedPacket, frame: FrameInfo): void {
    const udp = this.kind === 'udp' || this.kind === 'datachannel';
    const own = (udp ? frame.udpStream : frame.tcpStream) === this.index;
    // a DTLS association outlives its 5-tuple when ICE moves it (another remote address, as Chromium's relay-less
    // peer reflexive path does): its data channels are followed wherever one of the stream's ends takes part
    if (!own && !(this.kind === 'datachannel' && this.nodes.length > 0 && (this.nodes.includes(p.src) || this.nodes.includes(p.dst)))) return;
    const node = this.node(p);
    const push = (bytes: Uint8Array, note?: string): void => void this.chunks.push({ frame: frame.number, time: frame.timeRelative, node, bytes, ...(note ? { note } : {}) });
    const top = p.layers.filter((l) => !l.quoted);
    switch (this.kind) {
      case 'tcp':
        return this.tcp(top, frame, node, push);
      case 'udp': {
        const l = top.find((x): x is LayerOf<'UDP'> => x.protocol === 'UDP');
        if (l?.value && !p.reassembled) push(frame.bytes.subarray(l.offset + 8, l.offset + 8 + l.value.payloadLength));
        return;
      }
      case 'tls':
        for (const l of top) {
          if (l.protocol !== 'TLS' || !l.plaintext || !l.value) continue;
          if ((l.value.innerContentType ?? l.value.contentType) === 23) push(l.plaintext);
        }
        return;
      case 'http':
        for (const l of top) {
          const b = l.protocol === 'HTTP' ? httpBytes(l) : undefined;
          if (b) push(b);
        }
        return;
      case 'websocket':
        for (const l of top) {
          if (l.protocol !== 'WEBSOCKET' || !l.value) continue;
          const f = l.value;
          const what = `${WS_OPCODES[f.opcode] ?? `opcode ${f.opcode}`}${f.fin ? '' : ' (fragment)'}, ${f.payloadLength} bytes${f.closeCode !== undefined ? `, close ${f.closeCode}` : ''}`;
          push(f.payload, what);
        }
        return;
      case 'signaling':
        for (const l of top) if (l.protocol === 'SIGNALING' && l.value) push(l.bytes ?? enc(JSON.stringify(l.value)), l.value.kind);
        return;
      case 'datachannel':
        for (const l of top) {
          if (l.protocol !== 'DATACHANNEL' || !l.value) continue;
          const m = l.value;
          this.firstSender ??= m.sender;
          this.chunks.push({ frame: frame.number, time: frame.timeRelative, node: m.sender === this.firstSender ? 0 : 1, bytes: m.bytes, note: `${m.text !== undefined ? 'string' : 'binary'} message on ${m.label !== undefined ? JSON.stringify(m.label) : 'stream'} (stream ${m.streamId}, ${m.bytes.length} bytes)` });
        }
        return;
    }
  }

  /** TCP payload in sequence order per direction: a retransmission is left out, an overlap trimmed, a gap said. */
  private tcp(top: readonly Layer[], frame: FrameInfo, node: 0 | 1, push: (b: Uint8Array, note?: string) => void): void {
    const l = top.find((x): x is LayerOf<'TCP'> => x.protocol === 'TCP');
    const h = l?.value;
    if (!h || frame.tcpSeq === undefined) return;
    const seq = frame.tcpSeq;
    let data = frame.bytes.subarray(l.offset + h.headerLength, l.offset + h.headerLength + h.payloadLength);
    const expected = this.next[node];
    const start = seq + (h.flags.SYN ? 1 : 0);
    if (expected === undefined || start >= expected) {
      if (expected !== undefined && start > expected && data.length > 0) push(new Uint8Array(0), `[${start - expected} bytes missing from the capture]`);
      this.next[node] = Math.max(expected ?? 0, start + data.length + (h.flags.FIN ? 1 : 0));
    } else {
      // bytes seen before: keep only what is new
      const seen = expected - start;
      data = data.subarray(Math.min(seen, data.length));
      if (data.length > 0) this.next[node] = expected + data.length;
    }
    if (data.length > 0) push(data);
  }

  result(): FollowResult {
    return { kind: this.kind, index: this.index, nodes: this.nodes, chunks: this.chunks };
  }
}

/** Printable text: control bytes other than newline and tab as '.', as Wireshark's ASCII view shows them. */
export function asciiText(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += c === 10 || c === 9 ? String.fromCharCode(c) : c === 13 ? '' : c >= 32 && c < 127 ? String.fromCharCode(c) : '.';
  return s;
}

/** The conversation as `rtclab dissect --follow` prints it: tshark's layout, node 1's lines indented by a tab. */
export function formatFollow(r: FollowResult): string {
  const bar = '='.repeat(67);
  const filter = r.kind === 'udp' || r.kind === 'datachannel' ? `udp.stream eq ${r.index}` : `tcp.stream eq ${r.index}`;
  const out = [bar, `Follow: ${r.kind},ascii`, `Filter: ${filter}`, `Node 0: ${r.nodes[0] ?? '(no packet)'}`, `Node 1: ${r.nodes[1] ?? '(no packet)'}`];
  for (const c of r.chunks) {
    const indent = c.node === 1 ? '\t' : '';
    out.push(`${indent}── frame ${c.frame}, ${c.time.toFixed(6)} s, ${c.bytes.length} bytes${c.note ? `: ${c.note}` : ''}`);
    if (c.bytes.length) for (const line of asciiText(c.bytes).replace(/\n$/, '').split('\n')) out.push(`${indent}${line}`);
  }
  out.push(bar);
  return `${out.join('\n')}\n`;
}
