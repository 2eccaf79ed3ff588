// The wire oracle: tshark reads every preset's pcapng export with no malformed packet and no checksum error,
// and sees the NAT translation as two different address pairs on the two interfaces.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../sim/scenario/parse.ts';
import { findPreset, listPresets } from '../sim/scenario/presets/index.ts';
import { runScenario } from '../sim/scenario/run.ts';
import { writePcapng } from '../sim/wire/pcap/pcapng-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'rtclab-oracle-'));

function exportPreset(name: string): string {
  const { trace } = runScenario(parseScenario(findPreset(name)!.build()));
  const file = join(dir, `${name}.pcapng`);
  writeFileSync(file, writePcapng(trace));
  return file;
}

function tshark(file: string, fields: string[]): string[][] {
  const out = execFileSync(
    'tshark',
    ['-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=/t', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return out.trimEnd().split('\n').map((l) => l.split('\t'));
}

describe('tshark reads our exports', () => {
  it.each(listPresets().map((p) => p.name))('%s: no malformed packet, every IP and UDP checksum good', (name) => {
    const rows = tshark(exportPreset(name), ['frame.number', '_ws.malformed', 'ip.checksum.status', 'udp.checksum.status', 'ipv6.src']);
    expect(rows.length).toBeGreaterThan(0);
    for (const [no, malformed, ipStatus, udpStatus, v6] of rows) {
      expect(malformed, `frame ${no}`).toBe('');
      if (!v6) expect(ipStatus, `frame ${no} IPv4 checksum`).toBe('1');
      expect(udpStatus, `frame ${no} UDP checksum`).toBe('1');
    }
  });

  it('shows the same datagram on both sides of a NAT with the source rewritten', () => {
    const rows = tshark(exportPreset('nat-port-restricted-cone'), ['frame.interface_name', 'ip.src', 'udp.srcport', 'ip.dst', 'frame.comment']);
    const first = rows.filter((r) => r[4]!.includes('packet 1 ·'));
    expect(first.map((r) => [r[0], r[1], r[2]])).toEqual([
      ['alice-lan', '192.168.1.10', '5000'],
      ['natA-wan', '203.0.113.10', '5000'],
      ['server-wan', '203.0.113.10', '5000'],
    ]);
    const dropped = rows.filter((r) => r[4]!.includes('dropped: natA: NAT filtering'));
    expect(dropped).toHaveLength(2);
  });
});
