import type { Micros } from '../core/time.ts';
import type { PassHop, PassObserver } from '../pass/pass.ts';
import type { DissectedPacket } from '../dissect/types.ts';
import type { StunMessage } from '../wire/stun/message.ts';
import { ErrorCode, getAttribute } from '../wire/stun/index.ts';
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

/** What a capture's diagnosis needs beside the inferred notes: the alerts and error responses, by packet. */
export interface CaptureFacts {
  readonly alerts: readonly CaptureAlert[];
  readonly stunErrors: readonly CaptureStunError[];
  /** Allocate successes, by client ("ip:port"), to tell a 401 challenge from a refusal. */
  readonly allocated: ReadonlySet<string>;
}

/** A dissection-pass observer collecting `CaptureFacts` (hand it to `pass.observe` beside the analyzer). */
export class CaptureFactsObserver implements PassObserver {
  readonly alerts: CaptureAlert[] = [];
  readonly stunErrors: CaptureStunError[] = [];
  readonly allocated = new Set<string>();
  private readonly seen = new Set<string>();

  hop(p: DissectedPacket, h: PassHop): void {
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
        if (m.class === 'success' && methodName(m.method) === 'Allocate') this.allocated.add(p.dst);
        if (m.class !== 'error') continue;
        const e = getAttribute(m, ErrorCode);
        const tid = Array.from(m.transactionId, (b) => b.toString(16).padStart(2, '0')).join('');
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
    return { alerts: this.alerts, stunErrors: this.stunErrors, allocated: this.allocated };
  }
}
