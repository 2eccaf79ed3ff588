// The DTLS 1.3 presets judged by our dissector (with the key log the endpoints wrote) and by tshark 4.0.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../core/encoding.ts';
import { writePcapng } from '../../wire/pcap/index.ts';
import { parseScenario } from '../../scenario/parse.ts';
import { findPreset } from '../../scenario/presets/index.ts';
import { runScenario } from '../../scenario/run.ts';
import { dissectFile } from '../../../test/support/dissect-captures.ts';
import { tsharkAvailable } from '../../../test/support/tshark.ts';

function capture(preset: string): { file: string; keys: string; links: string[] } {
  const r = runScenario(parseScenario({ ...findPreset(preset)!.build(), duration: '600ms' }));
  const dir = mkdtempSync(join(tmpdir(), 'dtls13-judge-'));
  const file = join(dir, `${preset}.pcapng`);
  writeFileSync(file, writePcapng(r.trace));
  const keys = join(dir, 'keys.log');
  writeFileSync(keys, `${r.trace.secrets.filter((s) => s.kind === 'nss-keylog').map((s) => s.text).join('\n')}\n`);
  // one file per link: tshark reassembles handshake fragments across the whole file, so the same fragmented
  // ClientHello seen on two links would read as an overlapping retransmission
  const links = [...new Set(r.trace.hops.map((h) => h.link))].map((link, i) => {
    const f = join(dir, `link${i}.pcapng`);
    writeFileSync(f, writePcapng({ ...r.trace, hops: r.trace.hops.filter((h) => h.link === link) }));
    return f;
  });
  return { file, keys, links };
}

describe('a simulated DTLS 1.3 call, read back', () => {
  it('dtls13-fallback-to-12: our dissector sees the hybrid ClientHello in fragments, then a DTLS 1.2 handshake it opens with the key log (both Finished, no downgrade sentinel from the 1.2-only server, SRTP)', () => {
    const { file } = capture('dtls13-fallback-to-12');
    const d = dissectFile(file);
    expect(d.packets.flatMap((p) => p.d.problems.map((x) => x.message))).toEqual([]);
    const summaries = d.packets.map((p) => p.d.summary);
    // both hellos (before and after the cookie) in two fragments, on each of the two links
    expect(summaries.filter((s) => /ClientHello \(fragment 0\.\./.test(s)).length).toBe(4);
    expect(summaries.filter((s) => /HelloVerifyRequest/.test(s)).length).toBe(2);
    const flow = d.dissector.flows.all().find((f) => f.dtls?.serverRandom)!.dtls!;
    expect(flow.version).toBe('DTLS 1.2');
    expect(flow.finished.map((f) => `${f.role} ${f.ok}`)).toEqual(['client true', 'server true']);
    expect(toHex(flow.serverRandom!.subarray(24))).not.toBe('444f574e47524401');
    const srtp = d.packets.filter((p) => p.d.protocol === 'SRTP');
    expect(srtp.filter((p) => p.d.summary.includes('decrypted and authenticated')).length).toBeGreaterThan(50);
  });

  it.runIf(tsharkAvailable())('dtls13-fallback-to-12: tshark 4.0 reassembles both two-datagram ClientHellos, reads the 1.2 handshake, opens both Finished with our key log, finds nothing malformed', () => {
    const { keys, links } = capture('dtls13-fallback-to-12');
    const run = (file: string, ...args: string[]): string => execFileSync('tshark', ['-r', file, '-n', '-o', `tls.keylog_file:${keys}`, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
    for (const f of links) expect(run(f, '-Y', '_ws.malformed || _ws.expert.severity >= "error"').trim()).toBe('');
    const lines = run(links[0]!).split('\n');
    expect(lines.filter((l) => l.includes('Client Hello (Reassembled)')).length).toBe(2);
    expect(lines.filter((l) => l.includes('Hello Verify Request')).length).toBe(1);
    expect(run(links[0]!, '-Y', 'dtls.handshake.type == 20', '-T', 'fields', '-e', 'frame.number').trim().split('\n')).toHaveLength(2);
    expect(run(links[0]!, '-Y', 'dtls.handshake.version == 0xfefd && dtls.handshake.type == 2', '-T', 'fields', '-e', 'frame.number').trim().split('\n')).toHaveLength(1);
  });


  for (const preset of ['dtls13-call', 'dtls13-hybrid-call']) {
    it(`${preset}: our dissector opens every record with the key log, verifies both Finished (HelloRetryRequest in the transcript) and opens the SRTP`, () => {
      const { file } = capture(preset);
      const d = dissectFile(file);
      expect(d.packets.flatMap((p) => p.d.problems.map((x) => x.message))).toEqual([]);
      const flow = d.dissector.flows.all().find((f) => f.dtls)!.dtls!;
      expect(flow.version).toBe('DTLS 1.3');
      expect(flow.decryption).toBe('ok');
      expect(flow.finished.map((f) => `${f.role} ${f.ok}`)).toEqual(['server true', 'client true']);
      const summaries = d.packets.map((p) => p.d.summary);
      expect(summaries.some((s) => s.includes('[no key log]') || s.includes('[wrong key]'))).toBe(false);
      const srtp = d.packets.filter((p) => p.d.protocol === 'SRTP');
      expect(srtp.length).toBeGreaterThan(50);
      expect(srtp.filter((p) => p.d.summary.includes('decrypted and authenticated')).length).toBeGreaterThan(50);
      expect(srtp.filter((p) => /fail|no key/i.test(p.d.summary))).toEqual([]);
      if (preset === 'dtls13-hybrid-call') expect(summaries.filter((s) => /ClientHello \(fragment 0\.\./.test(s)).length).toBeGreaterThan(0);
    });
  }

  it.runIf(tsharkAvailable())('tshark 4.0 reads the epoch-0 records (the two-datagram ClientHello reassembled), leaves the unified-header records as UDP data, and finds nothing malformed', () => {
    const { keys, links } = capture('dtls13-hybrid-call');
    expect(links.length).toBeGreaterThan(1);
    const run = (file: string, ...args: string[]): string => execFileSync('tshark', ['-r', file, '-n', '-o', `tls.keylog_file:${keys}`, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
    for (const f of links) expect(run(f, '-Y', '_ws.malformed || _ws.expert.severity >= "error"').trim()).toBe('');
    const lines = run(links[0]!).split('\n');
    expect(lines.some((l) => l.includes('Client Hello (Reassembled)'))).toBe(true);
    expect(lines.filter((l) => l.includes('Server Hello')).length).toBeGreaterThan(0);
    // tshark 4.0 has no DTLS 1.3 unified header (Wireshark 4.2 added it): those datagrams stay UDP, not "malformed"
    expect(lines.some((l) => / UDP \d+ 50000 → 50000 Len=/.test(l))).toBe(true);
  });
});
