import type { TransportAddress } from '../core/endpoint.ts';
import type { Rng } from '../core/rng.ts';
import { MS, SECOND, type Micros } from '../core/time.ts';
import type { Host, UdpSocket } from '../net/host.ts';
import type { Network } from '../net/network.ts';
import { isMulticast } from '../net/multicast.ts';
import { ipFamily } from '../wire/ip/address.ts';
import { decodeDnsMessage, DnsType, encodeDnsMessage, MDNS_IPV4, MDNS_IPV6, MDNS_PORT, type DnsMessage, type DnsRecord } from '../wire/dns/message.ts';
import type { MdnsNames } from '../ice/mdns-candidates.ts';
import { isLinkLocal } from '../ice/networks.ts';
import { MdnsCache } from './cache.ts';
import { Probe, PROBES, PROBE_INTERVAL, type ProbeOwner } from './probe.ts';
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

const typeName = (t: number): string => (t === DnsType.A ? 'A' : t === DnsType.AAAA ? 'AAAA' : t === DnsType.ANY ? 'ANY' : String(t));

/** The address record a host name stands for (its type by the address's family). */
const hostRecord = (name: string, address: string, ttl = HOST_RECORD_TTL): DnsRecord => ({ name, type: ipFamily(address) === 4 ? DnsType.A : DnsType.AAAA, cacheFlush: true, ttl, address });

interface Pending {
  readonly started: Micros;
  readonly waiters: ((now: Micros, ip: string | undefined) => void)[];
  cancel: () => void;
}

/** A name the responder holds: probing for it (§8.1), or its own (announced, answered for). */
interface Owned {
  readonly address: string;
  probe: Probe | undefined;
}

/**
 * A host's Multicast DNS service (RFC 6762), as Chromium's network service runs one per browser: a responder that
 * makes a name for each of the host's addresses asked for (UUID v4 under .local, from the seeded stream:
 * deterministic), probes for it three times 250 ms apart (§8.1; a conflicting answer makes it take a new name, §9;
 * a simultaneous probe is settled by the tiebreak, §8.2), then announces it twice one second apart (§8.3) and answers
 * queries for it by multicast, never the same record twice within a second (§6), and says goodbye (TTL 0, §10.1)
 * when the name is withdrawn; and a resolver that asks for a name with QM queries for A and AAAA (no QU bit, as
 * Chromium's MDnsClient sends), takes the first address heard for it, or gives up after 3 s, keeping what it hears
 * from its first question on in a cache (§10): a name asked again within its TTL is answered without a query. Its
 * sockets are bound to port 5353 on the wildcard addresses and join 224.0.0.251 / ff02::fb the first time it is
 * used; over IPv6 it sends from the host's link-local address when it has one (§15, §20: mDNS is link-local).
 */
export class MdnsService implements Omit<MdnsNames, 'obfuscate'> {
  private sockets: UdpSocket[] | undefined;
  /** The IPv6 link-local source for what it multicasts, when the host has one. */
  private v6Source: string | undefined;
  private readonly owned = new Map<string, Owned>(); // name → its address and probing
  private readonly byAddress = new Map<string, string>(); // address → name
  private readonly nextMulticast = new Map<string, Micros>(); // name/family → when it may be multicast again
  private readonly pending = new Map<string, Pending>();
  /** §10: what the resolver heard, from its first question on (Chromium's MDnsClient listens from its first transaction). */
  private cache: MdnsCache | undefined;
  private readonly source: string;
  private readonly prober: ProbeOwner;
  readonly counters = { queriesSent: 0, queriesAnswered: 0, responsesSent: 0, resolved: 0, unresolved: 0, probesSent: 0, conflicts: 0, goodbyesSent: 0, cacheHits: 0 };

