import { APP_NOTE_KINDS } from './notes.ts';
import { appNote } from './notes.ts';
import type { Endpoint, EndpointOutput } from '../core/endpoint.ts';
import type { Hop } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import { MS, SECOND } from '../core/time.ts';
import type { Host } from '../net/host.ts';
import { EndpointDriver } from '../net/endpoint-driver.ts';
import { duration, integer, ip, required, withDefault } from '../schema/fields.ts';
import { defineApp, someKinds, HOST_FIELD, kindField, type Obj } from './app-kind.ts';

export interface PingOptions {
  readonly to: string;
  /** Echo requests to send (`ping -c`). */
  readonly count: number;
  /** Time between two requests (`ping -i`, 1 s). */
  readonly interval: Micros;
  /** Bytes of data after the ICMP header (`ping -s`, 56: a 64-byte ICMP message). */
  readonly size: number;
  /** The requests' TTL / hop limit (`ping -t`). */
  readonly ttl: number;
  /** How long it waits for replies after the last request (`ping -W`-like linger). */
  readonly wait: Micros;
  readonly at: Micros;
}

/** One request's fate: its reply (with the reply's TTL and round-trip time), or the ICMP error it got. */
export interface PingResult {
  readonly seq: number;
  readonly sentAt: Micros;
  reply?: { readonly from: string; readonly ttl: number; readonly rtt: Micros; readonly bytes: number };
  error?: { readonly from: string; readonly error: string };
}

/**
 * iputils ping: Echo Requests (RFC 792; ICMPv6 RFC 4443 §4.1) every `interval`, `count` of them, each carrying a
 * 16-byte timestamp then the bytes 0x10, 0x11 … as iputils fills them; replies are matched by identifier and
 * sequence, and ICMP errors about a request (Time Exceeded with a low TTL, Destination Unreachable) are reported as
 * ping prints them ("From 100.64.0.1 icmp_seq=2 Time to live exceeded"). NATs map the requests by identifier
 * (RFC 5508 §3.1). The statistics are ping's: transmitted, received, errors, loss, rtt min/avg/max/mdev.
 */
export class Ping implements Endpoint {
  private readonly out: EndpointOutput[] = [];
  private next: Micros;
  private sent = 0;
  private lastSentAt: Micros = 0;
  readonly results: PingResult[] = [];
  done = false;
  /** Set to the driver's pump: replies and errors arrive outside the driver's calls. */
  onOutput: (() => void) | undefined;

  constructor(
    readonly name: string,
    private readonly host: Host,
    readonly o: PingOptions,
    /** The echo identifier (Linux: the ping socket's port or the process id). */
    readonly identifier: number,
  ) {
    this.next = o.at;
  }

  /** Takes the host's echo replies and errors (one ping per host). */
  open(): void {
    this.host.echoReplyHandler = (from, id, seq, hop) => this.reply(from, id, seq, hop);
    this.host.echoErrorHandler = (from, error, to, id, seq) => this.error(from, error, to, id, seq);
  }

  handleDatagram(): void {}

  handleTimeout(now: Micros): void {
    while (!this.done && this.sent < this.o.count && now >= this.next) this.send(now);
    if (!this.done && this.sent >= this.o.count && now >= this.lastSentAt + this.o.wait) this.finish();
  }

  poll(now: Micros): EndpointOutput {
    this.handleTimeout(now);
    const next = this.out.shift();
    if (next) return next;
    if (this.done) return { type: 'idle' };
    if (this.sent < this.o.count) return { type: 'timeout', at: this.next, reason: 'ping-interval' };
    return { type: 'timeout', at: this.lastSentAt + this.o.wait, reason: 'ping-wait' };
  }

  private send(now: Micros): void {
    const seq = ++this.sent;
    this.lastSentAt = now;
    this.next = now + this.o.interval;
    this.results.push({ seq, sentAt: now });
    this.host.sendEcho(this.o.to, this.identifier, seq, echoData(now, this.o.size), 'request', undefined, this.o.ttl);
  }

