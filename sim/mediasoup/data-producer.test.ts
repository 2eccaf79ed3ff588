import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { DataChannels, type DataChannelAction, type DataChannelsOutput } from '../sctp/datachannels.ts';
import { Ppid } from '../wire/sctp/names.ts';
import { DataRouter, parseSctpStreamParameters, ServerSctp } from './data-producer.ts';

interface Node {
  poll(now: Micros): DataChannelsOutput;
  handlePacket(now: Micros, b: Uint8Array): void;
  handleTimeout(now: Micros): void;
}

/** Client data channels each joined to its own server association by a 10 ms pipe (DTLS left out: RFC 8261 carries the same packets). */
function run(links: [Node, Node][], until: Micros): void {
  const peerOf = new Map<Node, Node>();
  for (const [a, b] of links) (peerOf.set(a, b), peerOf.set(b, a));
  const transit: { at: Micros; to: Node; bytes: Uint8Array }[] = [];
  const wake = new Map<Node, Micros>();
  let now: Micros = 0;
  const pump = (x: Node): void => {
    for (;;) {
      const o = x.poll(now);
      if (o.type === 'transmit') transit.push({ at: now + 10_000, to: peerOf.get(x)!, bytes: o.bytes });
      else if (o.type === 'timeout') return void wake.set(x, o.at);
      else if (o.type === 'idle') return void wake.delete(x);
    }
  };
  // the forwarding is synchronous inside a server's poll: every node is pumped after each event
  const all = [...peerOf.keys()];
  for (const x of all) pump(x);
  for (let i = 0; i < 200_000; i++) {
    const p = transit.reduce<(typeof transit)[number] | undefined>((b, x) => (!b || x.at < b.at ? x : b), undefined);
    let w: [Node, Micros] | undefined;
    for (const e of wake) if (!w || e[1] < w[1]) w = e;
    const next = Math.min(p?.at ?? Infinity, w?.[1] ?? Infinity);
    if (next > until) return;
    now = next;
    if (p && p.at === next) {
      transit.splice(transit.indexOf(p), 1);
      p.to.handlePacket(now, p.bytes);
    } else if (w) {
      wake.delete(w[0]);
      w[0].handleTimeout(now);
    }
    for (const x of all) pump(x);
  }
}

