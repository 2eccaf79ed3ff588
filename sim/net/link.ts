import type { Rng } from '../core/rng.ts';
import type { Hop } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import type { LinkDirection } from './link-params.ts';
import type { Interface } from './interface.ts';
import type { Network } from './network.ts';

/** Per-direction state: the serializer's busy time, the last arrival (for FIFO), the Gilbert–Elliott state. */
class Direction {
  busyUntil: Micros = 0;
  lastArrival: Micros = 0;
  bad = false;
  sent = 0;
  dropped = 0;
  constructor(
    public params: LinkDirection,
    readonly rng: Rng,
  ) {}
}

/**
 * A point-to-point link between two interfaces. Every datagram put on it becomes one hop in the trace, delivered
 * after serialization, propagation delay and jitter, or dropped with a reason (MTU, queue full, loss, link down).
 */
export class Link {
  private readonly ab: Direction;
  private readonly ba: Direction;
  /** The scheduler reason of every delivery, made once rather than per datagram. */
  private readonly deliverReason: string;

  constructor(
    private readonly net: Network,
    readonly name: string,
    readonly a: Interface,
    readonly b: Interface,
    abParams: LinkDirection,
    baParams: LinkDirection,
    rng: Rng,
  ) {
    this.ab = new Direction(abParams, rng.fork('a>b'));
    this.ba = new Direction(baParams, rng.fork('b>a'));
    this.deliverReason = `deliver ${name}`;
    a.attach(this);
    b.attach(this);
  }

  /** The interface at the other end. */
  peer(of: Interface): Interface {
    return of === this.a ? this.b : this.a;
  }

  params(from: Interface): LinkDirection {
    return this.dir(from).params;
  }

  /** Changes a direction's behaviour from now on (a scenario event: "link goes down at 10s"). */
  setParams(from: Interface, params: LinkDirection): void {
    this.dir(from).params = params;
  }

  counters(): { ab: { sent: number; dropped: number }; ba: { sent: number; dropped: number } } {
    return { ab: { sent: this.ab.sent, dropped: this.ab.dropped }, ba: { sent: this.ba.sent, dropped: this.ba.dropped } };
  }

  private dir(from: Interface): Direction {
    if (from === this.a) return this.ab;
    if (from === this.b) return this.ba;
    throw new Error(`link ${this.name}: interface ${from.node.name}/${from.name} is not on this link`);
  }

  /** Puts a datagram on the link from `from`; returns the hop recorded for it. */
  send(from: Interface, bytes: Uint8Array, packet: number): Hop {
    const d = this.dir(from);
    const to = this.peer(from);
    const p = d.params;
    const now = this.net.scheduler.now;
    d.sent++;
    let drop: string | undefined;
    let arrive = now;
    if (p.down) {
      drop = 'link down';
    } else if (bytes.length > p.mtu) {
      drop = `exceeds MTU: ${bytes.length} bytes > ${p.mtu}`;
    } else {
      let start = now;
      if (p.rate && p.rate > 0) {
        start = Math.max(now, d.busyUntil);
        const queued = ((start - now) * p.rate) / 8e6; // bytes still waiting to be serialized
        if (p.queue !== undefined && queued + bytes.length > p.queue) {
          drop = `queue full: ${Math.round(queued)} + ${bytes.length} bytes > ${p.queue}`;
        } else {
          d.busyUntil = start + Math.ceil((bytes.length * 8e6) / p.rate);
          start = d.busyUntil;
        }
      }
      if (drop === undefined) drop = this.lose(d, p);
      if (drop === undefined) {
        const jitter = p.jitter > 0 ? Math.round(d.rng.normal(0, p.jitter)) : 0;
        arrive = Math.max(start, start + p.delay + jitter);
        if (!p.reorder) arrive = Math.max(arrive, d.lastArrival);
        d.lastArrival = arrive;
      }
    }
    const hop = this.net.trace.record(now, arrive, this.name, from.node.name, to.node.name, bytes, packet, drop);
    if (drop !== undefined) {
      d.dropped++;
      this.net.countDrop(drop);
      return hop;
    }
    // a delivery is never cancelled (a link that goes down drops what is sent after), so it needs no handle
    this.net.scheduler.post(arrive, this.deliverReason, () => to.node.receive(to, bytes, hop));
    return hop;
  }

  /** Random and bursty loss; one state transition per packet (RFC 3611 §4.7.2 describes the same two-state model). */
  private lose(d: Direction, p: LinkDirection): string | undefined {
    if (p.burst) {
      const b = p.burst;
      d.bad = d.bad ? !d.rng.chance(b.pBadToGood) : d.rng.chance(b.pGoodToBad);
      if (d.rng.chance(d.bad ? b.lossBad : b.lossGood)) return d.bad ? 'loss (burst)' : 'loss';
    }
    if (p.loss > 0 && d.rng.chance(p.loss)) return 'loss';
    return undefined;
  }
}
