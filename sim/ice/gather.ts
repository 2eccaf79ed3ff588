import type { EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress, sameTransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { MS } from '../core/time.ts';
import { ipFamily } from '../wire/ip/address.ts';
import { encodeStun, getAttribute, Method, XorMappedAddress } from '../wire/stun/index.ts';
import type { StunMessage } from '../wire/stun/index.ts';
import type { Candidate } from './candidate.ts';
import { candidatePriority, foundationOf, TYPE_PREFERENCE } from './candidate.ts';
import type { TurnServerConfig } from './agent-base.ts';
import { TransactionTable } from './transactions.ts';
import { TurnClient } from './turn-client.ts';

/**
 * Gathering server-reflexive and relayed candidates (RFC 8445 §5.1.1.2): a Binding request to each STUN server
 * from each host base, an allocation on each TURN server, one new transaction every Ta (§14). Host candidates
 * are the agent's own; this reports the others through `candidate` and says when everything has answered.
 */
export interface GathererOptions {
  readonly rng: Rng;
  readonly stunServers: readonly TransportAddress[];
  readonly turnServers: readonly TurnServerConfig[];
  readonly ta?: Micros;
  readonly emit: (o: EndpointOutput) => void;
  readonly candidate: (now: Micros, c: Candidate) => void;
  readonly complete: (now: Micros) => void;
}

type Job = { at: Micros; run: (now: Micros) => void };

export class IceGatherer {
  complete = false;
  private readonly jobs: Job[] = [];
  private readonly tx = new TransactionTable<{ base: TransportAddress; server: TransportAddress }>();
  private readonly turns: TurnClient[] = [];
  private readonly localPrefs = new Map<string, number>();
  private pending = 0;
  private turnCount = 0;

  constructor(private readonly o: GathererOptions) {}

  setLocalPreference(base: TransportAddress, lp: number): void {
    this.localPrefs.set(formatTransportAddress(base), lp);
  }

  private lp(base: TransportAddress): number {
    return this.localPrefs.get(formatTransportAddress(base)) ?? 65535;
  }

  private note(kind: string, text: string, data: { [k: string]: string | number } = {}): void {
    this.o.emit({ type: 'note', kind, text, data });
  }

  start(now: Micros, bases: readonly TransportAddress[]): void {
    const ta = this.o.ta ?? 50 * MS;
    for (const base of bases) {
      for (const server of this.o.stunServers) {
        if (ipFamily(server.ip) !== ipFamily(base.ip)) continue;
        this.jobs.push({ at: 0, run: (t) => this.binding(t, base, server) });
      }
      for (const turn of this.o.turnServers) {
        if (ipFamily(turn.server.ip) !== ipFamily(base.ip)) continue;
        this.jobs.push({ at: 0, run: (t) => this.allocate(t, base, turn) });
      }
    }
    // §14: one new STUN/TURN transaction every Ta
    this.jobs.forEach((j, i) => (j.at = now + i * ta));
    this.pending = this.jobs.length;
    this.handleTimeout(now);
    if (this.pending === 0) this.finish(now);
  }

  private finish(now: Micros): void {
    if (this.complete) return;
    this.complete = true;
    this.o.complete(now);
  }

  private done(now: Micros): void {
    this.pending--;
    if (this.pending <= 0) this.finish(now);
  }

  private binding(now: Micros, base: TransportAddress, server: TransportAddress): void {
    const id = this.o.rng.bytes(12);
    const bytes = encodeStun({ method: Method.Binding, class: 'request', transactionId: id, attributes: [] }, { fingerprint: true });
    this.tx.start(now, id, base, server, bytes, { base, server });
    this.note('ice.gathering.request', `Binding request from ${formatTransportAddress(base)} to STUN server ${formatTransportAddress(server)}`, { base: formatTransportAddress(base), server: formatTransportAddress(server) });
    this.o.emit({ type: 'transmit', from: base, to: server, bytes });
  }

  private allocate(now: Micros, base: TransportAddress, turn: TurnServerConfig): void {
    let finished = false;
    const client: TurnClient = new TurnClient(base, turn.server, turn, this.o.rng.fork(`turn${this.turnCount++}`), this.o.emit, {
      allocated: (t, relayed, mapped) => {
        const lp = this.lp(base);
        if (mapped) {
          this.o.candidate(t, {
            foundation: foundationOf('srflx', base.ip, turn.server.ip, 'udp'), component: 1, transport: 'udp', priority: candidatePriority(TYPE_PREFERENCE.srflx, lp, 1),
            address: mapped, type: 'srflx', base, related: base, server: turn.server,
          });
        }
        // §5.1.1.2: the relayed candidate's base is the candidate itself; raddr/rport carry the mapped address
        this.o.candidate(t, {
          foundation: foundationOf('relay', base.ip, turn.server.ip, 'udp'), component: 1, transport: 'udp', priority: candidatePriority(TYPE_PREFERENCE.relay, lp, 1),
          address: relayed, type: 'relay', base: relayed, ...(mapped ? { related: mapped } : {}), server: turn.server,
        });
        if (!finished) {
          finished = true;
          this.done(t);
        }
      },
      failed: (t) => {
        if (!finished) {
          finished = true;
          this.done(t);
        }
      },
    });
    this.turns.push(client);
    client.start(now);
  }

  /** Datagrams from a TURN server to the socket its client uses: relayed peer data, the client's own, or neither. */
  fromServer(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): { relayedAddress: TransportAddress; peer: TransportAddress; data: Uint8Array } | 'consumed' | undefined {
    for (const t of this.turns) {
      if (!sameTransportAddress(t.server, from) || !sameTransportAddress(t.base, to)) continue;
      const r = t.receive(now, bytes);
      if (r === 'consumed') return r;
      if (r && t.relayed) return { relayedAddress: t.relayed, peer: r.peer, data: r.data };
    }
    return undefined;
  }

  /** A Binding response that is not an ICE check's: maybe the answer to a gathering request (RFC 8489 §7.3.3). */
  onBindingResponse(now: Micros, base: TransportAddress, from: TransportAddress, msg: StunMessage): void {
    const t = this.tx.take(msg.transactionId);
    if (!t) return;
    const mapped = getAttribute(msg, XorMappedAddress);
    if (msg.class === 'success' && mapped && sameTransportAddress(from, t.ctx.server)) {
      this.o.candidate(now, {
        foundation: foundationOf('srflx', base.ip, t.ctx.server.ip, 'udp'), component: 1, transport: 'udp', priority: candidatePriority(TYPE_PREFERENCE.srflx, this.lp(base), 1),
        address: mapped, type: 'srflx', base, related: base, server: t.ctx.server,
      });
    } else {
      this.note('ice.gathering.error', `STUN server ${formatTransportAddress(t.ctx.server)} answered without a usable mapped address`);
    }
    this.done(now);
  }

  relayFor(relayed: TransportAddress): TurnClient | undefined {
    return this.turns.find((t) => t.relayed !== undefined && sameTransportAddress(t.relayed, relayed));
  }

  handleTimeout(now: Micros): void {
    while (this.jobs.length > 0 && this.jobs[0]!.at <= now) this.jobs.shift()!.run(now);
    const { retransmit, timedOut } = this.tx.due(now);
    for (const t of retransmit) this.o.emit({ type: 'transmit', from: t.from, to: t.to, bytes: t.bytes });
    for (const t of timedOut) {
      this.note('ice.gathering.timeout', `no answer from STUN server ${formatTransportAddress(t.ctx.server)}: no server-reflexive candidate from ${formatTransportAddress(t.ctx.base)}`, { server: formatTransportAddress(t.ctx.server) });
      this.done(now);
    }
    for (const c of this.turns) c.handleTimeout(now);
  }

  nextDeadline(): Micros | undefined {
    const c = [this.jobs[0]?.at, this.tx.nextDeadline(), ...this.turns.map((t) => t.nextDeadline())];
    return c.reduce<Micros | undefined>((a, b) => (b === undefined ? a : a === undefined || b < a ? b : a), undefined);
  }
}
