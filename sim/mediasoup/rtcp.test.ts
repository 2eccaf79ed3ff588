// RTCP in mediasoup-server's router (sim/sfu/media-plane.ts installed on every room's router), judged on
// mediasoup-room-lossy: carol's link loses 5% both ways. Her receive PC NACKs and the consumers answer on their RTX
// streams; the router NACKs what it lost from her and her browser's RTX restores it; keyframe requests coalesce;
// reports give scores and RTT; every SRTCP packet on the server's link opens with our key log and tshark reads each
// decrypted compound with no malformed packet.
import { describe, expect, it } from 'vitest';
import { linkRtcp, tsharkRtcp } from '../../test/support/rtcp-wire.ts';
import { tsharkAvailable } from '../../test/support/tshark.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { mediasoupSummaryLines } from './summary.ts';
import { runScenario, type RunResult } from '../scenario/run.ts';

type Obj = Record<string, unknown>;
let cached: RunResult | undefined;
const run = (): RunResult => (cached ??= runScenario(parseScenario(findPreset('mediasoup-room-lossy')!.build())));
const app = (r: RunResult, kind: string, host: string): Obj => (r.summary.apps as Obj[]).find((a) => a.kind === kind && a.host === host)!;
const room = (r: RunResult): { producers: Obj[]; consumers: Obj[] } => (app(r, 'mediasoup-server', 'sfu').rooms as { producers: Obj[]; consumers: Obj[] }[])[0]!;
const received = (r: RunResult, who: string): Obj[] => ((app(r, 'mediasoup-client', who).recvTransport as Obj).media as Obj[]).filter((m) => m.direction === 'receive');
const sent = (r: RunResult, who: string): Obj[] => ((app(r, 'mediasoup-client', who).sendTransport as Obj).media as Obj[]).filter((m) => m.direction === 'send');
const n = (v: unknown): number => v as number;

