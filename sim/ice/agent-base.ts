import type { NoteBody } from '../core/note.ts';
import { tieBreakerOf, type CheckCtx, type IceAgentConfig, type IceState } from './agent-config.ts';
import type { IceAgentFacts, IceAgentNoteKind } from './notes.ts';
import type { EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress, sameTransportAddress } from '../core/endpoint.ts';
import type { JsonValue } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import { MS, SECOND } from '../core/time.ts';
import { ipFamily } from '../wire/ip/address.ts';
import type { Candidate, TcpType } from './candidate.ts';
import { canPair, foundationOf, parseCandidate, showCandidate } from './candidate.ts';
import { ownSocket } from './host-candidates.ts';
import { Checklist } from './checklist.ts';
import { IceGatherer } from './gather.ts';
import type { CandidatePair, PairState } from './pair.ts';
import { makePair, pairData, pairSummary } from './pair.ts';
import type { NominationMode } from './nomination.ts';
import { surfaces, type CandidatePolicy } from './candidate-filter.ts';
import type { NetworkInfo } from './networks.ts';
import { libwebrtcFoundation } from './libwebrtc.ts';
import { describeIceSignal, type IceSignal } from '../signaling/ice.ts';
import type { Transaction, TransactionResult } from '../stun/transactions.ts';
import { StunTransactions } from '../stun/transactions.ts';

export type { CheckCtx, IceAgentConfig, IceFault, IceRole, IceState, TurnServerConfig } from './agent-config.ts';

const ICE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * What every ICE agent holds, and the parts that are not connectivity checks: credentials, the peer's candidates
 * from signaling, pairs, notes and the path to send on. agent-gathering.ts makes the local candidates (and
 * regathers), agent-consent.ts adds consent freshness, agent.ts the checks, nomination and restart.
 */
export abstract class IceAgentBase {
  readonly name: string;
  readonly lite: boolean;
  readonly trickle: boolean;
  readonly nomination: NominationMode;
  controlling: boolean;
  readonly tieBreaker: bigint;
  ufrag = '';
  pwd = '';
  generation = 0;
  state: IceState = 'new';
  readonly local: Candidate[] = [];
  remote: Candidate[] = [];
  remoteUfrag: string | undefined;
  protected remotePwd: string | undefined;
  protected remoteLite = false;
  protected remoteEnd = false;
  checklist = new Checklist();
  selected: CandidatePair | undefined;
  /** Virtual time the agent started, first became connected, and got a selected pair. */
  startedAt: Micros | undefined;
  connectedAt: Micros | undefined;
  selectedAt: Micros | undefined;
  readonly counters = { checksSent: 0, retransmits: 0, checksReceived: 0, responses: 0, timeouts: 0, roleConflicts: 0, restarts: 0, consentChecks: 0 };
  /** Data (not STUN) received on a known pair, any state (agent-failure.ts knownPair): DTLS and SRTP read it from here. */
  readonly inbound: { from: TransportAddress; bytes: Uint8Array; pair: CandidatePair }[] = [];

  protected readonly out: EndpointOutput[] = [];
  protected readonly signals: IceSignal[] = [];
  protected readonly addresses: TransportAddress[] = [];
  protected readonly networks = new Map<string, NetworkInfo>();
  protected gatherer: IceGatherer;
  /** Connectivity checks in flight (RFC 8489 §6.2.1 timers; RTO per check from §14.3). */
  protected readonly tx: StunTransactions<CheckCtx>;
  /** Checks on TCP connections (RFC 6544 §7.1): sent once, as STUN over a reliable transport (RFC 8489 §6.2.2). */
  protected readonly tcpTx: StunTransactions<CheckCtx>;
  /** RFC 6544 §4.1: the TCP host candidates to gather (address; an active one's port is 0, a new connection per pair). */
  protected readonly tcpAddresses: { readonly address: TransportAddress; readonly tcpType: TcpType }[] = [];
  protected readonly ta: Micros;
  protected readonly nominationDelay: Micros;
  protected readonly consentInterval: Micros;
  protected readonly consentTimeout: Micros;
  protected readonly disconnectedAfter: Micros;
  protected readonly startAt: Micros;
  readonly candidatePolicy: CandidatePolicy;
  protected started = false;
  protected descriptionSent = false;
  protected lastPaced: Micros = -Infinity;
  protected nominationAt: Micros | undefined;
  protected nominating: CandidatePair | undefined;
  protected nextConsentAt: Micros | undefined;
  protected lastConsentAt: Micros | undefined;
  protected prflxCount = 0;

