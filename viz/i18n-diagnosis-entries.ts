import type { Entry, Figures } from './i18n-diagnosis-figures.ts';
import { ZH_PAIR_DETAILS } from './i18n-diagnosis-pairs.ts';

// The diagnosis's Chinese entries for TURN errors, DTLS failures, SDP refusals and capture findings; viz/i18n-diagnosis.ts
// holds them in its one table.

const TURN_WHY: Readonly<Record<number, [string, (v: Figures) => string]>> = {
  401: ['Allocate 带上 MESSAGE-INTEGRITY 后再次被 401 Unauthorized 拒绝：该 realm 的用户名或密码错误', (v) => `给 ${v.s('host')} 配置 ${v.s('server')} 正确的 TURN 用户名和密码`],
  403: ['403 Forbidden：服务器拒绝这个客户端或它的请求', (v) => `请 ${v.s('server')} 的运维方允许 ${v.s('host')}`],
  437: ['437 Allocation Mismatch：这个五元组已有分配，或刷新时并没有分配', (v) => `让 ${v.s('host')} 从一个新的本地端口申请分配`],
  438: ['438 Stale Nonce，而客户端没有用新的 NONCE 重试', (v) => `让 ${v.s('host')} 用 438 应答中的 NONCE 重试（RFC 8489 §9.2.4）`],
  441: ['441 Wrong Credentials：请求使用的凭据与分配时不同', (v) => `让 ${v.s('host')} 对每个分配只使用一套凭据`],
  486: ['486 Allocation Quota Reached：该用户持有的分配数已达到服务器允许的上限', (v) => `释放 ${v.s('host')} 在 ${v.s('server')} 上的旧分配，或提高它的配额`],
  508: ['508 Insufficient Capacity：服务器已没有可用的中继端口', (v) => `给 ${v.s('server')} 更大的中继端口范围`],
};

/** An Allocate that ended with an error: simulated (gathering.ts) or seen in a capture (capture.ts). */
export const TURN_ERROR: Entry = {
  text: (v) => {
    const code = v.has('code') ? v.n('code') : 0;
    if (v.has('variant'))
      return code === 401
        ? `TURN 服务器 ${v.s('server')} 拒绝了 ${v.s('host')} 的凭据：它的 Allocate 在质询之后再次收到 401（用户名或密码错误）`
        : `TURN 服务器 ${v.s('server')} 以 ${code} 拒绝了 ${v.s('host')} 的 Allocate，之后也没有分配成功`;
    return `${v.s('host')} 没有从 TURN 服务器 ${v.s('server')} 得到中继候选：${TURN_WHY[code]?.[0] ?? `Allocate 以错误 ${v.has('code') ? code : '（未知）'} 结束`}`;
  },
  fix: (v) => {
    const code = v.has('code') ? v.n('code') : 0;
    if (v.has('variant')) return code === 401 ? `给 ${v.s('host')} 配置 ${v.s('server')} 正确的 TURN 用户名和密码` : `修正 ${v.s('host')} 发给 ${v.s('server')} 的 Allocate（错误 ${code}）`;
    return TURN_WHY[code]?.[1](v) ?? `修正 ${v.s('host')} 的 TURN 请求（错误 ${v.has('code') ? code : '未知'}）`;
  },
};

/** A DTLS endpoint that failed, or never finished (dtls.ts): the reason is the endpoint's own, quoted. */
export const DTLS_FAILED: Entry = {
  text: (v) => {
    if (v.s('variant') === 'stuck') return `${v.s('host')} 的 DTLS ${v.s('role')} 握手在可以开始之后 ${v.t('waited')}仍未完成${v.dropped('DTLS', '：')}`;
    const alert = v.has('alert') ? `（${v.n('alertSent') ? '发送了' : '收到了'}致命的 ${v.s('alert')} alert）` : '';
    return `${v.s('host')} 的 DTLS ${v.s('role')} 在 ${v.t('at')}失败（原因：${v.q('reason')}）${alert}${v.dropped('DTLS')}`;
  },
  fix: (v) => {
    if (v.n('timeout')) return v.has('dropKind') ? `修正${v.drop()}丢弃握手数据的问题` : '握手期间保持两个对端之间的通路';
    return v.has('alert') ? '在发送 alert 的一方修正 alert 所指出的问题' : '查看 DTLS 状态注释中的原因';
  },
};

export const SETUP_FIX = '让一方使用 a=setup:active、另一方使用 a=setup:passive（RFC 8842 §5.1）';

