import { listPresets } from '../sim/scenario/presets/index.ts';
import { lang } from './i18n.ts';
import { PRESETS_ZH_CALLS } from './i18n-presets-calls.ts';
import { PRESETS_ZH_NET } from './i18n-presets-net.ts';
import { PRESETS_ZH_SERVERS } from './i18n-presets-servers.ts';

/**
 * The presets' titles and descriptions (the scenario picker, the status line, the page title) in the page's
 * language. sim/ keeps the English (the CLI and golden digests read it); the Chinese is here, by preset name, in three
 * tables and, for the STUN Binding and RFC 5780 discovery presets made per NAT behaviour, from one sentence each. A
 * preset without a Chinese entry shows its English (the test names it).
 */
const NAT_ZH: Readonly<Record<string, string>> = {
  'full-cone': '完全锥形',
  'restricted-cone': '受限锥形',
  'port-restricted-cone': '端口受限锥形',
  symmetric: '对称型',
  'linux-masquerade': 'linux-masquerade',
  'linux-masquerade-random-fully': 'linux-masquerade-random-fully',
  cgnat: '运营商级（cgnat）',
};

function perNat(): Record<string, readonly [string, string]> {
  const out: Record<string, readonly [string, string]> = {};
  for (const nat of ['open', ...Object.keys(NAT_ZH)]) {
    const behind = nat === 'open' ? '没有 NAT 时的' : `${NAT_ZH[nat]} NAT 后面的`;
    out[`stun-binding-${nat}`] = [
      `${behind} STUN Binding`,
      `alice 两次询问 STUN 服务器它看到的是什么地址（RFC 8489 Binding）；应答中的 XOR-MAPPED-ADDRESS 是${nat === 'open' ? '她自己的地址' : '她在 NAT 上的映射'}。`,
    ];
    out[`nat-discovery-${nat}`] = [
      `${behind} RFC 5780 NAT 发现`,
      'alice 对一台有两个地址、两个端口的服务器运行 RFC 5780 的测试：先测过滤（服务器能否从另一个地址和端口应答？从另一个端口呢？），再测映射（备用地址看到的映射地址是否相同？）。',
    ];
  }
  return out;
}

const ZH: Readonly<Record<string, readonly [string, string]>> = { ...perNat(), ...PRESETS_ZH_NET, ...PRESETS_ZH_CALLS, ...PRESETS_ZH_SERVERS };

interface PresetText {
  readonly name: string;
  readonly title: string;
  readonly description: string;
}

/** A preset's title in the page's language. */
export function presetTitle(p: PresetText): string {
  return lang() === 'zh' ? (ZH[p.name]?.[0] ?? p.title) : p.title;
}

/** A preset's description in the page's language. */
export function presetDescription(p: PresetText): string {
  return lang() === 'zh' ? (ZH[p.name]?.[1] ?? p.description) : p.description;
}

/** The Chinese [title, description] of a preset, when there is one (the test reads every preset's). */
export function zhPreset(name: string): readonly [string, string] | undefined {
  return ZH[name];
}

/** A run's title as the worker gives it (a preset's English title, or a scenario's own) in the page's language. */
export function runTitle(label: string): string {
  const p = lang() === 'zh' ? listPresets().find((q) => q.title === label) : undefined;
  return p ? presetTitle(p) : label;
}
