import type { TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress, sameTransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { IceAgentConsent } from './agent-consent.ts';
import { Checklist } from './checklist.ts';
import { pairsOnConnection } from './ice-tcp.ts';
import type { Candidate } from './candidate.ts';
import type { CandidatePair } from './pair.ts';

/**
 * How an ICE agent fails and restarts (RFC 8445 §8.1.2, §9): a TCP connection that closes (RFC 6544 §7.1), a TURN
 * permission refused, every pair failed with no candidate left to come, and an ICE restart. Between
 * agent-consent.ts (consent freshness) and agent.ts (checks, answers, nomination).
 */
export abstract class IceAgentFailure extends IceAgentConsent {
  /** Datagrams (not STUN) dropped because no pair has their source as remote address on the base they reached. */
  dataFromUnknown = 0;
  /** The pairs of the checklists ICE restarts replaced (back to the last one that had selected a pair): still known. */
  private previousPairs: CandidatePair[] = [];
  /** Sources already noted by unknownSourceData (one note each, the rest only counted). */
  private readonly unknownNoted = new Set<string>();

  /**
   * The pair that makes a datagram arriving on `base` from `from` known: one formed with a signalled remote candidate
   * or a peer-reflexive one an authenticated check taught (§7.3.1.3), in any state; after an ICE restart, one of the
   * checklist it replaced too (§9: media goes on flowing on the old pair; libwebrtc keeps a previous generation's
   * connections, and reads data from them, until they die of silence).
   */
  protected knownPair(base: Candidate, from: TransportAddress): CandidatePair | undefined {
    return this.checklist.find(base.base, from, base.transport) ?? this.previousPairs.find((p) => p.local.transport === base.transport && sameTransportAddress(p.local.base, base.base) && sameTransportAddress(p.remote.address, from));
  }

  /** A datagram (not STUN) from an address no pair knows: dropped and counted, the first from each source noted. */
  protected unknownSourceData(base: Candidate, from: TransportAddress): void {
    this.dataFromUnknown++;
    const key = `${base.transport} ${formatTransportAddress(base.base)} ${formatTransportAddress(from)}`;
    if (this.unknownNoted.has(key) || this.unknownNoted.size >= 64) return;
    this.unknownNoted.add(key);
    this.note('ice.data.unknown-source', `drops data from ${formatTransportAddress(from)} on ${formatTransportAddress(base.base)}: no candidate pair has that remote address (later ones are only counted)`, { from: formatTransportAddress(from), base: formatTransportAddress(base.base) });
  }

  /**
   * RFC 6544 §7.1: the owner's TCP connection `local` (an active base: port 0) ⇄ `remote` failed (`error`) or closed:
   * its pairs fail, a check in flight at once; the selected pair's loss fails the agent (its media path is gone).
   */
  handleStreamClosed(now: Micros, local: TransportAddress, remote: TransportAddress, error: string | undefined): void {
    const why = `TCP connection ${formatTransportAddress(local)} ⇄ ${formatTransportAddress(remote)} ${error ? `failed: ${error}` : 'closed'}`;
    const pairs = pairsOnConnection(this.checklist.pairs, local, remote);
    for (const p of pairs) {
      for (const t of this.tcpTx.pendingTransactions()) if (t.request.context!.pair === p) this.tcpTx.cancel(t);
      if (this.nominating === p) this.nominating = undefined;
      if (p.state !== 'failed') {
        this.note('ice.check.tcp-failure', `${p.id}: ${why} (RFC 6544 §7.1)`, { pair: p.id, error: error ?? 'closed' });
        this.setPair(p, 'failed', why);
      }
      if (this.selected === p && this.state !== 'failed') this.setState(now, 'failed', `the selected pair's ${why}`);
    }
    if (pairs.length > 0) this.checkFailure(now);
  }

  /** RFC 8656 §12.2: no permission for `peer` at the relay; its relayed pairs (never checked: no channel) fail, naming the error (libwebrtc: FailAndPruneConnection). */
  protected override relayRefused(now: Micros, relayed: TransportAddress, peer: TransportAddress, error: string): void {
    for (const p of this.checklist.pairs) if (p.local.type === 'relay' && sameTransportAddress(p.local.address, relayed) && sameTransportAddress(p.remote.address, peer) && p.state !== 'succeeded') this.setPair(p, 'failed', `TURN ${error}`);
    this.checklist.triggered.splice(0, this.checklist.triggered.length, ...this.checklist.triggered.filter((t) => t.pair.state !== 'failed'));
    this.checkFailure(now);
  }

  // ---- failure, restart -----------------------------------------------------------------------------

  /** §8.1.2 / §6.1.2.6 with trickle (RFC 8838 §8): failed when every pair failed and no candidate can still come. */
  protected override checkFailure(now: Micros): void {
    if (this.lite || this.selected || this.state === 'failed' || this.remoteUfrag === undefined) return;
    if (!this.remoteEnd || !this.gatherer.complete) return;
    if (this.checklist.pairs.some((p) => p.state !== 'failed')) return;
    this.setState(now, 'failed', this.checklist.pairs.length === 0 ? 'no candidate pairs' : 'every candidate pair failed');
  }

  /** §9: an ICE restart: new ufrag and pwd, a new checklist; the peer's candidates are forgotten, local ones kept or regathered. */
  override restart(now: Micros, initiator: 'local' | 'remote'): void {
    this.generation++;
    this.counters.restarts++;
    this.newCredentials();
    for (const t of this.tx.pendingTransactions()) this.tx.cancel(t);
    for (const t of this.tcpTx.pendingTransactions()) this.tcpTx.cancel(t);
    this.previousPairs = this.selected ? this.checklist.pairs : [...this.previousPairs, ...this.checklist.pairs];
    this.checklist = new Checklist();
    this.remote = [];
    this.remoteUfrag = undefined;
    this.remotePwd = undefined;
    this.remoteEnd = false;
    this.selected = undefined;
    this.nominating = undefined;
    this.nominationAt = undefined;
    this.nextConsentAt = undefined;
    this.lastConsentAt = undefined;
    this.note('ice.restart', `ICE restart (${initiator === 'local' ? 'initiated here' : 'the peer restarted'}): new ufrag ${this.ufrag}`, { initiator, ufrag: this.ufrag });
    this.setState(now, this.lite ? 'new' : 'checking', 'ICE restart');
    this.restartGathering(now);
  }
}
