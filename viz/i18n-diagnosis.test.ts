// The diagnosis in Chinese (viz/i18n-diagnosis.ts): every cause id the rules can give, and every cause docs/diagnosis.md
// lists, has a Chinese headline and fix; on the presets and kept captures that fail, each finding is worded in
// Chinese from its own figures (no figure missing), naming its subject, and the fix is Chinese too.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diagnose, type Finding } from '../sim/diagnosis/diagnose.ts';
import { diagnoseCapture } from '../sim/diagnosis/diagnose-capture.ts';
import { parseScenario } from '../sim/scenario/parse.ts';
import { listPresets } from '../sim/scenario/presets/index.ts';
import { matrixScenario } from '../sim/scenario/presets/ice-pair.ts';
import { runScenario } from '../sim/scenario/run.ts';
import { applySet } from '../sim/scenario/set.ts';
import { readCapture } from '../sim/wire/pcap/capture-reader.ts';
import { CAPTURES_DIR } from '../test/captures.ts';
import { ZH_DIAGNOSIS_CAUSES, zhDetail, zhFinding } from './i18n-diagnosis.ts';
import { englishProse, zhQuoted } from './i18n-reasons.ts';

const ROOT = new URL('../', import.meta.url).pathname;

/** Cause ids as the rules spell them: dotted literals on lines about a cause, and sdpCause's returns. */
function causesInSources(): Set<string> {
  const out = new Set<string>();
  const dir = `${ROOT}sim/diagnosis/`;
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  for (const f of files) {
    for (const line of readFileSync(dir + f, 'utf8').split('\n')) {
      if (!/cause/i.test(line) && !/return '(sdp|media|dtls|ice|turn|stun|signaling|srtp)\.[a-z-]+';/.test(line)) continue;
      for (const m of line.matchAll(/'((?:sdp|media|dtls|ice|turn|stun|signaling|srtp|nat|sctp|rtp|rtcp)\.[a-z0-9-]+)'/g)) out.add(m[1]!);
    }
  }
  return out;
}

/** The causes docs/diagnosis.md's table lists (its first column). */
function causesInDocs(): Set<string> {
  const out = new Set<string>();
  for (const line of readFileSync(`${ROOT}docs/diagnosis.md`, 'utf8').split('\n')) {
    const first = /^\| ([^|]*)\|/.exec(line)?.[1] ?? '';
    for (const m of first.matchAll(/`([a-z]+\.[a-z0-9-]+)`/g)) out.add(m[1]!);
  }
  return out;
}

/** The presets that fail or degrade on purpose (sim/diagnosis/presets.test.ts holds every other one to no finding). */
/** ICE agents that break RFC 8445 on purpose (sim/scenario/presets/ice-failures.ts). */
const ICE_AGENT_FAULTS = ['fail-ice-role-conflict', 'fail-ice-bad-request', 'fail-ice-no-response', 'call-relay-over-direct', 'ice-stun-answer-filtered'];
const FAILING = new Set([...ICE_AGENT_FAULTS, 'dtls-mitm-fingerprint-mismatch', 'fail-turn-wrong-password', 'fail-udp-blocked-no-tcp-turn', 'fail-symmetric-no-turn', 'fail-dtls-both-active', 'fail-dtls-both-passive', 'fail-srtp-auth', 'ice-consent-restart', 'dtls-lossy-retransmit', 'call-lossy', 'fail-candidates-lost', 'call-no-end-of-candidates', 'fail-ice-pwd-mismatch', 'call-no-common-audio-codec', 'fail-setup-both-active', 'fail-setup-both-passive', 'call-one-way-media', 'ice-stun-port-unreachable', 'call-turn-tls-443', 'call-sfu-lossy', 'mediasoup-1to1-nat-no-announced', 'fail-unknown-ssrc', 'fail-turn-quota',
  // diag2
  'fail-turn-peer-forbidden', 'fail-turn-allocation-mismatch', 'fail-turn-stale-nonce', 'fail-dtls-blocked']);

const chinese = /[\u4e00-\u9fff]/;

