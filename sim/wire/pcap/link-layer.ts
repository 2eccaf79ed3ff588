import type { Field, Problem } from '../field.ts';
import { Reader } from '../reader.ts';
import { toHex } from '../../core/encoding.ts';
import type { IpFamily } from '../ip/address.ts';
import {
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_QINQ,
  ETHERTYPE_QINQ_OLD,
  ETHERTYPE_VLAN,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  ethertypeName,
  linkTypeName,
} from './linktype.ts';

/**
 * Finds the IP datagram inside a captured frame. Field spans and problem offsets are relative to the frame
 * (the packet's `data`); add the packet's `dataOffset` to land on bytes of the whole file.
 */
export interface LinkLayer {
  readonly linkType: number;
  /** Offset of the IPv4/IPv6 header in the frame; undefined when the frame does not carry IP. */
  readonly ipOffset: number | undefined;
  readonly family: IpFamily | undefined;
  /** The ethertype that named the payload (Ethernet, after VLAN tags; SLL/SLL2 protocol type). */
  readonly ethertype: number | undefined;
  /** Where what the ethertype names starts in the frame (IP or not: ARP's packet); undefined without an ethertype. */
  readonly payloadOffset: number | undefined;
  /** VLAN IDs of 802.1Q/802.1ad tags, outermost first. */
  readonly vlans: readonly number[];
  /** Why the frame is not an IP datagram ("ethertype 0x0806 (ARP) is not IP"), for the packet list. */
  readonly note: string | undefined;
  readonly fields: readonly Field[];
  readonly problems: readonly Problem[];
}

/** Address family values seen in NULL/LOOP headers: AF_INET is 2 everywhere; AF_INET6 differs by OS. */
const AF_INET = 2;
const AF_INET6_VALUES: Record<number, string> = { 10: 'Linux', 23: 'Windows', 24: 'NetBSD/OpenBSD', 28: 'FreeBSD', 30: 'Darwin' };

const SLL_HEADER = 16;
const SLL2_HEADER = 20;
const ARPHRD_NETLINK = 824;
/** More tags than anyone stacks; a bound so a frame of repeated 0x8100 cannot loop long. */
const MAX_VLAN_TAGS = 8;

/** Shared by every frame without VLAN tags (frozen: a tag makes a list of its own). */
const NO_VLANS: readonly number[] = Object.freeze([]);

interface Draft {
  ipOffset?: number;
  family?: IpFamily;
  ethertype?: number;
  payloadOffset?: number;
  vlans: readonly number[];
  note?: string;
}

/**
 * Decodes the link layer of a frame. The values and problems are read at once, without spans; `fields` are read
 * the first time they are asked for (a packet list never asks, a detail view does).
 */
export function decodeLinkLayer(frame: Uint8Array, linkType: number): LinkLayer {
  return new DecodedLink(frame, linkType, decodeLink(frame, linkType, false));
}

class DecodedLink implements LinkLayer {
  readonly ipOffset: number | undefined;
  readonly family: IpFamily | undefined;
  readonly ethertype: number | undefined;
  readonly payloadOffset: number | undefined;
  readonly vlans: readonly number[];
  readonly note: string | undefined;
  readonly problems: readonly Problem[];
  private spans: readonly Field[] | undefined;

  constructor(
    private readonly frame: Uint8Array,
    readonly linkType: number,
    l: LinkValues,
  ) {
    this.ipOffset = l.ipOffset;
    this.family = l.family;
    this.ethertype = l.ethertype;
    this.payloadOffset = l.payloadOffset;
    this.vlans = l.vlans;
    this.note = l.note;
    this.problems = l.problems;
  }

  get fields(): readonly Field[] {
    return (this.spans ??= decodeLink(this.frame, this.linkType, true).fields);
  }
}

type LinkValues = Omit<LinkLayer, 'linkType'>;

/** One Reader for every call: nothing here decodes a link layer again before it returns. */
const reader = new Reader(new Uint8Array(0));

