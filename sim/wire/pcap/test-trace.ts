import { TraceRecorder, type Trace } from '../../core/trace.ts';
import { encodeUdpDatagram } from '../ip/udp-datagram.ts';

/**
 * A small synthetic trace for writer tests: alice sends a STUN-looking datagram through natA (seen on both links,
 * rewritten), the server answers over IPv6 too, and one hop is dropped. Not a simulation, just real datagram bytes.
 */
export function smallTrace(): Trace {
  const rec = new TraceRecorder({ source: 'simulation', scenario: 'pcap-test', seed: 1, title: 'pcap writer test' });
  rec.addNode({ name: 'alice', kind: 'host', addresses: ['192.168.1.10', '2001:db8:a::10'] });
  rec.addNode({ name: 'natA', kind: 'nat', addresses: ['192.168.1.1', '203.0.113.5'] });
  rec.addNode({ name: 'stun', kind: 'server', addresses: ['198.51.100.7', '2001:db8:5::7'] });
  rec.addLink({ name: 'alice-lan', a: 'alice', b: 'natA' });
  rec.addLink({ name: 'natA-wan', a: 'natA', b: 'stun' });
  const stun = Uint8Array.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, ...Array.from({ length: 12 }, (_, i) => i + 1)]);
  const p1 = rec.newPacketId();
  const lan = encodeUdpDatagram({ src: '192.168.1.10', dst: '198.51.100.7', srcPort: 50000, dstPort: 3478, payload: stun });
  const wan = encodeUdpDatagram({ src: '203.0.113.5', dst: '198.51.100.7', srcPort: 62000, dstPort: 3478, payload: stun, ttl: 63 });
  rec.hop({ t: 1_000, arrive: 1_500, link: 'alice-lan', from: 'alice', to: 'natA', bytes: lan, packet: p1 });
  rec.hop({ t: 1_500, arrive: 21_500, link: 'natA-wan', from: 'natA', to: 'stun', bytes: wan, packet: p1 });
  const p2 = rec.newPacketId();
  const back = encodeUdpDatagram({ src: '198.51.100.7', dst: '203.0.113.5', srcPort: 3478, dstPort: 62000, payload: Uint8Array.of(1, 1, 0, 0, ...stun.subarray(4)) });
  rec.hop({ t: 21_500, arrive: 41_500, link: 'natA-wan', from: 'stun', to: 'natA', bytes: back, packet: p2, drop: 'loss' });
  const p3 = rec.newPacketId();
  const v6 = encodeUdpDatagram({ src: '2001:db8:a::10', dst: '2001:db8:5::7', srcPort: 50001, dstPort: 3478, payload: stun });
  rec.hop({ t: 2_000_001, arrive: 2_020_001, link: 'alice-lan', from: 'alice', to: 'stun', bytes: v6, packet: p3 });
  rec.secret({ t: 0, kind: 'nss-keylog', source: 'alice/dtls', text: `CLIENT_RANDOM ${'ab'.repeat(32)} ${'cd'.repeat(48)}` });
  rec.secret({ t: 0, kind: 'srtp', source: 'alice/srtp', text: 'SRTP_AES128_CM_SHA1_80 client key …' });
  return rec.finish();
}