  constructor(
    private readonly net: Network,
    readonly host: Host,
    private readonly rng: Rng,
  ) {
    this.source = `${host.name}/mdns`;
    this.prober = {
      now: () => this.net.now,
      at: (t, what, fn) => this.net.scheduler.at(t, what, fn),
      sendProbe: (name, n, bytes, qu) => this.sendProbe(name, n, bytes, qu),
      probed: (name) => this.announce(name),
      deferred: (name, theirs) => this.note('mdns.conflict', `${this.host.name}: another host probes for ${name} with ${theirs.address ?? 'other data'} and wins the tiebreak: probing again in 1 s (RFC 6762 §8.2)`, { name, address: this.owned.get(name)?.address ?? '', theirs: theirs.address ?? '', outcome: 'deferred' }),
    };
  }

  /** libwebrtc's CreateNameForAddress: a new name is probed for, then announced; an address that has one keeps it. */
  nameFor(ip: string): string {
    const known = this.byAddress.get(ip);
    if (known) return known;
    return this.claim(ip, 'created');
  }

  /** A new name for `ip`, probed for before it is announced (RFC 6762 §8.1). */
  private claim(ip: string, why: 'created' | 'renamed'): string {
    const name = `${this.uuid()}.local`;
    const probe = new Probe(this.prober, hostRecord(name, ip));
    this.owned.set(name, { address: ip, probe });
    this.byAddress.set(ip, name);
    if (why === 'created') this.note('mdns.name.created', `${this.host.name}: ${ip} is now named ${name} (RFC 6762 host record, TTL ${HOST_RECORD_TTL} s), probed for before it is announced (§8.1)`, { name, address: ip });
    probe.start();
    return name;
  }

  /**
   * RFC 6762 §10.1: the name is given up: a goodbye (its record with TTL 0) if it was announced, and no more answers.
   * Returns whether the address had a name.
   */
  withdraw(ip: string): boolean {
    const name = this.byAddress.get(ip);
    if (name === undefined) return false;
    const o = this.owned.get(name)!;
    this.byAddress.delete(ip);
    this.owned.delete(name);
    if (o.probe) {
      o.probe.stop();
      return true;
    }
    const bytes = encodeDnsMessage({ id: 0, response: true, authoritative: true, questions: [], answers: [hostRecord(name, ip, 0)] });
    for (const s of this.open()) {
      const to = this.group(s);
      this.nextMulticast.delete(`${name}/${s.ip}`);
      this.counters.goodbyesSent++;
      this.note('mdns.goodbye.sent', `${this.host.name}: goodbye for ${name} (${ip} with TTL 0, RFC 6762 §10.1) to ${to.ip}`, { name, address: ip, to: `${to.ip}:${to.port}` });
      this.sendFrom(s, to, bytes);
    }
    return true;
  }

