import { APP_NOTE_KINDS } from './notes.ts';
import { someKinds } from './app-kind.ts';
import { appNote } from './notes.ts';
import type { Endpoint, EndpointOutput } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { MS, SECOND } from '../core/time.ts';
import type { IcmpErrorReport, Host, UdpSocket } from '../net/host.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { duration, integer, ip, required, withDefault } from '../schema/fields.ts';
import { ipFamily } from '../wire/ip/address.ts';
import { defineApp, HOST_FIELD, kindField, type Obj } from './app-kind.ts';

export interface TracerouteOptions {
  readonly to: string;
  /** The first destination port (Linux traceroute's 33434), one more per probe. */
  readonly port: number;
  readonly maxHops: number;
  /** Probes per TTL (Linux: 3). */
  readonly probes: number;
  /** How long a TTL's probes wait for their answers (Linux: 5 s). */
  readonly wait: Micros;
  readonly at: Micros;
}

interface Probe {
  readonly port: number;
  readonly sentAt: Micros;
  answer?: { readonly from: string; readonly rtt: Micros; readonly unreachable: string | undefined };
}

export interface TracerouteHop {
  readonly ttl: number;
  readonly from: string | null;
  readonly rtts: (number | null)[];
  /** The Destination Unreachable that ended the trace at this hop, if one did. */
  readonly error: string | null;
}

/**
 * Linux traceroute's UDP method: probes to unlikely ports with TTL 1, 2, 3 …, `probes` per TTL; each router that
 * lowers a TTL to zero answers Time Exceeded (RFC 1812 §5.3.1), NATs on the way translate those answers back by the
 * probe's mapping (RFC 5508), and the destination ends the trace with Port Unreachable. A router that sends no ICMP
 * (the simulated internet has no address of its own) shows as "* * *". Probes and answers use the host's socket
 * directly (they need a TTL and ICMP), not the endpoint's transmit output; notes and deadlines go through the driver.
 */
export class Traceroute implements Endpoint {
  private readonly out: EndpointOutput[] = [];
  private socket: UdpSocket | undefined;
  private ttl = 0;
  private seq = 0;
  private batch: Probe[] = [];
  private deadline: Micros | undefined;
  private started = false;
  readonly hops: TracerouteHop[] = [];
  done = false;
  reached = false;
  /** Set to the driver's pump: an ICMP answer arrives outside the driver's calls. */
  onOutput: (() => void) | undefined;

  constructor(
    readonly name: string,
    private readonly host: Host,
    readonly o: TracerouteOptions,
  ) {}

  /** Binds the probing socket (an ephemeral port on the wildcard address of the destination's family). */
  open(): void {
    this.socket = this.host
      .bindUdp(ipFamily(this.o.to) === 4 ? '0.0.0.0' : '::', 0)
      .onDatagram(() => {})
      .onIcmpError((e) => this.icmp(e));
  }

  handleDatagram(): void {}

  handleTimeout(now: Micros): void {
    if (!this.started && now >= this.o.at) {
      this.started = true;
      this.sendBatch(now);
    } else if (this.deadline !== undefined && now >= this.deadline) this.finishHop(now);
  }

  poll(now: Micros): EndpointOutput {
    if ((!this.started && now >= this.o.at) || (this.deadline !== undefined && now >= this.deadline)) this.handleTimeout(now);
    const next = this.out.shift();
    if (next) return next;
    if (!this.started) return { type: 'timeout', at: this.o.at, reason: 'traceroute-start' };
    if (this.deadline !== undefined) return { type: 'timeout', at: this.deadline, reason: 'traceroute-wait' };
    return { type: 'idle' };
  }

  private sendBatch(now: Micros): void {
    this.ttl++;
    this.batch = [];
    for (let i = 0; i < this.o.probes; i++) {
      const port = this.o.port + this.seq++;
      this.batch.push({ port, sentAt: now });
      // 32 zero bytes of payload, as Linux traceroute's default 60-byte packet less the headers
      this.socket!.send({ ip: this.o.to, port }, new Uint8Array(32), undefined, this.ttl);
    }
    this.deadline = now + this.o.wait;
  }

  private icmp(e: IcmpErrorReport): void {
    const now = this.host.net.now;
    const p = this.batch.find((b) => b.port === e.to.port && !b.answer);
    if (!p || e.to.ip !== this.o.to || this.done) return;
    if (e.kind !== 'time-exceeded' && e.kind !== 'unreachable') return;
    p.answer = { from: e.from, rtt: now - p.sentAt, unreachable: e.kind === 'unreachable' ? e.error : undefined };
    if (this.batch.every((b) => b.answer)) this.finishHop(now);
    this.onOutput?.();
  }

