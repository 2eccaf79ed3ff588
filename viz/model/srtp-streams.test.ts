import { readFileSync, existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Hop, Trace } from '../../sim/core/trace.ts';
import type { DissectedPacket, Layer } from '../../sim/dissect/types.ts';
import type { RtpPacket } from '../../sim/wire/rtp/rtp.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { loadCapture } from './capture-load.ts';
import { dtlsStateAt } from './dtls-state.ts';
import { iceStateAt } from './ice-state.ts';
import { SrtpStreamCollector, srtpCountersAt, srtpStreamsOfTrace } from './srtp-streams.ts';

// SRTP stream counters derived from a call's packets with the trace's keys, and a capture's inferred notes filling
// the ICE and DTLS panels.

let call: Trace;
beforeAll(() => {
  const s = parseScenario(findPreset('call-p2p')!.build());
  call = runScenario({ ...s, duration: 4_000_000 } as typeof s).trace;
});

const END = 1e12;

describe('SRTP stream counters', () => {
  it('counts each direction of audio and video once, every received packet unprotected, none failing', () => {
    const table = srtpStreamsOfTrace(call);
    expect(table.decrypted).toBe(true);
    const rows = srtpCountersAt(table, END);
    const rtp = rows.filter((r) => r.stream.kind === 'SRTP');
    expect(rtp.map((r) => `${r.stream.media} ${r.stream.from}→${r.stream.to}`).sort()).toEqual(['audio alice→bob', 'audio bob→alice', 'video alice→bob', 'video bob→alice']);
    for (const { counters: c } of rtp) {
      expect(c.received).toBeGreaterThan(10);
      expect(c.unprotectedPackets).toBe(c.received);
      expect(c.protectedPackets).toBeGreaterThanOrEqual(c.received);
      expect(c.unprotectedBytes).toBeLessThan(c.protectedBytes);
      expect(c.authFailures + c.replayDrops + c.lost).toBe(0);
    }
  });

  it('shows nothing before the first SRTP packet and grows as the cursor moves on', () => {
    const table = srtpStreamsOfTrace(call);
    expect(srtpCountersAt(table, 0)).toEqual([]);
    const firstAt = Math.min(...table.samples.map((x) => x.t[0]!));
    const mid = srtpCountersAt(table, (firstAt + 4_000_000) / 2).find((r) => r.stream.media === 'video')!;
    const end = srtpCountersAt(table, END).find((r) => r.stream.ssrc === mid.stream.ssrc && r.stream.kind === 'SRTP')!;
    expect(srtpCountersAt(table, firstAt - 1)).toEqual([]);
    expect(mid.counters.protectedPackets).toBeGreaterThan(0);
    expect(end.counters.protectedPackets).toBeGreaterThan(mid.counters.protectedPackets);
  });

  it('counts authentication failures when the key log holds the wrong master secret', () => {
    const wrong: Trace = { ...call, secrets: call.secrets.map((s) => (s.kind === 'nss-keylog' ? { ...s, text: s.text.replace(/[0-9a-f]{96}$/i, '00'.repeat(48)) } : s)) };
    const rows = srtpCountersAt(srtpStreamsOfTrace(wrong), END).filter((r) => r.stream.kind === 'SRTP');
    expect(rows.length).toBe(4);
    for (const { counters: c } of rows) {
      expect(c.unprotectedPackets).toBe(0);
      expect(c.authFailures).toBeGreaterThan(10);
    }
  });

  it('counts a replayed packet as a replay drop and a dropped last hop as lost', () => {
    const table0 = srtpCountersAt(srtpStreamsOfTrace(call), END);
    const lastHops = new Map<number, Hop>();
    for (const h of call.hops) lastHops.set(h.packet, h);
    const media = [...lastHops.values()].filter((h) => h.to === 'bob' && h.bytes.length > 600);
    const victim = media[20]!;
    const replayed = media[30]!;
    const maxPacket = Math.max(...call.hops.map((h) => h.packet));
    const hops: Hop[] = call.hops.map((h) => (h.index === victim.index ? { ...h, drop: 'loss' } : h));
    hops.push({ ...replayed, index: hops.length, t: replayed.arrive + 1, arrive: replayed.arrive + 2, packet: maxPacket + 1 });
    const rows = srtpCountersAt(srtpStreamsOfTrace({ ...call, hops }), END);
    const before = table0.find((r) => r.stream.kind === 'SRTP' && r.stream.media === 'video' && r.stream.to === 'bob')!;
    const after = rows.find((r) => r.stream.ssrc === before.stream.ssrc && r.stream.kind === 'SRTP')!;
    // the copy enters on bob's LAN (its first hop is natB → bob): the receiver has already accepted that index
    const copy = rows.find((r) => r.stream.ssrc === before.stream.ssrc && r.stream.from === 'natB')!;
    expect(copy.counters.replayDrops).toBe(1);
    expect(copy.counters.unprotectedPackets).toBe(0);
    expect(after.counters.replayDrops).toBe(0);
    expect(after.counters.lost).toBe(1);
    expect(after.counters.received).toBe(before.counters.received - 1);
  });

  it('increments the rollover counter when the sequence number wraps (RFC 3711 §3.3.1)', () => {
    const c = new SrtpStreamCollector();
    const packet = (seq: number): DissectedPacket => {
      const layer: Layer = { protocol: 'SRTP', offset: 28, length: 100, summary: 'SRTP', fields: [], problems: [], value: { header: { ssrc: 0x1234, sequenceNumber: seq, payloadType: 111 } } as RtpPacket };
      return { layers: [layer], protocol: 'SRTP', summary: 'SRTP', src: 'a', dst: 'b', problems: [] };
    };
    [65534, 65535, 0, 1].forEach((seq, i) => c.observe(packet(seq), i, i, { first: true, last: true, delivered: true, from: 'a', to: 'b' }));
    const [row] = srtpCountersAt(c.table(), END);
    expect(row!.counters.roc).toBe(1);
    expect(row!.counters.received).toBe(4);
    expect(row!.counters.lost).toBe(0);
    expect(srtpCountersAt(c.table(), 1)[0]!.counters.roc).toBe(0);
  });
});

