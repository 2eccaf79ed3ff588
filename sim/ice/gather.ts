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
import { decodeStun, getAttribute, isStun, Method, XorMappedAddress } from '../wire/stun/index.ts';
import type { StunMessage } from '../wire/stun/index.ts';
import type { Candidate } from './candidate.ts';
import { candidatePriority, foundationOf, relayLocalPreference, TYPE_PREFERENCE } from './candidate.ts';
import { browserOrder } from '../turn/url.ts';
import type { TurnServerConfig } from './agent-base.ts';
import { TurnRelay } from './relay.ts';
import { icmpErrorOfRelay } from '../turn/client-icmp.ts';
import type { NetworkInfo } from './networks.ts';
import { HIGH_COST_KEEPALIVE_LIFETIME, libwebrtcFoundation, NETWORK_COST_HIGH, networkLocalPreference, PHASE_STEP, RELAY_TYPE_PREFERENCE, STEP_DELAY, STUN_KEEPALIVE_INTERVAL, STUN_REQUEST_SCHEDULE } from './libwebrtc.ts';

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
  /** A candidate found; `step` names the libwebrtc function that made it when gathering the libwebrtc way. */
  readonly candidate: (now: Micros, c: Candidate, step?: string) => void;
  readonly complete: (now: Micros) => void;
  /** The TURN server refused (or never answered) the ChannelBind from relayed address `relayed` to `peer` (relay.ts). */
  readonly relayRefused?: (now: Micros, relayed: TransportAddress, peer: TransportAddress, error: string) => void;
}

/**
 * Gathering as libwebrtc's BasicPortAllocatorSession does it (`start` with this): an AllocationSequence per network,
 * best network first, all started at once; each runs its phases STEP_DELAY apart: UDP (the UDPPort's host candidate,
 * then a Binding request to every STUN server and every UDP TURN server at once, on StunRequest's schedule, kept alive
 * every 10 s: from the UDPPort's shared socket, or without it from a StunPort's own), relay (a TurnPort per TURN URL),
 * TCP (TCPPorts).
 */
export interface LibwebrtcAllocation {
  /** The agent's ICE tiebreaker, salting foundations (Port::ComputeFoundation). */
  readonly tieBreaker: bigint;
  readonly network: (ip: string) => NetworkInfo | undefined;
  /** UDPPort::OnLocalAddressReady: the agent adds the host candidate of `base`. */
  readonly udpPortReady: (now: Micros, base: TransportAddress) => void;
  /** CreateTCPPorts: the agent adds the TCP host candidates on `ip`, and says how many. */
  readonly tcpPorts: (now: Micros, ip: string) => number;
  /**
   * Given, gathering runs without PORTALLOCATOR_ENABLE_SHARED_SOCKET: this binds a new UDP socket on `ip` for a
   * StunPort (AllocationSequence::CreateStunPorts: one per network, asking every STUN server) and for each TurnPort
   * over UDP, so the srflx candidate's base is the StunPort's socket, not the UDPPort's. Absent: Chromium's shared socket.
   */
  readonly bindSocket?: (ip: string) => TransportAddress;
}

/** `ip`: the network the job belongs to; `counted`: it ends a sequence (its TCP phase), so gathering waits for it. */
type Job = { at: Micros; run: (now: Micros) => void; ip?: string; counted?: boolean };
type BindingCtx = { base: TransportAddress; server: TransportAddress; keepalive?: boolean; firstAt?: Micros };

/** A StunTransactions/TurnSession output that hands transmits and notes to the agent's queue. */
export function emitOutput(emit: (o: EndpointOutput) => void): TransactionOutput {
  return {
    transmit: (from, to, bytes) => emit({ type: 'transmit', from, to, bytes }),
    note: (n) => emit({ type: 'note', kind: n.kind, text: n.text, ...(n.data ? { data: n.data } : {}) }),
  };
}

