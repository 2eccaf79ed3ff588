import { lang } from './i18n.ts';

/**
 * What sim/ says in English and the page quotes (a hop's drop reason, a DTLS endpoint's failure reason, a peer's
 * complaint about a description, a diagnosis finding's detail lines), in Simplified Chinese: each sentence shape
 * sim/ writes is a pattern here, its figures (hosts, addresses, counts, rule names) carried over as they are. sim/'s
 * texts stay English (golden digests pin them); a text no pattern knows is shown as it is, and zhQuoted says so.
 */

type Rule = readonly [RegExp, (m: RegExpExecArray, sub: (s: string) => string) => string];

/** The firewall rule descriptions of sim/net/firewall/presets.ts, and other fixed phrases sim/ quotes. */
const PHRASES: Readonly<Record<string, string>> = {
  'drop all UDP both ways': '双向丢弃所有 UDP',
  'packets of TCP connections already allowed': '已放行的 TCP 连接的数据包',
  'new TCP connections from inside to ports 80 and 443': '从内部到 80 和 443 端口的新 TCP 连接',
  'packets of flows already allowed, replies included': '已放行的流的数据包，包括应答',
  'anything from inside': '来自内部的任何数据',
  'unsolicited inbound traffic': '未经请求的入站流量',
  'UDP both ways': '双向 UDP',
  'TCP both ways': '双向 TCP',
  inbound: '入站',
  outbound: '出站',
  new: '新建',
  established: '已建立',
  'related to a tracked flow': '与一个已跟踪的流相关',
  'no tracked flow': '没有已跟踪的流',
  'new, not a SYN so no new connection': '新建，但不是 SYN，所以不建立新连接',
  'address-and-port-dependent': '与地址和端口相关的',
  'address-dependent': '与地址相关的',
  'endpoint-independent': '与端点无关的',
  'DTLS records, by their first byte': '按首字节识别的 DTLS 记录',
};

const phrase = (s: string): string => PHRASES[s] ?? s;

/** `udp 1.2.3.4:5 → 6.7.8.9:10 (outbound, new)`: a firewall's view of a packet (sim/net/firewall/firewall.ts). */
const FLOW = String.raw`(udp|tcp|other) (\S+) → (\S+) \((inbound|outbound), ([^)]+)\)`;
const flowZh = (m: RegExpExecArray, at: number): string => `${m[at]} ${m[at + 1]} → ${m[at + 2]}（${phrase(m[at + 3]!)}，${phrase(m[at + 4]!)}）`;

/** Splits "a (b) c) rest" at the parenthesis that closes the one opened before it: ["a (b) c", " rest"]. */
function closing(s: string): [string, string] {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && depth-- === 0) return [s.slice(0, i), s.slice(i + 1)];
  }
  return [s, ''];
}

