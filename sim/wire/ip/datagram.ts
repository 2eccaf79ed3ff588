import type { Decoded, Field, Problem } from '../field.ts';
import type { IpFamily } from './address.ts';
import { decodeIPv4, Ipv4HeaderView, type IPv4Header } from './ipv4.ts';
import { decodeIPv6, type IPv6Header } from './ipv6.ts';
import { IPPROTO } from './protocols.ts';
import { Ipv4HeaderPseudo, type PseudoHeader } from './pseudo-header.ts';
import { decodeUdp, type UdpHeader } from './udp.ts';

/** Fragment information common to IPv4 (RFC 791) and the IPv6 Fragment header (RFC 8200 §4.5). */
export interface FragmentInfo {
  /** Byte offset of this fragment's data in the original payload. */
  readonly offset: number;
  readonly moreFragments: boolean;
  readonly identification: number;
}

/** The IP layer of a datagram, either family, reduced to what upper layers and packet lists need. */
export interface IpDatagram {
  readonly family: IpFamily;
  readonly src: string;
  readonly dst: string;
  /** The upper-layer protocol (after IPv6 extension headers); undefined when an IPv6 chain is broken. */
  readonly protocol: number | undefined;
  /** IPv4 TTL or IPv6 Hop Limit. */
  readonly ttl: number;
  /** Where the upper-layer bytes start in the decoded buffer, and how many are present. */
  readonly payloadOffset: number;
  readonly payloadLength: number;
  /** Present when the datagram is a fragment (not when DF or "atomic" fragment headers say otherwise). */
  readonly fragment?: FragmentInfo;
  /** Addresses and protocol for the UDP/TCP checksum. */
  readonly pseudo: PseudoHeader | undefined;
  readonly ipv4?: IPv4Header;
  readonly ipv6?: IPv6Header;
}

/**
 * An IPv4 datagram: the header read off its bytes is the datagram view itself (one object per datagram). Its
 * pseudo-header is made when first asked for, and reads no address view for the checksum (`Ipv4HeaderPseudo`).
 */
class Ipv4Datagram extends Ipv4HeaderView implements IpDatagram {
  readonly fragment: FragmentInfo | undefined;
  private pseudoHeader: PseudoHeader | undefined;

  constructor(bytes: Uint8Array, headerChecksumOk: boolean, expectedChecksum: number, options: Uint8Array, headerLength: number, payloadLength: number) {
    super(bytes, headerChecksumOk, expectedChecksum, options, headerLength, payloadLength);
    const offset = this.fragmentOffset;
    const more = this.moreFragments;
    this.fragment = more || offset !== 0 ? { offset: offset * 8, moreFragments: more, identification: this.identification } : undefined;
    this.pseudoHeader = undefined;
  }

  get family(): 4 {
    return 4;
  }

  get pseudo(): PseudoHeader {
    return (this.pseudoHeader ??= new Ipv4HeaderPseudo(this.bytes, this.protocol));
  }

  get ipv4(): IPv4Header {
    return this;
  }

  get ipv6(): undefined {
    return undefined;
  }
}

/** Decodes an IPv4 or IPv6 datagram, chosen by the version nibble. */
export function decodeIpDatagram(buf: Uint8Array, base = 0, spans = true): Decoded<IpDatagram | undefined> {
  const version = buf.length > 0 ? buf[0]! >> 4 : -1;
  if (version === 4) return decodeIPv4(buf, base, Ipv4Datagram, spans);
  if (version === 6) {
    const d = decodeIPv6(buf, base, spans);
    const h = d.value;
    if (!h) return d as Decoded<undefined>;
    const f = h.fragment;
    // an "atomic fragment" (offset 0, M clear) is a whole datagram (RFC 6946)
    const isFragment = f !== undefined && (f.moreFragments || f.fragmentOffset !== 0);
    return {
      value: {
        family: 6,
        src: h.src,
        dst: h.dst,
        protocol: h.upperProtocol,
        ttl: h.hopLimit,
        payloadOffset: h.payloadOffset,
        payloadLength: h.upperLayerLength,
        ...(isFragment ? { fragment: { offset: f.fragmentOffset * 8, moreFragments: f.moreFragments, identification: f.identification } } : {}),
        pseudo: h.upperProtocol === undefined ? undefined : { family: 6, src: h.srcBytes, dst: h.dstBytes, protocol: h.upperProtocol },
        ipv6: h,
      },
      fields: d.fields,
      problems: d.problems,
    };
  }
  const problems: Problem[] = [
    buf.length === 0
      ? { offset: base, length: 0, message: 'empty datagram' }
      : { offset: base, length: 1, message: `IP version ${version} is neither 4 nor 6` },
  ];
  const fields: Field[] = buf.length === 0 ? [] : [{ name: 'version', offset: base, length: 1, bits: { start: 0, count: 4 }, display: String(version) }];
  return { value: undefined, fields, problems };
}

/** One datagram decoded through UDP: each layer with its own fields and problems, and where the payload is. */
export interface UdpDatagramLayers {
  readonly ip: Decoded<IpDatagram | undefined>;
  /** Absent when the IP layer failed, the protocol is not UDP, or the datagram is a non-first fragment. */
  readonly udp?: Decoded<UdpHeader | undefined>;
  /** The UDP payload as a view into the input, with its offset in it; absent when there is none to give. */
  readonly payload?: Uint8Array;
  readonly payloadOffset?: number;
  /** All fields and problems of both layers, in order. */
  readonly fields: readonly Field[];
  readonly problems: readonly Problem[];
}

/**
 * What the dissector calls for every IP packet: the IP layer, then UDP when the datagram carries it.
 * A first fragment shows its UDP header unverified and no payload; later fragments stop at the IP layer
 * (reassemble them with `Ipv4Reassembler` and decode the result).
 */
export function decodeUdpDatagram(buf: Uint8Array, base = 0): UdpDatagramLayers {
  const ip = decodeIpDatagram(buf, base);
  const v = ip.value;
  if (!v || v.protocol !== IPPROTO.UDP || (v.fragment && v.fragment.offset !== 0)) {
    return { ip, fields: ip.fields, problems: ip.problems };
  }
  const fragment = v.fragment !== undefined;
  const at = v.payloadOffset;
  const udp = decodeUdp(buf.subarray(at, at + v.payloadLength), { base: base + at, fragment, ...(v.pseudo ? { pseudo: v.pseudo } : {}) });
  const fields = [...ip.fields, ...udp.fields];
  const problems = [...ip.problems, ...udp.problems];
  const u = udp.value;
  if (!u || fragment) return { ip, udp, fields, problems };
  const payloadOffset = at + u.payloadOffset;
  return { ip, udp, payload: buf.subarray(payloadOffset, payloadOffset + u.payloadLength), payloadOffset, fields, problems };
}
