// mediasoup-pion-tcp: the seed's pion client with its UDP blocked reaches the WebRtcTransport over ICE-TCP (its
// active candidate to the transport's passive one, RFC 6544); checks, DTLS, SRTP and SRTCP framed per RFC 4571, and
// tshark, link by link, reads them through test/support/rfc4571.lua.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tsharkAvailable } from '../../test/support/tshark.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario, type RunResult } from '../scenario/run.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';

type Obj = Record<string, unknown>;
let cached: RunResult | undefined;
const run = (): RunResult => (cached ??= runScenario(parseScenario(findPreset('mediasoup-pion-tcp')!.build())));
const app = (r: RunResult, kind: string, host: string): Obj => (r.summary.apps as Obj[]).find((a) => a.kind === kind && a.host === host)!;
const LUA = join(import.meta.dirname, '../../test/support/rfc4571.lua');
const dir = mkdtempSync(join(tmpdir(), 'rtclab-pion-tcp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mediasoup-pion-tcp: pion over ICE-TCP', () => {
  it("pion's selected pair and the transport's selected tuple are TCP; the path notes start at OnTcpConnectionPacketReceived", () => {
    const r = run();
    const pion = app(r, 'pion-client', 'gopher');
    expect((pion.ice as Obj).state).toBe('completed');
    expect(((pion.ice as Obj).selectedPair as Obj).protocol).toBe('tcp');
    expect((pion.dtls as Obj)).toMatchObject({ role: 'client', state: 'connected', fingerprintVerified: true });
    const t = (app(r, 'mediasoup-server', 'sfu').transports as Obj[]).find((x) => x.peer === 'gopher')!;
    expect((t.iceSelectedTuple as Obj).protocol).toBe('tcp');
    expect(t.dtlsRole).toBe('server');
    const path = r.trace.notes.filter((n) => n.kind === 'mediasoup.path' && n.data!.transport === t.id && /PacketReceived$/.test(String(n.data!.step)));
    expect(new Set(path.map((n) => n.data!.step))).toEqual(new Set(['WebRtcTransport::OnTcpConnectionPacketReceived']));
    // its UDP checks died at the firewall
    expect(r.trace.hops.some((h) => h.drop !== undefined && /firewall|blocked/i.test(h.drop))).toBe(true);
  });

  it("pion reads alice's two streams and alice reads pion's, with no loss", () => {
    const r = run();
    const reads = (app(r, 'pion-client', 'gopher').streams as Obj[]).filter((s) => s.direction === 'receive');
    expect(reads).toHaveLength(2);
    for (const s of reads) {
      expect(s.lost).toBe(0);
      expect(s.packets as number).toBeGreaterThan(50);
    }
    const room = (app(r, 'mediasoup-server', 'sfu').rooms as { consumers: Obj[] }[])[0]!;
    const got = ((app(r, 'mediasoup-client', 'alice').recvTransport as Obj).media as Obj[]).filter((m) => m.direction === 'receive');
    for (const c of room.consumers.filter((x) => x.peer === 'alice')) {
      const m = got.find((x) => x.ssrc === c.ssrc)!;
      expect(m.lost).toBe(0);
      expect(m.packets as number).toBeGreaterThan(50);
    }
  });

  it.skipIf(!tsharkAvailable() && !process.env['CI'])("tshark, link by link, reads the framed STUN, DTLS and SRTP of pion's connection: no malformed or warned frame", { timeout: 300_000 }, () => {
    const all = join(dir, 'pion-tcp.pcapng');
    writeFileSync(all, writePcapng(run().trace));
    const tshark = (args: string[]): string => execFileSync('tshark', ['-X', `lua_script:${LUA}`, '-d', 'tcp.port==40000,rfc4571ice', '-o', 'tcp.check_checksum:TRUE', ...args], { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 120_000 });
    const ids = [...new Set(tshark(['-r', all, '-Y', 'tcp.port == 40000', '-T', 'fields', '-e', 'frame.interface_id']).split('\n').filter(Boolean))];
    expect(ids.length).toBeGreaterThanOrEqual(3); // gopher's link, the firewall's uplink, the server's link
    for (const id of ids) {
      const one = join(dir, `if${id}.pcapng`);
      execFileSync('tshark', ['-r', all, '-Y', `frame.interface_id == ${id} && tcp.port == 40000`, '-w', one]);
      expect(tshark(['-r', one, '-Y', '_ws.malformed || _ws.expert.severity >= warning']), `link ${id}`).toBe('');
      const rows = tshark(['-r', one, '-T', 'fields', '-E', 'separator=|', '-e', 'rfc4571ice.class', '-e', 'dtls.handshake.type']).split('\n').filter(Boolean).map((l) => l.split('|'));
      const classes = new Set(rows.flatMap((x) => (x[0] ?? '').split(',')).filter(Boolean));
      expect([...classes], `link ${id}`).toEqual(expect.arrayContaining(['DTLS', 'RTP', 'SRTCP', 'STUN']));
      const handshake = rows.flatMap((x) => (x[1] ?? '').split(',')).filter(Boolean);
      for (const t of ['1', '2', '11', '14', '16', '20']) expect(handshake, `link ${id}`).toContain(t);
    }
  });
});
