import type { TransportAddress } from '../../core/endpoint.ts';
import type { Rng } from '../../core/rng.ts';
import type { Micros } from '../../core/time.ts';
import { formatDuration } from '../../core/time.ts';
import type { NatConfig } from './config.ts';
import type { MappingState } from './mapping.ts';
import { findPort, type PortRange } from './ports.ts';

/**
 * The NAT's external side: which external address and port a new mapping gets, which ports are in use, the
 * address pairing of each subscriber (an internal IP address), and carrier-grade port blocks.
 */

export type PortHow = 'preserved' | 'reused' | 'sequential' | 'random';

export type Allocation =
  | { readonly ok: true; readonly external: TransportAddress; readonly how: PortHow; readonly block?: string | undefined; readonly newBlock?: PortRange | undefined }
  | { readonly ok: false; readonly reason: 'port-space-exhausted' | 'quota-exhausted'; readonly text: string };

interface Block {
  readonly ip: string;
  readonly range: PortRange;
  used: number;
}

interface Subscriber {
  /** The paired external address (RFC 4787 REQ-2), fixed by the subscriber's first mapping. */
  external?: string;
  readonly blocks: Block[];
  mappings: number;
}

const portKey = (ip: string, port: number): string => `${ip}|${port}`;

export class ExternalPorts {
  private readonly users = new Map<string, MappingState[]>();
  private readonly quarantine = new Map<string, Micros>();
  private readonly subscribers = new Map<string, Subscriber>();
  private readonly pairedCount = new Map<string, number>();
  /** Blocks held, per external address, by their first port. */
  private readonly blocksTaken = new Map<string, Map<number, Block>>();
  /** Where the next sequential scan starts, per external address. */
  private readonly nextPort = new Map<string, number>();
  private roundRobin = 0;

  constructor(
    private readonly config: NatConfig,
    readonly addresses: readonly string[],
    private readonly rng: Rng,
  ) {}

  isExternalAddress(ip: string): boolean {
    return this.addresses.includes(ip);
  }

  /** The mappings using an external address:port (several only with port overlapping). */
  usersOf(external: TransportAddress): readonly MappingState[] {
    return this.users.get(portKey(external.ip, external.port)) ?? [];
  }

  /** The paired external address of an internal IP address, while it holds mappings. */
  pairingOf(internalIp: string): string | undefined {
    return this.subscribers.get(internalIp)?.external;
  }

  /** Port blocks a subscriber holds, as inclusive ranges on its external address. */
  blocksOf(internalIp: string): readonly { readonly ip: string; readonly lo: number; readonly hi: number }[] {
    return (this.subscribers.get(internalIp)?.blocks ?? []).map((b) => ({ ip: b.ip, lo: b.range.lo, hi: b.range.hi }));
  }

  private isFree(now: Micros, ip: string, port: number, boundTo: string): boolean {
    const k = portKey(ip, port);
    const until = this.quarantine.get(k);
    if (until !== undefined) {
      if (now < until) return false;
      this.quarantine.delete(k);
    }
    const list = this.users.get(k);
    if (!list || list.length === 0) return true;
    // RFC 7857 §3: with port overlapping, the port is shared as long as the remote part differs.
    return this.config.portOverlapping && list.every((m) => m.boundTo !== boundTo);
  }

  /** Candidate external addresses for a new mapping of `internalIp`, in the order to try them. */
  private candidates(sub: Subscriber | undefined): string[] {
    if (this.config.pooling === 'paired') {
      if (sub?.external !== undefined) return [sub.external];
      // RFC 4787 §4.1: pair a new subscriber with the least-shared address (ties: configuration order).
      return [...this.addresses].sort((a, b) => (this.pairedCount.get(a) ?? 0) - (this.pairedCount.get(b) ?? 0) || this.addresses.indexOf(a) - this.addresses.indexOf(b));
    }
    const start = this.roundRobin++ % this.addresses.length;
    return [...this.addresses.slice(start), ...this.addresses.slice(0, start)];
  }

