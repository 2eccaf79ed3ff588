import type { Problem } from '../wire/field.ts';
import { formatEndpoint } from './endpoint.ts';
import { NONE } from './layer.ts';
import type { DissectedPacket, Flow, Layer, Protocol } from './types.ts';

interface IpAddresses {
  readonly src: string;
  readonly dst: string;
}

/**
 * A dissected packet whose texts are written the first time they are read: the summary (its naming layer's,
 * plus what reassembly adds) and `src`/`dst` ("ip:port" from the flow's numbers, or the IP addresses). It reads as
 * a plain `DissectedPacket`; copy one with `with`, not a spread (a spread drops the texts).
 */
export class LazyPacket implements DissectedPacket {
  #src: string | undefined;
  #dst: string | undefined;
  #summary: string | undefined;
  readonly #ip: IpAddresses | undefined;
  readonly #naming: Layer | string | undefined;
  readonly #suffix: string;

  /**
   * @param ip the IP addresses, for `src`/`dst` of a packet without a transport header; @param naming the layer
   * that names the packet (its summary is the packet's), or the summary itself; @param suffix what follows the
   * naming layer's summary (" (reassembled from 3 fragments)").
   */
  constructor(
    readonly layers: readonly Layer[],
    readonly protocol: Protocol,
    readonly problems: readonly Problem[],
    readonly flow: Flow | undefined,
    ip: IpAddresses | undefined,
    naming: Layer | string | undefined,
    suffix = '',
    readonly reassembled?: Uint8Array,
    readonly notes?: readonly string[],
  ) {
    this.#ip = ip;
    this.#naming = naming;
    this.#suffix = suffix;
  }

  get summary(): string {
    if (this.#summary === undefined) {
      const n = this.#naming;
      this.#summary = `${typeof n === 'string' ? n : (n?.summary ?? '')}${this.#suffix}`;
    }
    return this.#summary;
  }

  get src(): string {
    const f = this.flow;
    return (this.#src ??= f ? formatEndpoint(f.srcIp, f.srcPort) : (this.#ip?.src ?? ''));
  }

  get dst(): string {
    const f = this.flow;
    return (this.#dst ??= f ? formatEndpoint(f.dstIp, f.dstPort) : (this.#ip?.dst ?? ''));
  }

  /** A copy with other layers, naming, problems or notes (what the dissector's later stages change). */
  with(c: { layers?: readonly Layer[]; protocol?: Protocol; problems?: readonly Problem[]; naming?: Layer | string | undefined; suffix?: string; reassembled?: Uint8Array; notes?: readonly string[] }): LazyPacket {
    return new LazyPacket(
      c.layers ?? this.layers,
      c.protocol ?? this.protocol,
      c.problems ?? this.problems,
      this.flow,
      this.#ip,
      'naming' in c ? c.naming : this.#naming,
      c.suffix ?? this.#suffix,
      c.reassembled ?? this.reassembled,
      c.notes ?? this.notes,
    );
  }
}

/** The layer that names the packet: the last one, unless that is opaque data inside something recognised. */
export function topLayer(layers: readonly Layer[]): Layer | undefined {
  // decrypted layers enrich their carrier's summary; the packet is still named by what is on the wire
  // and SDP taken out of a signaling message enriches that message's layer, which names the packet
  let last: Layer | undefined;
  let before: Layer | undefined;
  for (const l of layers) {
    if (l.plaintext || l.quoted || l.protocol === 'SDP') continue;
    before = last;
    last = l;
  }
  if (last?.protocol !== 'DATA' || before === undefined) return last;
  return before;
}

/** Every layer's problems, in order (the shared empty list when none has any). */
export function allProblems(layers: readonly Layer[]): readonly Problem[] {
  let only: readonly Problem[] | undefined;
  let all: Problem[] | undefined;
  for (const l of layers) {
    if (l.problems.length === 0) continue;
    if (all) all.push(...l.problems);
    else if (only) all = [...only, ...l.problems];
    else only = l.problems;
  }
  return all ?? (only ? [...only] : NONE);
}

/** The packet of these layers, named by its top layer. */
export function finishPacket(layers: Layer[], flow: Flow | undefined, ip: IpAddresses | undefined): DissectedPacket {
  const top = topLayer(layers);
  return new LazyPacket(layers, top?.protocol ?? 'DATA', allProblems(layers), flow, ip, top);
}
