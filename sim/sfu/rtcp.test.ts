// RTCP in the router, judged on call-sfu-lossy (a room of three, carol's link losing 5% both ways): NACK answered
// from the producer's buffer as RTX, the SFU's own NACKs upstream answered by carol's browser, keyframe requests
// with coalescing, reports and scores; and the wire: every SRTCP packet opens with our key log, and tshark reads
// each decrypted compound (SR, RR, SDES, NACK, PLI, REMB) with no malformed packet and the same packet types.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsharkAvailable } from '../../test/support/tshark.ts';
import { linkRtcp, type LinkRtcp } from '../../test/support/rtcp-wire.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario, type RunResult } from '../scenario/run.ts';
import { encodeIPv4 } from '../wire/ip/ipv4.ts';
import { encodeUdp } from '../wire/ip/udp.ts';
import { writePcap } from '../wire/pcap/pcap-writer.ts';

type Obj = Record<string, number | string | undefined>;
type Stream = { direction: string; kind: string; ssrc: number; packets: number; lost?: number } & Record<string, number | string | undefined>;

let cached: RunResult | undefined;
const run = (): RunResult => (cached ??= runScenario(parseScenario(findPreset('call-sfu-lossy')!.build())));
const sfu = (r: RunResult) => (r.summary.sfu as Record<string, { transports: Obj[]; producers: Obj[]; consumers: Obj[] }>)['sfu/sfu']!;
const media = (r: RunResult, who: string): Stream[] => (r.summary.media as unknown as Record<string, Stream[]>)[`${who}/sfu-client`]!;
const n = (v: unknown): number => v as number;

describe('call-sfu-lossy: RTCP in the router', () => {
  it("carol's receivers NACK what she lost; the SFU answers from the producer's buffer as RTX and her browser restores the packets", () => {
    const r = run();
    const s = sfu(r);
    const toCarol = s.consumers.filter((c) => c.peer === 'carol' && c.kind === 'video');
    expect(toCarol).toHaveLength(2);
    for (const c of toCarol) {
      expect(n(c.nackPacketCount)).toBeGreaterThan(10);
      expect(n(c.packetsRetransmitted)).toBeGreaterThan(10);
      expect(n(c.packetsRetransmitted) + n(c.retransmitMissing)).toBeLessThanOrEqual(n(c.nackPacketCount));
      const rx = media(r, 'carol').find((m) => m.direction === 'receive' && m.ssrc === c.ssrc)!;
      expect(n(rx.nackSent)).toBeGreaterThanOrEqual(n(c.nackPacketCount)); // some NACKs are lost on her uplink
      expect(n(rx.rtxReceived)).toBeGreaterThan(10);
      expect(n(rx.rtxReceived) + n(rx.rtxDuplicates)).toBeLessThanOrEqual(n(c.packetsRetransmitted));
      // what is still missing is what was lost in the last round trip or given up: a few packets out of hundreds
      expect(rx.lost!).toBeLessThan(rx.packets * 0.01);
    }
    // Opus has no NACK: carol's audio keeps its losses; alice and bob lose nothing of each other's video
    for (const a of media(r, 'carol').filter((m) => m.direction === 'receive' && m.kind === 'audio')) {
      expect(a.lost!).toBeGreaterThan(0);
      expect(a.nackSent).toBeUndefined();
    }
    for (const [me, other] of [['alice', 'bob'], ['bob', 'alice']] as const) {
      const c = s.consumers.find((x) => x.peer === me && x.producerPeer === other && x.kind === 'video')!;
      expect(media(r, me).find((m) => m.ssrc === c.ssrc)!.nackSent).toBe(0);
    }
    // what the SFU itself lost from carol reaches alice and bob late, after its own NACK: they may ask first, and
    // the buffer does not have it yet (retransmitMissing); the recovered packet then arrives as ordinary RTP
    for (const c of s.consumers.filter((x) => x.producerPeer === 'carol' && x.kind === 'video')) {
      const rx = media(r, String(c.peer)).find((m) => m.ssrc === c.ssrc)!;
      expect(rx.lost!).toBeLessThan(rx.packets * 0.01);
    }
  });

  it('the SFU NACKs what it lost from carol on the way up, and her browser retransmits it as RTX', () => {
    const r = run();
    const p = sfu(r).producers.find((x) => x.peer === 'carol' && x.kind === 'video')!;
    expect(n(p.nackPacketCount)).toBeGreaterThan(10);
    expect(n(p.rtxPacketsReceived)).toBeGreaterThan(10);
    expect(n(p.packetsLost)).toBeLessThan(n(p.packetsReceived) * 0.01);
    const tx = media(r, 'carol').find((m) => m.direction === 'send' && m.kind === 'video')!;
    expect(tx.ssrc).toBe(p.ssrc);
    expect(n(tx.nackReceived)).toBeGreaterThan(n(p.nackCount) * 0.8);
    expect(n(tx.nackReceived)).toBeLessThanOrEqual(n(p.nackCount));
    expect(n(tx.retransmitted)).toBeGreaterThanOrEqual(n(p.rtxPacketsReceived));
  });

  it('a video consumer that starts asks its producer for a keyframe; a PLI while one is pending is absorbed; the browser sends one', () => {
    const r = run();
    const s = sfu(r);
    const asked = r.trace.notes.filter((x) => x.kind === 'sfu.keyframe.requested');
    const absorbed = r.trace.notes.filter((x) => x.kind === 'sfu.keyframe.coalesced');
    expect(asked.filter((x) => /^consumer c\d+ starts$/.test(String(x.data!.reason))).length).toBeGreaterThanOrEqual(3);
    expect(absorbed.length).toBeGreaterThanOrEqual(1);
    for (const p of s.producers.filter((x) => x.kind === 'video')) {
      expect(n(p.pliCount)).toBe(asked.filter((x) => x.data!.producer === p.id).length);
      expect(n(p.keyFrameRequestsCoalesced)).toBe(absorbed.filter((x) => x.data!.producer === p.id).length);
      const tx = media(r, String(p.peer)).find((m) => m.direction === 'send' && m.kind === 'video')!;
      expect(n(tx.pliReceived)).toBeLessThanOrEqual(n(p.pliCount));
      expect(n(tx.keyframesRequested)).toBeGreaterThanOrEqual(1);
      expect(n(p.keyFrames)).toBeGreaterThanOrEqual(n(tx.keyframes) - 1); // the last may be in flight
    }
    const browserPli = s.consumers.reduce((t, c) => t + n(c.pliCount), 0);
    expect(browserPli).toBeGreaterThanOrEqual(1);
  });

  it("reports: each consumer's receiver report gives loss, jitter, RTT and a score; producers' scores follow their loss", () => {
    const r = run();
    const s = sfu(r);
    for (const c of s.consumers) {
      expect(c.fractionLost).toBeDefined();
      expect(n(c.rttMs)).toBeGreaterThan(20);
      expect(n(c.rttMs)).toBeLessThan(200);
      expect(n(c.producerScore)).toBe(n(s.producers.find((p) => p.id === c.producer)!.score));
    }
    // carol's audio (unrepaired loss) scores below 10 both ways; alice's and bob's streams to each other stay at 10
    expect(n(s.producers.find((p) => p.peer === 'carol' && p.kind === 'audio')!.score)).toBeLessThan(10);
    for (const c of s.consumers.filter((x) => x.peer === 'carol' && x.kind === 'audio')) expect(n(c.score)).toBeLessThan(10);
    for (const c of s.consumers.filter((x) => x.peer !== 'carol' && x.producerPeer !== 'carol')) expect(n(c.score)).toBe(10);
    // REMB reaches every video sender
    for (const who of ['alice', 'bob', 'carol']) expect(n(media(r, who).find((m) => m.direction === 'send' && m.kind === 'video')!.rembBps)).toBeGreaterThan(100_000);
    for (const t of s.transports) expect(n(t.rembSent)).toBeGreaterThan(3);
  });
});

