import type { Finding } from '../sim/diagnosis/types.ts';
import { zhQuoted } from './i18n-reasons.ts';
import { Figures, type Entry } from './i18n-diagnosis-figures.ts';
import { DTLS_FAILED, SETUP_FIX, TURN_ERROR, ZH_CAPTURE, ZH_DETAILS, ZH_DIAG2, sdpEntry } from './i18n-diagnosis-entries.ts';

/**
 * The diagnosis in Simplified Chinese: a headline and a fix for every cause id of sim/diagnosis (docs/diagnosis.md),
 * worded here from the finding's figures (Finding.facts) because sim/ stays English and deterministic. Protocol,
 * message, attribute and state names stay as the RFCs spell them. A cause without an entry, or a finding whose
 * figures lack one a sentence needs, is shown in English (zhFinding says which figure was missing).
 */

const TURN_SERVER_NEEDS: Readonly<Record<string, (v: Figures) => string>> = {
  'turn-server': (v) => `给 ${v.s('host')} 配置一个 TURN 服务器`,
  'turn-credentials': (v) => `给 ${v.s('host')} 配置 ${v.s('relayServer')} 正确的 TURN 用户名和密码`,
  'turn-error': (v) => `修好 ${v.s('host')} 的 TURN 服务器 ${v.s('relayServer')}（它应答了 ${v.has('relayCode') ? v.s('relayCode') : '错误'}）`,
  'turn-tcp': (v) => `给 ${v.s('host')} 配置一个经 TCP 或 TLS 443 端口的 TURN 服务器（到 ${v.s('relayServer')} 的 UDP 在 ${v.s('relayFirewall')} 被阻断）`,
  'turn-reach': (v) => `给 ${v.s('host')} 配置一个它能访问到的 TURN 服务器（${v.s('relayServer')} 始终没有应答）`,
};

/** A failed pair's fix (ice-pairs.ts PairVerdict.fixFacts), `i` its place in the finding's fixes. */
function pairFix(v: Figures, i: number): string {
  const a = (): string => v.s(`fix${i}A`);
  switch (v.s(`fix${i}Kind`)) {
    case 'nat-mapping':
      return `让 ${a()} 采用与端点无关的映射（RFC 4787 REQ-1）`;
    case 'nat-filtering':
      return `让 ${a()} 采用与端点无关的过滤${v.has(`fix${i}B`) ? `（它现在的过滤方式是 ${v.s(`fix${i}B`)}）` : ''}（RFC 4787 REQ-8）`;
    case 'nat-keep':
      return `让 ${a()} 为这个候选对保留映射`;
    case 'firewall':
      return `让 UDP 通过 ${a()}`;
    case 'announce':
      return `让 ${v.has(`fix${i}A`) ? a() : '对端'} 在 ICE 候选中公布 ${v.s(`fix${i}B`)}（mediasoup：listenInfo.announcedAddress，即服务器的 announcedIp）`;
    case 'link-up':
      return `恢复链路 ${a()}`;
    case 'link-loss':
      return `解决链路 ${a()} 上的丢包`;
    case 'ice-credentials':
      return '把双方各自准确的 a=ice-ufrag 和 a=ice-pwd 通过信令告诉对方';
    case 'check-attributes':
      return '发送带有 USERNAME、MESSAGE-INTEGRITY、PRIORITY 和角色属性的连通性检查';
    case 'roles':
      return '让一方担任 controlling、另一方担任 controlled（由 offerer 担任 controlling）';
    case 'turn-peer':
      return `让${v.has(`fix${i}A`) ? ` TURN 服务器 ${a()} ` : ' TURN 服务器'}为 ${v.s(`fix${i}B`)} 中继`;
    case 'ice-pwd':
      return '把双方各自准确的 a=ice-pwd 通过信令告诉对方';
    default:
      return AGENT_FIXES_ZH[v.s(`fix${i}Kind`)]?.(a(), v.has(`fix${i}B`) ? v.s(`fix${i}B`) : '') ?? v.f.fix;
  }
}

