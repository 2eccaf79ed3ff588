import type { TransportAddress } from '../../core/endpoint.ts';
import type { Micros } from '../../core/time.ts';
import type { IpFamily } from '../../wire/ip/address.ts';
import { adjustedTransportChecksum, rewriteIpAndPorts } from '../../wire/ip/rewrite.ts';
import { onesSum } from '../../wire/checksum.ts';
import { icmpChecksum, IPPROTO_ICMPV6 } from '../../wire/icmp/icmp.ts';
import { icmpErrorName, readIcmp, type QuotedDatagram } from '../icmp/receive.ts';
import type { NatNoteFacts } from './mapping.ts';
import type { NatTable } from './table.ts';
import type { StaticBindings } from './static.ts';

/** The tables an ICMP message is translated with: UDP's and TCP's for errors, the ICMP query table for echoes. */
export interface NatTables {
  readonly udp: NatTable;
  readonly tcp: NatTable;
  /** RFC 5508 §3: ICMP queries mapped by identifier, which plays the port's part. */
  readonly icmp: NatTable;
}

export type IcmpNatDecision =
  | { readonly action: 'forward'; readonly bytes: Uint8Array; readonly dst: string; readonly note?: NatNoteFacts; readonly created?: boolean; readonly direction: 'in' | 'out' }
  | { readonly action: 'drop'; readonly reason: string; readonly note?: NatNoteFacts };

const fmt = (a: TransportAddress): string => (a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`);

/**
 * What a NAT does with an ICMP message (RFC 5508): an error is translated by the mapping of the datagram it quotes —
 * from outside, the outer destination and the quoted source go back to the inside host; from inside, the outer
 * source and the quoted destination become the mapping's external address — with the quoted IPv4 header checksum,
 * the quoted transport checksum (when quoted) and the ICMP checksum fixed; an error matching no mapping is dropped
 * (§4.2). Echo requests from inside get a query mapping of their identifier; replies come back through it (§3).
 */
export function translateIcmp(t: NatTables, now: Micros, fromOutside: boolean, bytes: Uint8Array): IcmpNatDecision {
  const m = readIcmp(bytes);
  if ('error' in m) return { action: 'drop', reason: `cannot translate ICMP: ${m.error}` };
  const family = m.family;
  if (m.type === 'error') {
    const q = m.quoted;
    const name = `ICMP ${icmpErrorName(m.message)}`;
    if (q.protocol === (family === 4 ? 1 : IPPROTO_ICMPV6)) return translateQueryError(t, fromOutside, bytes, m.at, m.dst, family, q, name);
    const table = q.protocol === 17 ? t.udp : q.protocol === 6 ? t.tcp : undefined;
    if (!table) return { action: 'drop', reason: `${name} quotes protocol ${q.protocol}, which this NAT does not translate` };
    if (fromOutside) {
      const external = { ip: q.src, port: q.srcPort };
      const remote = { ip: q.dst, port: q.dstPort };
      if (!table.isExternalAddress(m.dst)) return { action: 'drop', reason: `${name} not addressed to one of the NAT's external addresses (${m.dst})` };
      const mapping = table.peekInbound(external, remote);
      if (!mapping) return { action: 'drop', reason: `${name} about ${fmt(external)} → ${fmt(remote)}: no mapping matches the datagram it quotes (RFC 5508 §4.2)` };
      const out = rewriteError(bytes, family, m.at, q.ipAt, q.transportAt, q.protocol, { dst: mapping.internal.ip }, { src: mapping.internal.ip, srcPort: mapping.internal.port });
      return { action: 'forward', bytes: out, dst: mapping.internal.ip, direction: 'in' };
    }
    const internal = { ip: q.dst, port: q.dstPort };
    const remote = { ip: q.src, port: q.srcPort };
    const mapping = table.peekOutbound(internal, remote);
    if (!mapping) return { action: 'drop', reason: `${name} from inside about ${fmt(remote)} → ${fmt(internal)}: no mapping matches the datagram it quotes (RFC 5508 §4.2)` };
    const out = rewriteError(bytes, family, m.at, q.ipAt, q.transportAt, q.protocol, { src: mapping.external.ip }, { dst: mapping.external.ip, dstPort: mapping.external.port });
    return { action: 'forward', bytes: out, dst: m.dst, direction: 'out' };
  }
  if (m.type === 'other') return { action: 'drop', reason: `ICMP ${m.message.typeName}: not translated by this NAT` };
  const id = m.message.identifier ?? 0;
  if (fromOutside) {
    if (m.type !== 'echo-reply') return { action: 'drop', reason: 'ICMP Echo Request from outside: no service behind the NAT answers it' };
    const d = t.icmp.inbound(now, { ip: m.dst, port: id }, { ip: m.src, port: 0 });
    if (d.action === 'drop') return { action: 'drop', reason: `ICMP Echo Reply: ${d.text}`, note: d.note };
    const out = rewriteQuery(bytes, family, m.at, { dst: d.internal.ip }, d.internal.port);
    return { action: 'forward', bytes: out, dst: d.internal.ip, direction: 'in' };
  }
  if (m.type !== 'echo-request') return { action: 'drop', reason: 'ICMP Echo Reply from inside: not translated (nothing outside asked)' };
  const d = t.icmp.outbound(now, { ip: m.src, port: id }, { ip: m.dst, port: 0 });
  if (d.action === 'drop') return { action: 'drop', reason: `ICMP Echo Request: ${d.text}`, note: d.note };
  const out = rewriteQuery(bytes, family, m.at, { src: d.external.ip }, d.external.port);
  return { action: 'forward', bytes: out, dst: m.dst, direction: 'out', ...(d.event === 'created' ? { note: d.note, created: true } : {}) };
}

