import type { Decoded, Field, Problem } from '../field.ts';
import { decodeIpDatagram, type IpDatagram } from '../ip/datagram.ts';
import { IPPROTO } from '../ip/protocols.ts';
import { decodeTcp, type TcpHeader } from './tcp.ts';

/** One datagram decoded through TCP, shaped like `decodeUdpDatagram`'s answer. */
export interface TcpDatagramLayers {
  readonly ip: Decoded<IpDatagram | undefined>;
  readonly tcp?: Decoded<TcpHeader | undefined>;
  /** The segment's data as a view into the input, with its offset in it. */
  readonly payload?: Uint8Array;
  readonly payloadOffset?: number;
  readonly fields: readonly Field[];
  readonly problems: readonly Problem[];
}

/** The IP layer, then TCP when the datagram carries an unfragmented segment. */
export function decodeTcpDatagram(buf: Uint8Array, base = 0): TcpDatagramLayers {
  const ip = decodeIpDatagram(buf, base);
  const v = ip.value;
  if (!v || v.protocol !== IPPROTO.TCP || v.fragment) return { ip, fields: ip.fields, problems: ip.problems };
  const at = v.payloadOffset;
  // the segment length the IP header declares, even when fewer bytes were captured
  const declared = v.ipv4 ? v.ipv4.totalLength - v.ipv4.headerLength : v.ipv6 ? v.ipv6.payloadLength + 40 - v.ipv6.headerLength : v.payloadLength;
  const tcp = decodeTcp(buf.subarray(at, at + v.payloadLength), { base: base + at, segmentLength: Math.max(declared, 0), ...(v.pseudo ? { pseudo: v.pseudo } : {}) });
  const fields = [...ip.fields, ...tcp.fields];
  const problems = [...ip.problems, ...tcp.problems];
  const t = tcp.value;
  if (!t) return { ip, tcp, fields, problems };
  const payloadOffset = at + t.payloadOffset;
  return { ip, tcp, payload: buf.subarray(payloadOffset, payloadOffset + t.payloadLength), payloadOffset, fields, problems };
}
