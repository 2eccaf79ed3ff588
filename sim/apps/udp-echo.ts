import { APP_NOTE_KINDS } from './notes.ts';
import { someKinds } from './app-kind.ts';
import { appNote } from './notes.ts';
import { formatTransportAddress, type Endpoint, type EndpointOutput, type TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { printable, utf8Encode } from '../core/encoding.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { duration, list, required, transport, withDefault } from '../schema/fields.ts';
import { defineApp, HOST_FIELD, kindField } from './app-kind.ts';

/**
 * Answers every datagram with "echo: you are <source as seen here>", which shows a learner the NAT mapping.
 * `alsoReplyFrom` adds replies from other local addresses/ports — the way to watch a NAT's filtering decide
 * (RFC 4787 §5: which sources may send back in). `replyDelay` holds the answers back (to outlive a mapping).
 */
export class UdpEcho implements Endpoint {
  private readonly pending: { at: Micros; from: TransportAddress; to: TransportAddress; bytes: Uint8Array }[] = [];
  private readonly out: EndpointOutput[] = [];
  received = 0;

  constructor(
    readonly name: string,
    readonly listen: readonly TransportAddress[],
    readonly alsoReplyFrom: readonly TransportAddress[] = [],
    readonly replyDelay: Micros = 0,
  ) {}

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    this.received++;
    const seen = formatTransportAddress(from);
    this.out.push({ type: 'note', ...appNote('echo.received', `${this.name} received "${printable(bytes)}" from ${seen}`, { from: seen, to: formatTransportAddress(to) }) });
    const sources = [to, ...this.alsoReplyFrom.filter((a) => a.ip !== to.ip || a.port !== to.port)];
    for (const src of sources) {
      const text = `echo: you are ${seen}` + (src === to ? '' : ` (sent from ${formatTransportAddress(src)})`);
      this.pending.push({ at: now + this.replyDelay, from: src, to: from, bytes: utf8Encode(text) });
    }
  }

  handleTimeout(): void {}

  poll(now: Micros): EndpointOutput {
    while (this.pending.length > 0 && this.pending[0]!.at <= now) {
      const r = this.pending.shift()!;
      this.out.push({ type: 'transmit', from: r.from, to: r.to, bytes: r.bytes });
    }
    const next = this.out.shift();
    if (next) return next;
    const head = this.pending[0];
    return head ? { type: 'timeout', at: head.at, reason: 'echo-delay' } : { type: 'idle' };
  }
}

export interface EchoAppSpec {
  readonly kind: 'udp-echo';
  readonly host: string;
  readonly listen: readonly TransportAddress[];
  readonly alsoReplyFrom: readonly TransportAddress[];
  readonly replyDelay: Micros;
}

/** The scenario app "udp-echo": a UdpEcho bound on every address it listens or answers on. */
export const udpEchoApp = defineApp({
  kind: 'udp-echo',
  about: 'answers every datagram with the address it came from',
  fields: [
    kindField('udp-echo'),
    HOST_FIELD,
    required('listen', list(transport), 'Where it listens and answers.', ['198.51.100.10:3478']),
    withDefault('alsoReplyFrom', list(transport), [], '`[]`', 'Extra addresses it also answers from.', ['198.51.100.10:3479', '198.51.100.11:3479']),
    withDefault('replyDelay', duration, 0, '`0`', 'Holds every answer back this long (to outlive a NAT mapping, as in `nat-expiry`).', '40s'),
  ],
  spec: (v): EchoAppSpec => ({ kind: 'udp-echo', host: v.host, listen: v.listen, alsoReplyFrom: v.alsoReplyFrom, replyDelay: v.replyDelay }),
  build(world, host, spec: EchoAppSpec, ctx) {
    spec.listen.forEach((a) => ctx.own(a, 'listen'));
    spec.alsoReplyFrom.forEach((a) => ctx.own(a, 'alsoReplyFrom'));
    const endpoint = new UdpEcho(spec.host, spec.listen, spec.alsoReplyFrom, spec.replyDelay);
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    for (const a of [...spec.listen, ...spec.alsoReplyFrom]) if (!driver.bound(a)) driver.bind(a.ip, a.port);
    return { endpoint, driver };
  },
  sections: [],
  appEntry: ({ endpoint: e }) => ({ received: e.received }),
  notes: [someKinds(APP_NOTE_KINDS, 'echo.received')],
});
