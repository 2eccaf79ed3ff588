import type { Finding, FindingFacts } from '../sim/diagnosis/types.ts';
import { zhQuoted } from './i18n-reasons.ts';

/** What viz/i18n-diagnosis.ts words a finding with: its figures, read by name, and an entry's two sentences. */

/** Reads a finding's figures, remembering the ones a sentence asked for and did not find. */
export class Figures {
  readonly missing: string[] = [];
  constructor(
    private readonly facts: FindingFacts,
    readonly f: Finding,
  ) {}
  has(k: string): boolean {
    return this.facts[k] !== undefined && this.facts[k] !== '';
  }
  s(k: string): string {
    const v = this.facts[k];
    if (v === undefined) {
      this.missing.push(k);
      return `{${k}}`;
    }
    return String(v);
  }
  n(k: string): number {
    const v = this.facts[k];
    if (typeof v !== 'number') this.missing.push(k);
    return typeof v === 'number' ? v : 0;
  }
  /** A text sim/ wrote (a reason, a peer's complaint) in Chinese where i18n-reasons.ts knows its shape. */
  q(k: string): string {
    return zhQuoted(this.s(k));
  }
  /** A time in µs as seconds ("12.345 秒"). */
  t(k: string): string {
    return `${Number((this.n(k) / 1e6).toFixed(3))} 秒`;
  }
  /** Where and why a drop group was dropped (drops.ts describeDrop, in Chinese). */
  drop(prefix = 'drop'): string {
    const where = this.s(`${prefix}Where`);
    switch (this.s(`${prefix}Kind`)) {
      case 'link-down':
        return `在链路 ${where} 上（链路断开）`;
      case 'loss':
        return `在链路 ${where} 上（随机丢包）`;
      case 'queue':
        return `在链路 ${where} 上（队列已满或超过 MTU）`;
      case 'nat-filtering':
        return `在 ${where}（NAT 过滤）`;
      case 'nat-no-mapping':
        return `在 ${where}（NAT 没有对应的映射）`;
      case 'nat-other':
        return `在 ${where}（NAT）`;
      case 'firewall':
        return `在 ${where}（防火墙规则）`;
      case 'no-route':
        return `在 ${where}（没有路由）`;
      default:
        return `在 ${where}`;
    }
  }
  /** "；3 个 DTLS 数据报在链路 x 上（随机丢包）被丢弃", or nothing when no drop group was found. */
  dropped(what: string, lead = '；'): string {
    return this.has('dropKind') ? `${lead}${this.n('dropCount')} 个 ${what} 数据报${this.drop()}被丢弃` : '';
  }
}

export interface Entry {
  text(v: Figures): string;
  fix(v: Figures): string;
}
