// An endpoint of our own in rtclab's world, written only against rtclab's public exports: every few seconds it asks
// a STUN server which address it sees (RFC 8489 Binding), retransmits on its own timer, and reports when the answer
// changes, which is what a NAT that loses or rebinds a mapping looks like from the inside.
import {
  attach, defineApp, duration, formatTransportAddress, HOST_FIELD, integer, kindField, required, transport, withDefault,
  type Endpoint, type EndpointOutput, type Micros, type Rng, type TransportAddress,
} from 'rtclab/endpoint';
import { stun, toHex } from 'rtclab/wire';

/** RFC 8489 §6.2.1: the first retransmission after RTO, doubling each time. */
const RTO: Micros = 500_000;

export class BindingProber implements Endpoint {
  private readonly out: EndpointOutput[] = [];
  private pending: { tid: Uint8Array; bytes: Uint8Array; sent: number; due: Micros } | undefined;
  private nextProbe: Micros = 0;
  requests = 0;
  retransmits = 0;
  responses = 0;
  timeouts = 0;
  mapped: TransportAddress | undefined;
  changes = 0;

  constructor(
    private readonly rng: Rng,
    private readonly local: TransportAddress,
    private readonly server: TransportAddress,
    private readonly interval: Micros,
    private readonly maxTransmits: number,
  ) {}

  handleDatagram(now: Micros, from: TransportAddress, _to: TransportAddress, bytes: Uint8Array): void {
    const { value: msg, problems } = stun.decodeStun(bytes, false);
    // not STUN, not from our server, or not the answer to the request in flight: ignored, as RFC 8489 §6.3 says
    if (!msg || problems.length > 0 || from.ip !== this.server.ip || from.port !== this.server.port) return;
    if (!this.pending || toHex(msg.transactionId) !== toHex(this.pending.tid) || msg.class !== 'success') return;
    this.pending = undefined;
    this.responses++;
    const seen = stun.getAttribute(msg, stun.XorMappedAddress);
    if (!seen) return;
    const text = formatTransportAddress(seen);
    if (this.mapped === undefined) {
      this.out.push({ type: 'note', kind: 'prober.mapped', text: `the server sees us as ${text}`, data: { mapped: text } });
    } else if (formatTransportAddress(this.mapped) !== text) {
      this.changes++;
      const before = formatTransportAddress(this.mapped);
      this.out.push({ type: 'note', kind: 'prober.changed', text: `our mapping changed: ${before} -> ${text}`, data: { before, after: text, at: now } });
    }
    this.mapped = seen;
  }

  handleTimeout(now: Micros): void {
    const p = this.pending;
    if (p && now >= p.due) {
      if (p.sent >= this.maxTransmits) {
        this.timeouts++;
        this.out.push({ type: 'note', kind: 'prober.timeout', text: `no answer after ${p.sent} transmissions`, data: { transmissions: p.sent } });
        this.pending = undefined;
      } else {
        this.retransmits++;
        p.sent++;
        p.due = now + RTO * 2 ** (p.sent - 1);
        this.out.push({ type: 'transmit', from: this.local, to: this.server, bytes: p.bytes });
      }
    }
    if (!this.pending && now >= this.nextProbe) this.probe(now);
  }

  poll(now: Micros): EndpointOutput {
    // the driver's first poll is the app's start: the first probe leaves then
    if (this.requests === 0) this.probe(now);
    const next = this.out.shift();
    if (next) return next;
    // a probe waits for the request in flight to be answered or given up
    const due = this.pending ? this.pending.due : this.nextProbe;
    return { type: 'timeout', at: due, reason: this.pending ? 'stun-retransmit' : 'probe-interval' };
  }

  private probe(now: Micros): void {
    const tid = this.rng.bytes(12);
    const bytes = stun.encodeStun({ method: stun.Method.Binding, class: 'request', transactionId: tid, attributes: [] }, { fingerprint: true });
    this.requests++;
    this.pending = { tid, bytes, sent: 1, due: now + RTO };
    this.nextProbe = now + this.interval;
    this.out.push({ type: 'transmit', from: this.local, to: this.server, bytes });
  }
}

export interface BindingProberSpec {
  readonly kind: 'binding-prober';
  readonly host: string;
  readonly bind: TransportAddress;
  readonly server: TransportAddress;
  readonly interval: Micros;
  readonly transmits: number;
}

/** The app kind a scenario names: `{ "kind": "binding-prober", "host": "alice", "bind": …, "server": … }`. */
export const bindingProberApp = defineApp({
  kind: 'binding-prober',
  about: 'asks a STUN server for its reflexive address every few seconds and notes when it changes',
  fields: [
    kindField('binding-prober'),
    HOST_FIELD,
    required('bind', transport, 'The local address it sends from.', '192.168.1.10:5000'),
    required('server', transport, 'The STUN server it asks.', '198.51.100.10:3478'),
    withDefault('interval', duration, 5_000_000, '`5s`', 'Time between probes.', '20s'),
    withDefault('transmits', integer(1, 10), 7, '`7`', 'Transmissions of one request before it gives up (RFC 8489 Rc).', 3),
  ],
  spec: (v): BindingProberSpec => ({ kind: 'binding-prober', host: v.host, bind: v.bind, server: v.server, interval: v.interval, transmits: v.transmits }),
  build(world, host, spec: BindingProberSpec, ctx) {
    const endpoint = new BindingProber(world.rng(`${ctx.source}/tid`), spec.bind, spec.server, spec.interval, spec.transmits);
    return attach(world, host, endpoint, ctx, [spec.bind], 'bind');
  },
  sections: [],
  appEntry: ({ endpoint: e }) => ({
    requests: e.requests,
    retransmits: e.retransmits,
    responses: e.responses,
    timeouts: e.timeouts,
    mapped: e.mapped ? formatTransportAddress(e.mapped) : null,
    changes: e.changes,
  }),
  // the kinds its notes carry, as a kind set (a folder's `…_NOTE_KINDS` for the kinds rtclab declares)
  notes: [{ 'prober.mapped': true, 'prober.changed': true, 'prober.timeout': true }],
});
