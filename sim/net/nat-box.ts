import { icmpOffset, readIcmp } from './icmp/receive.ts';
import { natNote, type NatDetails } from './nat/notes.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import type { Timer } from '../core/scheduler.ts';
import { formatDuration } from '../core/time.ts';
import type { Hop, JsonValue } from '../core/trace.ts';
import { peekUdpDatagram, rewritePeekedUdpDatagram, rewriteUdpDatagram, type UdpDatagramView, type UdpRewrite } from '../wire/ip/udp-datagram.ts';
import { carriesTcp, peekTcpDatagram, rewriteTcpDatagram } from '../wire/tcp/tcp-ip.ts';
import { withOverrides } from './nat/config.ts';
import { DEFAULT_TCP_NAT_TIMEOUTS, TcpSessions, type TcpNatTimeouts } from './nat/tcp-sessions.ts';
import type { Interface, InterfaceAddress } from './interface.ts';
import type { NatConfig } from './nat/config.ts';
import type { NatNoteFacts } from './nat/mapping.ts';
import { NatTable, type ExpiredMapping } from './nat/table.ts';
import type { Network } from './network.ts';
import { destinationOf, mustNotFragment, NetNode } from './node.ts';
import { linkLocalDropReason } from './multicast.ts';
import { translateIcmp, translateStaticIcmp } from './nat/icmp.ts';
import { StaticBindings, type StaticDecision } from './nat/static.ts';
import { MS } from '../core/time.ts';

/**
 * A NAT box (RFC 4787): a router whose outside interface carries its public addresses. It asks its NatTable what
 * to do with each UDP datagram and rewrites the real IP and UDP header bytes (checksums fixed) accordingly.
 * Every mapping created or expired, and every datagram filtered, becomes a note or a drop reason in the trace.
 */
export class NatBox extends NetNode {
  protected override reassemblesIpv6 = true; // it must read the ports of fragmented IPv6 too, as of IPv4
  readonly table: NatTable;
  /** TCP has its own mappings (RFC 5382 §4: same behaviours as UDP, separate port space) and timeouts. */
  readonly tcpTable: NatTable;
  readonly tcpSessions: TcpSessions;
  /** ICMP queries (echo) mapped by identifier, endpoint-independent, 60 s idle (RFC 5508 §3 REQ-1, REQ-2). */
  readonly icmpTable: NatTable;
  /** Static 1:1 bindings (RFC 2663 §3.1), decided before the tables; their outside addresses leave the dynamic pool. */
  readonly statics: StaticBindings;
  /** Whether any outside address is left for dynamic mappings. */
  private readonly dynamicPool: boolean;
  private readonly staticSeen = new Set<string>();
  private expiryTimer: Timer | undefined;
  readonly stats = { translatedOut: 0, translatedIn: 0, hairpinned: 0, created: 0, expired: 0, filtered: 0, noMapping: 0, failed: 0 };

  constructor(
    net: Network,
    name: string,
    readonly config: NatConfig,
    readonly preset: string,
    readonly internal: InterfaceAddress,
    readonly external: readonly string[],
    tcpTimeouts: Partial<TcpNatTimeouts> = {},
  ) {
    super(net, name, 'nat');
    this.statics = new StaticBindings(config.staticBindings ?? []);
    const pool = external.filter((ip) => !this.statics.isBoundExternal(ip));
    this.dynamicPool = pool.length > 0;
    // every outside address bound 1:1: the tables keep them all but are never asked (an unbound host is refused first)
    const dynamic = this.dynamicPool ? pool : external;
    this.table = new NatTable({ config, externalAddresses: dynamic, rng: net.rng.fork(`nat/${name}`) });
    this.tcpSessions = new TcpSessions({ ...DEFAULT_TCP_NAT_TIMEOUTS, ...tcpTimeouts });
    const tcpConfig = withOverrides(config, { mappingLifetime: this.tcpSessions.timeouts.established, unrepliedLifetime: undefined });
    this.tcpTable = new NatTable({ config: tcpConfig, externalAddresses: dynamic, rng: net.rng.fork(`nat/${name}/tcp`) });
    const icmpConfig = withOverrides(config, { mapping: 'endpoint-independent', mappingLifetime: 60_000 * MS, unrepliedLifetime: undefined, portParity: false, portOverlapping: false, portBlocks: undefined });
    this.icmpTable = new NatTable({ config: icmpConfig, externalAddresses: dynamic, rng: net.rng.fork(`nat/${name}/icmp`) });
  }