const CHROMIUM = '/work/shared/captures/chromium-loopback-call/chromium-host.pcapng';

describe.skipIf(!existsSync(CHROMIUM))('a real capture fills the panels from inferred notes', () => {
  it('Chromium loopback call: one agent with a selected pair, DTLS established, SRTP streams', () => {
    const { trace, srtp, warnings } = loadCapture(new Uint8Array(readFileSync(CHROMIUM)), 'chromium-host.pcapng');
    expect(warnings).toEqual([]);
    const agents = iceStateAt(trace.notes, END);
    expect(agents.length).toBeGreaterThan(0);
    const selected = agents.flatMap((a) => a.pairs.filter((p) => p.selected));
    expect(selected.length).toBeGreaterThan(0);
    expect(selected.every((p) => p.state === 'succeeded' && p.nominated)).toBe(true);
    // DTLS 1.3 without a key log: after the ServerHello the handshake is encrypted, so it is seen that far
    const dtls = dtlsStateAt(trace.notes, trace.secrets, END);
    expect(dtls).toHaveLength(1);
    expect(dtls[0]!.stateReason).toContain('DTLS 1.3 key-exchange');
    expect(dtls[0]!.flights.map((f) => f.what)).toEqual(['seen', 'seen']);
    expect(srtp.streams.filter((s) => s.kind === 'SRTP').length).toBeGreaterThanOrEqual(2);
  });
});

describe('unreadable captures', () => {
  it('a file that is not a capture is refused with what and where', () => {
    expect(() => loadCapture(new TextEncoder().encode('hello, this is not a capture at all'), 'notes.txt')).toThrow(/notes\.txt could not be read as pcap or pcapng \(error at byte 0: /);
  });
});
