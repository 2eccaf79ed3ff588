import { natNote, type NatDetails } from './nat/notes.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import type { Timer } from '../core/scheduler.ts';
import type { Hop, JsonValue } from '../core/trace.ts';
import { peekUdpDatagram, rewriteUdpDatagram, type UdpRewrite } from '../wire/ip/udp-datagram.ts';
import type { Interface, InterfaceAddress } from './interface.ts';
import type { NatConfig } from './nat/config.ts';
import type { NatNoteFacts } from './nat/mapping.ts';
import { NatTable, type ExpiredMapping } from './nat/table.ts';
import type { Network } from './network.ts';
import { NetNode } from './node.ts';

/**
 * A NAT box (RFC 4787): a router whose outside interface carries its public addresses. It asks its NatTable what
 * to do with each UDP datagram and rewrites the real IP and UDP header bytes (checksums fixed) accordingly.
 * Every mapping created or expired, and every datagram filtered, becomes a note or a drop reason in the trace.
 */
export class NatBox extends NetNode {
  readonly table: NatTable;
  private expiryTimer: Timer | undefined;
  readonly stats = { translatedOut: 0, translatedIn: 0, hairpinned: 0, created: 0, expired: 0, filtered: 0, noMapping: 0, failed: 0 };

  constructor(
    net: Network,
    name: string,
    readonly config: NatConfig,
    readonly preset: string,
    readonly internal: InterfaceAddress,
    readonly external: readonly string[],
  ) {
    super(net, name, 'nat');
    this.table = new NatTable({ config, externalAddresses: external, rng: net.rng.fork(`nat/${name}`) });
  }

  /** Called once the topology is wired. */
  start(): void {
    this.net.note(this.name, natNote('nat.config', `${this.name} is a ${this.preset} NAT: ${this.config.mapping} mapping, ${this.config.filtering} filtering, ${this.config.portAssignment} ports, hairpinning ${this.config.hairpinning ? 'on' : 'off'}`, this.details()));
  }

  private isOutside(iface: Interface): boolean {
    return iface.addresses.some((a) => this.external.includes(a.ip));
  }

  receive(iface: Interface, bytes: Uint8Array, hop: Hop): void {
    const v = peekUdpDatagram(bytes);
    if ('error' in v) {
      this.drop(hop, `cannot translate: ${v.error}`);
      return;
    }
    const now = this.net.now;
    const src: TransportAddress = { ip: v.src, port: v.srcPort };
    const dst: TransportAddress = { ip: v.dst, port: v.dstPort };
    if (this.isOutside(iface)) {
      if (!this.table.isExternalAddress(dst.ip)) {
        this.drop(hop, `not addressed to one of ${this.name}'s external addresses (${dst.ip})`);
        return;
      }
      const d = this.table.inbound(now, dst, src);
      this.reportExpired(d.expired);
      if (d.action === 'drop') {
        if (d.reason === 'filtered') this.stats.filtered++;
        else this.stats.noMapping++;
        this.noteFacts(d.note, hop.packet);
        this.drop(hop, d.reason === 'filtered' ? `NAT filtering: ${d.text}` : `NAT no mapping: ${d.text}`);
        return;
      }
      this.stats.translatedIn++;
      this.forward(bytes, hop, { dst: d.internal.ip, dstPort: d.internal.port });
      return;
    }
    // from inside
    if (this.table.isExternalAddress(dst.ip)) {
      const d = this.table.hairpin(now, src, dst);
      this.reportExpired(d.expired);
      this.noteFacts(d.note, hop.packet);
      if (d.action === 'drop') {
        this.drop(hop, `NAT hairpinning: ${d.text}`);
        return;
      }
      if (d.outbound.event === 'created') this.created(d.outbound.note, hop.packet);
      this.stats.hairpinned++;
      this.forward(bytes, hop, { src: d.source.ip, srcPort: d.source.port, dst: d.destination.ip, dstPort: d.destination.port });
      return;
    }
    const out = this.routes.lookup(dst.ip);
    if (out && !this.isOutside(out)) {
      // another inside destination: routed, not translated
      this.forward(bytes, hop, {});
      return;
    }
    const d = this.table.outbound(now, src, dst);
    this.reportExpired(d.expired);
    if (d.action === 'drop') {
      this.stats.failed++;
      this.noteFacts(d.note, hop.packet);
      this.drop(hop, `NAT mapping failed: ${d.text}`);
      return;
    }
    if (d.event === 'created') this.created(d.note, hop.packet);
    else this.refreshed(d.mapping.id, d.note, hop.packet);
    this.stats.translatedOut++;
    this.forward(bytes, hop, { src: d.external.ip, srcPort: d.external.port });
  }