  private reply(from: string, id: number, seq: number, hop: Hop): void {
    const r = this.results.find((x) => x.seq === seq);
    if (id !== this.identifier || !r || this.done) return;
    if (r.reply) return; // a duplicate (ping prints "(DUP!)"; counted once)
    const v = hop.bytes[0]! >> 4;
    const ttl = v === 4 ? hop.bytes[8]! : hop.bytes[7]!;
    const bytes = v === 4 ? hop.bytes.length - (hop.bytes[0]! & 0x0f) * 4 : hop.bytes.length - 40;
    r.reply = { from, ttl, rtt: this.host.net.now - r.sentAt, bytes };
    this.out.push({ type: 'note', ...appNote('ping.reply', `${this.name}: ${bytes} bytes from ${from}: icmp_seq=${seq} ttl=${ttl} time=${ms(r.reply.rtt)} ms`, { from, seq, ttl, rtt: r.reply.rtt, bytes }) });
    this.settle();
  }

  private error(from: string, error: string, to: string, id: number, seq: number): void {
    const r = this.results.find((x) => x.seq === seq);
    if (id !== this.identifier || to !== this.o.to || !r || r.error || r.reply || this.done) return;
    r.error = { from, error };
    this.out.push({ type: 'note', ...appNote('ping.error', `${this.name}: From ${from} icmp_seq=${seq} ${pingErrorText(error)}`, { from, seq, error }) });
    this.settle();
  }

  /** Every request answered (by a reply or an error) once all are sent: ping ends without waiting further. */
  private settle(): void {
    if (this.sent >= this.o.count && this.results.every((r) => r.reply || r.error)) this.finish();
    this.onOutput?.();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    const s = pingStats(this.results);
    this.out.push({ type: 'note', ...appNote('ping.done', `${this.name}: ${statsLine(s)}`, { ...s }) });
  }
}

/** The request's data as iputils writes it: a timeval (seconds, microseconds; little-endian 64-bit) then 0x10, 0x11 … */
function echoData(now: Micros, size: number): Uint8Array {
  const d = new Uint8Array(size);
  for (let i = 0; i < size; i++) d[i] = i & 0xff;
  if (size >= 16) {
    const v = new DataView(d.buffer);
    v.setBigUint64(0, BigInt(Math.floor(now / SECOND)), true);
    v.setBigUint64(8, BigInt(now % SECOND), true);
  }
  return d;
}

/** ping's words for ICMP errors ("Time to live exceeded", "Destination Host Unreachable" …). */
function pingErrorText(error: string): string {
  if (/time to live|hop limit|ttl/i.test(error)) return 'Time to live exceeded';
  return error.replace(/\bunreachable\b/i, 'Unreachable');
}

const ms = (t: Micros): string => (t / MS).toFixed(t < 10 * MS ? 2 : 1);

export interface PingStats {
  readonly transmitted: number;
  readonly received: number;
  readonly errors: number;
  /** Percent of requests without a reply. */
  readonly loss: number;
  /** µs; null without a reply. */
  readonly min: number | null;
  readonly avg: number | null;
  readonly max: number | null;
  readonly mdev: number | null;
}

/** ping's summary figures; mdev is the standard deviation of the RTTs (iputils: sqrt(mean(rtt²) − mean(rtt)²)). */
export function pingStats(results: readonly PingResult[]): PingStats {
  const rtts = results.flatMap((r) => (r.reply ? [r.reply.rtt] : []));
  const n = rtts.length;
  const transmitted = results.length;
  const errors = results.filter((r) => r.error).length;
  if (n === 0) return { transmitted, received: 0, errors, loss: transmitted ? 100 : 0, min: null, avg: null, max: null, mdev: null };
  const avg = rtts.reduce((a, b) => a + b, 0) / n;
  const sq = rtts.reduce((a, b) => a + b * b, 0) / n;
  return {
    transmitted, received: n, errors, loss: Math.round((100 * (transmitted - n)) / transmitted),
    min: Math.min(...rtts), avg: Math.round(avg), max: Math.max(...rtts), mdev: Math.round(Math.sqrt(Math.max(0, sq - avg * avg))),
  };
}

