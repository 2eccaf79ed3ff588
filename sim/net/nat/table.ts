import type { TransportAddress } from '../../core/endpoint.ts';
import type { Rng } from '../../core/rng.ts';
import type { Micros } from '../../core/time.ts';
import { formatDuration } from '../../core/time.ts';
import type { NatConfig } from './config.ts';
import { validateNatConfig } from './config.ts';
import { ExternalPorts, type PortHow } from './external-ports.ts';
import { natNote } from './notes.ts';
import { endpointKey, filterAdmits, fmt, mappingData, pair, remoteKey, viewOf } from './mapping.ts';
import type { MappingState, NatMappingView, NatNoteFacts } from './mapping.ts';

/**
 * The NAT's decisions, with no packets involved (RFC 4787): the NAT node asks `outbound` before rewriting a
 * packet's source, `inbound` before rewriting its destination, and `hairpin` for a packet from inside to one of
 * the NAT's own external addresses. One table per transport protocol. Every answer carries the facts of a trace
 * note, and the mappings that expired since the last call (`expired`), so that none goes unreported.
 */

export interface ExpiredMapping {
  readonly mapping: NatMappingView;
  readonly note: NatNoteFacts;
}

export type OutboundDecision =
  | {
      readonly action: 'forward';
      /** The packet's new source address. */
      readonly external: TransportAddress;
      readonly mapping: NatMappingView;
      /** `mapping.id`, without making the view. */
      readonly mappingId: number;
      readonly event: 'created' | 'refreshed';
      /** For a created mapping, how its port was chosen. */
      readonly port?: PortHow;
      readonly note: NatNoteFacts;
      readonly expired: readonly ExpiredMapping[];
    }
  | {
      readonly action: 'drop';
      readonly reason: 'port-space-exhausted' | 'quota-exhausted';
      readonly text: string;
      readonly note: NatNoteFacts;
      readonly expired: readonly ExpiredMapping[];
    };

export type InboundDecision =
  | {
      readonly action: 'forward';
      /** The packet's new destination address. */
      readonly internal: TransportAddress;
      readonly mapping: NatMappingView;
      /** Whether this packet extended the mapping's lifetime (RFC 4787 REQ-6a). */
      readonly refreshed: boolean;
      readonly note: NatNoteFacts;
      readonly expired: readonly ExpiredMapping[];
    }
  | {
      readonly action: 'drop';
      readonly reason: 'no-mapping' | 'filtered';
      readonly text: string;
      /** For 'filtered', the mapping whose filter refused the packet. */
      readonly mapping?: NatMappingView;
      readonly note: NatNoteFacts;
      readonly expired: readonly ExpiredMapping[];
    };

export type HairpinDecision =
  | {
      readonly action: 'forward';
      /** RFC 4787 REQ-9b: the source becomes the sender's external address:port. */
      readonly source: TransportAddress;
      /** The internal endpoint that owns the destination mapping. */
      readonly destination: TransportAddress;
      readonly outbound: Extract<OutboundDecision, { action: 'forward' }>;
      readonly inbound: Extract<InboundDecision, { action: 'forward' }>;
      readonly note: NatNoteFacts;
      readonly expired: readonly ExpiredMapping[];
    }
  | {
      readonly action: 'drop';
      readonly reason: 'hairpinning-disabled' | 'port-space-exhausted' | 'quota-exhausted' | 'no-mapping' | 'filtered';
      readonly text: string;
      readonly note: NatNoteFacts;
      readonly expired: readonly ExpiredMapping[];
    };

export interface NatTableOptions {
  readonly config: NatConfig;
  /** The NAT's public addresses, in preference order; at least one. */
  readonly externalAddresses: readonly string[];
  /** Random port and block choices come only from here. */
  readonly rng: Rng;
}

/**
 * A forwarded packet's decision whose mapping view and note are made on first read and kept: most packets' decisions
 * are never shown (the NAT box notes a refresh at most once a second, a translated inbound packet never), and
 * formatting them was a tenth of a NAT's cost per packet. Readers read them before the table changes the mapping again.
 */
class OutboundRefresh {
  readonly action = 'forward';
  readonly event = 'refreshed';
  readonly external: TransportAddress;
  #mapping: NatMappingView | undefined;
  #note: NatNoteFacts | undefined;

  constructor(
    private readonly m: MappingState,
    private readonly remote: TransportAddress,
    readonly expired: readonly ExpiredMapping[],
  ) {
    this.external = m.external;
  }

