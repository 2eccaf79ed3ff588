import { formatTransportAddress, type Endpoint, type EndpointOutput, type TransportAddress } from '../core/endpoint.ts';
import { printable, utf8Encode } from '../core/encoding.ts';
import type { Micros } from '../core/time.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { join } from '../schema/check.ts';
import type { AppKind } from './app-kind.ts';
import { hostField } from './fields.ts';

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
      kind: 'probe.received',
      text: `${this.name} received "${printable(bytes)}" from ${src} on ${formatTransportAddress(to)}`,
      data: { from: src, to: formatTransportAddress(to), length: bytes.length },
    });
  }

  handleTimeout(now: Micros): void {
    while (this.queue.length > 0 && this.queue[0]!.at <= now) {
      const p = this.queue.shift()!;
      this.seq++;
      this.sent++;
      const text = `probe ${this.seq} from ${this.name}`;
      this.out.push({ type: 'transmit', from: this.local, to: p.to, bytes: utf8Encode(text) });
      this.out.push({ type: 'note', kind: 'probe.sent', text: `${this.name} sent "${text}" to ${formatTransportAddress(p.to)}`, data: { to: formatTransportAddress(p.to), seq: this.seq } });
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

export interface ProbeAppSpec {
  readonly kind: 'udp-probe';
  readonly host: string;
  readonly bind: TransportAddress;
  readonly send: readonly ProbeSend[];
}

/** The scenario app "udp-probe": a UdpProbe on one bound address. */
export const udpProbeApp: AppKind<ProbeAppSpec, UdpProbe> = {
  kind: 'udp-probe',
  about: 'sends text datagrams on a schedule and reports the replies',
  parse(c, path, o, ctx) {
    const host = hostField(c, path, 'host', o.host, ctx);
    if (host === undefined) return undefined;
    c.onlyKeys(path, o, ['kind', 'host', 'bind', 'send']);
    const bind = c.transport(join(path, 'bind'), o.bind);
    const sends = (c.array(join(path, 'send'), o.send) ?? []).map((s, i) => {
      const sp = join(join(path, 'send'), i);
      const so = c.object(sp, s);
      if (!so) return undefined;
      c.onlyKeys(sp, so, ['at', 'to', 'count', 'interval']);
      const at = so.at === undefined ? 0 : c.duration(join(sp, 'at'), so.at);
      const to = c.transport(join(sp, 'to'), so.to);
      const count = so.count === undefined ? undefined : c.integer(join(sp, 'count'), so.count, 1, 100000);
      const interval = so.interval === undefined ? undefined : c.duration(join(sp, 'interval'), so.interval);
      if (at === undefined || !to) return undefined;
      return { at, to, ...(count !== undefined ? { count } : {}), ...(interval !== undefined ? { interval } : {}) };
    });
    if (!bind) return undefined;
    return { kind: 'udp-probe', host, bind, send: sends.filter((s) => s !== undefined) };
  },
  build(world, host, spec, ctx) {
    ctx.own(spec.bind, 'bind');
    const endpoint = new UdpProbe(spec.host, spec.bind, spec.send);
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    driver.bind(spec.bind.ip, spec.bind.port);
    return { endpoint, driver };
  },
  sections: [],
  appEntry: ({ endpoint: e }) => ({ sent: e.sent, received: e.received, heardFrom: [...e.heardFrom] }),
  appLines(a) {
    const heard = (a.heardFrom as string[]).join(', ') || 'nobody';
    return [`  probe on ${String(a.host)}: ${String(a.sent)} sent, ${String(a.received)} replies, heard from ${heard}`];
  },
  notes: ['probe.sent', 'probe.received'],
};
