import { Rng } from '../core/rng.ts';
import { Scheduler } from '../core/scheduler.ts';
import { TraceRecorder, type Hop, type JsonValue, type Trace, type TraceMeta } from '../core/trace.ts';
import type { NoteBody } from '../core/note.ts';
import type { InterfaceAddress } from './interface.ts';
import { Link } from './link.ts';
import { linkDirection, type LinkDirection } from './link-params.ts';
import type { NetNode } from './node.ts';

/**
 * The virtual network: one scheduler (virtual time), one root RNG that every component forks by name, and one
 * trace recorder that every link and component writes to.
 */
export class Network {
  readonly scheduler = new Scheduler();
  readonly trace: TraceRecorder;
  readonly rng: Rng;
  readonly nodes = new Map<string, NetNode>();
  readonly links: Link[] = [];
  /** Drops counted by reason (the reason without per-packet detail, e.g. "loss", "NAT filtering"). */
  readonly dropsByReason = new Map<string, number>();

  constructor(
    readonly seed: number,
    meta: Omit<TraceMeta, 'source' | 'seed'> = {},
  ) {
    this.rng = Rng.fromSeed(seed);
    this.trace = new TraceRecorder({ source: 'simulation', seed, ...meta });
  }

  get now(): number {
    return this.scheduler.now;
  }

  add<T extends NetNode>(node: T): T {
    if (this.nodes.has(node.name)) throw new Error(`network: a node named "${node.name}" already exists`);
    this.nodes.set(node.name, node);
    return node;
  }

  node(name: string): NetNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`network: no node named "${name}"`);
    return n;
  }

  /**
   * Connects two nodes with a new point-to-point link; creates an interface on each (named after the link) and
   * gives each its addresses. `ba` defaults to the same behaviour as `ab`.
   */
  connect(
    name: string,
    a: { node: NetNode; addresses?: InterfaceAddress[] },
    b: { node: NetNode; addresses?: InterfaceAddress[] },
    ab: Partial<LinkDirection> = {},
    ba: Partial<LinkDirection> = ab,
  ): Link {
    if (this.links.some((l) => l.name === name)) throw new Error(`network: a link named "${name}" already exists`);
    const ia = a.node.addInterface(name, a.addresses ?? []);
    const ib = b.node.addInterface(name, b.addresses ?? []);
    const link = new Link(this, name, ia, ib, linkDirection(ab), linkDirection(ba), this.rng.fork(`link/${name}`));
    this.links.push(link);
    return link;
  }

  link(name: string): Link {
    const l = this.links.find((x) => x.name === name);
    if (!l) throw new Error(`network: no link named "${name}"`);
    return l;
  }

  /** A node drops a datagram that arrived: the hop's fate records where and why. */
  dropAt(hop: Hop, where: string, reason: string): void {
    hop.drop = `${where}: ${reason}`;
    this.countDrop(reason);
  }

  countDrop(reason: string): void {
    // the reason's head: before its details ("…: why") and before what the node did about it ("…; ICMP … sent")
    const key = reason.replace(/[:;].*$/, '');
    this.dropsByReason.set(key, (this.dropsByReason.get(key) ?? 0) + 1);
  }

  /** Records a note now: a body built by a folder's emit helper (sim/core/note.ts), and the datagram behind it. */
  note(source: string, body: NoteBody, packet?: number): void {
    const { kind, text, data } = body;
    this.trace.note({ t: this.now, source, kind, text, ...(data ? { data } : {}), ...(packet !== undefined ? { packet } : {}) });
  }

  /** Runs the event loop until virtual time `until` (µs). */
  run(until: number, maxEvents?: number): void {
    this.scheduler.runUntil(until, maxEvents);
  }

  /** Writes the topology into the trace and returns it. */
  finish(summary?: { [key: string]: JsonValue }): Trace {
    for (const n of this.nodes.values()) {
      this.trace.addNode({ name: n.name, kind: n.kind, addresses: n.addresses(), details: n.details() });
    }
    for (const l of this.links) {
      const p = l.params(l.a);
      this.trace.addLink({
        name: l.name,
        a: l.a.node.name,
        b: l.b.node.name,
        details: { delay: p.delay, jitter: p.jitter, loss: p.loss, mtu: p.mtu, ...(p.rate ? { rate: p.rate } : {}) },
      });
    }
    for (const l of this.links) {
      const c = l.counters();
      void c;
    }
    return this.trace.finish(summary);
  }
}
