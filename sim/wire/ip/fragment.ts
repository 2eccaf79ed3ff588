import { decodeIPv4, encodeIPv4 } from './ipv4.ts';
import { decodeIPv6 } from './ipv6.ts';
import { IPPROTO } from './protocols.ts';

/**
 * Splitting a datagram to fit a link MTU: what a host or an IPv4 router does (RFC 791 §3.2, RFC 8200 §4.5).
 * Returns the fragments, the datagram itself when it fits, or an error (DF set, or not a datagram we can split).
 */
export function fragmentIPv4(datagram: Uint8Array, mtu: number): Uint8Array[] | { error: string } {
  const d = decodeIPv4(datagram);
  const h = d.value;
  if (!h) return { error: d.problems[0]?.message ?? 'not an IPv4 datagram' };
  if (h.totalLength <= mtu) return [datagram.slice(0, h.totalLength)];
  if (h.dontFragment) return { error: `datagram of ${h.totalLength} bytes exceeds MTU ${mtu} and has DF set` };
  const payload = datagram.subarray(h.headerLength, h.headerLength + h.payloadLength);
  const copied = copiedOptions(h.options);
  const out: Uint8Array[] = [];
  for (let at = 0; at < payload.length; ) {
    const options = at === 0 ? h.options : copied;
    const headerLength = 20 + Math.ceil(options.length / 4) * 4;
    const room = Math.floor((mtu - headerLength) / 8) * 8;
    if (room <= 0) return { error: `MTU ${mtu} leaves no room for fragment data` };
    const take = Math.min(room, payload.length - at);
    const last = at + take >= payload.length;
    out.push(
      encodeIPv4(
        {
          src: h.src,
          dst: h.dst,
          protocol: h.protocol,
          ttl: h.ttl,
          dscp: h.dscp,
          ecn: h.ecn,
          identification: h.identification,
          // a fragment of a fragment keeps the original's More Fragments on its last piece
          moreFragments: !last || h.moreFragments,
          fragmentOffset: h.fragmentOffset + at / 8,
          options,
        },
        payload.subarray(at, at + take),
      ),
    );
    at += take;
  }
  return out;
}

/** Options whose "copied" flag is set go into every fragment; the rest only into the first (RFC 791 §3.1). */
function copiedOptions(opts: Uint8Array): Uint8Array {
  const keep: number[] = [];
  for (let i = 0; i < opts.length; ) {
    const type = opts[i]!;
    if (type === 0) break;
    if (type === 1) {
      i++;
      continue;
    }
    const len = opts[i + 1] ?? 0;
    if (len < 2) break;
    if (type & 0x80) keep.push(...opts.subarray(i, i + len));
    i += len;
  }
  return new Uint8Array(keep);
}

/**
 * IPv6 source fragmentation (RFC 8200 §4.5): the unfragmentable part (the IPv6 header and any Hop-by-Hop,
 * Destination Options and Routing headers up to the last Routing header) is repeated in every fragment,
 * followed by a Fragment header with `identification` (drawn by the caller from its RNG stream).
 */
export function fragmentIPv6(datagram: Uint8Array, mtu: number, identification: number): Uint8Array[] | { error: string } {
  const d = decodeIPv6(datagram);
  const h = d.value;
  if (!h) return { error: d.problems[0]?.message ?? 'not an IPv6 datagram' };
  const total = 40 + h.payloadLength;
  if (total > datagram.length) return { error: 'datagram is cut short' };
  if (total <= mtu) return [datagram.slice(0, total)];
  let unfragmentable = 40;
  let nextHeaderAt = 6;
  for (const e of h.extensionHeaders) {
    if (e.type === IPPROTO.HOPOPT || e.type === IPPROTO.IPV6_ROUTE || (e.type === IPPROTO.IPV6_OPTS && h.extensionHeaders.some((x) => x.type === IPPROTO.IPV6_ROUTE && x.offset > e.offset))) {
      nextHeaderAt = e.offset;
      unfragmentable = e.offset + e.length;
    } else {
      break;
    }
  }
  if (h.fragment) return { error: 'datagram is already a fragment' };
  const nextHeader = datagram[nextHeaderAt]!;
  const fragmentable = datagram.subarray(unfragmentable, total);
  const room = Math.floor((mtu - unfragmentable - 8) / 8) * 8;
  if (room <= 0) return { error: `MTU ${mtu} leaves no room for fragment data` };
  const out: Uint8Array[] = [];
  for (let at = 0; at < fragmentable.length; at += room) {
    const take = Math.min(room, fragmentable.length - at);
    const f = new Uint8Array(unfragmentable + 8 + take);
    f.set(datagram.subarray(0, unfragmentable));
    f[nextHeaderAt] = IPPROTO.IPV6_FRAG;
    const payloadLength = f.length - 40;
    f[4] = payloadLength >> 8;
    f[5] = payloadLength & 0xff;
    const word = (at / 8) << 3 | (at + take < fragmentable.length ? 1 : 0);
    f.set([nextHeader, 0, word >> 8, word & 0xff, identification >>> 24, (identification >>> 16) & 0xff, (identification >>> 8) & 0xff, identification & 0xff], unfragmentable);
    f.set(fragmentable.subarray(at, at + take), unfragmentable + 8);
    out.push(f);
  }
  return out;
}
