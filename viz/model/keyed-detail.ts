import { toHex } from '../../sim/core/encoding.ts';
import type { Hop } from '../../sim/core/trace.ts';
import { Dissector } from '../../sim/dissect/dissector.ts';
import type { DissectedPacket, Layer } from '../../sim/dissect/types.ts';
import type { Field } from '../../sim/wire/field.ts';

/** How many plaintext bytes a decrypted layer shows in the field tree. */
const PREVIEW = 256;

/**
 * The packet detail of a capture opened with keys: decryption needs the state of the packets before (the DTLS
 * handshake that keyed the records, the SRTP rollover counter), which the main thread's stateless dissection does
 * not have. This re-dissects, with the key log, the hops of the selected hop's 5-tuple up to it; a later hop of the
 * same flow continues from where the last request stopped. Which hops share a flow comes from the one dissection
 * pass (hop-flows.ts), not from dissecting them again. Runs in the worker.
 */
export class KeyedDetail {
  private cached: { flow: number; last: number; dissector: Dissector } | undefined;

  constructor(
    private readonly hops: readonly Hop[],
    readonly keyLogs: readonly string[],
    readonly vantages: boolean,
    /** A capture's checksums may be offloaded (not yet filled in): unverified, as Wireshark leaves them. */
    readonly capture: boolean,
    /** Each hop's flow number from the pass (HopFlowCollector), asked for at the first request. */
    private readonly flows: () => Int32Array,
  ) {}

  /** Hop `i` dissected with the keys and the state of its flow, as plain data (it crosses to the main thread). */
  packet(i: number): DissectedPacket | undefined {
    const hop = this.hops[i];
    if (!hop || hop.bytes.length === 0) return undefined;
    const flows = this.flows();
    const flow = flows[i]!;
    let c = this.cached;
    if (!c || c.flow !== flow || c.last >= i || flow < 0) c = { flow, last: -1, dissector: this.fresh() };
    // the flow's earlier hops only build state: no spans for them
    if (flow >= 0) for (let j = c.last + 1; j < i; j++) if (flows[j] === flow) this.feed(c.dissector, j, false);
    const d = this.feed(c.dissector, i, true);
    c.last = i;
    this.cached = flow >= 0 ? c : undefined;
    return plainPacket(d);
  }

  private fresh(): Dissector {
    const d = new Dissector(this.capture ? { verifyChecksums: false } : {});
    for (const text of this.keyLogs) d.addKeyLog(text);
    return d;
  }

  private feed(d: Dissector, j: number, spans: boolean): DissectedPacket {
    const h = this.hops[j]!;
    return d.packet(h.bytes, { index: h.index, t: h.t, spans, ...(this.vantages ? { vantage: h.link } : {}) });
  }
}

/**
 * A dissected packet as plain objects (getters read, decoded values dropped), so it survives structured cloning;
 * a decrypted layer gets a `plaintext` field with the first bytes in hex and as text.
 */
export function plainPacket(d: DissectedPacket): DissectedPacket {
  const layers = d.layers.map(plainLayer);
  return { layers, protocol: d.protocol, summary: d.summary, src: d.src, dst: d.dst, problems: d.problems.map((p) => ({ ...p })), ...(d.notes ? { notes: [...d.notes] } : {}) };
}

function plainLayer(l: Layer): Layer {
  const fields = l.fields.map(plainField);
  const pt = l.plaintext ?? (l.protocol === 'DATA' && l.value instanceof Uint8Array ? l.value : undefined);
  if (pt) fields.push({ name: 'plaintext', offset: l.offset, length: 0, display: preview(pt) });
  // a union's fields read apart lose the tie between `protocol` and the value (dropped here): TypeScript gives up
  // checking the object against each of the union's members beyond 25 of them
  return { protocol: l.protocol, offset: l.offset, length: l.length, summary: l.summary, fields, problems: l.problems.map((p) => ({ ...p })), ...(l.classification ? { classification: l.classification } : {}) } as Layer;
}

function plainField(f: Field): Field {
  return { name: f.name, offset: f.offset, length: f.length, ...(f.bits ? { bits: { ...f.bits } } : {}), ...(f.display !== undefined ? { display: f.display } : {}), ...(f.children ? { children: f.children.map(plainField) } : {}) };
}

/** "17 03 … (18 bytes) "hello"" — hex, then the printable text, cut at PREVIEW bytes. */
function preview(b: Uint8Array): string {
  const head = b.subarray(0, PREVIEW);
  const text = [...head].map((c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '·')).join('');
  return `${toHex(head, ' ')}${b.length > PREVIEW ? ' …' : ''} (${b.length} bytes) "${text}"`;
}
