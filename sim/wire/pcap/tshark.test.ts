// tshark, the wire oracle, opens our pcapng export of a synthetic trace: no malformed packet, no checksum error,
// every hop's comment and link name visible, times as written, and the key log found in the DSB.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readCapture } from './capture-reader.ts';
import { captureToTrace } from './capture-to-trace.ts';
import { hopComment, writePcapng } from './pcapng-writer.ts';
import { smallTrace } from './test-trace.ts';

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// CI installs tshark, so there it must run; elsewhere a machine without it skips.
const skip = !hasTshark() && !process.env['CI'];
const dir = mkdtempSync(join(tmpdir(), 'rtclab-pcap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tshark(args: string[]): string {
  return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe.skipIf(skip)('tshark reads our pcapng', () => {
  const trace = smallTrace();
  const file = join(dir, 'small.pcapng');
  writeFileSync(file, writePcapng(trace, { timeOrigin: 1_700_000_000_000_000 }));

  it('finds no malformed packet, no bad checksum and nothing above a comment in expert info', () => {
    const out = tshark([
      '-r', file,
      '-o', 'ip.check_checksum:TRUE',
      '-o', 'udp.check_checksum:TRUE',
      '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=a', '-E', 'aggregator=;',
      '-e', 'frame.number', '-e', '_ws.malformed', '-e', 'ip.checksum.status', '-e', 'udp.checksum.status', '-e', '_ws.expert.severity', '-e', 'frame.protocols',
    ]);
    const rows = out.trim().split('\n').map((l) => l.split('|'));
    expect(rows.length).toBe(trace.hops.length);
    const COMMENT = 0x00100000; // Wireshark's PI_COMMENT: packet comments show up in expert info at this level
    for (const [num, malformed, ipStatus, udpStatus, severities, protocols] of rows) {
      expect(malformed, `frame ${num}`).toBe('');
      if (ipStatus) expect(ipStatus, `frame ${num} IPv4 checksum`).toBe('1'); // 1 = good
      expect(udpStatus, `frame ${num} UDP checksum`).toBe('1');
      for (const s of (severities ?? '').split(';').filter(Boolean)) expect(Number(s), `frame ${num} expert severity`).toBeLessThanOrEqual(COMMENT);
      expect(protocols).toMatch(/^raw:ipv?6?:udp/);
    }
  });

  it('shows each hop comment and the interface (link) name, at the hop time', () => {
    const out = tshark(['-r', file, '-T', 'fields', '-E', 'separator=|', '-e', 'frame.interface_name', '-e', 'frame.comment', '-e', 'frame.time_epoch']);
    const rows = out.trim().split('\n').map((l) => l.split('|'));
    expect(rows).toEqual(
      trace.hops.map((h) => {
        const us = 1_700_000_000_000_000 + h.t;
        return [h.link, hopComment(h), `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}000`];
      }),
    );
  });

  it('capinfos-level facts: the application is rtclab, one interface per link, µs resolution', () => {
    const out = execFileSync('capinfos', [file], { encoding: 'utf8' });
    expect(out).toMatch(/Capture application:\s+rtclab/);
    expect(out).toMatch(/Number of interfaces in file: 2/);
    expect(out).toMatch(/Name = alice-lan/);
    expect(out).toMatch(/Name = natA-wan/);
    expect(out).toMatch(/Encapsulation = Raw IP/);
    expect(out).toMatch(/Time precision = microseconds \(6\)/);
  });

  it('recognises our Decryption Secrets Block: editcap --discard-all-secrets removes exactly that block', () => {
    const stripped = join(dir, 'stripped.pcapng');
    execFileSync('editcap', ['--discard-all-secrets', file, stripped], { stdio: 'ignore' });
    const keyLog = `CLIENT_RANDOM ${'ab'.repeat(32)} ${'cd'.repeat(48)}\n`;
    const dsbLength = 20 + Math.ceil(keyLog.length / 4) * 4; // type, length, secrets type and length, data, trailer
    expect(statSync(file).size - statSync(stripped).size).toBe(dsbLength);
    expect(readCapture(new Uint8Array(readFileSync(stripped))).secrets).toEqual([]);
  });

  it('decrypts a real DTLS 1.2 handshake re-exported through captureToTrace with its key log in our DSB', () => {
    // openssl s_client ↔ s_server (testdata/README.md); the key log rides along as trace secrets, nothing on the command line.
    const here = (f: string): string => fileURLToPath(new URL(`./testdata/${f}`, import.meta.url));
    const c = readCapture(new Uint8Array(readFileSync(here('dtls12-srtp.pcapng'))));
    const base = captureToTrace(c, 'dtls12-srtp');
    const lines = readFileSync(here('dtls12-srtp.keylog.txt'), 'utf8').split('\n').filter((l) => l.startsWith('CLIENT_RANDOM'));
    const trace = { ...base, secrets: lines.map((text) => ({ t: 0, kind: 'nss-keylog' as const, source: 'openssl', text })) };
    const out = join(dir, 'dtls.pcapng');
    writeFileSync(out, writePcapng(trace));
    const plain = tshark(['-r', out, '-d', 'udp.port==4444,dtls', '-x']);
    expect(plain).toMatch(/hello from serve/);
    expect(plain).toMatch(/hello from clien/);
    // and without the DSB the same bytes stay opaque: the plaintext came from our block
    writeFileSync(out, writePcapng(trace, { secrets: false }));
    expect(tshark(['-r', out, '-d', 'udp.port==4444,dtls', '-x'])).not.toMatch(/hello from serve/);
  });
});
