// Interop for TURN over TCP on OUR TCP: the turntcp judge of turn-tcp-coturn.test.ts with the Node socket replaced by
// the simulator's TCP stack behind a TUN device (bridge/tun-tcp.ts, in a network namespace created for the test, as
// kernel-http.test.ts does). coturn, listening on TCP on the kernel's side, takes our client's Allocate (401, then with
// credentials), CreatePermission, a Send indication, ChannelBind, ChannelData padded to 4 bytes on the stream and a
// Refresh with LIFETIME 0, all over our segments; data is relayed both ways to a UDP peer; tshark reads the TUN
// capture as STUN/TURN over TCP with no malformed packet and good checksums.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const root = process.getuid?.() === 0;
// CI runs as root with socat, coturn and tshark installed (.ci/run), so there it must run
const skip = !process.env['CI'] && !(root && has('socat') && has('ip') && has('tshark') && has('turnserver'));
const ns = `rtclab-turntun-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'rtclab-turn-tun-'));

describe.skipIf(skip)('TURN over our TCP, through the kernel, against coturn', () => {
  if (!skip) {
    spawnSync('ip', ['netns', 'del', ns]);
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
  }
  afterAll(() => {
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'turn-tcp.pcapng');
  let results: Record<string, unknown> = {};
  const get = (): Record<string, unknown> => {
    if (Object.keys(results).length) return results;
    const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', 'bridge/turn-tcp-tun-run.ts', file], { encoding: 'utf8', timeout: 180_000 });
    if (r.status !== 0) throw new Error(`turn-tcp-tun-run failed (${r.status ?? r.signal}): ${r.stderr}`);
    results = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    return results;
  };

  it('our client allocates on coturn over our TCP and relays both ways, ChannelData padded on the stream', { timeout: 240_000 }, () => {
    const r = get();
    expect(r).toMatchObject({ deallocated: true, errors: [], bridgeErrors: [], retransmits: 0 });
    // coturn saw our connection's own port: the 5-tuple is our TCP's
    expect(r.mappedPort).toBe(r.streamPort);
    expect(r.atPeer).toEqual(['by Send indication over our TCP', 'by ChannelData, 5 bytes pad']);
    expect(r.received).toEqual([
      ['Data indication', 'echo by Send indication over our TCP!'],
      ['ChannelData 0x4001', 'echo by ChannelData, 5 bytes pad!'],
    ]);
  });

  it('tshark reads every TURN message on our segments: no malformed packet, checksums good', { timeout: 240_000 }, () => {
    const r = get();
    const args = ['-r', file, '-d', `tcp.port==${String(r.coturnPort)},stun`, '-o', 'tcp.check_checksum:TRUE'];
    expect(execFileSync('tshark', [...args, '-Y', '_ws.malformed || _ws.expert.severity >= error'], { encoding: 'utf8' })).toBe('');
    const types = execFileSync('tshark', [...args, '-Y', 'stun', '-T', 'fields', '-e', 'stun.type', '-e', 'stun.channel'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    // Allocate request ×2, its 401 and success, CreatePermission, Send and Data indications, ChannelBind, Refresh
    for (const t of ['0x0003', '0x0113', '0x0103', '0x0008', '0x0108', '0x0016', '0x0017', '0x0009', '0x0109', '0x0004', '0x0104']) expect(types.some((l) => l.split('\t')[0] === t), t).toBe(true);
    expect(types.filter((l) => l.split('\t')[1] === '0x4001').length).toBe(2); // ChannelData both ways
  });
});