  /** Called once the topology is wired. */
  start(): void {
    const statics = this.statics.list.map((b) => `${b.internal} ⇄ ${b.external}`).join(', ');
    const dynamic = `${this.config.mapping} mapping, ${this.config.filtering} filtering, ${this.config.portAssignment} ports, hairpinning ${this.config.hairpinning ? 'on' : 'off'}`;
    this.net.note(this.name, natNote('nat.config', `${this.name} is a ${this.preset} NAT: ${statics ? `static 1:1 ${statics} (every port, both ways, no filtering); ${this.dynamicPool ? `other hosts: ${dynamic}` : 'no address left for other hosts'}` : dynamic}`, this.details()));
  }

  private isOutside(iface: Interface): boolean {
    return iface.addresses.some((a) => this.external.includes(a.ip));
  }

  receive(iface: Interface, arriving: Uint8Array, hop: Hop): void {
    // as Linux's conntrack (nf_defrag_ipv4): a NAT translates whole datagrams, so it puts fragments back together first
    const bytes = this.reassemble(arriving, hop);
    if (!bytes) return;
    const local = linkLocalDropReason(destinationOf(bytes)); // a NAT is a router: link-local multicast stays inside
    if (local) return this.drop(hop, local);
    if (icmpOffset(bytes)) {
      this.receiveIcmp(iface, bytes, hop);
      return;
    }
    if (carriesTcp(bytes)) {
      this.receiveTcp(iface, bytes, hop);
      return;
    }
    const v = peekUdpDatagram(bytes);
    if ('error' in v) {
      this.drop(hop, `cannot translate: ${v.error}`);
      return;
    }
    const now = this.net.now;
    const src: TransportAddress = { ip: v.src, port: v.srcPort };
    const dst: TransportAddress = { ip: v.dst, port: v.dstPort };
    if (this.viaStatic(iface, bytes, hop, src, dst, 'udp')) return;
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
      this.forward(bytes, hop, { dst: d.internal.ip, dstPort: d.internal.port }, v);
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
      this.forward(bytes, hop, { src: d.source.ip, srcPort: d.source.port, dst: d.destination.ip, dstPort: d.destination.port }, v);
      return;
    }
    const out = this.routes.lookup(dst.ip);
    if (out && !this.isOutside(out)) {
      // another inside destination: routed, not translated
      this.forward(bytes, hop, {}, v);
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
    else this.refreshed(d, hop.packet);
    this.stats.translatedOut++;
    this.forward(bytes, hop, { src: d.external.ip, srcPort: d.external.port }, v);
  }

