import { formatTransportAddress, type Endpoint, type EndpointOutput, type TransportAddress } from '../core/endpoint.ts';
import { nextWake } from '../core/deadline.ts';
import type { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { SECOND } from '../core/time.ts';
import { parseDigestCredentials, formatDigestChallenge, verifyCredentials, type DigestAlgorithm } from '../wire/sip/digest.ts';
import { parseNameAddr, parseSipUri } from '../wire/sip/headers.ts';
import { sipHeader, sipHeaderValues, type SipMessage } from '../wire/sip/message.ts';
import { buildResponse, randomHex, REASONS } from './build.ts';
import { sipNote } from './notes.ts';
import { SipTransactionLayer, type ServerTransaction } from './stack.ts';

export interface SipRegistrarOptions {
  readonly name: string;
  /** SIP over TCP (RFC 3261 §18; sim/sip/tcp-transport.ts sends the bytes): none means UDP datagrams. */
  readonly sipStream?: { send(to: TransportAddress, bytes: Uint8Array): void };
  readonly rng: Rng;
  readonly local: TransportAddress;
  /** The domain it serves, also the digest realm (RFC 3261 §22.1). */
  readonly realm: string;
  /** Users and their passwords. */
  readonly users: Readonly<Record<string, string>>;
  readonly algorithm: DigestAlgorithm;
  /** What wrong credentials get: a fresh 401 challenge (Kamailio's auth_challenge), or 403 Forbidden (Asterisk). */
  readonly badCredentials: 'challenge' | 'forbidden';
  /**
   * Challenges an INVITE from one of its users with 407 Proxy-Authenticate until its Proxy-Authorization verifies
   * (RFC 3261 §22.3), as Kamailio's default configuration does for calls from its own domain (`proxy_authorize`).
   */
  readonly authenticateInvites?: boolean;
  /** Expiry granted when the REGISTER asks for none, and the most it grants (s). */
  readonly defaultExpires: number;
  readonly maxExpires: number;
  readonly server: string;
}

interface Binding {
  readonly contact: string;
  readonly expiresAt: Micros;
  readonly callId: string;
  readonly cseq: number;
}

/**
 * A SIP registrar (RFC 3261 §10.3) that is also a redirect server (§8.3) for the domain it serves: a REGISTER
 * without valid credentials gets 401 with a fresh nonce (RFC 7616 §3.3, qop=auth); a REGISTER whose digest response
 * verifies, with a nonce it issued and a nonce count that rises, stores the Contact binding of the address of
 * record and answers 200 with every binding and its expires; an INVITE for a registered user gets 302 with the
 * binding's Contact (the caller re-sends its INVITE there, §8.1.3.4), 480 when the user has no binding, 404 when
 * the domain has no such user. Nothing unauthenticated changes a binding.
 */
export class SipRegistrar implements Endpoint {
  readonly stack: SipTransactionLayer;
  private readonly out: EndpointOutput[];
  /** Nonces it issued (the last 64), with the highest nonce count seen. */
  private readonly nonces = new Map<string, number>();
  readonly bindings = new Map<string, Binding>();
  private now: Micros = 0;
  challenges = 0;
  registrations = 0;
  rejected = 0;
  redirects = 0;

  constructor(private readonly o: SipRegistrarOptions) {
    this.stack = new SipTransactionLayer(o.local, { request: (now, req, tx) => this.onRequest(now, req, tx), ack: () => {} }, o.sipStream);
    this.out = this.stack.out;
  }

  private onRequest(now: Micros, req: SipMessage, tx: ServerTransaction): void {
    if (req.start.kind !== 'request') return;
    const tag = randomHex(this.o.rng, 10);
    const reply = (status: number, extra: { name: string; value: string }[] = []): void => this.stack.respond(now, tx, buildResponse(req, status, REASONS[status] ?? 'Unknown', { toTag: tag, extra, server: this.o.server }));
    switch (req.start.method) {
      case 'REGISTER':
        return this.register(now, req, reply);
      case 'INVITE': {
        this.stack.respond(now, tx, buildResponse(req, 100, REASONS[100]!, { server: this.o.server }));
        if (this.o.authenticateInvites && !this.inviteAuthorized(now, req, reply)) return;
        const target = parseSipUri(req.start.uri);
        const user = typeof target === 'string' ? undefined : target.user;
        if (user === undefined || this.o.users[user] === undefined || (typeof target !== 'string' && target.host !== this.o.realm)) return reply(404);
        const b = this.bindings.get(`sip:${user}@${this.o.realm}`);
        if (!b || b.expiresAt <= now) return reply(480, [{ name: 'Reason', value: 'SIP;cause=480;text="not registered"' }]);
        this.redirects++;
        // RFC 3261 §21.3.3: 302 Moved Temporarily, the Contact says where to retry
        return this.stack.respond(now, tx, buildResponse(req, 302, 'Moved Temporarily', { toTag: tag, extra: [{ name: 'Contact', value: b.contact }], server: this.o.server }));
      }
      case 'OPTIONS':
        return reply(200, [{ name: 'Allow', value: 'REGISTER, INVITE, ACK, CANCEL, OPTIONS' }]);
      case 'CANCEL':
        // RFC 3261 §9.2: its INVITEs are answered at once, so a CANCEL changes nothing: 200 while the INVITE
        // transaction lives, 481 when none matches
        return reply(this.stack.inviteTransactionFor(req) ? 200 : 481);
      default:
        return reply(405, [{ name: 'Allow', value: 'REGISTER, INVITE, ACK, CANCEL, OPTIONS' }]);
    }
  }

  private challenge(stale: boolean): string {
    const nonce = randomHex(this.o.rng, 32);
    this.nonces.set(nonce, 0);
    if (this.nonces.size > 64) this.nonces.delete(this.nonces.keys().next().value!);
    this.challenges++;
    return formatDigestChallenge({ realm: this.o.realm, nonce, algorithm: this.o.algorithm, qop: ['auth'], stale });
  }

  /**
   * RFC 3261 §22.3: an INVITE whose From is one of its users must carry Proxy-Authorization for its realm with a
   * nonce it issued, a rising nonce count and a response made from that user's password for method INVITE; else 407
   * with a fresh challenge (a wrong one gets 403 when `badCredentials` says so). INVITEs from elsewhere pass.
   */
  private inviteAuthorized(now: Micros, req: SipMessage, reply: (status: number, extra?: { name: string; value: string }[]) => void): boolean {
    const from = parseNameAddr(sipHeader(req, 'From') ?? '');
    const fromUri = typeof from === 'string' ? undefined : parseSipUri(from.uri);
    if (!fromUri || typeof fromUri === 'string' || fromUri.host !== this.o.realm || fromUri.user === undefined || this.o.users[fromUri.user] === undefined) return true;
    const who = `sip:${fromUri.user}@${this.o.realm}`;
    const refuse = (status: number, why: string, stale = false): false => {
      this.out.push({ type: 'note', ...sipNote('sip.invite.challenged', `INVITE from ${who} answered ${status}: ${why}`, { from: who, status, reason: why }) });
      reply(status, status === 407 ? [{ name: 'Proxy-Authenticate', value: this.challenge(stale) }] : []);
      return false;
    };
    const auth = sipHeader(req, 'Proxy-Authorization');
    if (auth === undefined) return refuse(407, 'no Proxy-Authorization: challenged');
    const c = parseDigestCredentials(auth);
    if (typeof c === 'string') return refuse(400, c);
    const seen = this.nonces.get(c.nonce);
    const password = this.o.users[c.username];
    const verified = password !== undefined && c.realm === this.o.realm && verifyCredentials(c, password, 'INVITE');
    if (seen === undefined || (c.nc !== undefined && parseInt(c.nc, 16) <= seen)) return refuse(407, seen === undefined ? 'unknown or expired nonce' : `nonce count ${c.nc} not above ${seen}: a replay`, verified);
    if (!verified || c.username !== fromUri.user) {
      this.rejected++;
      return this.o.badCredentials === 'forbidden' ? refuse(403, `wrong credentials for ${c.username}`) : refuse(407, `wrong credentials for ${c.username}: challenged again`);
    }
    this.nonces.set(c.nonce, c.nc !== undefined ? parseInt(c.nc, 16) : seen + 1);
    void now;
    return true;
  }

  /** RFC 3261 §10.3 steps 1–8. */
  private register(now: Micros, req: SipMessage, reply: (status: number, extra?: { name: string; value: string }[]) => void): void {
    const to = parseNameAddr(sipHeader(req, 'To') ?? '');
    const aorUri = typeof to === 'string' ? undefined : parseSipUri(to.uri);
    if (!aorUri || typeof aorUri === 'string' || aorUri.user === undefined) return reply(400);
    const aor = `sip:${aorUri.user}@${aorUri.host}`;
    const reject = (status: number, why: string, extra: { name: string; value: string }[] = []): void => {
      this.out.push({ type: 'note', ...sipNote('sip.register.rejected', `REGISTER for ${aor} refused with ${status}: ${why}`, { aor, status, reason: why }) });
      reply(status, extra);
    };
    if (aorUri.host !== this.o.realm || this.o.users[aorUri.user] === undefined) return reject(404, `no user ${aorUri.user} in ${this.o.realm}`);
    const auth = sipHeader(req, 'Authorization');
    if (auth === undefined) return reject(401, 'no credentials: challenged', [{ name: 'WWW-Authenticate', value: this.challenge(false) }]);
    const c = parseDigestCredentials(auth);
    if (typeof c === 'string') return reject(400, c);
    const seen = this.nonces.get(c.nonce);
    const password = this.o.users[c.username];
    const verified = password !== undefined && c.realm === this.o.realm && verifyCredentials(c, password, 'REGISTER');
    if (seen === undefined || (c.nc !== undefined && parseInt(c.nc, 16) <= seen)) {
      // RFC 7616 §3.3: a nonce we did not issue (or a replayed count) with a right response is stale, not wrong
      return reject(401, seen === undefined ? 'unknown or expired nonce' : `nonce count ${c.nc} not above ${seen}: a replay`, [{ name: 'WWW-Authenticate', value: this.challenge(verified) }]);
    }
    if (!verified || c.username !== aorUri.user) {
      this.rejected++;
      if (this.o.badCredentials === 'forbidden') return reject(403, `wrong credentials for ${c.username}`);
      return reject(401, `wrong credentials for ${c.username}: challenged again`, [{ name: 'WWW-Authenticate', value: this.challenge(false) }]);
    }
    this.nonces.set(c.nonce, c.nc !== undefined ? parseInt(c.nc, 16) : seen + 1);
    const callId = sipHeader(req, 'Call-ID') ?? '';
    const cseq = Number((sipHeader(req, 'CSeq') ?? '0').split(/\s+/)[0]);
    const contacts = sipHeaderValues(req, 'Contact');
    const headerExpires = sipHeader(req, 'Expires');
    for (const text of contacts) {
      const ct = parseNameAddr(text);
      if (typeof ct === 'string') return reject(400, `Contact: ${ct}`);
      const asked = ct.params.get('expires') ?? headerExpires;
      const expires = Math.min(asked !== undefined && /^\d+$/.test(asked) ? Number(asked) : this.o.defaultExpires, this.o.maxExpires);
      const old = this.bindings.get(aor);
      // §10.3 step 7: a REGISTER older than the binding (same Call-ID, lower CSeq) is ignored
      if (old && old.callId === callId && old.cseq > cseq) continue;
      if (ct.uri === '*' || expires === 0) this.bindings.delete(aor);
      else this.bindings.set(aor, { contact: `<${ct.uri}>`, expiresAt: now + expires * SECOND, callId, cseq });
      this.out.push({ type: 'note', ...sipNote('sip.registered', expires === 0 ? `${aor} unregistered` : `${aor} bound to ${ct.uri} for ${expires} s`, { aor, contact: ct.uri, expires }) });
    }
    this.registrations++;
    const b = this.bindings.get(aor);
    reply(200, b ? [{ name: 'Contact', value: `${b.contact};expires=${Math.max(0, Math.round((b.expiresAt - now) / SECOND))}` }] : []);
  }

  handleDatagram(now: Micros, from: TransportAddress, _to: TransportAddress, bytes: Uint8Array): void {
    this.now = now;
    this.stack.handleDatagram(now, from, bytes);
  }

  handleTimeout(now: Micros): void {
    this.now = now;
    this.stack.handleTimeout(now);
  }

  poll(_now: Micros): EndpointOutput {
    return this.out.shift() ?? nextWake(this.stack.deadline());
  }

  /** The bindings still valid now, for the summary. */
  bindingList(): { aor: string; contact: string; expiresIn: number }[] {
    return [...this.bindings].filter(([, b]) => b.expiresAt > this.now).map(([aor, b]) => ({ aor, contact: b.contact, expiresIn: Math.round((b.expiresAt - this.now) / SECOND) }));
  }

  get address(): string {
    return formatTransportAddress(this.o.local);
  }
}
