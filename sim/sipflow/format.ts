import type { JsonValue } from '../core/trace.ts';
import type { SipCall, SipFlowMessage } from './collect.ts';

/**
 * A call's ladder as sngrep's Call Flow draws it, in text: one column per address:port, an arrow per message with
 * its method or status ("(SDP)" when it carries one), the time, the time since the call's previous message, and the
 * frame it is in (for `rtclab dissect -Y frame.number == N` or the packet list).
 */

/** What is written on a message's arrow. */
export function arrowLabel(m: SipFlowMessage): string {
  const what = m.method ?? `${String(m.status)} ${m.reason ?? ''}`.trim();
  return `${what}${m.sdp ? ' (SDP)' : ''}${m.retransmission ? ' [retransmission]' : ''}`;
}

/** One arrow line across the columns (`width` characters apart), the label centred on the shaft. */
function arrowLine(columns: number, width: number, from: number, to: number, label: string): string {
  const chars: string[] = Array.from({ length: (columns - 1) * width + 1 }, (_, i) => (i % width === 0 ? '│' : ' '));
  const lo = Math.min(from, to) * width;
  const hi = Math.max(from, to) * width;
  for (let i = lo + 1; i < hi; i++) chars[i] = '─';
  if (from < to) chars[hi - 1] = '>';
  else chars[lo + 1] = '<';
  // the label in the middle of the shaft, with a space either side, cut to fit between the head and the tail
  const room = hi - lo - 5;
  const text = label.length > room ? `${label.slice(0, Math.max(0, room - 1))}…` : label;
  const start = lo + 2 + Math.floor((room - text.length) / 2) + 1;
  chars[start - 1] = ' ';
  for (let i = 0; i < text.length; i++) chars[start + i] = text[i]!;
  chars[start + text.length] = ' ';
  return chars.join('');
}

/** The text of every call: a header (Call-ID, method, From, To, state, message count) and its ladder. */
export function formatSipFlows(calls: readonly SipCall[]): string[] {
  const out: string[] = [];
  calls.forEach((c, n) => {
    const retx = c.messages.filter((m) => m.retransmission).length;
    if (n > 0) out.push('');
    out.push(`SIP call ${String(n + 1)}: ${c.method} · ${c.state} · ${String(c.messages.length)} message(s)${retx ? `, ${String(retx)} retransmission(s)` : ''}`);
    out.push(`  Call-ID: ${c.callId}`);
    out.push(`  From: ${c.from}`);
    out.push(`  To:   ${c.to}`);
    const longest = Math.max(...c.messages.map((m) => arrowLabel(m).length), ...c.endpoints.map((e) => e.length));
    const width = Math.max(24, longest + 8);
    // each endpoint's name centred on its column (the arrows start after the 21 characters of the times)
    let head = '';
    c.endpoints.forEach((e, i) => {
      const at = 21 + i * width - Math.floor(e.length / 2);
      head = head.padEnd(Math.max(head.length ? head.length + 1 : 0, at)) + e;
    });
    out.push(head);
    let prev = c.messages[0]?.t ?? 0;
    for (const m of c.messages) {
      const time = `${(m.t / 1e6).toFixed(6)} +${((m.t - prev) / 1e6).toFixed(3)}`.padEnd(20);
      prev = m.t;
      out.push(`${time} ${arrowLine(c.endpoints.length, width, c.endpoints.indexOf(m.src), c.endpoints.indexOf(m.dst), arrowLabel(m))}  frame ${String(m.frame)}`);
    }
  });
  return out;
}

/** The calls for `--json`. */
export function sipFlowsToJson(calls: readonly SipCall[]): JsonValue {
  return calls.map((c) => ({
    callId: c.callId, method: c.method, from: c.from, to: c.to, state: c.state, endpoints: [...c.endpoints],
    messages: c.messages.map((m) => ({
      frame: m.frame, t: m.t / 1e6, src: m.src, dst: m.dst, ...(m.method !== undefined ? { method: m.method } : { status: m.status ?? null, reason: m.reason ?? null }),
      cseq: m.cseq, sdp: m.sdp, retransmission: m.retransmission, label: arrowLabel(m),
    })),
  }));
}