export class IceGatherer {
  complete = false;
  /** Its ports went (`release`): only the deallocations' answers are still awaited. */
  released = false;
  private readonly jobs: Job[] = [];
  private readonly out: TransactionOutput;
  private readonly tx: StunTransactions<BindingCtx>;
  /** libwebrtc's StunRequest schedule (STUN_REQUEST_SCHEDULE) for the Binding requests of the libwebrtc way. */
  private readonly stunRequests: StunTransactions<BindingCtx>;
  private lw: LibwebrtcAllocation | undefined;
  /** STUN servers whose answer already made a candidate on a base (UDPPort's bind_request_succeeded_servers_). */
  private readonly answered = new Set<string>();
  /** The sockets of StunPorts (non-shared mode), whose requests and candidates the notes name as the StunPort's. */
  private readonly stunPorts = new Set<string>();
  private readonly turns: TurnRelay[] = [];
  private readonly localPrefs = new Map<string, number>();
  private pending = 0;
  private turnCount = 0;

  constructor(private readonly o: GathererOptions) {
    this.out = emitOutput(o.emit);
    this.tx = new StunTransactions<BindingCtx>(o.rng, this.out, (r) => this.bindingResult(r));
    // the two tables draw on one stream: a gatherer uses one or the other
    this.stunRequests = new StunTransactions<BindingCtx>(o.rng, this.out, (r) => this.bindingResult(r), STUN_REQUEST_SCHEDULE);
  }

  setLocalPreference(base: TransportAddress, lp: number): void {
    this.localPrefs.set(formatTransportAddress(base), lp);
  }

  private lp(base: TransportAddress): number {
    return this.localPrefs.get(formatTransportAddress(base)) ?? 65535;
  }

  private note(n: Extract<IceNote, { kind: 'ice.gathering.request' | 'ice.gathering.timeout' | 'ice.gathering.error' | 'ice.allocation.sequence' | 'ice.allocation.phase' | 'ice.gathering.keepalive' }>): void {
    this.o.emit({ type: 'note', ...n });
  }

  /** Jobs stay in time order; one at the same time as others runs after them. */
  private schedule(at: Micros, run: (now: Micros) => void, ip?: string, counted = false): void {
    const i = this.jobs.findIndex((j) => j.at > at);
    this.jobs.splice(i < 0 ? this.jobs.length : i, 0, { at, run, ...(ip !== undefined ? { ip } : {}), ...(counted ? { counted } : {}) });
  }

  start(now: Micros, bases: readonly TransportAddress[], libwebrtc?: LibwebrtcAllocation): void {
    if (libwebrtc) return this.allocateSequences(now, bases, libwebrtc);
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
    if (this.lw) {
      const step = this.stunPorts.has(formatTransportAddress(base)) ? 'StunPort::PrepareAddress → UDPPort::SendStunBindingRequest' : 'UDPPort::SendStunBindingRequest';
      this.note(iceNote('ice.gathering.request', `${step}: Binding request from ${formatTransportAddress(base)} to STUN server ${formatTransportAddress(server)}`, { base: formatTransportAddress(base), server: formatTransportAddress(server), step }));
      this.stunRequests.start(now, { from: base, to: server, method: Method.Binding, attributes: [], encode: { fingerprint: true }, context: { base, server, firstAt: now } });
      return;
    }
    this.note(iceNote('ice.gathering.request', `Binding request from ${formatTransportAddress(base)} to STUN server ${formatTransportAddress(server)}`, { base: formatTransportAddress(base), server: formatTransportAddress(server) }));
    this.tx.start(now, { from: base, to: server, method: Method.Binding, attributes: [], encode: { fingerprint: true }, context: { base, server } });
  }

  /** StunBindingRequest::OnResponse: the next Binding request of a UDPPort, STUN_KEEPALIVE_INTERVAL after an answer. */
  private keepalive(now: Micros, base: TransportAddress, server: TransportAddress, firstAt: Micros): void {
    const step = `StunBindingRequest::OnResponse → ${this.stunPorts.has(formatTransportAddress(base)) ? 'StunPort' : 'UDPPort'} keepalive`;
    this.note(iceNote('ice.gathering.keepalive', `${step}: Binding request from ${formatTransportAddress(base)} to STUN server ${formatTransportAddress(server)}, keeping the NAT's mapping`, { base: formatTransportAddress(base), server: formatTransportAddress(server), step }));
    this.stunRequests.start(now, { from: base, to: server, method: Method.Binding, attributes: [], encode: { fingerprint: true }, context: { base, server, keepalive: true, firstAt } });
  }

