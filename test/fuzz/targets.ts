// Every decoder of sim/wire as a fuzz target: a name, the call, and which seeds from the captures feed it.
import { decodeDatagram } from '../../sim/wire/dtls/datagram.ts';
import { decodeHandshakeFragments } from '../../sim/wire/dtls/handshake.ts';
import { decodeRecords } from '../../sim/wire/dtls/record.ts';
import { decodeAlert } from '../../sim/wire/handshake/alert.ts';
import { demux } from '../../sim/wire/demux.ts';
import { decodeDns } from '../../sim/wire/dns/message.ts';
import { decodeHttpMessage } from '../../sim/wire/http/http.ts';
import { decodeIpDatagram, decodeUdpDatagram } from '../../sim/wire/ip/datagram.ts';
import { decodeIPv4 } from '../../sim/wire/ip/ipv4.ts';
import { decodeIPv6 } from '../../sim/wire/ip/ipv6.ts';
import { readCapture } from '../../sim/wire/pcap/capture-reader.ts';
import { decodeLinkLayer } from '../../sim/wire/pcap/link-layer.ts';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_NULL } from '../../sim/wire/pcap/linktype.ts';
import { decodeRtcp } from '../../sim/wire/rtcp/rtcp.ts';
import { decodeRtp } from '../../sim/wire/rtp/rtp.ts';
import { decodeSdp } from '../../sim/wire/sdp/sdp.ts';
import { decodeSrtcp, decodeSrtp } from '../../sim/wire/srtp/protected.ts';
import { SRTP_PROFILES } from '../../sim/wire/srtp/profiles.ts';
import { decodeChannelData, decodeStun } from '../../sim/wire/stun/index.ts';
import { decodeTcpDatagram } from '../../sim/wire/tcp/tcp-datagram.ts';
import { decodeTlsHandshakes } from '../../sim/wire/tls/handshake.ts';
import { decodeTlsRecord } from '../../sim/wire/tls/record.ts';
import { decodeWebSocketFrame } from '../../sim/wire/websocket/frame.ts';

/** Which kind of captured bytes seeds a target (test/fuzz/seeds.ts sorts the captures into these). */
export type SeedKind = 'ip' | 'stun' | 'dtls' | 'rtp' | 'rtcp' | 'channel-data' | 'tcp-payload' | 'frame' | 'file' | 'sdp' | 'dtls-handshake';

export interface DecoderTarget {
  readonly name: string;
  readonly seeds: SeedKind;
  /** Decodes; returns how many fields, problems and items came out, to check the output stays bounded. */
  readonly run: (bytes: Uint8Array) => number;
}

interface Out {
  readonly fields?: readonly unknown[];
  readonly problems?: readonly unknown[];
  readonly value?: unknown;
}

const size = (o: Out): number => (o.fields?.length ?? 0) + (o.problems?.length ?? 0) + (Array.isArray(o.value) ? o.value.length : 0);

const cm = SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80;
const gcm = SRTP_PROFILES.AEAD_AES_128_GCM;

export const DECODERS: readonly DecoderTarget[] = [
  { name: 'ip: decodeIpDatagram', seeds: 'ip', run: (b) => size(decodeIpDatagram(b)) },
  { name: 'ip: decodeIPv4', seeds: 'ip', run: (b) => size(decodeIPv4(b)) },
  { name: 'ip: decodeIPv6', seeds: 'ip', run: (b) => size(decodeIPv6(b)) },
  { name: 'udp: decodeUdpDatagram', seeds: 'ip', run: (b) => size(decodeUdpDatagram(b)) },
  { name: 'tcp: decodeTcpDatagram', seeds: 'ip', run: (b) => size(decodeTcpDatagram(b)) },
  { name: 'demux (RFC 7983)', seeds: 'stun', run: (b) => (demux(b).class ? 1 : 0) },
  { name: 'stun: decodeStun', seeds: 'stun', run: (b) => size(decodeStun(b)) },
  // no kept capture carries mDNS: STUN messages (first bytes 0x00/0x01, as an mDNS header's ID 0) seed it
  { name: 'dns: decodeDns (mDNS)', seeds: 'stun', run: (b) => size(decodeDns(b)) },
  { name: 'stun: decodeChannelData', seeds: 'channel-data', run: (b) => size(decodeChannelData(b)) },
  { name: 'dtls: decodeRecords', seeds: 'dtls', run: (b) => size(decodeRecords(b)) },
  { name: 'dtls: decodeDatagram', seeds: 'dtls', run: (b) => size(decodeDatagram(b)) },
  { name: 'dtls: decodeHandshakeFragments', seeds: 'dtls-handshake', run: (b) => size(decodeHandshakeFragments(b)) },
  { name: 'dtls: decodeAlert', seeds: 'dtls-handshake', run: (b) => size(decodeAlert(b)) },
  { name: 'rtp: decodeRtp', seeds: 'rtp', run: (b) => size(decodeRtp(b)) },
  { name: 'rtcp: decodeRtcp', seeds: 'rtcp', run: (b) => size(decodeRtcp(b)) },
  { name: 'srtp: decodeSrtp (AES-CM)', seeds: 'rtp', run: (b) => size(decodeSrtp(b, cm)) },
  { name: 'srtp: decodeSrtp (AEAD-GCM)', seeds: 'rtp', run: (b) => size(decodeSrtp(b, gcm)) },
  { name: 'srtp: decodeSrtcp', seeds: 'rtcp', run: (b) => size(decodeSrtcp(b, cm)) },
  { name: 'sdp: decodeSdp', seeds: 'sdp', run: (b) => size(decodeSdp(b)) },
  { name: 'http: decodeHttpMessage', seeds: 'tcp-payload', run: (b) => size(decodeHttpMessage(b)) },
  { name: 'websocket: decodeWebSocketFrame', seeds: 'tcp-payload', run: (b) => size(decodeWebSocketFrame(b)) },
  {
    name: 'tls: decodeTlsRecord',
    seeds: 'tcp-payload',
    run: (b) => {
      const r = decodeTlsRecord(b);
      return r.status === 'incomplete' ? 0 : size(r);
    },
  },
  { name: 'tls: decodeTlsHandshakes', seeds: 'tcp-payload', run: (b) => size(decodeTlsHandshakes(b)) },
  {
    name: 'pcap: decodeLinkLayer',
    seeds: 'frame',
    run: (b) => [LINKTYPE_ETHERNET, LINKTYPE_NULL, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2].reduce((n, t) => n + size(decodeLinkLayer(b, t)), 0),
  },
  {
    name: 'pcap/pcapng: readCapture',
    seeds: 'file',
    run: (b) => {
      const c = readCapture(b);
      return c.packets.length + c.problems.length + c.interfaces.length + c.sections.length;
    },
  },
];

/** Output may grow with the input, never faster than a few items a byte. */
export function outputBound(inputLength: number): number {
  return 4 * inputLength + 64;
}
