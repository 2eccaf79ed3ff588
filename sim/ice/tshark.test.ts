// tshark as the judge of a symmetric-NAT call: exported as pcapng, the direct checks between the two NATs get no
// success response, and the checks that succeed travel inside TURN ChannelData (tshark's "stun_turn" heuristic
// dissects the STUN inside a ChannelData message), with no malformed packet anywhere.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPreset } from '../scenario/presets/index.ts';
import { parseScenario } from '../scenario/parse.ts';
import { runScenario } from '../scenario/run.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { SERVER_IP } from '../scenario/presets/ice-pair.ts';

const hasTshark = spawnSync('tshark', ['--version']).status === 0;

function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

interface Row {
  src: string;
  dst: string;
  channel: string;
  types: string[];
  ids: string[];
  username: boolean;
}

describe.skipIf(!hasTshark)('tshark on a symmetric-NAT call', () => {
  it('shows the direct checks unanswered and the successful checks inside TURN ChannelData', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-ice-'));
    try {
      const r = runScenario(parseScenario(findPreset('ice-symmetric-turn')!.build()), { until: 4_000_000 });
      const sel = (r.summary.ice as { alice: { selectedPair: { local: { type: string }; remote: { type: string } } } }).alice.selectedPair;
      expect([sel.local.type, sel.remote.type]).toContain('relay');
      const pcap = join(dir, 'symmetric.pcapng');
      writeFileSync(pcap, writePcapng(r.trace));

      expect(tshark(['-r', pcap, '-Y', '_ws.malformed || _ws.expert.severity >= error'])).toBe('');
      const rows: Row[] = tshark([
        '-r', pcap, '--enable-heuristic', 'stun_turn', '-Y', 'stun', '-T', 'fields', '-E', 'separator=|',
        '-e', 'ip.src', '-e', 'ip.dst', '-e', 'stun.channel', '-e', 'stun.type', '-e', 'stun.id', '-e', 'stun.att.username',
      ])
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => {
          const [src = '', dst = '', channel = '', types = '', ids = '', user = ''] = l.split('|');
          return { src, dst, channel, types: types.split(',').filter(Boolean), ids: ids.split(',').filter(Boolean), username: user !== '' };
        });

      // direct checks: ICE Binding requests (they carry USERNAME) between the peers, the server on neither end
      const direct = rows.filter((x) => !x.channel && x.username && x.types.includes('0x0001') && x.src !== SERVER_IP && x.dst !== SERVER_IP);
      expect(direct.length).toBeGreaterThan(0);
      const directIds = new Set(direct.flatMap((x) => x.ids));
      const answered = rows.filter((x) => x.types.includes('0x0101') && x.ids.some((id) => directIds.has(id)));
      expect(answered).toEqual([]);

      // relayed checks: requests and success responses dissected inside ChannelData between a client and the server
      const inChannel = rows.filter((x) => x.channel !== '');
      expect(inChannel.some((x) => x.types.includes('0x0001'))).toBe(true);
      const successes = inChannel.filter((x) => x.types.includes('0x0101'));
      expect(successes.length).toBeGreaterThan(0);
      // and each such success answers a check that reached a peer through the relay
      const requestIds = new Set(rows.filter((x) => x.types.includes('0x0001')).flatMap((x) => x.ids));
      expect(successes.some((x) => x.ids.some((id) => requestIds.has(id)))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