// ---- ICE agents that refuse or ignore the checks (ice-refusals.ts, ice-silence.ts) -------------------------------

/** Fixes of a pair refused or ignored by an agent (PairVerdict.fixFacts kinds): `a` the host, `b` the fault or role. */
const AGENT_FIXES_ZH: Readonly<Record<string, (a: string, b: string) => string>> = {
  'remove-fault': (a, b) => `去掉 ${a} 的 ice-agent 上 faults 中的 ${b}（场景有意注入的故障）`,
  'role-switch': (a, b) => `让 ${a} 在收到 487 Role Conflict 时切换为 ${b} 并重新检查（RFC 8445 §7.2.5.1），或让它一开始就担任 ${b}`,
  'check-priority': (a) => `让 ${a} 的连通性检查携带 PRIORITY 属性（RFC 8445 §7.1.1）`,
  'answer-checks': (a) => `让 ${a} 的 ICE agent 应答它收到的每一个连通性检查（RFC 8445 §7.3）`,
};

/** What a 400 said was wrong (ice.check.rejected `why`), in Chinese. */
const BAD_REQUEST_WHY_ZH: Readonly<Record<string, string>> = { 'no PRIORITY attribute': '缺少 PRIORITY 属性' };

const faultZh = (v: Figures): string => (v.has('topFault') ? `（场景有意注入了这个故障：faults ${v.s('topFault')}）` : '');

/** The clause a pair verdict's headline puts in an ICE finding (its figures are `top…`), by cause; `needs` marks it present. */
const ICE_HEADLINE_ZH: Readonly<Record<string, { needs: string; text: (v: Figures) => string }>> = {
  'ice.role-conflict': { needs: 'topPeer', text: (v) => `${v.s('topPeer')} 一直以 487 Role Conflict 应答，而 ${v.s('host')} 始终没有切换为 ${v.s('topOther')}${faultZh(v)}` },
  'ice.check-bad-request': {
    needs: 'topPeer',
    text: (v) => `${v.s('topPeer')} 以 400 Bad Request 拒绝了 ${v.s('host')} 的连通性检查${v.has('topWhy') ? `（${BAD_REQUEST_WHY_ZH[v.s('topWhy')] ?? v.s('topWhy')}）` : ''}${faultZh(v)}`,
  },
  'ice.no-response': {
    needs: 'topDevice',
    text: (v) => `${v.s('host')} 的连通性检查都到达了 ${v.s('topDevice')}（最后一个在第 #${v.n('topLastHop')} 跳），却${v.n('topRead') ? '被读取后' : ''}始终没有得到应答${faultZh(v)}`,
  },
};

const ICE_CAUSE_ZH: Readonly<Record<string, string>> = {
  'ice.check-unauthorized': '对端拒绝了连通性检查（ICE 凭据错误）',
  'ice.check-bad-request': '对端认为连通性检查格式错误而拒绝',
  'ice.role-conflict': '角色冲突一直没有解决',
  'ice.nat-mapping': '对称 NAT 为每个对端分配了不同的端口，于是另一侧的 NAT 过滤掉了每一个直连检查',
  'ice.nat-filtering': 'NAT 过滤掉了连通性检查',
  'ice.firewall': '防火墙丢弃了连通性检查',
  'ice.private-candidate': '对端的候选携带的是它在 1:1 NAT 后面的内部地址，而不是外部访问它所用的公网地址',
  'ice.link-down': '有一条链路断开了',
  'ice.loss': '连通性检查在链路上丢失了',
  'ice.non-symmetric': '应答来自意料之外的地址',
  'ice.relay-refused': 'TURN 服务器拒绝为对端中继',
};

