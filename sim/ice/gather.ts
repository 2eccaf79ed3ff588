import { earliestDeadline } from '../core/deadline.ts';
import { iceNote, type IceNote } from './notes.ts';
import type { EndpointOutput, IcmpError, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress, sameTransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { MS } from '../core/time.ts';
import { ipFamily } from '../wire/ip/address.ts';
import type { TransactionOutput, TransactionResult } from '../stun/transactions.ts';
import { StunTransactions } from '../stun/transactions.ts';
import { getAttribute, Method, XorMappedAddress } from '../wire/stun/index.ts';
import type { StunMessage } from '../wire/stun/index.ts';
import type { Candidate } from './candidate.ts';
import { candidatePriority, foundationOf, relayLocalPreference, TYPE_PREFERENCE } from './candidate.ts';
import { browserOrder } from '../turn/url.ts';
import type { TurnServerConfig } from './agent-base.ts';
import { TurnRelay } from './relay.ts';
import { icmpErrorOfRelay } from '../turn/client-icmp.ts';

/**
 * Gathering server-reflexive and relayed candidates (RFC 8445 §5.1.1.2): a Binding request to each STUN server
 * from each host base, an allocation on each TURN server, one new transaction every Ta (§14). Host candidates
 * are the agent's own; this reports the others through `candidate` and says when everything has answered.
 */
export interface GathererOptions {
  /** The agent's name, for the TURN notes. */
  readonly name?: string;
  readonly rng: Rng;
  readonly stunServers: readonly TransportAddress[];
  readonly turnServers: readonly TurnServerConfig[];
  readonly ta?: Micros;
  readonly emit: (o: EndpointOutput) => void;
  readonly candidate: (now: Micros, c: Candidate) => void;
  readonly complete: (now: Micros) => void;
}

type Job = { at: Micros; run: (now: Micros) => void };
type BindingCtx = { base: TransportAddress; server: TransportAddress };

/** A StunTransactions/TurnSession output that hands transmits and notes to the agent's queue. */
export function emitOutput(emit: (o: EndpointOutput) => void): TransactionOutput {
  return {
    transmit: (from, to, bytes) => emit({ type: 'transmit', from, to, bytes }),
    note: (n) => emit({ type: 'note', kind: n.kind, text: n.text, ...(n.data ? { data: n.data } : {}) }),
  };
}

export class IceGatherer {
  complete = false;
  private readonly jobs: Job[] = [];
  private readonly out: TransactionOutput;
  private readonly tx: StunTransactions<BindingCtx>;
  private readonly turns: TurnRelay[] = [];
  private readonly localPrefs = new Map<string, number>();
  private pending = 0;
  private turnCount = 0;

  constructor(private readonly o: GathererOptions) {
    this.out = emitOutput(o.emit);
    this.tx = new StunTransactions<BindingCtx>(o.rng, this.out, (r) => this.bindingResult(r));
  }

  setLocalPreference(base: TransportAddress, lp: number): void {
    this.localPrefs.set(formatTransportAddress(base), lp);
  }

  private lp(base: TransportAddress): number {
    return this.localPrefs.get(formatTransportAddress(base)) ?? 65535;
  }

  private note(n: Extract<IceNote, { kind: 'ice.gathering.request' | 'ice.gathering.timeout' | 'ice.gathering.error' }>): void {
    this.o.emit({ type: 'note', ...n });
  }

  start(now: Micros, bases: readonly TransportAddress[]): void {
    const ta = this.o.ta ?? 50 * MS;
    for (const base of bases) {
      for (const server of this.o.stunServers) {
        if (ipFamily(server.ip) !== ipFamily(base.ip)) continue;
        this.jobs.push({ at: 0, run: (t) => this.binding(t, base, server) });
      }
      // browsers gather from TURN over UDP first, then TCP, then TLS (RFC 8656 §3.1 transports)
      for (const turn of browserOrder(this.o.turnServers)) {
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
    this.note(iceNote('ice.gathering.request', `Binding request from ${formatTransportAddress(base)} to STUN server ${formatTransportAddress(server)}`, { base: formatTransportAddress(base), server: formatTransportAddress(server) }));
    this.tx.start(now, { from: base, to: server, method: Method.Binding, attributes: [], encode: { fingerprint: true }, context: { base, server } });
  }

  private allocate(now: Micros, base: TransportAddress, turn: TurnServerConfig): void {
    let finished = false;
    const protocol = turn.transport ?? 'udp';
    const stream = protocol !== 'udp';
    // over TCP or TLS the session's "socket" is a connection from the base's address (port 0 until the driver's stream
    // wrapper dials it, sim/apps/stream-links.ts), and its transmits say so
    const local = stream ? { ip: base.ip, port: 0 } : base;
    const out: TransactionOutput = stream ? { transmit: (from, to, bytes) => this.o.emit({ type: 'transmit', from, to, bytes, transport: 'tcp' }), note: this.out.note } : this.out;
    const client = new TurnRelay(local, turn.server, turn, this.o.rng.fork(`turn${this.turnCount++}`), out, {
      allocated: (t, relayed, mapped) => {
        const lp = this.lp(base);
        // a TCP connection's mapping is no server-reflexive candidate for UDP
        if (mapped && !stream) {
          this.o.candidate(t, {
            foundation: foundationOf('srflx', base.ip, turn.server.ip, 'udp'), component: 1, transport: 'udp', priority: candidatePriority(TYPE_PREFERENCE.srflx, lp, 1),
            address: mapped, type: 'srflx', base, related: base, server: turn.server,
          });
        }
        // §5.1.1.2: the relayed candidate's base is the candidate itself; raddr/rport carry the mapped address
        this.o.candidate(t, {
          // the relay protocol is part of what the candidate is: UDP and TCP allocations on one server differ in foundation
          foundation: foundationOf('relay', base.ip, stream ? `${turn.server.ip} ${protocol}` : turn.server.ip, 'udp'), component: 1, transport: 'udp',
          priority: candidatePriority(TYPE_PREFERENCE.relay, relayLocalPreference(lp, protocol), 1),
          address: relayed, type: 'relay', base: relayed, ...(mapped ? { related: mapped } : {}), server: turn.server, ...(stream ? { relayProtocol: protocol } : {}),
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
    }, this.o.name, stream);
    this.turns.push(client);
    client.start(now);
  }

  /** Datagrams from a TURN server to the socket its client uses: relayed peer data, the client's own, or neither. */
  fromServer(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): { relayedAddress: TransportAddress; peer: TransportAddress; data: Uint8Array } | { icmp: IcmpError } | 'consumed' | undefined {
    for (const t of this.turns) {
      if (!sameTransportAddress(t.server, from) || !sameTransportAddress(t.base, to)) continue;
      const r = t.receive(now, bytes);
      if (r === 'consumed') return r;
      // RFC 8656 §11.6: an ICMP error relayed by the server counts as one about what the relayed candidate sent
      if (r && t.relayed && r.via === 'icmp') return { icmp: icmpErrorOfRelay(t.relayed, t.server, r) };
      if (r && t.relayed && r.via !== 'icmp') return { relayedAddress: t.relayed, peer: r.peer, data: r.data };
    }
    return undefined;
  }

  /** A Binding response that is not an ICE check's: maybe the answer to a gathering request (RFC 8489 §7.3.3). */
  onBindingResponse(now: Micros, base: TransportAddress, from: TransportAddress, msg: StunMessage, bytes: Uint8Array): void {
    this.tx.handleResponse(now, from, base, msg, bytes);
  }

  private bindingResult(r: TransactionResult<BindingCtx>): void {
    const { server, base } = r.transaction.request.context!;
    if (r.kind === 'timeout') {
      const why = r.icmp ? `ICMP ${r.icmp} from the path to STUN server ${formatTransportAddress(server)}` : `no answer from STUN server ${formatTransportAddress(server)}`;
      this.note(iceNote('ice.gathering.timeout', `${why}: no server-reflexive candidate from ${formatTransportAddress(base)}`, { server: formatTransportAddress(server) }));
      return this.done(r.at);
    }
    const mapped = getAttribute(r.response, XorMappedAddress);
    if (r.response.class === 'success' && mapped && sameTransportAddress(r.from, server)) {
      this.o.candidate(r.at, {
        foundation: foundationOf('srflx', r.to.ip, server.ip, 'udp'), component: 1, transport: 'udp', priority: candidatePriority(TYPE_PREFERENCE.srflx, this.lp(r.to), 1),
        address: mapped, type: 'srflx', base: r.to, related: r.to, server,
      });
    } else {
      this.note(iceNote('ice.gathering.error', `STUN server ${formatTransportAddress(server)} answered without a usable mapped address`, {}));
    }
    this.done(r.at);
  }

  /** A hard ICMP error about a gathering request ends its transaction now (RFC 8489 §6.2.1 allows no better). */
  handleIcmpError(now: Micros, local: TransportAddress, remote: TransportAddress, error: string, from: string): void {
    this.tx.handleIcmpError(now, local, remote, error, from);
  }

  relayFor(relayed: TransportAddress): TurnRelay | undefined {
    return this.turns.find((t) => t.relayed !== undefined && sameTransportAddress(t.relayed, relayed));
  }

  handleTimeout(now: Micros): void {
    while (this.jobs.length > 0 && this.jobs[0]!.at <= now) this.jobs.shift()!.run(now);
    this.tx.handleTimeout(now);
    for (const c of this.turns) c.handleTimeout(now);
  }

  deadline(): { at: Micros; reason: string } | undefined {
    const job = this.jobs[0];
    const c = [job ? { at: job.at, reason: 'ice-gathering-pacing' } : undefined, this.tx.deadline(), ...this.turns.map((t) => t.deadline())];
    return earliestDeadline(...c);
  }
}
