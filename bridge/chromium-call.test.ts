// Interop: headless Chromium (offerer) calls our sim WebRtcPeer (answerer) over real UDP on 127.0.0.1. Chromium
// judges our SDP answer, ICE checks, DTLS 1.2 (it prefers 1.3 with itself) and SRTP; tshark captures the call,
// and our dissector must open every SRTP and SRTCP packet of it, both ways, with our key log.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../sim/core/trace.ts';
import { dissectFile } from '../test/support/dissect-captures.ts';
import { srtpCensus } from '../test/support/srtp-census.ts';
import { chromiumCall, hasChromium, hasTshark } from './chromium-call.ts';

type Stat = Record<string, JsonValue>;
const byType = (stats: Record<string, Stat>, type: string): Stat[] => Object.values(stats).filter((s) => s.type === type);

describe.skipIf(!process.env.CI && !(hasChromium && hasTshark))('Chromium calls our WebRtcPeer over real UDP', () => {
  it('ICE, DTLS 1.2 and SRTP both ways are accepted by Chromium and by us; the capture opens with our key log', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-chromium-call-'));
    try {
      const file = join(dir, 'call.pcapng');
      const r = await chromiumCall({ mediaMs: 2000, captureFile: file, waitMs: 10_000 });
      const log = r.notes.map((n) => n.text).join('\n');
      expect(r.pageErrors).toEqual([]);
      // ICE: Chromium controlling, us controlled (RFC 8445 §6.1.1: the offerer of a full agent pair controls)
      expect(r.pageState).toEqual({ connection: 'connected', ice: 'connected', dtls: 'connected' });
      expect(r.agentRole).toBe('controlled');
      const [transport] = byType(r.stats, 'transport');
      expect(transport).toMatchObject({ iceRole: 'controlling', dtlsState: 'connected', tlsVersion: 'FEFD', dtlsRole: 'server', srtpCipher: 'SRTP_AES128_CM_HMAC_SHA1_80' });
      // DTLS 1.2: we are the client (a=setup:active) and Chromium's certificate matched its a=fingerprint
      expect(r.summary.dtls, log).toMatchObject({ role: 'client', state: 'connected', fingerprintVerified: true });
      expect(r.answer).toMatch(/a=setup:active/);
      // SRTP: Chromium received ours on every SSRC we signaled …
      const inbound = byType(r.stats, 'inbound-rtp');
      for (const s of r.ourStreams) expect(inbound.find((x) => x.ssrc === s.ssrc)?.packetsReceived, `${s.kind} ${s.ssrc}`).toBeGreaterThan(0);
      // … and we opened Chromium's, none failing authentication or replay checks
      const srtp = r.summary.srtp;
      expect(srtp.failures).toEqual({});
      expect(srtp.rtpReceived).toBeGreaterThan(50);
      expect(srtp.rtcpReceived).toBeGreaterThan(0);
      expect(srtp.rtcpSent).toBeGreaterThan(0);
      const outbound = byType(r.stats, 'outbound-rtp');
      const received = new Map(r.summary.media.flatMap((m) => (m && typeof m === 'object' && !Array.isArray(m) && m.direction === 'receive' ? [[m.ssrc as number, m.packets as number]] : [])));
      for (const o of outbound) expect(received.get(o.ssrc as number), `Chromium ${o.kind} ${o.ssrc}`).toBeGreaterThan(0);

      // the capture: the handshake decrypts (both Finished verified) and every SRTP/SRTCP packet opens
      writeFileSync(join(dir, 'keylog.txt'), r.keyLog);
      const d = dissectFile(file, r.keyLog);
      const flows = d.dissector.flows.all().filter((f) => f.dtls?.clientRandom && f.dtls.serverRandom);
      expect(flows.length).toBe(1);
      expect(flows[0]!.dtls!.version).toBe('DTLS 1.2');
      expect(flows[0]!.dtls!.finished).toEqual([{ role: 'client', ok: true }, { role: 'server', ok: true }]);
      const census = srtpCensus(d);
      expect(census.unopened).toEqual([]);
      // every stream's count: at least what the sender said before getStats, at most a second more (capture runs on)
      const sentByUs = new Map(r.summary.media.flatMap((m) => (m && typeof m === 'object' && !Array.isArray(m) && m.direction === 'send' ? [[m.ssrc as number, m.packets as number]] : [])));
      for (const [ssrc, sent] of [...outbound.map((o) => [o.ssrc as number, o.packetsSent as number] as const), ...sentByUs]) {
        const seen = census.rtp.get(ssrc) ?? 0;
        expect(seen, `ssrc ${ssrc}`).toBeGreaterThanOrEqual(sent);
        expect(seen, `ssrc ${ssrc}`).toBeLessThan(sent * 1.5 + 20);
      }
      for (const s of r.ourStreams) expect(census.rtp.get(s.ssrc), `${s.kind}`).toBeGreaterThanOrEqual(inbound.find((x) => x.ssrc === s.ssrc)!.packetsReceived as number);
      expect([...census.rtcp.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(Number(srtp.rtcpReceived));

      // tshark agrees where it has an opinion: it opens both Finished with our key log; the same STUN transactions
      const fin = spawnSync('tshark', ['-r', file, '-o', `tls.keylog_file:${join(dir, 'keylog.txt')}`, '-Y', 'dtls.handshake.type == 20', '-T', 'fields', '-e', 'frame.number']).stdout.toString().trim().split('\n');
      // a retransmitted flight (Chromium resends its flight 4 when our flight 5 is slow) repeats a Finished
      const finishedHere = d.packets.filter((p) => /\[decrypted: Finished(, verify_data verified| \(retransmitted\))\]/.test(p.d.summary)).map((p) => String(p.raw.index + 1));
      expect(finishedHere.length).toBeGreaterThanOrEqual(2);
      expect(fin).toEqual(finishedHere);
      const ids = spawnSync('tshark', ['-r', file, '-Y', 'stun', '-T', 'fields', '-e', 'stun.id']).stdout.toString().trim().split('\n');
      const ours = d.packets.filter((p) => p.d.protocol === 'STUN').map((p) => Array.from((p.d.layers.find((l) => l.protocol === 'STUN')!.value as { transactionId: Uint8Array }).transactionId, (b) => b.toString(16).padStart(2, '0')).join(''));
      expect(ours).toEqual(ids);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
