import { appNote } from './notes.ts';
import { formatTransportAddress, type Endpoint, type EndpointOutput, type TransportAddress } from '../core/endpoint.ts';
import { utf8Decode, utf8Encode } from '../core/encoding.ts';
import type { Micros } from '../core/time.ts';

/** One scheduled burst of probes. */
export interface ProbeSend {
  readonly at: Micros;
  readonly to: TransportAddress;
  /** How many probes (default 1), `interval` apart. */
  readonly count?: number;
  readonly interval?: Micros;
}

/**
 * Sends small text datagrams ("probe 3 from alice") on a schedule from one local address and reports every
 * datagram that comes back: the simplest way to watch a NAT map, filter, hairpin and expire.
 */
export class UdpProbe implements Endpoint {
  private readonly queue: { at: Micros; to: TransportAddress }[] = [];
  private readonly out: EndpointOutput[] = [];
  private seq = 0;
  sent = 0;
  received = 0;
  /** Distinct sources replies came from, in order of first arrival. */
  readonly heardFrom: string[] = [];

  constructor(
    readonly name: string,
    readonly local: TransportAddress,
    sends: readonly ProbeSend[],
  ) {
    for (const s of sends) {
      const n = s.count ?? 1;
      for (let i = 0; i < n; i++) this.queue.push({ at: s.at + i * (s.interval ?? 1_000_000), to: s.to });
    }
    this.queue.sort((a, b) => a.at - b.at);
  }

  handleDatagram(_now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    this.received++;
    const src = formatTransportAddress(from);
    if (!this.heardFrom.includes(src)) this.heardFrom.push(src);
    this.out.push({
      type: 'note',
      ...appNote('probe.received', `${this.name} received "${printable(bytes)}" from ${src} on ${formatTransportAddress(to)}`, { from: src, to: formatTransportAddress(to), length: bytes.length }),
    });
  }

  handleTimeout(now: Micros): void {
    while (this.queue.length > 0 && this.queue[0]!.at <= now) {
      const p = this.queue.shift()!;
      this.seq++;
      this.sent++;
      const text = `probe ${this.seq} from ${this.name}`;
      this.out.push({ type: 'transmit', from: this.local, to: p.to, bytes: utf8Encode(text) });
      this.out.push({ type: 'note', ...appNote('probe.sent', `${this.name} sent "${text}" to ${formatTransportAddress(p.to)}`, { to: formatTransportAddress(p.to), seq: this.seq }) });
    }
  }

  poll(now: Micros): EndpointOutput {
    if (this.out.length === 0 && this.queue.length > 0 && this.queue[0]!.at <= now) this.handleTimeout(now);
    const next = this.out.shift();
    if (next) return next;
    const head = this.queue[0];
    return head ? { type: 'timeout', at: head.at, reason: 'probe-schedule' } : { type: 'idle' };
  }
}

/** Payload text for notes: printable ASCII kept, the rest as \xNN, cut at 80 characters. */
export function printable(bytes: Uint8Array): string {
  const s = utf8Decode(bytes.subarray(0, 80)).replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return bytes.length > 80 ? `${s}…` : s;
}