function decodeLink(frame: Uint8Array, linkType: number, spans: boolean): LinkValues {
  const r = reader.reset(frame, 0, spans);
  const d: Draft = { vlans: NO_VLANS };
  if (frame.length === 0) {
    d.note = 'empty frame (0 bytes captured)';
  } else {
    switch (linkType) {
      case LINKTYPE_ETHERNET:
        if (r.spans) r.group('Ethernet II', () => ethernet(r, d));
        else ethernet(r, d);
        break;
      case LINKTYPE_RAW:
        raw(frame, 0, d);
        break;
      case LINKTYPE_IPV4:
        fixedFamily(4, d);
        break;
      case LINKTYPE_IPV6:
        fixedFamily(6, d);
        break;
      case LINKTYPE_LINUX_SLL:
        r.group('Linux cooked capture v1', () => sll(r, d));
        break;
      case LINKTYPE_LINUX_SLL2:
        r.group('Linux cooked capture v2', () => sll2(r, d));
        break;
      case LINKTYPE_NULL:
      case LINKTYPE_LOOP:
        r.group(linkType === LINKTYPE_NULL ? 'Null/Loopback' : 'OpenBSD loopback', () => loopback(r, frame, d));
        break;
      default:
        d.note = `link type ${linkTypeName(linkType)} is not decoded`;
    }
  }
  if (d.ipOffset !== undefined) checkVersion(r, frame, d);
  return {
    ipOffset: d.ipOffset,
    family: d.family,
    ethertype: d.ethertype,
    payloadOffset: d.payloadOffset,
    vlans: d.vlans,
    note: d.note,
    fields: r.fieldList(),
    problems: r.problemList(),
  };
}

const mac = (b: Uint8Array): string => toHex(b, ':');

/** An ethertype that names IPv4/IPv6 sets the IP offset; anything else becomes a note. */
function payload(d: Draft, ethertype: number, at: number, frameLength: number): void {
  d.ethertype = ethertype;
  d.payloadOffset = at;
  if (ethertype === ETHERTYPE_IPV4 || ethertype === ETHERTYPE_IPV6) {
    if (at >= frameLength) {
      d.note = `ethertype ${ethertypeName(ethertype)} but no bytes follow the link-layer header`;
      return;
    }
    d.ipOffset = at;
    d.family = ethertype === ETHERTYPE_IPV4 ? 4 : 6;
  } else {
    d.note = `ethertype ${ethertypeName(ethertype)} is not IP`;
  }
}

// IEEE 802.3 clause 3.2 (Ethernet II framing); IEEE 802.1Q §9.6 (VLAN tag: PCP 3, DEI 1, VID 12 bits).
function ethernet(r: Reader, d: Draft): void {
  r.skip(6, 'eth.dst', mac);
  r.skip(6, 'eth.src', mac);
  let type = r.u16('eth.type', ethertypeName);
  if (r.truncated) {
    d.note = 'frame shorter than an Ethernet header';
    return;
  }
  let tags = 0;
  while (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) {
    if (tags === MAX_VLAN_TAGS) {
      r.problem(`more than ${MAX_VLAN_TAGS} VLAN tags; stopped reading tags`, r.pos, 0);
      d.note = 'too many VLAN tags';
      return;
    }
    tags++;
    const tpid = type;
    type = r.group(
      tpid === ETHERTYPE_VLAN ? 'vlan' : 'vlan.outer',
      () => {
        const at = r.pos;
        const tci = r.u16();
        if (!r.truncated) {
          r.fieldBits('vlan.pcp', at, 2, 0, 3, String(tci >> 13));
          r.fieldBits('vlan.dei', at, 2, 3, 1, String((tci >> 12) & 1));
          r.fieldBits('vlan.id', at, 2, 4, 12, String(tci & 0x0fff));
          d.vlans = [...d.vlans, tci & 0x0fff];
        }
        return r.u16('vlan.type', ethertypeName);
      },
      () => `${ethertypeName(tpid)}`,
    );
    if (r.truncated) {
      d.note = 'frame ends inside a VLAN tag';
      return;
    }
  }
  if (type <= 1500) {
    // A value up to 1500 is an 802.3 length, and an LLC header follows: not Ethernet II.
    d.note = `IEEE 802.3 frame (length ${type}, LLC payload) is not IP`;
    return;
  }
  payload(d, type, r.pos, r.end);
}

