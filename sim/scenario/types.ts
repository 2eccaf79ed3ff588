import type { AppSpec } from '../apps/registry.ts';
import type { Micros } from '../core/time.ts';
import type { InterfaceAddress } from '../net/interface.ts';
import type { LinkDirection } from '../net/link-params.ts';

export type { AppSpec };

/**
 * A scenario after validation. The JSON form is documented in README.md ("Scenario format"); `parseScenario`
 * turns JSON into this, naming every field that is wrong.
 */
export interface Scenario {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly seed: number;
  /** How long the run lasts in virtual time. */
  readonly duration: Micros;
  /** In the order written: the order nodes are built in (it never depends on hash order). */
  readonly nodes: readonly NodeSpec[];
  readonly apps: readonly AppSpec[];
  readonly events: readonly EventSpec[];
}

export type NodeKindSpec = 'host' | 'router' | 'switch' | 'nat' | 'firewall';

export interface UplinkSpec {
  /** The node this one hangs from: its gateway. */
  readonly node: string;
  /** The link's name (default: "<node>-lan" under a NAT, firewall or switch, "<node>-wan" under a router). */
  readonly name: string;
  /** Behaviour from this node towards the uplink. */
  readonly up: Partial<LinkDirection>;
  /** Behaviour from the uplink towards this node. */
  readonly down: Partial<LinkDirection>;
}

/** What kind of network an interface is on (libwebrtc's adapter types: they set network preference and cost). */
export type NetworkType = 'ethernet' | 'wifi' | 'cellular' | 'vpn' | 'unknown';

/** A host's further interface (multihoming): its own uplink, link and addresses. */
export interface HostInterfaceSpec {
  readonly uplink: UplinkSpec;
  readonly addresses: readonly InterfaceAddress[];
  readonly network: NetworkType;
  /** "down": the interface starts down (a cellular modem not yet attached) and comes up by an event. */
  readonly state?: 'up' | 'down';
}

export interface HostSpec {
  readonly kind: 'host';
  readonly name: string;
  readonly uplink?: UplinkSpec;
  readonly addresses: readonly InterfaceAddress[];
  /** The network type of the uplink interface (default ethernet). */
  readonly network?: NetworkType;
  /** Further interfaces, each on its own uplink (Wi-Fi and cellular behind different NATs, a VPN …). */
  readonly interfaces?: readonly HostInterfaceSpec[];
}

export interface RouterSpec {
  /** A router forwards at layer 3 (lowering the TTL); a switch is a LAN segment that forwards unchanged. */
  readonly kind: 'router' | 'switch';
  readonly name: string;
  readonly uplink?: UplinkSpec;
  /** A router's own addresses, on its uplink side: the source of the ICMP errors it sends (none: it stays silent). */
  readonly addresses?: readonly InterfaceAddress[];
}

export interface NatSpec {
  readonly kind: 'nat';
  readonly name: string;
  readonly uplink?: UplinkSpec;
  /** Preset name the behaviour started from, for display ("symmetric"). */
  readonly preset: string;
  /** The validated NAT behaviour (sim/net/nat). */
  readonly behaviour: unknown;
  /** Its inside address and subnet. */
  readonly internal: InterfaceAddress;
  /** Its public (outside) addresses: one or more, the pool for paired pooling. */
  readonly external: readonly string[];
}

export interface FirewallSpec {
  readonly kind: 'firewall';
  readonly name: string;
  readonly uplink?: UplinkSpec;
  readonly preset: string;
}

export type NodeSpec = HostSpec | RouterSpec | NatSpec | FirewallSpec;

/** A change at a moment: a link's behaviour changes (goes down, gets lossy), or a host's interface goes up or down. */
export type EventSpec = LinkEventSpec | InterfaceEventSpec;

export interface LinkEventSpec {
  readonly at: Micros;
  readonly link: string;
  /** Which direction(s): "up" is from the link's lower node towards its uplink. */
  readonly direction: 'up' | 'down' | 'both';
  readonly set: Partial<LinkDirection>;
}

/** A host's interface (named by its link) goes up or down: its link carries nothing while down, and the host's network monitor tells the apps (continual gathering). */
export interface InterfaceEventSpec {
  readonly at: Micros;
  readonly host: string;
  readonly interface: string;
  readonly state: 'up' | 'down';
}
