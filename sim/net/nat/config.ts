import type { Micros } from '../../core/time.ts';
import { formatDuration, SECOND } from '../../core/time.ts';

/**
 * How a NAT behaves, one RFC 4787 property per field, so that any combination can be built and studied.
 * The words are the RFC's; sim/net/nat/README.md explains them for a learner.
 */

/** RFC 4787 §4.1 (mapping) and §5 (filtering) use the same three words. */
export type NatBehaviour = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';
export const NAT_BEHAVIOURS: readonly NatBehaviour[] = ['endpoint-independent', 'address-dependent', 'address-and-port-dependent'];

/** RFC 4787 §4.2.1: keep the internal port when free ('preserve'), or pick one ('sequential' | 'random'). */
export type PortAssignment = 'preserve' | 'sequential' | 'random';
export const PORT_ASSIGNMENTS: readonly PortAssignment[] = ['preserve', 'sequential', 'random'];

/** RFC 4787 §4.1: with several external addresses, 'paired' keeps one internal IP on one external IP (REQ-2). */
export type AddressPooling = 'paired' | 'arbitrary';

/** RFC 6888 §5: a carrier-grade NAT hands ports out in blocks, and limits the blocks per subscriber (REQ-4). */
export interface PortBlocks {
  /** Ports per block. */
  readonly size: number;
  /** Blocks one subscriber (one internal IP address) may hold at once; a mapping beyond that is refused. */
  readonly maxPerSubscriber: number;
}

/**
 * A static 1:1 binding: one inside address is one outside address, every port, both directions, for as long as the
 * NAT runs (RFC 2663 §3.1's static address assignment, Basic NAT in RFC 3022 §2.1). A cloud VM's elastic or public
 * IP is this: AWS's internet gateway translates the instance's private address to its public one and back, and the
 * instance itself only ever sees the private one.
 */
export interface StaticBinding {
  readonly internal: string;
  readonly external: string;
}

export interface NatConfig {
  /** RFC 4787 §4.1: which outbound packets share one external address:port. */
  readonly mapping: NatBehaviour;
  /** RFC 4787 §5: which inbound packets a mapping lets through. */
  readonly filtering: NatBehaviour;
  readonly portAssignment: PortAssignment;
  /** With 'preserve': how to choose another port when the internal port is taken on the external address. */
  readonly onPortCollision: 'sequential' | 'random';
  /** RFC 4787 §4.2.2, REQ-4: the external port has the parity (odd/even) of the internal one. */
  readonly portParity: boolean;
  /** Dynamic external ports, inclusive. RFC 4787 REQ-3a: 1024-65535 for internal ports in that range. */
  readonly portRange: { readonly min: number; readonly max: number };
  /**
   * RFC 7857 §3, port overlapping: one external address:port may serve several mappings as long as their remote
   * endpoints differ (Linux conntrack does this). Needs a mapping behaviour other than endpoint-independent.
   * With 'preserve', a new mapping first tries the external port its internal endpoint already has.
   */
  readonly portOverlapping: boolean;
  /** RFC 4787 §6, REQ-9: packets from inside to the NAT's own external addresses are looped back. */
  readonly hairpinning: boolean;
  /** RFC 4787 §4.3, REQ-5: idle time after which a mapping is removed (≥ 2 min, 5 min recommended). */
  readonly mappingLifetime: Micros;
  /**
   * Idle timeout for a mapping that has not yet let any inbound packet through; absent means `mappingLifetime`.
   * Linux conntrack uses a short one for UDP flows that were never answered (nf_conntrack_udp_timeout).
   */
  readonly unrepliedLifetime?: Micros | undefined;
  /** RFC 4787 REQ-6: outbound packets always refresh; inbound ones too when this is true. */
  readonly inboundRefresh: boolean;
  readonly pooling: AddressPooling;
  /** Carrier-grade NAT port blocks (RFC 6888 §5); absent means ports are taken one by one from `portRange`. */
  readonly portBlocks?: PortBlocks | undefined;
  /** RFC 6888 REQ-8: a freed external port is not given to a new mapping before this much time has passed. */
  readonly portReuseDelay: Micros;
  /**
   * Static 1:1 bindings (RFC 2663 §3.1): a bound inside address leaves as its outside address with its ports
   * unchanged, and anything sent to the outside address comes in, with no mapping state and no filtering. The
   * outside addresses are taken out of the pool the dynamic mappings use.
   */
  readonly staticBindings?: readonly StaticBinding[] | undefined;
}