describe('mediasoup-room-lossy: RTCP in the router', () => {
  it("carol's receive PC NACKs what she lost; each video consumer retransmits from the producer's buffer on its RTX SSRC, and she restores it", () => {
    const r = run();
    const toCarol = room(r).consumers.filter((c) => c.peer === 'carol' && c.kind === 'video');
    expect(toCarol).toHaveLength(2);
    for (const c of toCarol) {
      expect(n(c.nackPacketCount)).toBeGreaterThan(10);
      expect(n(c.packetsRetransmitted)).toBeGreaterThan(10);
      expect(n(c.packetsRetransmitted) + n(c.retransmitMissing)).toBeLessThanOrEqual(n(c.nackPacketCount));
      expect(typeof c.rtxSsrc).toBe('number');
      const rx = received(r, 'carol').find((m) => m.ssrc === c.ssrc)!;
      expect(n(rx.rtxReceived)).toBeGreaterThan(10);
      expect(n(rx.rtxReceived) + n(rx.rtxDuplicates ?? 0)).toBeLessThanOrEqual(n(c.packetsRetransmitted));
      expect(n(rx.lost)).toBeLessThan(n(rx.packets) * 0.01);
    }
    // Opus has no NACK: carol's audio keeps its losses; alice and bob lose nothing of each other's
    for (const a of received(r, 'carol').filter((m) => m.kind === 'audio')) expect(n(a.lost)).toBeGreaterThan(0);
    for (const [me, other] of [['alice', 'bob'], ['bob', 'alice']] as const) {
      for (const c of room(r).consumers.filter((x) => x.peer === me && x.producerPeer === other)) expect(received(r, me).find((m) => m.ssrc === c.ssrc)!.lost).toBe(0);
    }
  });

  it("the router NACKs what it lost from carol's producer; her browser's RTX (encodings[0].rtx from produce) restores it", () => {
    const r = run();
    const p = room(r).producers.find((x) => x.peer === 'carol' && x.kind === 'video')!;
    expect(n(p.nackPacketCount)).toBeGreaterThan(10);
    expect(n(p.rtxPacketsReceived)).toBeGreaterThan(10);
    expect(n(p.packetsLost)).toBeLessThan(n(p.packetsReceived) * 0.01);
    const tx = sent(r, 'carol').find((m) => m.kind === 'video')!;
    expect(tx.ssrc).toBe(p.ssrc);
    expect(n(tx.nackReceived)).toBeGreaterThan(0);
    expect(n(tx.nackReceived)).toBeLessThanOrEqual(n(p.nackCount));
    expect(n(tx.retransmitted)).toBeGreaterThanOrEqual(n(p.rtxPacketsReceived));
  });

  it('a video consumer that starts asks for a keyframe (PLI); one while a request is pending is absorbed', () => {
    const r = run();
    const asked = r.trace.notes.filter((x) => x.kind === 'sfu.keyframe.requested');
    const absorbed = r.trace.notes.filter((x) => x.kind === 'sfu.keyframe.coalesced');
    expect(asked.filter((x) => /^consumer \S+ starts$/.test(String(x.data!.reason))).length).toBeGreaterThanOrEqual(3);
    expect(absorbed.length).toBeGreaterThanOrEqual(1);
    for (const p of room(r).producers.filter((x) => x.kind === 'video')) {
      expect(n(p.pliCount)).toBe(asked.filter((x) => x.data!.producer === p.id).length);
      expect(n(p.keyFrameRequestsCoalesced)).toBe(absorbed.filter((x) => x.data!.producer === p.id).length);
      expect(n(sent(r, String(p.peer)).find((m) => m.kind === 'video')!.keyframesRequested)).toBeGreaterThanOrEqual(1);
    }
  });

  it("each consumer's receiver reports give its loss, RTT and score; carol's audio scores below 10, the others' streams 10; REMB to every sender", () => {
    const r = run();
    const { producers, consumers } = room(r);
    for (const c of consumers) {
      expect(c.fractionLost).toBeDefined();
      expect(n(c.rttMs)).toBeGreaterThan(20);
      expect(n(c.rttMs)).toBeLessThan(200);
      expect(n(c.producerScore)).toBe(n(producers.find((p) => p.id === c.producer)!.score));
    }
    expect(n(producers.find((p) => p.peer === 'carol' && p.kind === 'audio')!.score)).toBeLessThan(10);
    for (const c of consumers.filter((x) => x.peer !== 'carol' && x.producerPeer !== 'carol')) expect(n(c.score)).toBe(10);
    for (const who of ['alice', 'bob', 'carol']) expect(n(sent(r, who).find((m) => m.kind === 'video')!.rembBps)).toBeGreaterThan(100_000);
    // REMB goes on the transports that receive video (the send transports); the receive transports get SRs
    for (const t of app(r, 'mediasoup-server', 'sfu').transports as Obj[]) expect(n(t.rembSent), `${String(t.peer)} ${String(t.direction)}`)[t.direction === 'send' ? 'toBeGreaterThan' : 'toBe'](t.direction === 'send' ? 3 : 0);
  });

  it('rtclab run names the RTCP figures in mediasoup terms (score, NACKed, retransmitted, PLI)', () => {
    const lines = mediasoupSummaryLines(app(run(), 'mediasoup-server', 'sfu') as Parameters<typeof mediasoupSummaryLines>[0]);
    const carolVideo = lines.filter((l) => /consumer \S+ \S+ → carol video/.test(l));
    expect(carolVideo).toHaveLength(2);
    for (const l of carolVideo) expect(l).toMatch(/; score \d+, NACKed \d+, \d+ retransmitted, \d+ PLI, \d+ FIR, rtt \d+\.\d ms$/);
    expect(lines.find((l) => /producer \S+ carol video/.test(l))).toMatch(/NACKed \d+, \d+ restored, \d+ PLI \(\d+ coalesced\), \d+ keyframes/);
  });
});

describe('mediasoup-room-lossy on the wire', () => {
  it('every SRTP and SRTCP packet on the server link opens with our key log; SR, RR, SDES, NACK, PLI, REMB and RTX are there', () => {
    const w = linkRtcp(run(), /sfu/);
    expect(w.link).toBeGreaterThanOrEqual(0);
    expect(w.problems).toEqual([]);
    expect(w.unopened).toBe(0);
    const types = new Set(w.compounds.flatMap((c) => c.packets.map((p) => p.type)));
    for (const t of ['sr', 'rr', 'sdes', 'nack', 'pli', 'remb']) expect(types).toContain(t);
    expect(w.rtx).toBeGreaterThan(20);
  });

  it.runIf(tsharkAvailable())('tshark reads every decrypted compound with no malformed packet, the same packet types, NACKs and PLIs', () => {
    const w = linkRtcp(run(), /sfu/);
    const t = tsharkRtcp(w.compounds);
    const pt: Record<string, number> = { sr: 200, rr: 201, sdes: 202, bye: 203, nack: 205, pli: 206, remb: 206, fir: 206 };
    expect(t.types).toEqual(w.compounds.map((c) => c.packets.map((p) => pt[p.type])));
    expect(t.malformed).toEqual([]);
    expect(t.errors).toEqual([]);
    expect(t.nacks).toBe(w.compounds.reduce((s, c) => s + c.packets.filter((p) => p.type === 'nack').length, 0));
    expect(t.plis).toBe(w.compounds.reduce((s, c) => s + c.packets.filter((p) => p.type === 'pli').length, 0));
    expect(t.nacks).toBeGreaterThan(20);
  });
});