  constructor(readonly config: IceAgentConfig) {
    this.name = config.name;
    this.lite = config.lite ?? false;
    this.trickle = config.trickle ?? true;
    this.nomination = config.nomination ?? 'regular';
    this.controlling = config.role === 'controlling';
    this.tieBreaker = tieBreakerOf(config);
    this.ta = config.ta ?? 50 * MS;
    this.nominationDelay = config.nominationDelay ?? 2 * SECOND;
    this.consentInterval = config.consentInterval ?? 5 * SECOND;
    this.consentTimeout = config.consentTimeout ?? 30 * SECOND;
    this.disconnectedAfter = config.disconnectedAfter ?? 10 * SECOND;
    this.startAt = config.startAt ?? 0;
    this.candidatePolicy = config.candidatePolicy ?? 'all';
    this.newCredentials();
    // checks draw their transaction ids from the agent's own stream; the agent writes their notes itself
    const output = { transmit: (from: TransportAddress, to: TransportAddress, bytes: Uint8Array) => this.sendFromBase(from, to, bytes), note: (n: NoteBody) => this.out.push({ type: 'note', kind: n.kind, text: `${this.name}: ${n.text}`, data: { generation: this.generation, ...n.data } }) };
    this.tx = new StunTransactions<CheckCtx>(config.rng, output, (r) => this.checkResult(r), {
      notes: false,
      onRetransmit: (now, t) => this.checkRetransmitted(now, t),
    });
    const tcpOutput = { transmit: (from: TransportAddress, to: TransportAddress, bytes: Uint8Array) => void this.out.push({ type: 'transmit', from, to, bytes, transport: 'tcp' }), note: output.note };
    this.tcpTx = new StunTransactions<CheckCtx>(config.rng.fork('tcp-checks'), tcpOutput, (r) => this.checkResult(r), { notes: false });
    this.gatherer = this.newGatherer('gather');
  }

  /** A gatherer (a PortAllocatorSession, for a libwebrtc agent) drawing on the stream named `stream`. */
  protected newGatherer(stream: string): IceGatherer {
    const config = this.config;
    return new IceGatherer({
      name: config.name,
      rng: config.rng.fork(stream),
      stunServers: this.lite ? [] : (config.stunServers ?? []),
      turnServers: this.lite ? [] : (config.turnServers ?? []),
      emit: (o) => this.out.push(o),
      candidate: (now, c, step) => this.addLocal(now, c, step),
      complete: (now) => this.gatheringComplete(now),
      relayRefused: (now, relayed, peer, error) => this.relayRefused(now, relayed, peer, error),
    });
  }

  /**
   * A socket the driver bound for this agent: one host candidate per address (RFC 8445 §5.1.1.1). With the network
   * it is on (networks.ts), its candidates get libwebrtc's local preference, network-id and network-cost.
   */
  addLocalAddress(a: TransportAddress, network?: NetworkInfo): void {
    this.addresses.push(a);
    if (network) this.networks.set(a.ip, network);
  }

  /** RFC 6544 §4.1: a TCP host candidate; the owner listens on `a` for a passive one, dials per pair for an active one (ice-tcp.ts). */
  addLocalTcpAddress(a: TransportAddress, tcpType: TcpType): void {
    this.tcpAddresses.push({ address: tcpType === 'active' ? { ip: a.ip, port: 0 } : a, tcpType });
  }

  /** Signaling messages for the peer, taken by the endpoint that owns the agent and sent as its `signal` outputs. */
  takeSignals(): IceSignal[] {
    return this.signals.splice(0);
  }

  /** Sends application data on the selected pair (through the relay when its local candidate is relayed); `mayFragment`: DF clear, direct UDP only. */
  sendData(now: Micros, bytes: Uint8Array, opts: { readonly mayFragment?: boolean } = {}): boolean {
    if (!this.selected || this.state === 'failed') return false;
    this.sendFrom(now, this.selected.local, this.selected.remote.address, bytes, opts.mayFragment);
    return true;
  }

  // ---- notes -------------------------------------------------------------------------------------------------

  /** Queues an agent note: the agent's name starts its text, its restart count (`generation`) its data. */
  protected note<K extends IceAgentNoteKind>(kind: K, text: string, data: IceAgentFacts<K>): void {
    // the signature checks `data` against the kind; a spread over a generic kind's data is only a NoteData to the compiler
    const body = { kind, text: `${this.name}: ${text}`, data: { generation: this.generation, ...data } } as NoteBody;
    this.out.push({ type: 'note', ...body });
  }

  protected setState(now: Micros, s: IceState, why: string): void {
    if (this.state === s) return;
    const previous = this.state;
    this.state = s;
    if ((s === 'connected' || s === 'completed') && this.connectedAt === undefined && this.startedAt !== undefined) this.connectedAt = now;
    this.note('ice.state', `ICE ${previous} → ${s} (${why})`, { state: s, previous, reason: why, ...(this.startedAt !== undefined ? { sinceStart: now - this.startedAt } : {}) });
  }

