import { toHex } from '../../core/encoding.ts';
import { shiftFields, shiftProblems } from '../../wire/field.ts';
import { demux } from '../../wire/demux.ts';
import { attributeName, className, Method, methodName } from '../../wire/stun/constants.ts';
import { codecFor, Data, decodeStun, DtlsInStunData, isDtlsFirstByte, describe as describeStun, getAttribute, type StunMessage } from '../../wire/stun/index.ts';
import { isWarning, LazyLayer, type LayerText } from '../layer.ts';
import { defineProtocol, type Json } from '../table.ts';
import { detectFraming } from '../tcp-framing.ts';
import { classification, payloadLayers } from '../udp-payload.ts';
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

/** A Send or Data indication names what its DATA carries (the innermost layer, `top`), as ChannelData does. */
const STUN_TEXT: LayerText<'STUN', Layer | undefined> = {
  summary: (l, top) => (l.value ? `${describeStun(l.value)}${top && top.protocol !== 'DATA' ? `: ${top.summary}` : ''}` : 'STUN (unreadable header)'),
};

/**
 * RFC 8656 §11.4, §11.6: the application data a Send indication (client to server) or Data indication (server to
 * client) carries in its DATA attribute, as a view of the message's bytes; undefined for any other message.
 */
function relayedData(m: StunMessage | undefined, payload: Uint8Array): { data: Uint8Array; at: number } | undefined {
  if (!m || m.class !== 'indication' || (m.method !== Method.Send && m.method !== Method.Data)) return undefined;
  const data = getAttribute(m, Data);
  // the codec hands back a view of the message (Reader.rest): where it starts is where the value sits
  if (!data || data.length === 0 || data.buffer !== payload.buffer) return undefined;
  const at = data.byteOffset - payload.byteOffset;
  return at >= 0 && at + data.length <= payload.length ? { data, at } : undefined;
}

/**
 * draft-hancke-webrtc-sped §3.3.2.1: the DTLS handshake packet a Binding request or response embeds in
 * DTLS-IN-STUN-DATA, as a view of the message's bytes; undefined when empty (support only) or not DTLS (noted by the codec).
 */
function embeddedDtls(m: StunMessage | undefined, payload: Uint8Array): { data: Uint8Array; at: number } | undefined {
  if (!m || m.method !== Method.Binding || m.class === 'indication') return undefined;
  const data = getAttribute(m, DtlsInStunData);
  if (!data || !isDtlsFirstByte(data[0]) || data.buffer !== payload.buffer) return undefined;
  const at = data.byteOffset - payload.byteOffset;
  return at >= 0 && at + data.length <= payload.length ? { data, at } : undefined;
}

/**
 * The STUN layer, then for a Send or Data indication the layers of the datagram its DATA attribute carries
 * (RFC 8656 §11): dissected as a UDP payload one level deep, as ChannelData's application data is (ICE checks,
 * DTLS, RTP, RTCP relayed before a channel is bound, or by clients that never bind one). A Binding request or
 * response's DTLS-IN-STUN-DATA (SPED) is dissected the same way: the DTLS packet it embeds.
 */
function stunLayers(out: Layer[], payload: Uint8Array, offset: number, why: string, ctx: PayloadContext): void {
  const d = decodeStun(payload, ctx.spans !== false);
  const legacy = d.problems.filter(isWarning);
  const problems = legacy.length ? d.problems.filter((p) => !isWarning(p)) : d.problems;
  const classified = legacy.length ? `${why}; ${legacy.map((p) => p.message).join('; ')} (RFC 5766 allowed it)` : why;
  const relayed = relayedData(d.value, payload);
  const inner: Layer[] = [];
  if (relayed) {
    const at = offset + relayed.at;
    const what = d.value?.method === Method.Send ? 'Send' : 'Data';
    if ((ctx.depth ?? 0) === 0) inner.push(...payloadLayers(relayed.data, at, { ...ctx, depth: 1, transport: undefined }));
    else inner.push(dataLayer(relayed.data, at, `a ${what} indication inside relayed data: not relayed twice, shown as data`));
  } else {
    // SPED: the embedded DTLS packet is dissected as DTLS, one level below this check (inside a relayed check too)
    const sped = embeddedDtls(d.value, payload);
    const depth = ctx.depth ?? 0;
    if (sped && depth < 2) inner.push(...payloadLayers(sped.data, offset + sped.at, { ...ctx, depth: depth + 1, transport: undefined }));
  }
  const top = inner[inner.length - 1];
  out.push(new LazyLayer({ protocol: 'STUN', offset, length: payload.length, fields: shiftFields(d.fields, offset), problems: shiftProblems(problems, offset), value: d.value, text: STUN_TEXT, a: top, b: undefined, classification: classified }));
  for (const l of inner) out.push(l);
}

/** RFC 7983 §7: first byte 0–3 is STUN; RFC 8489 §5 (and RFC 7983's advice to check more): no magic cookie, no STUN. */
function dissectStun(out: Layer[], payload: Uint8Array, offset: number, ctx: PayloadContext, given?: string): void {
  const d = demux(payload);
  const why = given ?? classification(d);
  if (d.doubt && !hasMagicCookie(payload)) out.push(dataLayer(payload, offset, `${why}, but not STUN: ${d.doubt}`));
  else stunLayers(out, payload, offset, why, ctx);
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
