import type { Text } from '../lessons/lesson.ts';

/**
 * The page's messages about what it was given, in English and Simplified Chinese; part of the one string table in
 * i18n.ts: files that cannot be opened (file-open.ts, and the worker's errors reworded by localizeWorkerError), the
 * address bar's values that cannot be used (model/url.ts, app-start.ts), the key-log line under the status line
 * (views/info-line.ts), the NAT table's TCP line (views/topology.ts) and the statistics strip's metric menu
 * (views/stats-graphs.ts). `{name}` marks a value put in by trf(). What a file or the simulator says itself (a
 * reader's problem, a scenario field's error) is quoted as it is.
 */
export const MESSAGE_STRINGS = {
  // files dropped or picked
  foUnreadable: { en: 'Cannot open {name}: the file could not be read: {message}', zh: '无法打开 {name}：读取文件失败：{message}' },
  foStartsWith: { en: '{name} (it starts with {bytes})', zh: '{name}（开头的字节是 {bytes}）' },
  foEmpty: { en: '{name} (it starts with nothing: it is empty)', zh: '{name}（文件是空的）' },
  foUnknown: {
    en: 'Cannot open {what}: not a capture (pcap or pcapng), an NSS key log (CLIENT_RANDOM … lines) nor a scenario or trace (JSON).{rest}',
    zh: '无法打开 {what}：它既不是抓包（pcap 或 pcapng），也不是 NSS 密钥日志（CLIENT_RANDOM … 行），也不是场景或轨迹（JSON）。{rest}',
  },
  foOthersNotOpened: { en: ' The other files were not opened.', zh: '其他文件也没有打开。' },
  foOneAtATime: { en: 'Open one capture or scenario at a time (with its key log, if any): got {names}.', zh: '一次只能打开一个抓包或场景（可以附带它的密钥日志）：收到的是 {names}。' },
  // the worker's errors about a file, reworded (localizeWorkerError)
  wkNotCapture: { en: '{name} could not be read as pcap or pcapng ({problems})', zh: '{name} 无法按 pcap 或 pcapng 读取（{problems}）' },
  wkNoPackets: { en: '{name} could not be read as pcap or pcapng: it holds no packets', zh: '{name} 无法按 pcap 或 pcapng 读取：其中没有数据包' },
  wkTruncated: { en: '{name}: {n} packets read, then {problems}', zh: '{name}：读取了 {n} 个数据包，之后遇到问题：{problems}' },
  wkProblemError: { en: 'error at byte {offset}: {message}', zh: '第 {offset} 字节处出错：{message}' },
  wkProblemWarning: { en: 'warning at byte {offset}: {message}', zh: '第 {offset} 字节处警告：{message}' },
  wkListSeparator: { en: '; ', zh: '；' },
  wkNotJson: { en: '{name} is not JSON: {message}', zh: '{name} 不是 JSON：{message}' },
  wkNotScenario: { en: '{name} is neither a scenario nor an rtclab trace: {message}', zh: '{name} 既不是场景，也不是 rtclab 轨迹：{message}' },
  wkStatsFirst: { en: '{name} is getStats data: open its capture (or run its scenario) first, then drop it beside it', zh: '{name} 是 getStats 数据：请先打开它对应的抓包（或运行它的场景），再把它拖进来' },
  wkNoCapture: { en: 'no capture is loaded to apply {name} to', zh: '没有已加载的抓包可以应用 {name}' },
  // the address bar (model/url.ts, app-start.ts)
  urlNot: { en: '{param}={value} is not {want}', zh: '{param}={value} 不是{want}' },
  urlWantLesson: { en: 'a lesson id (lower-case letters, digits and -)', zh: '课程 id（小写字母、数字和 -）' },
  urlWantPreset: { en: 'a preset name (lower-case letters, digits and -)', zh: '预设名（小写字母、数字和 -）' },
  urlWantPresetName: { en: 'a preset name', zh: '预设名' },
  urlWantSeed: { en: 'a seed (a whole number from 0, at most 15 digits)', zh: '种子（从 0 起的整数，最多 15 位）' },
  urlWantSeedShort: { en: 'a seed (a whole number from 0)', zh: '种子（从 0 起的整数）' },
  urlWantTime: { en: 'a time (like 2.5s, 61ms or 300us)', zh: '时间（例如 2.5s、61ms 或 300us）' },
  urlWantHop: { en: 'a hop number', zh: '跳编号' },
  urlWant10: { en: '1 or 0', zh: ' 1 或 0' },
  urlWantLang: { en: 'en or zh', zh: ' en 或 zh' },
  urlWantFilter: { en: 'a display filter of at most {max} characters', zh: '不超过 {max} 个字符的显示过滤器' },
  urlWantCols: { en: 'field names separated by commas (at most 32)', zh: '以逗号分隔的字段名（最多 32 个）' },
  urlTooMany: { en: '{n} {param}= assignments; a link holds at most {max}', zh: '{n} 个 {param}= 赋值；一个链接最多容纳 {max} 个' },
  urlTooLong: { en: '{which} is {n} characters long; at most {max}', zh: '{which} 长 {n} 个字符；最多 {max} 个' },
  urlNotAssignment: { en: '{which} is not path=value (a path of letters, digits, _, -, . and [n])', zh: '{which} 不是 path=value 形式（path 由字母、数字、_、-、. 和 [n] 组成）' },
  urlHeader: { en: 'Some of the address bar could not be used:', zh: '地址栏中有些内容无法使用：' },
  urlScenarioInvalid: { en: "The address bar's scenario is not valid: {message}", zh: '地址栏中的场景无效：{message}' },
  urlNoLesson: { en: 'lesson={id} names no lesson (there are: {ids})', zh: 'lesson={id} 不是任何课程（现有课程：{ids}）' },
  urlAfterEnd: { en: 't={t} is after the end of this run ({end} s)', zh: 't={t} 在本次运行结束（{end} s）之后' },
  urlNotField: { en: 'cols: {name} is not a field (docs/display-filters.md lists them)', zh: 'cols：{name} 不是字段（字段列表见 docs/display-filters.md）' },
  urlBadFilter: { en: 'filter={filter} is not a valid display filter (the filter box says where)', zh: 'filter={filter} 不是有效的显示过滤器（过滤框中标出了出错位置）' },
  urlHopOutside: { en: 'hop={hop} is not in this run (hops 0–{last})', zh: 'hop={hop} 不在本次运行中（跳编号为 0–{last}）' },
  urlNoLink: { en: 'This run cannot be put in a link: {why}. The address bar keeps the rest ({what}).', zh: '本次运行无法放进链接：{why}。地址栏保留了其余部分（{what}）。' },
  urlKeptLesson: { en: 'lesson, seed, position', zh: '课程、种子、位置' },
  urlKept: { en: 'seed, position', zh: '种子、位置' },
  // the key-log line under the status line
  klHead: { en: 'Key log: {source} · {entries}{bad}', zh: '密钥日志：{source} · {entries}{bad}' },
  klEntries: { en: '{n} entries', zh: '{n} 条' },
  klEntry: { en: '1 entry', zh: '1 条' },
  klMalformed: { en: ' ({n} malformed line(s) skipped)', zh: '（跳过了 {n} 行格式错误的内容）' },
  klNoDtls: { en: '{head} · no DTLS handshake in the capture to count them against (TLS records are decrypted in the packet detail)', zh: '{head} · 抓包中没有可以核对的 DTLS 握手（TLS 记录在数据包详情中解密）' },
  klMatched: { en: '{head} · {entries} matched {matched} of {connections} DTLS connection(s) in the capture{outcome}', zh: '{head} · 其中 {entries}与抓包中 {connections} 个 DTLS 连接里的 {matched} 个匹配{outcome}' },
  klDecrypted: { en: '{n} decrypted', zh: '{n} 个已解密' },
  klWrongKey: { en: '{n} wrong key', zh: '{n} 个密钥错误' },
  klVerified: { en: '{n} Finished verified', zh: '{n} 个 Finished 校验通过' },
  klMismatch: { en: '{n} Finished MISMATCH', zh: '{n} 个 Finished 不匹配（MISMATCH）' },
  klWaiting: { en: 'Key log: {name} is waiting for a capture: open or drop a pcap or pcapng and it is dissected with these keys.', zh: '密钥日志：{name} 正在等待抓包：打开或拖入一个 pcap 或 pcapng，就会用这些密钥解析它。' },
  // the NAT table's TCP connections (RFC 5382 §5)
  natTcp: { en: ' · TCP {phase} with {remote} ({what}, RFC 5382 §5)', zh: ' · 与 {remote} 的 TCP 连接 {phase}（{what}，RFC 5382 §5）' },
  natTcpReset: { en: 'reset', zh: '已重置' },
  natTcpIdle: { en: 'mapping idle timeout {t}', zh: '映射空闲超时 {t}' },
  natTcpTransitory: { en: 'transitory; mapping idle timeout {t}', zh: '过渡状态；映射空闲超时 {t}' },
  // the statistics strip's metrics
  stBitrate: { en: 'bit rate', zh: '码率' },
  stPackets: { en: 'packets', zh: '包速率' },
  stLoss: { en: 'loss', zh: '丢包率' },
  stJitter: { en: 'jitter', zh: '抖动' },
  stRtt: { en: 'round trip', zh: '往返时延' },
  stFps: { en: 'frame rate', zh: '帧率' },
} as const satisfies Record<string, Text>;
