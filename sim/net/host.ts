import { tcpNote } from '../tcp/notes.ts';
import { netNote } from './notes.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import type { Hop, JsonValue } from '../core/trace.ts';
import { formatIPv6, ipFamily } from '../wire/ip/address.ts';
import { fragmentIPv6 } from '../wire/ip/fragment.ts';
import type { Rng } from '../core/rng.ts';
import { PathMtuCache } from './ipv6-fragment.ts';
import { encodeUdpDatagram, peekUdpDatagram, udpPayload } from '../wire/ip/udp-datagram.ts';
import { carriesTcp, peekTcpDatagram, tcpSegmentOf, wrapTcpSegment } from '../wire/tcp/tcp-ip.ts';
import { parseSegment, resetFor } from '../tcp/segment.ts';
import type { Interface } from './interface.ts';
import type { Network } from './network.ts';
import { NetNode } from './node.ts';
import { isMulticast } from './multicast.ts';
import { encodeEchoDatagram } from './icmp/echo.ts';
import { icmpErrorName, icmpOffset, readIcmp, type ArrivingIcmp } from './icmp/receive.ts';
import { IPPROTO_ICMP, IPPROTO_ICMPV6 } from '../wire/icmp/icmp.ts';

/** A datagram handed to a socket: who sent it, to which of our addresses, the payload, and its trace hop. */
export type UdpHandler = (from: TransportAddress, to: TransportAddress, payload: Uint8Array, hop: Hop) => void;

/** A TCP segment (header and data, no IP header) handed to the host's TCP: who sent it, to which of our addresses. */
export type TcpHandler = (from: TransportAddress, to: TransportAddress, segment: Uint8Array, hop: Hop) => void;

/** An ICMP error about a datagram a socket sent: the router or host that sent it, its name, the quoted destination. */
export interface IcmpErrorReport {
  readonly from: string;
  /** "Port Unreachable", "Time to Live exceeded in Transit", "Fragmentation needed (MTU 1400)" … */
  readonly error: string;
  readonly kind: 'unreachable' | 'time-exceeded' | 'too-big' | 'other';
  /** The next-hop MTU of Fragmentation Needed / Packet Too Big. */
  readonly mtu?: number;
  /** The ICMP/ICMPv6 type and code as received, and the IP version. */
  readonly type: number;
  readonly code: number;
  readonly family: 4 | 6;
  /** Where the datagram that caused it was going, and where from (its source as the quote shows it). */
  readonly to: TransportAddress;
  readonly local: TransportAddress;
  readonly hop: Hop;
}

/** A bound UDP socket on a host. `ip` may be the wildcard "0.0.0.0" or "::". */
export class UdpSocket {
  handler: UdpHandler | undefined;
  /** Told of ICMP errors about datagrams this socket sent (a connected socket's ECONNREFUSED, EMSGSIZE …). */
  icmpHandler: ((e: IcmpErrorReport) => void) | undefined;
  closed = false;
  /** IPv4 Don't Fragment on what it sends (Linux's IP_PMTUDISC_DO, what browsers and our stacks use); false: IP_PMTUDISC_DONT. */
  dontFragment = true;
  constructor(
    readonly host: Host,
    readonly ip: string,
    readonly port: number,
  ) {}

  /** Sends `payload` to `to`; the source address is the bound one, or the routed interface's for a wildcard. */
  /** `dontFragment` overrides the socket's for this datagram (false: it may leave in fragments). */
  send(to: TransportAddress, payload: Uint8Array, fromIp?: string, ttl?: number, dontFragment = this.dontFragment): Hop | undefined {
    if (this.closed) throw new Error(`socket ${this.ip}:${this.port} on ${this.host.name} is closed`);
    return this.host.sendUdp(this, to, payload, fromIp, ttl, dontFragment);
  }

  onDatagram(handler: UdpHandler): this {
    this.handler = handler;
    return this;
  }

