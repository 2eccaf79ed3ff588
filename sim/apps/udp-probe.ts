import { APP_NOTE_KINDS } from './notes.ts';
import { someKinds } from './app-kind.ts';
import { appNote } from './notes.ts';
import { formatTransportAddress, type Endpoint, type EndpointOutput, type TransportAddress } from '../core/endpoint.ts';
import { printable, utf8Encode } from '../core/encoding.ts';
import type { Micros } from '../core/time.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { bool, duration, integer, list, object, optional, required, transport, withDefault } from '../schema/fields.ts';
import { defineApp, HOST_FIELD, kindField } from './app-kind.ts';

/** One scheduled burst of probes. */
export interface ProbeSend {
  readonly at: Micros;
  readonly to: TransportAddress;
  /** How many probes (default 1), `interval` apart. */
  readonly count?: number;
  readonly interval?: Micros;
  /** Pad each probe's text with "." to this many bytes (a large datagram: fragmented when DF is clear, RFC 791). */
  readonly size?: number;
}

/**
 * Sends small text datagrams ("probe 3 from alice") on a schedule from one local address and reports every
 * datagram that comes back: the simplest way to watch a NAT map, filter, hairpin and expire.
 */
export class UdpProbe implements Endpoint {
  private readonly queue: { at: Micros; to: TransportAddress; size: number | undefined }[] = [];
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
      for (let i = 0; i < n; i++) this.queue.push({ at: s.at + i * (s.interval ?? 1_000_000), to: s.to, size: s.size });
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
      this.out.push({ type: 'transmit', from: this.local, to: p.to, bytes: padded(utf8Encode(text), p.size) });
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

/** The text, then "." up to `size` bytes. */
function padded(text: Uint8Array, size: number | undefined): Uint8Array {
  if (size === undefined || size <= text.length) return text;
  const out = new Uint8Array(size).fill(0x2e);
  out.set(text);
  return out;
}

export interface ProbeAppSpec {
  readonly kind: 'udp-probe';
  readonly host: string;
  readonly bind: TransportAddress;
  readonly send: readonly ProbeSend[];
  readonly dontFragment: boolean;
}

const SEND_FIELDS = [
  withDefault('at', duration, 0, '`0`', 'When the first probe of this entry leaves.', '0s'),
  required('to', transport, 'Where it goes.', '198.51.100.10:3478'),
  optional('count', integer(1, 100000), 'How many probes.', 50, '`1`'),
  optional('interval', duration, 'Time between two probes of this entry.', '20ms', '`"1s"`'),
  optional('size', integer(1, 65507), 'Bytes per probe: the text padded with "." (a datagram over the MTU is fragmented when `dontFragment` is false).', 3000, 'the text\'s length'),
] as const;

/** The scenario app "udp-probe": a UdpProbe on one bound address. */
export const udpProbeApp = defineApp({
  kind: 'udp-probe',
  about: 'sends text datagrams on a schedule and reports the replies',
  fields: [
    kindField('udp-probe'),
    HOST_FIELD,
    required('bind', transport, 'The local address and port it sends from and listens on.', '203.0.113.50:5000'),
    required('send', list(object(SEND_FIELDS)), 'The schedule: a list of sends, each an object with the fields below.', [{ at: '0s', to: '198.51.100.10:3478', count: 50, interval: '20ms' }]),
    withDefault('dontFragment', bool, true, '`true`', 'IPv4 Don\'t Fragment on its datagrams (Linux\'s IP_PMTUDISC_DO), IPv6 IPV6_DONTFRAG; `false` lets it and the routers on the way fragment an IPv4 datagram larger than a link\'s MTU (RFC 791), and its own host fragment an IPv6 datagram larger than the path MTU (RFC 8200 §4.5; routers never do).', false),
  ],
  spec: (v): ProbeAppSpec => ({ kind: 'udp-probe', host: v.host, bind: v.bind, send: v.send, dontFragment: v.dontFragment }),
  build(world, host, spec: ProbeAppSpec, ctx) {
    ctx.own(spec.bind, 'bind');
    const endpoint = new UdpProbe(spec.host, spec.bind, spec.send);
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    driver.bind(spec.bind.ip, spec.bind.port, { dontFragment: spec.dontFragment });
    return { endpoint, driver };
  },
  sections: [],
  appEntry: ({ endpoint: e }) => ({ sent: e.sent, received: e.received, heardFrom: [...e.heardFrom] }),
  appLines(a) {
    const heard = (a.heardFrom as string[]).join(', ') || 'nobody';
    return [`  probe on ${String(a.host)}: ${String(a.sent)} sent, ${String(a.received)} replies, heard from ${heard}`];
  },
  notes: [someKinds(APP_NOTE_KINDS, 'probe.sent', 'probe.received')],
});