/** Every decrypted RTCP compound seen on the SFU's own link (one vantage point), with the RTX packets' payload types. */
function sfuLinkRtcp(r: RunResult): LinkRtcp {
  const w = linkRtcp(r, /sfu/);
  expect(w.link).toBeGreaterThanOrEqual(0);
  return w;
}

describe('call-sfu-lossy on the wire', () => {
  it('every SRTP and SRTCP packet on the SFU link opens with our key log; the feedback and the RTX are there', () => {
    const w = sfuLinkRtcp(run());
    expect(w.problems).toEqual([]);
    expect(w.unopened).toBe(0);
    const types = new Set(w.compounds.flatMap((c) => c.packets.map((p) => p.type)));
    for (const t of ['sr', 'rr', 'sdes', 'nack', 'pli', 'remb']) expect(types).toContain(t);
    expect(w.rtx).toBeGreaterThan(20);
  });

  it.runIf(tsharkAvailable())('tshark reads every decrypted compound (SR, RR, SDES, NACK, PLI, REMB) with no malformed packet', () => {
    const w = sfuLinkRtcp(run());
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-rtcp-'));
    try {
      const file = join(dir, 'rtcp.pcap');
      // each compound as the payload of a UDP datagram to port 5005, which tshark is told is RTCP
      const frames = w.compounds.map((c, i) => ({ seconds: i, fraction: 0, data: encodeIPv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17 }, encodeUdp({ srcPort: 5005, dstPort: 5005 }, c.plain)) }));
      writeFileSync(file, writePcap(frames, { linkType: 101 }));
      const rows = execFileSync('tshark', ['-r', file, '-n', '-d', 'udp.port==5005,rtcp', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-e', 'rtcp.pt', '-e', 'rtcp.rtpfb.fmt', '-e', 'rtcp.psfb.fmt', '-e', '_ws.malformed', '-e', '_ws.expert.severity'], { encoding: 'utf8', maxBuffer: 64 << 20 })
        .trim()
        .split('\n')
        .map((l) => l.split('\t'));
      expect(rows).toHaveLength(w.compounds.length);
      const pt: Record<string, number> = { sr: 200, rr: 201, sdes: 202, nack: 205, pli: 206, remb: 206, fir: 206, bye: 203 };
      let nacks = 0;
      let plis = 0;
      rows.forEach((row, i) => {
        expect(row[0]!.split(',').map(Number), `compound ${i}`).toEqual(w.compounds[i]!.packets.map((p) => pt[p.type]));
        expect(row[3] ?? '', `compound ${i} malformed`).toBe('');
        // expert severities: none at error level (tshark's error severity is 8388608, 0x800000)
        for (const sev of (row[4] ?? '').split(',').filter((x) => x)) expect(Number(sev), `compound ${i} expert`).toBeLessThan(0x800000);
        nacks += (row[1] ?? '').split(',').filter((f) => f === '1').length;
        plis += (row[2] ?? '').split(',').filter((f) => f === '1').length;
      });
      expect(nacks).toBe(w.compounds.reduce((t, c) => t + c.packets.filter((p) => p.type === 'nack').length, 0));
      expect(plis).toBe(w.compounds.reduce((t, c) => t + c.packets.filter((p) => p.type === 'pli').length, 0));
      expect(nacks).toBeGreaterThan(20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
