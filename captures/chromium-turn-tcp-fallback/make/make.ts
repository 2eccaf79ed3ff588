/**
 * Makes captures/chromium-turn-tcp-fallback/: a real Chromium call whose TURN server sits behind a firewall that drops
 * UDP to it (bridge/udp-firewall-netns.ts: two network namespaces, coturn on 198.51.100.1:3478 over UDP and TCP, an
 * nftables input chain there dropping UDP to 3478). Headless Chromium (offerer, iceTransportPolicy "relay", the TURN
 * server given over UDP and over TCP) calls our sim WebRtcPeer on 198.51.100.2; its UDP Allocate goes unanswered, its
 * TCP Allocate gets the relay the call runs through. dumpcap on the firewall's interface (fw0). The offer leaves
 * after Chromium's 3 s of gathering (it never completes while the UDP Allocate is unanswered) and the page closes
 * as soon as both sides are connected; dumpcap stops after the first 300 packets (-c), so the capture stays small
 * (the media that runs while a loaded machine completes the handshake would make it megabytes). Writes:
 *   chromium-turn-tcp-fallback.pcapng        the capture
 *   chromium-turn-tcp-fallback.calls.json    Chromium's configuration, both SDPs, its final states and selected pair, our summary and notes
 *   chromium-turn-tcp-fallback.keylog.txt    our DTLS endpoint's key log (NSS format): opens the handshake and the SRTP
 *   chromium-turn-tcp-fallback.tshark.json   tshark's own view (-d tcp.port==3478,stun): every STUN/TURN frame
 *   logs/nft-ruleset.txt, logs/turnserver.log, versions.txt
 *
 *   npx tsx captures/chromium-turn-tcp-fallback/make/make.ts   (as root; needs ip, nft, dumpcap, turnserver, /usr/bin/chromium, tshark)
 *   npx tsx captures/chromium-turn-tcp-fallback/make/make.ts --tshark-only   (tshark's view again, from the kept capture)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../bridge/chromium-call.ts';
import { callThroughUdpFirewall, NFT_RULESET, TURN_PORT } from '../../../bridge/udp-firewall-netns.ts';

const HERE = dirname(dirname(fileURLToPath(import.meta.url)));
const at = (name: string) => join(HERE, name);
const NAME = 'chromium-turn-tcp-fallback';
const PCAP = at(`${NAME}.pcapng`);
/** dumpcap stops after this many packets: the blocked UDP, the TCP allocation, ICE, DTLS and the first media. */
const PACKETS = 300;

// --tshark-only: only re-derive tshark's view from the kept capture (and the counter from logs/nft-ruleset.txt)
if (process.argv[2] !== '--tshark-only') {
  const work = mkdtempSync(join(tmpdir(), 'rtclab-turn-tcp-fallback-'));
  let call;
  try {
    call = await callThroughUdpFirewall({ dir: work, mediaMs: 0, waitMs: 20_000, gather: { ms: 3000 }, packetLimit: PACKETS });
    copyFileSync(call.capture, PCAP);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  chmodSync(PCAP, 0o644);
  const { keyLog, ...run } = call.run;
  writeFileSync(at(`${NAME}.calls.json`), `${JSON.stringify({ launchArgs: CHROMIUM_ARGS, firewall: NFT_RULESET, dropped: call.dropped, ...run }, null, 1)}\n`);
  writeFileSync(at(`${NAME}.keylog.txt`), String(keyLog));
  mkdirSync(at('logs'), { recursive: true });
  writeFileSync(at('logs/nft-ruleset.txt'), call.ruleset);
  writeFileSync(at('logs/turnserver.log'), call.coturnLog);
  const version = (cmd: string, ...args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).stdout.split('\n')[0]!.trim();
  writeFileSync(at('versions.txt'), [
    `chromium: ${String(run.browserVersion)} (${version(CHROMIUM, '--version')})`, `turnserver: ${version('turnserver', '--version')}`, `nft: ${version('nft', '--version')}`,
    `dumpcap: ${version('dumpcap', '--version')}`, `tshark: ${version('tshark', '--version')}`, `kernel: ${version('uname', '-sr')}`, `node: ${process.version}`, `made: ${new Date().toISOString()}`, '',
  ].join('\n'));
  console.log(`Chromium ${JSON.stringify(run.pageState)}, its local candidate ${JSON.stringify(run.localCandidate)}`);
}
const dropped = Number(/counter packets (\d+)/.exec(readFileSync(at('logs/nft-ruleset.txt'), 'utf8'))?.[1]);
const tshark = (...args: string[]): string[] =>
  execFileSync('tshark', ['-r', PCAP, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter((l) => l.length > 0);
const fields = ['frame.number', 'ip.src', 'ip.dst', 'udp.srcport', 'tcp.srcport', 'stun.type', 'stun.id', 'stun.att.error.class', 'stun.att.error', 'stun.att.ipv4', 'stun.att.port'];
const truth = {
  file: `${NAME}.pcapng`,
  packetLimit: PACKETS,
  packets: tshark('-T', 'fields', '-e', 'frame.number').length,
  dropped,
  // one line per frame with a STUN message (not ChannelData) to or from the TURN port: the fields above,
  // tab-separated (STUN messages back to back in one TCP segment share a line, comma-separated within a field)
  fields,
  stun: tshark('-d', `tcp.port==${TURN_PORT},stun`, '-Y', `stun.type && (udp.port==${TURN_PORT} || tcp.port==${TURN_PORT})`, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])),
};
writeFileSync(at(`${NAME}.tshark.json`), `${JSON.stringify(truth, null, 1)}\n`);
console.log(`${PCAP}: ${statSync(PCAP).size} bytes, ${truth.packets} packets, ${dropped} UDP datagrams dropped by the firewall`);
console.log(truth.stun.join('\n'));