/** What RFC 4787 recommends, field by field: the base that partial configurations are completed from. */
export const DEFAULT_NAT_CONFIG: NatConfig = {
  mapping: 'endpoint-independent', // REQ-1
  filtering: 'endpoint-independent', // REQ-8, when transparency matters most
  portAssignment: 'preserve',
  onPortCollision: 'sequential',
  portParity: true, // REQ-4
  portRange: { min: 1024, max: 65535 }, // REQ-3a
  portOverlapping: false,
  hairpinning: true, // REQ-9
  mappingLifetime: 300 * SECOND, // REQ-5c
  inboundRefresh: false, // REQ-6a: MAY
  pooling: 'paired', // REQ-2
  portReuseDelay: 0,
};

/** A partial configuration laid over a base: `withOverrides(natPreset('cgnat'), { filtering: 'address-dependent' })`. */
export type NatConfigOverrides = { -readonly [K in keyof NatConfig]?: NatConfig[K] };

export function withOverrides(base: NatConfig, overrides: NatConfigOverrides): NatConfig {
  const out: { -readonly [K in keyof NatConfig]: NatConfig[K] } = { ...base };
  for (const key of Object.keys(overrides) as (keyof NatConfig)[]) {
    const v = overrides[key];
    if (v !== undefined) (out as Record<string, unknown>)[key] = v;
  }
  return out;
}

export interface NatConfigCheck {
  /** The configuration cannot work; each message starts with the field's path. */
  readonly errors: string[];
  /** It works but departs from an RFC requirement; worth showing a learner, never fatal. */
  readonly warnings: string[];
}

const SPECIFICITY: Record<NatBehaviour, number> = {
  'endpoint-independent': 0,
  'address-dependent': 1,
  'address-and-port-dependent': 2,
};

/** How many of the three behaviours' words narrow the endpoint: EI 0, AD 1, APD 2. */
export function behaviourSpecificity(b: NatBehaviour): number {
  return SPECIFICITY[b];
}

