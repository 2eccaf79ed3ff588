import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { capturePath } from '../../test/captures.ts';
import { captureCollector } from '../stats/capture.ts';
import { alignDump } from '../stats/import/align.ts';
import { DumpError, parseStatsDump } from '../stats/import/dump.ts';
import { SdpCollector } from './collect.ts';
import { internalsSightings, readInternalsLog } from './internals.ts';

// The kept call: two RTCPeerConnections of one headless Chromium 156 page, the dump Chromium wrote (gzip, as its
// "Compress result" default has it), the page's own view of the call and the capture on lo.
const DIR = 'chromium-internals-dump';
const dumpText = (): string => gunzipSync(readFileSync(capturePath(DIR, 'chromium-internals.webrtc-internals.json.gz'))).toString('utf8');
const page = JSON.parse(readFileSync(capturePath(DIR, 'chromium-internals.page.json'), 'utf8')) as {
  offer: string;
  answer: string;
  pc1Candidates: { address: string; port: number }[];
  pc2Candidates: { address: string; port: number }[];
  certificates: { fingerprint: string }[];
};
const line = (sdp: string, prefix: string): string | undefined => sdp.split('\r\n').find((l) => l.startsWith(prefix));

describe("a webrtc-internals dump's updateLog", { timeout: 120_000 }, () => {
  it('gives each PeerConnection its generated, applied and delivered descriptions with their times (Chromium 156)', () => {
    const log = readInternalsLog(JSON.parse(dumpText()) as unknown, 'dump');
    expect(log.connections.map((c) => c.pc)).toEqual(['9-1', '9-2']);
    expect(log.descriptions.map((d) => `${d.pc} ${d.event} ${d.side} ${d.type}`)).toEqual([
      '9-1 createOfferOnSuccess local offer',
      '9-1 setLocalDescription local offer',
      '9-1 setRemoteDescription remote answer',
      '9-2 setRemoteDescription remote offer',
      '9-2 createAnswerOnSuccess local answer',
      '9-2 setLocalDescription local answer',
    ]);
    // the same description everywhere it went: what pc1 generated is what pc2 was given
    const [gen, applied, , delivered] = log.descriptions;
    expect(applied!.sdp).toBe(gen!.sdp);
    expect(delivered!.sdp).toBe(gen!.sdp);
    expect(log.descriptions.every((d) => d.precise && d.timeMs > 1.7e12)).toBe(true);
    // the page's own localDescription (after gathering) has the same ICE credentials and fingerprint
    for (const p of ['a=ice-ufrag:', 'a=fingerprint:', 'a=setup:', 'a=ssrc:']) expect(line(gen!.sdp, p)).toBe(line(page.offer, p));
    expect(line(log.descriptions[4]!.sdp, 'a=fingerprint:')).toBe(line(page.answer, 'a=fingerprint:'));
  });

  it('folds the sightings of one text into one description, from the connection that made it to the one that got it, with the candidates it trickled', () => {
    const log = readInternalsLog(JSON.parse(dumpText()) as unknown, 'dump');
    const seen = internalsSightings(log, 0);
    expect(seen.map((s) => `${s.type} ${s.from} → ${s.to}`)).toEqual(['offer PC 9-1 → PC 9-2', 'answer PC 9-2 → PC 9-1']);
    expect(seen[0]!.via).toMatch(/^webrtc-internals updateLog: PC 9-1 createOfferOnSuccess \d\d:\d\d:\d\d\.\d{3}, PC 9-1 setLocalDescription .*, PC 9-2 setRemoteDescription /);
    // the candidates each side gathered are the ones its getStats lists (onicecandidate, ufrag of its description)
    const hostPorts = (cands: readonly string[] | undefined): string[] => (cands ?? []).map((c) => c.split(' ').slice(4, 6).join(' ')).sort();
    expect(hostPorts(seen[0]!.trickled)).toEqual(page.pc1Candidates.map((c) => `${c.address} ${c.port}`).sort());
    expect(hostPorts(seen[1]!.trickled)).toEqual(page.pc2Candidates.map((c) => `${c.address} ${c.port}`).sort());
  });

  it("is placed on the capture's axis by the dump's own stats: the offer and answer just before the first packet", () => {
    const text = dumpText();
    const bytes = new Uint8Array(readFileSync(capturePath(DIR, 'chromium-internals.pcapng')));
    const a = alignDump(parseStatsDump(text, 'dump'), captureCollector(bytes, { keepTimes: true }).packetTimes());
    expect(a.consistent).toBe(true);
    expect(a.uncertaintyMs).toBeLessThan(5);
    const c = new SdpCollector();
    c.addOther(internalsSightings(readInternalsLog(JSON.parse(text) as unknown), a.offsetMs));
    const [x] = c.exchanges();
    expect(c.exchanges()).toHaveLength(1);
    // the first STUN check (the trace's 0) follows the answer pc1 applied: the ICE agents start then
    expect(x!.offer!.t).toBeLessThan(x!.answer!.t);
    expect(x!.answer!.t).toBeLessThan(0);
    expect(x!.offer!.t).toBeGreaterThan(-1_000_000);
    // parsed as a simulated run's: BUNDLE, DTLS roles, both fingerprints as getStats has them
    expect(x!.comparison.blocks.map((b) => b.title)).toEqual(['session', 'm=audio (mid 0)', 'm=video (mid 1)', 'm=application (mid 2)']);
    expect(x!.comparison.blocks[1]!.result).toMatch(/setup actpass → active/);
    const prints = x!.comparison.blocks[1]!.rows.find((r) => r.key.includes('fingerprint'))!;
    expect([prints.offer, prints.answer].map((l) => l!.split(' ')[1])).toEqual([page.certificates[0]!.fingerprint, page.certificates[1]!.fingerprint]);
  });

  it('reads the older format too: "type: offer, sdp: …" values and locale times', () => {
    const sdp = 'v=0\r\no=- 5 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=ice-ufrag:abcd\r\n';
    const doc = {
      PeerConnections: {
        '12-1': {
          updateLog: [
            { time: '2020-01-15T10:00:00.250Z', type: 'createOffer', value: 'offerToReceiveAudio: 1' },
            { time: '2020-01-15T10:00:00.300Z', type: 'createOfferOnSuccess', value: `type: offer, sdp: ${sdp}` },
            { time: '1/15/2020, 10:00:01 AM', type: 'setLocalDescription', value: `type: offer, sdp: ${sdp}` },
            { time: '2020-01-15T10:00:01.500Z', type: 'icecandidate', value: 'sdpMid: 0, sdpMLineIndex: 0, candidate: candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host ufrag abcd' },
          ],
        },
      },
    };
    const log = readInternalsLog(doc);
    expect(log.descriptions.map((d) => [d.event, d.type, d.sdp === sdp, d.precise])).toEqual([
      ['createOfferOnSuccess', 'offer', true, true],
      ['setLocalDescription', 'offer', true, false],
    ]);
    expect(log.descriptions[0]!.timeMs).toBe(Date.UTC(2020, 0, 15, 10, 0, 0, 300));
    const [s] = internalsSightings(log, Date.UTC(2020, 0, 15, 10, 0, 0));
    expect(s!.t).toBe(300_000);
    expect(s!.via).toBe('webrtc-internals updateLog: PC 12-1 createOfferOnSuccess 10:00:00.300, PC 12-1 setLocalDescription ' + s!.via.split('setLocalDescription ')[1]);
    expect(s!.trickled).toEqual(['candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host ufrag abcd']);
  });

  it('refuses a malformed dump naming where: no PeerConnections, an updateLog that is no list, an entry without a time', () => {
    expect(() => readInternalsLog({ getUserMedia: [] }, 'x.json')).toThrow(/x\.json: is not a webrtc-internals dump: no PeerConnections/);
    expect(() => readInternalsLog({ PeerConnections: { '1-1': { updateLog: 'nope' } } }, 'x.json')).toThrow(DumpError);
    expect(() => readInternalsLog({ PeerConnections: { '1-1': { updateLog: 'nope' } } }, 'x.json')).toThrow('x.json: PeerConnections["1-1"].updateLog: expected an array');
    expect(() => readInternalsLog({ PeerConnections: { '1-1': { updateLog: [{ type: 'setRemoteDescription', value: '{"type":"offer","sdp":"v=0\\r\\n"}' }] } } }, 'x.json')).toThrow(
      'x.json: PeerConnections["1-1"].updateLog[0]: has no time',
    );
    // an event that carries no description (createOffer's options, an OnSuccess without one) is not one
    expect(readInternalsLog({ PeerConnections: { '1-1': { updateLog: [{ type: 'setLocalDescriptionOnSuccess', value: '' }, { type: 'createOffer', value: '{"iceRestart":false}', timestamp: 5 }] } } }).descriptions).toEqual([]);
  });
});