/**
 * An error about an ICMP query (a ping with a low TTL, an unreachable host): translated by the query mapping of the
 * echo request it quotes, whose identifier plays the port's part (RFC 5508 §4.2 with §3); the quoted identifier and
 * address change, and the quoted ICMP checksum follows them (RFC 1624).
 */
function translateQueryError(t: NatTables, fromOutside: boolean, bytes: Uint8Array, at: number, dst: string, family: IpFamily, q: QuotedDatagram, name: string): IcmpNatDecision {
  const quotedType = bytes[q.transportAt]!;
  if (quotedType !== (family === 4 ? 8 : 128)) return { action: 'drop', reason: `${name} quotes an ICMP message that is not an Echo Request (type ${quotedType})` };
  const id = (bytes[q.transportAt + 4]! << 8) | bytes[q.transportAt + 5]!;
  if (fromOutside) {
    if (!t.icmp.isExternalAddress(dst)) return { action: 'drop', reason: `${name} not addressed to one of the NAT's external addresses (${dst})` };
    const mapping = t.icmp.peekInbound({ ip: q.src, port: id }, { ip: q.dst, port: 0 });
    if (!mapping) return { action: 'drop', reason: `${name} about an echo request ${q.src} → ${q.dst} (id ${id}): no query mapping matches it (RFC 5508 §4.2)` };
    const out = rewriteQuotedQuery(bytes, family, at, q, { dst: mapping.internal.ip }, { src: mapping.internal.ip }, mapping.internal.port);
    return { action: 'forward', bytes: out, dst: mapping.internal.ip, direction: 'in' };
  }
  const mapping = t.icmp.peekOutbound({ ip: q.dst, port: id }, { ip: q.src, port: 0 });
  if (!mapping) return { action: 'drop', reason: `${name} from inside about an echo request ${q.src} → ${q.dst} (id ${id}): no query mapping matches it (RFC 5508 §4.2)` };
  const out = rewriteQuotedQuery(bytes, family, at, q, { src: mapping.external.ip }, { dst: mapping.external.ip }, mapping.external.port);
  return { action: 'forward', bytes: out, dst, direction: 'out' };
}

function rewriteQuotedQuery(bytes: Uint8Array, family: IpFamily, at: number, q: QuotedDatagram, outer: { src?: string; dst?: string }, inner: { src?: string; dst?: string }, identifier: number): Uint8Array {
  const out = rewriteIpAndPorts(bytes, family, at, { ...outer, ttlDecrement: 1 });
  const before = out.subarray(q.ipAt).slice();
  const t = q.transportAt - q.ipAt;
  const after = rewriteIpAndPorts(before, family, t, inner);
  after[t + 4] = identifier >> 8;
  after[t + 5] = identifier & 0xff;
  // the quoted echo's checksum: its identifier word, and for ICMPv6 the pseudo-header addresses (RFC 4443 §2.3)
  if (after.length >= t + 8) {
    const words: [number, number][] = [[t + 4, t + 6]];
    if (family === 6) words.push([8, 40]);
    const negate = (x: number): number => ~x & 0xffff;
    let sum = negate((after[t + 2]! << 8) | after[t + 3]!);
    for (const [a, b] of words) sum += negate(onesSum(before, a, b)) + onesSum(after, a, b);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    const c = negate(sum);
    after[t + 2] = c >> 8;
    after[t + 3] = c & 0xff;
  }
  out.set(after, q.ipAt);
  return withIcmpChecksum(out, family, at);
}

