import { parseIp } from '../../wire/ip/address.ts';
import type { TcpHeader } from '../../wire/tcp/tcp.ts';
import { frameFields, layerFields, protocolField, type FieldDef } from './field-def.ts';

/**
 * The frame, link, network and transport fields, named as tshark names them (`tshark -G fields`): frame.*, eth,
 * ip.*, ipv6.*, udp.*, tcp.*, icmp.*, icmpv6.*.
 */

const ip = (text: string): Uint8Array | undefined => parseIp(text);

/** tshark's tcp.flags: the 12 bits after the data offset (the reserved bits, then CWR … FIN), RFC 9293 §3.1. */
function tcpFlags(t: TcpHeader): number {
  const f = t.flags;
  const bits = [f.CWR, f.ECE, f.URG, f.ACK, f.PSH, f.RST, f.SYN, f.FIN].reduce((a, b) => (a << 1) | (b ? 1 : 0), 0);
  return ((t.reserved & 0xf) << 8) | bits;
}

export const NET_FIELDS: readonly FieldDef[] = [
  { name: 'frame', type: 'protocol', description: 'The frame (every packet has one); its value is its bytes', protocols: [], read: (_l, f, out) => void out.push(f.bytes) },
  ...frameFields({
    'frame.number': ['uint', 'Frame number (from 1)', (f) => f.number],
    'frame.time_relative': ['float', 'Time since the first frame (s)', (f) => f.timeRelative],
    'frame.time_delta': ['float', 'Time since the previous captured frame (s)', (f) => f.timeDelta],
    'frame.time_epoch': ['float', 'Time since the Unix epoch (s)', (f) => f.timeEpoch],
    'frame.len': ['uint', 'Frame length on the wire (bytes)', (f) => f.bytes.length],
    'frame.cap_len': ['uint', 'Frame length captured (bytes)', (f) => f.bytes.length],
  }),
  protocolField('eth', 'The link layer', ['ETH']),
  protocolField('ip', 'Internet Protocol version 4', ['IPv4']),
  ...layerFields(['IPv4'], {
    'ip.src': ['ipv4', 'Source address', (v) => ip(v.src)],
    'ip.dst': ['ipv4', 'Destination address', (v) => ip(v.dst)],
    'ip.addr': ['ipv4', 'Source or destination address', (v) => [ip(v.src), ip(v.dst)].filter((x): x is Uint8Array => x !== undefined)],
    'ip.ttl': ['uint', 'Time to live', (v) => v.ttl],
    'ip.proto': ['uint', 'Protocol', (v) => v.protocol],
    'ip.len': ['uint', 'Total length', (v) => v.ipv4?.totalLength],
    'ip.id': ['uint', 'Identification', (v) => v.ipv4?.identification],
    'ip.hdr_len': ['uint', 'Header length (bytes)', (v) => v.ipv4?.headerLength],
    'ip.dsfield.dscp': ['uint', 'Differentiated Services Codepoint', (v) => v.ipv4?.dscp],
    'ip.dsfield.ecn': ['uint', 'Explicit Congestion Notification', (v) => v.ipv4?.ecn],
    'ip.flags.df': ['bool', "Don't fragment", (v) => v.ipv4?.dontFragment],
    'ip.flags.mf': ['bool', 'More fragments', (v) => v.ipv4?.moreFragments],
    'ip.frag_offset': ['uint', 'Fragment offset (bytes)', (v) => (v.ipv4 ? v.ipv4.fragmentOffset * 8 : undefined)],
    'ip.checksum': ['uint', 'Header checksum', (v) => v.ipv4?.headerChecksum],
  }),
  protocolField('ipv6', 'Internet Protocol version 6', ['IPv6']),
  ...layerFields(['IPv6'], {
    'ipv6.src': ['ipv6', 'Source address', (v) => ip(v.src)],
    'ipv6.dst': ['ipv6', 'Destination address', (v) => ip(v.dst)],
    'ipv6.addr': ['ipv6', 'Source or destination address', (v) => [ip(v.src), ip(v.dst)].filter((x): x is Uint8Array => x !== undefined)],
    'ipv6.hlim': ['uint', 'Hop limit', (v) => v.ttl],
    'ipv6.nxt': ['uint', 'Next header (the upper-layer protocol after extension headers)', (v) => v.protocol],
    'ipv6.plen': ['uint', 'Payload length', (v) => v.ipv6?.payloadLength],
    'ipv6.flow': ['uint', 'Flow label', (v) => v.ipv6?.flowLabel],
  }),
  protocolField('udp', 'User Datagram Protocol', ['UDP']),
  ...layerFields(['UDP'], {
    'udp.srcport': ['uint', 'Source port', (v) => v.srcPort],
    'udp.dstport': ['uint', 'Destination port', (v) => v.dstPort],
    'udp.port': ['uint', 'Source or destination port', (v) => [v.srcPort, v.dstPort]],
    'udp.length': ['uint', 'Length (header and payload)', (v) => v.length],
    'udp.checksum': ['uint', 'Checksum', (v) => v.checksum],
    'udp.stream': ['uint', 'Stream index (conversations numbered by first appearance)', (_v, l, f) => (l.quoted ? f.quotedUdpStream : f.udpStream)],
  }),
  protocolField('tcp', 'Transmission Control Protocol', ['TCP']),
  ...layerFields(['TCP'], {
    'tcp.srcport': ['uint', 'Source port', (v) => v.srcPort],
    'tcp.dstport': ['uint', 'Destination port', (v) => v.dstPort],
    'tcp.port': ['uint', 'Source or destination port', (v) => [v.srcPort, v.dstPort]],
    'tcp.seq': ['uint', 'Sequence number (relative to the direction\'s first)', (_v, l, f) => (l.quoted ? undefined : f.tcpSeq)],
    'tcp.ack': ['uint', 'Acknowledgment number (relative)', (_v, l, f) => (l.quoted ? undefined : f.tcpAck)],
    'tcp.seq_raw': ['uint', 'Sequence number (raw)', (v) => v.sequenceNumber >>> 0],
    'tcp.ack_raw': ['uint', 'Acknowledgment number (raw)', (v) => v.acknowledgmentNumber >>> 0],
    'tcp.flags': ['uint', 'Flags (12 bits)', tcpFlags],
    'tcp.flags.cwr': ['bool', 'Congestion Window Reduced', (v) => v.flags.CWR],
    'tcp.flags.ece': ['bool', 'ECN-Echo', (v) => v.flags.ECE],
    'tcp.flags.urg': ['bool', 'Urgent', (v) => v.flags.URG],
    'tcp.flags.ack': ['bool', 'Acknowledgment', (v) => v.flags.ACK],
    'tcp.flags.push': ['bool', 'Push', (v) => v.flags.PSH],
    'tcp.flags.reset': ['bool', 'Reset', (v) => v.flags.RST],
    'tcp.flags.syn': ['bool', 'Syn', (v) => v.flags.SYN],
    'tcp.flags.fin': ['bool', 'Fin', (v) => v.flags.FIN],
    'tcp.window_size_value': ['uint', 'Window (as on the wire, unscaled)', (v) => v.window],
    'tcp.hdr_len': ['uint', 'Header length (bytes)', (v) => v.headerLength],
    'tcp.len': ['uint', 'Segment length (payload bytes)', (v) => v.payloadLength],
    'tcp.checksum': ['uint', 'Checksum', (v) => v.checksum],
    'tcp.urgent_pointer': ['uint', 'Urgent pointer', (v) => v.urgentPointer],
    'tcp.stream': ['uint', 'Stream index (connections numbered by first appearance)', (_v, l, f) => (l.quoted ? undefined : f.tcpStream)],
  }),
  protocolField('icmp', 'Internet Control Message Protocol', ['ICMP']),
  ...layerFields(['ICMP'], {
    'icmp.type': ['uint', 'Type', (v) => v.type],
    'icmp.code': ['uint', 'Code', (v) => v.code],
    'icmp.checksum': ['uint', 'Checksum', (v) => v.checksum],
    'icmp.ident': ['uint', 'Identifier', (v) => v.identifier],
    'icmp.seq': ['uint', 'Sequence number', (v) => v.sequence],
    'icmp.mtu': ['uint', 'MTU of next hop', (v) => v.mtu],
  }),
  protocolField('icmpv6', 'Internet Control Message Protocol for IPv6', ['ICMPv6']),
  ...layerFields(['ICMPv6'], {
    'icmpv6.type': ['uint', 'Type', (v) => v.type],
    'icmpv6.code': ['uint', 'Code', (v) => v.code],
    'icmpv6.checksum': ['uint', 'Checksum', (v) => v.checksum],
    'icmpv6.echo.identifier': ['uint', 'Identifier', (v) => v.identifier],
    'icmpv6.echo.sequence_number': ['uint', 'Sequence', (v) => v.sequence],
    'icmpv6.mtu': ['uint', 'MTU', (v) => v.mtu],
  }),
  protocolField('data', 'Bytes no dissector read', ['DATA']),
  ...layerFields(['DATA'], {
    'data.data': ['bytes', 'Data', (v) => v],
    'data.len': ['uint', 'Length', (v) => v.length],
  }),
];