const RULES: readonly Rule[] = [
  // links (sim/net/link.ts)
  [/^loss$/, () => '随机丢包'],
  [/^loss \(burst\)$/, () => '突发丢包'],
  [/^link down$/, () => '链路断开'],
  [/^exceeds MTU: (\d+) bytes > (\d+)$/, (m) => `超过 MTU：${m[1]} 字节 > ${m[2]}`],
  [/^queue full: (\S+) \+ (\d+) bytes > (\d+)$/, (m) => `队列已满：${m[1]} + ${m[2]} 字节 > ${m[3]}`],
  // NATs (sim/net/nat-box.ts, sim/net/nat/table.ts)
  [/^NAT filtering: (.*)$/s, (m, sub) => `NAT 过滤：${sub(m[1]!)}`],
  [/^NAT no mapping: (.*)$/s, (m, sub) => `NAT 没有映射：${sub(m[1]!)}`],
  [/^NAT hairpinning: (.*)$/s, (m, sub) => `NAT 回环：${sub(m[1]!)}`],
  [/^NAT mapping failed: (.*)$/s, (m, sub) => `NAT 建立映射失败：${sub(m[1]!)}`],
  [/^hairpin: (.*)$/s, (m, sub) => `回环：${sub(m[1]!)}`],
  [/^([a-z-]+) filtering: no outbound packet from (\S+) to (\S+) was seen$/, (m) => `${phrase(m[1]!)}过滤：从未见过从 ${m[2]} 发往 ${m[3]} 的出站数据包`],
  [/^hairpinning is off: (\S+) cannot reach the NAT's own external address (\S+)$/, (m) => `回环已关闭：${m[1]} 无法访问 NAT 自己的外部地址 ${m[2]}`],
  [/^no mapping for (\S+): nothing inside has sent a packet through that port$/, (m) => `${m[1]} 没有映射：内部还没有任何主机经这个端口发送过数据包`],
  [/^not addressed to one of (\S+)'s external addresses \((.+)\)$/, (m) => `目的地址不是 ${m[1]} 的外部地址之一（${m[2]}）`],
  [/^cannot translate: (.*)$/s, (m) => `无法转换：${m[1]}`],
  [/^ICMP Echo Request from outside: no service behind the NAT answers it$/, () => '来自外部的 ICMP Echo Request：NAT 后面没有服务应答它'],
  [/^ICMP Echo Reply from inside: not translated \(nothing outside asked\)$/, () => '来自内部的 ICMP Echo Reply：不转换（外部没有人发出请求）'],
  [/^(.+) about (\S+) → (\S+): no mapping matches the datagram it quotes \(RFC 5508 §4\.2\)$/, (m) => `关于 ${m[2]} → ${m[3]} 的 ${m[1]}：没有映射与它引用的数据报相符（RFC 5508 §4.2）`],
  [/^(.+) from inside about (\S+) → (\S+): no mapping matches the datagram it quotes \(RFC 5508 §4\.2\)$/, (m) => `来自内部、关于 ${m[2]} → ${m[3]} 的 ${m[1]}：没有映射与它引用的数据报相符（RFC 5508 §4.2）`],
  // firewalls (sim/net/firewall/firewall.ts)
  [/^firewall: (.*)$/s, (m, sub) => `防火墙：${sub(m[1]!)}`],
  [new RegExp(`^firewall default policy drop: no rule allows it: ${FLOW}$`), (m) => `防火墙默认策略为丢弃，没有规则放行：${flowZh(m, 1)}`],
  [new RegExp(`^firewall default policy drop: no rule allows it: ICMP error (\\S+) → (\\S+) about ${FLOW}$`), (m) => `防火墙默认策略为丢弃，没有规则放行：${m[1]} → ${m[2]} 的 ICMP 差错，关于 ${flowZh(m, 3)}`],
  [new RegExp(`^firewall rule "([^"]+)"(?: \\((.+?)\\))?: ${FLOW}$`), (m) => `防火墙规则 "${m[1]}"${m[2] ? `（${phrase(m[2])}）` : ''}：${flowZh(m, 3)}`],
  [new RegExp(`^firewall rule "([^"]+)"(?: \\((.+?)\\))?: ICMP error (\\S+) → (\\S+) about ${FLOW}$`), (m) => `防火墙规则 "${m[1]}"${m[2] ? `（${phrase(m[2])}）` : ''}：${m[3]} → ${m[4]} 的 ICMP 差错，关于 ${flowZh(m, 5)}`],
  [/^not an IP datagram$/, () => '不是 IP 数据报'],
  // routers and hosts (sim/net/nat-box.ts, sim/net/host.ts)
  [/^TTL expired in transit(; ICMP Time Exceeded sent)?$/, (m) => `传输途中 TTL 耗尽${m[1] ? '；已发回 ICMP Time Exceeded' : ''}`],
  [/^exceeds the next-hop MTU of (\S+) \((\d+) bytes > (\d+)\) and may not be fragmented(?:; ICMP (.+) sent)?$/, (m) => `超过下一跳 ${m[1]} 的 MTU（${m[2]} 字节 > ${m[3]}）且不允许分片${m[4] ? `；已发回 ICMP ${m[4]}` : ''}`],
  [/^no route to (\S+)$/, (m) => `没有到 ${m[1]} 的路由`],
  [/^port unreachable: no socket bound to (\S+) port (\d+)(; ICMP Port Unreachable sent)?$/, (m) => `端口不可达：${m[1]} 的 ${m[2]} 端口上没有绑定套接字${m[3] ? '；已发回 ICMP Port Unreachable' : ''}`],
  [/^not addressed to this host \((.+)\)$/, (m) => `不是发给这台主机的（${m[1]}）`],
  [/^no socket here joined the group (\S+)$/, (m) => `这台主机上没有套接字加入组播组 ${m[1]}`],
  // link-local multicast at a router, NAT or firewall (sim/net/multicast.ts)
  [/^(\S+) is a link-local multicast group: never forwarded off its link \((RFC 6762 §11), (RFC \d+ §[\d.]+)\)$/, (m) => `${m[1]} 是链路本地组播组：从不被转发出它的链路（${m[2]}，${m[3]}）`],
  [/^ICMP (.+) about (.+), which this host did not send$/, (m) => `关于 ${m[2]} 的 ICMP ${m[1]}，而这台主机并没有发送过它`],
  [/^malformed TCP segment: (.*)$/s, (m) => `TCP 报文段格式错误：${m[1]}`],
  [/^not a (UDP datagram|TCP segment) this host can read \((.*)\)$/s, (m) => `这台主机无法读取的${m[1] === 'UDP datagram' ? ' UDP 数据报' : ' TCP 报文段'}（${m[2]}）`],
  // TURN servers (sim/turn)
  [/^TURN no permission: peer (\S+), relayed address (\S+)$/, (m) => `TURN 没有许可：对端 ${m[1]}，中继地址 ${m[2]}`],
  [/^TURN permission expired: peer (\S+), relayed address (\S+)$/, (m) => `TURN 许可已过期：对端 ${m[1]}，中继地址 ${m[2]}`],
  // DTLS endpoints' failure reasons (sim/dtls)
  [/^peer sent fatal alert (?:fatal |warning )?(\S+)$/, (m) => `对端发送了致命的 ${m[1]} alert`],
  [/^peer sent close_notify$/, () => '对端发送了 close_notify'],
  [/^handshake timed out: flight (\d+) unanswered after (\d+) retransmissions$/, (m) => `握手超时：flight ${m[1]} 重传 ${m[2]} 次后仍没有应答`],
  [/^certificate fingerprint does not match a=fingerprint$/, () => '证书指纹与 a=fingerprint 不符'],
  [/^peer sent an empty certificate list(?:; WebRTC requires one \(RFC 8827 §6\.5\))?$/, () => '对端发送了空的证书列表；WebRTC 要求有一个证书（RFC 8827 §6.5）'],
  [/^client sent no certificate; WebRTC requires one$/, () => '客户端没有发送证书；WebRTC 要求有一个证书'],
  [/^(server|client) Finished verify_data does not match the transcript$/, (m) => `${m[1] === 'server' ? '服务器' : '客户端'}的 Finished verify_data 与握手记录不符`],
  [/^(ServerKeyExchange signature|CertificateVerify) does not verify with the (server|client) certificate$/, (m) => `${m[1]} 无法用${m[2] === 'server' ? '服务器' : '客户端'}证书验证`],
  [/^peer certificate does not parse: (.*)$/s, (m) => `对端证书无法解析：${m[1]}`],
  [/^fingerprint mismatch(.*)$/s, (m) => `指纹不符${m[1]}`],
  [/^unexpected (\S+) while waiting for (.+)$/, (m) => `在等待 ${m[2]} 时收到意外的 ${m[1]}`],
  [/^unexpected (\w+) in state (\w+)$/, (m) => `在 ${m[2]} 状态下收到意外的 ${m[1]}`],
  [/^handshake timeout after (\d+) flights?$/, (m) => `发送 ${m[1]} 个 flight 后握手超时`],
  [/^gave up after (\d+) retransmissions?$/, (m) => `重传 ${m[1]} 次后放弃`],
  // diagnosis details (sim/diagnosis): one line per ICE pair, drop group or rewritten message
  [/^(\w+ \S+ → \w+ \S+): (\d+) checks or answers were dropped at (\S+) \((.*)$/s, (m, sub) => {
    const [why, rest] = closing(m[4]!);
    return `${m[1]}：${m[2]} 个检查或应答在 ${m[3]} 被丢弃（${sub(why)}）${rest.startsWith(': ') ? `：${sub(rest.slice(2))}` : rest}`;
  }],
  [/^(\w+ \S+ → \w+ \S+): (.*)$/s, (m, sub) => `${m[1]}：${sub(m[2]!)}`],
  // the ICE agent faults and refusals (sim/diagnosis/rules/ice-refusals.ts, ice-silence.ts)
  [/^(.+) \(fault injected on purpose: ([\w-]+)\)$/s, (m, sub) => `${sub(m[1]!)}（故意注入的故障：${m[2]}）`],
  [/^(\S+) answered (\d+) check\(s\) with 487 Role Conflict: (.+?); (.+)$/s, (m, sub) => `${m[1]} 以 487 Role Conflict 应答了 ${m[2]} 个检查：${sub(m[3]!)}；${sub(m[4]!)}`],
  [/^both agents claimed to be (controlling|controlled) and (\S+)'s tie-breaker (\d+) is larger than (\S+)'s (\d+) \(RFC 8445 §7\.3\.1\.1\)$/, (m) => `双方都声称自己是 ${m[1]}，而 ${m[2]} 的 tie-breaker ${m[3]} 大于 ${m[4]} 的 ${m[5]}（RFC 8445 §7.3.1.1）`],
  [/^both agents claimed to be (controlling|controlled) \(RFC 8445 §7\.3\.1\.1\)$/, (m) => `双方都声称自己是 ${m[1]}（RFC 8445 §7.3.1.1）`],
  [/^(\S+) never switched to (controlling|controlled) as §7\.2\.5\.1 requires$/, (m) => `${m[1]} 从未按 §7.2.5.1 的要求切换为 ${m[2]}`],
  [/^(\S+) switched role but was still refused$/, (m) => `${m[1]} 切换了角色，但仍被拒绝`],
  [/^(\S+) answered (\d+) check\(s\) with 400 Bad Request: (.+)$/s, (m, sub) => `${m[1]} 以 400 Bad Request 应答了 ${m[2]} 个检查：${sub(m[3]!)}`],
  [/^(\S+) answered (\d+) check\(s\) with 400 Bad Request$/, (m) => `${m[1]} 以 400 Bad Request 应答了 ${m[2]} 个检查`],
  [/^no (\S+) attribute, which RFC 8445 §7\.1\.1 requires in every check$/, (m) => `没有 ${m[1]} 属性，而 RFC 8445 §7.1.1 要求每个检查都带有它`],
  [/^no (\S+) attribute$/, (m) => `没有 ${m[1]} 属性`],
  [/^the check lacked an attribute the peer requires \(RFC 8445 §7\.3\)$/, () => '检查缺少对端要求的一个属性（RFC 8445 §7.3）'],
  [/^no answer to (\d+) transmission\(s\)( before the check timed out at ([\d.]+) s| by the end of the trace); none was dropped on the way: all (\d+) reached (\S+), the last on hop #(\d+) at ([\d.]+) s, and (.+)$/s, (m, sub) =>
    `${m[3] ? `检查在 ${m[3]} 秒超时前` : '到 trace 结束时'}，${m[1]} 次发送都没有应答；途中一个也没有被丢弃：${m[4]} 个都到达了 ${m[5]}，最后一个在 ${m[7]} 秒的第 #${m[6]} 跳，并且 ${sub(m[8]!)}`],
  [/^(\S+) runs no ICE agent that read them$/, (m) => `${m[1]} 上没有读取它们的 ICE 代理`],
  [/^(\S+)'s ICE agent noted none of them and sent no answer$/, (m) => `${m[1]} 的 ICE 代理一个也没有记录，也没有发出应答`],
  [/^(\S+)'s ICE agent read (\d+) of them but no answer left it$/, (m) => `${m[1]} 的 ICE 代理读取了其中 ${m[2]} 个，但没有发出应答`],
  // TURN peers refused (sim/diagnosis/rules/turn-peers.ts) and what a NAT or a middlebox dropped
  [/^(\w+) for (\S+): 403 Forbidden(?: \(denied range (\S+)\))?; (.+)$/s, (m, sub) => `对 ${m[2]} 的 ${m[1]}：403 Forbidden${m[3] ? `（被拒绝的网段 ${m[3]}）` : ''}；${sub(m[4]!)}`],
  [/^nothing to or from it reached the relay$/, () => '没有发往它或来自它的数据到达中继'],
  [/^(\d+) datagram\(s\) between it and the relayed address dropped for want of the permission$/, (m) => `它与中继地址之间有 ${m[1]} 个数据报因缺少许可而被丢弃`],
  [/^(\d+) answer\(s\) dropped (?:on link (\S+)|at (\S+)) \((.+)\)$/s, (m, sub) => `${m[1]} 个应答${m[2] ? `在链路 ${m[2]} 上` : `在 ${m[3]} `}被丢弃（${sub(m[4]!)}）`],
  [/^(\d+) DTLS datagram\(s\) from (\S+) dropped (?:on link (\S+)|at (\S+)) \((.+)\)$/s, (m, sub) => `${m[2]} 发出的 ${m[1]} 个 DTLS 数据报${m[3] ? `在链路 ${m[3]} 上` : `在 ${m[4]} `}被丢弃（${sub(m[5]!)}）`],
  [/^a private address is not reachable across the internet \(expected for host candidates\)$/, () => '私有地址无法跨越互联网访问（host 候选本来就是如此）'],
  [/^the answers failed MESSAGE-INTEGRITY: the peer signs with another ice-pwd than the one signaled$/, () => '应答的 MESSAGE-INTEGRITY 校验失败：对端签名所用的 ice-pwd 不是信令给出的那个'],
  [/^never checked \(waiting when the trace ends\)$/, () => '从未检查（trace 结束时仍在 waiting）'],
  [/^never checked$/, () => '从未检查'],
  [/^(\S+) maps address-and-port-dependent \(symmetric\), so the check came from (\S+), a port the peer never saw in a candidate and (\S+) never sent to$/, (m) => `${m[1]} 采用与地址和端口相关的映射（对称型），所以检查来自 ${m[2]}：对端从未在候选中见过这个端口，${m[3]} 也从未向它发送过`],
  [/^(\S+) is (\S+)'s inside address behind (\S+)'s static 1:1 binding, reachable from outside only as (\S+); the candidate carries the address it listens on instead of the one it is reached at$/, (m) => `${m[1]} 是 ${m[2]} 在 ${m[3]} 的静态 1:1 绑定后面的内部地址，外部只能通过 ${m[4]} 访问它；候选携带的是它监听的地址，而不是外部访问它所用的地址`],
  [/^(\d+) dropped on link (\S+) \((.+)\)$/, (m, sub) => `${m[1]} 个在链路 ${m[2]} 上被丢弃（${sub(m[3]!)}）`],
  [/^(\d+) dropped at (\S+) \((.+)\)$/s, (m, sub) => `${m[1]} 个在 ${m[2]} 被丢弃（${sub(m[3]!)}）`],
  [/^([\d.]+) s: (\S+) → (\S+): trickled candidate (.+)$/, (m) => `${m[1]} 秒：${m[2]} → ${m[3]}：trickle 发送的候选“${m[4]}”`],
  [/^([\d.]+) s: (\S+) → (\S+): end-of-candidates \(ufrag (\S+)\)$/, (m) => `${m[1]} 秒：${m[2]} → ${m[3]}：end-of-candidates（ufrag ${m[4]}）`],
  [/^([\d.]+) s: (\S+) → (\S+): (.+)$/, (m) => `${m[1]} 秒：${m[2]} → ${m[3]}：${m[4]}`],
  [/^the (offer|answer|candidate|end-of-candidates|message) from (\S+) to (\S+): (.*)$/s, (m, sub) => `${m[2]} 发给 ${m[3]} 的 ${m[1] === 'message' ? '消息' : m[1]}：${sub(m[4]!)}`],
  [/^candidate dropped$/, () => '候选被丢弃'],
  [/^end-of-candidates dropped$/, () => 'end-of-candidates 被丢弃'],
  [/^(\S+) dropped$/, (m) => `${m[1]} 被丢弃`],
  [/^codec\(s\) removed: (.+)$/, (m) => `删除了编解码器：${m[1]}`],
  [/^direction (\w+) → (\w+)$/, (m) => `方向 ${m[1]} → ${m[2]}`],
  [/^(a=[\w-]+):(\S*) → (\S+)$/, (m) => `${m[1]}:${m[2]} → ${m[3]}`],
  // a node's name before what it says: "natA: NAT filtering: …" (sim/net)
  [/^([\w.-]+): (.+)$/s, (m, sub) => {
    const rest = sub(m[2]!);
    return rest === m[2] ? m[0] : `${m[1]}：${rest}`;
  }],
];

/** `s` in Chinese by the first pattern that knows it; `s` itself when none does. */
export function zhQuoted(s: string): string {
  for (const [re, f] of RULES) {
    const m = re.exec(s);
    if (m) return f(m, zhQuoted);
  }
  return s;
}

/** A text sim/ wrote, in the page's language. */
export function quoted(s: string): string {
  return lang() === 'zh' ? zhQuoted(s) : s;
}

/** A finding's subject ("alice", "alice and bob", a flow) in the page's language. */
export function subjectText(s: string): string {
  return lang() === 'zh' ? s.split(' and ').join(' 和 ') : s;
}

/**
 * The first run of three or more plain English words in `s` (what a Chinese text must not hold), or undefined. Names
 * are not prose: quoted text, `code`, words with digits or punctuation inside (a=setup:active, end-of-candidates,
 * session_timeout, 10.0.0.1), and capitalised words (Binding, Allocation Quota Reached).
 */
export function englishProse(s: string): string | undefined {
  const plain = s.replace(/"[^"]*"|“[^”]*”|`[^`]*`/g, ' ¦ ');
  let run: string[] = [];
  for (const tok of plain.split(/(\s+|[,;，；：。（）()])/)) {
    if (/^\s*$/.test(tok)) continue;
    if (/^[a-z]+$/.test(tok)) {
      run.push(tok);
      if (run.length >= 3) return run.join(' ');
    } else run = [];
  }
  return undefined;
}
