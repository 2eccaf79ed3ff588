import type { NatConfig } from '../net/nat/config.ts';
import { parseNatSpec } from '../net/nat/parse.ts';
import { NAT_PRESET_NAMES as ALL_NAT_PRESETS } from '../net/nat/presets.ts';
import type { Check } from '../schema/check.ts';

/** NAT presets a `nat` node may start from ("open" means no NAT at all: use a router instead). */
export const NAT_PRESET_NAMES: readonly string[] = ALL_NAT_PRESETS.filter((n) => n !== 'open');

/** A NAT node's behaviour: its preset with the `nat` overrides laid over it, validated; errors land in `c`. */
export function resolveNatBehaviour(c: Check, path: string, preset: string, overrides: Record<string, unknown>, external: readonly string[]): NatConfig | undefined {
  const r = parseNatSpec({ preset, ...overrides }, path);
  if (!r.ok) {
    for (const e of r.errors) {
      const i = e.indexOf(': ');
      c.fail(i > 0 ? e.slice(0, i) : path, i > 0 ? e.slice(i + 2) : e);
    }
    return undefined;
  }
  if (r.config === null) return c.fail(path, '"open" means no NAT: attach the hosts to a router instead of a NAT node');
  // a static 1:1 binding's outside address is one of the node's public addresses (RFC 2663 §3.1)
  const bad = (r.config.staticBindings ?? []).map((b, i) => [b, i] as const).filter(([b]) => !external.includes(b.external));
  for (const [b, i] of bad) c.fail(`${path}.staticBindings.${i}.external`, `${b.external} is not one of the NAT's external addresses (${external.join(', ')})`);
  if (bad.length > 0) return undefined;
  return r.config;
}
