/**
 * `rtclab/wire`: the stateless codecs the simulator and the dissector share (sim/wire). Decoders give a typed value,
 * field spans and problems and never throw; encoders give the exact RFC wire bytes.
 */
export * as stun from '../sim/wire/stun/index.ts';
export { decodeIpDatagram, decodeUdpDatagram, type IpDatagram, type UdpDatagramLayers } from '../sim/wire/ip/datagram.ts';
export { decodeIPv4, encodeIPv4, type IPv4Header, type IPv4Init } from '../sim/wire/ip/ipv4.ts';
export { decodeIPv6, encodeIPv6 } from '../sim/wire/ip/ipv6.ts';
export { decodeUdp, encodeUdp, type UdpHeader, type UdpInit } from '../sim/wire/ip/udp.ts';
export { encodeUdpDatagram, peekUdpDatagram, type UdpDatagramSpec, type UdpDatagramView } from '../sim/wire/ip/udp-datagram.ts';
export { decodeTcp, encodeTcp, encodeTcpSegment, type TcpHeader, type TcpSegmentSpec } from '../sim/wire/tcp/tcp.ts';
export { canonicalIp, formatIp, ipFamily, isIp, parseIp, type IpFamily } from '../sim/wire/ip/address.ts';
export { decodeRtp, encodeRtp, type RtpHeader, type RtpPacket, type RtpPacketSpec } from '../sim/wire/rtp/rtp.ts';
export { decodeRtcp, encodeRtcp, type RtcpPacket } from '../sim/wire/rtcp/rtcp.ts';
export { decodeRecords, encodeRecord, type AnyDtlsRecord, type DtlsRecord } from '../sim/wire/dtls/record.ts';
export { decodeHandshake, encodeHandshake, type HandshakeMessage } from '../sim/wire/dtls/handshake.ts';
export { decodeSrtp, decodeSrtcp } from '../sim/wire/srtp/protected.ts';
export { SRTP_PROFILES, srtpProfile, type SrtpProfile, type SrtpProfileName } from '../sim/wire/srtp/profiles.ts';
export { decodeSdp, encodeSdp } from '../sim/wire/sdp/sdp.ts';
export type { SessionDescription } from '../sim/wire/sdp/types.ts';
export { demux, demuxClass, type DemuxClass, type DemuxResult } from '../sim/wire/demux.ts';
export type { Decoded, Problem } from '../sim/wire/field.ts';
export { fromHex, toHex, utf8Decode, utf8Encode } from '../sim/core/encoding.ts';
