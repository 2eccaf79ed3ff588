import type { Micros } from '../core/time.ts';
import { formatDuration } from '../core/time.ts';
import { IceAgentGathering } from './agent-gathering.ts';
import type { CandidatePair } from './pair.ts';

/**
 * Consent freshness on the selected pair (RFC 7675): a consent check every interval with ±20% jitter (§5.1), the
 * agent disconnected after `disconnectedAfter` without an answer, consent lost (and the agent failed, or restarted
 * when it controls and is told to) after `consentTimeout`. Between agent-gathering.ts (local candidates) and
 * agent.ts (checks, answers, nomination), which sends the checks.
 */
export abstract class IceAgentConsent extends IceAgentGathering {
  protected abstract sendCheck(now: Micros, pair: CandidatePair, useCandidate: boolean, consent: boolean): void;

  protected consentJitter(): Micros {
    return Math.round(this.consentInterval * (0.8 + 0.4 * this.config.rng.float()));
  }

  protected consentDeadline(): Micros | undefined {
    if (!this.selected || this.lastConsentAt === undefined || this.state === 'failed') return undefined;
    let at = this.lastConsentAt + this.consentTimeout;
    if (this.state !== 'disconnected') at = Math.min(at, this.lastConsentAt + this.disconnectedAfter);
    if (this.nextConsentAt !== undefined) at = Math.min(at, this.nextConsentAt);
    return at;
  }

  protected consentTick(now: Micros): void {
    if (!this.selected || this.lastConsentAt === undefined || this.state === 'failed') return;
    if (now >= this.lastConsentAt + this.consentTimeout) {
      this.note('ice.consent.lost', `consent lost: no answer for ${formatDuration(now - this.lastConsentAt)} (RFC 7675 §5.1)`, { pair: this.selected.id });
      this.setState(now, 'failed', 'consent lost');
      this.nextConsentAt = undefined;
      if (this.config.restartOnFailure && this.controlling && !this.lite) this.restart(now, 'local');
      return;
    }
    if (this.state !== 'disconnected' && now >= this.lastConsentAt + this.disconnectedAfter) {
      this.setState(now, 'disconnected', `no answer for ${formatDuration(now - this.lastConsentAt)}`);
    }
    if (this.nextConsentAt !== undefined && now >= this.nextConsentAt) {
      this.nextConsentAt = now + this.consentJitter();
      this.sendCheck(now, this.selected, false, true);
    }
  }
}
