// Interop: data channels between headless Chromium (offerer, DTLS server) and our sim WebRtcPeer (answerer, DTLS
// client) over real UDP on 127.0.0.1. Chromium judges our SCTP association and DCEP: a channel opened each way,
// messages each way, and its getStats (dataChannelsOpened, each channel's messagesSent/messagesReceived) agreeing
// with what we counted; tshark captures the call and our dissector, with our key log, shows the DCEP messages.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../sim/core/trace.ts';
import { dissectFile } from '../test/support/dissect-captures.ts';
import { chromiumCall, hasChromium, hasTshark } from './chromium-call.ts';

type Stat = Record<string, JsonValue>;
const byType = (stats: Record<string, Stat>, type: string): Stat[] => Object.values(stats).filter((s) => s.type === type);

describe.skipIf(!process.env.CI && !(hasChromium && hasTshark))('Chromium and our peer open data channels both ways', () => {
  it('DCEP both ways, messages both ways, getStats agrees with our counts, and our dissection of the capture shows the DCEP', { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-chromium-dc-'));
    try {
      const file = join(dir, 'call.pcapng');
      // generous media time: on a loaded machine the page answers our channel late (it answers once the channel opens)
      const r = await chromiumCall({ mediaMs: 8000, captureFile: file, waitMs: 45_000, dataChannels: true });
      const log = r.notes.filter((n) => /sctp|datachannel/.test(n.kind)).map((n) => n.text).join('\n');
      expect(r.pageErrors).toEqual([]);
      // the answer mirrors Chromium's m=application section (RFC 8841)
      expect(r.offer).toMatch(/m=application \d+ UDP\/DTLS\/SCTP webrtc-datachannel/);
      expect(r.answer).toMatch(/m=application \d+ UDP\/DTLS\/SCTP webrtc-datachannel[\s\S]*a=sctp-port:5000/);
      // Chromium (DTLS server) opened on an odd stream, we (DTLS client) on an even one (RFC 8832 §6)
      const page = new Map(r.pageChannels.map((c) => [c.label, c]));
      expect(page.get('from-chromium')?.id, log).toBe(1);
      expect(page.get('from-rtclab')).toMatchObject({ id: 0, protocol: 'json', ordered: true, opened: true });
      const ours = new Map(r.ourChannels.map((c) => [c.label, c]));
      expect(ours.get('from-chromium')).toMatchObject({ streamId: 1, state: 'open' });
      expect(ours.get('from-rtclab')).toMatchObject({ streamId: 0, state: 'open' });
      // messages both ways, in order
      expect(ours.get('from-chromium')!.received).toEqual(['chromium says 1 on from-chromium', 'chromium says 2 on from-chromium', 'chromium says 3 on from-chromium']);
      expect(ours.get('from-rtclab')!.received).toEqual(['chromium says 1 on from-rtclab', 'chromium says 2 on from-rtclab']);
      expect(page.get('from-chromium')!.received).toEqual(['rtclab says 1 on from-chromium', 'rtclab says 2 on from-chromium']);
      expect(page.get('from-rtclab')!.received).toEqual(['rtclab says 1 on from-rtclab', 'rtclab says 2 on from-rtclab', 'rtclab says 3 on from-rtclab']);
      // getStats: channels opened and each channel's message counts equal ours
      const [pcStats] = byType(r.stats, 'peer-connection');
      const dc = r.summary.dataChannels as { dataChannelsOpened: number; channels: { label: string; messagesSent: number; messagesReceived: number; bytesSent: number; bytesReceived: number }[] };
      expect(pcStats?.dataChannelsOpened).toBe(2);
      expect(dc.dataChannelsOpened).toBe(2);
      for (const s of byType(r.stats, 'data-channel')) {
        const mine = dc.channels.find((c) => c.label === s.label)!;
        expect({ label: s.label, sent: s.messagesSent, received: s.messagesReceived, bytesSent: s.bytesSent, bytesReceived: s.bytesReceived }).toEqual({ label: mine.label, sent: mine.messagesReceived, received: mine.messagesSent, bytesSent: mine.bytesReceived, bytesReceived: mine.bytesSent });
      }
      // our dissection of the live capture with our key log: both OPENs and ACKs, and the messages
      const d = dissectFile(file, r.keyLog);
      const dcep = d.packets.flatMap((p) => p.d.layers.filter((l) => l.protocol === 'DCEP').map((l) => l.summary));
      expect(dcep).toEqual(expect.arrayContaining([
        'DCEP DATA_CHANNEL_OPEN "from-chromium" (reliable, ordered, protocol "chat") on stream 1',
        'DCEP DATA_CHANNEL_OPEN "from-rtclab" (reliable, ordered, protocol "json") on stream 0',
        'DCEP DATA_CHANNEL_ACK for data channel "from-chromium" (stream 1)',
        'DCEP DATA_CHANNEL_ACK for data channel "from-rtclab" (stream 0)',
      ]));
      const texts = d.packets.flatMap((p) => p.d.layers.flatMap((l) => (l.protocol === 'DATACHANNEL' && l.value?.text !== undefined ? [l.value.text] : [])));
      expect(new Set(texts)).toEqual(new Set([...ours.get('from-chromium')!.received, ...ours.get('from-rtclab')!.received, ...page.get('from-chromium')!.received, ...page.get('from-rtclab')!.received]));
      const bad = d.packets.flatMap((p) => p.d.layers.filter((l) => l.protocol === 'SCTP').flatMap((l) => l.problems.filter((x) => x.severity !== 'warning').map((x) => x.message)));
      expect(bad).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
