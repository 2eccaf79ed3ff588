import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../sim/core/encoding.ts';
import { dissectPacket } from '../../sim/dissect/dissect.ts';
import type { DissectedRecord } from '../../sim/wire/dtls/datagram.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { applySet } from '../../sim/scenario/set.ts';
import { AttrType, Method, type ChannelData, type StunMessage } from '../../sim/wire/stun/index.ts';
import { loadCapture } from './capture-load.ts';
import { hopBytes, packTrace, type PackedTrace } from './packed.ts';
import { computeRelations, describeRelation, relationsByPacket, type Relation } from './relations.ts';
import { TurnTcpStreams } from './turn-tcp-streams.ts';

// Cause and effect on real simulated traces: every relation is checked against the dissector's own view of the
// two datagrams it joins (transaction ids, channel numbers, cookies), so a wrong link fails here.

function packed(name: string, sets: string[] = []): PackedTrace {
  let raw: unknown = findPreset(name)!.build();
  for (const s of sets) raw = applySet(raw, s);
  return packTrace(runScenario(parseScenario(raw)).trace);
}

const stunOf = (p: PackedTrace, hop: number): StunMessage | undefined =>
  dissectPacket(hopBytes(p, hop)).layers.find((l) => l.protocol === 'STUN')?.value as StunMessage | undefined;

const firstHops = (p: PackedTrace): number[] => [...Array(p.n).keys()].filter((i) => p.prevOfPacket[i]! < 0);

describe('relations on a call through two NATs (call-p2p)', () => {
  const p = packed('call-p2p');
  const rels = computeRelations(p);
  const of = (kind: Relation['kind']): Relation[] => rels.filter((r) => r.kind === kind);

  it('links every Binding success response to a Binding request with its transaction id', () => {
    const successes = firstHops(p).filter((i) => {
      const m = stunOf(p, i);
      return m?.method === Method.Binding && m.class === 'success';
    });
    expect(successes.length).toBeGreaterThan(5);
    for (const s of successes) {
      const r = of('response').find((x) => x.effect === s);
      expect(r, `Binding success at hop ${s}`).toBeDefined();
      const req = stunOf(p, r!.cause)!;
      expect(req.class).toBe('request');
      expect(toHex(req.transactionId)).toBe(toHex(stunOf(p, s)!.transactionId));
      expect(p.t[r!.cause]!).toBeLessThan(p.t[s]!);
    }
  });

  it('draws a response as the round trip the requester sees: request leaving to response arriving back', () => {
    for (const r of of('response')) {
      expect(r.from).toEqual({ hop: r.cause, at: 'start' });
      expect(r.to.at).toBe('end');
      expect(p.packet[r.to.hop]).toBe(p.packet[r.effect]);
      expect(p.to[r.to.hop]).toBe(p.from[r.cause]);
      expect(r.dt).toBe(p.arrive[r.to.hop]! - p.t[r.cause]!);
    }
    // the STUN server is 21 ms from alice: her first Binding request comes back after 2 × 21 ms
    expect(of('response')[0]!.dt).toBe(42_000);
  });

  it('a retransmitted check links to its original: same transaction id, same sender, sent later', () => {
    expect(of('retransmission').length).toBeGreaterThan(0);
    for (const r of of('retransmission').filter((x) => stunOf(p, x.effect))) {
      expect(toHex(stunOf(p, r.effect)!.transactionId)).toBe(toHex(stunOf(p, r.cause)!.transactionId));
      expect(p.from[r.effect]).toBe(p.from[r.cause]);
      expect(r.dt).toBeGreaterThan(0);
    }
  });

  it('follows the DTLS cookie exchange: ClientHello → HelloVerifyRequest → ClientHello carrying that cookie', () => {
    const dtls = (hop: number): DissectedRecord[] => dissectPacket(hopBytes(p, hop)).layers.find((l) => l.protocol === 'DTLS')!.value as DissectedRecord[];
    const body = (hop: number) => {
      const c = dtls(hop)[0]!.content;
      return c.kind === 'handshake' ? c.messages[0]!.body : undefined;
    };
    const [hello, again] = of('dtls-cookie');
    expect(body(hello!.cause)?.type).toBe('client_hello');
    expect(body(hello!.effect)?.type).toBe('hello_verify_request');
    expect(again!.cause).toBe(hello!.effect);
    const hvr = body(again!.cause);
    const ch2 = body(again!.effect);
    expect(hvr?.type === 'hello_verify_request' && ch2?.type === 'client_hello' && toHex(ch2.cookie) === toHex(hvr.cookie)).toBe(true);
  });

  it('a ChannelBind links to the first ChannelData on its channel', () => {
    expect(of('channel-data').length).toBeGreaterThan(0);
    for (const r of of('channel-data')) {
      const bind = stunOf(p, r.cause)!;
      expect(bind.method).toBe(Method.ChannelBind);
      const cd = dissectPacket(hopBytes(p, r.effect)).layers.find((l) => l.protocol === 'TURN-CHANNELDATA')!.value as ChannelData;
      expect(r.detail).toBe(`channel 0x${cd.channel.toString(16)}`);
    }
  });

  it('the nominating check (USE-CANDIDATE) links to the first media packet on the pair', () => {
    const [m] = of('first-media');
    expect(m).toBeDefined();
    expect(dissectPacket(hopBytes(p, m!.cause)).summary).toContain('USE-CANDIDATE');
    expect(['RTP', 'SRTP']).toContain(dissectPacket(hopBytes(p, m!.effect)).protocol);
  });

  it('an Allocate success links to the first datagram to or from its relayed address', () => {
    for (const r of of('relay-use')) {
      const relayed = r.detail.replace('relayed ', '');
      const d = dissectPacket(hopBytes(p, r.effect));
      expect([d.src, d.dst]).toContain(relayed);
    }
  });

  it('indexes relations by datagram and reads them from both ends', () => {
    const by = relationsByPacket(p, rels);
    const r = of('response')[0]!;
    expect(by.get(p.packet[r.cause]!)).toContain(rels.indexOf(r));
    expect(by.get(p.packet[r.effect]!)).toContain(rels.indexOf(r));
    expect(describeRelation(r, 'effect')).toMatch(new RegExp(`^response to #${r.cause} after \\d+\\.\\d ms \\(round trip\\)$`));
    const re = of('retransmission')[0]!;
    expect(describeRelation(re, 'effect')).toMatch(new RegExp(`^retransmission #1 of #${re.cause} `));
  });
});