  /**
   * TCP through the NAT (RFC 5382): the same mapping, filtering, port and hairpinning behaviours as UDP on a
   * separate table; each connection's phase sets its mapping's idle timeout (REQ-5). An unsolicited inbound SYN
   * is dropped silently (REQ-4 allows no answer for at least 6 s, which is what lets simultaneous open work).
   */
  private receiveTcp(iface: Interface, bytes: Uint8Array, hop: Hop): void {
    const v = peekTcpDatagram(bytes);
    if ('error' in v) {
      this.drop(hop, `cannot translate: ${v.error}`);
      return;
    }
    const now = this.net.now;
    const src: TransportAddress = { ip: v.src, port: v.srcPort };
    const dst: TransportAddress = { ip: v.dst, port: v.dstPort };
    if (this.viaStatic(iface, bytes, hop, src, dst, 'tcp')) return;
    const t = this.tcpTable;
    if (this.isOutside(iface)) {
      if (!t.isExternalAddress(dst.ip)) {
        this.drop(hop, `not addressed to one of ${this.name}'s external addresses (${dst.ip})`);
        return;
      }
      const d = t.inbound(now, dst, src);
      this.reportExpired(d.expired.map(tagTcp));
      if (d.action === 'drop') {
        if (d.reason === 'filtered') this.stats.filtered++;
        else this.stats.noMapping++;
        this.noteFacts(tcpFacts(d.note), hop.packet);
        this.drop(hop, d.reason === 'filtered' ? `NAT filtering: ${d.text}` : `NAT no mapping: ${d.text}`);
        return;
      }
      this.stats.translatedIn++;
      this.trackTcp(d.mapping.id, src, 'in', v.flags, hop.packet);
      this.forward(bytes, hop, { dst: d.internal.ip, dstPort: d.internal.port });
      return;
    }
    if (t.isExternalAddress(dst.ip)) {
      const d = t.hairpin(now, src, dst);
      this.reportExpired(d.expired.map(tagTcp));
      this.noteFacts(tcpFacts(d.note), hop.packet);
      if (d.action === 'drop') {
        this.drop(hop, `NAT hairpinning: ${d.text}`);
        return;
      }
      if (d.outbound.event === 'created') this.created(tcpFacts(d.outbound.note), hop.packet);
      this.stats.hairpinned++;
      this.trackTcp(d.outbound.mapping.id, dst, 'out', v.flags, hop.packet);
      this.trackTcp(d.inbound.mapping.id, d.source, 'in', v.flags, hop.packet);
      this.forward(bytes, hop, { src: d.source.ip, srcPort: d.source.port, dst: d.destination.ip, dstPort: d.destination.port });
      return;
    }
    const out = this.routes.lookup(dst.ip);
    if (out && !this.isOutside(out)) {
      this.forward(bytes, hop, {});
      return;
    }
    const d = t.outbound(now, src, dst);
    this.reportExpired(d.expired.map(tagTcp));
    if (d.action === 'drop') {
      this.stats.failed++;
      this.noteFacts(tcpFacts(d.note), hop.packet);
      this.drop(hop, `NAT mapping failed: ${d.text}`);
      return;
    }
    if (d.event === 'created') this.created(tcpFacts(d.note), hop.packet);
    this.stats.translatedOut++;
    this.trackTcp(d.mapping.id, dst, 'out', v.flags, hop.packet);
    this.forward(bytes, hop, { src: d.external.ip, srcPort: d.external.port });
  }

  /** ICMP through the NAT (RFC 5508): errors by the mapping of the datagram they quote, echoes by identifier. */
  private receiveIcmp(iface: Interface, bytes: Uint8Array, hop: Hop): void {
    const ttl = bytes[0]! >> 4 === 4 ? bytes[8]! : bytes[7]!;
    if (ttl <= 1) {
      // RFC 1812 §5.3.1: Time Exceeded for a query (a ping with a low TTL), never for an ICMP error (RFC 1122 §3.2.2)
      const m = readIcmp(bytes);
      const told = !('error' in m) && m.type !== 'error' && this.sendIcmpError({ kind: 'time-exceeded' }, bytes);
      this.drop(hop, `TTL expired in transit${told ? '; ICMP Time Exceeded sent' : ''}`);
      return;
    }
    const bound = translateStaticIcmp(this.statics, this.isOutside(iface), bytes);
    if (bound?.action === 'forward') this.staticUsed(bound.direction, this.isOutside(iface) ? readIcmpDst(bytes) : readIcmpSrc(bytes), 'icmp', hop.packet);
    const d = bound ?? translateIcmp({ udp: this.table, tcp: this.tcpTable, icmp: this.icmpTable }, this.net.now, this.isOutside(iface), bytes);
    if (d.action === 'drop') {
      if (d.note) this.noteFacts(icmpFacts(d.note), hop.packet);
      this.drop(hop, d.reason);
      return;
    }
    if (d.note && d.created) this.created(icmpFacts(d.note), hop.packet);
    if (d.direction === 'in') this.stats.translatedIn++;
    else this.stats.translatedOut++;
    const out = this.routes.lookup(d.dst);
    if (!out) {
      this.drop(hop, `no route to ${d.dst}`);
      return;
    }
    out.send(d.bytes, hop.packet);
    this.armExpiry();
  }

