import type { AppKind } from './app-kind.ts';
import { dtlsPeerApp } from './dtls-peer.ts';
import { iceAgentApp } from './ice-agent.ts';
import { mediasoupClientApp } from './mediasoup-client.ts';
import { mediasoupServerApp } from './mediasoup-server.ts';
import { natDiscoveryApp } from './nat-discovery.ts';
import { pionClientApp } from './pion-client.ts';
import { mediasoupBroadcasterApp } from './mediasoup-broadcaster.ts';
import { mediasoupReceiverApp } from './mediasoup-receiver.ts';
import { rtpSenderApp } from './rtp-sender.ts';
import { signalingServerApp } from './signaling-server.ts';
import { sfuClientApp } from './sfu-client.ts';
import { sfuApp } from './sfu.ts';
import { stunBindingApp } from './stun-binding.ts';
import { stunServerApp } from './stun-server.ts';
import { turnClientApp } from './turn-client.ts';
import { tlsClientApp } from './tls-client.ts';
import { tlsServerApp } from './tls-server.ts';
import { turnServerApp } from './turn-server.ts';
import { janusApp } from './janus.ts';
import { janusClientApp } from './janus-client.ts';
import { tracerouteApp } from './traceroute.ts';
import { tcpPeerApp } from './tcp-peer.ts';
import { pingApp } from './ping.ts';
import { udpEchoApp } from './udp-echo.ts';
import { sipPhoneApp } from './sip-phone.ts';
import { sipRegistrarApp } from './sip-registrar.ts';
import { udpProbeApp } from './udp-probe.ts';
import { webRtcPeerApp } from './webrtc-peer.ts';

/**
 * Every scenario app kind, one line each. The parser accepts exactly these kinds; the run summary places a
 * section where the first kind (in this order) present in the scenario adds to it, so the order here is part of
 * the `--json` summary's shape: append a new kind at the end unless it must come earlier.
 */
export const APP_KINDS = [
  udpProbeApp,
  udpEchoApp,
  dtlsPeerApp,
  stunServerApp,
  stunBindingApp,
  natDiscoveryApp,
  turnServerApp,
  turnClientApp,
  iceAgentApp,
  webRtcPeerApp,
  sfuClientApp,
  sfuApp,
  rtpSenderApp,
  tlsServerApp,
  tlsClientApp,
  signalingServerApp,
  tracerouteApp,
  tcpPeerApp,
  pingApp,
  mediasoupServerApp,
  mediasoupClientApp,
  pionClientApp,
  mediasoupBroadcasterApp,
  mediasoupReceiverApp,
  janusApp,
  janusClientApp,
  sipRegistrarApp,
  sipPhoneApp,
] as const;

type Registered = (typeof APP_KINDS)[number];

/** The validated spec of any registered kind (a union discriminated by `kind`). */
export type AppSpec = Registered extends infer K ? (K extends AppKind<infer S, infer _E> ? S : never) : never;

export type AppKindName = AppSpec['kind'];

export const APP_KIND_NAMES: readonly AppKindName[] = APP_KINDS.map((k) => k.kind);

const BY_NAME = new Map<string, AppKind>(APP_KINDS.map((k) => [k.kind, k]));

/**
 * Kinds registered from outside (a library user's own endpoint, `registerAppKind` in `rtclab/endpoint`), after the
 * built-in ones in the summary's order, in the order they were registered. The list above stays the one place the
 * built-in kinds are named.
 */
const REGISTERED: AppKind[] = [];

/** The registered kind named `kind` (built-in or registered from outside), or undefined. */
export function appKind(kind: string): AppKind | undefined {
  return BY_NAME.get(kind) ?? REGISTERED.find((k) => k.kind === kind);
}

/** Every kind the parser accepts: the built-in ones, then those registered from outside. */
export function allAppKinds(): readonly AppKind[] {
  return REGISTERED.length === 0 ? APP_KINDS : [...APP_KINDS, ...REGISTERED];
}

/** The names of `allAppKinds()`. */
export function appKindNames(): readonly string[] {
  return allAppKinds().map((k) => k.kind);
}

const KIND_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Adds an app kind from outside, so scenarios can run it (`{ "kind": "<its name>", "host": … }`). Registering the
 * same object twice is a no-op; a name taken by another kind, or not lower-case-with-hyphens, throws.
 */
export function registerAppKind(k: AppKind): void {
  const known = appKind(k.kind);
  if (known === k) return;
  if (known) throw new Error(`app kind ${JSON.stringify(k.kind)} is already registered${BY_NAME.has(k.kind) ? ' (a built-in kind)' : ''}`);
  if (!KIND_NAME.test(k.kind)) throw new Error(`app kind name ${JSON.stringify(k.kind)}: expected lower-case words joined by hyphens, e.g. "my-agent"`);
  if (k.fields[0]?.name !== 'kind' || k.fields[1]?.name !== 'host') throw new Error(`app kind ${k.kind}: its fields must start with kind and host (kindField, HOST_FIELD)`);
  REGISTERED.push(k);
}

/** Removes a kind registered with `registerAppKind` (tests that register kinds of their own clean up with it). */
export function unregisterAppKind(kind: string): boolean {
  const i = REGISTERED.findIndex((k) => k.kind === kind);
  if (i < 0) return false;
  REGISTERED.splice(i, 1);
  return true;
}
