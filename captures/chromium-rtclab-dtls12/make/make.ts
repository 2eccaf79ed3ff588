/**
 * Makes captures/chromium-rtclab-dtls12/: headless Chromium (offerer, fake audio+video) calls our sim WebRtcPeer
 * (answerer, DTLS client) over real UDP on 127.0.0.1 (bridge/chromium-call.ts), ~2.5 s of media, captured on lo
 * with tshark (only the UDP port our peer bound). Writes:
 *   chromium-rtclab.pcapng        the capture
 *   chromium-rtclab.keylog.txt    our DTLS endpoint's NSS key log (CLIENT_RANDOM)
 *   chromium-rtclab.getstats.json Chromium's getStats() (before close), its states, our peer's summary, the SDP
 *   chromium-rtclab.tshark.json   tshark's own view: RTP packets per SSRC (RTP heuristic on the clear SRTP
 *                                 headers), frames left as UDP data (SRTCP), Finished frames opened with the
 *                                 key log, STUN transaction ids
 *   versions.txt
 *
 *   npx tsx captures/chromium-rtclab-dtls12/make/make.ts     (needs /usr/bin/chromium and tshark with capture rights on lo)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumCall, CHROMIUM, CHROMIUM_ARGS } from '../../../bridge/chromium-call.ts';

const HERE = dirname(dirname(fileURLToPath(import.meta.url)));
const at = (name: string) => join(HERE, name);
const PCAP = at('chromium-rtclab.pcapng');
const KEYLOG = at('chromium-rtclab.keylog.txt');

const r = await chromiumCall({ mediaMs: 2500, captureFile: PCAP });
chmodSync(PCAP, 0o644); // tshark writes it owner-only
writeFileSync(KEYLOG, r.keyLog);
writeFileSync(
  at('chromium-rtclab.getstats.json'),
  `${JSON.stringify({ browserVersion: r.browserVersion, launchArgs: CHROMIUM_ARGS, pageState: r.pageState, agentRole: r.agentRole, ourAddress: r.ourAddress, ourStreams: r.ourStreams, ours: r.summary, stats: r.stats, offer: r.offer, answer: r.answer }, null, 1)}\n`,
);

const tshark = (...args: string[]): string[] =>
  execFileSync('tshark', ['-r', PCAP, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter((l) => l.length > 0);
const count = (lines: string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const l of lines) out[l] = (out[l] ?? 0) + 1;
  return out;
};
const heur = ['--enable-heuristic', 'rtp_udp'];
const truth = {
  file: 'chromium-rtclab.pcapng',
  packets: tshark('-T', 'fields', '-e', 'frame.number').length,
  rtpBySsrc: count(tshark(...heur, '-Y', 'rtp && !rtcp', '-T', 'fields', '-e', 'rtp.ssrc')),
  // tshark's RTCP heuristic does not take SRTCP (encrypted compound packets), nor its RTP heuristic SRTP with the
  // P bit (the padding count it reads is the last byte of the auth tag): it leaves those as UDP data
  udpDataFrames: tshark(...heur, '-Y', 'udp && !rtp && !stun && !dtls', '-T', 'fields', '-e', 'frame.number').map(Number),
  finishedFrames: tshark('-o', `tls.keylog_file:${KEYLOG}`, '-Y', 'dtls.handshake.type == 20', '-T', 'fields', '-e', 'frame.number').map(Number),
  stunTransactionIds: tshark('-Y', 'stun', '-T', 'fields', '-e', 'stun.id'),
};
writeFileSync(at('chromium-rtclab.tshark.json'), `${JSON.stringify(truth, null, 1)}\n`);
const version = (cmd: string, ...args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).stdout.split('\n')[0]!.trim();
writeFileSync(
  at('versions.txt'),
  [`chromium: ${version(CHROMIUM, '--version')}`, `tshark: ${version('tshark', '--version')}`, `node: ${process.version}`, `made: ${new Date().toISOString()}`, ''].join('\n'),
);
console.log(`${PCAP}: ${statSync(PCAP).size} bytes, ${truth.packets} packets; ours ${JSON.stringify(r.summary.srtp)}`);
