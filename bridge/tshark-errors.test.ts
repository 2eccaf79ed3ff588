// tsharkErrors on a capture made here, byte for byte from a live one: tshark has no SRTP keys, and in an SRTCP
// compound it reads the encrypted packets after the first one's header as RTCP. Chromium's NACK + REMB (sent when
// video packets were lost, on a busy machine) threw its RTCP dissector on some ciphertexts and not on others: the
// mediasoup live test failed on "Malformed Packet (Exception occurred)" in 1 of 3 loaded runs. Such frames are
// marked `srtcp`; the same bytes on a port tshark takes for plain RTCP are not. (tshark knows SRTCP ports from the
// DTLS-SRTP handshake it follows in a live capture; here `-d …,srtcp` tells it.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeUdpDatagram } from '../sim/wire/ip/udp-datagram.ts';
import { writePcap } from '../sim/wire/pcap/pcap-writer.ts';
import { hasTshark } from './chromium-call.ts';
import { tsharkErrors } from './tshark-errors.ts';

const hex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g)!, (x) => parseInt(x, 16));
// two SRTCP compounds Chromium sent (NACK, then REMB, encrypted but the NACK's header and sender SSRC; E flag, index, tag)
const SRTCP_READ = hex('81cd000300000001ad54a8187f246b1cdb75dd41ea947c49083766d1bcd7224973f430530da7e7fb8000002eb1871b29b0e6cb55976f');
const SRTCP_THROWS = hex('81cd000300000001eb5ea1712a06453769c2b56e91f6636117dbc3ca11b2785abe739efcafac244c8000002ea59fd5e807fb9509bef6');
describe.skipIf(!process.env.CI && !hasTshark)('tsharkErrors', () => {
  it('marks tshark\'s complaint about ciphertext it read as RTCP (an SRTCP compound) as srtcp, and not the same bytes taken for RTCP', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-tshark-errors-'));
    try {
      const file = join(dir, 'frames.pcap');
      const udp = (srcPort: number, dstPort: number, payload: Uint8Array): Uint8Array => encodeUdpDatagram({ src: '192.0.2.2', dst: '127.0.0.1', srcPort, dstPort, payload });
      const frames = [udp(50188, 27508, SRTCP_READ), udp(37667, 27506, SRTCP_THROWS), udp(37667, 27510, SRTCP_THROWS)];
      writeFileSync(file, writePcap(frames.map((data, i) => ({ seconds: i, fraction: 0, data })), { linkType: 101 }));
      const errors = tsharkErrors(file, ['--enable-heuristic', 'rtp_udp', '-d', 'udp.port==27506,srtcp', '-d', 'udp.port==27508,srtcp', '-d', 'udp.port==27510,rtcp']);
      expect(errors.map((e) => ({ frame: e.frame, srtcp: e.srtcp, malformed: /Malformed/.test(e.message) }))).toEqual([
        { frame: 2, srtcp: true, malformed: true },
        { frame: 3, srtcp: false, malformed: true },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