function raw(frame: Uint8Array, at: number, d: Draft): void {
  const version = frame[at]! >> 4;
  if (version === 4 || version === 6) {
    d.ipOffset = at;
    d.family = version;
  } else {
    d.note = `raw IP frame with IP version ${version}`;
  }
}

/** LINKTYPE_IPV4/IPV6: the frame is the datagram; `checkVersion` flags a disagreeing version nibble. */
function fixedFamily(family: IpFamily, d: Draft): void {
  d.ipOffset = 0;
  d.family = family;
}

// Linux cooked capture v1: https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html
function sll(r: Reader, d: Draft): void {
  r.u16('sll.pkttype', packetTypeName);
  const hatype = r.u16('sll.hatype');
  const halen = r.u16('sll.halen');
  r.bytes(8, 'sll.addr', (b) => mac(b.subarray(0, Math.min(halen, 8))));
  const protocol = r.u16('sll.protocol', ethertypeName);
  if (r.truncated) {
    d.note = `frame shorter than the ${SLL_HEADER}-byte Linux cooked header`;
    return;
  }
  cookedPayload(d, hatype, protocol, r.pos, r.end);
}

// Linux cooked capture v2: https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html
function sll2(r: Reader, d: Draft): void {
  const protocol = r.u16('sll2.protocol', ethertypeName);
  r.u16('sll2.reserved');
  r.u32('sll2.ifindex');
  const hatype = r.u16('sll2.hatype');
  r.u8('sll2.pkttype', packetTypeName);
  const halen = r.u8('sll2.halen');
  r.bytes(8, 'sll2.addr', (b) => mac(b.subarray(0, Math.min(halen, 8))));
  if (r.truncated) {
    d.note = `frame shorter than the ${SLL2_HEADER}-byte Linux cooked v2 header`;
    return;
  }
  cookedPayload(d, hatype, protocol, r.pos, r.end);
}

function cookedPayload(d: Draft, hatype: number, protocol: number, at: number, frameLength: number): void {
  if (hatype === ARPHRD_NETLINK) {
    d.note = `netlink message (protocol ${protocol}) is not IP`;
    return;
  }
  payload(d, protocol, at, frameLength);
}

const PACKET_TYPES = ['to us', 'broadcast', 'multicast', 'to another host', 'sent by us'];
function packetTypeName(v: number): string {
  return `${v} (${PACKET_TYPES[v] ?? 'unknown'})`;
}

// NULL: a 4-byte address family in the capturing host's byte order; LOOP: the same in network byte order
// (https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html). Both orders are accepted for both: AF values are small.
function loopback(r: Reader, frame: Uint8Array, d: Draft): void {
  const at = r.pos;
  const be = r.u32();
  if (r.truncated) {
    d.note = 'frame shorter than the 4-byte loopback header';
    return;
  }
  const bigEndian = (be & 0xffff0000) === 0;
  const af = bigEndian ? be : ((be & 0xff) << 24 | (be & 0xff00) << 8 | (be >>> 8) & 0xff00 | be >>> 24) >>> 0;
  const inet6 = AF_INET6_VALUES[af];
  const display = `${af} (${af === AF_INET ? 'AF_INET' : inet6 ? `AF_INET6, ${inet6}` : 'unknown'}), ${bigEndian ? 'big' : 'little'}-endian`;
  r.field('null.family', at, 4, display);
  if (af === AF_INET || inet6) {
    const family: IpFamily = af === AF_INET ? 4 : 6;
    if (r.pos >= frame.length) {
      d.note = 'loopback header with no datagram after it';
      return;
    }
    d.ipOffset = r.pos;
    d.family = family;
  } else {
    d.note = `loopback address family ${af} is not IP`;
  }
}

/** The IP version nibble must agree with what the link layer announced. */
function checkVersion(r: Reader, frame: Uint8Array, d: Draft): void {
  const at = d.ipOffset!;
  const version = frame[at]! >> 4;
  if (version !== d.family) {
    r.problem(`link layer announces IPv${d.family} but the datagram at offset ${at} has IP version ${version}`, at, 1);
  }
}
