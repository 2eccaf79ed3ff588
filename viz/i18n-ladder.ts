import type { Relation } from './model/relations.ts';
import { describeRelation } from './model/relations.ts';
import { lang } from './i18n.ts';

/**
 * The ladder's state-change marks (model/note-marks.ts labels them in English) and the packet detail's
 * cause-and-effect lines (model/relations.ts describeRelation) in Simplified Chinese; protocol and message names stay
 * as the RFCs spell them.
 */
const MARK_ZH: Readonly<Record<string, string>> = {
  'mapping created': '映射建立',
  'mapping expired': '映射过期',
  'NAT mapping seen': '看到 NAT 映射',
  'pair succeeded': '候选对成功',
  'pair failed': '候选对失败',
  'pair selected': '选中候选对',
  'consent lost': '失去 consent',
  'ICE restart': 'ICE restart',
  'DTLS connected': 'DTLS 已连接',
  'DTLS failed': 'DTLS 失败',
  'keys derived': '密钥已导出',
  'SRTP keyed': 'SRTP 密钥就绪',
  'fingerprint mismatch': '指纹不符',
  'alert sent': '发出 alert',
  allocation: '中继分配',
  'transport connected': 'transport 已连接',
  'producer created': '创建 producer',
  'consumer created': '创建 consumer',
};

/** A mark's label in the page's language. */
export function markLabel(label: string): string {
  return lang() === 'zh' ? (MARK_ZH[label] ?? label) : label;
}

/** Every mark label that has a Chinese form (the test checks note-marks.ts's are all here). */
export const MARK_LABELS_ZH: readonly string[] = Object.keys(MARK_ZH);

const ms = (us: number): string => `${(us / 1000).toFixed(1)} ms`;

/** describeRelation in the page's language: "response to #12 after 3.1 ms" / "#12 的应答，3.1 ms 之后". */
export function relationText(r: Relation, side: 'cause' | 'effect'): string {
  if (lang() !== 'zh') return describeRelation(r, side);
  const c = `#${r.cause}`;
  const e = `#${r.effect}`;
  const after = `${ms(r.dt)} 之后`;
  switch (r.kind) {
    case 'response':
      return side === 'effect' ? `对 ${c} 的应答，${after}（往返）` : `由 ${e} 应答（${r.detail}），${after}（往返）`;
    case 'retransmission':
      return side === 'effect' ? `${c} 的第 ${r.nth ?? 1} 次重传（${r.detail}），${after}` : `重传为 ${e}（第 ${r.nth ?? 1} 次），${after}`;
    case 'dtls-cookie':
      return side === 'effect'
        ? r.detail === 'HelloVerifyRequest'
          ? `应答 ClientHello ${c} 的 HelloVerifyRequest，${after}`
          : `带着 ${c} 的 cookie 的 ClientHello，${after}`
        : r.detail === 'HelloVerifyRequest'
          ? `由 HelloVerifyRequest ${e} 应答，${after}`
          : `它的 cookie 在 ClientHello ${e} 中带回，${after}`;
    case 'channel-data':
      return side === 'effect' ? `${r.detail} 上的第一个 ChannelData，由 ${c} 绑定，${after}` : `绑定 ${r.detail}：第一个 ChannelData 是 ${e}，${after}`;
    case 'relay-use':
      return side === 'effect' ? `第一次使用 ${c} 分配的 ${r.detail} 地址，${after}` : `${r.detail}：第一次由 ${e} 使用，${after}`;
    case 'first-media':
      return side === 'effect' ? `${c} 提名的候选对上的第一个媒体包，${after}` : `提名该候选对：第一个媒体包是 ${e}，${after}`;
    case 'relayed':
      return side === 'effect' ? `${r.detail}：与 ${c} 是同一个数据报，在中继的另一段上，${after}` : `${r.detail}：中继为 ${e}，${after}`;
    case 'tcp-connection': {
      const what = r.detail.replace(/^peer connection /, '对端连接 ');
      return side === 'effect' ? `${what}，由 ${c} 建立，${after}（RFC 6062）` : `建立 ${what}：${e}，${after}`;
    }
  }
}
