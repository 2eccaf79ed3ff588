import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { concatBytes, toHex } from '../../sim/core/encoding.ts';
import { Dissector } from '../../sim/dissect/dissector.ts';
import { dissectPacket } from '../../sim/dissect/dissect.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { encodeTcpSegment } from '../../sim/wire/tcp/tcp.ts';
import { AttrType, Data, Method, XorPeerAddress, encodeChannelData, encodeStun, type ChannelData, type StunMessage } from '../../sim/wire/stun/index.ts';
import { tsharkAvailable, tsharkFields } from '../../test/support/tshark.ts';
import { loadCapture } from './capture-load.ts';
import { hopBytes, packTrace } from './packed.ts';
import { computeRelations, RelationFinder, relationObserver, type Relation } from './relations.ts';
import { passOverTrace } from './trace-pass.ts';
import { TurnTcpStreams } from './turn-tcp-streams.ts';

// The `relayed` relation over TURN over TCP (RFC 8656 §12.5: the client talks to its server over TCP, STUN messages
// and ChannelData padded to 4 back to back in the stream; the server relays over UDP): the client's leg is a TCP
// segment, the peer's leg a UDP datagram from or to the relayed address. Every relation is checked against the
// stateful dissector's own reading of the TCP segment (its TCP reassembly and framing), so a wrong link fails.

function run(name: string, until?: number) {
  const s = parseScenario(findPreset(name)!.build());
  const trace = runScenario(until ? ({ ...s, duration: until } as typeof s) : s).trace;
  return { trace, p: packTrace(trace) };
}

/** What each client-leg TCP hop carries for a peer, as the stateful dissector reads it (every message it completes). */
function carriedOverTcp(trace: ReturnType<typeof run>['trace']): Map<number, string[]> {
  const d = new Dissector();
  const out = new Map<number, string[]>();
  trace.hops.forEach((h, i) => {
    const pk = d.packet(h.bytes);
    if (pk.flow?.transport !== 'TCP') return;
    for (const l of pk.layers) {
      let data: Uint8Array | undefined;
      if (l.protocol === 'TURN-CHANNELDATA' && l.value) data = (l.value as ChannelData).data;
      else if (l.protocol === 'STUN' && l.value && (l.value.method === Method.Send || l.value.method === Method.Data) && l.value.class === 'indication') data = (l.value as StunMessage).attributes.find((a) => a.type === AttrType.Data)?.value as Uint8Array | undefined;
      if (data) out.set(i, [...(out.get(i) ?? []), toHex(data)]);
    }
  });
  return out;
}

/** The UDP payload of a hop (the peer's leg). */
function udpPayload(bytes: Uint8Array): string {
  const udp = dissectPacket(bytes).layers.find((l) => l.protocol === 'UDP')!;
  return toHex(bytes.subarray(udp.offset + 8, udp.offset + udp.length));
}

/** Checks each relayed relation whose client leg is TCP: the same bytes on both legs; returns them. */
function checkTcpLegs(r0: ReturnType<typeof run>, rels: readonly Relation[]): Relation[] {
  const { trace, p } = r0;
  const carried = carriedOverTcp(trace);
  const overTcp = rels.filter((r) => r.kind === 'relayed' && (carried.has(r.cause) || carried.has(r.effect)));
  for (const r of overTcp) {
    const up = carried.has(r.cause);
    const [client, peer] = up ? [r.cause, r.effect] : [r.effect, r.cause];
    expect(carried.get(client), r.detail).toContain(udpPayload(hopBytes(p, peer)));
    expect(r.detail).toMatch(up ? / to / : / from /);
    expect(p.t[r.effect]!).toBeGreaterThan(p.t[r.cause]!);
  }
  return overTcp;
}

describe('relayed legs over TURN over TCP', () => {
  it('turn-tcp-relay: the Send indication, Data indication and ChannelData both ways, each joined to its UDP leg', () => {
    const r = run('turn-tcp-relay');
    const rels = computeRelations(r.p).filter((x) => x.kind === 'relayed');
    expect(rels.map((x) => x.detail.replace(/ [\d.:]+$/, ''))).toEqual(['Send indication to', 'Data indication from', 'ChannelData 0x4000 to', 'ChannelData 0x4000 from']);
    expect(checkTcpLegs(r, rels).length).toBe(4);
  });

  it('call-turn-tcp (6 s): every ChannelData over TCP both ways meets its UDP leg, several in one segment included; the same relations from the one pass', () => {
    const r = run('call-turn-tcp', 6_000_000);
    const rels = computeRelations(r.p);
    const overTcp = checkTcpLegs(r, rels);
    // every message the dissector reads in the client's TCP stream (1602), but the few whose other leg lies past
    // the trace's end (12: the last milliseconds' media)
    const carried = carriedOverTcp(r.trace);
    const total = [...carried.values()].reduce((n, l) => n + l.length, 0);
    expect(overTcp.length).toBeGreaterThanOrEqual(total - 20);
    expect(overTcp.length).toBeGreaterThan(1000);
    // segments carrying several ChannelData messages: each message its own relation
    const perCause = new Map<number, number>();
    for (const x of overTcp) perCause.set(x.cause, (perCause.get(x.cause) ?? 0) + 1);
    expect(Math.max(...perCause.values())).toBeGreaterThan(1);
    const f = new RelationFinder(r.p);
    passOverTrace(r.trace, [relationObserver(f)]);
    expect(f.finish()).toEqual(rels);
  }, 120_000);

  it('call-turn-tls-443: TURN over TLS is not read (its records are encrypted), so nothing is joined over it', () => {
    const r = run('call-turn-tls-443', 6_000_000);
    const tcpCauses = computeRelations(r.p).filter((x) => x.kind === 'relayed' && dissectPacket(hopBytes(r.p, x.cause)).flow?.transport === 'TCP');
    expect(tcpCauses).toEqual([]);
  }, 120_000);
});

