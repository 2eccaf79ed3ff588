/**
 * Makes captures/chromium-fingerprint-mismatch/: headless Chromium (offerer) calls our sim WebRtcPeer (answerer,
 * DTLS client) over real UDP on 127.0.0.1 (bridge/chromium-call.ts), but the answer Chromium gets carries a wrong
 * a=fingerprint in its first (BUNDLE-tagged) media section (our certificate's SHA-256 with its first byte changed). ICE connects; Chromium, the DTLS server,
 * rejects our certificate. Captured on lo with tshark (only the UDP port our peer bound). Writes:
 *   chromium-fingerprint-mismatch.pcapng        the capture
 *   chromium-fingerprint-mismatch.keylog.txt    our DTLS endpoint's NSS key log (CLIENT_RANDOM)
 *   chromium-fingerprint-mismatch.calls.json    both SDPs (ours and the one Chromium got), the final states, our notes
 *   chromium-fingerprint-mismatch.tshark.json   tshark's own view: DTLS handshake types and alert frames, STUN ids
 *   versions.txt
 *
 *   npx tsx captures/chromium-fingerprint-mismatch/make/make.ts   (needs /usr/bin/chromium and tshark with capture rights on lo)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumCall, CHROMIUM, CHROMIUM_ARGS } from '../../../bridge/chromium-call.ts';

const HERE = dirname(dirname(fileURLToPath(import.meta.url)));
const at = (name: string) => join(HERE, name);
const NAME = 'chromium-fingerprint-mismatch';
const PCAP = at(`${NAME}.pcapng`);
const KEYLOG = at(`${NAME}.keylog.txt`);

/**
 * The first a=fingerprint line of our answer (the audio section's, the BUNDLE-tagged one whose transport DTLS runs
 * on) with its first byte changed: the certificate we present no longer matches it. The video section's line stays.
 */
function wrongFingerprint(sdp: string): string {
  return sdp.replace(/^(a=fingerprint:sha-256 )([0-9A-F]{2})/m, (_m, head: string, byte: string) => `${head}${((parseInt(byte, 16) + 1) & 0xff).toString(16).toUpperCase().padStart(2, '0')}`);
}

let sent = '';
const r = await chromiumCall({ mediaMs: 0, captureFile: PCAP, expectFailure: true, waitMs: 15_000, mungeAnswer: (sdp) => (sent = wrongFingerprint(sdp)) });
chmodSync(PCAP, 0o644); // tshark writes it owner-only
writeFileSync(KEYLOG, r.keyLog);
writeFileSync(
  at(`${NAME}.calls.json`),
  `${JSON.stringify({ browserVersion: r.browserVersion, launchArgs: CHROMIUM_ARGS, pageState: r.pageState, agentRole: r.agentRole, ourAddress: r.ourAddress, ours: r.summary, offer: r.offer, answerChromiumGot: sent, notes: r.notes.map((n) => n.text), pageErrors: r.pageErrors }, null, 1)}\n`,
);
const tshark = (...args: string[]): string[] =>
  execFileSync('tshark', ['-r', PCAP, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter((l) => l.length > 0);
const truth = {
  file: `${NAME}.pcapng`,
  packets: tshark('-T', 'fields', '-e', 'frame.number').length,
  dtlsHandshakeTypes: tshark('-Y', 'dtls.handshake.type', '-T', 'fields', '-e', 'frame.number', '-e', 'dtls.handshake.type'),
  alertFrames: tshark('-Y', 'dtls.record.content_type == 21', '-T', 'fields', '-e', 'frame.number', '-e', 'ip.src', '-e', 'dtls.alert_message.desc'),
  stunTransactionIds: tshark('-Y', 'stun', '-T', 'fields', '-e', 'stun.id'),
};
writeFileSync(at(`${NAME}.tshark.json`), `${JSON.stringify(truth, null, 1)}\n`);
const version = (cmd: string, ...args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).stdout.split('\n')[0]!.trim();
writeFileSync(at('versions.txt'), [`chromium: ${version(CHROMIUM, '--version')}`, `tshark: ${version('tshark', '--version')}`, `node: ${process.version}`, `made: ${new Date().toISOString()}`, ''].join('\n'));
console.log(`${PCAP}: ${statSync(PCAP).size} bytes, ${truth.packets} packets; Chromium ${JSON.stringify(r.pageState)}, ours ${JSON.stringify(r.summary.dtls ?? null)}`);
console.log(JSON.stringify(truth.alertFrames));