  protected setPair(p: CandidatePair, s: PairState, why: string): void {
    if (p.state === s) return;
    const from = p.state;
    p.state = s;
    this.note('ice.pair.state', `pair ${p.id} ${from} → ${s} (${why})`, { ...pairData(p), previous: from, reason: why });
  }

  protected signal(m: IceSignal, step?: string): void {
    this.signals.push(m);
    this.note('ice.signal.sent', `signals ${describeIceSignal(m)}${step ? ` (${step})` : ''}`, { message: m.type, ...(step ? { step } : {}) });
  }

  /** An agent whose addresses came with ranked networks gathers, prices and names its candidates as libwebrtc does (libwebrtc.ts). */
  protected get libwebrtc(): boolean {
    return this.networks.size > 0;
  }

  /** RFC 8445 §5.1.1.3's foundation, or libwebrtc's salted one (Port::ComputeFoundation). */
  protected foundationFor(type: Candidate['type'], baseIp: string, serverIp: string | undefined, transport: 'udp' | 'tcp'): string {
    return this.libwebrtc ? libwebrtcFoundation(type, baseIp, transport, '', this.tieBreaker) : foundationOf(type, baseIp, serverIp, transport);
  }

  // ---- credentials, local candidates (agent-gathering.ts makes them) -----------------------------------------

  /** A candidate the gatherer found (agent-gathering.ts): kept, trickled, paired. */
  protected abstract addLocal(now: Micros, c: Candidate, step?: string): void;
  /** Every port of the gatherer has its candidates (agent-gathering.ts). */
  protected abstract gatheringComplete(now: Micros): void;

  protected newCredentials(): void {
    const rng = this.config.rng;
    const pick = (n: number): string => Array.from({ length: n }, () => ICE_CHARS[rng.int(0, ICE_CHARS.length)]!).join('');
    this.ufrag = pick(8); // RFC 8839 §5.4: ice-ufrag 4–256 chars, ice-pwd 22–256 chars
    this.pwd = pick(24);
  }

  // ---- signaling in ------------------------------------------------------------------------------------------

  handleSignal(now: Micros, m: IceSignal): void {
    if (m.type === 'description') {
      if (this.remoteUfrag !== undefined && m.ufrag !== this.remoteUfrag) this.restart(now, 'remote');
      if (this.remoteUfrag === undefined) {
        this.remoteUfrag = m.ufrag;
        this.remotePwd = m.pwd;
        this.remoteLite = m.lite;
        this.note('ice.remote.description', `remote credentials ufrag ${m.ufrag}${m.lite ? ' (ice-lite peer)' : ''}`, { ufrag: m.ufrag, lite: m.lite });
        // §6.1.1: a full agent facing a lite one is controlling
        if (m.lite && !this.lite && !this.controlling) this.switchRole(now, true, 'the peer is ice-lite (RFC 8445 §6.1.1)');
        if (!this.lite && this.state === 'new') this.setState(now, 'checking', 'remote description received');
      }
      for (const line of m.candidates) this.addRemoteText(now, line);
      if (m.endOfCandidates) this.endOfCandidates(now);
    } else if (m.ufrag === this.remoteUfrag) {
      if (m.type === 'candidate') this.addRemoteText(now, m.candidate);
      else this.endOfCandidates(now);
    }
  }

  protected endOfCandidates(now: Micros): void {
    if (this.remoteEnd) return;
    this.remoteEnd = true;
    this.note('ice.remote.end-of-candidates', 'the peer has no more candidates (RFC 8838 §13)', {});
    this.checkFailure(now);
  }

  protected addRemoteText(now: Micros, line: string): void {
    const c = parseCandidate(line);
    if ('error' in c) {
      this.note('ice.candidate.invalid', `ignores a remote candidate: ${c.error}`, { candidate: line });
      return;
    }
    if (this.lite) return; // a lite agent does not form pairs (RFC 8445 §6.1.1)
    const known = this.remote.find((r) => r.transport === c.transport && sameTransportAddress(r.address, c.address));
    if (known) {
      if (known.type !== 'prflx') return;
      // a peer-reflexive candidate learned from a check, now signaled: take the signaled type (as libwebrtc does)
      this.remote = this.remote.map((r) => (r === known ? c : r));
      for (const p of this.checklist.pairs) if (p.remote === known) p.remote = c;
      this.checklist.recompute(this.controlling);
      this.note('ice.candidate.remote', `remote ${showCandidate(c)} replaces the peer-reflexive candidate at that address`, { candidate: line, type: c.type, address: formatTransportAddress(c.address), replaced: 'prflx' });
      return;
    }
    this.remote.push(c);
    this.note('ice.candidate.remote', `remote ${showCandidate(c)} via signaling`, { candidate: line, type: c.type, address: formatTransportAddress(c.address) });
    for (const l of this.local) if ((l.type === 'host' || l.type === 'relay' || ownSocket(l, this.local)) && surfaces(this.candidatePolicy, l)) this.formPair(now, l, c);
  }

