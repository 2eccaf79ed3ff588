import type { Endpoint, EndpointOutput, IcmpError, Transport, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress, sameTransportAddress } from '../core/endpoint.ts';
import { toHex } from '../core/encoding.ts';
import type { Micros } from '../core/time.ts';
import { formatDuration, MS } from '../core/time.ts';
import { AttrType, decodeStun, ErrorCode, getAttribute, integrityProtected, isStun, Method, shortTermKey, verifyMessageIntegrity, XorMappedAddress } from '../wire/stun/index.ts';
import { ownSocket } from './host-candidates.ts';
import type { StunMessage } from '../wire/stun/index.ts';
import type { Candidate } from './candidate.ts';
import { candidatePriority, showCandidate, TCP_TYPE_PREFERENCE, TYPE_PREFERENCE } from './candidate.ts';
import { authenticateCheck, checkAttributes, checkEncodeOptions, encodeCheckError, encodeCheckSuccess, readCheck } from './checks.ts';
import type { CandidatePair } from './pair.ts';
import { pairData, pairPriorityFor } from './pair.ts';
import { IceAgentFailure } from './agent-failure.ts';
import { WEAK_CONNECTION_RECEIVE_TIMEOUT } from './libwebrtc.ts';
import { checksAfterSelection, nominationWait, prunedBy, useCandidateOnCheck } from './nomination.ts';
import { hasFault, type CheckCtx, type CheckPiggyback } from './agent-config.ts';
import type { TransactionResult } from '../stun/transactions.ts';

export type { IceAgentConfig, IceRole, IceState, TurnServerConfig } from './agent-base.ts';

/** RFC 8489 §6.2.2: over a reliable transport a request is sent once and times out after Ti = 39.5 s. */
const TCP_CHECK_TIMEOUT = 39_500 * MS;

/**
 * The ICE agent (RFC 8445), full or lite, sans-IO. agent-gathering.ts gathers (through gather.ts), agent-base.ts
 * exchanges candidates through signaling (RFC 8838 trickle or all at once); this part runs the checklist paced by Ta, answers
 * checks, resolves role conflicts and nominates; agent-consent.ts watches consent (RFC 7675), agent-failure.ts fails and
 * restarts. Every step is a note;
 * README.md lists their kinds and data.
 */
export class IceAgent extends IceAgentFailure implements Endpoint {
  /** What rides in its checks and success responses (SPED, sim/webrtc/sped.ts), given by its owner; none by default. */
  piggyback: CheckPiggyback | undefined;
  /** When data last came on the selected pair (followData). */
  private selectedDataAt: Micros = 0;