describe('relations under loss', () => {
  it('a retransmitted Allocate links to its original, and the success answers the copy that got through', () => {
    // 30 % loss on alice's link (seed 3): the first Allocate is lost twice and sent three times.
    const p = packed('turn-relay', ['nodes.alice.link.loss=0.3', 'seed=3']);
    const rels = computeRelations(p);
    const retrans = rels.filter((r) => r.kind === 'retransmission' && stunOf(p, r.effect)?.method === Method.Allocate);
    expect(retrans.length).toBeGreaterThan(0);
    const original = retrans[0]!.cause;
    expect(retrans.every((r) => r.cause === original)).toBe(true);
    expect(retrans.map((r) => r.nth)).toEqual(retrans.map((_, k) => k + 1));
    const response = rels.find((r) => r.kind === 'response' && toHex(stunOf(p, r.effect)!.transactionId) === toHex(stunOf(p, original)!.transactionId));
    if (response) expect(p.drop[response.from.hop]).toBe(-1);
  });

  it('a resent DTLS flight links to the flight it repeats: same sender, same first handshake message (RFC 6347 §4.2.4)', () => {
    const p = packed('dtls-lossy-retransmit');
    const first = (hop: number) => {
      const recs = dissectPacket(hopBytes(p, hop)).layers.find((l) => l.protocol === 'DTLS')!.value as DissectedRecord[];
      const c = recs.find((r) => r.content.kind === 'handshake')!.content;
      const f = c.kind === 'handshake' ? c.messages[0]!.fragment : undefined;
      return `${f?.msgType}/${f?.messageSeq}`;
    };
    const resent = computeRelations(p).filter((r) => r.kind === 'retransmission');
    expect(resent.length).toBeGreaterThan(2);
    for (const r of resent) {
      expect(first(r.effect)).toBe(first(r.cause));
      expect(p.from[r.effect]).toBe(p.from[r.cause]);
      expect(r.detail).toMatch(/^DTLS flight [3-6]$/);
    }
    for (const cause of new Set(resent.map((r) => r.cause))) {
      const list = resent.filter((r) => r.cause === cause);
      expect(list.map((r) => r.nth)).toEqual(list.map((_, k) => k + 1));
    }
  });

  it('a trace without bytes (synthetic) has no relations', () => {
    const p = packed('nat-full-cone');
    const empty = { ...p, offsets: new Uint32Array(p.n + 1), bytes: new Uint8Array(0) };
    expect(computeRelations(empty)).toEqual([]);
  });
});