  get mapping(): NatMappingView {
    return (this.#mapping ??= viewOf(this.m));
  }

  get mappingId(): number {
    return this.m.id;
  }

  get note(): NatNoteFacts {
    if (this.#note) return this.#note;
    const m = this.m;
    const text = `mapping ${pair(m)} refreshed by a packet to ${fmt(this.remote)}; it now expires at ${formatDuration(m.expires)}`;
    return (this.#note = natNote('nat.mapping.refreshed', text, { ...mappingData(m), remote: fmt(this.remote), by: 'outbound' }));
  }
}

/** An inbound packet translated to the inside: its mapping view and note made on first read (see OutboundRefresh). */
class InboundForward {
  readonly action = 'forward';
  readonly internal: TransportAddress;
  #mapping: NatMappingView | undefined;
  #note: NatNoteFacts | undefined;

  constructor(
    private readonly m: MappingState,
    private readonly external: TransportAddress,
    private readonly remote: TransportAddress,
    readonly refreshed: boolean,
    private readonly firstReply: boolean,
    readonly expired: readonly ExpiredMapping[],
  ) {
    this.internal = m.internal;
  }

  get mapping(): NatMappingView {
    return (this.#mapping ??= viewOf(this.m));
  }

  get note(): NatNoteFacts {
    if (this.#note) return this.#note;
    const { m, remote, external } = this;
    const facts = { ...mappingData(m), remote: fmt(remote) };
    const firstReply = this.firstReply;
    this.#note = this.refreshed
      ? natNote('nat.mapping.refreshed', `inbound ${fmt(remote)} → ${fmt(external)} translated to ${fmt(m.internal)}; mapping refreshed, expires at ${formatDuration(m.expires)}`, { ...facts, refreshed: true, firstReply })
      : natNote('nat.inbound', `inbound ${fmt(remote)} → ${fmt(external)} translated to ${fmt(m.internal)}`, { ...facts, refreshed: false, firstReply });
    return this.#note;
  }
}

export class NatTable {
  readonly config: NatConfig;
  private readonly ports: ExternalPorts;
  /** Live mappings by key, in creation order. */
  private readonly byKey = new Map<string, MappingState>();
  private nextId = 1;
  /** No mapping expires before this (a lower bound, so sweeps are cheap). */
  private earliest = Number.POSITIVE_INFINITY;

  constructor(options: NatTableOptions) {
    const check = validateNatConfig(options.config);
    if (check.errors.length > 0) throw new Error(`invalid NAT configuration: ${check.errors.join('; ')}`);
    if (options.externalAddresses.length === 0) throw new Error('a NAT needs at least one external address');
    this.config = options.config;
    this.ports = new ExternalPorts(options.config, [...options.externalAddresses], options.rng);
  }

  get externalAddresses(): readonly string[] {
    return this.ports.addresses;
  }

  /** Whether `ip` is one of the NAT's own external addresses (a packet from inside to it needs hairpinning). */
  isExternalAddress(ip: string): boolean {
    return this.ports.isExternalAddress(ip);
  }

  /** An outbound packet from `internal` to `remote`: which source address it leaves with, or why it is dropped. */
  outbound(now: Micros, internal: TransportAddress, remote: TransportAddress): OutboundDecision {
    const expired = this.sweep(now);
    const c = this.config;
    const boundTo = remoteKey(c.mapping, remote);
    const key = `${endpointKey(internal)}>${boundTo}`;
    const existing = this.byKey.get(key);
    if (existing) {
      this.touch(existing, now, remote);
      return new OutboundRefresh(existing, remote, expired);
    }
    const a = this.ports.allocate(now, internal, boundTo, (ip) => this.portsOfEndpoint(internal, ip));
    if (!a.ok) {
      const data = { internal: fmt(internal), remote: fmt(remote), reason: a.reason };
      return { action: 'drop', reason: a.reason, text: a.text, note: natNote('nat.mapping.failed', `no mapping for ${fmt(internal)} → ${fmt(remote)}: ${a.text}`, data), expired };
    }
    const m: MappingState = {
      id: this.nextId++,
      internal,
      external: a.external,
      key,
      boundTo,
      remotes: new Map(),
      created: now,
      lastRefresh: now,
      expires: now,
      replied: false,
      block: a.block,
    };
    this.touch(m, now, remote);
    this.byKey.set(key, m);
    this.ports.attach(m, a.newBlock);
    const how: Record<PortHow, string> = {
      preserved: 'port preserved',
      reused: 'port shared with its other mappings (port overlapping)',
      sequential: c.portAssignment === 'preserve' ? `port ${internal.port} taken, next free port` : 'next port in sequence',
      random: c.portAssignment === 'preserve' ? `port ${internal.port} taken, random port` : 'random port',
    };
    const block = a.newBlock ? `, new port block ${a.newBlock.lo}-${a.newBlock.hi}` : '';
    const text = `mapping created ${pair(m)} for ${fmt(remote)} (${c.mapping} mapping, ${how[a.how]}${block})`;
    const data = { ...mappingData(m), remote: fmt(remote), mapping: c.mapping, port: a.how };
    return { action: 'forward', external: m.external, mapping: viewOf(m), mappingId: m.id, event: 'created', port: a.how, note: natNote('nat.mapping.created', text, data), expired };
  }

  /** An inbound packet to `external` (its destination) from `remote` (its source): where it goes inside, or why not. */
  inbound(now: Micros, external: TransportAddress, remote: TransportAddress): InboundDecision {
    const expired = this.sweep(now);
    const c = this.config;
    const users = this.ports.usersOf(external);
    if (users.length === 0) {
      const text = `no mapping for ${fmt(external)}: nothing inside has sent a packet through that port`;
      return { action: 'drop', reason: 'no-mapping', text, note: natNote('nat.no-mapping', text, { external: fmt(external), remote: fmt(remote) }), expired };
    }
    // With port overlapping several mappings share the port; the remote picks one (RFC 7857 §3).
    const m = users.length === 1 ? users[0]! : users.find((u) => u.boundTo === remoteKey(c.mapping, remote));
    if (!m || !filterAdmits(m, c.filtering, remote)) {
      const shown = c.filtering === 'address-dependent' ? remote.ip : fmt(remote);
      const insiders = [...new Set(users.map((u) => fmt(u.internal)))].join(' or ');
      const text = `${c.filtering} filtering: no outbound packet from ${insiders} to ${shown} was seen`;
      const data = { external: fmt(external), remote: fmt(remote), filtering: c.filtering, internal: insiders };
      const refused = m ?? users[0]!;
      return { action: 'drop', reason: 'filtered', text, mapping: viewOf(refused), note: natNote('nat.filtered', text, data), expired };
    }
    const wasReplied = m.replied;
    m.replied = true;
    // RFC 4787 REQ-6a: inbound refresh is optional; the first reply also moves off the unreplied lifetime.
    const refreshed = c.inboundRefresh;
    if (refreshed) {
      m.lastRefresh = now;
      m.expires = now + c.mappingLifetime;
    }
    return new InboundForward(m, external, remote, refreshed, !wasReplied, expired);
  }

  /**
   * A packet from inside to one of the NAT's external addresses (RFC 4787 §6): translated outbound (the sender
   * gets or refreshes its mapping, REQ-9b), then inbound through the destination mapping and its filter.
   */
  hairpin(now: Micros, internal: TransportAddress, destination: TransportAddress): HairpinDecision {
    if (!this.config.hairpinning) {
      const expired = this.sweep(now);
      const text = `hairpinning is off: ${fmt(internal)} cannot reach the NAT's own external address ${fmt(destination)}`;
      return { action: 'drop', reason: 'hairpinning-disabled', text, note: natNote('nat.hairpin', text, { internal: fmt(internal), destination: fmt(destination), hairpinning: false }), expired };
    }
    const out = this.outbound(now, internal, destination);
    if (out.action === 'drop') return out;
    void out.note; // the outbound facts as they are before the inbound half changes the mapping
    const inb = this.inbound(now, destination, out.external);
    const expired = [...out.expired, ...inb.expired];
    if (inb.action === 'drop') return { action: 'drop', reason: inb.reason, text: `hairpin: ${inb.text}`, note: inb.note, expired };
    const text = `hairpin: ${fmt(internal)} → ${fmt(destination)} looped back as ${fmt(out.external)} → ${fmt(inb.internal)}`;
    const data = { internal: fmt(internal), destination: fmt(destination), source: fmt(out.external), delivered: fmt(inb.internal) };
    return { action: 'forward', source: out.external, destination: inb.internal, outbound: out, inbound: inb, note: natNote('nat.hairpin', text, data), expired };
  }

  /**
   * The mapping an inbound packet from `remote` to `external` would use, filter included, changing nothing: what an
   * ICMP error quoting a datagram of that mapping is translated by (RFC 5508 §4.2: an error neither refreshes nor
   * removes a mapping).
   */
  peekInbound(external: TransportAddress, remote: TransportAddress): NatMappingView | undefined {
    const users = this.ports.usersOf(external);
    const m = users.length === 1 ? users[0]! : users.find((u) => u.boundTo === remoteKey(this.config.mapping, remote));
    return m && filterAdmits(m, this.config.filtering, remote) ? viewOf(m) : undefined;
  }

  /** The live mapping `internal` uses toward `remote`, changing nothing (an inside host's ICMP error, RFC 5508 §4.2). */
  peekOutbound(internal: TransportAddress, remote: TransportAddress): NatMappingView | undefined {
    const m = this.byKey.get(`${endpointKey(internal)}>${remoteKey(this.config.mapping, remote)}`);
    return m ? viewOf(m) : undefined;
  }

  /** Removes the mappings whose lifetime ended at or before `now`, in expiry order. */
  expire(now: Micros): ExpiredMapping[] {
    return this.sweep(now);
  }

  /** When the next mapping expires, or undefined when there is none. */
  nextExpiry(): Micros | undefined {
    let min = Number.POSITIVE_INFINITY;
    for (const m of this.byKey.values()) if (m.expires < min) min = m.expires;
    this.earliest = min;
    return this.byKey.size > 0 ? min : undefined;
  }

  /**
   * Sets when a mapping expires, for a protocol whose idle timeout depends on more than the last packet (TCP,
   * RFC 5382 REQ-5: the phase of the connections through it). Returns false when there is no such mapping.
   */
  setExpiry(id: number, expires: Micros): boolean {
    for (const m of this.byKey.values()) {
      if (m.id !== id) continue;
      m.expires = expires;
      if (expires < this.earliest) this.earliest = expires;
      return true;
    }
    return false;
  }

  /** The NAT table for the visualizer, in creation order. */
  mappings(): NatMappingView[] {
    return [...this.byKey.values()].map(viewOf);
  }

  /** The paired external address of an internal IP address while it holds mappings (RFC 4787 REQ-2). */
  pairingOf(internalIp: string): string | undefined {
    return this.ports.pairingOf(internalIp);
  }

  /** CGN port blocks held by an internal IP address (RFC 6888 §5). */
  portBlocksOf(internalIp: string): readonly { readonly ip: string; readonly lo: number; readonly hi: number }[] {
    return this.ports.blocksOf(internalIp);
  }

  private lifetime(m: MappingState): Micros {
    return !m.replied && this.config.unrepliedLifetime !== undefined ? this.config.unrepliedLifetime : this.config.mappingLifetime;
  }

  /** RFC 4787 REQ-6: an outbound packet always refreshes its mapping and adds its remote to the filter set. */
  private touch(m: MappingState, now: Micros, remote: TransportAddress): void {
    m.lastRefresh = now;
    m.expires = now + this.lifetime(m);
    if (m.expires < this.earliest) this.earliest = m.expires;
    const k = fmt(remote);
    const seen = m.remotes.get(k);
    if (seen) seen.lastSeen = now;
    else m.remotes.set(k, { remote, firstSeen: now, lastSeen: now });
  }

  private portsOfEndpoint(internal: TransportAddress, ip: string): number[] {
    const out: number[] = [];
    for (const m of this.byKey.values()) if (m.external.ip === ip && m.internal.port === internal.port && m.internal.ip === internal.ip) out.push(m.external.port);
    return out.reverse();
  }

  private sweep(now: Micros): ExpiredMapping[] {
    if (now < this.earliest) return [];
    const gone = [...this.byKey.values()].filter((m) => m.expires <= now).sort((a, b) => a.expires - b.expires || a.id - b.id);
    const out: ExpiredMapping[] = [];
    for (const m of gone) {
      this.byKey.delete(m.key);
      this.ports.detach(m, m.expires);
      const idle = formatDuration(m.expires - m.lastRefresh);
      const text = `mapping ${pair(m)} expired after ${idle} without a refreshing packet`;
      out.push({ mapping: viewOf(m), note: natNote('nat.mapping.expired', text, { ...mappingData(m), lastRefresh: m.lastRefresh }) });
    }
    this.nextExpiry();
    return out;
  }
}
