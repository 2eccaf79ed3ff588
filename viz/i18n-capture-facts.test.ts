// Every fact a capture rule gives is worded in Chinese: on every capture under captures/, each finding's headline and
// fix come from its own figures (no English left, no figure missing), and each of its detail lines too (zhDetail).
// A new capture rule, detail line or capture must bring its Chinese with it (viz/i18n-diagnosis.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diagnoseCapture } from '../sim/diagnosis/diagnose-capture.ts';
import type { Finding } from '../sim/diagnosis/types.ts';
import { readCapture } from '../sim/wire/pcap/capture-reader.ts';
import { CAPTURES_DIR } from '../test/captures.ts';
import { zhDetail, zhFinding } from './i18n-diagnosis.ts';

const chinese = /[\u4e00-\u9fff]/;

function captures(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(CAPTURES_DIR, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(CAPTURES_DIR + dir.name, { recursive: true, encoding: 'utf8' })) if (/\.pcapng?$/.test(f)) out.push(`${dir.name}/${f}`);
  }
  return out.sort();
}

/** What in a finding has no Chinese: its headline and fix, and each detail line. */
function untranslated(f: Finding): string[] {
  const out: string[] = [];
  const z = zhFinding(f);
  if ('missing' in z) out.push(z.missing);
  else {
    if (!chinese.test(z.text) || !chinese.test(z.fix)) out.push(`${f.cause}: not Chinese`);
    if (/undefined|NaN|\{[a-zA-Z]+\}/.test(z.text + z.fix)) out.push(`${f.cause}: a figure left out`);
    // the subject (an address in a capture) is named
    if (!(z.text + z.fix).includes(f.subject.replace(/:\d+$/, ''))) out.push(`${f.cause}: subject ${f.subject} not named`);
  }
  for (const d of f.details) {
    const zd = zhDetail(f, d);
    if ('missing' in zd) out.push(`${zd.missing} ("${d.text}")`);
    else if (!chinese.test(zd.text) || /undefined|NaN|\{[a-zA-Z]+\}/.test(zd.text)) out.push(`${f.cause} detail "${d.text}": ${zd.text}`);
  }
  return out;
}

describe('capture findings in Chinese', () => {
  const all = captures();
  it('finds the kept captures', () => expect(all.length).toBeGreaterThan(10));
  let findings = 0;
  let details = 0;
  for (const name of all) {
    it(`${name}: every finding and detail line has its Chinese`, () => {
      const { diagnosis } = diagnoseCapture(readCapture(new Uint8Array(readFileSync(`${CAPTURES_DIR}${name}`))));
      findings += diagnosis.findings.length;
      details += diagnosis.findings.reduce((n, f) => n + f.details.length, 0);
      expect(diagnosis.findings.flatMap(untranslated)).toEqual([]);
    }, 600_000);
  }
  it('walked the failing captures: their findings and detail lines were checked', () => {
    // chromium-turn-wrong-password (2 findings, 4 detail lines), chromium-fingerprint-mismatch, netns-udp-blocked (2)
    expect(findings).toBeGreaterThanOrEqual(5);
    expect(details).toBeGreaterThanOrEqual(4);
  });

  it('a detail line without facts, or of an unknown kind, is reported by name (the page shows the English)', () => {
    const f: Finding = { cause: 'turn.auth', severity: 'failure', subject: 'a', t: 0, text: 'x', fix: 'y', evidence: { hops: [], notes: [] }, details: [], facts: {} };
    expect(zhDetail(f, { text: 'z', evidence: { hops: [], notes: [] } })).toEqual({ missing: 'a detail of turn.auth has no facts' });
    expect(zhDetail(f, { text: 'z', evidence: { hops: [], notes: [] }, facts: { kind: 'nope' } })).toEqual({ missing: 'no Chinese for detail kind "nope" of turn.auth' });
    // a capture's inferred ICE pair (ice-pairs.ts captureIceFailures), its reason as sim/infer/analyzer.ts writes it
    expect(zhDetail(f, { text: 'z', evidence: { hops: [], notes: [] }, facts: { kind: 'capture-pair', local: '10.0.0.2:5000', remote: '10.0.0.3:6000', state: 'failed', reason: 'error response seen: 401 Unauthorized' } })).toEqual({ text: '10.0.0.2:5000 → 10.0.0.3:6000：failed（看到了错误应答：401 Unauthorized）' });
    expect(zhDetail(f, { text: 'z', evidence: { hops: [], notes: [] }, facts: { kind: 'capture-pair', local: '10.0.0.2:5000', remote: '10.0.0.3:6000', state: 'in-progress', reason: 'check seen' } })).toEqual({ text: '10.0.0.2:5000 → 10.0.0.3:6000：in-progress（看到了检查）' });
    expect(zhDetail(f, { text: 'z', evidence: { hops: [], notes: [] }, facts: { kind: 'stun-error', method: 'Allocate', code: 401, reason: 'Unauthorized', src: '127.0.0.1:3478' } })).toEqual({ text: '来自 127.0.0.1:3478 的 Allocate 错误应答 401 Unauthorized' });
  });
});