  onIcmpError(handler: (e: IcmpErrorReport) => void): this {
    this.icmpHandler = handler;
    return this;
  }

  close(): void {
    this.closed = true;
    this.host.unbind(this);
  }

  get local(): TransportAddress {
    return { ip: this.ip, port: this.port };
  }
}

const WILDCARD = new Set(['0.0.0.0', '::']);

/** An end host: originates and terminates datagrams through UDP sockets; never forwards. */
export class Host extends NetNode {
  protected override reassemblesIpv6 = true;
  private readonly sockets: UdpSocket[] = [];
  private nextEphemeral: number;
  private ipId: number;
  readonly counters = { sent: 0, received: 0, bytesSent: 0, bytesReceived: 0 };
  readonly tcpCounters = { sent: 0, received: 0, resets: 0 };
  private tcpHandler: TcpHandler | undefined;

  constructor(net: Network, name: string) {
    super(net, name, 'host');
    const rng = net.rng.fork(`host/${name}`);
    // Linux's default ephemeral range is 32768–60999 (net.ipv4.ip_local_port_range)
    this.nextEphemeral = rng.int(32768, 61000);
    this.ipId = rng.int(0, 65536);
  }

  /** Told when one of its interfaces goes up or down, as an OS tells its network monitor (libwebrtc's rtc::NetworkMonitor). */
  readonly networkWatchers: (() => void)[] = [];

  /** An interface goes up or down (a Wi-Fi lost, a cellular modem attached): its link carries nothing while down. */
  setInterfaceUp(iface: Interface, up: boolean): void {
    const link = iface.link;
    iface.up = up;
    if (link) for (const from of [link.a, link.b]) link.setParams(from, { ...link.params(from), down: !up });
    for (const w of this.networkWatchers) w();
  }

  /**
   * Binds a UDP socket; port 0 picks an ephemeral port. Throws if the address is not ours or the port is taken, unless
   * `reuseAddress` (SO_REUSEADDR, as mDNS sockets of both families share port 5353 on the wildcard addresses).
   */
  bindUdp(ip: string, port = 0, reuseAddress = false): UdpSocket {
    if (!WILDCARD.has(ip) && !this.ownsAddress(ip)) throw new Error(`${this.name}: cannot bind ${ip}: not an address of this host`);
    let p = port;
    if (p === 0) {
      for (let tries = 0; tries < 28232; tries++) {
        const candidate = this.nextEphemeral;
        this.nextEphemeral = candidate >= 60999 ? 32768 : candidate + 1;
        if (!this.portTaken(ip, candidate)) {
          p = candidate;
          break;
        }
      }
      if (p === 0) throw new Error(`${this.name}: no free ephemeral port`);
    } else if (!reuseAddress && this.portTaken(ip, p)) {
      throw new Error(`${this.name}: port ${p} on ${ip} is already bound`);
    }
    const s = new UdpSocket(this, ip, p);
    this.sockets.push(s);
    return s;
  }

  /** Multicast groups its sockets joined (IP_ADD_MEMBERSHIP / IPV6_JOIN_GROUP): datagrams to them are taken in. */
  readonly groups = new Set<string>();

  unbind(s: UdpSocket): void {
    const i = this.sockets.indexOf(s);
    if (i >= 0) this.sockets.splice(i, 1);
  }

  private portTaken(ip: string, port: number): boolean {
    return this.sockets.some((s) => s.port === port && (s.ip === ip || WILDCARD.has(s.ip) || WILDCARD.has(ip)));
  }