  /** Rewrites the header (and lowers the TTL, as any router does) and sends it out of the routed interface. */
  private forward(bytes: Uint8Array, hop: Hop, change: Omit<UdpRewrite, 'ttlDecrement'>): void {
    const ttlIndex = bytes[0]! >> 4 === 4 ? 8 : 7;
    if (bytes[ttlIndex]! <= 1) {
      this.drop(hop, 'TTL expired in transit');
      return;
    }
    const rewritten = rewriteUdpDatagram(bytes, { ...change, ttlDecrement: 1 });
    const dst = change.dst ?? peekDst(bytes);
    const out = this.routes.lookup(dst);
    if (!out) {
      this.drop(hop, `no route to ${dst}`);
      return;
    }
    out.send(rewritten, hop.packet);
    this.armExpiry();
  }

  /**
   * Outbound refreshes move a mapping's expiry (RFC 4787 REQ-6); they are noted at most once a second per mapping,
   * so the NAT table shown at any moment is right to the second without a note for every media packet.
   */
  private readonly lastRefreshNote = new Map<number, number>();
  private refreshed(mapping: number, note: NatNoteFacts, packet: number): void {
    const last = this.lastRefreshNote.get(mapping);
    if (last !== undefined && this.net.now - last < 1_000_000) return;
    this.lastRefreshNote.set(mapping, this.net.now);
    this.noteFacts(note, packet);
  }

  private created(note: NatNoteFacts, packet: number): void {
    this.stats.created++;
    this.noteFacts(note, packet);
  }

  private noteFacts(note: NatNoteFacts, packet?: number): void {
    this.net.note(this.name, { ...note, text: `${this.name}: ${note.text}` }, packet);
  }

  private reportExpired(list: readonly ExpiredMapping[]): void {
    for (const e of list) {
      this.stats.expired++;
      this.noteFacts(e.note);
    }
  }

  /** Expiry is reported when it happens, not only when the next packet comes: a timer at the next deadline. */
  private armExpiry(): void {
    const at = this.table.nextExpiry();
    if (at === undefined) return;
    if (this.expiryTimer && !this.expiryTimer.cancelled && this.expiryTimer.at === at) return;
    this.expiryTimer?.cancel();
    this.expiryTimer = this.net.scheduler.at(at, `${this.name} mapping expiry`, () => {
      this.expiryTimer = undefined;
      this.reportExpired(this.table.expire(this.net.now));
      this.armExpiry();
    });
  }

  override details(): NatDetails {
    const c = this.config;
    return {
      preset: this.preset,
      mapping: c.mapping,
      filtering: c.filtering,
      portAssignment: c.portAssignment,
      portParity: c.portParity,
      hairpinning: c.hairpinning,
      mappingLifetime: c.mappingLifetime,
      inboundRefresh: c.inboundRefresh,
      pooling: c.pooling,
      internal: `${this.internal.ip}/${this.internal.prefix}`,
      external: [...this.external],
      ...(c.portBlocks ? { portBlocks: { size: c.portBlocks.size, maxPerSubscriber: c.portBlocks.maxPerSubscriber } } : {}),
    };
  }

  summary(): { [key: string]: JsonValue } {
    return { preset: this.preset, ...this.stats, active: this.table.mappings().length };
  }
}

function peekDst(bytes: Uint8Array): string {
  const v = peekUdpDatagram(bytes);
  return 'error' in v ? '' : v.dst;
}
