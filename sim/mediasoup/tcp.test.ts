// mediasoup-room-tcp: the room of three behind firewalls that drop UDP. Each WebRtcTransport's passive TCP candidate
// (RFC 6544) carries checks, DTLS and SRTP framed per RFC 4571; tshark, link by link, reads them through
// test/support/rfc4571.lua into its own STUN, DTLS and RTP dissectors.
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
const run = (): RunResult => (cached ??= runScenario(parseScenario(findPreset('mediasoup-room-tcp')!.build())));
const app = (r: RunResult, kind: string, host?: string): Obj => (r.summary.apps as Obj[]).find((a) => a.kind === kind && (host === undefined || a.host === host))!;
const LUA = join(import.meta.dirname, '../../test/support/rfc4571.lua');
const dir = mkdtempSync(join(tmpdir(), 'rtclab-mediasoup-tcp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mediasoup-room-tcp: WebRtcTransport over TCP with UDP blocked', () => {
  it('createWebRtcTransport offers a UDP and a passive TCP candidate on one port number', () => {
    const r = run();
    const answer = r.trace.notes.find((n) => n.kind === 'mediasoup-client.sdp' && n.data!.type === 'answer' && n.data!.direction === 'send')!;
    const sdp = String(answer.data!.sdp);
    expect(sdp).toMatch(/a=candidate:\S+ 1 udp \d+ 198\.51\.100\.30 40000 typ host\r\n/);
    expect(sdp).toMatch(/a=candidate:\S+ 1 tcp \d+ 198\.51\.100\.30 40000 typ host tcptype passive\r\n/);
  });

  it('every transport selects a TCP tuple, connects DTLS and keys SRTP; every browser receives its four streams with no loss', () => {
    const r = run();
    const s = app(r, 'mediasoup-server');
    for (const t of s.transports as Obj[]) {
      expect(t.protocol).toBe('udp+tcp');
      expect((t.iceSelectedTuple as Obj).protocol).toBe('tcp');
      expect(t).toMatchObject({ iceState: 'completed', dtlsState: 'connected', fingerprintVerified: true, srtpFailures: 0 });
    }
    for (const me of ['alice', 'bob', 'carol']) {
      const got = ((app(r, 'mediasoup-client', me).recvTransport as Obj).media as Obj[]).filter((m) => m.direction === 'receive');
      expect(got).toHaveLength(4);
      for (const m of got) {
        expect(m.lost).toBe(0);
        expect(m.packets as number).toBeGreaterThan(m.kind === 'audio' ? 200 : 400);
      }
    }
    // the UDP checks died at the firewalls
    expect(r.trace.notes.some((n) => /blocked outbound UDP/.test(n.text))).toBe(true);
    const path = r.trace.notes.filter((n) => n.kind === 'mediasoup.path' && /PacketReceived$/.test(String(n.data!.step)));
    expect(new Set(path.map((n) => n.data!.step))).toEqual(new Set(['WebRtcTransport::OnTcpConnectionPacketReceived']));
  });

  it.skipIf(!tsharkAvailable() && !process.env['CI'])('tshark, link by link, reads the framed STUN, DTLS and SRTP on alice\'s send transport: no malformed or warned frame', { timeout: 300_000 }, () => {
    const r = runScenario(parseScenario(findPreset('mediasoup-room-tcp')!.build()), { until: 2_000_000 });
    const all = join(dir, 'room-tcp.pcapng');
    writeFileSync(all, writePcapng(r.trace));
    const tshark = (args: string[]): string => execFileSync('tshark', ['-X', `lua_script:${LUA}`, '-d', 'tcp.port==40000,rfc4571ice', '-o', 'tcp.check_checksum:TRUE', ...args], { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 120_000 });
    const ids = [...new Set(tshark(['-r', all, '-Y', 'tcp.port == 40000', '-T', 'fields', '-e', 'frame.interface_id']).split('\n').filter(Boolean))];
    expect(ids.length).toBeGreaterThanOrEqual(3); // alice's LAN, the firewall's uplink, the server's link
    for (const id of ids) {
      const one = join(dir, `if${id}.pcapng`);
      execFileSync('tshark', ['-r', all, '-Y', `frame.interface_id == ${id} && tcp.port == 40000`, '-w', one]);
      expect(tshark(['-r', one, '-Y', '_ws.malformed || _ws.expert.severity >= warning']), `link ${id}`).toBe('');
      const rows = tshark(['-r', one, '-T', 'fields', '-E', 'separator=|', '-e', 'rfc4571ice.class', '-e', 'dtls.handshake.type']).split('\n').filter(Boolean).map((l) => l.split('|'));
      const classes = new Set(rows.flatMap((x) => (x[0] ?? '').split(',')).filter(Boolean));
      expect([...classes], `link ${id}`).toEqual(expect.arrayContaining(['DTLS', 'RTP', 'STUN']));
      const handshake = rows.flatMap((x) => (x[1] ?? '').split(',')).filter(Boolean);
      for (const t of ['1', '2', '11', '14', '16', '20']) expect(handshake, `link ${id}`).toContain(t);
    }
  });
});
