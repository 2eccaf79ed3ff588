// Interop: Chromium 156 as the DTLS client (our answer says a=setup:passive) against our DTLS 1.2-ONLY server.
// Chromium offers DTLS 1.3 and 1.2 with an X25519MLKEM768 key share, so its ClientHello does not fit one datagram
// and arrives in two fragments (RFC 6347 §4.2.3, RFC 9147 §5.5). Our server must join it before its stateless
// HelloVerifyRequest, ignore supported_versions (a 1.2 server does not know it, RFC 8446 §4.2.1), and answer 1.2;
// Chromium must accept 1.2 (no downgrade sentinel from a 1.2-only server, RFC 8446 §4.1.3) and SRTP flows both ways.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../sim/core/trace.ts';
import { dissectFile } from '../test/support/dissect-captures.ts';
import { srtpCensus } from '../test/support/srtp-census.ts';
import { chromiumCall, hasChromium, hasTshark } from './chromium-call.ts';
import { tsharkErrors } from './tshark-errors.ts';

type Stat = Record<string, JsonValue>;
const byType = (stats: Record<string, Stat>, type: string): Stat[] => Object.values(stats).filter((s) => s.type === type);

describe.skipIf(!process.env.CI && !(hasChromium && hasTshark))('Chromium\'s fragmented DTLS 1.3 ClientHello against our DTLS 1.2-only server', () => {
  it('our 1.2-only server joins Chromium\'s two-datagram hybrid ClientHello, Chromium falls back to DTLS 1.2, SRTP flows both ways and the capture opens with our key log', { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-chromium-dtls12-fallback-'));
    try {
      const file = join(dir, 'call.pcapng');
      // no dtls13 option: our peer is the default DTLS 1.2-only endpoint
      const r = await chromiumCall({ mediaMs: 2000, captureFile: file, waitMs: 45_000, ourSetup: 'passive' });
      const log = r.notes.map((n) => n.text).join('\n');
      expect(r.pageErrors).toEqual([]);
      expect(r.answer).toMatch(/a=setup:passive/);
      expect(r.pageState, log).toEqual({ connection: 'connected', ice: 'connected', dtls: 'connected' });
      const [transport] = byType(r.stats, 'transport');
      // FEFD: DTLS 1.2 on the wire, Chromium the client
      expect(transport).toMatchObject({ dtlsState: 'connected', tlsVersion: 'FEFD', dtlsRole: 'client', srtpCipher: 'SRTP_AES128_CM_HMAC_SHA1_80' });
      expect(r.summary.dtls, log).toMatchObject({ role: 'server', state: 'connected', fingerprintVerified: true });
      // Chromium's hellos came in pieces and our server joined them (each hello: its cookie-less and cookie copy)
      const joined = r.notes.filter((n) => n.kind === 'dtls.hello-fragments' && (n.data as { event?: string } | undefined)?.event === 'joined');
      expect(joined.length, log).toBeGreaterThanOrEqual(1);
      for (const j of joined) expect((j.data as { fragments: number }).fragments, j.text).toBeGreaterThanOrEqual(2);
      expect(r.notes.filter((n) => n.kind === 'dtls.hello-fragments' && (n.data as { event?: string } | undefined)?.event === 'refused').map((n) => n.text)).toEqual([]);
      expect(r.notes.some((n) => n.kind === 'dtls.flight.sent' && /HelloVerifyRequest/.test(n.text)), log).toBe(true);
      // SRTP both ways: Chromium received ours on every SSRC we signaled, we opened Chromium's with no failure
      const inbound = byType(r.stats, 'inbound-rtp');
      for (const s of r.ourStreams) expect(inbound.find((x) => x.ssrc === s.ssrc)?.packetsReceived, `${s.kind} ${s.ssrc}`).toBeGreaterThan(0);
      const srtp = r.summary.srtp;
      expect(srtp.failures).toEqual({});
      expect(srtp.rtpReceived).toBeGreaterThan(50);
      const outbound = byType(r.stats, 'outbound-rtp');
      const received = new Map(r.summary.media.flatMap((m) => (m && typeof m === 'object' && !Array.isArray(m) && m.direction === 'receive' ? [[m.ssrc as number, m.packets as number]] : [])));
      for (const o of outbound) expect(received.get(o.ssrc as number), `Chromium ${o.kind} ${o.ssrc}`).toBeGreaterThan(0);

      // tshark reads the capture (the two-datagram hello included) with nothing malformed. The one error tshark 4.0.17
      // may print is on Chromium's retransmitted hello fragments when our server's flight is late (its timer is short):
      // "New fragment overlaps old data (retransmission?)", though the copy is byte for byte the first one but the
      // record sequence number (RFC 6347 §4.2.4, a retransmission resends the same message). Those, and only those, pass.
      const errors = tsharkErrors(file);
      expect(errors.filter((e) => !e.identicalRetransmission).map((e) => `#${e.frame} ${e.message}`)).toEqual([]);
      // our dissector, with our key log: one DTLS 1.2 association with both Finished verified and every SRTP packet
      // opened, also when Chromium's nomination moved the pair between its hellos (the dissector follows the
      // association to the 5-tuple that continues it, sim/dissect/association-follow.ts)
      writeFileSync(join(dir, 'keylog.txt'), r.keyLog);
      const d = dissectFile(file, r.keyLog);
      const tuple = (f: { srcIp: string; srcPort: number; dstIp: string; dstPort: number } | undefined): string => (f ? [`${f.srcIp}:${f.srcPort}`, `${f.dstIp}:${f.dstPort}`].sort().join(' ') : '');
      const helloTuples = new Set(d.packets.filter((p) => /(Client|Server)Hello/.test(p.d.summary)).map((p) => tuple(p.d.flow)));
      const associations = [...new Set(d.dissector.flows.all().flatMap((f) => (f.dtls?.clientRandom && f.dtls.serverRandom ? [f.dtls] : [])))];
      const hellos = d.packets.filter((p) => /ClientHello/.test(p.d.summary)).map((p) => `#${p.raw.index + 1} ${p.raw.data.length} bytes`).join(' | ');
      console.log(`our DTLS 1.2-only server with Chromium ${r.browserVersion} as client: ${joined.map((j) => j.text).join('; ')}; handshake ${String((r.summary.dtls as Record<string, JsonValue>).handshakeMs)} ms; ClientHello datagrams ${hellos}${helloTuples.size > 1 ? `; the handshake moved 5-tuple (${[...helloTuples].join('; ')}) and was followed` : ''}`);
      expect(associations.map((a) => a.version)).toEqual(['DTLS 1.2']);
      expect(associations[0]!.finished, hellos).toEqual([{ role: 'client', ok: true }, { role: 'server', ok: true }]);
      expect(srtpCensus(d).unopened).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