describe('a TURN relay: the same datagram on its two legs', () => {
  // turn-relay: alice sends a Send indication, bob answers (a Data indication back to alice), then a channel is bound
  // and both ways go as ChannelData. Each datagram crosses the server twice: from alice on the client leg, to bob
  // from the relayed address on the peer leg, or the reverse; a relation joins the two, the client's leg first
  // when she sent it.
  const p = packed('turn-relay');
  const rels = computeRelations(p).filter((r) => r.kind === 'relayed');
  const layers = (hop: number) => dissectPacket(hopBytes(p, hop)).layers;
  /** What the client leg carries for the peer: the DATA of a Send/Data indication, or ChannelData's data. */
  const carried = (hop: number): Uint8Array | undefined => {
    for (const l of layers(hop)) {
      if (l.protocol === 'TURN-CHANNELDATA' && l.value) return (l.value as ChannelData).data;
      if (l.protocol === 'STUN' && l.value) return (l.value as StunMessage).attributes.find((a) => a.type === AttrType.Data)?.value as Uint8Array | undefined;
    }
    return undefined;
  };
  const udpPayloadOf = (hop: number): Uint8Array => {
    const udp = layers(hop).find((l) => l.protocol === 'UDP')!;
    return hopBytes(p, hop).subarray(udp.offset + 8, udp.offset + udp.length);
  };

  it('joins each of the four relayed datagrams to its other leg: Send indication, Data indication, ChannelData both ways', () => {
    expect(rels.map((r) => r.detail.replace(/ [\d.:]+$/, ''))).toEqual(['Send indication to', 'Data indication from', 'ChannelData 0x4000 to', 'ChannelData 0x4000 from']);
    for (const r of rels) {
      const up = r.detail.includes(' to ');
      const [client, peer] = up ? [r.cause, r.effect] : [r.effect, r.cause];
      // the same bytes: what the client leg carries is the peer leg's whole UDP payload
      expect(toHex(carried(client)!)).toBe(toHex(udpPayloadOf(peer)));
      // the peer leg leaves or reaches the relayed address the Allocate gave, and the peer is the one named
      const d = dissectPacket(hopBytes(p, peer));
      const relayed = d.src.startsWith('198.51.100.20:') ? d.src : d.dst;
      expect(relayed).not.toBe(`198.51.100.20:3478`);
      expect(up ? d.dst : d.src).toBe(r.detail.split(' ').pop());
      expect(r.dt).toBeGreaterThan(0);
      expect(p.t[r.effect]!).toBeGreaterThan(p.t[r.cause]!);
      // drawn from where the cause reached the server to the effect leaving it
      expect(r.from.at).toBe('end');
      expect(p.to[r.from.hop]).toBe(p.from[r.effect]);
      expect(describeRelation(r, 'effect')).toContain(`the same datagram as #${r.cause}, on the relay's other leg`);
    }
  });

  it("links ICE checks relayed for two symmetric NATs' peers (ice-symmetric-turn): the same STUN transaction on both legs", () => {
    const q = packed('ice-symmetric-turn');
    const relayed = computeRelations(q).filter((r) => r.kind === 'relayed');
    expect(relayed.length).toBeGreaterThan(10);
    for (const r of relayed) {
      const [a, b] = [dissectPacket(hopBytes(q, r.cause)), dissectPacket(hopBytes(q, r.effect))];
      // the STUN message inside the relayed datagram is the same transaction on both legs
      const tid = (d: typeof a) => toHex((d.layers.filter((l) => l.protocol === 'STUN').pop()!.value as StunMessage).transactionId);
      expect(tid(b)).toBe(tid(a));
    }
  });

  it('in a real capture (coturn on loopback): every Send and Data indication of the scripted client meets its other leg', () => {
    const file = new URL('../../captures/stun-turn-coturn/stun-turn-coturn.pcapng', import.meta.url).pathname;
    const loaded = loadCapture(new Uint8Array(readFileSync(file)), 'stun-turn-coturn.pcapng');
    const q = packTrace(loaded.trace);
    const relayed = loaded.relations(q).filter((r) => r.kind === 'relayed');
    const indications = relayed.filter((r) => /^(Send|Data) indication/.test(r.detail));
    // tshark counts 5 Send and 5 Data indications with XOR-PEER-ADDRESS 127.0.0.1:3480 (frames 91–110), and
    // uclient's: every one has its peer leg in the capture
    expect(indications.filter((r) => r.detail.startsWith('Send')).length).toBeGreaterThanOrEqual(5);
    expect(indications.filter((r) => r.detail.startsWith('Data')).length).toBeGreaterThanOrEqual(5);
    for (const r of relayed) {
      const [a, b] = [dissectPacket(hopBytes(q, r.cause)), dissectPacket(hopBytes(q, r.effect))];
      const ends = [a.src, a.dst, b.src, b.dst];
      expect(ends, r.detail).toContain(r.detail.split(' ').pop());
      expect(q.t[r.effect]!).toBeGreaterThanOrEqual(q.t[r.cause]!);
    }
  });

  it('RFC 6062 (turn-tcp-connect): a Connect links to the peer connection the server opens, its CONNECTION-ID to the ConnectionBind on the data connection', () => {
    const q = packed('turn-tcp-connect');
    const rels = computeRelations(q).filter((r) => r.kind === 'tcp-connection');
    // what each hop completes on its TCP stream, read as the finder reads it
    const streams = new TurnTcpStreams();
    const units = new Map<number, StunMessage[]>();
    for (const i of firstHops(q)) units.set(i, (streams.segment(hopBytes(q, i))?.units ?? []).flatMap((u) => (u.kind === 'stun' ? [u.message] : [])));
    const peer = rels.find((r) => r.detail.startsWith('peer connection'));
    const bind = rels.find((r) => r.detail.startsWith('CONNECTION-ID'));
    expect(rels).toHaveLength(2);
    const connect = units.get(peer!.cause)!.find((m) => m.method === Method.Connect && m.class === 'request')!;
    expect(connect).toBeDefined();
    const to = connect.attributes.find((a) => a.type === AttrType.XorPeerAddress)!.value as { ip: string; port: number };
    expect(peer!.detail).toMatch(new RegExp(`→ ${to.ip}:${to.port}$`));
    expect(dissectPacket(hopBytes(q, peer!.effect)).summary).toMatch(/\[SYN\]/);
    const success = units.get(bind!.cause)!.find((m) => m.method === Method.Connect && m.class === 'success')!;
    const request = units.get(bind!.effect)!.find((m) => m.method === Method.ConnectionBind && m.class === 'request')!;
    const id = (m: StunMessage): unknown => m.attributes.find((a) => a.type === AttrType.ConnectionId)?.value;
    expect(id(request)).toBe(id(success));
    expect(bind!.detail).toBe(`CONNECTION-ID 0x${(id(success) as number).toString(16).padStart(8, '0')}`);
    // the ConnectionBind goes on a new connection (the data connection), not the control connection of the Connect
    const port = (h: number): string => dissectPacket(hopBytes(q, h)).src;
    expect(port(bind!.effect)).not.toBe(port(peer!.cause));
    expect(describeRelation(bind!, 'effect')).toMatch(/set up by #\d+ .*\(RFC 6062\)/);
  });
});

