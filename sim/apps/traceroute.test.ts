// The traceroute app: Linux traceroute's UDP probes with rising TTLs through a home NAT and a carrier-grade NAT.
// Each NAT answers Time Exceeded from its inside address, the CGN's answer is translated back to alice by the home
// NAT (RFC 5508), the internet router (no address) answers nothing, and the server ends the trace with Port
// Unreachable; tshark reads every Time Exceeded with the probe it quotes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { listPresets } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { readIcmp } from '../net/icmp/receive.ts';

const hasTshark = (() => {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('traceroute through a double NAT', () => {
  const preset = listPresets().find((p) => p.name === 'traceroute-double-nat')!;
  const { trace, summary } = runScenario(parseScenario(preset.build()));
  const app = (summary.apps as { kind: string; hops: { ttl: number; from: string | null; rtts: (number | null)[]; error: string | null }[]; reached: boolean }[]).find((a) => a.kind === 'traceroute')!;

  it('finds both NATs by their inside addresses, a silent router, and the destination', () => {
    expect(app.reached).toBe(true);
    expect(app.hops.map((h) => h.from)).toEqual(['192.168.1.1', '100.64.0.1', null, '198.51.100.10']);
    expect(app.hops.map((h) => h.rtts.map((r) => (r === null ? null : r / 1000)))).toEqual([
      [2, 2, 2],
      [8, 8, 8],
      [null, null, null],
      [68, 68, 68],
    ]);
    expect(app.hops.at(-1)!.error).toBe('Port Unreachable');
    expect(trace.notes.filter((n) => n.kind === 'traceroute.hop')).toHaveLength(4);
  });

  it("the CGN's Time Exceeded reaches alice translated by the home NAT: it quotes her own probe", () => {
    const toAlice = trace.hops.filter((h) => h.to === 'alice' && h.bytes[9] === 1).map((h) => readIcmp(h.bytes));
    const fromCgn = toAlice.find((m) => !('error' in m) && m.src === '100.64.0.1');
    expect(fromCgn && !('error' in fromCgn) && fromCgn.type === 'error' ? fromCgn.quoted : undefined).toMatchObject({ src: '192.168.1.10', dst: '198.51.100.10' });
  });

  it.skipIf(!hasTshark)('tshark reads each Time Exceeded and Port Unreachable with a good checksum and the quoted ports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-traceroute-'));
    try {
      const file = join(dir, 'trace.pcapng');
      writeFileSync(file, writePcapng(trace));
      const rows = execFileSync('tshark', ['-r', file, '-n', '-Y', 'icmp && ip.dst == 192.168.1.10', '-T', 'fields', '-e', 'icmp.type', '-e', 'icmp.code', '-e', 'icmp.checksum.status', '-e', 'udp.dstport'], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean);
      // alice's link: 3 Time Exceeded from each NAT, 3 Port Unreachable from the server (probes 33434…33445)
      expect(rows.map((r) => r.split('\t').slice(0, 3).join(' ')).sort()).toEqual([...Array(6).fill('11 0 1'), ...Array(3).fill('3 3 1')].sort());
      const bad = execFileSync('tshark', ['-r', file, '-n', '-Y', '_ws.malformed || _ws.expert.severity >= error'], { encoding: 'utf8' });
      expect(bad).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
