// The diagnosis as the command prints it: a failing run ends with its causes, evidence and fixes, and --json carries
// them; a run that works prints no diagnosis and its JSON has no such key; dissect --summary does the same for a
// failing capture.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'rtclab-cli-findings-'));
const rtclab = (...args: string[]) => spawnSync(process.execPath, ['bin/rtclab.js', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });

describe('rtclab and the diagnosis', () => {
  it('run of fail-udp-blocked-no-tcp-turn prints why, with hops, notes and the TCP TURN fix, and --json has the findings', () => {
    const json = join(dir, 'fail.json');
    const r = rtclab('run', 'fail-udp-blocked-no-tcp-turn', '--json', json);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/diagnosis: 4 failure\(s\), 0 degradation\(s\)/);
    expect(r.stdout).toMatch(/FAILURE turn\.udp-blocked \(alice\): alice got no relayed candidate: UDP to TURN server 198\.51\.100\.10:3478 is blocked at fwA.*\[hops #\d+/);
    expect(r.stdout).toMatch(/fix: give alice a TURN server over TCP or TLS on port 443/);
    const summary = JSON.parse(readFileSync(json, 'utf8'));
    const causes = (summary.diagnosis as { cause: string; subject: string; evidence: { hops: number[] } }[]).map((f) => `${f.cause} ${f.subject}`);
    expect(causes).toEqual(expect.arrayContaining(['turn.udp-blocked alice', 'stun.udp-blocked alice', 'ice.firewall alice', 'ice.firewall bob']));
    expect(summary.diagnosis[0].evidence.hops.length).toBeGreaterThan(0);
  }, 300_000);

  it('run of fail-unknown-ssrc names the unsignaled SSRCs, the hop they arrived on and the fix; --json has the finding', () => {
    const json = join(dir, 'ssrc.json');
    const r = rtclab('run', 'fail-unknown-ssrc', '--json', json);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/diagnosis: 1 failure\(s\), 0 degradation\(s\)/);
    expect(r.stdout).toMatch(/FAILURE media\.unknown-ssrc \(bob\): bob dropped all \d+ of the \d+ RTP packets it received from alice \(RFC 8843 §9\.2\): 2 SSRC\(s\) it was never told of: alice's a=ssrc lines signal audio 0x[0-9a-f]{8}, video 0x[0-9a-f]{8}, and the packets carry no MID header extension.*SSRC 0x[0-9a-f]{8} \(payload type 111\), first on hop #\d+ .*\[hops #\d+/);
    expect(r.stdout).toMatch(/fix: remove rtpFaults from alice's webrtc-peer/);
    const summary = JSON.parse(readFileSync(json, 'utf8'));
    const f = (summary.diagnosis as { cause: string; subject: string; severity: string; evidence: { hops: number[]; notes: number[] } }[]);
    expect(f.map((x) => `${x.severity} ${x.cause} ${x.subject}`)).toEqual(['failure media.unknown-ssrc bob']);
    expect(f[0]!.evidence.hops.length).toBe(2);
    expect(summary.srtp['bob/webrtc-peer'].failures['unknown-ssrc']).toBe(summary.srtp['bob/webrtc-peer'].rtpReceived);
  }, 300_000);

  it('a run that works prints no diagnosis and its JSON has none', () => {
    const json = join(dir, 'ok.json');
    const r = rtclab('run', 'ice-trickle', '--json', json);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/diagnosis:|FAILURE|degraded/);
    expect(JSON.parse(readFileSync(json, 'utf8'))).not.toHaveProperty('diagnosis');
  }, 300_000);

  it('dissect --summary of the netns firewall capture names UDP blocked between in0 and out0; --json carries it', () => {
    const file = 'captures/netns-udp-blocked/netns-udp-blocked.pcapng';
    const r = rtclab('dissect', file, '--summary');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/diagnosis: 0 failure\(s\), 2 degradation\(s\)/);
    expect(r.stdout).toMatch(/degraded turn\.udp-blocked \(10\.0\.0\.2:34886\): .*5 transmission\(s\).*seen on in0 and never on out0.*allocated a relay/);
    expect(r.stdout).toMatch(/fix: let UDP from 10\.0\.0\.2 to 203\.0\.113\.2:3478 through the firewall between in0 and out0/);
    const j = rtclab('dissect', file, '--summary', '--json');
    const last = JSON.parse(j.stdout.trim().split('\n').pop()!);
    expect(last.diagnosis.map((f: { cause: string }) => f.cause).sort()).toEqual(['stun.udp-blocked', 'turn.udp-blocked']);
  }, 300_000);

  it('dissect --summary of the failing Chromium capture names the refused certificate; --json carries it', () => {
    const file = 'captures/chromium-fingerprint-mismatch/chromium-fingerprint-mismatch.pcapng';
    const r = rtclab('dissect', file, '--summary');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/FAILURE dtls\.certificate-rejected \(192\.0\.2\.2:50549\): .*fatal certificate_unknown alert.*\[hops #20/);
    const j = rtclab('dissect', file, '--summary', '--json');
    const last = JSON.parse(j.stdout.trim().split('\n').pop()!);
    expect(last.diagnosis.map((f: { cause: string }) => f.cause)).toEqual(['dtls.certificate-rejected']);
  }, 300_000);
});
