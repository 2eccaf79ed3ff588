import type { Endpoint } from '../core/endpoint.ts';
import type { JsonValue } from '../core/trace.ts';
import type { EndpointDriver } from '../net/endpoint-driver.ts';
import type { Host } from '../net/host.ts';
import type { Network } from '../net/network.ts';
import type { Check } from '../scenario/check.ts';
import { buildSfuApp, buildSfuClientApp, parseSfuApp, parseSfuClientApp, SFU_APP_KIND, SFU_CLIENT_APP_KIND, sfuSummary, type SfuAppSpec, type SfuClientAppSpec } from '../sfu/scenario-app.ts';
import { buildWebRtcPeerApp, mergeSummaries, parseWebRtcPeerApp, WEBRTC_PEER_APP_KIND, webRtcPeerSummary, type WebRtcPeerAppSpec } from './call-app.ts';

/**
 * The call app kinds in one place for sim/scenario: "webrtc-peer" (call-app.ts), "sfu" and "sfu-client"
 * (sim/sfu). parse.ts, build.ts and run.ts each make one call in here.
 */
export type CallAppSpec = WebRtcPeerAppSpec | SfuAppSpec | SfuClientAppSpec;

/** null when `o.kind` is not a call kind (the caller goes on with its own kinds). */
export function parseCallApp(c: Check, path: string, o: Record<string, unknown>, kinds: Map<string, string>): CallAppSpec | undefined | null {
  if (o.kind === WEBRTC_PEER_APP_KIND) return parseWebRtcPeerApp(c, path, o, kinds);
  if (o.kind === SFU_APP_KIND) return parseSfuApp(c, path, o, kinds);
  if (o.kind === SFU_CLIENT_APP_KIND) return parseSfuClientApp(c, path, o, kinds);
  return null;
}

export function isCallApp(spec: { readonly kind: string }): spec is CallAppSpec {
  return spec.kind === WEBRTC_PEER_APP_KIND || spec.kind === SFU_APP_KIND || spec.kind === SFU_CLIENT_APP_KIND;
}

export function buildCallApp(net: Network, host: Host, spec: CallAppSpec, source: string, own: (addr: { ip: string }, field: string) => void): { endpoint: Endpoint; driver: EndpointDriver } {
  if (spec.kind === 'webrtc-peer') return buildWebRtcPeerApp(net, host, spec, source);
  if (spec.kind === 'sfu') return buildSfuApp(net, host, spec, source, own);
  return buildSfuClientApp(net, host, spec, source);
}

/** Adds the call apps' results to a run summary: ice, peer, dtls, srtp, media (merged with other apps'), sfu. */
export function callSummary(summary: { [key: string]: JsonValue }, apps: readonly { readonly endpoint: Endpoint; readonly driver: EndpointDriver }[]): void {
  mergeSummaries(summary, webRtcPeerSummary(apps));
  const sfu = sfuSummary(apps);
  if (sfu) summary.sfu = sfu;
}
