import { netNote } from './notes.ts';
import { formatTransportAddress, isSignalingEndpoint, type Endpoint, type EndpointOutput, type TransportAddress } from '../core/endpoint.ts';
import type { Timer } from '../core/scheduler.ts';
import type { Micros } from '../core/time.ts';
import type { SignalingHub, SignalingPath } from '../signaling/hub.ts';
import type { SignalingJoin } from '../signaling/transport.ts';
import type { SignalingMessage } from '../signaling/message.ts';
import type { Host, UdpSocket } from './host.ts';
import type { Network } from './network.ts';

/**
 * Drives a sans-IO endpoint on a simulated host: datagrams arriving on its sockets feed `handleDatagram`, its
 * deadline becomes a scheduler timer feeding `handleTimeout`, and after every input `poll` is drained:
 * transmits go out of the host's sockets, notes and secrets go into the trace under `source`, signals go to the
 * signaling hub the endpoint joined (`joinSignaling`), which hands what arrives for it back through the driver.
 */
export class EndpointDriver<M = unknown> {
  private timer: Timer | undefined;
  private readonly sockets: UdpSocket[] = [];
  private signaling: { readonly hub: SignalingHub; readonly name: string } | undefined;
  /** The reason of the endpoint's current deadline, for panels. */
  pendingReason: string | undefined;
  /** Why the endpoint was stopped (it threw, or looped in poll); a failed endpoint gets no more input. */
  failure: string | undefined;

  constructor(
    private readonly net: Network,
    readonly host: Host,
    readonly endpoint: Endpoint<M>,
    /** Trace source name for its notes, e.g. "alice/ice". */
    readonly source: string,
  ) {}

  /** Opens a UDP socket whose datagrams are handed to the endpoint; returns the bound address. */
  bind(ip: string, port = 0, options: { readonly dontFragment?: boolean } = {}): TransportAddress {
    const s = this.host.bindUdp(ip, port);
    if (options.dontFragment === false) s.dontFragment = false;
    s.onDatagram((from, to, payload) => {
      if (this.failure !== undefined) return;
      if (!this.guard('handleDatagram', () => this.endpoint.handleDatagram(this.net.now, from, to, payload, 'udp'))) return;
      this.pump();
    });
    const endpoint = this.endpoint;
    if (endpoint.handleIcmpError) {
      s.onIcmpError((e) => {
        if (this.failure !== undefined) return;
        const error = { from: e.from, local: e.local, remote: e.to, kind: e.kind, error: e.error, type: e.type, code: e.code, family: e.family, ...(e.mtu !== undefined ? { mtu: e.mtu } : {}) };
        if (!this.guard('handleIcmpError', () => endpoint.handleIcmpError!(this.net.now, error))) return;
        this.pump();
      });
    }
    this.sockets.push(s);
    return s.local;
  }

  /** Whether a socket is already bound at exactly this address. */
  bound(a: TransportAddress): boolean {
    return this.sockets.some((s) => s.ip === a.ip && s.port === a.port);
  }

  /**
   * Joins the endpoint to the scenario's signaling hub as `name`: its `signal` outputs go to the hub, and each
   * message the hub delivers to `name` goes to its `handleSignal`, after which the replies it queued leave at once
   * (the hub lets it act on the rest when the whole batch is delivered).
   */
  joinSignaling(this: EndpointDriver<SignalingMessage>, hub: SignalingHub, name: string, options: { readonly path?: SignalingPath } & SignalingJoin = {}): void {
    const e = this.endpoint;
    if (!isSignalingEndpoint(e)) throw new Error(`${this.source}: the endpoint does not take signaling (no handleSignal)`);
    this.signaling = { hub, name };
    hub.join(name, {
      deliver: (now, from, message) => {
        if (this.failure !== undefined) return;
        if (!this.guard('handleSignal', () => e.handleSignal(now, from, message))) return;
        for (let i = 0; e.signalPending(); i++) {
          if (i > 100_000) return this.stop(`more than 100000 signals queued at ${now}µs`);
          let out: EndpointOutput<SignalingMessage> | undefined;
          if (!this.guard('poll', () => (out = e.poll(now))) || !out) return;
          if (!this.act(now, out)) break;
        }
      },
      pump: () => this.pump(),
    }, options);
  }

  /** Lets the endpoint act at the current time (call once after construction, and after external calls). */
  pump(): void {
    if (this.failure !== undefined) return;
    const now = this.net.now;
    for (let i = 0; ; i++) {
      if (i > 100_000) return this.stop(`poll() produced more than 100000 outputs at ${now}µs without a timeout`);
      let out: EndpointOutput<M> | undefined;
      if (!this.guard('poll', () => (out = this.endpoint.poll(now))) || !out) return;
      if (!this.act(now, out)) return;
    }
  }

  /** Carries out one output; false when it was the last one for now (a deadline or idle). */
  private act(now: Micros, out: EndpointOutput<M>): boolean {
    switch (out.type) {
      case 'transmit': {
        const s = this.socketFor(out.from);
        if (!s) {
          this.net.note(this.source, netNote('endpoint.error', `${this.source} tried to send from ${formatTransportAddress(out.from)}, which it has not bound`));
        } else {
          s.send(out.to, out.bytes, s.ip === out.from.ip ? undefined : out.from.ip, undefined, out.mayFragment ? false : s.dontFragment);
        }
        return true;
      }
      case 'signal':
        if (!this.signaling) this.net.note(this.source, netNote('endpoint.error', `${this.source} sent a signaling message to ${out.to} but has not joined a signaling hub`));
        // the hub only ever carries SignalingMessage: joinSignaling is only callable on an EndpointDriver<SignalingMessage>
        else this.signaling.hub.send(now, this.signaling.name, out.to, out.message as SignalingMessage);
        return true;
      case 'note':
        this.net.note(this.source, out);
        return true;
      case 'secret':
        this.net.trace.secret({ t: now, kind: out.kind, source: this.source, text: out.text });
        return true;
      case 'timeout':
        this.arm(out.at, out.reason);
        return false;
      case 'idle':
        this.timer?.cancel();
        this.timer = undefined;
        this.pendingReason = undefined;
        return false;
    }
  }

  private arm(at: number, reason: string): void {
    if (this.timer && !this.timer.cancelled && this.timer.at === at && this.timer.reason === reason) return;
    this.timer?.cancel();
    this.pendingReason = reason;
    this.timer = this.net.scheduler.at(at, reason, () => {
      this.timer = undefined;
      if (!this.guard('handleTimeout', () => this.endpoint.handleTimeout(this.net.now))) return;
      this.pump();
    });
  }

  /**
   * Runs one call into the endpoint. An exception is a bug or a hostile input the endpoint did not survive: it
   * becomes a note naming the call and the error, and the endpoint is stopped (failed), never a crashed run.
   */
  private guard(call: string, f: () => void): boolean {
    try {
      f();
      return true;
    } catch (e) {
      const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      this.stop(`${call}() threw ${what}`);
      return false;
    }
  }

  private stop(why: string): void {
    if (this.failure !== undefined) return;
    this.failure = why;
    this.timer?.cancel();
    this.timer = undefined;
    this.pendingReason = undefined;
    this.net.note(this.source, netNote('endpoint.failed', `${this.source} failed: ${why}; it gets no more input`, { reason: why }));
  }

  private socketFor(from: TransportAddress): UdpSocket | undefined {
    return (
      this.sockets.find((s) => s.port === from.port && s.ip === from.ip) ??
      this.sockets.find((s) => s.port === from.port && (s.ip === '0.0.0.0' || s.ip === '::'))
    );
  }
}
