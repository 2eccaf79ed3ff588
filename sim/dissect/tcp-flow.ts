import type { Problem } from '../wire/field.ts';
import type { TcpHeader } from '../wire/tcp/tcp.ts';
import { formatEndpoint } from './endpoint.ts';
import { flowKey } from './flow-state.ts';
import type { KeyStore } from './key-store.ts';
import { TcpApplication, type TlsHandshakeState } from './tcp-app.ts';
import { DEFAULT_TCP_LIMITS, TcpDirection, type ReassemblyLimits } from './tcp-reassembly.ts';
import type { Flow, PayloadContext, TcpSegmentResult } from './types.ts';

export type { TcpSegmentResult } from './types.ts';

interface Connection {
  readonly directions: Map<string, TcpDirection>;
  readonly app: TcpApplication;
  ended: number;
}

/** Connections tracked at once; past this the oldest are forgotten (memory bound against a flood of SYNs). */
export const MAX_CONNECTIONS = 4096;

/** Every TCP connection of a capture: per-direction reassembly and the application protocol on top. */
export class TcpConnections {
  private readonly connections = new Map<string, Connection>();

  constructor(private readonly limits: ReassemblyLimits = DEFAULT_TCP_LIMITS) {}

  /** Key material for TLS on these connections (the dissector's key log). */
  keys: KeyStore | undefined;

  get size(): number {
    return this.connections.size;
  }

  /** The current packet's vantage point (see FlowTable.vantage): a segment seen on two links is not a retransmission. */
  vantage = '';

  /** `ctx` is the flow's payload context, for datagrams framed on the stream (STUN/TURN, RFC 4571). */
  segment(flow: Flow, h: TcpHeader, payload: Uint8Array, offset: number, ctx?: PayloadContext): TcpSegmentResult {
    const key = this.vantage ? `${flowKey(flow)} @${this.vantage}` : flowKey(flow);
    let c = this.connections.get(key);
    if (!c) {
      if (this.connections.size >= MAX_CONNECTIONS) this.evict();
      c = { directions: new Map(), app: new TcpApplication(this.keys), ended: 0 };
      this.connections.set(key, c);
    }
    const src = formatEndpoint(flow.srcIp, flow.srcPort);
    let d = c.directions.get(src);
    if (!d) {
      d = new TcpDirection(this.limits);
      c.directions.set(src, d);
    }
    const r = d.segment(h.sequenceNumber, { syn: h.flags.SYN, fin: h.flags.FIN, rst: h.flags.RST }, payload);
    if (r.ended) c.ended++;
    const problems: Problem[] = r.problems.map((message) => ({ offset, length: payload.length, message }));
    if (!r.deliveries.length && !r.ended) return { layers: [], notes: r.notes, problems };
    const app = c.app.feed(src, r.deliveries, { offset, length: payload.length }, r.ended, ctx);
    return { layers: app.layers, notes: r.notes, problems: [...problems, ...app.problems] };
  }

  /** The certificates TLS carried in the clear on the connection of `flow` (at the current vantage point), by sender. */
  tlsCertificates(flow: Flow): ReadonlyMap<string, Uint8Array> | undefined {
    return this.connections.get(this.vantage ? `${flowKey(flow)} @${this.vantage}` : flowKey(flow))?.app.tlsCertificates;
  }

  /** TLS on the connection of `flow` (version, client, decryption), for the certificate view. */
  tlsHandshake(flow: Flow): TlsHandshakeState | undefined {
    return this.connections.get(this.vantage ? `${flowKey(flow)} @${this.vantage}` : flowKey(flow))?.app.tlsHandshake;
  }

  /**
   * At the end of a capture: the gaps that never filled and the messages left unfinished, one sentence each
   * (a capture that ends mid-stream, or segments the capture missed for good).
   */
  finish(): string[] {
    const out: string[] = [];
    for (const [key, c] of this.connections) {
      for (const [src, d] of c.directions) {
        const u = d.unfilled();
        if (u) out.push(`${key}: ${u.bytes} byte(s) in ${u.segments} segment(s) from ${src} held behind a gap at seq ${u.at} that the capture never filled`);
      }
      for (const u of c.app.unfinished()) out.push(`${key}: the capture ends inside a ${u.mode} from ${u.src} (${u.bytes} byte(s) read)`);
    }
    return out;
  }

  /** Forgets closed connections first, then the oldest. */
  private evict(): void {
    for (const [k, c] of this.connections) {
      if (c.ended >= 2 || this.connections.size > MAX_CONNECTIONS * 2) this.connections.delete(k);
    }
    if (this.connections.size >= MAX_CONNECTIONS) {
      const oldest = this.connections.keys().next();
      if (!oldest.done) this.connections.delete(oldest.value);
    }
  }
}
