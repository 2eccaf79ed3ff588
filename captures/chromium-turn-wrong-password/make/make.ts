/**
 * Makes captures/chromium-turn-wrong-password/: coturn (turnserver) on 127.0.0.1 with user rtclab:right-password,
 * realm rtclab.example; headless Chromium (offerer) is given that TURN server with the password "wrong-password" and
 * iceTransportPolicy "relay", and calls our sim WebRtcPeer (bridge/chromium-call.ts). Chromium's Allocate is
 * challenged (401), its authenticated Allocate refused (401 again): no relayed candidate, so no pair, so no call.
 * Captured on lo with tshark: our peer's UDP port and coturn's. Writes:
 *   chromium-turn-wrong-password.pcapng       the capture
 *   chromium-turn-wrong-password.calls.json   Chromium's configuration, both SDPs, the final states, our notes, coturn's log
 *   chromium-turn-wrong-password.tshark.json  tshark's own view: STUN/TURN messages per frame with error codes
 *   versions.txt
 *
 *   npx tsx captures/chromium-turn-wrong-password/make/make.ts   (needs /usr/bin/chromium, turnserver and tshark with capture rights on lo)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumCall, CHROMIUM, CHROMIUM_ARGS } from '../../../bridge/chromium-call.ts';
import { startCoturn } from '../../../bridge/turn-coturn-helpers.ts';

const HERE = dirname(dirname(fileURLToPath(import.meta.url)));
const at = (name: string) => join(HERE, name);
const NAME = 'chromium-turn-wrong-password';
const PCAP = at(`${NAME}.pcapng`);

const coturn = await startCoturn('rtclab', 'right-password', 'rtclab.example');
const rtcConfiguration = { iceServers: [{ urls: [`turn:127.0.0.1:${coturn.port}?transport=udp`], username: 'rtclab', credential: 'wrong-password' }], iceTransportPolicy: 'relay' };
let r;
try {
  r = await chromiumCall({ mediaMs: 0, captureFile: PCAP, expectFailure: true, waitMs: 25_000, rtcConfiguration, captureAlsoPorts: [coturn.port] });
} finally {
  await coturn.stop();
}
chmodSync(PCAP, 0o644); // tshark writes it owner-only
writeFileSync(
  at(`${NAME}.calls.json`),
  `${JSON.stringify({ browserVersion: r.browserVersion, launchArgs: CHROMIUM_ARGS, rtcConfiguration, turnServer: { port: coturn.port, user: 'rtclab', password: 'right-password', realm: 'rtclab.example' }, pageState: r.pageState, agentRole: r.agentRole, ourAddress: r.ourAddress, ours: r.summary, offer: r.offer, answer: r.answer, notes: r.notes.map((n) => n.text), pageErrors: r.pageErrors, coturnLog: coturn.log }, null, 1)}\n`,
);
const tshark = (...args: string[]): string[] =>
  execFileSync('tshark', ['-r', PCAP, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter((l) => l.length > 0);
const truth = {
  file: `${NAME}.pcapng`,
  packets: tshark('-T', 'fields', '-e', 'frame.number').length,
  turnPort: coturn.port,
  stun: tshark('-d', `udp.port==${coturn.port},stun`, '-Y', 'stun', '-T', 'fields', '-e', 'frame.number', '-e', 'ip.src', '-e', 'stun.type', '-e', 'stun.att.error', '-e', 'stun.att.username'),
};
writeFileSync(at(`${NAME}.tshark.json`), `${JSON.stringify(truth, null, 1)}\n`);
const version = (cmd: string, ...args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).stdout.split('\n')[0]!.trim();
writeFileSync(at('versions.txt'), [`chromium: ${version(CHROMIUM, '--version')}`, `turnserver: ${version('turnserver', '--version')}`, `tshark: ${version('tshark', '--version')}`, `node: ${process.version}`, `made: ${new Date().toISOString()}`, ''].join('\n'));
console.log(`${PCAP}: ${statSync(PCAP).size} bytes, ${truth.packets} packets; Chromium ${JSON.stringify(r.pageState)}`);
console.log(truth.stun.join('\n'));
