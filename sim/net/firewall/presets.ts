import { parseDuration } from '../../core/time.ts';
import type { FirewallConfig, FirewallRule, FirewallTimeouts } from './rules.ts';
import { DEFAULT_FIREWALL_TIMEOUTS, validateFirewallConfig } from './rules.ts';

/** Named firewalls that lessons put in the way of WebRTC; each is an ordered rule list. */

export const FIREWALL_PRESET_NAMES = ['allow-all', 'block-udp', 'allow-outbound-tcp-web-only', 'drop-all-inbound', 'drop-icmp', 'block-dtls'] as const;
export type FirewallPresetName = (typeof FIREWALL_PRESET_NAMES)[number];

const preset = (rules: FirewallRule[], defaultAction: 'allow' | 'drop'): FirewallConfig => ({ rules, defaultAction, timeouts: DEFAULT_FIREWALL_TIMEOUTS });

export const FIREWALL_PRESETS: { readonly [K in FirewallPresetName]: { readonly description: string; readonly config: FirewallConfig } } = {
  'allow-all': {
    description: 'No filtering at all; flows are still tracked so the panel can show them.',
    config: preset([], 'allow'),
  },
  'block-udp': {
    description: 'Every UDP packet is dropped, both ways: ICE can only succeed over TCP (or TURN over TCP/TLS).',
    config: preset([{ name: 'drop-udp', action: 'drop', proto: 'udp', description: 'drop all UDP both ways' }], 'allow'),
  },
  'allow-outbound-tcp-web-only': {
    description: 'Only TCP connections from inside to ports 80 and 443, and their replies: the corporate proxy-era firewall where only TURN over TCP/TLS on 443 gets through.',
    config: preset(
      [
        { name: 'allow-established-tcp', action: 'allow', proto: 'tcp', state: 'established', description: 'packets of TCP connections already allowed' },
        { name: 'allow-outbound-web', action: 'allow', direction: 'outbound', proto: 'tcp', state: 'new', dst: { ports: [80, 443] }, description: 'new TCP connections from inside to ports 80 and 443' },
      ],
      'drop',
    ),
  },
  'drop-all-inbound': {
    description: 'Stateful: anything may leave, and only replies to flows started inside come back.',
    config: preset(
      [
        { name: 'allow-established', action: 'allow', state: 'established', description: 'packets of flows already allowed, replies included' },
        { name: 'allow-outbound', action: 'allow', direction: 'outbound', description: 'anything from inside' },
        { name: 'drop-inbound', action: 'drop', direction: 'inbound', description: 'unsolicited inbound traffic' },
      ],
      'drop',
    ),
  },
  'drop-icmp': {
    description: 'UDP and TCP pass both ways; everything else is dropped, ICMP errors included: the over-zealous firewall that makes a path MTU black hole (RFC 2923 §2.1).',
    config: preset(
      [
        { name: 'allow-udp', action: 'allow', proto: 'udp', description: 'UDP both ways' },
        { name: 'allow-tcp', action: 'allow', proto: 'tcp', description: 'TCP both ways' },
      ],
      'drop',
    ),
  },
  'block-dtls': {
    description: 'Deep packet inspection that drops every UDP datagram carrying DTLS (RFC 7983 §7: first byte 20–63), both ways, and lets everything else through: ICE\'s STUN checks succeed, then the DTLS handshake of WebRTC (or a DTLS VPN) never does.',
    config: preset([{ name: 'drop-dtls', action: 'drop', proto: 'udp', payload: 'dtls', description: 'DTLS records, by their first byte' }], 'allow'),
  },
};

export function firewallPreset(name: FirewallPresetName): FirewallConfig {
  return FIREWALL_PRESETS[name].config;
}

export function isFirewallPresetName(name: string): name is FirewallPresetName {
  return (FIREWALL_PRESET_NAMES as readonly string[]).includes(name);
}

export type FirewallSpecResult = { readonly ok: true; readonly config: FirewallConfig } | { readonly ok: false; readonly errors: string[] };

/**
 * A firewall as a scenario writes it: a preset name, or `{ preset?, rules?, defaultAction?, timeouts? }` where
 * rules replace the preset's and timeouts ("30s" or µs) override single fields.
 */
export function parseFirewallSpec(input: unknown, path = 'firewall'): FirewallSpecResult {
  const names = FIREWALL_PRESET_NAMES.map((n) => JSON.stringify(n)).join(', ');
  if (typeof input === 'string') {
    return isFirewallPresetName(input) ? { ok: true, config: firewallPreset(input) } : { ok: false, errors: [`${path}: unknown firewall preset ${JSON.stringify(input)}; expected one of ${names}`] };
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, errors: [`${path}: expected a preset name or an object, got ${JSON.stringify(input)}`] };
  const obj = input as Record<string, unknown>;
  const errors: string[] = [];
  let base: FirewallConfig = preset([], 'drop');
  for (const key of Object.keys(obj)) if (!['preset', 'rules', 'defaultAction', 'timeouts'].includes(key)) errors.push(`${path}.${key}: unknown field; expected preset, rules, defaultAction or timeouts`);
  if (obj.preset !== undefined) {
    if (typeof obj.preset === 'string' && isFirewallPresetName(obj.preset)) base = firewallPreset(obj.preset);
    else errors.push(`${path}.preset: unknown firewall preset ${JSON.stringify(obj.preset)}; expected one of ${names}`);
  }
  const timeouts: Record<string, number> = { ...base.timeouts };
  if (obj.timeouts !== undefined) {
    if (typeof obj.timeouts !== 'object' || obj.timeouts === null) errors.push(`${path}.timeouts: expected an object`);
    else {
      for (const [k, v] of Object.entries(obj.timeouts)) {
        if (!(k in DEFAULT_FIREWALL_TIMEOUTS)) {
          errors.push(`${path}.timeouts.${k}: unknown field; expected udp, udpReplied, tcp or tcpTransitory`);
          continue;
        }
        const d = typeof v === 'string' || typeof v === 'number' ? parseDuration(v) : { error: `expected a duration, got ${JSON.stringify(v)}` };
        if (typeof d === 'object') errors.push(`${path}.timeouts.${k}: ${d.error}`);
        else timeouts[k] = d;
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const config: FirewallConfig = {
    rules: (obj.rules as FirewallRule[] | undefined) ?? base.rules,
    defaultAction: (obj.defaultAction as 'allow' | 'drop' | undefined) ?? base.defaultAction,
    timeouts: timeouts as unknown as FirewallTimeouts,
  };
  const invalid = validateFirewallConfig(config, path);
  return invalid.length > 0 ? { ok: false, errors: invalid } : { ok: true, config };
}