  /** BasicPortAllocatorSession::DoAllocate: an AllocationSequence per network, best first, each with its three phases. */
  private allocateSequences(now: Micros, bases: readonly TransportAddress[], lw: LibwebrtcAllocation): void {
    this.lw = lw;
    this.complete = false; // a new network's sequence (continual gathering) opens gathering again
    const ranked = bases.map((base, i) => ({ base, net: lw.network(base.ip), i })).sort((a, b) => (b.net?.preference ?? -1) - (a.net?.preference ?? -1) || a.i - b.i);
    // PortConfiguration::StunServers: every UDP TURN server is asked as a STUN server too
    const stun: TransportAddress[] = [];
    for (const s of [...this.o.stunServers, ...this.o.turnServers.filter((t) => (t.transport ?? 'udp') === 'udp').map((t) => t.server)]) {
      if (!stun.some((x) => sameTransportAddress(x, s))) stun.push(s);
    }
    this.pending += ranked.length;
    for (const { base, net } of ranked) {
      const id = net?.id ?? 0;
      const family = ipFamily(base.ip);
      const servers = stun.filter((s) => ipFamily(s.ip) === family);
      const turns = this.o.turnServers.map((t, i, all) => ({ t, relayPreference: all.length - 1 - i })).filter(({ t }) => ipFamily(t.server.ip) === family);
      this.note(iceNote('ice.allocation.sequence', `BasicPortAllocatorSession::DoAllocate: AllocationSequence for network ${id} (${net?.type ?? 'unknown'} ${base.ip}, preference ${net?.preference ?? 0}, cost ${net?.cost ?? 0})`, {
        network: id, networkType: net?.type ?? 'unknown', address: base.ip, preference: net?.preference ?? 0, cost: net?.cost ?? 0, step: 'BasicPortAllocatorSession::DoAllocate',
      }));
      const phase = (p: 'udp' | 'relay' | 'tcp', ports: number, what: string): void =>
        this.note(iceNote('ice.allocation.phase', `${PHASE_STEP[p]} on network ${id}: ${what}`, { network: id, phase: p, ports, step: PHASE_STEP[p] }));
      this.schedule(now, (t) => {
        // without the shared socket, CreateStunPorts adds a StunPort on its own socket when there are STUN servers
        const stunPort = lw.bindSocket && servers.length ? lw.bindSocket(base.ip) : undefined;
        if (stunPort) this.stunPorts.add(formatTransportAddress(stunPort));
        if (!lw.bindSocket) phase('udp', 1, `a UDPPort on ${formatTransportAddress(base)} (shared socket)${servers.length ? `, asking ${servers.length} STUN server(s)` : ''}`);
        else phase('udp', stunPort ? 2 : 1, `a UDPPort on ${formatTransportAddress(base)} (its own socket)${stunPort ? `, a StunPort on ${formatTransportAddress(stunPort)} asking ${servers.length} STUN server(s)` : ''}`);
        lw.udpPortReady(t, base);
        for (const server of servers) {
          this.pending++;
          this.binding(t, stunPort ?? base, server);
        }
      }, base.ip);
      this.schedule(now + STEP_DELAY, (t) => {
        phase('relay', turns.length, turns.length ? turns.map(({ t: x }) => `a TurnPort to ${formatTransportAddress(x.server)} over ${x.transport ?? 'udp'}${lw.bindSocket && (x.transport ?? 'udp') === 'udp' ? ' on a socket of its own' : ''}`).join(', ') : 'no TURN server for this family');
        for (const { t: turn, relayPreference } of turns) {
          this.pending++;
          this.allocate(t, base, turn, relayPreference);
        }
      }, base.ip);
      this.schedule(now + 2 * STEP_DELAY, (t) => {
        const n = lw.tcpPorts(t, base.ip);
        phase('tcp', n, n ? `${n} TCPPort(s) on ${base.ip}` : 'no TCP port (the peer gathers no ICE-TCP candidates)');
        this.done(t);
      }, base.ip, true);
    }
    this.handleTimeout(now);
    if (this.pending === 0) this.finish(now);
  }