  /** Builds the real IP+UDP bytes and sends them out of the routed interface. */
  /** `ttl`: the IPv4 TTL or IPv6 hop limit (IP_TTL / IPV6_UNICAST_HOPS; 64 by default, as Linux). */
  sendUdp(socket: UdpSocket, to: TransportAddress, payload: Uint8Array, fromIp?: string, ttl?: number, dontFragment = socket.dontFragment): Hop | undefined {
    const family = ipFamily(to.ip);
    let src = fromIp ?? (WILDCARD.has(socket.ip) ? undefined : socket.ip);
    const out = this.egress(src, to.ip);
    if (src === undefined) src = out?.addressOf(family);
    if (!out || src === undefined) {
      this.net.note(this.name, netNote('net.no-route', `${this.name} cannot send to ${to.ip}: no route or no IPv${family} address`, { dst: to.ip }));
      return undefined;
    }
    const bytes = encodeUdpDatagram({ src, dst: to.ip, srcPort: socket.port, dstPort: to.port, payload, identification: family === 4 ? this.nextIpId() : 0, ...(ttl !== undefined ? { ttl } : {}), ...(dontFragment ? {} : { dontFragment: false }) }, this.arenaRoom);
    this.counters.sent++;
    this.counters.bytesSent += payload.length;
    if (family === 6) return this.sendIpv6(out, bytes, dontFragment, this.net.trace.newPacketId());
    // DF clear (IP_PMTUDISC_DONT): a datagram over the link's MTU leaves in fragments, as Linux sends it
    return dontFragment ? out.send(bytes, this.net.trace.newPacketId()) : this.sendFragmenting(out, bytes, this.net.trace.newPacketId());
  }

  /**
   * IPv6 leaves whole when it fits the path MTU to its destination (RFC 8201); otherwise a socket that lets the
   * stack fragment (IPV6_PMTUDISC_WANT, Linux's default; `dontFragment` false here) has it split at the source with a
   * Fragment header (RFC 8200 §4.5), while IPV6_DONTFRAG's datagram (`dontFragment`, what browsers set) goes as it is,
   * for the router that cannot forward it to answer with Packet Too Big. Returns the hop of the first.
   */
  private sendIpv6(out: Interface, bytes: Uint8Array, dontFragment: boolean, packet: number): Hop | undefined {
    const linkMtu = out.link?.params(out).mtu;
    if (linkMtu === undefined) return out.send(bytes, packet);
    const dst = formatIPv6(bytes, 24);
    const mtu = this.pathMtu.get(this.net.now, dst, linkMtu);
    if (bytes.length <= mtu || dontFragment) return out.send(bytes, packet);
    // RFC 7739: an identification nobody can predict, drawn from the host's own stream
    const id = (this.fragmentIds ??= this.net.rng.fork(`host/${this.name}/ipv6-fragment-id`)).u32();
    const parts = fragmentIPv6(bytes, mtu, id);
    if (!Array.isArray(parts)) {
      this.net.note(this.name, netNote('net.no-route', `${this.name} cannot fragment a ${bytes.length}-byte datagram to ${dst}: ${parts.error}`, { dst }));
      return undefined;
    }
    this.net.note(this.name, netNote('net.ip.fragmented', `${this.name}: a ${bytes.length}-byte IPv6 datagram to ${dst} split at the source into ${parts.length} fragments for the path MTU of ${mtu} (id 0x${id.toString(16).padStart(8, '0')})`, { id, length: bytes.length, mtu, fragments: parts.length }), packet);
    const first = out.send(parts[0]!, packet);
    for (const f of parts.slice(1)) out.send(f, this.net.trace.newPacketId());
    return first;
  }

  /** Path MTU per IPv6 destination, lowered by Packet Too Big (RFC 8201). */
  readonly pathMtu = new PathMtuCache();
  private fragmentIds: Rng | undefined;

  /**
   * The interface a datagram leaves by: on a multihomed host, the one that has its source address when that one is
   * connected (what a socket bound to one network does, as libwebrtc binds one per network); else the routed one.
   */
  private egress(src: string | undefined, dst: string): Interface | undefined {
    const own = src === undefined ? undefined : this.interfaces.find((i) => i.has(src));
    if (own?.link && this.interfaces.length > 1 && ipFamily(src!) === ipFamily(dst)) return own;
    return this.routes.lookup(dst);
  }

  private nextIpId(): number {
    const id = this.ipId;
    this.ipId = (this.ipId + 1) & 0xffff;
    return id;
  }

