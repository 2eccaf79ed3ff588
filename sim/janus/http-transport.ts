import { utf8Decode } from '../core/encoding.ts';
import type { Deadline } from '../core/deadline.ts';
import { SECOND, type Micros } from '../core/time.ts';
import type { HttpExchange, HttpRequest } from '../http/server.ts';
import type { HttpHeader } from '../wire/http/http.ts';
import { janusText } from './api.ts';
import type { JanusEventSink, JanusGateway } from './gateway.ts';
import type { JsonObject } from './plugin.ts';
import type { JanusSession } from './session.ts';

export interface JanusHttpOptions {
  /** janus.transport.http.jcfg base_path. */
  readonly basePath: string;
  /** A long poll with nothing to deliver is answered `{"janus":"keepalive"}` after this long (Janus: 30 s). */
  readonly pollTimeout: Micros;
}

export const DEFAULT_HTTP_OPTIONS: JanusHttpOptions = { basePath: '/janus', pollTimeout: 30 * SECOND };

/** The header fields Janus's HTTP transport sends with its JSON (CORS open, as its default configuration). */
const HEADERS: readonly HttpHeader[] = [
  { name: 'Content-Type', value: 'application/json' },
  { name: 'Access-Control-Allow-Origin', value: '*' },
  { name: 'Access-Control-Max-Age', value: '86400' },
];

interface HeldPoll {
  readonly ex: HttpExchange;
  readonly maxev: number;
  readonly until: Micros;
}

/**
 * janus.transport.http (janus_http.c, from its behaviour): POST `<base>` / `<base>/<session>` /
 * `<base>/<session>/<handle>` carry Janus API requests answered with HTTP 200 and the JSON reply (errors too);
 * GET `<base>/<session>?maxev=N` is the long poll: answered at once with up to N queued events (an array when
 * maxev > 1, else one object), or held until an event comes or `pollTimeout` passes (`{"janus":"keepalive"}`).
 * A poll counts as activity for the session timeout; one poll per session is held (a newer one answers the older
 * with a keepalive). Unknown paths and polls on unknown sessions are 404 with no body.
 */
export class JanusHttpTransport implements JanusEventSink {
  private readonly held = new Map<number, HeldPoll>();
  readonly counters = { posts: 0, polls: 0, keepalives: 0, eventsDelivered: 0, notFound: 0 };

  constructor(
    private readonly gw: JanusGateway,
    readonly options: JanusHttpOptions = DEFAULT_HTTP_OPTIONS,
  ) {
    gw.sink = this;
  }

  handle(now: Micros, req: HttpRequest, ex: HttpExchange): void {
    const target = req.start.target;
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const query = q < 0 ? '' : target.slice(q + 1);
    const base = this.options.basePath;
    if (path !== base && !path.startsWith(`${base}/`)) return this.notFound(now, ex);
    const parts = path.slice(base.length).split('/').filter((p) => p.length > 0);
    if (parts.length > 2) return this.notFound(now, ex);
    const method = req.start.method;
    if (method === 'OPTIONS') {
      ex.respond(now, { status: 200, headers: [...HEADERS.slice(1), { name: 'Access-Control-Allow-Methods', value: 'GET, POST, OPTIONS' }] });
      return;
    }
    const ids = parts.map((p) => (/^\d{1,16}$/.test(p) ? Number(p) : NaN));
    if (method === 'POST') {
      this.counters.posts++;
      // a path that is not ids reaches the core as the root path: Janus answers 457 for the request there
      const valid = ids.every((x) => Number.isSafeInteger(x));
      const at = valid ? { ...(ids[0] !== undefined ? { session: ids[0] } : {}), ...(ids[1] !== undefined ? { handle: ids[1] } : {}) } : {};
      const reply = this.gw.request(now, at, utf8Decode(req.body));
      this.answer(now, ex, reply);
      return;
    }
    if (method === 'GET') {
      const id = ids[0];
      const session = parts.length === 1 && id !== undefined && Number.isSafeInteger(id) ? this.gw.sessions.get(id) : undefined;
      if (!session) return this.notFound(now, ex);
      this.counters.polls++;
      session.lastActivity = now;
      const m = /(?:^|&)maxev=(\d{1,4})(?:&|$)/.exec(query);
      const maxev = m ? Math.max(1, Number(m[1])) : 1;
      const old = this.held.get(session.id);
      if (old) this.keepalive(now, old);
      this.held.set(session.id, { ex, maxev, until: now + this.options.pollTimeout });
      this.eventsQueued(now, session);
      return;
    }
    ex.respond(now, { status: 405, headers: [{ name: 'Allow', value: 'GET, POST, OPTIONS' }] });
  }

  eventsQueued(now: Micros, s: JanusSession): void {
    const p = this.held.get(s.id);
    if (!p) return;
    if (p.ex.abandoned) {
      this.held.delete(s.id);
      return;
    }
    if (s.queue.length === 0) {
      if (s.destroyed) {
        this.held.delete(s.id);
        this.notFound(now, p.ex);
      }
      return;
    }
    this.held.delete(s.id);
    const events = s.queue.splice(0, p.maxev);
    this.counters.eventsDelivered += events.length;
    this.answer(now, p.ex, p.maxev > 1 ? events : events[0]!);
  }

  deadline(_now: Micros): Deadline | undefined {
    let best: HeldPoll | undefined;
    for (const p of this.held.values()) if (!best || p.until < best.until) best = p;
    return best ? { at: best.until, reason: 'janus long poll (30 s keepalive)' } : undefined;
  }

  handleTimeout(now: Micros): void {
    for (const [id, p] of [...this.held]) {
      if (now < p.until) continue;
      this.held.delete(id);
      this.keepalive(now, p);
    }
  }

  private keepalive(now: Micros, p: HeldPoll): void {
    this.counters.keepalives++;
    this.answer(now, p.ex, { janus: 'keepalive' });
  }

  private answer(now: Micros, ex: HttpExchange, body: JsonObject | readonly JsonObject[]): void {
    ex.respond(now, { status: 200, headers: HEADERS, body: janusText(body) });
  }

  private notFound(now: Micros, ex: HttpExchange): void {
    this.counters.notFound++;
    ex.respond(now, { status: 404 });
  }
}
