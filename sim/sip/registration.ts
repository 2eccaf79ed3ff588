import { formatTransportAddress, type TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { SECOND } from '../core/time.ts';
import { answerChallenge, formatDigestCredentials, parseDigestChallenge, type DigestChallenge } from '../wire/sip/digest.ts';
import { formatNameAddr, parseNameAddr } from '../wire/sip/headers.ts';
import { sipHeader, sipHeaderValues, type SipMessage } from '../wire/sip/message.ts';
import { buildRequest, hostPort, newBranch, randomHex } from './build.ts';
import { sipNote } from './notes.ts';
import type { SipTransactionLayer } from './stack.ts';

export interface RegistrationOptions {
  readonly user: string;
  /** The user name for digest authentication when it differs from `user` (Janus's `authuser`). */
  readonly authUser?: string;
  readonly displayName?: string;
  readonly domain: string;
  readonly password: string;
  readonly registrar: TransportAddress;
  /** Seconds asked for (RFC 3261 §10.2.1.1). */
  readonly expires: number;
  readonly userAgent: string;
}

export type RegistrationState = 'idle' | 'registering' | 'registered' | 'failed';

/** What a registration tells its owner (a phone's notes, the Janus SIP plugin's events). */
export interface RegistrationEvents {
  state(now: Micros, state: RegistrationState, status: number, reason: string): void;
}

/**
 * A UA's registration (RFC 3261 §10.2): REGISTER for its address of record, a 401/407 challenge answered once with
 * digest credentials (RFC 3261 §22.2; RFC 7616 qop=auth, nc, cnonce), a second challenge for the same nonce (or a
 * 403) is a failure as real UAs take it (the password is wrong: retrying would only repeat it); a refresh before the
 * binding expires reuses the nonce with the next nonce count. One Call-ID and From tag for every REGISTER
 * (§10.2.4), CSeq rising.
 */
export class Registration {
  state: RegistrationState = 'idle';
  readonly callId: string;
  private readonly fromTag: string;
  private cseq = 0;
  private challenge: DigestChallenge | undefined;
  private nc = 0;
  /** Whether the REGISTER in flight carried credentials for the current challenge. */
  private answered = false;
  /** Seconds the registrar granted. */
  expires = 0;
  lastStatus = 0;
  attempts = 0;

  constructor(
    private readonly o: RegistrationOptions,
    private readonly stack: SipTransactionLayer,
    private readonly rng: Rng,
    private readonly events: RegistrationEvents,
  ) {
    this.callId = `${randomHex(rng, 20)}@${o.domain}`;
    this.fromTag = randomHex(rng, 10);
  }

  /** Where its REGISTERs go (the outbound proxy for the UA's other requests too). */
  get registrar(): TransportAddress {
    return this.o.registrar;
  }

  get aor(): string {
    return `sip:${this.o.user}@${this.o.domain}`;
  }

  start(now: Micros): void {
    this.state = 'registering';
    this.events.state(now, 'registering', 0, 'sending REGISTER');
    this.send(now);
  }

  private send(now: Micros): void {
    this.cseq++;
    this.attempts++;
    const uri = `sip:${this.o.domain}`;
    const extra = [{ name: 'Expires', value: String(this.o.expires) }];
    this.answered = false;
    if (this.challenge) {
      this.nc++;
      const c = answerChallenge(this.challenge, { username: this.o.authUser ?? this.o.user, password: this.o.password, method: 'REGISTER', uri, cnonce: randomHex(this.rng, 16), nc: this.nc });
      extra.push({ name: 'Authorization', value: formatDigestCredentials(c) });
      this.answered = true;
    }
    const req = buildRequest({
      method: 'REGISTER',
      uri,
      local: this.stack.local, transport: this.stack.transport,
      branch: newBranch(this.rng),
      from: formatNameAddr({ ...(this.o.displayName ? { display: this.o.displayName } : {}), uri: this.aor, params: new Map([['tag', this.fromTag]]) }),
      to: formatNameAddr({ ...(this.o.displayName ? { display: this.o.displayName } : {}), uri: this.aor }),
      callId: this.callId,
      cseq: this.cseq,
      contact: `<sip:${this.o.user}@${hostPort(this.stack.local)}${this.stack.transport === 'TCP' ? ';transport=tcp' : ''}>`,
      extra,
      userAgent: this.o.userAgent,
    });
    this.stack.send(now, req, this.o.registrar, {
      response: (t, res) => this.onResponse(t, res),
      timeout: (t, timer) => this.fail(t, 408, `no answer from the registrar ${formatTransportAddress(this.o.registrar)} (Timer ${timer})`),
    });
  }

  private onResponse(now: Micros, res: SipMessage): void {
    if (res.start.kind !== 'response' || res.start.status < 200) return;
    const status = res.start.status;
    this.lastStatus = status;
    if (status === 401 || status === 407) {
      const header = sipHeader(res, status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate');
      const ch = header === undefined ? `${status} without a ${status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate'} header (RFC 3261 §22.1)` : parseDigestChallenge(header);
      if (typeof ch === 'string') return this.fail(now, status, ch);
      // RFC 7616 §3.3: a stale nonce means the credentials were right: answer the new nonce; otherwise a second
      // challenge after our credentials means they were refused
      if (this.answered && !ch.stale && this.challenge?.nonce !== undefined) return this.fail(now, status, `credentials refused: ${status} again after answering the challenge (wrong password for ${this.o.authUser ?? this.o.user}?)`);
      this.challenge = ch;
      this.nc = 0;
      this.send(now);
      return;
    }
    if (status >= 300) return this.fail(now, status, `${status} ${res.start.reason}`);
    // RFC 3261 §10.2.4: the expiry is our Contact's expires parameter in the 200, else its Expires header
    const mine = sipHeaderValues(res, 'Contact').map((c) => parseNameAddr(c)).find((c) => typeof c !== 'string' && c.uri.includes(hostPort(this.stack.local)));
    const granted = mine && typeof mine !== 'string' ? mine.params.get('expires') : sipHeader(res, 'Expires');
    this.expires = granted !== undefined && /^\d+$/.test(granted) ? Number(granted) : this.o.expires;
    this.state = 'registered';
    this.events.state(now, 'registered', status, `${status} ${res.start.reason}`);
    this.stack.out.push({ type: 'note', ...sipNote('sip.registration', `${this.aor} registered at ${formatTransportAddress(this.o.registrar)} for ${this.expires} s`, { aor: this.aor, ok: true, status, expires: this.expires }) });
    if (this.expires > 0) {
      // refresh at half the granted time (at least 5 s before it ends), as common UAs do
      const refresh = Math.max(1, Math.min(this.expires / 2, this.expires - 5)) * SECOND;
      this.stack.setTimer(`reg:${this.callId}`, now + refresh, `SIP re-REGISTER before the binding expires (${this.expires} s)`, (t) => this.send(t));
    }
  }

  private fail(now: Micros, status: number, reason: string): void {
    this.state = 'failed';
    this.lastStatus = status;
    this.stack.clearTimer(`reg:${this.callId}`);
    this.stack.out.push({ type: 'note', ...sipNote('sip.registration', `${this.aor} registration failed: ${reason}`, { aor: this.aor, ok: false, status, expires: 0 }) });
    this.events.state(now, 'failed', status, reason);
  }

  /** Stops refreshing (the phone unregisters or the Janus handle goes away). */
  stop(): void {
    this.stack.clearTimer(`reg:${this.callId}`);
  }
}
