import { toHex } from '../../core/encoding.ts';
import { shiftFields, shiftProblems } from '../../wire/field.ts';
import { demux } from '../../wire/demux.ts';
import { attributeName, className, methodName } from '../../wire/stun/constants.ts';
import { codecFor, decodeStun, describe as describeStun, type StunMessage } from '../../wire/stun/index.ts';
import { isWarning, LazyLayer, type LayerText } from '../layer.ts';
import { defineProtocol, type Json } from '../table.ts';
import { detectFraming } from '../tcp-framing.ts';
import { classification } from '../udp-payload.ts';
import type { Layer, PayloadContext } from '../types.ts';
import { dataLayer } from './data.ts';

declare module '../types.ts' {
  interface LayerValues {
    STUN: StunMessage;
  }
}

function hasMagicCookie(p: Uint8Array): boolean {
  return p.length >= 8 && p[4] === 0x21 && p[5] === 0x12 && p[6] === 0xa4 && p[7] === 0x42;
}

const STUN_TEXT: LayerText<'STUN'> = {
  summary: (l) => (l.value ? describeStun(l.value) : 'STUN (unreadable header)'),
};

function stunLayer(payload: Uint8Array, offset: number, why: string, spans: boolean): Layer {
  const d = decodeStun(payload, spans);
  const legacy = d.problems.filter(isWarning);
  const problems = legacy.length ? d.problems.filter((p) => !isWarning(p)) : d.problems;
  const classified = legacy.length ? `${why}; ${legacy.map((p) => p.message).join('; ')} (RFC 5766 allowed it)` : why;
  return new LazyLayer({ protocol: 'STUN', offset, length: payload.length, fields: shiftFields(d.fields, offset), problems: shiftProblems(problems, offset), value: d.value, text: STUN_TEXT, classification: classified });
}

/** RFC 7983 §7: first byte 0–3 is STUN; RFC 8489 §5 (and RFC 7983's advice to check more): no magic cookie, no STUN. */
function dissectStun(out: Layer[], payload: Uint8Array, offset: number, ctx: PayloadContext, given?: string): void {
  const d = demux(payload);
  const why = given ?? classification(d);
  if (d.doubt && !hasMagicCookie(payload)) out.push(dataLayer(payload, offset, `${why}, but not STUN: ${d.doubt}`));
  else out.push(stunLayer(payload, offset, why, ctx.spans !== false));
}

function stunJson(m: StunMessage, _l: unknown, base: Json): Json {
  return Object.assign(base, {
    method: methodName(m.method),
    class: m.class,
    className: className(m.class),
    transactionId: toHex(m.transactionId),
    attributes: m.attributes.map((a) => {
      const codec = codecFor(a.type);
      const value = a.opaque || !codec ? (a.value instanceof Uint8Array ? toHex(a.value) : String(a.value)) : codec.show(a.value);
      return { type: attributeName(a.type), code: `0x${a.type.toString(16).padStart(4, '0')}`, value };
    }),
  });
}

export const STUN = defineProtocol({
  name: 'STUN',
  description: 'Session Traversal Utilities for NAT (RFC 8489) and its TURN (RFC 8656) and ICE (RFC 8445) methods and attributes',
  viz: { class: 'STUN', colour: '#ffd166' },
  json: stunJson,
  on: [
    { table: 'udp.rfc7983', key: 'stun', dissect: dissectStun },
    // a TCP stream that starts with a STUN header: STUN/TURN over TCP (RFC 8489 §6.2.2) or RFC 4571 framing (ICE-TCP)
    { table: 'tcp.stream', recogniser: { order: 30, recognise: detectFraming } },
  ],
});