  /** Hands every TCP segment addressed to this host to `handler` (the host's TCP stack); one per host. */
  attachTcp(handler: TcpHandler): void {
    if (this.tcpHandler) throw new Error(`${this.name}: a TCP stack is already attached`);
    this.tcpHandler = handler;
  }

  /** Wraps a TCP segment from one of our addresses in a real IP header and sends it out of the routed interface. */
  sendTcp(from: TransportAddress, to: TransportAddress, segment: Uint8Array): Hop | undefined {
    const out = this.egress(from.ip, to.ip);
    if (!out || !this.ownsAddress(from.ip) || ipFamily(from.ip) !== ipFamily(to.ip)) {
      this.net.note(this.name, netNote('net.no-route', `${this.name} cannot send TCP from ${from.ip} to ${to.ip}: no route or not our address`, { dst: to.ip }));
      return undefined;
    }
    const bytes = wrapTcpSegment(from.ip, to.ip, segment, ipFamily(to.ip) === 4 ? this.nextIpId() : 0);
    this.tcpCounters.sent++;
    return out.send(bytes, this.net.trace.newPacketId());
  }

  /** RFC 9293 §3.10.7.1: without a TCP stack every port is closed, and a SYN is answered with RST. */
  private receiveTcp(bytes: Uint8Array, hop: Hop): void {
    const v = peekTcpDatagram(bytes);
    if ('error' in v) {
      this.drop(hop, `not a TCP segment this host can read (${v.error})`);
      return;
    }
    if (!this.ownsAddress(v.dst)) {
      this.drop(hop, `not addressed to this host (${v.dst})`);
      return;
    }
    this.tcpCounters.received++;
    const from = { ip: v.src, port: v.srcPort };
    const to = { ip: v.dst, port: v.dstPort };
    const segment = tcpSegmentOf(bytes, v);
    if (this.tcpHandler) {
      this.tcpHandler(from, to, segment, hop);
      return;
    }
    const parsed = parseSegment(segment, from, to);
    if ('error' in parsed) {
      this.drop(hop, `malformed TCP segment: ${parsed.error}`);
      return;
    }
    const rst = resetFor(parsed.segment, to, from);
    if (!rst) return;
    this.tcpCounters.resets++;
    this.net.note(this.name, tcpNote('tcp.reset-sent', `${this.name}: no TCP socket on port ${to.port}; RST to ${from.ip}:${from.port}`, { from: `${from.ip}:${from.port}`, port: to.port }), hop.packet);
    this.sendTcp(to, from, rst);
  }

  receive(iface: Interface, arriving: Uint8Array, hop: Hop): void {
    const bytes = this.reassemble(arriving, hop);
    if (!bytes) return;
    if (icmpOffset(bytes)) {
      this.receiveIcmp(bytes, hop);
      return;
    }
    const v = peekUdpDatagram(bytes);
    if ('error' in v && carriesTcp(bytes)) {
      this.receiveTcp(bytes, hop);
      return;
    }
    if ('error' in v) {
      this.drop(hop, `not a UDP datagram this host can read (${v.error})`);
      return;
    }
    if (!this.ownsAddress(v.dst) && !this.groups.has(v.dst)) {
      this.drop(hop, isMulticast(v.dst) ? `no socket here joined the group ${v.dst}` : `not addressed to this host (${v.dst})`);
      return;
    }
    const socket =
      this.sockets.find((s) => s.port === v.dstPort && s.ip === v.dst) ??
      this.sockets.find((s) => s.port === v.dstPort && WILDCARD.has(s.ip) && ipFamily(s.ip) === v.family);
    if (!socket || !socket.handler) {
      // RFC 1122 §4.1.3.1: a UDP datagram for a port nobody listens on is answered with Port Unreachable
      const told = this.sendIcmpError({ kind: 'port-unreachable' }, bytes);
      this.drop(hop, `port unreachable: no socket bound to ${v.dst} port ${v.dstPort}${told ? '; ICMP Port Unreachable sent' : ''}`);
      return;
    }
    void iface;
    this.counters.received++;
    this.counters.bytesReceived += v.payloadLength;
    socket.handler({ ip: v.src, port: v.srcPort }, { ip: v.dst, port: v.dstPort }, udpPayload(bytes, v), hop);
  }

