import type { AppKind } from './app-kind.ts';
import { dtlsPeerApp } from './dtls-peer.ts';
import { iceAgentApp } from './ice-agent.ts';
import { natDiscoveryApp } from './nat-discovery.ts';
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
import { udpEchoApp } from './udp-echo.ts';
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
] as const;

type Registered = (typeof APP_KINDS)[number];

/** The validated spec of any registered kind (a union discriminated by `kind`). */
export type AppSpec = Registered extends infer K ? (K extends AppKind<infer S, infer _E> ? S : never) : never;

export type AppKindName = AppSpec['kind'];

export const APP_KIND_NAMES: readonly AppKindName[] = APP_KINDS.map((k) => k.kind);

const BY_NAME = new Map<string, AppKind>(APP_KINDS.map((k) => [k.kind, k]));

/** The registered kind named `kind`, or undefined. */
export function appKind(kind: string): AppKind | undefined {
  return BY_NAME.get(kind);
}
