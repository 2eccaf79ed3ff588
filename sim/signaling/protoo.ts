import type { JsonValue } from '../core/trace.ts';

/** protoo-style JSON messages (as mediasoup's demo speaks them): requests with an id, responses, notifications. */
export type ProtooMessage =
  | { readonly request: true; readonly id: number; readonly method: string; readonly data: { [key: string]: JsonValue } }
  | { readonly response: true; readonly id: number; readonly ok: boolean; readonly data?: { [key: string]: JsonValue }; readonly errorCode?: number; readonly errorReason?: string }
  | { readonly notification: true; readonly method: string; readonly data: { [key: string]: JsonValue } };

export function describeProtoo(m: ProtooMessage): string {
  if ('request' in m) return `request ${m.method} #${m.id}`;
  if ('response' in m) return `response #${m.id} ${m.ok ? 'ok' : `error ${m.errorCode !== undefined ? `${m.errorCode} ` : ''}${m.errorReason ?? ''}`}`;
  return `notification ${m.method}`;
}
