// The rtp-sender app: plain RTP and RTCP in the clear from one port, as a PlainTransport producer (ffmpeg) sends.
// Every datagram it puts on the wire decodes as RTP or RTCP with its own SSRCs, sequence numbers step by one per
// stream, the SR carries its CNAME, the dissector names them, and the same seed gives the same bytes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dissectPacket } from '../dissect/dissect.ts';
import { parseScenario } from '../scenario/parse.ts';
import { runScenario } from '../scenario/run.ts';
import { ScenarioError } from '../schema/check.ts';
import { peekUdpDatagram, udpPayload } from '../wire/ip/udp-datagram.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { decodeRtcp } from '../wire/rtcp/rtcp.ts';
import { decodeRtp } from '../wire/rtp/rtp.ts';

const scenario = (app: Record<string, unknown> = {}, seed = 1) => ({
  name: 'rtp-sender',
  duration: '3s',
  seed,
  nodes: {
    internet: { kind: 'router' },
    server: { kind: 'host', uplink: 'internet', addresses: ['198.51.100.10/24'], link: { delay: '20ms' } },
    alice: { kind: 'host', uplink: 'internet', addresses: ['203.0.113.50/24'], link: { delay: '10ms' } },
  },
  apps: [
    { kind: 'udp-echo', host: 'server', listen: ['198.51.100.10:5004'] },
    { kind: 'rtp-sender', host: 'alice', bind: '203.0.113.50:5004', remote: '198.51.100.10:5004', media: { audio: true, video: { fps: 15 } }, ...app },
  ],
});

/** The UDP payloads alice sent, in order (each hop of the first link alice → internet). */
function sent(r: ReturnType<typeof runScenario>): Uint8Array[] {
  return r.trace.hops
    .filter((h) => h.from === 'alice')
    .map((h) => {
      const v = peekUdpDatagram(h.bytes);
      if ('error' in v) throw new Error(v.error);
      return udpPayload(h.bytes, v);
    });
}

describe('rtp-sender', () => {
  it('sends Opus and VP8 as plain RTP, one sequence per SSRC, and SR + SDES with its CNAME', () => {
    const r = runScenario(parseScenario(scenario()));
    const payloads = sent(r);
    const rtp = payloads.filter((p) => p[1]! < 200 || p[1]! > 206);
    const rtcp = payloads.filter((p) => p[1]! >= 200 && p[1]! <= 206);
    expect(rtp.length).toBeGreaterThan(150 + 45); // 3 s of 20 ms audio frames and 15 fps video (keyframes in several packets)
    const seqs = new Map<number, number[]>();
    const pts = new Set<number>();
    for (const p of rtp) {
      const d = decodeRtp(p);
      expect(d.problems).toEqual([]);
      pts.add(d.value.header.payloadType);
      seqs.set(d.value.header.ssrc, [...(seqs.get(d.value.header.ssrc) ?? []), d.value.header.sequenceNumber]);
    }
    expect([...pts].sort((x, y) => x - y)).toEqual([96, 111]);
    expect(seqs.size).toBe(2);
    for (const list of seqs.values()) list.forEach((s, i) => i > 0 && expect(s).toBe((list[i - 1]! + 1) & 0xffff));
    expect(rtcp.length).toBeGreaterThanOrEqual(2);
    const report = decodeRtcp(rtcp[0]!).value;
    expect(report.map((p) => p.type)).toEqual(['sr', 'sdes']);
    expect(JSON.stringify(report[1])).toContain('"alice"');
    const app = (r.summary.apps as { kind: string; streams?: { ssrc: number; packets: number }[]; rtcpSent?: number; received?: number }[])[1]!;
    expect(app.kind).toBe('rtp-sender');
    expect(app.streams!.map((s) => s.ssrc).sort()).toEqual([...seqs.keys()].sort());
    expect(app.streams!.reduce((n, s) => n + s.packets, 0)).toBe(rtp.length);
    expect(app.rtcpSent).toBe(rtcp.length);
    expect(app.received).toBeGreaterThan(0); // the echo's answers, counted
  });

  it('is named RTP and RTCP by the dissector, with no problem', () => {
    const r = runScenario(parseScenario(scenario()));
    const protocols = new Set<string>();
    for (const h of r.trace.hops.filter((x) => x.from === 'alice')) {
      const d = dissectPacket(h.bytes);
      expect(d.problems).toEqual([]);
      protocols.add(d.protocol);
    }
    expect([...protocols].sort()).toEqual(['RTCP', 'RTP']);
  });

  it('waits for startAt, and sends no RTCP when told not to', () => {
    const r = runScenario(parseScenario(scenario({ startAt: '2s', rtcp: false, media: { audio: true } })));
    const first = r.trace.hops.find((h) => h.from === 'alice')!;
    expect(first.t).toBe(2_000_000);
    expect(sent(r).every((p) => p[1]! < 200 || p[1]! > 206)).toBe(true);
  });

  it('gives the same bytes for the same seed and other SSRCs for another', () => {
    const a = sent(runScenario(parseScenario(scenario())));
    const b = sent(runScenario(parseScenario(scenario())));
    const c = sent(runScenario(parseScenario(scenario({}, 2))));
    expect(b).toEqual(a);
    expect(decodeRtp(c[0]!).value.header.ssrc).not.toBe(decodeRtp(a[0]!).value.header.ssrc);
  });

  it('names a bind address its host does not have', () => {
    expect(() => runScenario(parseScenario(scenario({ bind: '10.9.9.9:5004' })))).toThrow(ScenarioError);
    expect(() => runScenario(parseScenario(scenario({ bind: '10.9.9.9:5004' })))).toThrow(/apps\[1\]\.bind: 10\.9\.9\.9 is not an address of host alice/);
  });
});

const hasTshark = spawnSync('tshark', ['--version']).status === 0;

describe.skipIf(!hasTshark)('rtp-sender judged by tshark', () => {
  it('decodes every packet alice sends as RTP (Opus 111, VP8 96) or RTCP SR + SDES, none malformed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-rtp-'));
    try {
      const pcap = join(dir, 'rtp.pcapng');
      writeFileSync(pcap, writePcapng(runScenario(parseScenario(scenario()), { until: 1_500_000 }).trace));
      const run = (args: string[]): string => {
        const r = spawnSync('tshark', ['-r', pcap, '-d', 'udp.port==5004,rtp', ...args], { encoding: 'utf8', timeout: 60_000 });
        if (r.status !== 0) throw new Error(r.stderr);
        return r.stdout;
      };
      const lines = run(['-Y', 'ip.src==203.0.113.50', '-T', 'fields', '-e', 'frame.protocols', '-e', 'rtp.p_type', '-e', 'rtcp.pt']).replace(/\n$/, '').split('\n');
      expect(lines.length).toBeGreaterThan(50);
      for (const l of lines) expect(l).toMatch(/:(rtp|rtcp)\t(111|96)?\t(200,202)?$/);
      expect(lines.some((l) => l.endsWith('\t111\t'))).toBe(true);
      expect(lines.some((l) => l.endsWith('\t96\t'))).toBe(true);
      expect(lines.some((l) => l.endsWith('200,202'))).toBe(true);
      expect(run(['-Y', 'ip.src==203.0.113.50 && (_ws.malformed || _ws.expert.severity >= error)'])).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