  /**
   * A datagram a static 1:1 binding decides (RFC 2663 §3.1): its address rewritten, ports kept, no table, no filter.
   * True when it was handled here (forwarded or dropped); false sends it on to the dynamic tables.
   */
  private viaStatic(iface: Interface, bytes: Uint8Array, hop: Hop, src: TransportAddress, dst: TransportAddress, protocol: 'udp' | 'tcp'): boolean {
    if (this.statics.size === 0) return false;
    const outside = this.isOutside(iface);
    if (!outside) {
      const out = this.routes.lookup(dst.ip);
      if (out && !this.isOutside(out) && !this.statics.isBoundExternal(dst.ip)) return false; // inside to inside: routed
      if (this.statics.ofInternal(src.ip) && this.table.isExternalAddress(dst.ip) && !this.statics.isBoundExternal(dst.ip)) {
        this.drop(hop, `NAT 1:1: hairpinning from ${src.ip} (bound 1:1) to a dynamic mapping on ${dst.ip} is not modelled`);
        return true;
      }
    }
    const d: StaticDecision | undefined = this.statics.decide(outside, src.ip, dst.ip);
    if (!d) {
      if (outside || this.dynamicPool) return false;
      this.stats.failed++;
      this.drop(hop, `NAT 1:1: ${src.ip} has no static binding, and every external address is bound 1:1 (none left for dynamic mappings)`);
      return true;
    }
    if (d.action === 'drop') {
      this.drop(hop, `NAT 1:1: ${d.reason}`);
      return true;
    }
    this.staticUsed(d.direction, d.binding.internal, protocol, hop.packet, d.direction === 'in' ? src : dst);
    if (d.direction === 'in') this.stats.translatedIn++;
    else if (d.direction === 'out') this.stats.translatedOut++;
    else this.stats.hairpinned++;
    this.forward(bytes, hop, d.change);
    return true;
  }

  /** The first datagram of each binding, direction and protocol is noted (a static binding has no mapping to show). */
  private staticUsed(direction: 'in' | 'out' | 'hairpin', internal: string | undefined, protocol: 'udp' | 'tcp' | 'icmp', packet: number, remote?: TransportAddress): void {
    const b = internal === undefined ? undefined : this.statics.ofInternal(internal) ?? this.statics.ofExternal(internal);
    if (!b) return;
    const key = `${b.internal} ${direction} ${protocol}`;
    if (this.staticSeen.has(key)) return;
    this.staticSeen.add(key);
    const r = remote ? (remote.ip.includes(':') ? `[${remote.ip}]:${remote.port}` : `${remote.ip}:${remote.port}`) : '';
    const what = direction === 'in' ? `${protocol.toUpperCase()} to ${b.external}${r ? ` from ${r}` : ''} let in to ${b.internal}` : direction === 'out' ? `${protocol.toUpperCase()} from ${b.internal}${r ? ` to ${r}` : ''} leaves as ${b.external}` : `${protocol.toUpperCase()} looped back to ${b.internal}`;
    this.net.note(this.name, natNote('nat.static', `${this.name}: 1:1 binding ${b.internal} ⇄ ${b.external}: ${what} (static, every port, no filtering; first such datagram)`, { internal: b.internal, external: b.external, direction, protocol, ...(r ? { remote: r } : {}) }), packet);
  }

