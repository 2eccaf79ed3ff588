import { utf8Decode } from '../core/encoding.ts';
import { nextWake } from '../core/deadline.ts';
import type { Endpoint, EndpointOutput, IcmpError, TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import { MS, SECOND, type Micros } from '../core/time.ts';
import type { JsonValue } from '../core/trace.ts';
import type { HttpClientConnection, HttpResult } from '../http/client.ts';
import type { WebRtcPeer } from '../peer/webrtc-peer.ts';
import type { JsepMessage } from '../signaling/jsep.ts';
import { jsep } from '../signaling/message.ts';
import type { JsonObject } from './plugin.ts';

export interface JanusClientOptions {
  readonly name: string;
  /** The gateway's Janus API root: "/janus". */
  readonly basePath: string;
  readonly plugin: string;
  /** The `message` body sent with the offer (echotest: `{"audio":true,"video":true}`). */
  readonly body: JsonObject;
  readonly opaqueId?: string;
  /** Events asked for per long poll (janus.js asks for 10). */
  readonly maxev: number;
  /** janus.js sends a keepalive every 25 s. */
  readonly keepaliveInterval: Micros;
  readonly startAt: Micros;
  /** The page stops talking to the gateway (no more polls or keepalives): the session times out there. */
  readonly stopAt?: Micros;
  /** janus.js `destroy()`: detach the handle, then destroy the session. */
  readonly leaveAt?: Micros;
  /**
   * A message sent after `attach`, before the offer (the SIP plugin's `register`): the offer waits for the event whose
   * `result.event` is `until` (`registered`); another result (`registration_failed`) ends the page's flow there.
   */
  readonly prelude?: { readonly body: JsonObject; readonly until: string };
  /** When it sends `{"request":"hangup"}` (the SIP plugin's hangup). */
  readonly hangupAt?: Micros;
  /**
   * The page answers instead of offering: it waits for a plugin event carrying a JSEP offer (the SIP plugin's
   * `incomingcall`), gives it to its peer `after` it came (the user picks up), and sends the peer's answer in a
   * `message` with `body` (`{"request":"accept"}`).
   */
  readonly answer?: { readonly body: JsonObject; readonly after: Micros };
  /** More `message` requests at given times, without JSEP (the SIP plugin's `hold` and `unhold`). */
  readonly messages?: readonly { readonly at: Micros; readonly body: JsonObject }[];
}

/** One Janus message the client saw, for the summary and the comparison with a real Janus. */
export interface JanusSeen {
  readonly at: Micros;
  /** "reply" to a request or "event" from a long poll. */
  readonly via: 'reply' | 'event';
  readonly request?: string;
  readonly message: JsonObject;
}

/**
 * A browser page using janus.js over HTTP (the seed's flow): `create` → session id, `attach` → handle id, a long-poll
 * GET on its own connection (`?rid=<ms>&maxev=N`, re-issued as each returns), `message` with the body and the
 * WebRtcPeer's offer, `trickle` for each candidate and `{"completed":true}`, the answer from the plugin's event given
 * to the peer; keepalives every 25 s. Every reply and event is kept (`seen`) in order.
 */
export class JanusClient implements Endpoint {
  sessionId: number | undefined;
  handleId: number | undefined;
  readonly seen: JanusSeen[] = [];
  readonly errors: string[] = [];
  /** Set by the app: lets the driver act after an HTTP callback. */
  wake: () => void = () => {};
  private requested = false;
  private stopped = false;
  private left = false;
  private polling = false;
  private nextKeepalive: Micros | undefined;
  private readonly pendingSignals: JsepMessage[] = [];
  private offerSent = false;
  /** The plugin result the offer waits for (set while a prelude is in flight). */
  private awaiting: string | undefined;
  private hungUp = false;
  /** The gateway's offer waiting for the user to pick up, and when. */
  private incoming: { sdp: string; at: Micros } | undefined;
  private answered = false;
  private messagesSent = 0;

  constructor(
    readonly peer: WebRtcPeer,
    readonly options: JanusClientOptions,
    private readonly rng: Rng,
    /** Two connections, as a browser opens them: requests on one, the held long poll on the other. */
    private readonly http: { readonly post: HttpClientConnection; readonly poll: HttpClientConnection },
  ) {}

  /** janus.js randomString(12). */
  private transaction(): string {
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let s = '';
    for (let i = 0; i < 12; i++) s += chars[this.rng.int(0, chars.length)]!;
    return s;
  }

  private post(now: Micros, path: string, request: JsonObject, then?: (t: Micros, reply: JsonObject) => void): void {
    const body = JSON.stringify({ ...request, transaction: this.transaction() });
    const kind = String(request.janus);
    this.http.post.request(now, { method: 'POST', target: path, headers: [{ name: 'Content-Type', value: 'application/json' }], body }, (t, r) => {
      const reply = this.read(t, r, `${kind} request`);
      if (reply && !Array.isArray(reply)) {
        this.seen.push({ at: t, via: 'reply', request: kind, message: reply });
        if (reply.janus === 'error') this.errors.push(`${kind}: ${JSON.stringify(reply.error)}`);
        else then?.(t, reply);
      }
      this.wake();
    });
  }

  private read(t: Micros, r: HttpResult, what: string): JsonObject | JsonObject[] | undefined {
    if (!r.ok) {
      this.errors.push(`${what}: ${r.error}`);
      return undefined;
    }
    if (r.response.start.status !== 200) {
      this.errors.push(`${what}: HTTP ${r.response.start.status}`);
      return undefined;
    }
    try {
      const v = JSON.parse(utf8Decode(r.response.body)) as JsonValue;
      if (typeof v === 'object' && v !== null) return v as JsonObject | JsonObject[];
    } catch {
      // reported below
    }
    this.errors.push(`${what}: not JSON at ${t}`);
    return undefined;
  }

  private get sessionPath(): string {
    return `${this.options.basePath}/${this.sessionId}`;
  }

  private get handlePath(): string {
    return `${this.sessionPath}/${this.handleId}`;
  }

  private start(now: Micros): void {
    this.requested = true;
    this.post(now, this.options.basePath, { janus: 'create' }, (t, reply) => {
      this.sessionId = (reply.data as JsonObject | undefined)?.id as number | undefined;
      if (this.sessionId === undefined) return;
      this.nextKeepalive = t + this.options.keepaliveInterval;
      this.longPoll(t);
      this.post(t, this.sessionPath, { janus: 'attach', plugin: this.options.plugin, ...(this.options.opaqueId ? { opaque_id: this.options.opaqueId } : {}) }, (t2, r2) => {
        this.handleId = (r2.data as JsonObject | undefined)?.id as number | undefined;
        if (this.handleId === undefined) return;
        const prelude = this.options.prelude;
        if (!prelude) return this.options.answer ? undefined : this.peer.begin(t2);
        this.awaiting = prelude.until;
        this.post(t2, this.handlePath, { janus: 'message', body: prelude.body });
      });
    });
  }

  /** GET <base>/<session>?rid=<ms>&maxev=N, again when it returns (janus.js eventHandler). */
  private longPoll(now: Micros): void {
    if (this.stopped || this.left || this.sessionId === undefined || this.polling) return;
    this.polling = true;
    this.http.poll.request(now, { method: 'GET', target: `${this.sessionPath}?rid=${Math.floor(now / MS)}&maxev=${this.options.maxev}` }, (t, r) => {
      this.polling = false;
      const got = this.read(t, r, 'long poll');
      for (const m of got === undefined ? [] : Array.isArray(got) ? got : [got]) this.event(t, m);
      const over = got !== undefined && (Array.isArray(got) ? got : [got]).some((m) => m.janus === 'timeout');
      if (got !== undefined && !over) this.longPoll(t);
      this.wake();
    });
  }

  private event(now: Micros, m: JsonObject): void {
    this.seen.push({ at: now, via: 'event', message: m });
    const j = m.jsep as JsonObject | undefined;
    if (m.janus === 'event' && j && j.type === 'answer' && typeof j.sdp === 'string') this.peer.handleSignal(now, 'janus', jsep({ type: 'answer', sdp: j.sdp }));
    // the gateway offers (an incoming call): the page picks up `answer.after` later
    if (m.janus === 'event' && j && j.type === 'offer' && typeof j.sdp === 'string' && this.options.answer && !this.answered && this.incoming === undefined) this.incoming = { sdp: j.sdp, at: now + this.options.answer.after };
    const result = ((m.plugindata as JsonObject | undefined)?.data as JsonObject | undefined)?.result as JsonObject | undefined;
    if (this.awaiting !== undefined && m.janus === 'event' && result && result.event === this.awaiting) {
      this.awaiting = undefined;
      if (!this.options.answer) this.peer.begin(now);
    }
  }

  /** The peer's JSEP: the offer rides in `message`, candidates in `trickle` (after the offer, as janus.js does). */
  private fromPeer(now: Micros, m: JsepMessage): void {
    if (this.handleId === undefined || this.left) return;
    if (m.type === 'offer' || m.type === 'answer') {
      this.offerSent = true;
      const body = m.type === 'answer' ? (this.options.answer?.body ?? { request: 'accept' }) : this.options.body;
      this.post(now, this.handlePath, { janus: 'message', body, jsep: { type: m.type, sdp: m.sdp } });
      for (const p of this.pendingSignals.splice(0)) this.fromPeer(now, p);
    } else if (!this.offerSent) this.pendingSignals.push(m);
    else if (m.type === 'candidate') this.post(now, this.handlePath, { janus: 'trickle', candidate: { candidate: `candidate:${m.candidate}`, sdpMid: m.sdpMid, sdpMLineIndex: 0 } });
    else if (m.type === 'end-of-candidates') this.post(now, this.handlePath, { janus: 'trickle', candidate: { completed: true } });
  }

  private timers(now: Micros): void {
    if (!this.requested && now >= this.options.startAt) this.start(now);
    if (!this.stopped && this.options.stopAt !== undefined && now >= this.options.stopAt) this.stopped = true;
    if (!this.left && this.options.leaveAt !== undefined && now >= this.options.leaveAt && this.sessionId !== undefined && !this.stopped) {
      this.left = true;
      if (this.handleId !== undefined) this.post(now, this.handlePath, { janus: 'detach' });
      this.post(now, this.sessionPath, { janus: 'destroy' });
    }
    if (!this.hungUp && this.options.hangupAt !== undefined && now >= this.options.hangupAt && this.handleId !== undefined && !this.stopped && !this.left) {
      this.hungUp = true;
      this.post(now, this.handlePath, { janus: 'message', body: { request: 'hangup' } });
    }
    if (this.incoming && now >= this.incoming.at && !this.stopped && !this.left) {
      const offer = this.incoming.sdp;
      this.incoming = undefined;
      this.answered = true;
      this.peer.handleSignal(now, 'janus', jsep({ type: 'offer', sdp: offer }));
    }
    const msgs = this.options.messages ?? [];
    while (this.messagesSent < msgs.length && now >= msgs[this.messagesSent]!.at && this.handleId !== undefined && !this.stopped && !this.left) {
      this.post(now, this.handlePath, { janus: 'message', body: msgs[this.messagesSent]!.body });
      this.messagesSent++;
    }
    if (this.nextKeepalive !== undefined && now >= this.nextKeepalive) {
      this.nextKeepalive = now + this.options.keepaliveInterval;
      if (!this.stopped && !this.left) this.post(now, this.sessionPath, { janus: 'keepalive', session_id: this.sessionId ?? 0 });
    }
  }

  // ---- the endpoint contract ---------------------------------------------------------------------------------

  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array): void {
    this.peer.handleDatagram(now, from, to, bytes);
  }

  handleIcmpError(now: Micros, e: IcmpError): void {
    this.peer.handleIcmpError(now, e);
  }

  handleTimeout(now: Micros): void {
    this.timers(now);
    this.peer.handleTimeout(now);
  }

  poll(now: Micros): EndpointOutput {
    this.timers(now);
    for (let guard = 0; guard < 100_000; guard++) {
      const o = this.peer.poll(now);
      if (o.type === 'signal') {
        if (o.message.protocol === 'jsep') this.fromPeer(now, o.message.body);
        continue;
      }
      if (o.type !== 'timeout' && o.type !== 'idle') return o;
      const own = [
        !this.requested ? { at: this.options.startAt, reason: 'janus client start' } : undefined,
        this.nextKeepalive !== undefined && !this.stopped && !this.left ? { at: this.nextKeepalive, reason: 'janus keepalive (25 s)' } : undefined,
        !this.stopped && this.options.stopAt !== undefined ? { at: this.options.stopAt, reason: 'janus client stops' } : undefined,
        !this.left && this.options.leaveAt !== undefined ? { at: this.options.leaveAt, reason: 'janus client leaves' } : undefined,
        !this.hungUp && this.options.hangupAt !== undefined ? { at: this.options.hangupAt, reason: 'janus client hangs up' } : undefined,
        this.incoming ? { at: this.incoming.at, reason: 'janus client picks up the incoming call' } : undefined,
        this.handleId !== undefined && !this.stopped && !this.left && this.messagesSent < (this.options.messages ?? []).length ? { at: this.options.messages![this.messagesSent]!.at, reason: 'janus client sends a message' } : undefined,
      ];
      return nextWake(o.type === 'timeout' ? { at: o.at, reason: o.reason } : undefined, ...own);
    }
    throw new Error(`${this.options.name}: poll loop did not settle at ${now}`);
  }

  /** The Janus kinds it received, in order: replies as `<request>:<janus>`, events as their `janus`. */
  sequence(): string[] {
    return this.seen.map((s) => (s.via === 'reply' ? `${s.request}:${String(s.message.janus)}` : String(s.message.janus)));
  }
}

export const JANUS_JS_KEEPALIVE = 25 * SECOND;
