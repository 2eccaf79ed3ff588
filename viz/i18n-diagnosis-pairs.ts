import type { Figures } from './i18n-diagnosis-figures.ts';

/**
 * The detail lines of the ICE findings in Chinese, one per candidate pair, from the figures sim/diagnosis gives each
 * (PairVerdict.facts in rules/ice-pairs.ts, ice-silence.ts, ice-refusals.ts; `kind` names the line's shape). Pair
 * labels ("host 10.0.1.10:54635"), protocol and state names stay as sim/ writes them; a drop reason is quoted
 * through viz/i18n-reasons.ts.
 */

/** NAT mapping behaviours (RFC 4787) as a NAT's details name them. */
const MAPPING_ZH: Readonly<Record<string, string>> = {
  'address-and-port-dependent': '与地址和端口相关的',
  'address-dependent': '与地址相关的',
  'endpoint-independent': '与端点无关的',
};

const pairOf = (v: Figures): string => `${v.s('local')} → ${v.s('remote')}`;

/** " 在 3.6 秒检查超时前" or "到 trace 结束时" (the English's "before the check timed out at …" / "by the end of the trace"). */
const until = (v: Figures): string => (v.has('timedOutAt') ? `在 ${v.t('timedOutAt')}检查超时前` : '到 trace 结束时');

/** Where a drop group died: on a link, or at a NAT, firewall or router (drops.ts describeDrop). */
function droppedWhere(v: Figures): string {
  const kind = v.s('dropKind');
  return kind === 'link-down' || kind === 'loss' || kind === 'queue' ? `在链路 ${v.s('dropWhere')} 上` : `在 ${v.s('dropWhere')} `;
}

/** What the failed checks' drops mean, when the rule said more than where (ice-pairs.ts dropVerdict's `tail`). */
function dropTail(v: Figures): string {
  if (!v.has('tail')) return '';
  switch (v.s('tail')) {
    case 'nat-mapping':
      return `：${v.s('nat')} 采用${MAPPING_ZH[v.s('mapping')] ?? v.s('mapping')}映射（对称型），所以检查来自 ${v.s('from')}：对端从未在候选中见过这个端口，${v.s('dropWhere')} 也从未向它发送过`;
    case 'private':
      return `：${v.s('ip')} 是 ${v.has('owner') ? v.s('owner') : '对端'} 在 ${v.s('nat')} 的静态 1:1 绑定后面的内部地址，外部只能通过 ${v.s('external')} 访问它；候选携带的是它监听的地址，而不是外部访问它所用的地址`;
    case 'unroutable':
      return '：私有地址无法跨越互联网访问（host 候选本来就是如此）';
    default:
      return '';
  }
}

/** The peer's answer to a check by its error code (ice-pairs.ts ERROR_CAUSE). */
function errorZh(code: number): string {
  switch (code) {
    case 401:
      return '401 Unauthorized：检查的 USERNAME 或 MESSAGE-INTEGRITY 与对端给出的 ice-ufrag/ice-pwd 不符（RFC 8445 §7.3）';
    case 400:
      return '400 Bad Request：检查缺少对端要求的属性（RFC 8445 §7.3）';
    case 487:
      return '487 Role Conflict，而这个冲突一直没有解决（RFC 8445 §7.3.1.1）';
    default:
      return `错误 ${code}`;
  }
}

/** Why a capture's inferred pair is in its state (sim/infer/analyzer.ts: what was seen on the wire). */
function captureReason(r: string): string {
  const error = /^error response seen(?:: (.+))?$/.exec(r);
  if (error) return `看到了错误应答${error[1] ? `：${error[1]}` : ''}`;
  return { 'check seen': '看到了检查', 'success response seen': '看到了成功应答', nominated: '已提名' }[r] ?? r;
}

const fault = (v: Figures): string => (v.has('fault') ? `（故意注入的故障：${v.s('fault')}）` : '');