  /** RFC 5382 REQ-5: the connection's phase decides how long its mapping may stay idle. */
  private trackTcp(mapping: number, remote: TransportAddress, direction: 'out' | 'in', flags: number, packet: number): void {
    const o = this.tcpSessions.observe(this.net.now, mapping, remote, direction, flags);
    this.tcpTable.setExpiry(mapping, o.expires);
    if (o.before !== o.after) {
      const m = this.tcpTable.mappings().find((x) => x.id === mapping);
      const pair = m ? `${m.internal.ip}:${m.internal.port} ⇄ ${remote.ip}:${remote.port}` : `${remote.ip}:${remote.port}`;
      const timeout = o.after === 'established' ? this.tcpSessions.timeouts.established : this.tcpSessions.timeouts.transitory;
      this.net.note(this.name, natNote('nat.tcp.phase', `${this.name}: TCP ${pair} is ${o.after}${o.before ? ` (was ${o.before})` : ''}; idle timeout ${formatDuration(timeout)}`, { mapping, remote: `${remote.ip}:${remote.port}`, phase: o.after, expires: o.expires }), packet);
    }
  }

  /**
   * Rewrites the header (and lowers the TTL, as any router does) and sends it out of the routed interface. `udp` is
   * the datagram's UDP view when the caller peeked it already (not read again here).
   */
  private forward(bytes: Uint8Array, hop: Hop, change: Omit<UdpRewrite, 'ttlDecrement'>, udp?: UdpDatagramView): void {
    const ttlIndex = bytes[0]! >> 4 === 4 ? 8 : 7;
    if (bytes[ttlIndex]! <= 1) {
      // as any router (RFC 1812 §5.3.1): Time Exceeded from the NAT's address toward the sender, before translation
      const told = this.sendIcmpError({ kind: 'time-exceeded' }, bytes);
      this.drop(hop, `TTL expired in transit${told ? '; ICMP Time Exceeded sent' : ''}`);
      return;
    }
    const rewrite = { ...change, ttlDecrement: 1 };
    const into = this.net.trace.reserve(bytes.length); // the copy is made where its hop keeps it (no second copy)
    const rewritten = udp ? rewritePeekedUdpDatagram(bytes, udp, rewrite, into) : carriesTcp(bytes) ? rewriteTcpDatagram(bytes, rewrite, into) : rewriteUdpDatagram(bytes, rewrite, into);
    const dst = change.dst ?? udp?.dst ?? peekDst(bytes);
    const out = this.routes.lookup(dst);
    if (!out) {
      this.drop(hop, `no route to ${dst}`);
      return;
    }
    const mtu = out.link?.params(out).mtu;
    // a reassembled IPv6 datagram leaves in fragments again, as it came (node.ts, nat/ipv6-refragment.ts)
    if (this.refragment6(bytes, rewritten, hop, out, mtu)) return this.armExpiry();
    if (mtu !== undefined && rewritten.length > mtu && mustNotFragment(rewritten)) {
      // as any router (RFC 1191 §4, RFC 8201 §4): Fragmentation Needed / Packet Too Big toward the sender, quoting
      // the datagram as it arrived (Linux's conntrack translates the quote back the same way)
      const told = this.sendIcmpError({ kind: 'too-big', mtu }, bytes);
      this.drop(hop, `exceeds the next-hop MTU of ${out.name} (${rewritten.length} bytes > ${mtu}) and may not be fragmented${told ? `; ICMP ${rewritten[0]! >> 4 === 4 ? 'Fragmentation Needed' : 'Packet Too Big'} sent` : ''}`);
      return;
    }
    this.sendFragmenting(out, rewritten, hop.packet);
    this.armExpiry();
  }