/** Every ICE pair cause: one finding per agent whose checks all failed (ice-pairs.ts), or a capture's checklist. */
const ICE_PAIRS: Entry = {
  text: (v) => {
    if (v.s('variant') === 'capture') return `抓包中没有一个 ICE 候选对成功：从 ${v.t('from')}起检查了 ${v.n('pairs')} 个候选对，${v.n('errors') ? `其中 ${v.n('errors')} 个收到了错误应答` : '没有一个得到应答'}`;
    const head = v.n('failed')
      ? `${v.s('host')} 的 ICE 在 ${v.t('at')}失败：${v.n('pairsFailed') === v.n('pairs') ? (v.n('pairs') === 1 ? '唯一的候选对失败了' : `全部 ${v.n('pairs')} 个候选对都失败了`) : `${v.n('pairs')} 个候选对中有 ${v.n('pairsFailed')} 个失败`}`
      : `${v.s('host')} 的 ICE 始终没有连通：trace 在 ${v.t('at')}结束时仍处于 ${v.s('final')}，没有一个候选对成功`;
    const headline = v.has('topCause') ? ICE_HEADLINE_ZH[v.s('topCause')] : undefined;
    const top = headline && v.has(headline.needs) ? headline.text(v) : v.has('topCause') ? (ICE_CAUSE_ZH[v.s('topCause')] ?? '连通性检查没有得到应答') : '';
    return top ? `${head}；${top}` : head;
  },
  fix: (v) => {
    if (v.s('variant') === 'capture') return v.n('errors') ? '让连通性检查使用对端在信令中给出的 ice-ufrag/ice-pwd' : '找出两个地址之间丢弃连通性检查的地方（在两端都抓包），或给双方都配置 TURN 服务器';
    const fixes = [0, 1].filter((i) => v.has(`fix${i}Kind`)).map((i) => pairFix(v, i));
    if (v.has('relayKind')) fixes.push(TURN_SERVER_NEEDS[v.s('relayKind')]?.(v) ?? v.f.fix);
    return fixes.length ? fixes.join('，或者') : '给双方都配置 TURN 服务器';
  },
};
const ZH: Readonly<Record<string, Entry>> = {
  ...Object.fromEntries(['ice.check-unauthorized', 'ice.check-bad-request', 'ice.role-conflict', 'ice.check-error', 'ice.nat-mapping', 'ice.nat-filtering', 'ice.firewall', 'ice.private-candidate', 'ice.link-down', 'ice.loss', 'ice.relay-refused', 'ice.no-response', 'ice.unroutable', 'ice.non-symmetric'].map((c) => [c, ICE_PAIRS])),
  'ice.consent-lost': {
    text: (v) => {
      const why = v.has('dropKind') ? `它的 consent 检查${v.drop()}被丢弃` : '它的 consent 检查没有得到应答';
      const back = v.has('backAt') ? `；它在 ${v.t('backAt')}${v.n('restart') ? '经过 ICE restart 后' : ''}恢复了连接` : '';
      return `${v.s('host')} 在 ${v.t('lostAt')}失去了 ${v.s('pair')} 上的 consent：自 ${v.t('since')}起没有应答（RFC 7675 §5.1）；${why}${back}`;
    },
    fix: (v) =>
      v.has('dropKind') && v.s('dropKind') === 'link-down'
        ? `保持链路 ${v.s('dropWhere')} 畅通，并在失去 consent 时重启 ICE`
        : v.n('restart')
          ? '保持两个对端之间的通路（这次 ICE restart 绕过了问题）'
          : '在失去 consent 时重启 ICE（RFC 8445 §9），或保持两个对端之间的通路',
  },
  'ice.disconnected': {
    text: (v) =>
      `${v.s('host')} 在 ${v.t('upAt')}${v.has('pair') ? `已在 ${v.s('pair')} 上` : ''}连通，随后在 ${v.t('downAt')}变为 disconnected，直到 trace 在 ${v.t('end')}结束时仍是如此：自 ${v.t('since')}起没有 consent 应答；${v.has('dropKind') ? `它的 consent 检查${v.drop()}被丢弃` : '它的 consent 检查没有得到应答'}`,
    fix: (v) => {
      const kind = v.has('dropKind') ? v.s('dropKind') : '';
      if (kind === 'loss') return `降低链路 ${v.s('dropWhere')} 上的丢包，或者运行更久一些：consent 仍可能被刷新（RFC 7675 §5.1）`;
      if (kind === 'link-down') return `保持链路 ${v.s('dropWhere')} 畅通，并在失去 consent 时重启 ICE`;
      return '保持两个对端之间的通路，并在失去 consent 时重启 ICE（RFC 8445 §9）';
    },
  },
  'ice.relay-selected': {
    text: (v) =>
      v.n('before')
        ? `${v.s('host')} 在 ${v.t('selectedAt')}选中了中继候选对 ${v.s('relayed')}，而直连候选对 ${v.s('direct')}（${v.s('directKind')}）早在 ${v.t('directAt')}就已成功`
        : `${v.s('host')} 在 ${v.t('selectedAt')}提名了中继候选对 ${v.s('relayed')}${v.has('arrivedAt') ? `，当时直连候选 ${v.s('candidate')} 还没有到达（它在 ${v.t('arrivedAt')}才到达）` : ''}，并在直连候选对 ${v.s('direct')}（${v.s('directKind')}）于 ${v.t('directAt')}成功之后仍保留它${v.has('by') && v.s('by') !== v.s('host') ? `（这个候选对是 ${v.s('by')} 检查成功的）` : ''}：通话剩余的媒体都要经过中继`,
    fix: (v) =>
      v.n('before')
        ? `让 ${v.s('host')} 提名优先级最高的有效候选对（regular nomination，RFC 8445 §8.1.1）`
        : `让 ${v.s('host')} 在更好的候选对变为有效时重新提名（libwebrtc 的 semi-aggressive 提名），或晚一些提名（直连候选对用了 ${v.t('directAt')}）`,
  },
  ...Object.fromEntries(['turn.auth', 'turn.forbidden', 'turn.allocation-mismatch', 'turn.stale-nonce', 'turn.wrong-credentials', 'turn.quota', 'turn.capacity', 'turn.error'].map((c) => [c, TURN_ERROR])),
  'turn.udp-blocked': {
    text: (v) => `${v.s('host')} 没有得到中继候选：到 TURN 服务器 ${v.s('server')} 的 UDP 在 ${v.s('firewall')} 被阻断，而且没有配置经 TCP 或 TLS 的 TURN 服务器`,
    fix: (v) => `给 ${v.s('host')} 配置一个经 TCP 或 TLS 443 端口的 TURN 服务器`,
  },
  'turn.unreachable': {
    text: (v) => `${v.s('host')} 没有得到中继候选：TURN 服务器 ${v.s('server')} 始终没有应答${v.has('dropKind') ? `（${v.n('dropCount')} 个数据报${v.drop()}被丢弃）` : ''}`,
    fix: (v) => `给 ${v.s('host')} 配置一个它能访问到的 TURN 服务器`,
  },
  'stun.answer-filtered': {
    text: (v) =>
      v.has('from')
        ? `${v.s('host')} 没有得到 server-reflexive 候选：STUN 服务器 ${v.s('server')} 从另一个地址 ${v.s('from')} 应答了 ${v.n('count')} 个请求，${v.s('nat')} 丢弃了每一个应答（NAT 过滤）`
        : `${v.s('host')} 没有得到 server-reflexive 候选：STUN 服务器 ${v.s('server')} 应答了，但 ${v.s('nat')} 丢弃了这个应答（NAT 过滤）`,
    fix: (v) =>
      v.has('from')
        ? `让 STUN 服务器 ${v.s('server')} 从收到请求的那个地址应答（RFC 8489 §6.3），或让 ${v.s('nat')} 采用与端点无关的过滤（RFC 4787 REQ-8）`
        : `让 ${v.s('nat')} 放行来自它所发往的服务器的应答（与端点无关或与地址相关的过滤）`,
  },
  'stun.udp-blocked': {
    text: (v) => `${v.s('host')} 没有得到 server-reflexive 候选：它发往 STUN 服务器 ${v.s('server')} 的 Binding 请求在 ${v.s('firewall')} 被丢弃（防火墙规则）`,
    fix: (v) => `让发往 ${v.s('server')} 的 UDP 通过 ${v.s('firewall')}，或给 ${v.s('host')} 配置一个经 TCP 或 TLS 443 端口的 TURN 服务器`,
  },
  'stun.unreachable': {
    text: (v) => `${v.s('host')} 没有得到 server-reflexive 候选：STUN 服务器 ${v.s('server')} 到 ${v.t('at')}为止始终没有应答${v.has('dropKind') ? `（${v.n('dropCount')} 个${v.drop()}被丢弃）` : ''}`,
    fix: (v) => `给 ${v.s('host')} 配置一个它能访问到的 STUN 服务器`,
  },
  ...Object.fromEntries(
    ['signaling.candidates-lost', 'signaling.message-lost'].map((c) => [
      c,
      {
        text: (v: Figures) => `${v.s('from')} 发往 ${v.s('to')} 的 ${v.n('messages')} 条信令消息（${v.s('what')}）已发送却始终没有送达${v.n('byServer') ? '：信令服务器把它们丢弃了' : ''}`,
        fix: (v: Figures) => `让信令通道把 ${v.s('from')} 发往 ${v.s('to')} 的每条消息都送达`,
      },
    ]),
  ),
  'signaling.error': {
    text: (v) => `${v.s('from')} 发往 ${v.s('to')} 的信令消息被拒绝或出错（${zhQuoted(v.f.text)}）`,
    fix: (v) => `修正 ${v.s('from')} 发给 ${v.s('to')} 的消息`,
  },
  'signaling.no-description': {
    text: (v) => `${v.s('host')} 的 ICE 始终没有开始检查：没有任何远端描述（offer 或 answer）到达它`,
    fix: (v) => `把对端的描述送达 ${v.s('host')}`,
  },
  'signaling.no-candidates': {
    text: (v) => `${v.s('host')} 在 ${v.t('at')}收到了对端的描述，却从未收到它的任何候选：无法形成候选对`,
    fix: (v) => `把对端的候选送达 ${v.s('host')}（用 trickle 方式，或放在描述中）`,
  },
  'signaling.no-end-of-candidates': {
    text: (v) => `${v.s('host')} 的所有候选对都已失败，但它一直停留在 checking 状态等待更多候选：end-of-candidates 始终没有到来（RFC 8838 §8.2）`,
    fix: (v) => `在收集完成后向 ${v.s('host')} 发送 end-of-candidates（a=end-of-candidates）`,
  },
  'signaling.rewritten': {
    text: (v) => `${v.s('server')} 上的信令服务器修改或丢弃了它转发的 ${v.n('messages')} 条消息（每处改动见细节）`,
    fix: (v) => `让 ${v.s('server')} 上的信令服务器原样转发每一个 offer、answer 和候选`,
  },
  'sdp.fingerprint': sdpEntry((v) => `向 ${v.s('host')} 发送对端实际所用证书的 a=fingerprint`),
  'sdp.ice-credentials': sdpEntry((v) => `向 ${v.s('host')} 发送带有 a=ice-ufrag 和 a=ice-pwd 的描述（RFC 8839 §5.4）`),
  'sdp.no-common-codec': {
    text: (v) =>
      v.s('variant') === 'rejected'
        ? `${v.s('host')} 拒绝了 offer 中的 mid ${v.s('mids')}（端口 0，JSEP §5.3.1）：没有共同的编解码器${v.n('all') ? '；已经没有可发送的媒体' : ''}`
        : sdpEntry(() => '').text(v),
    fix: (v) =>
      v.s('variant') === 'rejected' ? `在每个媒体段中向 ${v.s('host')} 提供一个它能解码的编解码器（音频用 Opus，视频用 VP8 或 H.264）` : `提供 ${v.s('host')} 支持的编解码器（Opus、VP8）`,
  },
  'sdp.bundle': sdpEntry(() => '把所有媒体段 bundle 到同一个传输上（RFC 9143）'),
  'sdp.setup': sdpEntry(() => '用 active 或 passive 应答 a=setup:actpass（RFC 8842 §5.1）'),
  'sdp.invalid': sdpEntry((v) => `向 ${v.s('host')} 发送一个它能使用的描述`),
  'sdp.setup-both-active': {
    text: (v) => `${v.s('hostA')} 和 ${v.s('hostB')} 都担任了 DTLS client 角色：双方都是 a=setup:active（RFC 8842 §5.1），于是双方都发送 ClientHello，却都不应答对方的`,
    fix: () => '应答 a=setup:actpass 的 offer 时只能有一方使用 a=setup:active；另一方必须是 passive',
  },
  'sdp.setup-both-passive': {
    text: (v) => `${v.s('hostA')} 和 ${v.s('hostB')} 都担任了 DTLS server 角色：双方都是 a=setup:passive（RFC 8842 §5.1），于是都在等待一个没有人发送的 ClientHello`,
    fix: () => '应答 a=setup:actpass 的 offer 时使用 a=setup:active，由这一方发送 ClientHello',
  },
  'dtls.fingerprint-mismatch': {
    text: (v) =>
      v.s('variant') === 'capture'
        ? `来自 ${v.has('sender') ? v.s('sender') : '对端'} 的 DTLS 证书与其信令给出的 a=fingerprint 不符（sha-256 ${v.s('actual')}…）`
        : `${v.s('host')} 收到的 DTLS 证书的指纹 ${v.s('actual')}… 不是信令给出的${v.has('expected') ? ` ${v.s('expected')}…` : '那一个'}，于是它${v.has('alert') ? `以致命的 ${v.s('alert')} alert ` : ''}结束了握手（RFC 8842 §5）`,
    fix: (v) => `确认 ${v.s('host')} 通信的对端就是发出信令的那一方：如果是，就在信令中给出它实际所用证书的指纹；如果不是，说明有别人在那个地址上应答`,
  },
  'dtls.both-client': {
    text: (v) =>
      v.s('variant') === 'stuck'
        ? `${v.s('hostA')} 和 ${v.s('hostB')} 都是 DTLS client（双方都是 a=setup:active）：双方都发送 ClientHello，却都不应答对方的，握手永远无法完成`
        : `${v.s('hostA')}${v.has('hostB') ? ` 和 ${v.s('hostB')} 都是 DTLS client` : ' 是一个收到了 ClientHello 的 DTLS client'}（双方都是 a=setup:active）：各自在等待 ServerHello 时收到了对方的 ClientHello，于是结束了握手（原因：${v.q('reason')}）`,
    fix: () => SETUP_FIX,
  },
  'dtls.both-server': {
    text: (v) => `${v.s('hostA')} 和 ${v.s('hostB')} 都作为 DTLS server 等待（双方都是 a=setup:passive）：没有人发送 ClientHello`,
    fix: () => SETUP_FIX,
  },
  'dtls.no-client-hello': {
    text: (v) => `${v.s('host')}${v.has('pair') ? ` 从 ${v.t('selectedAt')}选中 ${v.s('pair')} 起` : ''}作为 DTLS server 等待，但始终没有 ClientHello 到达它`,
    fix: (v) => `让 DTLS client（a=setup:active 一方）在 ICE 选中候选对后向 ${v.s('host')} 发起握手`,
  },
  'dtls.certificate-rejected': {
    text: (v) => `${v.s('src')} 以致命的 ${v.s('alert')} alert 拒绝了 ${v.s('dst')} 的 DTLS 证书：该证书的指纹不是 ${v.s('src')} 收到的 a=fingerprint（RFC 8842 §5），或者无法核对`,
    fix: (v) => `把 ${v.s('dst')} 实际出示的证书的指纹通过信令告诉 ${v.s('src')}（并确认 ${v.s('dst')} 就是发出信令的那一方）`,
  },
  'dtls.alert': {
    text: (v) => {
      const variant = v.s('variant');
      if (variant === 'capture') return `${v.s('src')} 以致命的 ${v.s('alert')} alert 结束了与 ${v.s('dst')} 的 DTLS 握手`;
      if (variant === 'capture-state') return `${v.s('flow')} 上的 DTLS 握手以一个 alert 结束`;
      return DTLS_FAILED.text(v);
    },
    fix: (v) => {
      const variant = v.s('variant');
      if (variant === 'capture') return `在 ${v.s('dst')} 一侧修正 ${v.s('alert')} 所指出的问题`;
      if (variant === 'capture-state') return '读取这个 alert（如果已加密，用密钥日志解密）并修正它指出的问题';
      return DTLS_FAILED.fix(v);
    },
  },
  'dtls.timeout': DTLS_FAILED,
  'dtls.failed': DTLS_FAILED,
  'media.unknown-ssrc': {
    text: (v) =>
      `${v.s('host')} 丢弃了它从 ${v.s('sender')} 收到的 ${v.n('received')} 个 RTP 包中的${v.n('all') ? '全部 ' : ' '}${v.n('dropped')} 个（RFC 8843 §9.2）：SSRC ${v.s('ssrcs')} 从未在 a=ssrc 中声明${v.has('signaled') ? `（${v.s('sender')} 声明的是 ${v.s('signaled')}）` : ''}，包里也没有 MID 头部扩展，没有哪个 m= 段能接收它们${v.n('firstHop') >= 0 ? `，第一个包在第 #${v.n('firstHop')} 跳到达` : ''}${v.has('fault') ? `（场景有意注入了这个故障：rtpFaults ${v.s('fault')}）` : ''}`,
    fix: (v) => (v.has('fault') ? `去掉 ${v.s('sender')} 的 webrtc-peer 上的 rtpFaults` : `在 ${v.s('sender')} 的 SDP 中用 a=ssrc 声明 ${v.s('ssrcs')}，或让 ${v.s('sender')} 发送已协商的 MID 头部扩展`),
  },
  'media.unknown-mid': {
    text: (v) => `${v.s('host')} 丢弃了它从 ${v.s('sender')} 收到的 ${v.n('dropped')} 个 RTP 包（RFC 8843 §9.2）：SSRC ${v.s('ssrcs')} 的 MID 头部扩展指向 BUNDLE 组中不存在的 m= 段`,
    fix: (v) => `让 ${v.s('sender')} 在 MID 头部扩展中写 ${v.s('host')} 拥有的 m= 段的 MID`,
  },
  'media.payload-type-mismatch': {
    text: (v) => `${v.s('host')} 丢弃了它从 ${v.s('sender')} 收到的 ${v.n('dropped')} 个 RTP 包（RFC 8843 §9.2）：SSRC ${v.s('ssrcs')} 的 payload type 不是其所属 m= 段接收的`,
    fix: (v) => `让 ${v.s('sender')} 用每个 SSRC 所属 m= 段的 payload type 发送`,
  },
  'srtp.auth': {
    text: (v) =>
      `${v.n('failed')} 个 SRTP/SRTCP 包在 ${v.s('host')} 认证失败（RFC 3711 §3.3）${v.n('nothing') ? `：它收到的 ${v.n('received')} 个 RTP 包没有一个能解密` : `：${v.n('received')} 个 RTP 包中有 ${v.n('rtpFailed')} 个`}；${v.n('connected') ? '它的 DTLS 握手已完成，所以双方导出的密钥材料相同，是其中一方推导或使用 SRTP 密钥时出了错' : '这些包所用的密钥不是它的 DTLS 握手导出的密钥'}${v.has('fault') ? `（场景有意注入了这个故障：corruptSrtpKey ${v.s('fault')}）` : ''}`,
    fix: (v) => (v.has('fault') ? `去掉 ${v.s('host')} 的 webrtc-peer 上的 corruptSrtpKey` : `让 ${v.s('host')} 的 SRTP 与对端从同一个 DTLS 关联导出密钥（RFC 5764 §4.2），并丢弃握手之前发送的包`),
  },
  'srtp.replay': {
    text: (v) => `${v.s('host')} 收到的 ${v.n('replays')} 个 SRTP 包是重放包，或早于重放窗口（RFC 3711 §3.3.2）`,
    fix: () => '找出是谁发送了重复或严重迟到的包',
  },
  'media.one-way': {
    text: (v) =>
      v.s('variant') === 'direction'
        ? `媒体只在一个方向上流动：${v.s('host')} 什么也没收到，因为 ${v.s('quiet')} 协商为不发送：${v.s('quiet')} 收到的 ${v.s('message')} 中写着 a=${v.s('direction')}（RFC 8829 §5.3.1：它要应答 ${v.s('direction') === 'sendonly' ? 'recvonly' : 'inactive'}）`
        : `媒体只在一个方向上流动：${v.s('host')} 发送了 ${v.n('sent')} 个 RTP 包，却一个也没有收到，而${v.s('senders').split(', ').map((x) => x.replace(/^(.*)=(\d+)$/, '$1 发送了 $2 个')).join('，')}${v.dropped('RTP/RTCP')}`,
    fix: (v) =>
      v.s('variant') === 'direction'
        ? `在 ${v.s('host')} 想要接收的地方，向 ${v.s('quiet')} 发送带 a=sendrecv 的描述`
        : v.has('dropKind')
          ? `修正${v.drop()}丢弃媒体的问题`
          : `让对端把媒体发往 ${v.s('host')} 使用的地址`,
  },
  'media.loss': {
    text: (v) => `${v.s('host')} 丢失了 ${v.n('packets')} 个媒体包中的 ${v.n('lost')} 个（${v.s('pct')}%）${v.dropped('RTP/RTCP', '：')}`,
    fix: (v) => (v.has('dropKind') ? `解决链路 ${v.s('dropWhere')} 上的丢包` : '找出媒体在哪里丢失'),
  },
  // diag2's causes, kept in their own block (above)
  ...ZH_DIAG2,
};