/** The sdp.* causes a peer reported of a remote description (signaling.ts), and the rejected sections (negotiation.ts). */
export function sdpEntry(fix: (v: Figures) => string): Entry {
  return {
    text: (v) =>
      v.s('variant') === 'problem'
        ? `${v.s('host')}：远端描述有问题（对端报告：${v.q('error')}）`
        : `${v.s('host')} 无法使用远端的 ${v.has('type') ? v.s('type') : '描述'}（对端报告：${v.q('error')}）`,
    fix,
  };
}

// ---- diag2: TURN permission refusals (rules/turn-peers.ts), 437/438 (gathering.ts), DTLS handshake timeout ----------

/** A CreatePermission or ChannelBind refused with 403 Forbidden (turn-peers.ts). */
const TURN_PEER_FORBIDDEN: Entry = {
  text: (v) =>
    `TURN 服务器 ${v.s('server')} 以 403 Forbidden 拒绝了 ${v.s('host')} 为对端 ${v.s('peers')} 发出的 ${v.s('method')}${v.has('range') ? `：该地址落在服务器禁止的范围 ${v.s('range')} 内（RFC 8656 §21.2.3）` : ''}；没有许可，服务器会丢弃 ${v.s('host')} 的中继地址与该对端之间的所有数据（RFC 8656 §9）${v.n('dropped') ? `：已有 ${v.n('dropped')} 个数据报在那里被丢弃` : ''}`,
  fix: (v) => `让 TURN 服务器 ${v.s('server')} 允许中继到 ${v.s('peers')}${v.has('range') ? `（把 ${v.s('range')} 从禁止的对端范围中去掉，或单独允许这个地址：coturn 的 allowed-peer-ip）` : ''}，或者也给另一方配置 TURN 服务器，让两个中继地址相连`,
};

/** 437 to an Allocate on a 5-tuple whose allocation the client forgot (gathering.ts with turn-mismatch.ts). */
const TURN_MISMATCH: Entry = {
  text: (v) =>
    v.has('since')
      ? `${v.s('host')} 发给 TURN 服务器 ${v.s('server')} 的 Allocate 在 ${v.t('at')}收到 437 Allocation Mismatch：服务器仍持有它在 ${v.t('since')}为同一个五元组建立的分配（客户端 ${v.s('client')}，中继地址 ${v.s('relayed')}${v.has('lifetime') ? `，有效期 ${v.n('lifetime')} 秒` : ''}），而 ${v.s('host')} ${v.has('restartAt') ? `在 ${v.t('restartAt')}重启时忘记了它` : '已不再使用它'}，却没有删除（RFC 8656 §7.2）`
      : TURN_ERROR.text(v),
  fix: (v) => (v.has('since') ? `让 ${v.s('host')} 在退出前删除它的分配（LIFETIME 为 0 的 Refresh，RFC 8656 §7），或在重启后从另一个本地端口申请分配（RFC 8656 §7.4）` : TURN_ERROR.fix(v)),
};

/** 438 Stale Nonce on a Refresh, CreatePermission or ChannelBind that the client did not retry (turn-stale-nonce.ts). */
const TURN_STALE_NONCE: Entry = {
  text: (v) =>
    v.has('requests')
      ? `${v.s('host')} 发给 TURN 服务器 ${v.s('server')} 的 ${v.s('requests')} 在 ${v.t('at')}收到 438 Stale Nonce（${v.n('count')} 次），而 ${v.s('host')} 没有用应答中新的 NONCE 重试（RFC 8489 §9.2.4）${v.has('lapsedAt') ? `；它在 ${v.s('relayed')} 上对 ${v.s('peers')} 的许可在 ${v.t('lapsedAt')}失效（RFC 8656 §9），此后服务器丢弃了该对端与中继地址之间的 ${v.n('dropped')} 个数据报` : ''}`
      : TURN_ERROR.text(v),
  fix: (v) => (v.has('requests') ? `让 ${v.s('host')} 在请求收到 438 时用该应答中的 NONCE 重试（RFC 8489 §9.2.4）` : TURN_ERROR.fix(v)),
};

