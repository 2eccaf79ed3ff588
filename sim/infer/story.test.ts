import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../wire/pcap/index.ts';
import { CAPTURES_DIR } from '../../test/support/dissect-captures.ts';
import { analyzeCapture, formatStory } from './story.ts';
import { streamLoss } from './streams.ts';
import { CaptureAnalyzer } from './analyzer.ts';
import { Dissector } from '../dissect/dissector.ts';
import { encodeStun, Method, XorMappedAddress } from '../wire/stun/index.ts';
import { encodeUdpDatagram } from '../wire/ip/udp-datagram.ts';

// The story inferred from packets alone, held against what the endpoints themselves reported (Chromium's getStats,
// openssl's logs, coturn's allocations as the truth files list them).

const load = (rel: string, keyLog?: string) => analyzeCapture(readCapture(new Uint8Array(readFileSync(`${CAPTURES_DIR}${rel}`))), keyLog ? { keyLog: readFileSync(`${CAPTURES_DIR}${keyLog}`, 'utf8') } : {});
const truth = (rel: string) => JSON.parse(readFileSync(`${CAPTURES_DIR}${rel}`, 'utf8'));

describe('inference from a Chromium call', () => {
  const s = load('chromium-loopback-call/chromium-host.pcapng');
  const t = truth('chromium-loopback-call/chromium-host.truth.json');

  it('rebuilds the ICE checklist and selects the pair getStats reports', () => {
    const sel = s.analyzer.ice.selected();
    const pc1 = t.extra.getstats_selected_pair.pc1;
    expect(sel?.local).toBe(`${pc1.local.address}:${pc1.local.port}`);
    expect(sel?.remote).toBe(`${pc1.remote.address}:${pc1.remote.port}`);
    expect(sel?.role).toBe('controlling');
    expect(sel?.requests).toBe(pc1.requestsSent);
    expect(s.analyzer.ice.pairs.every((p) => p.state === 'succeeded')).toBe(true);
  });

  it('finds the DTLS roles getStats reports and calls the version by its name', () => {
    const d = s.dissector.flows.all()[0]!.dtls!;
    expect(d.version).toBe('DTLS 1.3');
    expect(t.extra.getstats_transport.pc1.dtlsRole).toBe('server');
    expect(d.server).toBe('127.0.0.1:35027'); // pc1's address
    expect(d.negotiatedProfile()?.name).toBe('AES_CM_128_HMAC_SHA1_80'); // getStats: SRTP_AES128_CM_HMAC_SHA1_80
  });

  it('lists every SRTP stream with no loss on loopback', () => {
    expect(s.analyzer.streams.streams.length).toBe(t.rtp.streams.length);
    for (const st of s.analyzer.streams.streams) {
      expect(st.srtp).toBe(true);
      expect(streamLoss(st).lost).toBe(0);
    }
  });

  it('marks every note as inferred and tells the story', () => {
    expect(s.notes.length).toBeGreaterThan(0);
    expect(s.notes.every((n) => n.inferred === true)).toBe(true);
    expect(formatStory(s)).toMatch(/selected pair: 127\.0\.0\.1:35027 → 127\.0\.0\.1:52097/);
  });
});

