// Node only: the frames of a live capture tshark calls malformed or marks with an error, each checked against the
// DTLS datagrams before it on its 5-tuple. tshark 4.0.17 reports "New fragment overlaps old data (retransmission?)"
// on Chromium's retransmitted two-datagram ClientHello (sent again when a server's flight comes after Chromium's short
// timer), though the copy equals the first but for the record numbers (RFC 6347 §4.2.4: a retransmission resends the
// same message); such a frame is marked `identicalRetransmission` and a test may let it pass. tshark has no SRTP
// keys: in an SRTCP compound everything after the first packet's header and SSRC is encrypted (RFC 3711 §3.4), yet
// its RTCP dissector reads those bytes as the next RTCP packets, and random ones may throw it ("Malformed Packet
// (Exception occurred)", "Padding flag set on not final packet"): Chromium's NACK + REMB compound, sent when video
// packets were lost (on a busy machine), was called malformed in 4 of 5 runs beside two busy loops. Such a frame is marked `srtcp`;
// what is wrong in it is for a reader with the keys (our dissector) to say.
import { spawnSync } from 'node:child_process';

export interface TsharkError {
  readonly frame: number;
  readonly message: string;
  /** tshark's reassembly complaint about a DTLS datagram equal to an earlier one on its 5-tuple but for record numbers */
  readonly identicalRetransmission: boolean;
  /** tshark dissected the frame as SRTCP: it read ciphertext as RTCP, and what it says of it is not about the packet */
  readonly srtcp: boolean;
}

/** Frames tshark calls malformed or marks with an error; `args` go to tshark as they are (`-o tls.keylog_file:…`, `--enable-heuristic rtp_udp`). */
export function tsharkErrors(file: string, args: readonly string[] = []): TsharkError[] {
  const fields = ['frame.number', 'ip.src', 'udp.srcport', 'ip.dst', 'udp.dstport', 'udp.payload', '_ws.col.Protocol', '_ws.expert.message'];
  const run = (filter: string, f: readonly string[]): string[][] => spawnSync('tshark', ['-r', file, '-n', ...args, '-Y', filter, '-T', 'fields', '-E', 'occurrence=f', ...f.flatMap((x) => ['-e', x])], { maxBuffer: 256 << 20 })
    .stdout.toString().split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
  const errorFrames = new Set(run('_ws.malformed || _ws.expert.severity == error', ['frame.number']).map(([f]) => Number(f)));
  const seen = new Set<string>();
  const out: TsharkError[] = [];
  for (const [frame = '', src = '', sport = '', dst = '', dport = '', payload = '', protocol = '', message = ''] of run('dtls || _ws.malformed || _ws.expert.severity == error', fields)) {
    const key = `${src}:${sport}>${dst}:${dport} ${withoutRecordNumbers(payload)}`;
    if (errorFrames.has(Number(frame))) out.push({ frame: Number(frame), message, identicalRetransmission: message === 'New fragment overlaps old data (retransmission?)' && seen.has(key), srtcp: protocol === 'SRTCP' });
    seen.add(key);
  }
  return out;
}

/** A datagram of DTLS 1.2 records (hex) with each record's epoch and sequence number (RFC 6347 §4.1) zeroed. */
function withoutRecordNumbers(hex: string): string {
  const b = Uint8Array.from(hex.match(/../g) ?? [], (x) => parseInt(x, 16));
  for (let at = 0; at + 13 <= b.length; at += 13 + ((b[at + 11]! << 8) | b[at + 12]!)) b.fill(0, at + 3, at + 11);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