/** Checks a typed configuration; `path` prefixes every message ("nat", "topology.natA.nat"). */
export function validateNatConfig(c: NatConfig, path = 'nat'): NatConfigCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  const oneOf = (field: string, value: unknown, allowed: readonly string[]): void => {
    if (typeof value !== 'string' || !allowed.includes(value)) {
      errors.push(`${path}.${field}: expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${JSON.stringify(value)}`);
    }
  };
  oneOf('mapping', c.mapping, NAT_BEHAVIOURS);
  oneOf('filtering', c.filtering, NAT_BEHAVIOURS);
  oneOf('portAssignment', c.portAssignment, PORT_ASSIGNMENTS);
  oneOf('onPortCollision', c.onPortCollision, ['sequential', 'random']);
  oneOf('pooling', c.pooling, ['paired', 'arbitrary']);
  for (const f of ['portParity', 'portOverlapping', 'hairpinning', 'inboundRefresh'] as const) {
    if (typeof c[f] !== 'boolean') errors.push(`${path}.${f}: expected true or false, got ${JSON.stringify(c[f])}`);
  }
  const range = c.portRange as { min?: unknown; max?: unknown } | undefined;
  const isPort = (p: unknown): p is number => typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535;
  if (!range || !isPort(range.min) || !isPort(range.max) || range.min > range.max) {
    errors.push(`${path}.portRange: expected { min, max } with 1 ≤ min ≤ max ≤ 65535, got ${JSON.stringify(range)}`);
  }
  const duration = (field: 'mappingLifetime' | 'unrepliedLifetime' | 'portReuseDelay', v: unknown, positive: boolean): boolean => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || (positive && v === 0)) {
      errors.push(`${path}.${field}: expected a ${positive ? 'positive' : 'non-negative'} duration in µs, got ${JSON.stringify(v)}`);
      return false;
    }
    return true;
  };
  if (duration('mappingLifetime', c.mappingLifetime, true) && c.mappingLifetime < 120 * SECOND) {
    warnings.push(`${path}.mappingLifetime: ${formatDuration(c.mappingLifetime)} is below the 2 minutes RFC 4787 REQ-5 requires`);
  }
  if (c.unrepliedLifetime !== undefined) duration('unrepliedLifetime', c.unrepliedLifetime, true);
  duration('portReuseDelay', c.portReuseDelay, false);
  if (c.portOverlapping === true) {
    if (c.mapping === 'endpoint-independent') {
      errors.push(`${path}.portOverlapping: needs a mapping behaviour other than "endpoint-independent" (an endpoint-independent mapping already owns its port for every remote)`);
    } else if (NAT_BEHAVIOURS.includes(c.filtering) && NAT_BEHAVIOURS.includes(c.mapping) && SPECIFICITY[c.filtering] < SPECIFICITY[c.mapping]) {
      errors.push(`${path}.filtering: with portOverlapping the filtering must be at least as specific as the mapping ("${c.mapping}"), or an inbound packet could match several mappings`);
    }
  }
  if (c.portBlocks !== undefined) {
    const b = (typeof c.portBlocks === 'object' && c.portBlocks !== null ? c.portBlocks : {}) as { size?: unknown; maxPerSubscriber?: unknown };
    const count = range && isPort(range.min) && isPort(range.max) ? range.max - range.min + 1 : 65535;
    if (typeof b.size !== 'number' || !Number.isInteger(b.size) || b.size < 1 || b.size > count) {
      errors.push(`${path}.portBlocks.size: expected an integer from 1 to the ${count} ports of portRange, got ${JSON.stringify(b.size)}`);
    }
    if (typeof b.maxPerSubscriber !== 'number' || !Number.isInteger(b.maxPerSubscriber) || b.maxPerSubscriber < 1) {
      errors.push(`${path}.portBlocks.maxPerSubscriber: expected a positive integer, got ${JSON.stringify(b.maxPerSubscriber)}`);
    }
    if (c.pooling !== 'paired') errors.push(`${path}.pooling: port blocks belong to one external address per subscriber, so they need "paired" pooling`);
    if (c.portAssignment === 'preserve') {
      warnings.push(`${path}.portAssignment: "preserve" only keeps an internal port that happens to fall inside the subscriber's port block`);
    }
  }
  if (c.staticBindings !== undefined) {
    const list: unknown = c.staticBindings;
    const address = (v: unknown): boolean => typeof v === 'string' && (/^\d{1,3}(\.\d{1,3}){3}$/.test(v) ? v.split('.').every((o) => Number(o) <= 255) : /^[0-9a-fA-F:]+$/.test(v) && v.includes(':'));
    if (!Array.isArray(list)) errors.push(`${path}.staticBindings: expected a list of { internal, external } addresses, got ${JSON.stringify(list)}`);
    else {
      const seen = { internal: new Set<string>(), external: new Set<string>() };
      list.forEach((b: unknown, i) => {
        const o = (typeof b === 'object' && b !== null ? b : {}) as { internal?: unknown; external?: unknown };
        for (const side of ['internal', 'external'] as const) {
          const v = o[side];
          if (!address(v)) errors.push(`${path}.staticBindings.${i}.${side}: expected an IP address, got ${JSON.stringify(v)}`);
          else if (seen[side].has(v as string)) errors.push(`${path}.staticBindings.${i}.${side}: ${String(v)} is bound twice (a 1:1 binding is one address each side)`);
          else seen[side].add(v as string);
        }
      });
    }
  }
  if (c.mapping !== 'endpoint-independent' && NAT_BEHAVIOURS.includes(c.mapping)) {
    warnings.push(`${path}.mapping: RFC 4787 REQ-1 requires endpoint-independent mapping; "${c.mapping}" mapping defeats STUN-learned candidates`);
  }
  if (c.pooling === 'arbitrary') warnings.push(`${path}.pooling: RFC 4787 REQ-2 recommends "paired"`);
  if (c.hairpinning === false) warnings.push(`${path}.hairpinning: RFC 4787 REQ-9 requires hairpinning`);
  return { errors, warnings };
}