describe('reading a TURN client’s TCP stream', () => {
  const client = '192.0.2.10';
  const server = '198.51.100.1';
  const seg = (seq: number, payload: Uint8Array, flags: ('SYN' | 'ACK' | 'PSH' | 'FIN')[] = ['ACK', 'PSH']) =>
    encodeTcpSegment({ src: client, dst: server, srcPort: 50000, dstPort: 3478, sequenceNumber: seq, flags, payload });
  const send = encodeStun(
    { method: Method.Send, class: 'indication', transactionId: new Uint8Array(12).fill(7), attributes: [XorPeerAddress.of({ ip: '203.0.113.5', port: 9 }), Data.of(new Uint8Array([1, 2, 3]))] },
    {},
  );
  const cd = encodeChannelData({ channel: 0x4000, data: new Uint8Array([9, 8, 7, 6, 5]) }, { transport: 'tcp' });

  it('a message split over two segments, then two in one (ChannelData padded to 4), a retransmission read once', () => {
    const s = new TurnTcpStreams();
    expect(s.segment(seg(1000, new Uint8Array(0), ['SYN']))!.units).toEqual([]);
    expect(s.segment(seg(1001, send.subarray(0, 10)))!.units).toEqual([]);
    const first = s.segment(seg(1011, send.subarray(10)))!;
    expect(first.src).toBe(`${client}:50000`);
    expect(first.units.map((u) => u.kind)).toEqual(['stun']);
    const two = concatBytes(cd, cd);
    expect(cd.length).toBe(12);
    const next = s.segment(seg(1001 + send.length, two))!.units;
    expect(next.map((u) => (u.kind === 'channel-data' ? toHex(u.channelData.data) : u.kind))).toEqual(['0908070605', '0908070605']);
    // the same bytes again (a retransmission): nothing new
    expect(s.segment(seg(1001 + send.length, two))!.units).toEqual([]);
  });

  it('out-of-order segments are read in stream order, nothing past a hole is read (no guessing at boundaries); a stream that is not STUN framing is left alone', () => {
    const s = new TurnTcpStreams();
    s.segment(seg(1000, new Uint8Array(0), ['SYN']));
    // RFC 8656 §12.5: a client's stream starts with a STUN message (its Allocate); ChannelData follows
    expect(s.segment(seg(1001, concatBytes(send, cd)))!.units.length).toBe(2);
    const after = 1001 + send.length + cd.length;
    // out of order: held until the gap before it fills, then both read in stream order
    expect(s.segment(seg(after + cd.length, cd))!.units).toEqual([]);
    expect(s.segment(seg(after, cd))!.units.length).toBe(2);
    // a segment never seen: nothing after it is read
    expect(s.segment(seg(after + 3 * cd.length, cd))!.units).toEqual([]);
    expect(s.segment(seg(after + 4 * cd.length, cd))!.units).toEqual([]);
    const tls = new TurnTcpStreams();
    tls.segment(seg(1000, new Uint8Array(0), ['SYN']));
    expect(tls.segment(seg(1001, concatBytes(new Uint8Array([0x16, 3, 1, 0, 8]), new Uint8Array(8), cd)))!.units).toEqual([]);
    expect(tls.segment(seg(1014 + cd.length, cd))!.units).toEqual([]);
    // not TCP at all: undefined
    expect(new TurnTcpStreams().segment(new Uint8Array([0x45, 0, 0]))).toBeUndefined();
  });
});

describe.skipIf(!tsharkAvailable())('relayed legs over TCP in a real capture (coturn 4.6, turnutils_uclient -t)', () => {
  it('every Send/Data indication and ChannelData tshark finds in the TCP stream meets its UDP leg on the relay', () => {
    const file = new URL('../../captures/stun-turn-tcp/stun-turn-tcp.pcapng', import.meta.url).pathname;
    const loaded = loadCapture(new Uint8Array(readFileSync(file)), 'stun-turn-tcp.pcapng');
    const q = packTrace(loaded.trace);
    const frames = tsharkFields(file, ['frame.number'], { filter: 'tcp && (stun.type == 0x0016 || stun.type == 0x0017 || stun.channel)' }).map((r) => Number(r[0]));
    expect(q.n).toBe(tsharkFields(file, ['frame.number']).length);
    expect(frames.length).toBe(28);
    const rels = loaded.relations(q).filter((r) => r.kind === 'relayed');
    // one hop per frame, in order: the client leg of each relation is one of tshark's frames, and each of those is
    // joined once; the other leg is a UDP datagram carrying the same bytes
    const clientLegs = rels.map((r) => (frames.includes(r.cause + 1) ? r.cause : r.effect));
    expect(clientLegs.map((h) => h + 1).sort((a, b) => a - b)).toEqual(frames);
    for (const r of rels) {
      const peer = clientLegs.includes(r.cause) ? r.effect : r.cause;
      expect(dissectPacket(hopBytes(q, peer)).flow?.transport, r.detail).toBe('UDP');
      expect(q.t[r.effect]!).toBeGreaterThanOrEqual(q.t[r.cause]!);
    }
    expect(new Set(rels.map((r) => r.detail.replace(/ [\d.:]+$/, '')))).toEqual(new Set(['Send indication to', 'Data indication from', 'ChannelData 0x689e to', 'ChannelData 0x689e from']));
  }, 60_000);
});
