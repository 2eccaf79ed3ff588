import type { TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import { MS, SECOND, type Micros } from '../core/time.ts';
import type { Host, UdpSocket } from '../net/host.ts';
import type { Network } from '../net/network.ts';
import { ipFamily } from '../wire/ip/address.ts';
import { decodeDnsMessage, DnsType, encodeDnsMessage, MDNS_IPV4, MDNS_IPV6, MDNS_PORT, type DnsMessage } from '../wire/dns/message.ts';
import type { MdnsNames } from '../ice/mdns-candidates.ts';
import type { MdnsNoteKinds } from './notes.ts';

/** RFC 6762 §10: records whose names are host names live 120 s (Chromium's responder uses it). */
export const HOST_RECORD_TTL = 120;
/** RFC 6762 §6: a record is multicast on an interface at most once a second. */
const MIN_INTERVAL: Micros = SECOND;
/** RFC 6762 §8.3: at least two announcements, one second apart (Chromium sends two). */
const ANNOUNCEMENTS = 2;
/** Chromium's MDnsTransaction gives up after 3 s (kTransactionTimeout). */
export const RESOLVE_TIMEOUT: Micros = 3 * SECOND;
/** RFC 6762 §11: mDNS datagrams are sent with TTL / hop limit 255. */
const MDNS_TTL = 255;

const typeName = (t: number): string => (t === DnsType.A ? 'A' : t === DnsType.AAAA ? 'AAAA' : String(t));

interface Pending {
  readonly started: Micros;
  readonly waiters: ((now: Micros, ip: string | undefined) => void)[];
  cancel: () => void;
}

/**
 * A host's Multicast DNS service (RFC 6762), as Chromium's network service runs one per browser: a responder that
 * owns the names made for the host's addresses (UUID v4 under .local, from the seeded stream: deterministic),
 * announces each new name twice one second apart (§8.3) and answers queries for it by multicast, never the same record
 * twice within a second (§6); and a resolver that asks for a name with QM queries for A and AAAA (no QU bit, as
 * Chromium's MDnsClient sends) and takes the first address heard for it, or gives up after 3 s. Its sockets are bound
 * to port 5353 on the wildcard addresses and join 224.0.0.251 / ff02::fb the first time it is used.
 */
export class MdnsService implements Omit<MdnsNames, 'obfuscate'> {
  private sockets: UdpSocket[] | undefined;
  private readonly owned = new Map<string, string>(); // name → address
  private readonly byAddress = new Map<string, string>(); // address → name
  private readonly nextMulticast = new Map<string, Micros>(); // name/family → when it may be multicast again
  private readonly pending = new Map<string, Pending>();
  private readonly source: string;
  readonly counters = { queriesSent: 0, queriesAnswered: 0, responsesSent: 0, resolved: 0, unresolved: 0 };

  constructor(
    private readonly net: Network,
    readonly host: Host,
    private readonly rng: Rng,
  ) {
    this.source = `${host.name}/mdns`;
  }

  /** libwebrtc's CreateNameForAddress: a new name is announced; an address that has one keeps it. */
  nameFor(ip: string): string {
    const known = this.byAddress.get(ip);
    if (known) return known;
    const name = `${this.uuid()}.local`;
    this.owned.set(name, ip);
    this.byAddress.set(ip, name);
    this.note('mdns.name.created', `${this.host.name}: ${ip} is now named ${name} (RFC 6762 host record, TTL ${HOST_RECORD_TTL} s)`, { name, address: ip });
    for (let i = 0; i < ANNOUNCEMENTS; i++) this.respond(name, undefined, true);
    return name;
  }

  /** Resolves a name: A and AAAA queries on each family the host has; the first address heard wins. */
  resolve(name: string, done: (now: Micros, ip: string | undefined) => void): void {
    const key = name.toLowerCase().replace(/\.$/, '');
    const p = this.pending.get(key);
    if (p) {
      p.waiters.push(done);
      return;
    }
    const started = this.net.now;
    let queries: [number, Uint8Array][];
    try {
      queries = [DnsType.A, DnsType.AAAA].map((type) => [type, encodeDnsMessage({ id: 0, response: false, questions: [{ name: key, type }], answers: [] })]);
    } catch (e) {
      // a name from the remote peer that is no DNS name (a label over 63 bytes …): unresolved, never asked
      this.counters.unresolved++;
      this.note('mdns.unresolved', `${this.host.name}: ${JSON.stringify(key.slice(0, 80))} cannot be asked for (${(e as Error).message}): the candidate is dropped`, { name: key.slice(0, 255), afterMs: 0 });
      this.net.scheduler.at(started, 'mdns resolve refused', () => done(this.net.now, undefined));
      return;
    }
    const timer = this.net.scheduler.at(started + RESOLVE_TIMEOUT, 'mdns resolve timeout', () => this.finish(key, undefined));
    this.pending.set(key, { started, waiters: [done], cancel: () => timer.cancel() });
    for (const s of this.open()) {
      const to = ipFamily(s.ip) === 4 ? MDNS_IPV4 : MDNS_IPV6;
      for (const [type, bytes] of queries) {
        this.counters.queriesSent++;
        this.note('mdns.query.sent', `${this.host.name}: asks ${to} who has ${typeName(type)} ${key} (QM: answer by multicast)`, { name: key, type: typeName(type), to, unicastResponse: false });
        s.send({ ip: to, port: MDNS_PORT }, bytes, undefined, MDNS_TTL);
      }
    }
  }

  private finish(key: string, ip: string | undefined): void {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    p.cancel();
    const afterMs = (this.net.now - p.started) / MS;
    if (ip === undefined) {
      this.counters.unresolved++;
      this.note('mdns.unresolved', `${this.host.name}: nobody on the link answered for ${key} in ${afterMs} ms: a name from another network`, { name: key, afterMs });
    } else {
      this.counters.resolved++;
      this.note('mdns.resolved', `${this.host.name}: ${key} is ${ip} (after ${afterMs} ms)`, { name: key, address: ip, afterMs });
    }
    for (const w of p.waiters) w(this.net.now, ip);
  }

  /** The sockets on port 5353, bound and joined on first use: one per address family the host has. */
  private open(): UdpSocket[] {
    if (this.sockets) return this.sockets;
    const families = new Set(this.host.addresses().map(ipFamily));
    this.sockets = [...families].sort().map((f) => {
      const s = this.host.bindUdp(f === 4 ? '0.0.0.0' : '::', MDNS_PORT, true);
      this.host.groups.add(f === 4 ? MDNS_IPV4 : MDNS_IPV6);
      return s.onDatagram((from, _to, payload) => this.receive(s, from, payload));
    });
    return this.sockets;
  }

  private receive(s: UdpSocket, from: TransportAddress, payload: Uint8Array): void {
    const m = decodeDnsMessage(payload);
    if ('error' in m) {
      this.note('mdns.malformed', `${this.host.name}: an mDNS datagram from ${from.ip}:${from.port} is malformed: ${m.error}`, { from: `${from.ip}:${from.port}`, error: m.error });
      return;
    }
    if (m.response) this.heard(m);
    else this.query(s, from, m);
  }

  /** Responses and announcements: an address for a name being resolved ends its resolution (RFC 6762 §6). */
  private heard(m: DnsMessage): void {
    for (const r of m.answers) {
      const key = r.name.toLowerCase();
      if (r.address !== undefined && r.ttl > 0 && this.pending.has(key)) this.finish(key, r.address);
    }
  }

  /** RFC 6762 §6: a question for a name it owns is answered when the type fits the address family. */
  private query(s: UdpSocket, from: TransportAddress, m: DnsMessage): void {
    for (const q of m.questions) {
      const name = q.name.toLowerCase();
      const address = this.owned.get(name);
      if (address === undefined) continue;
      const fits = q.type === 255 || q.type === (ipFamily(address) === 4 ? DnsType.A : DnsType.AAAA);
      this.note('mdns.query.received', `${this.host.name}: ${from.ip} asks for ${typeName(q.type)} ${name}, its own name${fits ? '' : ' (no record of that type)'}`, { name, type: typeName(q.type), from: from.ip });
      if (!fits) continue;
      this.counters.queriesAnswered++;
      this.respond(name, q.unicastResponse ? { socket: s, to: from } : undefined, false);
    }
  }

  /**
   * Sends the record for `name`: by unicast to a QU querier at once (§5.4), else multicast on every socket, each
   * record no sooner than one second after it was last multicast there (§6).
   */
  private respond(name: string, unicast: { socket: UdpSocket; to: TransportAddress } | undefined, announcement: boolean): void {
    const address = this.owned.get(name)!;
    const bytes = encodeDnsMessage({
      id: 0, response: true, authoritative: true, questions: [],
      answers: [{ name, type: ipFamily(address) === 4 ? DnsType.A : DnsType.AAAA, cacheFlush: true, ttl: HOST_RECORD_TTL, address }],
    });
    const send = (s: UdpSocket, to: TransportAddress, delay: Micros): void => {
      const facts = { name, address, to: `${to.ip}:${to.port}`, announcement, delayMs: delay / MS };
      const go = (): void => {
        this.counters.responsesSent++;
        this.note('mdns.response.sent', `${this.host.name}: ${announcement ? 'announces' : 'answers'} ${name} is ${address} to ${to.ip}${delay > 0 ? ` (held ${delay / MS} ms: RFC 6762 §6 allows one multicast of a record a second)` : ''}`, facts);
        s.send(to, bytes, undefined, MDNS_TTL);
      };
      if (delay === 0) go();
      else this.net.scheduler.at(this.net.now + delay, 'mdns response', go);
    };
    if (unicast) return send(unicast.socket, unicast.to, 0);
    for (const s of this.open()) {
      const key = `${name}/${s.ip}`;
      const at = Math.max(this.net.now, this.nextMulticast.get(key) ?? 0);
      this.nextMulticast.set(key, at + MIN_INTERVAL);
      send(s, { ip: ipFamily(s.ip) === 4 ? MDNS_IPV4 : MDNS_IPV6, port: MDNS_PORT }, at - this.net.now);
    }
  }

  /** A random UUID v4 (RFC 9562 §5.4), lower case, as Chromium's name generator writes it. */
  private uuid(): string {
    const b = this.rng.bytes(16);
    b[6] = (b[6]! & 0x0f) | 0x40;
    b[8] = (b[8]! & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  private note<K extends keyof MdnsNoteKinds & string>(kind: K, text: string, data: MdnsNoteKinds[K]): void {
    this.net.note(this.source, { kind, text, data });
  }
}

const services = new WeakMap<Network, Map<string, MdnsService>>();

/** The host's one mDNS service, made the first time a peer of the host asks (its random stream forked then). */
export function mdnsServiceOf(net: Network, host: Host, rng: () => Rng): MdnsService {
  let m = services.get(net);
  if (!m) services.set(net, (m = new Map()));
  let s = m.get(host.name);
  if (!s) m.set(host.name, (s = new MdnsService(net, host, rng())));
  return s;
}
