import { SECOND } from '../../core/time.ts';
import type { NatConfig } from './config.ts';
import { DEFAULT_NAT_CONFIG, withOverrides } from './config.ts';

/**
 * Named NAT behaviours for scenarios and lessons. The cone names are the old RFC 3489 vocabulary; each preset
 * spells out the RFC 4787 properties behind the name. sim/net/nat/README.md tells the same story for learners.
 */

export const NAT_PRESET_NAMES = [
  'open',
  'full-cone',
  'restricted-cone',
  'port-restricted-cone',
  'symmetric',
  'linux-masquerade',
  'linux-masquerade-random-fully',
  'cgnat',
] as const;

export type NatPresetName = (typeof NAT_PRESET_NAMES)[number];
/** Every preset except 'open', which means "no NAT at all" and has no configuration. */
export type NatConfigPresetName = Exclude<NatPresetName, 'open'>;

export interface NatPreset {
  readonly description: string;
  readonly config: NatConfig;
}

const cone = (filtering: NatConfig['filtering']): NatConfig =>
  withOverrides(DEFAULT_NAT_CONFIG, { mapping: 'endpoint-independent', filtering, portAssignment: 'preserve', onPortCollision: 'sequential' });

/** Linux MASQUERADE's behaviour (explained at its preset below); --random-fully differs only in port choice. */
const LINUX_MASQUERADE: NatConfig = withOverrides(DEFAULT_NAT_CONFIG, {
  mapping: 'address-and-port-dependent',
  filtering: 'address-and-port-dependent',
  portAssignment: 'preserve',
  onPortCollision: 'random',
  portParity: false,
  portOverlapping: true,
  hairpinning: false,
  mappingLifetime: 120 * SECOND,
  unrepliedLifetime: 30 * SECOND,
  inboundRefresh: true,
});

export const NAT_PRESETS: { readonly [K in NatConfigPresetName]: NatPreset } = {
  'full-cone': {
    description: 'Endpoint-independent mapping and filtering: once a host has sent anything, anyone can reach it through its mapping.',
    config: cone('endpoint-independent'),
  },
  'restricted-cone': {
    description: 'Endpoint-independent mapping, address-dependent filtering: only addresses the host has sent to get in, from any of their ports.',
    config: cone('address-dependent'),
  },
  'port-restricted-cone': {
    description: 'Endpoint-independent mapping, address-and-port-dependent filtering: only the exact address:port the host has sent to gets in.',
    config: cone('address-and-port-dependent'),
  },
  symmetric: {
    description: 'Address-and-port-dependent mapping and filtering with sequential ports: every remote endpoint sees a different external port, so a STUN-learned address is useless to a peer.',
    config: withOverrides(DEFAULT_NAT_CONFIG, {
      mapping: 'address-and-port-dependent',
      filtering: 'address-and-port-dependent',
      portAssignment: 'sequential',
      portParity: false,
    }),
  },
  /*
   * Linux netfilter MASQUERADE as the kernel does it by default (read in net/netfilter/nf_nat_core.c,
   * get_unique_tuple and nf_nat_l4proto_unique_tuple, and nf_conntrack_proto_udp.c):
   * - every UDP flow is its own conntrack entry, unique by its 5-tuple, so the NAT keeps one mapping per remote
   *   endpoint and lets an external port serve several remotes (RFC 7857 §3 port overlapping);
   * - a new flow first takes the external port of another flow from the same internal endpoint
   *   (find_appropriate_src), else the internal port itself, when that 5-tuple is unused: to a STUN test it looks
   *   endpoint-independent, until a clash forces another port for one remote;
   * - on a clash, a random offset in the range followed by a linear probe (since the l4 port rovers were removed);
   *   the range is 1024-65535 for source ports ≥ 1024; no parity preservation;
   * - only replies of a tracked flow come back in: address-and-port-dependent filtering;
   * - conntrack is refreshed by packets both ways; UDP flows time out after 30 s until answered
   *   (nf_conntrack_udp_timeout) and after 120 s once answered (nf_conntrack_udp_timeout_stream);
   * - no hairpinning unless the administrator adds DNAT and reflection rules.
   */
  'linux-masquerade': {
    description: 'Linux iptables/nftables MASQUERADE defaults: per-flow mappings that keep the internal port when they can (so they usually look endpoint-independent), random port on a clash, reply-only filtering, 30 s/120 s UDP timeouts, no hairpinning.',
    config: LINUX_MASQUERADE,
  },
  /* MASQUERADE --random-fully (NF_NAT_RANGE_PROTO_RANDOM_FULLY): get_unique_tuple skips the port-keeping steps. */
  'linux-masquerade-random-fully': {
    description: 'MASQUERADE --random-fully: as linux-masquerade, but every flow gets a random external port, so each remote sees a different port (symmetric behaviour).',
    config: withOverrides(LINUX_MASQUERADE, { portAssignment: 'random' }),
  },
  /*
   * RFC 6888: RFC 4787 behaviour (REQ-1: EIM), paired pooling (REQ-2), endpoint-independent filtering (REQ-7),
   * a per-subscriber port limit (REQ-4) implemented with port blocks (§5, weighing REQ-13/14/15), random ports
   * (REQ-15), and a 120 s quarantine before a freed port is reused (REQ-8). The RFC fixes no block size or count;
   * 512 ports x 4 blocks is an operator's choice.
   */
  cgnat: {
    description: 'Carrier-grade NAT (RFC 6888): endpoint-independent mapping and filtering, paired address pooling, random ports inside per-subscriber blocks of 512 ports (at most 4 blocks each), 120 s before a port is reused.',
    config: withOverrides(DEFAULT_NAT_CONFIG, {
      mapping: 'endpoint-independent',
      filtering: 'endpoint-independent',
      portAssignment: 'random',
      onPortCollision: 'random',
      portParity: false,
      pooling: 'paired',
      portBlocks: { size: 512, maxPerSubscriber: 4 },
      portReuseDelay: 120 * SECOND,
    }),
  },
};

export function isNatPresetName(name: string): name is NatPresetName {
  return (NAT_PRESET_NAMES as readonly string[]).includes(name);
}

/** The configuration of a preset; 'open' has none (no NAT), so it is not accepted here. */
export function natPreset(name: NatConfigPresetName): NatConfig {
  return NAT_PRESETS[name].config;
}