  /** Echo requests are answered (RFC 1122 §3.2.2.6); errors about our UDP datagrams go to the socket that sent them. */
  private receiveIcmp(bytes: Uint8Array, hop: Hop): void {
    const m = readIcmp(bytes);
    if ('error' in m) {
      this.drop(hop, `ICMP not usable: ${m.error}`);
      return;
    }
    if (!this.ownsAddress(m.dst)) {
      this.drop(hop, `not addressed to this host (${m.dst})`);
      return;
    }
    this.icmpIn.received++;
    if (m.type === 'echo-request') {
      this.replyToEcho(bytes, m);
      return;
    }
    if (m.type === 'echo-reply') {
      this.echoReplyHandler?.(m.src, m.message.identifier ?? 0, m.message.sequence ?? 0, hop);
      return;
    }
    if (m.type !== 'error') return;
    const q = m.quoted;
    const error = icmpErrorName(m.message);
    const about = `${q.src}:${q.srcPort} → ${q.dst}:${q.dstPort}`;
    if (!this.ownsAddress(q.src)) {
      this.drop(hop, `ICMP ${error} about ${about}, which this host did not send`);
      return;
    }
    if (q.protocol === IPPROTO_ICMP || q.protocol === IPPROTO_ICMPV6) {
      // an error about one of our echo requests (RFC 792: the quote's 8 bytes hold its identifier and sequence)
      const id = (bytes[q.transportAt + 4]! << 8) | bytes[q.transportAt + 5]!;
      const seq = (bytes[q.transportAt + 6]! << 8) | bytes[q.transportAt + 7]!;
      this.net.note(this.name, netNote('net.icmp.received', `${this.name}: ICMP ${error} from ${m.src} about its echo request to ${q.dst} (id ${id}, seq ${seq})`, { from: m.src, error, about: `echo ${q.dst} id ${id} seq ${seq}`, protocol: q.protocol, mtu: m.message.mtu ?? null, delivered: this.echoErrorHandler !== undefined }), hop.packet);
      this.echoErrorHandler?.(m.src, error, q.dst, id, seq, hop);
      return;
    }
    if (m.family === 6 && m.message.type === 2 && m.message.mtu !== undefined) this.learnPathMtu(q.dst, m.message.mtu, m.src, hop);
    if (q.fragment && q.fragment.offset !== 0) {
      // a later fragment quotes no ports: nothing to hand a socket, the path MTU above is what it teaches
      this.net.note(this.name, netNote('net.icmp.received', `${this.name}: ICMP ${error} from ${m.src} about a later fragment (offset ${q.fragment.offset}, id 0x${q.fragment.identification.toString(16)}) to ${q.dst}`, { from: m.src, error, about: `fragment ${q.src} → ${q.dst} id 0x${q.fragment.identification.toString(16)} offset ${q.fragment.offset}`, protocol: q.protocol, mtu: m.message.mtu ?? null, delivered: false }), hop.packet);
      return;
    }
    const socket = q.protocol === 17 ? this.sockets.find((s) => s.port === q.srcPort && (s.ip === q.src || WILDCARD.has(s.ip))) : undefined;
    const t = m.message.type;
    const kind = m.family === 4 ? (t === 3 ? (m.message.code === 4 ? 'too-big' : 'unreachable') : t === 11 ? 'time-exceeded' : 'other') : t === 1 ? 'unreachable' : t === 2 ? 'too-big' : t === 3 ? 'time-exceeded' : 'other';
    const delivered = socket?.icmpHandler !== undefined;
    const mtu = m.message.mtu;
    this.net.note(this.name, netNote('net.icmp.received', `${this.name}: ICMP ${error} from ${m.src} about ${q.protocol === 17 ? 'UDP' : q.protocol === 6 ? 'TCP' : `protocol ${q.protocol}`} ${about}`, { from: m.src, error, about, protocol: q.protocol, mtu: mtu ?? null, delivered }), hop.packet);
    socket?.icmpHandler?.({ from: m.src, error, kind, type: t, code: m.message.code, family: m.family, ...(mtu !== undefined && kind === 'too-big' ? { mtu } : {}), to: { ip: q.dst, port: q.dstPort }, local: { ip: q.src, port: q.srcPort }, hop });
  }