  /**
   * Outbound refreshes move a mapping's expiry (RFC 4787 REQ-6); they are noted at most once a second per mapping,
   * so the NAT table shown at any moment is right to the second without a note for every media packet.
   */
  private readonly lastRefreshNote = new Map<number, number>();
  private refreshed(d: { readonly mappingId: number; readonly note: NatNoteFacts }, packet: number): void {
    const last = this.lastRefreshNote.get(d.mappingId);
    if (last !== undefined && this.net.now - last < 1_000_000) return;
    this.lastRefreshNote.set(d.mappingId, this.net.now);
    this.noteFacts(d.note, packet); // the decision's note is made only now (sim/net/nat/table.ts)
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
      if ('protocol' in e.note.data && e.note.data.protocol === 'tcp') this.tcpSessions.dropMapping(e.mapping.id);
      this.stats.expired++;
      this.noteFacts(e.note);
    }
  }

  /** Expiry is reported when it happens, not only when the next packet comes: a timer at the next deadline. */
  private armExpiry(): void {
    // runs for every datagram forwarded: no array of the three tables' deadlines
    const udp = this.table.nextExpiry();
    const tcp = this.tcpTable.nextExpiry();
    const icmp = this.icmpTable.nextExpiry();
    let at = Number.POSITIVE_INFINITY;
    if (udp !== undefined && udp < at) at = udp;
    if (tcp !== undefined && tcp < at) at = tcp;
    if (icmp !== undefined && icmp < at) at = icmp;
    if (at === Number.POSITIVE_INFINITY) return;
    const timer = this.expiryTimer; // moved, not made anew, when a refresh pushes the deadline back (every packet)
    if (timer && !timer.cancelled && timer.at === at) return;
    this.expiryTimer = timer ? this.net.scheduler.move(timer, at) : this.net.scheduler.at(at, `${this.name} mapping expiry`, this.expireDue);
  }

  private readonly expireDue = (): void => {
    this.expiryTimer = undefined;
    this.reportExpired(this.table.expire(this.net.now));
    this.reportExpired(this.tcpTable.expire(this.net.now).map(tagTcp));
    this.reportExpired(this.icmpTable.expire(this.net.now).map((e) => ({ mapping: e.mapping, note: icmpFacts(e.note) })));
    this.armExpiry();
  };

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
      ...(this.statics.size > 0 ? { staticBindings: this.statics.list.map((b) => ({ internal: b.internal, external: b.external })) } : {}),
    };
  }

  summary(): { [key: string]: JsonValue } {
    return { preset: this.preset, ...this.stats, active: this.table.mappings().length };
  }
}

function readIcmpDst(bytes: Uint8Array): string | undefined {
  const m = readIcmp(bytes);
  return 'error' in m ? undefined : m.dst;
}

function readIcmpSrc(bytes: Uint8Array): string | undefined {
  const m = readIcmp(bytes);
  return 'error' in m ? undefined : m.src;
}

function peekDst(bytes: Uint8Array): string {
  const v = carriesTcp(bytes) ? peekTcpDatagram(bytes) : peekUdpDatagram(bytes);
  return 'error' in v ? '' : v.dst;
}

/** TCP mapping notes say so, and the box knows to forget the mapping's connections. */
function tagTcp(e: ExpiredMapping): ExpiredMapping {
  return { mapping: e.mapping, note: tcpFacts(e.note) };
}

function icmpFacts(n: NatNoteFacts): NatNoteFacts {
  // as tcpFacts: the same kind and data, marked as an ICMP query mapping (the "port" is the echo identifier)
  return { kind: n.kind, text: `ICMP ${n.text}`, data: { ...n.data, protocol: 'icmp' } } as NatNoteFacts;
}

function tcpFacts(n: NatNoteFacts): NatNoteFacts {
  // the same kind with the same data plus `protocol` (every mapping note's data has MappingFacts' optional
  // protocol); TypeScript does not follow the kind-to-data correlation through a spread of the union
  return { kind: n.kind, text: `TCP ${n.text}`, data: { ...n.data, protocol: 'tcp' } } as NatNoteFacts;
}
