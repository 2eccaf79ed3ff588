import type { TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress, sameTransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { FAULT_TEXT } from './agent-config.ts';
import { IceAgentBase } from './agent-base.ts';
import type { Candidate } from './candidate.ts';
import { formatCandidate, showCandidate } from './candidate.ts';
import { surfaces } from './candidate-filter.ts';
import { HostCandidates, ownSocket } from './host-candidates.ts';
import { isLinkLocal, type NetworkInfo } from './networks.ts';
import { ipFamily } from '../wire/ip/address.ts';
import type { IceGatherer } from './gather.ts';

/**
 * An ICE agent's local candidates (RFC 8445 §5.1): the gathering that makes them (RFC 8445's, or libwebrtc's
 * BasicPortAllocatorSession through gather.ts), the description and trickled candidates that carry them, and, for a
 * libwebrtc agent, a new PortAllocatorSession after an ICE restart. Between agent-base.ts (credentials, the peer's
 * candidates, pairs) and agent-consent.ts.
 */
export abstract class IceAgentGathering extends IceAgentBase {
  /** The selected pair was lost with its network: a controlling agent nominates again (agent.ts). */
  protected abstract selectionLost(now: Micros): void;
  /** Host candidates of a session an ICE restart replaced (pruned ports): what still arrives on their sockets is read. */
  protected readonly retired: Candidate[] = [];
  /** Binds a new UDP socket on an address: given, a libwebrtc agent regathers on new ports after an ICE restart. */
  private rebind: ((ip: string) => TransportAddress) | undefined;
  private unshared = false; // with `rebind`: StunPorts and UDP TurnPorts on sockets of their own (gather.ts)
  private continual = false; // GATHER_CONTINUALLY: new networks are gathered on (networksChanged)
  private maxIpv6 = 5; // kDefaultMaxIPv6Networks
  /** Sessions an ICE restart replaced (P2PTransportChannel's pruned ports): their TURN allocations live until released. */
  private readonly prunedSessions: IceGatherer[] = [];

  protected start(now: Micros): void {
    this.started = true;
    this.startedAt = now;
    this.note('ice.state', `ICE agent starts as ${this.controlling ? 'controlling' : 'controlled'}${this.lite ? ' (ice-lite)' : ''}, ufrag ${this.ufrag}`, {
      state: 'new', role: this.controlling ? 'controlling' : 'controlled', lite: this.lite, ufrag: this.ufrag, tieBreaker: this.tieBreaker.toString(),
    });
    for (const fault of this.config.faults ?? []) this.note('ice.fault', `fault injected: ${FAULT_TEXT[fault]} (faults: ${fault})`, { fault });
    this.note('ice.gathering', 'gathering starts', { state: 'gathering' });
    // libwebrtc gathers nothing on a link-local address
    for (const a of this.addresses.filter((x) => isLinkLocal(x.ip))) this.note('ice.candidate.filtered', `gathers nothing on link-local ${formatTransportAddress(a)} (as libwebrtc)`, { candidate: formatTransportAddress(a), type: 'host', policy: 'link-local' });
    this.addresses.splice(0, this.addresses.length, ...this.addresses.filter((x) => !isLinkLocal(x.ip)));
    if (!this.libwebrtc) {
      const hosts = new HostCandidates(this.addresses, this.networks, undefined);
      this.addresses.forEach((a, i) => {
        this.gatherer.setLocalPreference(a, hosts.localPreference(a.ip, i));
        this.addLocal(now, hosts.udp(a, i));
      });
      for (const { address: a, tcpType } of this.tcpAddresses.filter((x) => !isLinkLocal(x.address.ip))) this.addLocal(now, hosts.tcp(a, tcpType));
      if (this.trickle || this.lite) this.sendDescription(now, false);
      this.gatherer.start(now, this.addresses);
    } else {
      const capped = this.beyondIpv6Cap(this.addresses);
      this.addresses.splice(0, this.addresses.length, ...this.addresses.filter((a) => !capped.includes(a)));
      this.allocate(now, false);
    }
  }

  /** libwebrtc's max_ipv6_networks (kDefaultMaxIPv6Networks 5; Chromium's field trial WebRTC-MaxIPv6Networks). */
  maxIpv6Networks(n: number): void {
    this.maxIpv6 = n;
  }

  /**
   * BasicPortAllocatorSession::GetNetworks: the networks in the network manager's order (best preference first) keep
   * their first `maxIpv6` IPv6 networks; of `bases`, those past the cap, noted and gathered on by no sequence.
   */
  private beyondIpv6Cap(bases: readonly TransportAddress[]): TransportAddress[] {
    const pref = (ip: string): number => this.networks.get(ip)?.preference ?? -1;
    const all = [...new Set([...this.addresses, ...bases])].map((a, i) => ({ a, i })).sort((x, y) => pref(y.a.ip) - pref(x.a.ip) || x.i - y.i);
    const v6 = all.filter(({ a }) => ipFamily(a.ip) === 6).map(({ a }) => a);
    const over = v6.slice(this.maxIpv6).filter((a) => bases.includes(a));
    for (const a of over) this.note('ice.candidate.filtered', `gathers nothing on ${formatTransportAddress(a)}: past the first ${this.maxIpv6} IPv6 network(s) (max_ipv6_networks)`, { candidate: formatTransportAddress(a), type: 'host', policy: 'max-ipv6-networks' });
    return over;
  }

  /** libwebrtc: BasicPortAllocatorSession's AllocationSequences make the host candidates in their UDP and TCP phases. */
  /** `bases`: new networks only (continual gathering), on the running session, with no new description. */
  private allocate(now: Micros, restart: boolean, bases?: readonly TransportAddress[]): void {
    const hosts = new HostCandidates(this.addresses, this.networks, this.tieBreaker);
    const host = (a: TransportAddress, i: number): Candidate => {
      this.gatherer.setLocalPreference(a, hosts.localPreference(a.ip, i));
      return hosts.udp(a, i);
    };
    const tcpOn = (ip: string) => this.tcpAddresses.filter((x) => !isLinkLocal(x.address.ip) && x.address.ip === ip);
    this.gatherer.start(now, bases ?? this.addresses, {
      tieBreaker: this.tieBreaker, network: (ip) => this.networks.get(ip),
      udpPortReady: (t, a) => this.addLocal(t, host(a, this.addresses.indexOf(a)), 'UDPPort::OnLocalAddressReady'),
      tcpPorts: (t, ip) => tcpOn(ip).map(({ address, tcpType }) => this.addLocal(t, hosts.tcp(address, tcpType), 'TCPPort::PrepareAddress')).length,
      ...(this.rebind && this.unshared ? { bindSocket: this.rebind } : {}),
    });
    if (!bases && (this.trickle || this.lite)) this.sendDescription(now, restart);
  }

  /** libwebrtc's GATHER_CONTINUALLY (continual_gathering_policy): the session keeps gathering as networks come and go. */
  gatherContinually(): void {
    this.continual = true;
  }

  /**
   * The host's networks changed (BasicPortAllocatorSession::OnNetworksChanged). Whatever the policy, the ports of a
   * network that went are pruned (PrunePortsAndRemoveCandidates): its candidates removed, their pairs failed, and the
   * selected pair given up if it was one of them. With GATHER_CONTINUALLY the session is never stopped, so each new
   * network gets an AllocationSequence of its own (DoAllocate) whose candidates trickle; with GATHER_ONCE it is left
   * to an ICE restart. `added`: a socket bound on each new network's address.
   */
  networksChanged(now: Micros, added: readonly { readonly address: TransportAddress; readonly network: NetworkInfo }[], gone: readonly string[]): void {
    for (const ip of gone) this.networkGone(now, ip);
    if (added.length === 0) return;
    for (const { address, network } of added) this.networks.set(address.ip, network);
    const fresh = added.map((a) => a.address).filter((a) => !isLinkLocal(a.ip));
    const capped = this.started && this.libwebrtc ? this.beyondIpv6Cap(fresh) : [];
    const bases = fresh.filter((a) => !capped.includes(a));
    this.addresses.push(...bases);
    if (!this.started || this.lite || !this.libwebrtc || !this.continual || bases.length === 0) return;
    this.note('ice.gathering', `gathering on ${bases.length} new network(s): BasicPortAllocatorSession::OnNetworksChanged → DoAllocate (GATHER_CONTINUALLY)`, { state: 'gathering' });
    this.allocate(now, false, bases);
  }

  private networkGone(now: Micros, ip: string): void {
    this.networks.delete(ip);
    this.addresses.splice(0, this.addresses.length, ...this.addresses.filter((a) => a.ip !== ip));
    this.tcpAddresses.splice(0, this.tcpAddresses.length, ...this.tcpAddresses.filter((a) => a.address.ip !== ip));
    const onIt = (c: Candidate): boolean => (c.type === 'relay' ? this.gatherer.relayFor(c.address)?.base.ip === ip : c.base.ip === ip);
    const removed = this.local.filter(onIt);
    for (const c of removed) this.note('ice.candidate.removed', `drops ${showCandidate(c)}: its network ${ip} is gone (BasicPortAllocatorSession::PrunePortsAndRemoveCandidates)`, { candidate: formatCandidate(c), type: c.type, reason: 'network-gone' });
    this.local.splice(0, this.local.length, ...this.local.filter((c) => !removed.includes(c)));
    this.gatherer.dropNetwork(now, ip);
    const dead = this.checklist.pairs.filter((p) => removed.includes(p.local) || (p.validLocal !== undefined && removed.includes(p.validLocal)));
    this.stopChecks((ctx) => dead.includes(ctx.pair));
    for (const p of dead) this.setPair(p, 'failed', `its network ${ip} is gone`);
    this.checklist.triggered.splice(0, this.checklist.triggered.length, ...this.checklist.triggered.filter((t) => !dead.includes(t.pair)));
    if (this.nominating && dead.includes(this.nominating)) this.nominating = undefined;
    if (this.selected && dead.includes(this.selected)) {
      this.selected = undefined;
      this.nextConsentAt = undefined;
      this.lastConsentAt = undefined;
      this.setState(now, 'disconnected', `the selected pair's network ${ip} is gone`);
      this.selectionLost(now);
    }
    this.checkFailure(now);
  }

  /** Lets a libwebrtc agent regather after an ICE restart: `bind` opens a new UDP socket on an address, as a new AllocationSequence
   * does; with `sharedSocket` false (no PORTALLOCATOR_ENABLE_SHARED_SOCKET) StunPorts and UDP TurnPorts bind their own too. */
  regatherOnRestart(bind: (ip: string) => TransportAddress, sharedSocket = true): void {
    this.rebind = bind;
    this.unshared = !sharedSocket;
  }

  /**
   * §9, after a restart's new credentials: the description for the new session. Without `regatherOnRestart` (or
   * not libwebrtc), the local candidates are kept but the peer-reflexive ones, and it goes out at once. With it, as
   * P2PTransportChannel::MaybeStartGathering: a new PortAllocatorSession on new sockets, whose candidates (new host
   * ports, new srflx mappings, new TURN allocations) replace the old session's; its ports are pruned (never paired
   * nor signaled again) while what still arrives on their sockets is read, so media stays on the old pair until
   * a new one is selected.
   */
  protected restartGathering(now: Micros): void {
    const rebind = this.rebind;
    if (!rebind || !this.libwebrtc || this.lite || !this.started) {
      this.local.splice(0, this.local.length, ...this.local.filter((c) => c.type !== 'prflx'));
      return this.sendDescription(now, true);
    }
    for (const c of this.local.filter((x) => x.type !== 'prflx')) {
      this.note('ice.candidate.removed', `drops ${showCandidate(c)}: its port belongs to the session the ICE restart replaced (PortAllocatorSession pruned)`, { candidate: formatCandidate(c), type: c.type, reason: 'ice-restart' });
    }
    this.retired.push(...this.local.filter((c) => c.type === 'host' || ownSocket(c, this.local)));
    this.local.splice(0);
    this.gatherer.prune();
    this.prunedSessions.push(this.gatherer);
    this.addresses.splice(0, this.addresses.length, ...this.addresses.map((a) => rebind(a.ip)));
    this.gatherer = this.newGatherer(`gather${this.generation}`);
    this.descriptionSent = false;
    this.note('ice.gathering', 'gathering starts again: a new PortAllocatorSession for the new credentials', { state: 'gathering' });
    this.allocate(now, true);
  }

  protected sendDescription(now: Micros, restart: boolean): void {
    void now;
    this.descriptionSent = true;
    this.signal({
      type: 'description', ufrag: this.ufrag, pwd: this.pwd, lite: this.lite, restart,
      candidates: this.local.filter((c) => c.type !== 'prflx' && surfaces(this.candidatePolicy, c)).map(formatCandidate),
      endOfCandidates: this.gatherer.complete && !this.continual,
    });
  }

  protected override addLocal(now: Micros, c: Candidate, step?: string): void {
    const net = this.networks.get(c.base.ip);
    if (net && c.type !== 'relay' && !c.network) c = { ...c, network: { id: net.id, cost: net.cost } };
    const dup = this.local.find((e) => e.transport === c.transport && sameTransportAddress(e.address, c.address) && sameTransportAddress(e.base, c.base));
    if (dup) {
      // §5.1.3: same transport address and base: the lower-priority one is redundant
      this.note('ice.candidate.pruned', `${showCandidate(c)} is redundant with ${showCandidate(dup)}`, { candidate: formatCandidate(c), type: c.type, redundantWith: formatCandidate(dup) });
      return;
    }
    this.local.push(c);
    this.note('ice.candidate.gathered', `${step ? `${step}: ` : ''}gathered ${showCandidate(c)} (base ${formatTransportAddress(c.base)}, priority ${c.priority}, foundation ${c.foundation})`, {
      candidate: formatCandidate(c), type: c.type, address: formatTransportAddress(c.address), base: formatTransportAddress(c.base), priority: c.priority, foundation: c.foundation,
      ...(c.server ? { server: formatTransportAddress(c.server) } : {}), ...(step ? { step } : {}),
    });
    if (!surfaces(this.candidatePolicy, c)) {
      this.note('ice.candidate.filtered', `keeps ${showCandidate(c)} to itself: iceTransportPolicy ${this.candidatePolicy}`, { candidate: formatCandidate(c), type: c.type, policy: this.candidatePolicy });
      return;
    }
    if (this.descriptionSent && this.trickle && !this.lite) this.signal({ type: 'candidate', ufrag: this.ufrag, candidate: formatCandidate(c) }, step ? 'BasicPortAllocatorSession::OnCandidateReady → SignalCandidatesReady' : undefined);
    // §6.1.2.2: pairs from host and relayed candidates; a srflx's equal its base's (pruned) unless it has its own socket
    if (c.type === 'host' || c.type === 'relay' || ownSocket(c, this.local)) for (const r of this.remote) this.formPair(now, c, r);
  }

  protected override gatheringComplete(now: Micros): void {
    if (this.continual && !this.lite) {
      // P2PTransportChannel::OnCandidatesAllocationDone: gathering continually, the state stays gathering and no end-of-candidates goes out
      this.note('ice.gathering', `every port has its candidates (${this.local.length}); gathering continually, so no end-of-candidates`, { state: 'complete', candidates: this.local.length });
      if (!this.descriptionSent) this.sendDescription(now, false);
      return this.checkFailure(now);
    }
    this.note('ice.gathering', `gathering complete: ${this.local.length} candidate(s)`, { state: 'complete', candidates: this.local.length });
    if (this.lite) return;
    if (!this.descriptionSent) this.sendDescription(now, false);
    else if (this.trickle) this.signal({ type: 'end-of-candidates', ufrag: this.ufrag });
    this.checkFailure(now);
  }

  // ---- the sessions an ICE restart replaced ------------------------------------------------------------------

  /**
   * The new session's pair is selected: the pruned sessions' ports go (libwebrtc destroys them), each TURN allocation
   * deleted with a Refresh of LIFETIME 0 (TurnPort::Release, RFC 8656 §7), so the server frees it at once.
   */
  protected releasePrunedPorts(now: Micros): void {
    for (const session of this.prunedSessions) {
      if (session.released) continue;
      for (const relay of session.release(now)) {
        const relayed = formatTransportAddress(relay.relayed!);
        const server = formatTransportAddress(relay.server);
        this.note('ice.port.released', `TurnPort::Release: deletes its allocation ${relayed} on TURN server ${server} (Refresh with LIFETIME 0): the ICE restart's new pair is selected`, { relayed, server, step: 'TurnPort::Release' });
      }
    }
  }

  /** A datagram from a TURN server to a pruned session's socket: true when one of its allocations took it (what it relayed has no candidate any more). */
  protected prunedFromServer(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): boolean {
    return this.prunedSessions.some((s) => s.fromServer(now, from, to, bytes) !== undefined);
  }

  /** The pruned sessions' timers (refreshes until released, then the deallocations' retransmissions); a released one with none is gone. */
  protected prunedTimeout(now: Micros): void {
    for (const s of this.prunedSessions) s.handleTimeout(now);
    for (let i = this.prunedSessions.length - 1; i >= 0; i--) if (this.prunedSessions[i]!.released && !this.prunedSessions[i]!.deadline()) this.prunedSessions.splice(i, 1);
  }

  protected prunedDeadline(): { at: Micros; reason: string } | undefined {
    let best: { at: Micros; reason: string } | undefined;
    for (const s of this.prunedSessions) {
      const d = s.deadline();
      if (d && (!best || d.at < best.at)) best = d;
    }
    return best;
  }
}
