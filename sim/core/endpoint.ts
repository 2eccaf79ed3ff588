import type { JsonValue } from './trace.ts';
import type { Micros } from './time.ts';

/** An IP address and port, e.g. { ip: "192.0.2.1", port: 3478 } or { ip: "2001:db8::1", port: 5000 }. */
export interface TransportAddress {
  readonly ip: string;
  readonly port: number;
}

export type Transport = 'udp' | 'tcp';

/**
 * What a sans-IO endpoint asks its driver to do (docs/architecture.md, "The endpoint contract").
 * `poll(now)` is called until it returns a `timeout` or `idle`; everything before is acted on in order.
 * `M` is the signaling message type the endpoint sends (sim/signaling); the outputs of an endpoint that does not
 * signal are `EndpointOutput` (`never`: no `signal` member at all).
 */
export type EndpointOutput<M = never> =
  /** `mayFragment`: this datagram goes with IPv4 DF clear / may be fragmented at the source (IP_PMTUDISC_DONT for one send). */
  | { readonly type: 'transmit'; readonly from: TransportAddress; readonly to: TransportAddress; readonly bytes: Uint8Array; readonly transport?: Transport; readonly mayFragment?: true }
  | ([M] extends [never] ? never : SignalOutput<M>)
  | { readonly type: 'note'; readonly kind: string; readonly text: string; readonly data?: { [key: string]: JsonValue } }
  | { readonly type: 'secret'; readonly kind: 'nss-keylog' | 'srtp'; readonly text: string }
  /** Nothing more to do now; call handleTimeout at `at` unless input arrives first. The reason is shown to learners. */
  | { readonly type: 'timeout'; readonly at: Micros; readonly reason: string }
  /** Nothing more to do and no deadline. */
  | { readonly type: 'idle' };

/** A message for the party named `to` on the signaling hub (an app's WebSocket message, not a packet of its own). */
export interface SignalOutput<M> {
  readonly type: 'signal';
  readonly to: string;
  readonly message: M;
}

/**
 * A protocol endpoint: never reads a clock, sets a timer, touches a socket or calls a global RNG.
 * It receives its RNG stream at construction and is driven only through these three calls. `Endpoint` alone
 * (`M = unknown`) is any endpoint, signaling or not, as lists of a scenario's endpoints hold them.
 */
export interface Endpoint<M = unknown> {
  handleDatagram(now: Micros, from: TransportAddress, to: TransportAddress, bytes: Uint8Array, transport?: Transport): void;
  handleTimeout(now: Micros): void;
  poll(now: Micros): EndpointOutput<M>;
  /** An ICMP error about a datagram this endpoint sent (optional: an endpoint that ignores ICMP leaves it out). */
  handleIcmpError?(now: Micros, e: IcmpError): void;
  /**
   * A TCP connection its driver kept for it (the endpoint's `transport: 'tcp'` transmits, sim/apps/stream-links.ts)
   * failed or closed: `error` 'refused', 'reset', 'timeout' …, undefined when closed cleanly (optional).
   */
  handleStreamClosed?(now: Micros, local: TransportAddress, remote: TransportAddress, error: string | undefined): void;
}

/**
 * What an endpoint learns from an ICMP error its host received about one of its datagrams (RFC 1122 §4.1.3.3: the
 * UDP layer passes them up): who sent the error, which of its datagrams (local → remote) it is about, and what.
 * "unreachable" is a hard error (Port/Host/Network Unreachable); the others are soft.
 */
export interface IcmpError {
  readonly from: string;
  readonly local: TransportAddress;
  readonly remote: TransportAddress;
  readonly kind: 'unreachable' | 'time-exceeded' | 'too-big' | 'other';
  /** Its name: "Port Unreachable", "Fragmentation needed (MTU 1400)" … */
  readonly error: string;
  readonly mtu?: number;
  /** The ICMP/ICMPv6 type and code as received (RFC 792, RFC 4443), for what must carry them on (RFC 8656 §11.5). */
  readonly type?: number;
  readonly code?: number;
  /** The IP version of the error (4: ICMP, 6: ICMPv6). */
  readonly family?: 4 | 6;
}

/**
 * An endpoint that also speaks signaling: messages arrive through `handleSignal` (the driver hands over what the hub
 * delivers) and leave as `signal` outputs of `poll`. A reply made while handling a message leaves at once: the
 * driver polls while `signalPending()` says one is queued, and the endpoint returns queued signals before any
 * other output.
 */
export interface SignalingEndpoint<M> extends Endpoint<M> {
  handleSignal(now: Micros, from: string, message: M): void;
  signalPending(): boolean;
}

export function isSignalingEndpoint<M>(e: Endpoint<M>): e is SignalingEndpoint<M> {
  return typeof (e as Partial<SignalingEndpoint<M>>).handleSignal === 'function' && typeof (e as Partial<SignalingEndpoint<M>>).signalPending === 'function';
}

export function formatTransportAddress(a: TransportAddress): string {
  return a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`;
}

export function sameTransportAddress(a: TransportAddress, b: TransportAddress): boolean {
  return a.port === b.port && a.ip === b.ip;
}
