import type { PackedTrace } from './packed.ts';

/**
 * A synthetic trace of `n` hops for the benchmark: two peers behind NATs exchanging media through the internet
 * at a steady rate, four hops per datagram, a few drops. Columns only, no bytes (labels fall back to protocol).
 */
export function syntheticPacked(n: number): PackedTrace {
  const lanes = ['alice', 'natA', 'internet', 'natB', 'bob'];
  const t = new Float64Array(n);
  const arrive = new Float64Array(n);
  const from = new Int32Array(n);
  const to = new Int32Array(n);
  const link = new Int32Array(n);
  const packet = new Int32Array(n);
  const drop = new Int32Array(n).fill(-1);
  const proto = new Uint8Array(n);
  const nextOfPacket = new Int32Array(n).fill(-1);
  const prevOfPacket = new Int32Array(n).fill(-1);
  const delays = [1000, 10000, 12000, 1000];
  const period = 500; // a datagram every 0.5 ms each way: 4000 hops per second
  let seed = 12345;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  let i = 0;
  let d = 0;
  let end = 0;
  // Hops are emitted in time order, as a simulator records them. Each (direction, hop) has a constant delay, so
  // one FIFO per (direction, hop) stays sorted, and merging their heads with the stream of new datagrams is O(n).
  type Pending = { at: number; hop: number; pkt: number; dir: number; prev: number };
  const queues: Pending[][] = Array.from({ length: 6 }, () => []);
  const heads = new Int32Array(6);
  while (i < n) {
    const start = d * period;
    let best = -1;
    let bestAt = start;
    for (let q = 0; q < 6; q++) {
      const h = queues[q]![heads[q]!];
      if (h && h.at <= bestAt) {
        best = q;
        bestAt = h.at;
      }
    }
    if (best >= 0) {
      emit(queues[best]![heads[best]!]!);
      heads[best]!++;
      if (heads[best]! > 4096) {
        queues[best]!.splice(0, heads[best]!);
        heads[best] = 0;
      }
      continue;
    }
    emit({ at: start, hop: 0, pkt: d + 1, dir: d % 2, prev: -1 });
    d++;
  }
  function emit(h: { at: number; hop: number; pkt: number; dir: number; prev: number }): void {
    const k = i++;
    const lane = h.dir === 0 ? h.hop : 4 - h.hop;
    const next = h.dir === 0 ? lane + 1 : lane - 1;
    t[k] = h.at;
    arrive[k] = h.at + delays[h.dir === 0 ? h.hop : 3 - h.hop]!;
    from[k] = lane;
    to[k] = next;
    link[k] = Math.min(lane, next);
    packet[k] = h.pkt;
    proto[k] = [6, 7, 3, 5][h.pkt % 17 === 0 ? 1 : h.pkt % 101 === 0 ? 2 : h.pkt % 997 === 0 ? 3 : 0]!;
    if (h.prev >= 0) {
      prevOfPacket[k] = h.prev;
      nextOfPacket[h.prev] = k;
    }
    end = Math.max(end, arrive[k]!);
    if (rand() < 0.002) {
      drop[k] = 0;
      return;
    }
    if (h.hop < 3) queues[h.dir * 3 + h.hop]!.push({ at: arrive[k]!, hop: h.hop + 1, pkt: h.pkt, dir: h.dir, prev: k });
  }
  return {
    meta: { source: 'simulation', title: `synthetic ${n} hops` },
    nodes: lanes.map((name) => ({ name, kind: name.startsWith('nat') ? 'nat' : name === 'internet' ? 'internet' : 'host', addresses: [] })),
    links: [],
    notes: [],
    secrets: [],
    lanes,
    n,
    t,
    arrive,
    from,
    to,
    link,
    linkNames: ['alice-lan', 'natA-wan', 'natB-wan', 'bob-lan'],
    packet,
    drop,
    dropReasons: ['loss'],
    proto,
    nextOfPacket,
    prevOfPacket,
    offsets: new Uint32Array(n + 1),
    bytes: new Uint8Array(0),
    maxTransit: Math.max(...delays),
    end,
  };
}
