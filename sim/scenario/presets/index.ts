import { networkPresets } from './network.ts';
import { mediaPresets } from './media.ts';
import { icePresets } from './ice.ts';
import { stunTurnPresets } from './stun-turn.ts';
import { callPresets } from './calls.ts';
import { tlsPresets } from './tls.ts';
import { tcpPresets } from './tcp.ts';
import { failurePresets } from './failures.ts';
import { turnFailurePresets } from './failures-turn.ts';
import { dtlsFailurePresets } from './failures-dtls.ts';
import { iceFailurePresets } from './ice-failures.ts';
import { signalingFaultPresets } from './signaling-faults.ts';
import { dataChannelPresets } from './datachannels.ts';
import { jsepPresets } from './jsep.ts';
import { gatheringPresets } from './gathering.ts';
import { mediasoupPresets } from './mediasoup.ts';
import { sfuMediaPresets } from './sfu-media.ts';
import { janusPresets } from './janus.ts';
import { sipPresets } from './sip.ts';
import { mdnsPresets } from './mdns.ts';
import { vpnGatheringPresets } from './gathering-vpn.ts';

/** A built-in scenario: its name (what `rtclab run` takes), a title and a description for people. */
export interface PresetInfo {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** The scenario's JSON form, fresh each call (callers may modify it). */
  build(): Record<string, unknown>;
}

let cache: PresetInfo[] | undefined;

export function listPresets(): readonly PresetInfo[] {
  // every build is a deep copy: presets share constant pieces, and callers may edit what they get
  cache ??= [...networkPresets(), ...stunTurnPresets(), ...icePresets(), ...mediaPresets(), ...callPresets(), ...tlsPresets(), ...tcpPresets(), ...failurePresets(), ...iceFailurePresets(), ...turnFailurePresets(), ...dtlsFailurePresets(), ...signalingFaultPresets(), ...dataChannelPresets(), ...jsepPresets(), ...gatheringPresets(), ...mediasoupPresets(), ...sfuMediaPresets(), ...janusPresets(), ...sipPresets(), ...mdnsPresets(), ...vpnGatheringPresets()].map((p) => ({ ...p, build: () => structuredClone(p.build()) }));
  return cache;
}

export function findPreset(name: string): PresetInfo | undefined {
  return listPresets().find((p) => p.name === name);
}