/** The causes of ice-pairs.ts's findings: one detail line per candidate pair. */
const ICE_PAIR_CAUSES = new Set(['ice.check-unauthorized', 'ice.check-bad-request', 'ice.role-conflict', 'ice.check-error', 'ice.nat-mapping', 'ice.nat-filtering', 'ice.firewall', 'ice.private-candidate', 'ice.link-down', 'ice.loss', 'ice.relay-refused', 'ice.no-response', 'ice.unroutable', 'ice.non-symmetric']);

function expectWorded(f: Finding, where: string): void {
  const zh = zhFinding(f);
  if ('missing' in zh) throw new Error(`${where}: ${zh.missing}`);
  expect(zh.text, `${where} ${f.cause}`).toMatch(chinese);
  expect(zh.fix, `${where} ${f.cause}`).toMatch(chinese);
  expect(zh.text + zh.fix, `${where} ${f.cause}`).not.toMatch(/undefined|NaN|\{[a-zA-Z]+\}/);
  // no English prose left: not in the headline and fix (a quoted reason is worded by i18n-reasons.ts), nor in a detail
  expect(englishProse(zh.text), `${where} ${f.cause}: ${zh.text}`).toBeUndefined();
  expect(englishProse(zh.fix), `${where} ${f.cause}: ${zh.fix}`).toBeUndefined();
  for (const d of f.details) {
    // a line with figures is worded from them (zhDetail), as the page does; one without, by the reason patterns
    const zd = d.facts ? zhDetail(f, d) : { text: zhQuoted(d.text) };
    if ('missing' in zd) throw new Error(`${where} ${f.cause} detail: ${zd.missing}`);
    expect(englishProse(zd.text), `${where} ${f.cause} detail: ${zd.text}`).toBeUndefined();
    expect(zd.text, `${where} ${f.cause} detail`).not.toMatch(/undefined|NaN|\{[a-zA-Z]+\}/);
    // every ICE pair line has its figures (ice-pairs.ts PairVerdict.facts), and keeps the pair's addresses
    if (ICE_PAIR_CAUSES.has(f.cause)) {
      expect(d.facts?.kind, `${where} ${f.cause} detail without facts: ${d.text}`).toMatch(/^(pair-|capture-pair)/);
      for (const a of d.text.match(/\d+\.\d+\.\d+\.\d+:\d+/g) ?? []) expect(zd.text, `${where} ${f.cause} detail keeps ${a}`).toContain(a);
    }
  }
  // the subject (a host, "alice and bob", an address) is named
  for (const s of f.subject.split(' and ')) if (f.cause !== 'ice.check-error' && !/ /.test(s)) expect(zh.text + zh.fix, `${where} ${f.cause} names ${s}`).toContain(s.replace(/:\d+$/, ''));
}