  /** RFC 8201 §4: Packet Too Big about a datagram to `dst` lowers its path MTU (never below 1280, never up). */
  private learnPathMtu(dst: string, reported: number, from: string, hop: Hop): void {
    const out = this.routes.lookup(dst);
    const linkMtu = out?.link?.params(out).mtu;
    if (linkMtu === undefined) return;
    const c = this.pathMtu.lower(this.net.now, dst, reported, linkMtu);
    if (!c) return;
    this.net.note(this.name, netNote('net.ip.pmtu', `${this.name}: path MTU to ${dst} lowered from ${c.previous} to ${c.mtu} by Packet Too Big from ${from}${reported < c.mtu ? ` (it said ${reported}; IPv6 never goes below 1280)` : ''}`, { dst, from, previous: c.previous, mtu: c.mtu, reported }), hop.packet);
  }

  /** Told of echo replies to this host (the ping app): who answered, the identifier and the sequence number. */
  echoReplyHandler: ((from: string, identifier: number, sequence: number, hop: Hop) => void) | undefined;
  /** Told of ICMP errors about this host's echo requests: who sent the error, its name, the request's destination, identifier and sequence. */
  echoErrorHandler: ((from: string, error: string, to: string, identifier: number, sequence: number, hop: Hop) => void) | undefined;
  readonly icmpIn = { received: 0, echoReplies: 0 };

  /** Sends an echo request (ping) to `to` with the given identifier, sequence number and data. */
  sendEcho(to: string, identifier: number, sequence: number, data: Uint8Array, type: 'request' | 'reply' = 'request', from?: string, ttl = 64): Hop | undefined {
    const out = this.routes.lookup(to);
    const family = ipFamily(to);
    const src = from ?? out?.addressOf(family);
    if (!out || src === undefined) {
      this.net.note(this.name, netNote('net.no-route', `${this.name} cannot ping ${to}: no route or no IPv${family} address`, { dst: to }));
      return undefined;
    }
    return out.send(encodeEchoDatagram(src, to, type, identifier, sequence, data, family === 4 ? this.nextIpId() : 0, ttl), this.net.trace.newPacketId());
  }

  private replyToEcho(bytes: Uint8Array, m: ArrivingIcmp): void {
    const body = bytes.subarray(m.at + m.message.bodyOffset, m.at + m.message.bodyOffset + m.message.bodyLength);
    this.icmpIn.echoReplies++;
    this.sendEcho(m.src, m.message.identifier ?? 0, m.message.sequence ?? 0, body.slice(), 'reply', m.dst);
  }

  override details(): { [key: string]: JsonValue } {
    const t = this.tcpCounters;
    const out: { [key: string]: JsonValue } = t.sent + t.received > 0 ? { ...this.counters, tcp: { ...t } } : { ...this.counters };
    const i = this.icmpCounters;
    const pmtu = this.pathMtu.entries();
    if (pmtu.length > 0) out['pathMtu'] = Object.fromEntries(pmtu.map((e) => [e.dst, e.mtu]));
    if (i.errorsSent + i.rateLimited + this.icmpIn.received > 0) out['icmp'] = { errorsSent: i.errorsSent, rateLimited: i.rateLimited, received: this.icmpIn.received, echoRepliesSent: this.icmpIn.echoReplies };
    return out;
  }
}