/** "4 packets transmitted, 4 received, 0% packet loss; rtt min/avg/max/mdev = 40.0/40.0/40.0/0.00 ms" */
function statsLine(s: PingStats): string {
  const head = `${s.transmitted} packets transmitted, ${s.received} received${s.errors ? `, +${s.errors} errors` : ''}, ${s.loss}% packet loss`;
  if (s.min === null) return head;
  return `${head}; rtt min/avg/max/mdev = ${(s.min / MS).toFixed(3)}/${(s.avg! / MS).toFixed(3)}/${(s.max! / MS).toFixed(3)}/${(s.mdev! / MS).toFixed(3)} ms`;
}

export interface PingAppSpec extends PingOptions {
  readonly kind: 'ping';
  readonly host: string;
}

/** The scenario app "ping": iputils ping from one host. */
export const pingApp = defineApp({
  kind: 'ping',
  about: 'sends ICMP Echo Requests as iputils ping does and reports replies, ICMP errors and ping\'s statistics',
  fields: [
    kindField('ping'),
    HOST_FIELD,
    required('to', ip, 'The destination address (IPv4 or IPv6).', '198.51.100.10'),
    withDefault('count', integer(1, 10_000), 4, '`4`', 'Echo requests to send (`ping -c`).', 4),
    withDefault('interval', duration, SECOND, '`"1s"`', 'Time between two requests (`ping -i`).', '200ms'),
    withDefault('size', integer(0, 65_000), 56, '`56`', 'Data bytes per request (`ping -s`): a timestamp, then 0x10, 0x11 …', 56),
    withDefault('ttl', integer(1, 255), 64, '`64`', 'The requests\' TTL or hop limit (`ping -t`): a low one draws Time Exceeded from a router on the way.', 2),
    withDefault('wait', duration, 2 * SECOND, '`"2s"`', 'How long it waits for replies after the last request.', '1s'),
    withDefault('at', duration, 0, '`0`', 'When the first request leaves.', '100ms'),
  ],
  spec: (v): PingAppSpec => ({ kind: 'ping', host: v.host, to: v.to, count: v.count, interval: v.interval, size: v.size, ttl: v.ttl, wait: v.wait, at: v.at }),
  build(world, host, spec: PingAppSpec, ctx) {
    // Linux's ping socket (or iputils' raw socket) picks the identifier; here a stable RNG stream of the app does
    const identifier = world.rng(`${ctx.source}/identifier`).int(1, 0x10000);
    const endpoint = new Ping(spec.host, host, spec, identifier);
    endpoint.open();
    const driver = new EndpointDriver(world.net, host, endpoint, ctx.source);
    endpoint.onOutput = () => driver.pump();
    return { endpoint, driver };
  },
  connect(_world, apps) {
    const hosts = apps.map((a) => (a.spec as PingAppSpec).host);
    const twice = hosts.find((h, i) => hosts.indexOf(h) !== i);
    if (twice !== undefined) throw new Error(`apps: host ${twice} runs two ping apps (one per host: they share its echo replies)`);
  },
  sections: [],
  appEntry: ({ spec, endpoint: e }): Obj => ({
    to: spec.to,
    identifier: e.identifier,
    ...pingStats(e.results),
    replies: e.results.map((r) => ({ seq: r.seq, ...(r.reply ? { from: r.reply.from, ttl: r.reply.ttl, rtt: r.reply.rtt } : {}), ...(r.error ? { errorFrom: r.error.from, error: r.error.error } : {}) })),
  }),
  appLines(a) {
    const s = a as unknown as PingStats & { to: string; host: string; replies: { seq: number; from?: string; ttl?: number; rtt?: number; errorFrom?: string; error?: string }[] };
    const lines = s.replies.map((r) =>
      r.rtt !== undefined ? `    icmp_seq=${r.seq} from ${r.from} ttl=${r.ttl} time=${ms(r.rtt)} ms` : r.error !== undefined ? `    icmp_seq=${r.seq} From ${r.errorFrom} ${pingErrorText(r.error)}` : `    icmp_seq=${r.seq} no answer`,
    );
    return [`  ping from ${String(s.host)} to ${s.to}: ${statsLine(s)}`, ...lines];
  },
  notes: [someKinds(APP_NOTE_KINDS, 'ping.reply', 'ping.error', 'ping.done')],
});