  /** Resolves a name: from the cache within its TTL, else A and AAAA queries on each family; the first address heard wins. */
  resolve(name: string, done: (now: Micros, ip: string | undefined) => void): void {
    const key = name.toLowerCase().replace(/\.$/, '');
    this.cache ??= new MdnsCache();
    const p = this.pending.get(key);
    if (p) {
      p.waiters.push(done);
      return;
    }
    const started = this.net.now;
    const cached = this.cache.lookup(key, [DnsType.A, DnsType.AAAA], started);
    if (cached) {
      // §10: a record heard within its TTL is still the answer: nothing is asked
      this.counters.cacheHits++;
      this.counters.resolved++;
      this.note('mdns.resolved', `${this.host.name}: ${key} is ${cached.address} (from its cache: ${cached.remaining} s of the record's TTL left, RFC 6762 §10; no query)`, { name: key, address: cached.address, afterMs: 0, fromCache: true });
      this.net.scheduler.at(started, 'mdns resolve cached', () => done(this.net.now, cached.address));
      return;
    }
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
      const to = this.group(s);
      for (const [type, bytes] of queries) {
        this.counters.queriesSent++;
        this.note('mdns.query.sent', `${this.host.name}: asks ${to.ip} who has ${typeName(type)} ${key} (QM: answer by multicast)`, { name: key, type: typeName(type), to: to.ip, unicastResponse: false });
        this.sendFrom(s, to, bytes);
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
    const addresses = this.host.addresses();
    const families = new Set(addresses.map(ipFamily));
    this.v6Source = addresses.find((a) => ipFamily(a) === 6 && isLinkLocal(a));
    this.sockets = [...families].sort().map((f) => {
      const s = this.host.bindUdp(f === 4 ? '0.0.0.0' : '::', MDNS_PORT, true);
      this.host.groups.add(f === 4 ? MDNS_IPV4 : MDNS_IPV6);
      return s.onDatagram((from, _to, payload) => this.receive(s, from, payload));
    });
    return this.sockets;
  }

  private group(s: UdpSocket): TransportAddress {
    return { ip: ipFamily(s.ip) === 4 ? MDNS_IPV4 : MDNS_IPV6, port: MDNS_PORT };
  }

  /** Sends with TTL 255 (§11); over IPv6 to the group or a link-local peer, from the link-local address (§15). */
  private sendFrom(s: UdpSocket, to: TransportAddress, bytes: Uint8Array): void {
    const linkScope = ipFamily(to.ip) === 6 && (isMulticast(to.ip) || isLinkLocal(to.ip));
    s.send(to, bytes, linkScope ? this.v6Source : undefined, MDNS_TTL);
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

  /**
   * Responses and announcements: a record for a name it holds with other data is a conflict (§9: probing or not, the
   * name is given up for a new one); an address for a name being resolved ends its resolution (§6); the cache keeps
   * what it hears once it has asked anything (§10).
   */
  private heard(m: DnsMessage): void {
    for (const r of [...m.answers, ...(m.additionals ?? [])]) {
      const key = r.name.toLowerCase();
      const mine = this.owned.get(key);
      // §9: the same name and type with other data (its own records heard back are the same data)
      if (mine && r.ttl > 0 && r.type === (ipFamily(mine.address) === 4 ? DnsType.A : DnsType.AAAA) && r.address !== mine.address) this.conflict(key, mine, r);
      if (r.address === undefined || (r.type !== DnsType.A && r.type !== DnsType.AAAA)) continue;
      this.cache?.put(r, this.net.now);
      if (r.ttl > 0 && this.pending.has(key)) this.finish(key, r.address);
    }
  }

  /** RFC 6762 §9: another host answers for a name this one holds: it takes a new name for the address (probed anew). */
  private conflict(name: string, o: Owned, theirs: DnsRecord): void {
    o.probe?.stop();
    this.owned.delete(name);
    this.byAddress.delete(o.address);
    this.counters.conflicts++;
    const next = this.claim(o.address, 'renamed');
    this.note('mdns.conflict', `${this.host.name}: another host answers for ${name} with ${theirs.address ?? typeName(theirs.type)}: a conflict (RFC 6762 §9); ${o.address} is renamed ${next} and probed for again`, { name, address: o.address, theirs: theirs.address ?? '', outcome: 'renamed', renamed: next });
  }

  /**
   * Queries. A probe for a name it is probing for itself is settled by the tiebreak (§8.2); a question for a name it
   * owns is answered when the type fits the address family (§6), another host's probe for it at once (§8.1: the
   * prober then takes another name); a name still being probed for is not answered yet.
   */
  private query(s: UdpSocket, from: TransportAddress, m: DnsMessage): void {
    for (const q of m.questions) {
      const name = q.name.toLowerCase();
      const o = this.owned.get(name);
      if (!o) continue;
      if (o.probe) {
        const theirs = (m.authorities ?? []).find((r) => r.name.toLowerCase() === name);
        // our own probe, looped back to us, is the same record: no conflict
        if (theirs) o.probe.simultaneous(theirs);
        else this.note('mdns.query.received', `${this.host.name}: ${from.ip} asks for ${typeName(q.type)} ${name}, a name it is still probing for: not answered yet (RFC 6762 §8.1)`, { name, type: typeName(q.type), from: from.ip });
        continue;
      }
      const fits = q.type === DnsType.ANY || q.type === (ipFamily(o.address) === 4 ? DnsType.A : DnsType.AAAA);
      this.note('mdns.query.received', `${this.host.name}: ${from.ip} asks for ${typeName(q.type)} ${name}, its own name${fits ? '' : ' (no record of that type)'}`, { name, type: typeName(q.type), from: from.ip });
      if (!fits) continue;
      this.counters.queriesAnswered++;
      // §8.1, §6: a probe for a name it owns is defended at once, whatever the one-second rule would hold
      const probe = (m.authorities ?? []).some((r) => r.name.toLowerCase() === name);
      this.respond(name, q.unicastResponse ? { socket: s, to: from } : undefined, false, probe);
    }
  }

  private sendProbe(name: string, n: number, bytes: Uint8Array, qu: boolean): void {
    for (const s of this.open()) {
      const to = this.group(s);
      this.counters.probesSent++;
      this.note('mdns.probe.sent', `${this.host.name}: probe ${n} of ${PROBES} for ${name} to ${to.ip}${qu ? ' (QU: the first asks for a unicast answer)' : ''}, its record proposed in the authority section (RFC 6762 §8.1)`, { name, n, to: to.ip, unicastResponse: qu });
      this.sendFrom(s, to, bytes);
    }
  }

  /** §8.3: probing found no conflict: the name is announced twice, a second apart. */
  private announce(name: string): void {
    const o = this.owned.get(name);
    if (!o) return;
    o.probe = undefined;
    this.note('mdns.probed', `${this.host.name}: no conflict for ${name} in ${PROBES} probes and ${((PROBES * PROBE_INTERVAL) / MS).toFixed(0)} ms: the name is its own, announced now (RFC 6762 §8.3)`, { name, address: o.address });
    for (let i = 0; i < ANNOUNCEMENTS; i++) this.respond(name, undefined, true);
  }

  /**
   * Sends the record for `name`: by unicast to a QU querier at once (§5.4), else multicast on every socket, each
   * record no sooner than one second after it was last multicast there (§6), except in defence of a probe (at once). A name withdrawn or renamed meanwhile
   * is not sent.
   */
  private respond(name: string, unicast: { socket: UdpSocket; to: TransportAddress } | undefined, announcement: boolean, defence = false): void {
    const address = this.owned.get(name)!.address;
    const bytes = encodeDnsMessage({ id: 0, response: true, authoritative: true, questions: [], answers: [hostRecord(name, address)] });
    const send = (s: UdpSocket, to: TransportAddress, delay: Micros): void => {
      const facts = { name, address, to: `${to.ip}:${to.port}`, announcement, delayMs: delay / MS };
      const go = (): void => {
        const o = this.owned.get(name);
        if (!o || o.probe || o.address !== address) return;
        this.counters.responsesSent++;
        this.note('mdns.response.sent', `${this.host.name}: ${announcement ? 'announces' : 'answers'} ${name} is ${address} to ${to.ip}${delay > 0 ? ` (held ${delay / MS} ms: RFC 6762 §6 allows one multicast of a record a second)` : ''}`, facts);
        this.sendFrom(s, to, bytes);
      };
      if (delay === 0) go();
      else this.net.scheduler.at(this.net.now + delay, 'mdns response', go);
    };
    if (unicast) return send(unicast.socket, unicast.to, 0);
    for (const s of this.open()) {
      const key = `${name}/${s.ip}`;
      const at = defence ? this.net.now : Math.max(this.net.now, this.nextMulticast.get(key) ?? 0);
      if (!defence) this.nextMulticast.set(key, at + MIN_INTERVAL);
      send(s, this.group(s), at - this.net.now);
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