/** Outer addresses and TTL, then the quoted datagram's address and port, its checksums, and the ICMP checksum. */
function rewriteError(bytes: Uint8Array, family: IpFamily, at: number, ipAt: number, transportAt: number, protocol: number, outer: { src?: string; dst?: string }, inner: { src?: string; srcPort?: number; dst?: string; dstPort?: number }): Uint8Array {
  const out = rewriteIpAndPorts(bytes, family, at, { ...outer, ttlDecrement: 1 });
  const before = out.subarray(ipAt).slice();
  const t = transportAt - ipAt;
  const after = rewriteIpAndPorts(before, family, t, inner);
  // the quoted transport checksum, when the quote reaches it (UDP's at 6, TCP's at 16); UDP's 0 means none (RFC 768)
  const at16 = protocol === 17 ? t + 6 : t + 16;
  if (after.length >= at16 + 2 && !(protocol === 17 && after[at16] === 0 && after[at16 + 1] === 0)) {
    const c = adjustedTransportChecksum(before, after, family, t, at16);
    after[at16] = c >> 8;
    after[at16 + 1] = c & 0xff;
  }
  out.set(after, ipAt);
  return withIcmpChecksum(out, family, at);
}

function rewriteQuery(bytes: Uint8Array, family: IpFamily, at: number, outer: { src?: string; dst?: string }, identifier: number): Uint8Array {
  const out = rewriteIpAndPorts(bytes, family, at, { ...outer, ttlDecrement: 1 });
  out[at + 4] = identifier >> 8;
  out[at + 5] = identifier & 0xff;
  return withIcmpChecksum(out, family, at);
}

function withIcmpChecksum(out: Uint8Array, family: IpFamily, at: number): Uint8Array {
  const end = family === 4 ? (out[2]! << 8) | out[3]! : 40 + ((out[4]! << 8) | out[5]!);
  const msg = out.subarray(at, Math.min(out.length, end));
  msg[2] = 0;
  msg[3] = 0;
  const pseudo = family === 6 ? { family: 6 as const, src: out.subarray(8, 24), dst: out.subarray(24, 40), protocol: IPPROTO_ICMPV6 } : undefined;
  const c = icmpChecksum(msg, family, pseudo);
  msg[2] = c >> 8;
  msg[3] = c & 0xff;
  return out;
}

/**
 * ICMP through a static 1:1 binding (RFC 2663 §3.1): only addresses change, so an echo keeps its identifier and
 * anything may come in; an error's outer address and the quoted datagram's address are both translated, with the
 * quoted checksums following (RFC 5508 §4.2, here by the binding instead of a mapping). Undefined when no binding
 * concerns the message (the dynamic tables decide).
 */
export function translateStaticIcmp(s: StaticBindings, fromOutside: boolean, bytes: Uint8Array): IcmpNatDecision | undefined {
  const m = readIcmp(bytes);
  if ('error' in m || s.size === 0) return undefined;
  const b = fromOutside ? s.ofExternal(m.dst) : s.ofInternal(m.src);
  if (!b) return undefined;
  const outer = fromOutside ? { dst: b.internal } : { src: b.external };
  const dst = fromOutside ? b.internal : m.dst;
  const direction = fromOutside ? ('in' as const) : ('out' as const);
  if (m.type === 'error') {
    const q = m.quoted;
    const inner = fromOutside ? { src: b.internal } : { dst: b.external };
    if (q.protocol === (m.family === 4 ? 1 : IPPROTO_ICMPV6)) {
      const id = (bytes[q.transportAt + 4]! << 8) | bytes[q.transportAt + 5]!;
      return { action: 'forward', bytes: rewriteQuotedQuery(bytes, m.family, m.at, q, outer, inner, id), dst, direction };
    }
    return { action: 'forward', bytes: rewriteError(bytes, m.family, m.at, q.ipAt, q.transportAt, q.protocol, outer, inner), dst, direction };
  }
  const out = rewriteIpAndPorts(bytes, m.family, m.at, { ...outer, ttlDecrement: 1 });
  return { action: 'forward', bytes: withIcmpChecksum(out, m.family, m.at), dst, direction };
}