  private allocate(now: Micros, base: TransportAddress, turn: TurnServerConfig, relayPreference = 0): void {
    let finished = false;
    const protocol = turn.transport ?? 'udp';
    const stream = protocol !== 'udp';
    // over TCP or TLS the session's "socket" is a connection from the base's address (port 0 until the driver's stream
    // wrapper dials it, sim/apps/stream-links.ts), and its transmits say so
    // without the shared socket a TurnPort over UDP binds its own socket (CreateTurnPort)
    const local = stream ? { ip: base.ip, port: 0 } : this.lw?.bindSocket ? this.lw.bindSocket(base.ip) : base;
    const out: TransactionOutput = stream ? { transmit: (from, to, bytes) => this.o.emit({ type: 'transmit', from, to, bytes, transport: 'tcp' }), note: this.out.note } : this.out;
    const lw = this.lw;
    const client = new TurnRelay(local, turn.server, turn, this.o.rng.fork(`turn${this.turnCount++}`), out, {
      allocated: (t, relayed, mapped) => {
        if (lw) {
          // TurnPort::OnAllocateSuccess: the relayed candidate alone (the srflx comes from the UDPPort's or StunPort's own request)
          const net = lw.network(base.ip);
          const lp = net ? networkLocalPreference(net, relayed.ip, relayPreference) : this.lp(base);
          this.o.candidate(t, {
            foundation: libwebrtcFoundation('relay', relayed.ip, 'udp', protocol, lw.tieBreaker), component: 1, transport: 'udp',
            priority: candidatePriority(RELAY_TYPE_PREFERENCE[protocol], lp, 1),
            address: relayed, type: 'relay', base: relayed, ...(mapped ? { related: mapped } : {}), server: turn.server, ...(stream ? { relayProtocol: protocol } : {}),
            ...(net ? { network: { id: net.id, cost: net.cost } } : {}),
          }, 'TurnPort::OnAllocateSuccess');
        } else {
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
        }
        if (!finished) {
          finished = true;
          this.done(t);
        }
      },
      refused: (t, peer, error) => {
        if (client.relayed) this.o.relayRefused?.(t, client.relayed, peer, error);
      },
      failed: (t) => {
        if (!finished) {
          finished = true;
          this.done(t);
        }
      },
    }, this.o.name, stream, lw && !stream ? STUN_REQUEST_SCHEDULE : undefined);
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
    if (!this.stunRequests.handleResponse(now, from, base, msg, bytes)) this.tx.handleResponse(now, from, base, msg, bytes);
  }