  /**
   * Chooses the external address:port of a new mapping. `reuse(ip)` lists ports other mappings of the same
   * internal endpoint hold on `ip`, newest first: with port overlapping and 'preserve' they are tried before the
   * internal port, as Linux's find_appropriate_src does.
   */
  allocate(now: Micros, internal: TransportAddress, boundTo: string, reuse: (ip: string) => number[]): Allocation {
    const c = this.config;
    const sub = this.subscribers.get(internal.ip);
    const strategy = c.portAssignment === 'preserve' ? c.onPortCollision : c.portAssignment;
    const parity = c.portParity ? ((internal.port & 1) as 0 | 1) : undefined;
    let quota: string | undefined;
    for (const ip of this.candidates(sub)) {
      // Keeping ports: with overlapping, first the port the endpoint already has, then its own port (as Linux).
      const reused = c.portOverlapping && c.portAssignment === 'preserve' ? reuse(ip) : [];
      const preferred = c.portAssignment === 'preserve' ? [...reused, internal.port] : [];
      const search = (ranges: readonly PortRange[]) =>
        findPort({ ranges, preferred, strategy, next: this.nextPort.get(ip), parity, rng: this.rng, isFree: (p) => this.isFree(now, ip, p, boundTo) });
      const how = (f: { how: string; preferredIndex?: number }): PortHow =>
        f.how === 'preferred' ? ((f.preferredIndex ?? 0) < reused.length ? 'reused' : 'preserved') : (f.how as PortHow);
      if (!c.portBlocks) {
        const f = search([{ lo: c.portRange.min, hi: c.portRange.max }]);
        if (f) return this.taken(ip, f.port, how(f));
        continue;
      }
      const held = (sub?.blocks ?? []).filter((b) => b.ip === ip);
      const f = held.length > 0 ? search(held.map((b) => b.range)) : undefined;
      if (f) return this.taken(ip, f.port, how(f), held.find((b) => f.port >= b.range.lo && f.port <= b.range.hi));
      if ((sub?.blocks.length ?? 0) >= c.portBlocks.maxPerSubscriber) {
        const n = c.portBlocks.maxPerSubscriber;
        quota = `port quota exhausted: subscriber ${internal.ip} already holds ${n} of ${n} port blocks of ${c.portBlocks.size} ports on ${ip} and every port in them is in use (RFC 6888 REQ-4)`;
        continue;
      }
      const range = this.freeBlock(ip, strategy);
      if (!range) continue;
      const g = search([range]);
      if (g) return { ...this.taken(ip, g.port, how(g)), block: portKey(ip, range.lo), newBlock: range };
    }
    if (quota) return { ok: false, reason: 'quota-exhausted', text: quota };
    const where = this.config.pooling === 'paired' && sub?.external ? `${sub.external} (paired with ${internal.ip})` : this.addresses.join(', ');
    const unit = c.portBlocks ? `port block of ${c.portBlocks.size}` : 'port';
    const delay = c.portReuseDelay > 0 ? `, counting ports freed less than ${formatDuration(c.portReuseDelay)} ago as taken` : '';
    return { ok: false, reason: 'port-space-exhausted', text: `port space exhausted: no free ${unit} in ${c.portRange.min}-${c.portRange.max} on ${where}${delay}` };
  }

  private taken(ip: string, port: number, how: PortHow, block?: Block): Extract<Allocation, { ok: true }> {
    const { min, max } = this.config.portRange;
    this.nextPort.set(ip, port + 1 > max ? min : port + 1);
    return { ok: true, external: { ip, port }, how, block: block ? portKey(block.ip, block.range.lo) : undefined };
  }

  /** RFC 6888 §5: a free block on `ip`, the lowest one or, with random assignment, a random one (REQ-15). */
  private freeBlock(ip: string, strategy: 'sequential' | 'random'): PortRange | undefined {
    const size = this.config.portBlocks?.size ?? 1;
    const { min, max } = this.config.portRange;
    const taken = this.blocksTaken.get(ip);
    const free: number[] = [];
    for (let lo = min; lo + size - 1 <= max; lo += size) if (!taken?.has(lo)) free.push(lo);
    if (free.length === 0) return undefined;
    const lo = strategy === 'random' ? this.rng.pick(free) : free[0]!;
    return { lo, hi: lo + size - 1 };
  }

  /** Registers a mapping created from an allocation. */
  attach(m: MappingState, newBlock?: PortRange): void {
    const k = portKey(m.external.ip, m.external.port);
    const list = this.users.get(k);
    if (list) list.push(m);
    else this.users.set(k, [m]);
    let sub = this.subscribers.get(m.internal.ip);
    if (!sub) {
      sub = { blocks: [], mappings: 0 };
      this.subscribers.set(m.internal.ip, sub);
    }
    sub.mappings++;
    if (sub.external === undefined && this.config.pooling === 'paired') {
      sub.external = m.external.ip;
      this.pairedCount.set(m.external.ip, (this.pairedCount.get(m.external.ip) ?? 0) + 1);
    }
    if (newBlock) {
      const b: Block = { ip: m.external.ip, range: newBlock, used: 0 };
      sub.blocks.push(b);
      let taken = this.blocksTaken.get(b.ip);
      if (!taken) this.blocksTaken.set(b.ip, (taken = new Map()));
      taken.set(newBlock.lo, b);
    }
    const b = sub.blocks.find((x) => portKey(x.ip, x.range.lo) === m.block);
    if (b) b.used++;
  }

  /** Unregisters a removed mapping; its port is quarantined until `releasedAt + portReuseDelay` (RFC 6888 REQ-8). */
  detach(m: MappingState, releasedAt: Micros): void {
    const k = portKey(m.external.ip, m.external.port);
    const list = (this.users.get(k) ?? []).filter((x) => x !== m);
    if (list.length > 0) this.users.set(k, list);
    else {
      this.users.delete(k);
      if (this.config.portReuseDelay > 0) this.quarantine.set(k, releasedAt + this.config.portReuseDelay);
    }
    const sub = this.subscribers.get(m.internal.ip);
    if (!sub) return;
    sub.mappings--;
    const bi = sub.blocks.findIndex((b) => portKey(b.ip, b.range.lo) === m.block);
    const b = sub.blocks[bi];
    if (b && --b.used === 0) {
      sub.blocks.splice(bi, 1);
      this.blocksTaken.get(b.ip)?.delete(b.range.lo);
    }
    if (sub.mappings === 0) {
      this.subscribers.delete(m.internal.ip);
      if (sub.external !== undefined) this.pairedCount.set(sub.external, (this.pairedCount.get(sub.external) ?? 1) - 1);
    }
  }
}