  // ---- the endpoint contract -------------------------------------------------------------------------------

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array, transport?: Transport): void {
    const relayed = this.gatherer.fromServer(now, from, to, bytes);
    if (relayed === 'consumed' || (relayed === undefined && this.prunedFromServer(now, from, to, bytes))) return;
    if (relayed && 'icmp' in relayed) return this.handleIcmpError(now, relayed.icmp);
    if (relayed) {
      const base = this.local.find((c) => c.type === 'relay' && sameTransportAddress(c.address, relayed.relayedAddress));
      if (base) this.fromPeer(now, base, relayed.peer, relayed.data);
      return;
    }
    // RFC 6544 §7: on a TCP connection, `to` is a passive or so candidate's address, or an active one's base (port 0)
    const base = transport === 'tcp'
      ? this.local.find((c) => c.type === 'host' && c.transport === 'tcp' && sameTransportAddress(c.base, to))
      : this.local.find((c) => c.transport === 'udp' && (c.type === 'host' || ownSocket(c, this.local)) && sameTransportAddress(c.base, to)) ?? this.retired.find((c) => c.transport === 'udp' && sameTransportAddress(c.base, to));
    if (!base) return void (transport !== 'tcp' && this.gatherer.fromStunPort(now, from, to, bytes)); // a StunPort's, before its srflx
    this.fromPeer(now, base, from, bytes);
  }

  handleTimeout(now: Micros): void {
    this.tick(now);
  }

  /** RFC 8445 §7.2.5.2.2: a hard ICMP error about a check fails its pair at once (gathering requests end too). */
  handleIcmpError(now: Micros, e: IcmpError): void {
    if (e.kind !== 'unreachable' || !this.started) return;
    this.gatherer.handleIcmpError(now, e.local, e.remote, e.error, e.from);
    this.tx.handleIcmpError(now, e.local, e.remote, e.error, e.from);
  }

  poll(now: Micros): EndpointOutput {
    if (!this.started && now >= this.startAt) this.start(now);
    this.tick(now);
    const o = this.out.shift();
    if (o) return o;
    const at = this.deadline();
    if (at === undefined) return { type: 'idle' };
    return { type: 'timeout', at: at.at, reason: at.reason };
  }

  protected sendCheck(now: Micros, pair: CandidatePair, useCandidate: boolean, consent: boolean): void {
    if (this.remotePwd === undefined || this.remoteUfrag === undefined) return;
    // §7.1.1: PRIORITY is what a peer-reflexive candidate from this base would get
    const tcp = pair.local.transport === 'tcp';
    const prflxPriority = candidatePriority(tcp ? TCP_TYPE_PREFERENCE.prflx : TYPE_PREFERENCE.prflx, this.localPreferenceOf(pair.local), pair.local.component);
    const active = this.checklist.pairs.filter((p) => p.state === 'waiting' || p.state === 'in-progress').length;
    // §14.3; over TCP (RFC 6544 §7.1) a check is sent once and times out after Ti = 39.5 s (RFC 8489 §6.2.2): 16 × RTO
    const rto = tcp ? TCP_CHECK_TIMEOUT / 16 : Math.max(500 * MS, this.ta * active);
    const t = (tcp ? this.tcpTx : this.tx).start(now, {
      from: pair.local.base, to: pair.remote.address, method: Method.Binding,
      attributes: checkAttributes({ localUfrag: this.ufrag, remoteUfrag: this.remoteUfrag, priority: prflxPriority, controlling: this.controlling, tieBreaker: this.tieBreaker, useCandidate }).filter((a) => !(a.type === AttrType.Priority && hasFault(this.config, 'no-priority'))).concat(this.piggyback?.attributes(now) ?? []),
      encode: checkEncodeOptions(this.remotePwd),
      // a consent check is sent once and answered or not (RFC 7675 §5.1: the next one follows in ~5 s)
      ...(consent ? { rto: this.consentInterval, rc: 1 } : tcp ? { rto, rc: 1 } : { rto }),
      context: { pair, useCandidate, controlling: this.controlling, prflxPriority, pwd: this.remotePwd, consent, generation: this.generation, cancelled: false },
    });
    if (consent) this.counters.consentChecks++;
    else this.counters.checksSent++;
    this.note('ice.check.sent', `${consent ? 'consent check' : 'check'} on ${pair.id}${useCandidate ? ' with USE-CANDIDATE' : ''}`, {
      pair: pair.id, transactionId: t.key, useCandidate, consent, role: this.controlling ? 'controlling' : 'controlled', rto: consent ? 0 : rto,
    });
    if (!consent && pair.state !== 'succeeded') this.setPair(pair, 'in-progress', 'check sent');
  }

  protected checkResult(r: TransactionResult<CheckCtx>): void {
    const ctx = r.transaction.request.context!;
    const now = r.at;
    if (r.kind === 'response') {
      const tcp = ctx.pair.local.transport === 'tcp';
      const base = this.local.find((c) => (c.type === 'host' || c.type === 'relay' || ownSocket(c, this.local)) && c.transport === ctx.pair.local.transport && sameTransportAddress(c.base, r.to));
      if (base) this.onResponse(now, base, r.from, r.bytes, r.response, ctx, r.rtt);
      return;
    }
    if (ctx.consent || ctx.generation !== this.generation || ctx.cancelled) return;
    this.counters.timeouts++;
    if (r.icmp) this.note('ice.check.icmp-error', `ICMP ${r.icmp} for the check on ${ctx.pair.id} (§7.2.5.2.2)`, { pair: ctx.pair.id, transactionId: r.transaction.key, error: r.icmp });
    else this.note('ice.check.timeout', `no answer on ${ctx.pair.id} after ${formatDuration(now - r.transaction.startedAt)}`, { pair: ctx.pair.id, transactionId: r.transaction.key });
    if (ctx.pair.state === 'in-progress') this.setPair(ctx.pair, 'failed', r.icmp ? `ICMP ${r.icmp}` : 'timeout');
    if (this.nominating === ctx.pair) this.nominating = undefined;
    this.checkFailure(now);
  }

  // ---- timers ------------------------------------------------------------------------------------------------

  protected tick(now: Micros): void {
    if (!this.started) return;
    this.gatherer.handleTimeout(now);
    this.prunedTimeout(now);
    this.tx.handleTimeout(now);
    this.tcpTx.handleTimeout(now);
    if (!this.lite && this.remoteUfrag !== undefined && now >= this.lastPaced + this.ta && !this.selectedAndDone()) {
      const n = this.checklist.next(this.pairReady);
      if (n) {
        this.lastPaced = now;
        if (n.fromFrozen) this.setPair(n.pair, 'waiting', 'unfrozen: nothing else waiting (§6.1.4.2)');
        this.sendCheck(now, n.pair, n.useCandidate || (this.controlling && useCandidateOnCheck(this.nomination, this.remoteLite, n.pair, this.selected)), false);
      }
    }
    if (this.nominationAt !== undefined && now >= this.nominationAt) {
      this.nominationAt = undefined;
      this.nominateBest(now, 'nomination timer');
    }
    this.consentTick(now);
  }

  /** After nomination only triggered checks (nominations, answers to the peer's checks) still go out (semi-aggressive: and checks of the pairs still waiting). */
  protected selectedAndDone(): boolean {
    return this.selected !== undefined && this.checklist.triggered.length === 0 && !checksAfterSelection(this.nomination, this.checklist.pairs);
  }

  /**
   * The earliest of the parts' deadlines, on a tie the part listed first (as earliestDeadline): written out, since
   * it is asked after every datagram and an array of candidates per call was a leading source of garbage (#15).
   */
  protected deadline(): { at: Micros; reason: string } | undefined {
    let at: Micros | undefined = this.started ? undefined : this.startAt;
    let reason = 'ice-start';
    const gathering = this.gatherer.deadline();
    if (gathering && (at === undefined || gathering.at < at)) ({ at, reason } = gathering);
    const pruned = this.prunedDeadline();
    if (pruned && (at === undefined || pruned.at < at)) ({ at, reason } = pruned);
    const check = this.tx.deadline()?.at;
    if (check !== undefined && (at === undefined || check < at)) {
      at = check;
      reason = 'ice-check-retransmit';
    }
    const tcpCheck = this.tcpTx.deadline()?.at;
    if (tcpCheck !== undefined && (at === undefined || tcpCheck < at)) {
      at = tcpCheck;
      reason = 'ice-check-timeout';
    }
    const nomination = this.nominationAt;
    if (nomination !== undefined && (at === undefined || nomination < at)) {
      at = nomination;
      reason = 'ice-nomination';
    }
    const consent = this.consentDeadline();
    if (consent !== undefined && (at === undefined || consent < at)) {
      at = consent;
      reason = 'consent';
    }
    if (this.started && !this.lite && this.remoteUfrag !== undefined && !this.selectedAndDone() && this.checklist.hasWork(this.pairReady)) {
      const pacing = this.lastPaced + this.ta;
      if (at === undefined || pacing < at) {
        at = pacing;
        reason = 'ice-pacing';
      }
    }
    return at === undefined ? undefined : { at, reason };
  }

  // ---- datagrams in ------------------------------------------------------------------------------------------

  protected fromPeer(now: Micros, base: Candidate, from: TransportAddress, bytes: Uint8Array): void {
    if (!isStun(bytes)) {
      // libwebrtc: data from a connection the channel knows goes up whatever the pair's state (Connection::OnReadPacket,
      // P2PTransportChannel::OnReadPacket); from an address with no connection it is dropped (Port::OnReadPacket)
      const pair = this.knownPair(base, from);
      if (!pair) {
        this.unknownSourceData(base, from);
        return;
      }
      if (this.selected && !this.lite && this.libwebrtc) this.followData(now, base, from);
      this.inbound.push({ from, bytes, pair });
      return;
    }
    const decoded = decodeStun(bytes, false).value;
    if (!decoded || decoded.method !== Method.Binding) return;
    // RFC 8489 §14.5: what follows MESSAGE-INTEGRITY (an appended USE-CANDIDATE, XOR-MAPPED-ADDRESS…) is ignored
    const msg = integrityProtected(decoded);
    if (msg.class === 'request') this.onCheck(now, base, from, bytes, msg);
    else if (msg.class === 'success' || msg.class === 'error') {
      // a check's response goes to checkResult; anything else may answer a gathering request
      if (base.transport === 'tcp') this.tcpTx.handleResponse(now, from, base.base, msg, bytes);
      else if (!this.tx.handleResponse(now, from, base.base, msg, bytes)) this.gatherer.onBindingResponse(now, base.base, from, msg, bytes);
    }
  }

  protected respond(now: Micros, base: Candidate, to: TransportAddress, bytes: Uint8Array): void {
    this.sendFrom(now, base, to, bytes);
  }

  /** §7.3: answering a check, learning peer-reflexive candidates, triggered checks, USE-CANDIDATE. */
  protected onCheck(now: Micros, base: Candidate, from: TransportAddress, bytes: Uint8Array, msg: StunMessage): void {
    this.counters.checksReceived++;
    if (hasFault(this.config, 'ignore-checks')) return;
    const chk = readCheck(msg);
    const bad = authenticateCheck(bytes, chk, this.ufrag, this.pwd);
    if (bad) {
      this.note('ice.check.rejected', `rejects a check from ${formatTransportAddress(from)}: ${bad.code} ${bad.reason}${bad.why ? ` (${bad.why})` : ''}`, { from: formatTransportAddress(from), code: bad.code, ...(bad.why ? { why: bad.why } : {}) });
      this.respond(now, base, from, encodeCheckError(msg.transactionId, bad.code, bad.reason, bad.authentic ? this.pwd : undefined)); // RFC 8489 §9.1.4: signed when authentic
      this.piggyback?.rejected(now, bytes, from, `check rejected: ${bad.code} ${bad.reason}`);
      return;
    }
    if (!this.lite && !hasFault(this.config, 'no-role-switch')) {
      // §7.3.1.1: both think they control (or are controlled): the larger tie-breaker controls
      if (this.controlling && chk.controlling !== undefined) {
        this.counters.roleConflicts++;
        if (this.tieBreaker >= chk.controlling) {
          this.note('ice.role.conflict', `both controlling; our tie-breaker is larger: 487 Role Conflict to ${formatTransportAddress(from)}`, { ours: this.tieBreaker.toString(), theirs: chk.controlling.toString(), action: '487' });
          this.respond(now, base, from, encodeCheckError(msg.transactionId, 487, 'Role Conflict', this.pwd));
          return;
        }
        this.switchRole(now, false, `both controlling; the peer's tie-breaker ${chk.controlling} is larger`);
      } else if (!this.controlling && chk.controlled !== undefined) {
        this.counters.roleConflicts++;
        if (this.tieBreaker >= chk.controlled) {
          this.switchRole(now, true, `both controlled; our tie-breaker is larger`);
        } else {
          this.note('ice.role.conflict', `both controlled; the peer's tie-breaker is larger: 487 Role Conflict`, { ours: this.tieBreaker.toString(), theirs: chk.controlled.toString(), action: '487' });
          this.respond(now, base, from, encodeCheckError(msg.transactionId, 487, 'Role Conflict', this.pwd));
          return;
        }
      }
    }
    this.piggyback?.received(now, bytes, from);
    this.respond(now, base, from, encodeCheckSuccess(msg.transactionId, from, this.pwd, this.piggyback?.attributes(now)));
    let remote = this.remote.find((r) => r.transport === base.transport && sameTransportAddress(r.address, from));
    if (!remote) {
      // §7.3.1.3: a peer-reflexive remote candidate, with the priority from the check's PRIORITY; over TCP
      // (RFC 6544 §7.2) its tcptype is the one that connects to ours: active toward passive, so toward so
      const tcp = base.transport === 'tcp' ? { transport: 'tcp' as const, tcpType: base.tcpType === 'passive' ? ('active' as const) : base.tcpType === 'active' ? ('passive' as const) : ('so' as const) } : { transport: 'udp' as const };
      remote = { foundation: `prflx${++this.prflxCount}`, component: 1, ...tcp, priority: chk.priority!, address: from, type: 'prflx', base: from };
      this.remote.push(remote);
      this.note('ice.candidate.prflx', `learns remote peer-reflexive ${formatTransportAddress(from)} from a check`, { side: 'remote', address: formatTransportAddress(from), priority: remote.priority });
    }
    let pair = this.checklist.find(base.base, from, base.transport);
    if (!pair) pair = this.formPair(now, base, remote, true);
    this.note('ice.check.received', `check from ${formatTransportAddress(from)} on ${pair?.id ?? 'no pair'}${chk.useCandidate ? ' with USE-CANDIDATE' : ''}`, {
      pair: pair?.id ?? null, from: formatTransportAddress(from), useCandidate: chk.useCandidate, transactionId: toHex(msg.transactionId),
    });
    if (!pair) return;
    if (this.lite) return this.liteCheck(now, pair, chk.useCandidate);
    if (this.remotePwd === undefined) return; // no credentials yet: answered, the triggered check waits for the description
    // §7.3.1.4: triggered checks
    if (pair.state === 'in-progress') {
      this.stopChecks((c) => c.pair === pair && !c.consent);
      this.setPair(pair, 'waiting', 'triggered by a check from the peer');
      this.checklist.enqueueTriggered(pair);
    } else if (pair.state !== 'succeeded') {
      this.setPair(pair, 'waiting', 'triggered by a check from the peer');
      this.checklist.enqueueTriggered(pair);
    }
    // §7.3.1.5: the controlled agent learns a nomination
    if (chk.useCandidate && !this.controlling) {
      if (pair.state === 'succeeded') this.nominate(now, pair);
      else pair.nominateOnSuccess = true;
    }
  }

  /** A lite agent's pairs are valid as soon as a check arrives; USE-CANDIDATE selects (RFC 8445 §7.3.1.5 for lite). */
  protected liteCheck(now: Micros, pair: CandidatePair, useCandidate: boolean): void {
    this.lastConsentAt = now;
    if (pair.state !== 'succeeded') {
      pair.validLocal = pair.local;
      pair.validPriority = pair.priority;
      this.setPair(pair, 'succeeded', 'a check arrived (ice-lite)');
      if (this.state === 'new' || this.state === 'checking' || this.state === 'disconnected' || this.state === 'failed') this.setState(now, 'connected', 'a check arrived');
    } else if (this.state === 'disconnected') {
      this.setState(now, this.selected ? 'completed' : 'connected', 'checks arrive again');
    }
    // the controlling agent's latest USE-CANDIDATE wins, lower priority or not: libwebrtc nominates only the pair it
    // switched to, and mediasoup's IceServer selects the tuple of every nominating check (HandleTuple, 'completed')
    if (useCandidate && this.selected !== pair) this.nominate(now, pair, true);
  }

  /** §7.2.5: processing a response (success, 487, other errors), the symmetric-address rule, valid pairs. */
  protected onResponse(now: Micros, base: Candidate, from: TransportAddress, bytes: Uint8Array, msg: StunMessage, ctx: CheckCtx, rtt: Micros): void {
    if (ctx.generation !== this.generation) return;
    const pair = ctx.pair;
    this.counters.responses++;
    if (verifyMessageIntegrity(bytes, shortTermKey(ctx.pwd)).status !== 'valid') {
      this.note('ice.check.response', `a response on ${pair.id} fails MESSAGE-INTEGRITY: ignored`, { pair: pair.id, result: 'bad-integrity' });
      this.piggyback?.rejected(now, bytes, from, 'response fails MESSAGE-INTEGRITY');
      return;
    }
    if (msg.class === 'error') {
      const code = getAttribute(msg, ErrorCode)?.code ?? 0;
      this.note('ice.check.response', `error ${code} on ${pair.id}`, { pair: pair.id, result: 'error', code, rtt, transactionId: toHex(msg.transactionId) });
      if (code === 487 && !hasFault(this.config, 'no-role-switch')) {
        // §7.2.5.1: switch role (if we have not already) and check the pair again
        if (ctx.controlling === this.controlling) this.switchRole(now, !ctx.controlling, '487 Role Conflict from the peer');
        this.setPair(pair, 'waiting', '487: retry in the new role');
        this.checklist.enqueueTriggered(pair, ctx.useCandidate && this.controlling);
        return;
      }
      this.setPair(pair, 'failed', `error ${code}`);
      this.checkFailure(now);
      return;
    }
    this.piggyback?.received(now, bytes, from);
    const mapped = getAttribute(msg, XorMappedAddress);
    // §7.2.5.2.1: the response must come from where the request went, to where it came from
    if (!sameTransportAddress(from, pair.remote.address) || !sameTransportAddress(base.base, pair.local.base) || !mapped) {
      this.note('ice.check.response', `response on ${pair.id} from ${formatTransportAddress(from)}: not symmetric, the pair fails`, { pair: pair.id, result: 'non-symmetric', from: formatTransportAddress(from) });
      if (!ctx.consent) this.setPair(pair, 'failed', 'non-symmetric response (§7.2.5.2.1)');
      return;
    }
    this.note('ice.check.response', `success on ${pair.id} in ${formatDuration(rtt)}, mapped ${formatTransportAddress(mapped)}`, { pair: pair.id, result: 'success', mapped: formatTransportAddress(mapped), rtt, consent: ctx.consent, transactionId: toHex(msg.transactionId) });
    if (ctx.consent) {
      this.lastConsentAt = now; // RFC 7675 §5.1: consent refreshed
      if (this.state === 'disconnected') this.setState(now, 'completed', 'consent refreshed');
      return;
    }
    let validLocal = this.local.find((c) => c.transport === pair.local.transport && sameTransportAddress(c.address, mapped) && sameTransportAddress(c.base, pair.local.base));
    // RFC 6544 §7.1: an active candidate's checks leave from each connection's own (ephemeral) port: a mapped address
    // on the candidate's own IP is that connection, not a new candidate
    if (!validLocal && pair.local.tcpType === 'active' && mapped.ip === pair.local.base.ip) validLocal = pair.local;
    if (!validLocal) {
      // §7.2.5.3.1: a local peer-reflexive candidate, with the priority sent in PRIORITY
      const transport = pair.local.transport === 'tcp' ? { transport: 'tcp' as const, tcpType: pair.local.tcpType! } : { transport: 'udp' as const };
      validLocal = { foundation: this.foundationFor('prflx', pair.local.base.ip, undefined, pair.local.transport), component: 1, ...transport, priority: ctx.prflxPriority, address: mapped, type: 'prflx', base: pair.local.base };
      this.local.push(validLocal);
      this.note('ice.candidate.prflx', `learns local peer-reflexive ${formatTransportAddress(mapped)} (base ${formatTransportAddress(pair.local.base)})`, { side: 'local', address: formatTransportAddress(mapped), priority: validLocal.priority });
    }
    pair.validLocal = validLocal;
    pair.validPriority = pairPriorityFor(this.controlling, validLocal, pair.remote);
    this.setPair(pair, 'succeeded', `valid pair ${showCandidate(validLocal)} → ${showCandidate(pair.remote)}`);
    // a triggered check still queued for this pair has nothing left to prove, unless it nominates
    const queued = this.checklist.triggered.findIndex((t) => t.pair === pair && !t.useCandidate);
    if (queued >= 0) this.checklist.triggered.splice(queued, 1);
    // §7.2.5.3.3: unfreeze the pairs that share its foundation
    for (const p of this.checklist.pairs) if (p.state === 'frozen' && p.foundation === pair.foundation) this.setPair(p, 'waiting', `foundation ${p.foundation} succeeded`);
    if (this.state === 'checking' || this.state === 'new') this.setState(now, 'connected', `first valid pair ${pair.id}`);
    if ((ctx.useCandidate && this.controlling) || (pair.nominateOnSuccess && !this.controlling)) this.nominate(now, pair);
    const wait = nominationWait(this.nomination, this.remoteLite, this.nominationDelay);
    if (this.controlling && wait !== undefined && !this.selected && !this.nominating) {
      this.nominationAt ??= now + wait;
      const best = this.checklist.valid()[0]!;
      const pending = this.checklist.pairs.some((p) => p.priority > best.validPriority! && (p.state === 'frozen' || p.state === 'waiting' || p.state === 'in-progress'));
      if (!pending) this.nominateBest(now, 'no better pair is still being checked');
    }
  }

  /**
   * Data on a pair other than the selected one, the peer having moved (it lost a network). libwebrtc's controlled side
   * ranks equally good connections by the data they last received (BasicIceController::CompareConnections), so data on
   * a pair the peer nominated selects it; its controlling side switches once the selected connection has received
   * nothing for WEAK_CONNECTION_RECEIVE_TIMEOUT and nominates the pair the data came on.
   */
  private followData(now: Micros, base: Candidate, from: TransportAddress): void {
    const sel = this.selected!;
    if (sameTransportAddress(sel.remote.address, from) && sameTransportAddress(sel.local.base, base.base)) {
      this.selectedDataAt = now;
      return;
    }
    if (this.controlling && now - this.selectedDataAt < WEAK_CONNECTION_RECEIVE_TIMEOUT) return;
    const p = this.checklist.pairs.find((x) => (x.nominated || this.controlling) && x.state === 'succeeded' && sameTransportAddress(x.remote.address, from) && sameTransportAddress(x.local.base, base.base));
    if (!p) return;
    this.nominate(now, p, true);
    if (this.controlling) this.checklist.enqueueTriggered(p, true);
  }

  /** The selected pair went with its network (agent-gathering.ts): a controlling agent nominates the best valid pair, or the next to succeed. */
  protected selectionLost(now: Micros): void {
    if (this.controlling) this.nominateBest(now, 'the selected pair is gone');
  }

  protected nominateBest(now: Micros, why: string): void {
    if (!this.controlling || this.selected || this.nominating) return;
    const best = this.checklist.valid()[0];
    if (!best) return;
    this.nominating = best;
    this.nominationAt = undefined;
    this.note('ice.nominating', `nominates ${best.id} (${why})`, { pair: best.id, reason: why });
    this.checklist.enqueueTriggered(best, true);
    void now;
  }

  /** `latest`: the pair is selected even below the selected one's priority (an ICE-lite agent renominated, or a
   * controlled agent follows the controlling side's media to it: followData). */
  protected nominate(now: Micros, pair: CandidatePair, latest = false): void {
    if (!pair.nominated) {
      pair.nominated = true;
      this.note('ice.pair.state', `pair ${pair.id} nominated`, { ...pairData(pair), previous: pair.state, reason: 'nominated' });
    }
    if (this.nominating === pair) this.nominating = undefined;
    if (this.selected === pair || (this.selected && !latest && this.selected.validPriority! >= pair.validPriority!)) return;
    this.selected = pair;
    this.selectedAt = now;
    this.selectedDataAt = now;
    const l = pair.validLocal ?? pair.local;
    const r = pair.remote;
    this.note('ice.selected', `selected pair ${showCandidate(l)} → ${showCandidate(r)}`, {
      pair: pair.id, localType: l.type, remoteType: r.type, local: formatTransportAddress(l.address), remote: formatTransportAddress(r.address), protocol: pair.local.transport,
    });
    this.setState(now, 'completed', 'a pair is nominated');
    this.releasePrunedPorts(now);
    if (this.nomination !== 'aggressive' || !this.controlling) {
      // §8.1.2: once nominated, Waiting and Frozen pairs are removed, lower In-Progress ones stop retransmitting
      for (const p of this.checklist.pairs) {
        if (p === pair) continue;
        if (prunedBy(this.nomination, p, pair)) {
          this.stopChecks((c) => c.pair === p);
          this.setPair(p, 'failed', 'removed after nomination (§8.1.2)');
        }
      }
      this.checklist.triggered.splice(0, this.checklist.triggered.length, ...this.checklist.triggered.filter((t) => t.pair.state !== 'failed'));
    }
    this.lastConsentAt = now;
    if (!this.lite) this.nextConsentAt = now + this.consentJitter();
  }
}