  private bindingResult(r: TransactionResult<BindingCtx>): void {
    const { server, base, keepalive, firstAt } = r.transaction.request.context!;
    const lw = this.lw;
    if (lw && r.kind === 'response') {
      // StunBindingRequest::OnResponse: ask again after the keepalive interval while the port's lifetime lasts
      const net = lw.network(base.ip);
      const lifetime = (net?.cost ?? 0) >= NETWORK_COST_HIGH ? HIGH_COST_KEEPALIVE_LIFETIME : Infinity;
      const start = firstAt ?? r.transaction.startedAt;
      if (r.at - start <= lifetime) this.schedule(r.at + STUN_KEEPALIVE_INTERVAL, (t) => this.keepalive(t, base, server, start), base.ip);
    }
    if (keepalive) {
      // a keepalive makes no new candidate; one unanswered ends the port's keepalives (OnStunBindingOrResolveRequestFailed)
      if (r.kind === 'timeout') this.note(iceNote('ice.gathering.timeout', `no answer to the keepalive from STUN server ${formatTransportAddress(server)}: ${formatTransportAddress(base)} stops its keepalives`, { server: formatTransportAddress(server) }));
      return;
    }
    if (r.kind === 'timeout') {
      const why = r.icmp ? `ICMP ${r.icmp} from the path to STUN server ${formatTransportAddress(server)}` : `no answer from STUN server ${formatTransportAddress(server)}`;
      this.note(iceNote('ice.gathering.timeout', `${why}: no server-reflexive candidate from ${formatTransportAddress(base)}`, { server: formatTransportAddress(server) }));
      return this.done(r.at);
    }
    const mapped = getAttribute(r.response, XorMappedAddress);
    if (lw && r.response.class === 'success' && mapped && sameTransportAddress(r.from, server)) {
      // UDPPort::OnStunBindingRequestSucceeded → Port::AddAddress: one srflx per STUN server answer
      const key = `${formatTransportAddress(base)} ${formatTransportAddress(server)}`;
      if (!this.answered.has(key)) {
        this.answered.add(key);
        const net = lw.network(base.ip);
        this.o.candidate(r.at, {
          foundation: libwebrtcFoundation('srflx', base.ip, 'udp', '', lw.tieBreaker), component: 1, transport: 'udp', priority: candidatePriority(TYPE_PREFERENCE.srflx, net ? networkLocalPreference(net, mapped.ip) : this.lp(r.to), 1),
          address: mapped, type: 'srflx', base: r.to, related: r.to, server,
        }, this.stunPorts.has(formatTransportAddress(r.to)) ? 'StunPort: UDPPort::OnStunBindingRequestSucceeded' : 'UDPPort::OnStunBindingRequestSucceeded');
      }
    } else if (r.response.class === 'success' && mapped && sameTransportAddress(r.from, server)) {
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
    this.stunRequests.handleIcmpError(now, local, remote, error, from);
  }

  /** A datagram to a StunPort's socket (non-shared mode) before its srflx candidate exists: the answer to its request, or nothing. */
  fromStunPort(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): boolean {
    if (!this.stunPorts.has(formatTransportAddress(to)) || !isStun(bytes)) return false;
    const msg = decodeStun(bytes, false).value;
    if (!msg || msg.method !== Method.Binding || (msg.class !== 'success' && msg.class !== 'error')) return false;
    this.onBindingResponse(now, to, from, msg, bytes);
    return true;
  }

  /**
   * A network went (continual gathering, BasicPortAllocatorSession::OnNetworksChanged): its sequence's jobs, requests
   * and TURN allocations end where they are (nothing can reach the server from it any more); what gathering waited
   * for from them counts as done.
   */
  dropNetwork(now: Micros, ip: string): void {
    let ended = 0;
    for (let i = this.jobs.length - 1; i >= 0; i--) {
      const j = this.jobs[i]!;
      if (j.ip !== ip) continue;
      if (j.counted) ended++;
      this.jobs.splice(i, 1);
    }
    for (const table of [this.tx, this.stunRequests]) {
      for (const t of table.pendingTransactions()) {
        const ctx = t.request.context!;
        if (ctx.base.ip !== ip) continue;
        table.cancel(t);
        if (!ctx.keepalive) ended++;
      }
    }
    for (let i = this.turns.length - 1; i >= 0; i--) {
      const t = this.turns[i]!;
      if (t.base.ip !== ip) continue;
      if (t.relayed === undefined && !t.failed) ended++;
      this.turns.splice(i, 1);
    }
    for (let k = 0; k < ended; k++) this.done(now);
  }

  /**
   * The session's ports are pruned (P2PTransportChannel::PruneAllPorts after an ICE restart): no new request, no
   * keepalive; its TURN allocations stay (refreshed, relaying) until `release`, so a relayed pair keeps working.
   */
  prune(): void {
    this.jobs.splice(0);
    for (const t of this.tx.pendingTransactions()) this.tx.cancel(t);
    for (const t of this.stunRequests.pendingTransactions()) this.stunRequests.cancel(t);
  }

  /**
   * The pruned ports go (libwebrtc destroys them; ~TurnPort → TurnPort::Release): each TURN allocation is deleted with
   * a Refresh of LIFETIME 0 (RFC 8656 §7: deallocation), an allocation never granted is dropped. Returns the relays
   * released; their sessions run on until the answers come.
   */
  release(now: Micros): TurnRelay[] {
    this.released = true;
    this.prune();
    const allocated = this.turns.filter((t) => t.relayed !== undefined && !t.failed);
    this.turns.splice(0, this.turns.length, ...allocated);
    for (const t of allocated) t.release(now);
    return allocated;
  }

  relayFor(relayed: TransportAddress): TurnRelay | undefined {
    return this.turns.find((t) => t.relayed !== undefined && sameTransportAddress(t.relayed, relayed));
  }

  handleTimeout(now: Micros): void {
    while (this.jobs.length > 0 && this.jobs[0]!.at <= now) this.jobs.shift()!.run(now);
    this.tx.handleTimeout(now);
    this.stunRequests.handleTimeout(now);
    for (const c of this.turns) c.handleTimeout(now);
  }

  deadline(): { at: Micros; reason: string } | undefined {
    const job = this.jobs[0];
    // the earliest, on a tie the first listed (as earliestDeadline), without an array per call (#15)
    let best = earliestDeadline(job ? { at: job.at, reason: this.lw ? 'ice-allocation-step' : 'ice-gathering-pacing' } : undefined, this.tx.deadline(), this.stunRequests.deadline());
    for (const t of this.turns) {
      const d = t.deadline();
      if (d && (!best || d.at < best.at)) best = d;
    }
    return best;
  }
}
