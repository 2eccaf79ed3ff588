import type { DissectedRecord } from '../../wire/dtls/datagram.ts';
import { decodeDatagram } from '../../wire/dtls/datagram.ts';
import { describeDatagram } from '../../wire/dtls/describe.ts';
import type { Alert } from '../../wire/handshake/alert.ts';
import type { HandshakeFragment } from '../../wire/dtls/handshake.ts';
import { contentTypeName, handshakeTypeName } from '../../wire/handshake/names.ts';
import { LazyLayer, type LayerText } from '../layer.ts';
import { defineProtocol, type Json } from '../table.ts';
import { payloadWhy } from '../udp-payload.ts';
import type { Layer, LayerOf, PayloadContext } from '../types.ts';

/** A DTLS record opened with the key log (dtls-flow.ts): what its plaintext holds. */
export type DecryptedDtls =
  | { readonly decrypted: 'handshake'; readonly messages: readonly { readonly fragment: HandshakeFragment }[] }
  /** RFC 9147 §7: the record numbers a DTLS 1.3 ACK acknowledges. */
  | { readonly decrypted: 'ack'; readonly ack: readonly { readonly epoch: number; readonly seq: number }[] }
  | { readonly decrypted: 'alert'; readonly alert: Alert };

declare module '../types.ts' {
  interface LayerValues {
    /** On the wire: the datagram's records; decrypted (the layer has `plaintext`): what one record held. */
    DTLS: readonly DissectedRecord[] | DecryptedDtls;
  }
}

/** The records of a DTLS layer as on the wire (undefined for a decrypted layer's value, or none). */
export function wireRecords(l: LayerOf<'DTLS'>): readonly DissectedRecord[] | undefined {
  const v = l.value;
  return v === undefined || 'decrypted' in v ? undefined : v;
}

const DTLS_TEXT: LayerText<'DTLS', Uint8Array, PayloadContext> = {
  summary: (l, _payload, ctx) => describeDatagram(wireRecords(l) ?? [], ctx.dtlsRole) || 'DTLS (no record)',
  classification: (_l, payload) => payloadWhy(payload),
};

/** RFC 7983 §7: first byte 20–63 is DTLS (RFC 6347, RFC 9147): the datagram's records. */
function dissectDtls(out: Layer[], payload: Uint8Array, offset: number, ctx: PayloadContext): void {
  const d = decodeDatagram(payload, { base: offset, spans: ctx.spans !== false });
  out.push(new LazyLayer({ protocol: 'DTLS', offset, length: payload.length, fields: d.fields, problems: d.problems, value: d.value, text: DTLS_TEXT, a: payload, b: ctx }));
}

function recordJson(d: DissectedRecord): Json {
  const r = d.record;
  if (r.kind === 'dtls13-ciphertext') {
    return { contentType: 'encrypted (DTLS 1.3 unified header)', epoch: r.epochLowBits, sequence: r.sequenceNumberBits, length: r.length, encrypted: true };
  }
  const out: Json = { contentType: contentTypeName(r.contentType), epoch: r.epoch, sequence: r.sequenceNumber, length: r.length };
  if (d.content.kind === 'handshake') {
    const types = d.content.messages.map((m) => handshakeTypeName(m.fragment.msgType));
    out.handshakeType = types.length === 1 ? types[0]! : types;
    const frag = d.content.messages.find((m) => m.fragment.fragmentLength !== m.fragment.length);
    if (frag) out.fragment = { offset: frag.fragment.fragmentOffset, length: frag.fragment.fragmentLength, of: frag.fragment.length };
  } else if (d.content.kind === 'alert') {
    out.alert = { level: d.content.alert.level, description: d.content.alert.description };
  } else if (d.content.kind === 'encrypted') {
    out.encrypted = true;
  }
  return out;
}

function decryptedJson(v: DecryptedDtls): Json {
  if (v.decrypted === 'handshake') {
    const types = v.messages.map((m) => handshakeTypeName(m.fragment.msgType));
    return { handshakeType: types.length === 1 ? types[0]! : types };
  }
  // a decrypted DTLS 1.3 ACK (RFC 9147 §7) lists the record numbers it acknowledges
  if (v.decrypted === 'ack') return { ack: v.ack.map((n) => ({ epoch: n.epoch, sequence: n.seq })) };
  return { alert: { level: v.alert.level, description: v.alert.description } };
}

export const DTLS = defineProtocol({
  name: 'DTLS',
  description: 'Datagram TLS 1.2 (RFC 6347) and 1.3 (RFC 9147) records; with a key log, decrypted (dtls-flow.ts)',
  viz: { class: 'DTLS', colour: '#ef6f9a' },
  json: (v, _l, base) => {
    if ('decrypted' in v) return Object.assign(base, decryptedJson(v));
    base.records = v.map(recordJson);
    return base;
  },
  on: [{ table: 'udp.rfc7983', key: 'dtls', dissect: dissectDtls }],
});
