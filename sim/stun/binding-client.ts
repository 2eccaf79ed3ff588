import { stunNote } from './notes.ts';
import type { Endpoint, EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { formatDuration } from '../core/time.ts';
import { decodeStun, ErrorCode, getAttribute, isStun, MappedAddress, Method, reasonText, Software, XorMappedAddress } from '../wire/stun/index.ts';
import { nextWake } from '../core/deadline.ts';
import { Outbox } from './outbox.ts';
import type { TransactionOptions, TransactionResult } from './transactions.ts';
import { StunTransactions } from './transactions.ts';

export interface BindingOutcome {
  readonly at: Micros;
  readonly server: string;
  /** The XOR-MAPPED-ADDRESS the server saw, or undefined on timeout or error. */
  readonly mapped?: string;
  readonly rtt?: Micros;
  readonly error?: string;
  readonly attempts: number;
}

/**
 * Sends Binding requests (RFC 8489 §6.1) at the given times and reports the XOR-MAPPED-ADDRESS of each answer:
 * the public address a NAT gave this socket, as the server saw it.
 */
export class StunBindingClient implements Endpoint {
  private readonly out = new Outbox();
  private readonly tx: StunTransactions;
  private readonly schedule: Micros[];
  readonly outcomes: BindingOutcome[] = [];

  constructor(
    readonly name: string,
    readonly local: TransportAddress,
    readonly server: TransportAddress,
    rng: Rng,
    /** When to send each request (default: once at 0). */
    at: readonly Micros[] = [0],
    options: TransactionOptions & { readonly software?: string } = {},
  ) {
    this.schedule = [...at].sort((a, b) => a - b);
    this.tx = new StunTransactions(rng, this.out, (r) => this.done(r), options);
  }

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    if (!isStun(bytes)) return;
    const msg = decodeStun(bytes, false).value;
    if (msg) this.tx.handleResponse(now, from, to, msg, bytes);
  }

  handleTimeout(now: Micros): void {
    while (this.schedule.length > 0 && this.schedule[0]! <= now) {
      this.schedule.shift();
      this.tx.start(now, { from: this.local, to: this.server, method: Method.Binding, attributes: [Software.of('rtclab')], encode: { fingerprint: true } });
      this.out.note(stunNote('stun.binding.sent', `${this.name} sends a Binding request to ${formatTransportAddress(this.server)}`, { to: formatTransportAddress(this.server) }));
    }
    this.tx.handleTimeout(now);
  }

  private done(r: TransactionResult): void {
    const server = formatTransportAddress(this.server);
    const t = r.transaction;
    if (r.kind === 'timeout') {
      this.outcomes.push({ at: t.startedAt, server, attempts: t.attempts, error: 'timeout' });
      return;
    }
    if (r.response.class === 'error') {
      const e = getAttribute(r.response, ErrorCode);
      const error = e ? `${e.code} ${reasonText(e.reason)}` : 'error response without ERROR-CODE';
      this.outcomes.push({ at: t.startedAt, server, attempts: t.attempts, rtt: r.rtt, error });
      this.out.note(stunNote('stun.binding.error', `${this.name}: Binding error ${error}`, { error }));
      return;
    }
    const m = getAttribute(r.response, XorMappedAddress) ?? getAttribute(r.response, MappedAddress);
    const mapped = m ? formatTransportAddress(m) : undefined;
    this.outcomes.push({ at: t.startedAt, server, attempts: t.attempts, rtt: r.rtt, ...(mapped ? { mapped } : { error: 'no XOR-MAPPED-ADDRESS' }) });
    this.out.note(
      stunNote(
        'stun.binding.result',
        mapped
          ? `${this.name} learns its server-reflexive address: the server saw ${mapped} (local ${formatTransportAddress(this.local)}), round trip ${formatDuration(r.rtt)}`
          : `${this.name}: the Binding response carries no XOR-MAPPED-ADDRESS`,
        { mapped: mapped ?? null, local: formatTransportAddress(this.local), rtt: r.rtt, server },
      ),
    );
  }

  poll(now: Micros): EndpointOutput {
    if (this.out.size === 0 && this.schedule.length > 0 && this.schedule[0]! <= now) this.handleTimeout(now);
    const next = this.out.next();
    if (next) return next;
    const s = this.schedule[0];
    return nextWake(this.tx.deadline(), s === undefined ? undefined : { at: s, reason: 'stun-binding-schedule' });
  }
}
