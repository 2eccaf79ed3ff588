// mDNS messages of each kind RFC 6762 describes, for the dissector's and the display filters' tests against tshark.
import { DnsType, encodeDnsMessage, MDNS_IPV4, MDNS_IPV6, MDNS_PORT, type DnsMessage } from '../../sim/wire/dns/message.ts';
import { encodeUdpDatagram } from '../../sim/wire/ip/udp-datagram.ts';
import { writePcap } from '../../sim/wire/pcap/pcap-writer.ts';

export const NAME = '1f4712db-ea17-4bcf-a596-105139dfd8bf.local';
export const OTHER = '0b8c1c52-3f2e-4a55-9a3e-6f1f6c0a7b21.local';
/** RFC 6762 §8.1: a probe asks ANY with the QU bit and proposes its record in the authority section. */
export const probe: DnsMessage = { id: 0, response: false, questions: [{ name: NAME, type: DnsType.ANY, unicastResponse: true }], answers: [], authorities: [{ name: NAME, type: DnsType.A, ttl: 120, address: '192.168.1.10' }] };
/** §10.1: a goodbye is the record again with TTL 0. */
export const goodbye: DnsMessage = { id: 0, response: true, authoritative: true, questions: [], answers: [{ name: NAME, type: DnsType.A, cacheFlush: true, ttl: 0, address: '192.168.1.10' }] };
/** An AAAA answer from a link-local address, with an additional record of a type read as data. */
export const answer6: DnsMessage = { id: 0, response: true, authoritative: true, questions: [], answers: [{ name: OTHER, type: DnsType.AAAA, cacheFlush: true, ttl: 120, address: 'fe80::1' }], additionals: [{ name: OTHER, type: DnsType.TXT, ttl: 4500, data: new Uint8Array([3, 0x61, 0x3d, 0x62]) }] };
/** §7.1: a query with a known answer the responder need not repeat. */
export const knownAnswer: DnsMessage = { id: 0, response: false, questions: [{ name: OTHER, type: DnsType.AAAA }], answers: [{ name: OTHER, type: DnsType.AAAA, ttl: 100, address: 'fe80::1' }] };

/** A datagram carrying `payload`, by default 192.168.1.10:5353 → 224.0.0.251:5353 with TTL 255 (RFC 6762 §11). */
export const mdnsDatagram = (payload: Uint8Array, src = '192.168.1.10', dst = MDNS_IPV4, srcPort = MDNS_PORT, dstPort = MDNS_PORT): Uint8Array =>
  encodeUdpDatagram({ src, dst, srcPort, dstPort, ttl: 255, payload });

/** The four kinds as a raw-IP pcap (link type 101), one a second: probe, goodbye, AAAA answer, known-answer query. */
export function mdnsKindsPcap(): Uint8Array {
  const frames = [
    mdnsDatagram(encodeDnsMessage(probe)),
    mdnsDatagram(encodeDnsMessage(goodbye)),
    mdnsDatagram(encodeDnsMessage(answer6), 'fe80::1', MDNS_IPV6),
    mdnsDatagram(encodeDnsMessage(knownAnswer), 'fe80::2', MDNS_IPV6),
  ];
  return writePcap(frames.map((data, i) => ({ seconds: i, fraction: 0, data })), { linkType: 101 });
}
