import type { Micros } from '../core/time.ts';
import type { PassHop, PassObserver } from '../pass/pass.ts';
import type { DissectedPacket } from '../dissect/types.ts';
import type { StunMessage } from '../wire/stun/message.ts';
import { ErrorCode, getAttribute, Priority, XorRelayedAddress } from '../wire/stun/index.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import { methodName } from '../wire/stun/constants.ts';

/** A DTLS alert seen in a capture (RFC 5246 §7.2), in the clear or opened with the key log. */
export interface CaptureAlert {
  readonly packet: number;
  readonly t: Micros;
  readonly src: string;
  readonly dst: string;
  readonly level: number;
  readonly description: number;
}

/** A STUN or TURN error response seen in a capture (RFC 8489 §14.8). */
export interface CaptureStunError {
  readonly packet: number;
  readonly t: Micros;
  readonly src: string;
  readonly dst: string;
  readonly method: string;
  readonly code: number;
  readonly reason: string;
}

/** A STUN or TURN request to a server (not an ICE check: no PRIORITY, RFC 8445 §7.1.1), every copy of it. */
export interface CaptureServerRequest {
  readonly packet: number;
  readonly t: Micros;
  readonly src: string;
  readonly dst: string;
  readonly transport: 'UDP' | 'TCP';
  readonly method: string;
  /** The transaction id (hex): a retransmission has the same one (RFC 8489 §6.2.1). */
  readonly tid: string;
  /** The capture interface it was seen on, when there are several. */
  readonly vantage: string | undefined;
}

/** What a capture's diagnosis needs beside the inferred notes: the alerts and error responses, by packet. */
export interface CaptureFacts {
  readonly alerts: readonly CaptureAlert[];
  readonly stunErrors: readonly CaptureStunError[];
  /** Allocate successes, by client ("ip:port"), to tell a 401 challenge from a refusal. */
  readonly allocated: ReadonlySet<string>;
  /** The relayed transport address each of those clients got (XOR-RELAYED-ADDRESS, RFC 8656 §7.3), by client. */
  readonly relayed?: ReadonlyMap<string, string>;
  /** Requests to STUN/TURN servers, and the transaction ids that got a response (success or error). */
  readonly serverRequests?: readonly CaptureServerRequest[];
  readonly answered?: ReadonlySet<string>;
  /** Transaction ids of requests an ICMP error quoted (RFC 792, RFC 4443): refused, not lost. */
  readonly icmpRefused?: ReadonlySet<string>;
  /** Per pair of IP addresses ("a b", sorted), the interfaces any packet between them was seen on, by transport. */
  readonly seenOn?: ReadonlyMap<string, ReadonlyMap<'UDP' | 'TCP', ReadonlySet<string>>>;
  /** Microseconds of the last packet. */
  readonly end?: Micros;
}

/**
 * The same facts with every packet number mapped (a page whose hops skip the frames without an IP datagram); a
 * packet that maps to no hop (-1) keeps its fact with packet -1 left out of evidence by the caller's map.
 */
export function remapFacts(f: CaptureFacts, hop: (packet: number) => number): CaptureFacts {
  return {
    ...f,
    alerts: f.alerts.map((a) => ({ ...a, packet: hop(a.packet) })),
    stunErrors: f.stunErrors.map((e) => ({ ...e, packet: hop(e.packet) })),
    ...(f.serverRequests ? { serverRequests: f.serverRequests.map((r) => ({ ...r, packet: hop(r.packet) })) } : {}),
  };
}

/** A dissection-pass observer collecting `CaptureFacts` (hand it to `pass.observe` beside the analyzer). */
export class CaptureFactsObserver implements PassObserver {
  readonly alerts: CaptureAlert[] = [];
  readonly stunErrors: CaptureStunError[] = [];
  readonly allocated = new Set<string>();
  readonly relayed = new Map<string, string>();
  readonly serverRequests: CaptureServerRequest[] = [];
  readonly answered = new Set<string>();
  readonly icmpRefused = new Set<string>();
  readonly seenOn = new Map<string, Map<'UDP' | 'TCP', Set<string>>>();
  private end: Micros = 0;
  private readonly seen = new Set<string>();

  hop(p: DissectedPacket, h: PassHop): void {
    if (h.t > this.end) this.end = h.t;
    // an ICMP error quotes the datagram it is about: its STUN is not a request of its own
    const icmp = p.layers.some((l) => l.protocol === 'ICMP' || l.protocol === 'ICMPv6');
    const flow = icmp ? undefined : p.flow;
    if (flow) {
      const pair = [flow.srcIp, flow.dstIp].sort().join(' ');
      let byTransport = this.seenOn.get(pair);
      if (!byTransport) this.seenOn.set(pair, (byTransport = new Map()));
      let where = byTransport.get(flow.transport);
      if (!where) byTransport.set(flow.transport, (where = new Set()));
      where.add(h.vantage ?? '');
    }
    for (const l of p.layers) {
      if (l.protocol === 'DTLS' && l.value) {
        const v = l.value as unknown;
        const alerts: { level: number; description: number }[] = [];
        if (Array.isArray(v)) {
          for (const r of v as { content: { kind: string; alert?: { level: number; description: number } } }[]) if (r.content.kind === 'alert' && r.content.alert) alerts.push(r.content.alert);
        } else if (typeof v === 'object' && v !== null && (v as { decrypted?: string }).decrypted === 'alert') alerts.push((v as { alert: { level: number; description: number } }).alert);
        for (const a of alerts) this.add(`a ${p.src} ${p.dst} ${a.level} ${a.description}`, () => this.alerts.push({ packet: h.index, t: h.t, src: p.src, dst: p.dst, level: a.level, description: a.description }));
      } else if (l.protocol === 'STUN' && l.value) {
        const m = l.value as StunMessage;
        if (m.class === 'success' && methodName(m.method) === 'Allocate') {
          this.allocated.add(p.dst);
          const relayed = getAttribute(m, XorRelayedAddress);
          if (relayed) this.relayed.set(p.dst, formatTransportAddress(relayed));
        }
        const tid = Array.from(m.transactionId, (b) => b.toString(16).padStart(2, '0')).join('');
        if (icmp) {
          this.icmpRefused.add(tid);
          continue;
        }
        if (m.class === 'success' || m.class === 'error') this.answered.add(tid);
        if (m.class === 'request' && flow && getAttribute(m, Priority) === undefined) {
          this.serverRequests.push({ packet: h.index, t: h.t, src: p.src, dst: p.dst, transport: flow.transport, method: methodName(m.method), tid, vantage: h.vantage });
        }
        if (m.class !== 'error') continue;
        const e = getAttribute(m, ErrorCode);
        // a copy of one response seen on two interfaces is one response
        this.add(`e ${tid}`, () => this.stunErrors.push({ packet: h.index, t: h.t, src: p.src, dst: p.dst, method: methodName(m.method), code: e?.code ?? 0, reason: (e?.reason ?? '').trim() }));
      }
    }
  }

  private add(key: string, push: () => void): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    push();
  }

  get facts(): CaptureFacts {
    return { alerts: this.alerts, stunErrors: this.stunErrors, allocated: this.allocated, relayed: this.relayed, serverRequests: this.serverRequests, answered: this.answered, icmpRefused: this.icmpRefused, seenOn: this.seenOn, end: this.end };
  }
}