  private finishHop(now: Micros): void {
    this.deadline = undefined;
    const answered = this.batch.filter((b) => b.answer);
    const from = answered[0]?.answer?.from ?? null;
    const error = answered.find((b) => b.answer!.unreachable)?.answer?.unreachable ?? null;
    const rtts = this.batch.map((b) => (b.answer ? b.answer.rtt : null));
    const hop: TracerouteHop = { ttl: this.ttl, from, rtts, error };
    this.hops.push(hop);
    this.out.push({ type: 'note', ...appNote('traceroute.hop', `${this.name}: ${hopLine(hop)}`, { ttl: hop.ttl, from, rtts, error }) });
    if (error !== null || this.ttl >= this.o.maxHops) {
      this.done = true;
      this.reached = error !== null && from === this.o.to;
      this.socket?.close();
      const text = this.reached ? `reached ${this.o.to} in ${this.ttl} hops` : error !== null ? `stopped at hop ${this.ttl}: ${error} from ${from}` : `gave up after ${this.o.maxHops} hops`;
      this.out.push({ type: 'note', ...appNote('traceroute.done', `${this.name}: ${text}`, { reached: this.reached, hops: this.ttl }) });
      return;
    }
    this.sendBatch(now);
  }
}

/** " 2  100.64.0.1  21.0 ms  21.0 ms  *", as traceroute prints a hop. */
function hopLine(h: TracerouteHop): string {
  const times = h.rtts.map((r) => (r === null ? '*' : `${(r / MS).toFixed(1)} ms`)).join('  ');
  if (h.from === null) return `${String(h.ttl).padStart(2)}  ${h.rtts.map(() => '*').join(' ')}`;
  return `${String(h.ttl).padStart(2)}  ${h.from}  ${times}${h.error && h.error !== 'Port Unreachable' ? `  (${h.error})` : ''}`;
}

export interface TracerouteAppSpec extends TracerouteOptions {
  readonly kind: 'traceroute';
  readonly host: string;
}

/** The scenario app "traceroute": Linux traceroute's UDP probes with rising TTLs from one host. */
export const tracerouteApp = defineApp({
  kind: 'traceroute',
  about: 'traces the routers on the way with UDP probes of rising TTL (Time Exceeded back through the NATs)',
  fields: [
    kindField('traceroute'),
    HOST_FIELD,
    required('to', ip, 'The destination address.', '198.51.100.10'),
    withDefault('port', integer(1, 65000), 33434, '`33434`', 'The first destination port; each probe uses the next one (Linux traceroute).', 33434),
    withDefault('maxHops', integer(1, 64), 30, '`30`', 'The highest TTL it tries.', 8),
    withDefault('probes', integer(1, 10), 3, '`3`', 'Probes per TTL.', 3),
    withDefault('wait', duration, 5 * SECOND, '`"5s"`', 'How long the probes of one TTL wait for their answers.', '1s'),
    withDefault('at', duration, 0, '`0`', 'When the first probes leave.', '100ms'),
  ],
  spec: (v): TracerouteAppSpec => ({ kind: 'traceroute', host: v.host, to: v.to, port: v.port, maxHops: v.maxHops, probes: v.probes, wait: v.wait, at: v.at }),
  build(world, host, spec: TracerouteAppSpec, ctx) {
    const endpoint = new Traceroute(spec.host, host, spec);
    endpoint.open();
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    endpoint.onOutput = () => driver.pump();
    return { endpoint, driver };
  },
  sections: [],
  appEntry: ({ spec, endpoint: e }): Obj => ({ to: spec.to, reached: e.reached, hops: e.hops.map((h) => ({ ttl: h.ttl, from: h.from, rtts: h.rtts, error: h.error })) }),
  appLines(a) {
    const hops = a.hops as unknown as TracerouteHop[];
    const head = `  traceroute from ${String(a.host)} to ${String(a.to)}: ${a.reached ? `reached in ${hops.length} hops` : `not reached (${hops.length} hops)`}`;
    return [head, ...hops.map((h) => `    ${hopLine(h)}`)];
  },
  notes: [someKinds(APP_NOTE_KINDS, 'traceroute.hop', 'traceroute.done')],
});