  /** §6.1.2.2, RFC 6544 §6.2: same family and transport; a passive local candidate's pairs exist once a check comes in (`incoming`). */
  protected formPair(now: Micros, local: Candidate, remote: Candidate, incoming = false): CandidatePair | undefined {
    if (ipFamily(local.address.ip) !== ipFamily(remote.address.ip) || local.component !== remote.component) return undefined;
    if (!canPair(local, remote) || (local.tcpType === 'passive' && !incoming)) return undefined;
    const p = makePair(local, remote, this.controlling);
    if (!this.checklist.add(p)) return undefined;
    const refused = local.type === 'relay' ? this.gatherer.relayFor(local.address)?.prepare(now, remote.address) : undefined;
    const s = refused ? 'failed' : this.checklist.initialState(p);
    p.state = s;
    this.note('ice.pair.state', `pair ${p.id} formed, ${s}${refused ? ` (TURN ${refused})` : ''}`, { ...pairData(p), previous: null, reason: refused ? `TURN ${refused}` : 'formed' });
    return p;
  }

  // ---- sending -----------------------------------------------------------------------------------------------

  protected sendFrom(now: Micros, local: Candidate, to: TransportAddress, bytes: Uint8Array, mayFragment = false): void {
    if (local.type === 'relay') {
      this.gatherer.relayFor(local.address)?.send(to, bytes);
      return;
    }
    // RFC 6544 §7: on the pair's TCP connection (the owner frames it per RFC 4571)
    this.out.push({ type: 'transmit', from: local.base, to, bytes, ...(local.transport === 'tcp' ? { transport: 'tcp' as const } : mayFragment ? { mayFragment: true as const } : {}) });
  }

  /** Where checks leave from: a relayed candidate's base is its relayed address, so they go through its TURN relay. */
  private sendFromBase(from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    const relay = this.gatherer.relayFor(from);
    if (relay) relay.send(to, bytes);
    else this.out.push({ type: 'transmit', from, to, bytes });
  }

  /** A check transaction ended: a response (from r.from, arrived at r.to) or a timeout. */
  protected abstract checkResult(r: TransactionResult<CheckCtx>): void;

  /** §7.3.1.4, §8.1.2: a check that is replaced or no longer wanted stops retransmitting; a late answer still counts. */
  protected stopChecks(pred: (ctx: CheckCtx) => boolean): void {
    for (const table of [this.tx, this.tcpTx]) {
      for (const t of table.pendingTransactions()) {
        const ctx = t.request.context!;
        if (!pred(ctx)) continue;
        ctx.cancelled = true;
        table.stopRetransmissions(t);
      }
    }
  }

  /** A check sent again by the transaction timers: ICE's own note instead of the generic stun.retransmit. */
  protected checkRetransmitted(_now: Micros, t: Transaction<CheckCtx>): void {
    const pair = t.request.context!.pair;
    this.counters.retransmits++;
    this.note('ice.check.retransmit', `retransmits the check on ${pair.id} (send ${t.attempts} of ${t.rc})`, { pair: pair.id, transactionId: t.key, attempt: t.attempts });
  }

  protected pairReady = (p: CandidatePair): boolean => p.local.type !== 'relay' || this.gatherer.relayFor(p.local.address)?.ready(p.remote.address) === true;

  protected localPreferenceOf(c: Candidate): number {
    return Math.floor(c.priority / 256) & 0xffff;
  }

  // ---- roles ------------------------------------------------------------------------------------------------

  protected switchRole(_now: Micros, controlling: boolean, why: string): void {
    this.controlling = controlling;
    this.checklist.recompute(controlling);
    this.note('ice.role', `becomes ${controlling ? 'controlling' : 'controlled'}: ${why}`, { role: controlling ? 'controlling' : 'controlled', reason: why });
  }

  /** §8.1.2 with trickle: called when a pair fails or candidates stop coming. */
  protected abstract checkFailure(now: Micros): void;
  /** The TURN server refused the ChannelBind from `relayed` to `peer` (relay.ts): its pairs fail, a later one at once (formPair). */
  protected abstract relayRefused(now: Micros, relayed: TransportAddress, peer: TransportAddress, error: string): void;

  /** §9: an ICE restart. */
  abstract restart(now: Micros, initiator: 'local' | 'remote'): void;

  selectedPair(): { [key: string]: JsonValue } | null {
    return this.selected ? pairSummary(this.selected) : null;
  }
}