describe('mediasoup DataProducer / DataConsumer forwarding', () => {
  const rng = Rng.fromSeed(7);
  const router = new DataRouter();
  const seen: { stream: number; ppid: number }[] = [];
  const onMessage = (now: Micros, sctp: ServerSctp, streamId: number, ppid: number, bytes: Uint8Array): void => {
    seen.push({ stream: streamId, ppid });
    router.message(now, sctp, streamId, ppid, bytes);
  };
  const sA = new ServerSctp('sfu/alice', rng.fork('sa'), {}, onMessage);
  const sB = new ServerSctp('sfu/bob', rng.fork('sb'), {}, onMessage);
  const sC = new ServerSctp('sfu/carol', rng.fork('sc'), {}, onMessage);
  const p = router.produce('dp1', 'alice', sA, { sctpStreamParameters: { streamId: 3, ordered: true }, label: 'chat', protocol: '' });
  if (typeof p === 'string') throw new Error(p);
  // carol already holds stream 0 for something else: her consumer gets the next free one
  sC.usedOut.add(0);
  const cB = router.consume('dc-b', 'bob', sB, p);
  const cC = router.consume('dc-c', 'carol', sC, p);
  if (typeof cB === 'string' || typeof cC === 'string') throw new Error('consume failed');
  const sends: DataChannelAction[] = [
    { at: 0, do: 'open', label: 'chat', negotiated: true, id: 3 },
    { at: 200_000, do: 'send', label: 'chat', text: 'hello {n}', count: 2, every: 10_000 },
    { at: 300_000, do: 'send', label: 'chat', text: '' },
    { at: 310_000, do: 'send', label: 'chat', bytes: 100 },
  ];
  const alice = new DataChannels('alice', rng.fork('a'), 'client', sends);
  const bob = new DataChannels('bob', rng.fork('b'), 'client', [{ at: 0, do: 'open', label: 'chat', negotiated: true, id: cB.stream.streamId }]);
  const carol = new DataChannels('carol', rng.fork('c'), 'client', [{ at: 0, do: 'open', label: 'chat', negotiated: true, id: cC.stream.streamId }]);
  run([[alice, sA], [bob, sB], [carol, sC]], 2_000_000);

  it('gives each DataConsumer the lowest free outgoing stream on its transport, with the producer reliability', () => {
    expect(cB.stream).toEqual({ streamId: 0, ordered: true });
    expect(cC.stream).toEqual({ streamId: 1, ordered: true });
  });

  it('forwards every message of the producer stream to both consumers, in order, with its PPID', () => {
    expect(seen.map((s) => s.ppid)).toEqual([Ppid.STRING, Ppid.STRING, Ppid.STRING_EMPTY, Ppid.BINARY]);
    expect(seen.every((s) => s.stream === 3)).toBe(true);
    for (const dc of [bob, carol]) {
      const ch = [...dc.channels.values()][0]!;
      expect(ch.label).toBe('chat');
      expect(ch.received).toEqual(['hello 1', 'hello 2', '', '<100 bytes>']);
      expect(ch.stats).toMatchObject({ messagesReceived: 4, bytesReceived: 7 + 7 + 0 + 100 });
    }
    expect(p.messages).toBe(4);
    expect([cB.messages, cC.messages]).toEqual([4, 4]);
    expect(sA.summary()).toMatchObject({ state: 'established', messagesIn: 4, dropped: 0 });
  });

  it('stops forwarding to a closed DataConsumer and frees its stream', () => {
    router.close(cB);
    expect(sB.freeStreamId()).toBe(0);
    expect(router.message(3_000_000, sA, 3, Ppid.STRING, new TextEncoder().encode('late'))).toBe(1);
  });

  it('drops a message on a stream no DataProducer holds, counting it', () => {
    expect(router.message(3_000_000, sA, 9, Ppid.STRING, new Uint8Array([1]))).toBe(0);
    expect(sA.stats.dropped).toBe(1);
  });
});

describe('mediasoup sctpStreamParameters', () => {
  const s = new ServerSctp('x', Rng.fromSeed(1), { streams: 16 }, () => undefined);
  it('reads a reliable ordered stream and a partially reliable unordered one', () => {
    expect(parseSctpStreamParameters({ streamId: 2, ordered: true }, s)).toEqual({ streamId: 2, ordered: true });
    expect(parseSctpStreamParameters({ streamId: 4, maxRetransmits: 0 }, s)).toEqual({ streamId: 4, ordered: false, maxRetransmits: 0 });
  });
  it('refuses a stream beyond MIS, both limits at once, ordered partial reliability, and no parameters', () => {
    expect(parseSctpStreamParameters({ streamId: 16 }, s)).toMatch(/below MIS 16/);
    expect(parseSctpStreamParameters({ streamId: 1, maxRetransmits: 1, maxPacketLifeTime: 100 }, s)).toMatch(/mutually exclusive/);
    expect(parseSctpStreamParameters({ streamId: 1, ordered: true, maxPacketLifeTime: 100 }, s)).toMatch(/ordered with/);
    expect(parseSctpStreamParameters(undefined, s)).toMatch(/missing/);
  });
  it('refuses a second DataProducer on a stream already produced', () => {
    const r = new DataRouter();
    expect(typeof r.produce('a', 'p', s, { sctpStreamParameters: { streamId: 1 } })).toBe('object');
    expect(r.produce('b', 'p', s, { sctpStreamParameters: { streamId: 1 } })).toMatch(/already in use/);
  });
});