describe('the diagnosis in Chinese', () => {
  it('has a Chinese headline and fix for every cause id the rules give and the docs list', () => {
    const ids = new Set([...causesInSources(), ...causesInDocs()]);
    expect(ids.size).toBeGreaterThan(45);
    const missing = [...ids].filter((c) => !ZH_DIAGNOSIS_CAUSES.includes(c)).sort();
    // a new cause needs its entry in viz/i18n-diagnosis.ts (and figures in Finding.facts for its sentence)
    expect(missing, `cause ids without a Chinese entry in viz/i18n-diagnosis.ts: ${missing.join(', ')}`).toEqual([]);
  });

  it('words every finding of the presets that fail or degrade from its figures', () => {
    let n = 0;
    const seen = new Set<string>();
    for (const p of listPresets().filter((q) => FAILING.has(q.name))) {
      const d = diagnose(runScenario(parseScenario(p.build())).trace);
      for (const f of d.findings) {
        expectWorded(f, p.name);
        seen.add(f.cause);
        n++;
      }
    }
    expect(seen.size + n).toBeGreaterThan(40);
    expect(seen.size).toBeGreaterThan(20);
  }, 900_000);

  it('words the findings of matrix cells, a sweep run and the failing captures', () => {
    const cell = diagnose(runScenario(parseScenario(matrixScenario('symmetric', 'symmetric', { turn: true, alice: { turn: [{ server: '198.51.100.10:3478', username: 'alice', password: 'wrong' }] } }))).trace);
    let raw: unknown = listPresets().find((p) => p.name === 'ice-symmetric-turn')!.build();
    raw = applySet(applySet(raw, 'peers.bob.nat=full-cone'), 'nodes.alice.link.loss=0.2');
    const sweep = diagnose(runScenario(parseScenario(raw), { seed: 1 }).trace);
    expect(sweep.findings.map((f) => f.cause)).toEqual(['ice.disconnected', 'ice.disconnected']);
    const zh = zhFinding(sweep.findings[0]!);
    expect('text' in zh && zh.text).toMatch(/^(alice|bob) 在 2\.\d+ 秒已在 .+ 上连通，随后在 12\.\d+ 秒变为 disconnected/);
    expect('fix' in zh && zh.fix).toContain('降低链路 alice-lan 上的丢包');
    for (const f of [...cell.findings, ...sweep.findings]) expectWorded(f, 'matrix/sweep');
    for (const name of ['chromium-fingerprint-mismatch/chromium-fingerprint-mismatch.pcapng', 'chromium-turn-wrong-password/chromium-turn-wrong-password.pcapng']) {
      const { diagnosis } = diagnoseCapture(readCapture(new Uint8Array(readFileSync(`${CAPTURES_DIR}${name}`))));
      expect(diagnosis.findings.length).toBeGreaterThan(0);
      for (const f of diagnosis.findings) expectWorded(f, name);
    }
  }, 900_000);

  it("words an ICE pair's detail line from its figures: the relayed pairs a TURN server refused (fail-turn-peer-forbidden)", () => {
    const d = diagnose(runScenario(parseScenario(listPresets().find((p) => p.name === 'fail-turn-peer-forbidden')!.build())).trace);
    const f = d.findings.find((x) => x.subject === 'alice' && x.cause === 'ice.nat-mapping')!;
    const refused = f.details.filter((x) => x.facts?.kind === 'pair-relay-refused');
    expect(refused.map((x) => x.facts)).toEqual([
      { kind: 'pair-relay-refused', local: 'relay 198.51.100.10:49152', remote: 'host 10.0.2.10:60623', peer: '10.0.2.10:60623', server: '198.51.100.10:3478', code: 403, reason: 'Forbidden: peer 10.0.2.10 is in a denied range' },
      { kind: 'pair-relay-refused', local: 'relay 198.51.100.10:49152', remote: 'srflx 203.0.113.20:1024', peer: '203.0.113.20:1024', server: '198.51.100.10:3478', code: 403, reason: 'Forbidden: peer 203.0.113.20 is in a denied range' },
    ]);
    expect(zhDetail(f, refused[1]!)).toEqual({
      text: 'relay 198.51.100.10:49152 → srflx 203.0.113.20:1024：未经检查即失败：TURN 服务器 198.51.100.10:3478 以 403（“Forbidden: peer 203.0.113.20 is in a denied range”）应答了到 203.0.113.20:1024 的 ChannelBind，于是中继没有它的许可（RFC 8656 §12.2）',
    });
    // and the NAT's filtering of a direct pair, with the drop reason quoted in Chinese
    const direct = f.details.find((x) => x.facts?.kind === 'pair-dropped' && x.facts.tail === 'nat-mapping')!;
    expect(zhDetail(f, direct)).toEqual({ text: expect.stringMatching(/^host 10\.0\.1\.10:54635 → srflx 203\.0\.113\.20:1024：7 个检查或应答在 natB 被丢弃（NAT 过滤：.+）：natA 采用与地址和端口相关的映射（对称型）/) });
  }, 600_000);

  it('a cause without an entry is reported by name (the page then shows the English)', () => {
    const f: Finding = { cause: 'media.no-such-cause', severity: 'failure', subject: 'bob', t: 0, text: 'x', fix: 'y', evidence: { hops: [], notes: [] }, details: [], facts: {} };
    expect(zhFinding(f)).toEqual({ missing: 'no Chinese entry for cause media.no-such-cause' });
    const g: Finding = { ...f, cause: 'media.loss', facts: { host: 'bob' } };
    expect(zhFinding(g)).toEqual({ missing: 'media.loss lacks packets, lost, pct' });
  });
});
