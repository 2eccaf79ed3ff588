/**
 * Makes captures/chromium-rtclab-datachannel/: headless Chromium (offerer, DTLS server, fake audio+video) calls our
 * sim WebRtcPeer (answerer, DTLS client) over real UDP on 127.0.0.1 (bridge/chromium-call.ts with `dataChannels`):
 * Chromium opens "from-chromium" and sends 3 messages, we open "from-rtclab" and send 3, and 2 on Chromium's channel,
 * Chromium answers 2 on ours; captured on lo with tshark (only the UDP port our peer bound). Writes:
 *   chromium-datachannel.pcapng        the capture
 *   chromium-datachannel.keylog.txt    our DTLS endpoint's NSS key log (CLIENT_RANDOM)
 *   chromium-datachannel.getstats.json Chromium's getStats() (before close), the page's channels and messages, ours,
 *                                      our peer's summary, the SDP
 *   chromium-datachannel.tshark.json   tshark's own view: the frames whose DTLS application data it decrypts with
 *                                      the key log, and those bytes (tshark 4.0 does not dissect SCTP inside DTLS)
 *   versions.txt
 *
 *   npx tsx captures/chromium-rtclab-datachannel/make/make.ts   (needs /usr/bin/chromium and tshark with capture rights on lo)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumCall, CHROMIUM, CHROMIUM_ARGS } from '../../../bridge/chromium-call.ts';

const HERE = dirname(dirname(fileURLToPath(import.meta.url)));
const at = (name: string) => join(HERE, name);
const PCAP = at('chromium-datachannel.pcapng');
const KEYLOG = at('chromium-datachannel.keylog.txt');

const FULL = join(mkdtempSync(join(tmpdir(), 'rtclab-dc-capture-')), 'full.pcapng');
const r = await chromiumCall({ mediaMs: 1500, captureFile: FULL, dataChannels: true });
// keep STUN and DTLS only (SRTP/SRTCP of the fake media are in ../chromium-rtclab-dtls12): a small file
execFileSync('tshark', ['-r', FULL, '-Y', 'stun || dtls', '-w', PCAP], { stdio: 'ignore' });
chmodSync(PCAP, 0o644);
writeFileSync(KEYLOG, r.keyLog);
writeFileSync(
  at('chromium-datachannel.getstats.json'),
  `${JSON.stringify({ browserVersion: r.browserVersion, launchArgs: CHROMIUM_ARGS, pageState: r.pageState, pageChannels: r.pageChannels, ourChannels: r.ourChannels, ourAddress: r.ourAddress, ours: r.summary, stats: r.stats, offer: r.offer, answer: r.answer }, null, 1)}\n`,
);
const rows = execFileSync('tshark', ['-r', PCAP, '-o', `tls.keylog_file:${KEYLOG}`, '-Y', 'dtls && data', '-T', 'fields', '-e', 'frame.number', '-e', 'data.data'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  .split('\n')
  .filter((l) => l.length > 0)
  .map((l) => l.split('\t'));
const truth = { file: 'chromium-datachannel.pcapng', applicationData: rows.map(([frame, hex]) => ({ frame: Number(frame), hex })) };
writeFileSync(at('chromium-datachannel.tshark.json'), `${JSON.stringify(truth, null, 1)}\n`);
const version = (cmd: string, ...args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).stdout.split('\n')[0]!.trim();
writeFileSync(
  at('versions.txt'),
  [`chromium: ${version(CHROMIUM, '--version')}`, `tshark: ${version('tshark', '--version')}`, `node: ${process.version}`, `made: ${new Date().toISOString()}`, ''].join('\n'),
);
console.log(`${PCAP}: ${statSync(PCAP).size} bytes, ${rows.length} application data records; page channels ${JSON.stringify(r.pageChannels)}`);