export const ZH_PAIR_DETAILS: Readonly<Record<string, (v: Figures) => string>> = {
  'pair-dropped': (v) => `${pairOf(v)}：${v.n('count') === 1 ? '一个检查或应答' : `${v.n('count')} 个检查或应答`}${droppedWhere(v)}被丢弃（${v.q('dropWhy')}）${dropTail(v)}`,
  'pair-error': (v) => `${pairOf(v)}：对端应答了 ${errorZh(v.n('code'))}`,
  'pair-integrity': (v) => `${pairOf(v)}：应答的 MESSAGE-INTEGRITY 校验失败：对端签名所用的 ice-pwd 不是信令给出的那个`,
  'pair-non-symmetric': (v) => `${pairOf(v)}：应答来自另一个地址，而不是检查发往的地址（非对称，RFC 8445 §7.2.5.2.1）`,
  'pair-relay-refused': (v) =>
    `${pairOf(v)}：未经检查即失败：${v.has('server') ? `TURN 服务器 ${v.s('server')} ` : 'TURN 服务器'}${v.n('code') ? `以 ${v.n('code')}${v.has('reason') ? `（“${v.s('reason')}”）` : ''}应答了` : '始终没有应答'}到 ${v.s('peer')} 的 ChannelBind，于是中继没有它的许可（RFC 8656 §12.2）`,
  'pair-unanswered': (v) => {
    if (v.s('variant') === 'capture') return `${pairOf(v)}：抓包中没有看到对它的检查的任何应答`;
    if (v.s('variant') === 'never') return `${pairOf(v)}：从未检查（trace 结束时处于 ${v.s('state')}）`;
    const when = v.has('timedOutAt') ? `在 ${v.t('timedOutAt')}检查超时前` : v.s('state') === 'failed' ? '' : '到 trace 结束时';
    return `${pairOf(v)}：${when}${when ? '，' : ''}${v.n('transmissions')} 次发送都没有应答，途中也没有一个被丢弃：对端从未应答`;
  },
  'pair-silent': (v) => {
    const peer =
      v.s('peerState') === 'none'
        ? `${v.s('device')} 上没有读取它们的 ICE 代理`
        : v.s('peerState') === 'ignored'
          ? `${v.s('device')} 的 ICE 代理一个也没有记录，也没有发出应答${fault(v)}`
          : `${v.s('device')} 的 ICE 代理读取了其中 ${v.n('read')} 个，但没有发出应答`;
    return `${pairOf(v)}：${until(v)}，${v.n('transmissions')} 次发送都没有应答；途中一个也没有被丢弃：${v.n('count')} 个都到达了 ${v.s('device')}，最后一个在 ${v.t('lastAt')}的第 #${v.n('lastHop')} 跳，并且 ${peer}`;
  },
  'pair-role-conflict': (v) => {
    const why = v.has('theirs')
      ? `双方都声称自己是 ${v.s('role')}，而 ${v.s('peer')} 的 tie-breaker ${v.s('theirs')} 大于 ${v.s('host')} 的 ${v.s('ours')}（RFC 8445 §7.3.1.1）`
      : `双方都声称自己是 ${v.s('role')}（RFC 8445 §7.3.1.1）`;
    const never = v.n('switched') ? `${v.s('host')} 切换了角色，但仍被拒绝` : `${v.s('host')} 从未按 §7.2.5.1 的要求切换为 ${v.s('other')}`;
    return `${pairOf(v)}：${v.s('peer')} 以 487 Role Conflict 应答了 ${v.n('answers')} 个检查：${why}；${never}${fault(v)}`;
  },
  'pair-bad-request': (v) => {
    const what = v.has('why') ? `：${v.q('why')}${v.n('priority') ? '，而 RFC 8445 §7.1.1 要求每个检查都带有它' : ''}` : '：检查缺少对端要求的一个属性（RFC 8445 §7.3）';
    return `${pairOf(v)}：${v.s('peer')} 以 400 Bad Request 应答了 ${v.n('answers')} 个检查${what}${fault(v)}`;
  },
  // a capture's inferred checklist (ice-pairs.ts captureIceFailures): a pair's last state and why
  'capture-pair': (v) => `${pairOf(v)}：${v.s('state')}（${captureReason(v.s('reason'))}）`,
};