/** The cause ids with a Chinese headline and fix. */
export const ZH_DIAGNOSIS_CAUSES: readonly string[] = Object.keys(ZH);

/**
 * A finding's headline and fix in Chinese, or why it cannot be given: no entry for its cause, no figures, or a
 * figure the sentence needs that the finding lacks (the page then shows the English).
 */
export function zhFinding(f: Finding): { text: string; fix: string } | { missing: string } {
  const e = (f.facts?.variant === 'capture' ? ZH_CAPTURE[f.cause] : undefined) ?? ZH[f.cause];
  if (!e) return { missing: `no Chinese entry for cause ${f.cause}` };
  if (!f.facts) return { missing: `${f.cause} has no facts` };
  const v = new Figures(f.facts, f);
  const text = e.text(v);
  const fix = e.fix(v);
  return v.missing.length ? { missing: `${f.cause} lacks ${[...new Set(v.missing)].join(', ')}` } : { text, fix };
}

/**
 * A detail line of a finding in Chinese, from its facts (Finding.details[].facts, `kind` naming the line), or why
 * not: a line without facts, of an unknown kind, or lacking a figure (the page then shows the English).
 */
export function zhDetail(f: Finding, d: Finding['details'][number]): { text: string } | { missing: string } {
  if (!d.facts) return { missing: `a detail of ${f.cause} has no facts` };
  const kind = String(d.facts.kind ?? '');
  const word = ZH_DETAILS[kind];
  if (!word) return { missing: `no Chinese for detail kind "${kind}" of ${f.cause}` };
  const v = new Figures(d.facts, f);
  const text = word(v);
  return v.missing.length ? { missing: `detail ${kind} of ${f.cause} lacks ${[...new Set(v.missing)].join(', ')}` } : { text };
}
