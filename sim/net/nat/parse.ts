import { parseDuration } from '../../core/time.ts';
import type { NatConfig, NatConfigOverrides } from './config.ts';
import { DEFAULT_NAT_CONFIG, validateNatConfig, withOverrides } from './config.ts';
import { isNatPresetName, NAT_PRESET_NAMES, natPreset } from './presets.ts';

/**
 * A NAT as a scenario writes it: a preset name ("port-restricted-cone", "open"), or an object with an optional
 * `preset` and any fields to override, durations as text ("30s") or µs:
 *   { "preset": "cgnat", "filtering": "address-dependent", "mappingLifetime": "60s" }
 * Without a preset, fields complete DEFAULT_NAT_CONFIG (RFC 4787's recommendations).
 */
export type NatSpecResult =
  /** `config` is null for "open": no NAT. */
  | { readonly ok: true; readonly config: NatConfig | null; readonly warnings: string[] }
  | { readonly ok: false; readonly errors: string[] };

const FIELDS = new Set<string>(Object.keys(DEFAULT_NAT_CONFIG).concat(['unrepliedLifetime', 'portBlocks', 'staticBindings']));
const DURATIONS = new Set(['mappingLifetime', 'unrepliedLifetime', 'portReuseDelay']);
/** Optional fields a scenario may switch off over a preset with null: `{ "preset": "cgnat", "portBlocks": null }`. */
const OPTIONAL = new Set(['unrepliedLifetime', 'portBlocks', 'staticBindings']);

export function parseNatSpec(input: unknown, path = 'nat'): NatSpecResult {
  const names = NAT_PRESET_NAMES.map((n) => JSON.stringify(n)).join(', ');
  if (typeof input === 'string') {
    if (!isNatPresetName(input)) return { ok: false, errors: [`${path}: unknown NAT preset ${JSON.stringify(input)}; expected one of ${names}`] };
    return { ok: true, config: input === 'open' ? null : natPreset(input), warnings: [] };
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [`${path}: expected a preset name or an object, got ${JSON.stringify(input)}`] };
  }
  const errors: string[] = [];
  const obj = input as Record<string, unknown>;
  let base = DEFAULT_NAT_CONFIG;
  const preset = obj.preset;
  if (preset !== undefined) {
    if (typeof preset !== 'string' || !isNatPresetName(preset)) {
      errors.push(`${path}.preset: unknown NAT preset ${JSON.stringify(preset)}; expected one of ${names}`);
    } else if (preset === 'open') {
      const extra = Object.keys(obj).filter((k) => k !== 'preset');
      if (extra.length > 0) return { ok: false, errors: [`${path}: "open" means no NAT and takes no other fields (got ${extra.join(', ')})`] };
      return { ok: true, config: null, warnings: [] };
    } else {
      base = natPreset(preset);
    }
  }
  const overrides: Record<string, unknown> = {};
  const unset: string[] = [];
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'preset') continue;
    if (value === null && OPTIONAL.has(key)) {
      unset.push(key);
      continue;
    }
    if (!FIELDS.has(key)) {
      errors.push(`${path}.${key}: unknown field; expected preset or one of ${[...FIELDS].join(', ')}`);
      continue;
    }
    if (DURATIONS.has(key) && (typeof value === 'string' || typeof value === 'number')) {
      const d = parseDuration(value);
      if (typeof d === 'object') errors.push(`${path}.${key}: ${d.error}`);
      else overrides[key] = d;
    } else {
      overrides[key] = value;
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const merged: Record<string, unknown> = { ...withOverrides(base, overrides as NatConfigOverrides) };
  for (const key of unset) delete merged[key];
  const config = merged as unknown as NatConfig;
  const check = validateNatConfig(config, path);
  return check.errors.length > 0 ? { ok: false, errors: check.errors } : { ok: true, config, warnings: check.warnings };
}