describe('inference from TURN and DTLS captures', () => {
  it('finds every TURN allocation coturn granted', () => {
    const s = load('stun-turn-coturn/stun-turn-coturn.pcapng');
    const t = truth('stun-turn-coturn/truth.json');
    expect(s.analyzer.allocations.length).toBe(t.stun.message_counts['Allocate success_response']);
  });

  it("tells each TURN allocation's life as coturn's messages show it: challenges, channels, relayed data, errors, releases", () => {
    const s = load('stun-turn-coturn/stun-turn-coturn.pcapng');
    const t = truth('stun-turn-coturn/truth.json');
    type M = { frame: number; method: string; class: string; transaction_id: string; error_code?: number; lifetime?: number; channel_number?: string; src: string; dst: string };
    const msgs = t.stun.messages as M[];
    const answered = (req: M, cls: string) => msgs.some((m) => m.transaction_id === req.transaction_id && m.class === cls);
    const turn = s.analyzer.turn.allocations;
    expect(turn.filter((a) => a.relayed).length).toBe(t.stun.message_counts['Allocate success_response']);
    const challenges = msgs.filter((m) => m.method === 'Allocate' && m.error_code === 401).length;
    expect(turn.reduce((n, a) => n + a.challenges, 0)).toBe(challenges);
    const releases = msgs.filter((m) => m.method === 'Refresh' && m.class === 'request' && m.lifetime === 0 && answered(m, 'success_response'));
    expect(turn.filter((a) => a.releasedPacket !== undefined).map((a) => a.releasedPacket! + 1)).toEqual(
      releases.map((r) => msgs.find((m) => m.transaction_id === r.transaction_id && m.class === 'success_response')!.frame),
    );
    const otherErrors = msgs.filter((m) => m.class === 'error_response' && m.error_code !== 401).map((m) => m.error_code);
    expect(turn.flatMap((a) => a.errors.map((e) => e.code))).toEqual(otherErrors);
    const bound = new Set(msgs.filter((m) => m.method === 'ChannelBind' && m.class === 'request' && answered(m, 'success_response')).map((m) => `${m.src} ${Number(m.channel_number)}`));
    expect(new Set(turn.flatMap((a) => [...a.channels.keys()].map((ch) => `${a.client} ${ch}`)))).toEqual(bound);
    expect(turn.reduce((n, a) => n + a.sends, 0)).toBe(t.stun.message_counts['Send indication']);
    expect(turn.reduce((n, a) => n + a.datas, 0)).toBe(t.stun.message_counts['Data indication']);
    expect(turn.reduce((n, a) => n + a.channelDataUp + a.channelDataDown, 0)).toBe(t.stun.channeldata_total);
    const story = formatStory(s);
    expect(story).toMatch(/released by Refresh LIFETIME 0/);
    expect(story).toMatch(/CreatePermission error 438/);
    expect(story).toMatch(/the relay ↔ peer leg of 127\.0\.0\.1:\d+'s TURN allocation/);
  });

  it('follows the openssl handshake to close_notify with both Finished verified', () => {
    const s = load('dtls-srtp-openssl/dtls12-srtp.pcapng', 'dtls-srtp-openssl/dtls12-srtp.keylog.txt');
    const story = formatStory(s);
    expect(story).toMatch(/DTLS 1\.2 closed/);
    expect(story).toMatch(/client Finished verified, server Finished verified/);
    expect(s.notes.map((n) => n.kind)).toContain('dtls.state');
  });

  it('ties a private address to its NAT mapping by the datagram seen rewritten, and apart from it by XOR-MAPPED-ADDRESS', () => {
    // a capture on both sides of a NAT: 10.0.0.2:5000 inside is 203.0.113.7:6000 outside
    const tid = Uint8Array.from({ length: 12 }, (_, i) => i + 1);
    const req = encodeStun({ method: Method.Binding, class: 'request', transactionId: tid, attributes: [] });
    const res = encodeStun({ method: Method.Binding, class: 'success', transactionId: tid, attributes: [XorMappedAddress.of({ ip: '203.0.113.7', port: 6000 })] });
    const dg = (src: string, sp: number, dst: string, dp: number, payload: Uint8Array, identification: number) => encodeUdpDatagram({ src, dst, srcPort: sp, dstPort: dp, payload, identification });
    const a = new CaptureAnalyzer();
    const d = new Dissector();
    const hops = [
      dg('10.0.0.2', 5000, '198.51.100.1', 3478, req, 7),
      dg('203.0.113.7', 6000, '198.51.100.1', 3478, req, 7),
      dg('198.51.100.1', 3478, '203.0.113.7', 6000, res, 9),
      dg('198.51.100.1', 3478, '10.0.0.2', 5000, res, 9),
    ];
    hops.forEach((h, i) => a.observe(d.packet(h, { index: i }), i, i * 1000, h));
    expect(a.natTies.map((n) => `${n.evidence} ${n.inside} ${n.outside}`)).toEqual(['rewritten 10.0.0.2:5000 203.0.113.7:6000', 'reflexive 10.0.0.2:5000 203.0.113.7:6000']);
    expect(a.notes.find((n) => n.kind === 'nat.mapping.inferred')?.inferred).toBe(true);
    // the copies are one request and one response
    expect(a.datagrams).toBe(2);
    expect(a.ice.pairs.length + a.conversations.size).toBe(2);
  });
});

describe('inference when ICE moved the DTLS association to another pair', () => {
  it('chromium-internals-dump: the handshake began on one pair and SRTP flows on the other: the handshake is inferred complete', () => {
    const story = formatStory(load('chromium-internals-dump/chromium-internals.pcapng'));
    expect(story).toMatch(/the same handshake seen again as UDP /);
    expect(story).toContain("SRTP flows on the association's 5-tuples afterwards, so the handshake completed (inferred)");
  });
});