/** A DTLS handshake given up by its retransmission timer, with its last flight (dtls-timeout.ts); else DTLS_FAILED. */
const DTLS_TIMEOUT: Entry = {
  text: (v) =>
    v.s('variant') === 'flight'
      ? `${v.s('host')} 的 DTLS ${v.s('role')} 在 ${v.t('at')}放弃了握手：它的 flight ${v.n('flight')}（${v.s('messages')}）在 ${v.t('sentAt')}发出，随着定时器加倍又重传了 ${v.n('retransmits')} 次（RFC 6347 §4.2.4.1），始终没有应答${v.has('dropKind') ? (v.n('dropCount') === v.n('copies') ? `；全部 ${v.n('copies')} 份都${v.drop()}被丢弃` : `；其中 ${v.n('dropCount')} 个 DTLS 数据报${v.drop()}被丢弃`) : ''}`
      : DTLS_FAILED.text(v),
  fix: (v) => {
    if (v.s('variant') !== 'flight') return DTLS_FAILED.fix(v);
    if (!v.has('dropKind')) return '握手期间保持两个对端之间的通路';
    return v.s('dropKind') === 'firewall'
      ? `让 DTLS（首字节为 20–63 的 UDP，RFC 7983）通过 ${v.s('dropWhere')}，或给 ${v.s('relayHost')} 配置一个经 TLS 443 端口的 TURN 服务器，让握手包在 TLS 里通过`
      : `修正${v.drop()}丢弃握手数据的问题`;
  },
};

/**
 * A capture's requests to a STUN or TURN server over UDP that were never answered (capture-unanswered.ts, facts
 * variant 'capture'): blocked on the way when the same server answered over TCP, else unreachable.
 */
const CAPTURE_UNANSWERED: Entry = {
  text: (v) => {
    const turn = v.f.cause.startsWith('turn.');
    const many = v.n('transmissions') > 1;
    const where = v.has('missingOn') ? `，在 ${v.s('seenOn')} 上看得到，在 ${v.s('missingOn')} 上从未出现，而同样两台主机之间的 TCP 都经过了：它们在两者之间被丢弃` : '';
    const tcp = v.n('tcpAnswered') ? `；经 TCP 同一服务器应答了 ${v.n('tcpAnswered')} 个请求${v.n('tcpAllocated') ? `并分配了中继${v.has('relayed') ? `（${v.s('relayed')}，经 TCP 分配给 ${v.s('relayClient')}）` : ''}` : ''}，所以服务器在运行，是路上阻断了 UDP` : '';
    const end = !turn ? '：没有从它得到 server-reflexive 候选' : v.n('tcpAllocated') ? '：中继改走 TCP 而不是 UDP' : '：没有从它得到中继候选';
    return `${v.s('host')} 经 UDP 发往 ${v.s('server')} 的 ${v.s('what')} 请求始终没有应答：${v.n('transactions')} 个事务，${v.n('transmissions')} 次发送（${many ? `从 ${v.t('from')}到 ${v.t('to')}` : `在 ${v.t('to')}`}）${where}${tcp}${end}`;
  },
  fix: (v) => {
    const turn = v.f.cause.startsWith('turn.');
    if (v.n('tcpAnswered'))
      return `让从 ${v.s('clientIp')} 到 ${v.s('server')} 的 UDP 通过防火墙${v.has('missingOn') ? `（位于 ${v.s('seenOn')} 与 ${v.s('missingOn')} 之间）` : ''}${turn ? (v.n('tcpAllocated') ? '（TURN over TCP 可以工作，代价是队头阻塞）' : '，或给客户端配置经 TCP 或 TLS 443 端口的 TURN') : ''}`;
    return `检查 ${v.s('server')} 是否运行着 ${turn ? 'TURN' : 'STUN'} 服务器，以及从 ${v.s('clientIp')} 发出的 UDP 能否到达它${turn ? '，或给客户端配置经 TCP 或 TLS 443 端口的 TURN' : ''}`;
  },
};

/** Capture findings worded from their own facts (variant 'capture'), where the cause's entry is for simulated runs. */
export const ZH_CAPTURE: Readonly<Record<string, Entry>> = {
  'stun.udp-blocked': CAPTURE_UNANSWERED,
  'stun.unreachable': CAPTURE_UNANSWERED,
  'turn.udp-blocked': CAPTURE_UNANSWERED,
  'turn.unreachable': CAPTURE_UNANSWERED,
};

/** A finding's detail lines by their facts' `kind`: the ones capture rules give. */
export const ZH_DETAILS: Readonly<Record<string, (v: Figures) => string>> = {
  // capture.ts: one STUN/TURN error response of the capture
  'stun-error': (v) => `来自 ${v.s('src')} 的 ${v.s('method')} 错误应答 ${v.n('code')} ${v.s('reason')}`,
  // ice-pairs.ts and its helpers: one line per candidate pair of an ICE finding
  ...ZH_PAIR_DETAILS,
};

export const ZH_DIAG2: Readonly<Record<string, Entry>> = {
  'dtls.timeout': DTLS_TIMEOUT,
  'turn.peer-forbidden': TURN_PEER_FORBIDDEN,
  'turn.allocation-mismatch': TURN_MISMATCH,
  'turn.stale-nonce': TURN_STALE_NONCE,
};
