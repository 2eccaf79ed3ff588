// tshark as the oracle: a simulated DTLS-SRTP call exported as pcapng, with our NSS key log, must decrypt — the
// Finished messages (handshake type 20, sent encrypted in epoch 1) become visible, with no malformed packet.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPreset } from '../scenario/presets/index.ts';
import { parseScenario } from '../scenario/parse.ts';
import { runScenario } from '../scenario/run.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';

const hasTshark = spawnSync('tshark', ['--version']).status === 0;

function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** Handshake types per DTLS frame, as tshark dissects them. */
function handshakeTypes(pcap: string, keylog?: string): string[] {
  const opts = keylog ? ['-o', `tls.keylog_file:${keylog}`] : [];
  return tshark(['-r', pcap, ...opts, '-Y', 'dtls', '-T', 'fields', '-e', 'dtls.handshake.type'])
    .split('\n')
    .filter((l) => l.trim() !== '');
}

describe.skipIf(!hasTshark)('tshark decrypts a simulated DTLS handshake with our key log', () => {
  it('rtclab run dtls-srtp-call --pcap --keylog: Finished messages decrypt, every handshake type is visible', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-tshark-'));
    try {
      const pcap = join(dir, 'x.pcapng');
      const keylog = join(dir, 'k.txt');
      const cli = spawnSync('node', ['bin/rtclab.js', 'run', 'dtls-srtp-call', '--pcap', pcap, '--keylog', keylog], { encoding: 'utf8', timeout: 120_000 });
      expect(cli.status, cli.stderr).toBe(0);
      const types = handshakeTypes(pcap, keylog).flatMap((l) => l.split(','));
      for (const t of ['1', '3', '2', '11', '12', '13', '14', '16', '15', '20']) expect(types).toContain(t);
      expect(types.filter((t) => t === '20').length).toBeGreaterThanOrEqual(2);
      // DTLS frames only: tshark parses encrypted SRTCP bodies as if they were clear RTCP and may call them malformed
      const bad = tshark(['-r', pcap, '-o', `tls.keylog_file:${keylog}`, '-Y', 'dtls && (_ws.malformed || _ws.expert.severity >= error)']);
      expect(bad).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without the key log (and no secrets block) the Finished messages stay encrypted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-tshark-'));
    try {
      const { trace } = runScenario(parseScenario(findPreset('dtls-srtp-call')!.build()), { until: 1_000_000 });
      const pcap = join(dir, 'plain.pcapng');
      writeFileSync(pcap, writePcapng(trace, { secrets: false }));
      const keylog = join(dir, 'k.txt');
      writeFileSync(keylog, trace.secrets.filter((s) => s.kind === 'nss-keylog').map((s) => `${s.text}\n`).join(''));
      const without = handshakeTypes(pcap).flatMap((l) => l.split(','));
      expect(without).not.toContain('20');
      const withKeys = handshakeTypes(pcap, keylog).flatMap((l) => l.split(','));
      expect(withKeys).toContain('20');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
