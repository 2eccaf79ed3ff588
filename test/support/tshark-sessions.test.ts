// One tshark run over many captures reads each capture exactly as tshark reads it alone (test/support/tshark-sessions.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { writePcapng } from '../../sim/wire/pcap/pcapng-writer.ts';
import { TsharkSessions } from './tshark-sessions.ts';

// reassembly (IP fragments, DTLS handshake fragments), conversations, decryption with the embedded key log
const FIELDS = ['frame.len', '_ws.malformed', 'ip.checksum.status', 'udp.checksum.status', 'ip.fragment', 'dtls.handshake.type', '_ws.col.Info'];
const ARGS = ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];

describe('TsharkSessions', () => {
  it('gives every capture the lines tshark prints on it alone, the same capture twice included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-sessions-test-'));
    try {
      const sessions = new TsharkSessions();
      const alone = new Map<string, string[]>();
      // a DTLS handshake fragmented across datagrams, IP fragments, and a capture with no frame at all
      const captures = ['datachannel-dtls13', 'ip-fragmentation-nat', 'fail-dtls-both-passive', 'datachannel-dtls13'];
      captures.forEach((name, i) => {
        const { trace } = runScenario(parseScenario(findPreset(name)!.build()));
        const bytes = writePcapng(trace);
        sessions.add(`${i}`, [bytes], trace.hops.length);
        const file = join(dir, `${i}.pcapng`);
        writeFileSync(file, bytes);
        const out = execFileSync('tshark', ['-r', file, ...ARGS, '-T', 'fields', '-E', 'separator=/t', '-e', 'frame.number', ...FIELDS.flatMap((f) => ['-e', f])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        alone.set(`${i}`, out.split('\n').filter((l, j, all) => j < all.length - 1 || l !== ''));
      });
      const together = sessions.fields(FIELDS, ARGS);
      expect(() => sessions.fields(['frame.interface_name'])).toThrow(/interface/);
      expect(() => sessions.fields(['frame.number'])).toThrow(/first/);
      sessions.dispose();
      for (const [key, lines] of alone) expect(together.get(key), captures[Number(key)]).toEqual(lines);
      // the captures carry what one session would mix up: DTLS handshake messages (the repeated capture read in the
      // same session as its first copy would be retransmissions, overlapping fragments) and reassembled IP fragments
      expect(alone.get('0')!.some((l) => l.split('\t')[6] !== '')).toBe(true);
      expect(alone.get('1')!.some((l) => l.split('\t')[5] !== '')).toBe(true);
      expect(together.get('2')).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
