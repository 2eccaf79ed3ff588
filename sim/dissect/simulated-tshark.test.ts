import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { readCapture } from '../wire/pcap/index.ts';
import { parseDuration } from '../core/time.ts';
import { Dissector } from './dissector.ts';
import { compareWithTshark, tshark, tsharkAvailable } from '../../test/support/tshark.ts';
import { expectOnlyVersionBlindFlags, tsharkDtlsTuples, tsharkOpaqueFrames } from '../../test/support/tshark-dtls.ts';

// Differential test on our own exports (`rtclab run <preset> --pcap --keylog`): for presets of every layer that
// exists (network and NATs, STUN/TURN/ICE, DTLS-SRTP and calls), the pcapng we write is dissected by us with no
// problem, tshark finds nothing malformed in it, and the two agree frame by frame wherever tshark has an opinion.

const PRESETS: readonly [string, string?][] = [
  ['open-internet'],
  ['nat-symmetric'],
  ['ipv6-direct'],
  ['lossy-link'],
  ['stun-binding-symmetric'],
  ['nat-discovery-full-cone'],
  ['turn-relay'],
  ['ice-trickle'],
  ['ice-symmetric-turn'],
  // media presets run a few seconds of virtual time: enough for the handshake and hundreds of SRTP packets
  ['dtls-srtp-call', '2s'],
  ['dtls-srtp-call-nat', '2s'],
  ['call-p2p', '3s'],
  ['call-p2p-turn', '3s'],
  ['call-sfu', '3s'],
];

const dir = mkdtempSync(join(tmpdir(), 'rtclab-sim-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!tsharkAvailable())('our simulated exports agree with tshark', () => {
  for (const [name, until] of PRESETS) {
    const preset = findPreset(name);
    it.skipIf(!preset)(`${name}${until ? ` (first ${until})` : ''}`, () => {
      const stop = until === undefined ? undefined : parseDuration(until);
      if (typeof stop === 'object') throw new Error(stop.error);
      const json = preset!.build() as { apps: Record<string, unknown>[] };
      // call-p2p-turn under semi-aggressive nomination moves to another relayed path in the middle of the DTLS
      // handshake, and each side reads the other's flights from any known pair: the hellos are on two 5-tuples, and
      // the dissector follows the association over both (association-follow.ts), Finished verified both ways
      const result = runScenario(parseScenario(json), stop === undefined ? {} : { until: stop });
      const pcap = join(dir, `${name}.pcapng`);
      // the call presets' signaling runs over TCP, seen once per link: tshark 4.0 (no deinterlacing by interface)
      // reassembles those copies as one stream, so this frame-by-frame comparison keeps to UDP; TCP, HTTP and
      // WebSocket are compared link by link in sim/signaling-wire/wire.test.ts
      const udpOnly = { ...result.trace, hops: result.trace.hops.filter((h) => (h.bytes[0]! >> 4 === 4 ? h.bytes[9] : h.bytes[6]) !== 6) };
      const bytes = writePcapng(udpOnly);
      writeFileSync(pcap, bytes);
      const keyLogText = result.trace.secrets.filter((s) => s.kind === 'nss-keylog').map((s) => `${s.text}\n`).join('');
      const keyLog = keyLogText ? join(dir, `${name}.keylog`) : undefined;
      if (keyLog) writeFileSync(keyLog, keyLogText);

      const cap = readCapture(bytes);
      const d = new Dissector(keyLogText ? { keyLog: keyLogText } : {});
      for (const s of cap.secrets) if (s.text) d.addKeyLog(s.text);
      // each link of the export is its own vantage point: a datagram crossing four links is one datagram, not replays
      const packets = cap.packets.map((p) => d.packet(p.data, { index: p.index, linkType: p.linkType, t: p.time?.us ?? 0, vantage: String(p.interfaceId) }));
      expect(packets.flatMap((p, i) => p.problems.map((x) => `${i + 1}: ${x.message}`))).toEqual([]);

      // TCP seen on several links looks retransmitted to tshark 4.0 (no deinterlacing by interface): TCP is judged
      // link by link in sim/signaling-wire/wire.test.ts
      // and a DTLS handshake split over 5-tuples (call-p2p-turn) is one tshark, reading per 5-tuple, cannot decrypt and
      // misreads a CertificateVerify of: every other frame is clean (test/support/tshark-dtls.ts)
      const tuples = tsharkDtlsTuples(pcap, keyLog);
      const flagged = expectOnlyVersionBlindFlags(pcap, keyLog, tuples);
      expect(flagged > 0).toBe(name === 'call-p2p-turn');
      const compared = compareWithTshark(packets, tshark(pcap, keyLog), tsharkOpaqueFrames(tuples));
      expect(compared).toBeGreaterThan(0);
    });
  }
});
