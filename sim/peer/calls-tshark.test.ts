// The judges of a simulated call's capture: tshark, given our key log, decrypts the DTLS handshake that ran over
// the ICE-selected pair (directly, or inside TURN ChannelData) with no malformed frame; and our own dissector,
// one per capture interface (each link is its own vantage point, a datagram shows once per link it crosses),
// decrypts the SRTP with the same key log.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dissector } from '../dissect/dissector.ts';
import { readCapture } from '../wire/pcap/index.ts';

const hasTshark = spawnSync('tshark', ['--version']).status === 0;

function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** `rtclab run <preset> --pcap --keylog` into a temporary folder. */
function exportCall(preset: string, dir: string): { pcap: string; keylog: string } {
  const pcap = join(dir, `${preset}.pcapng`);
  const keylog = join(dir, `${preset}.keys.txt`);
  const cli = spawnSync('node', ['bin/rtclab.js', 'run', preset, '--pcap', pcap, '--keylog', keylog, '--set', 'duration=4s'], { encoding: 'utf8', timeout: 300_000 });
  if (cli.status !== 0) throw new Error(`rtclab run ${preset}: ${cli.stderr}`);
  return { pcap, keylog };
}

/** Our dissector, one per interface: SRTP/SRTCP packets decrypted and failed (replays of the same packet aside). */
function dissectSrtp(pcap: string, keylog: string): { srtp: number; decrypted: number; problems: string[] } {
  const cap = readCapture(new Uint8Array(readFileSync(pcap)));
  const keyLog = readFileSync(keylog, 'utf8');
  const byInterface = new Map<number, Dissector>();
  let srtp = 0;
  let decrypted = 0;
  const problems: string[] = [];
  for (const raw of cap.packets) {
    let d = byInterface.get(raw.interfaceId);
    if (!d) byInterface.set(raw.interfaceId, (d = new Dissector({ keyLog })));
    const p = d.packet(raw.data, { index: raw.index, linkType: raw.linkType });
    const layer = p.layers.find((l) => l.protocol === 'SRTP' || l.protocol === 'SRTCP');
    if (!layer) continue;
    srtp++;
    if (p.layers.some((l) => (l.protocol === 'RTP' || l.protocol === 'RTCP') && l.plaintext)) decrypted++;
    for (const pr of p.problems) problems.push(pr.message);
  }
  return { srtp, decrypted, problems };
}

describe.skipIf(!hasTshark)('a simulated call decrypts in tshark and in our dissector with our key log', () => {
  for (const preset of ['call-p2p', 'call-p2p-turn']) {
    it(`${preset}: tshark sees both Finished messages decrypted and no malformed frame; the dissector opens the SRTP`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'rtclab-call-'));
      try {
        const { pcap, keylog } = exportCall(preset, dir);
        const types = tshark(['-r', pcap, '-o', `tls.keylog_file:${keylog}`, '-Y', 'dtls', '-T', 'fields', '-e', 'dtls.handshake.type'])
          .split('\n')
          .flatMap((l) => l.split(','))
          .filter((t) => t.trim() !== '');
        for (const t of ['1', '3', '2', '11', '12', '13', '14', '16', '15', '20']) expect(types).toContain(t);
        expect(types.filter((t) => t === '20').length).toBeGreaterThanOrEqual(2);
        // the signaling's TCP segments are seen once per link, which tshark 4.0 (no deinterlacing) takes for
        // retransmissions and its reassembly then calls them overlapping fragments: TCP is judged link by link in
        // sim/signaling-wire/wire.test.ts; every other frame must be clean
        const bad = tshark(['-r', pcap, '-o', `tls.keylog_file:${keylog}`, '-Y', '(_ws.malformed || _ws.expert.severity >= error) && !tcp']);
        expect(bad).toBe('');
        const d = dissectSrtp(pcap, keylog);
        expect(d.srtp).toBeGreaterThan(200);
        expect(d.decrypted).toBeGreaterThan(d.srtp * 0.95);
        expect(d.problems).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
