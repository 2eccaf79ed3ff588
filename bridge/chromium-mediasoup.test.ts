// Interop: two headless Chromium pages running the real mediasoup-client (npm, bundled by esbuild; its Chrome111
// handler, picked by its own device detection) join a room of OUR mediasoup-style server running live on 127.0.0.1
// (transports on real UDP sockets, mediasoup-demo's protoo on a real WebSocket): bridge/mediasoup-room.ts. Each
// produces audio, video and a DataProducer; the server makes the Consumers and DataConsumers (newConsumer,
// newDataConsumer) and forwards. Judged by Chromium and mediasoup-client (ICE-lite, DTLS, SCTP on negotiated streams
// with no DCEP, SRTP, the SDP mediasoup-client builds from our parameters), by getStats, by tshark reading the capture
// with our key log, and by tshark's SCTP dissector on every SCTP packet inside the DTLS.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LayerOf } from '../sim/dissect/types.ts';
import { encodeIPv4 } from '../sim/wire/ip/ipv4.ts';
import { writePcap } from '../sim/wire/pcap/pcap-writer.ts';
import { dissectFile } from '../test/support/dissect-captures.ts';
import { hasChromium, hasTshark } from './chromium-call.ts';
import { chatAbandoned, MEDIA_ENOUGH, mediasoupRoom, SIZES, TEXTS, type PeerResult, type Stat } from './mediasoup-room.ts';
import { tsharkErrors } from './tshark-errors.ts';

const inbound = (r: PeerResult): Stat[] => Object.entries(r.stats).filter(([k, v]) => k.startsWith('recv:') && v.type === 'inbound-rtp').map(([, v]) => v);

describe.skipIf(!process.env.CI && !(hasChromium && hasTshark))('Chromium with the real mediasoup-client in a room of our mediasoup-style server', () => {
  it('two browsers produce audio, video and data; the SFU forwards every message both ways (text, empty, 1 kB and 20 kB binary) and the media; tshark reads the capture clean', { timeout: 300_000 }, async () => {
    const r = await mediasoupRoom({ waitMs: 60_000, mediaMs: 3000 });
    try {
      const { alice, bob } = r;
      const log = r.notes.filter((n) => /request|dataproducer|dataconsumer|sctp/.test(n.kind)).map((n) => n.text).join('\n');
      expect(r.pageErrors).toEqual([]);
      console.log(`Chromium ${r.browserVersion}, mediasoup-client ${r.mediasoupClientVersion}`);
      // mediasoup-client detected Chromium and drove it with its Chrome111 handler; bob saw alice in the room
      expect(alice.join).toEqual({ handler: 'Chrome111', peers: [] });
      expect(bob.join).toEqual({ handler: 'Chrome111', peers: ['alice'] });
      for (const p of [alice, bob]) expect(p.state).toMatchObject({ send: 'connected', recv: 'connected', errors: [] });
      // every request the two browsers made was answered ok
      const requests = r.notes.filter((n) => n.kind === 'mediasoup.request');
      expect(requests.filter((n) => !(n.data as { ok: boolean }).ok).map((n) => n.text)).toEqual([]);
      const methods = (peer: string) => requests.filter((n) => (n.data as { peer: string }).peer === peer).map((n) => (n.data as { method: string }).method);
      for (const peer of ['alice', 'bob']) {
        expect(methods(peer)).toEqual(expect.arrayContaining(['getRouterRtpCapabilities', 'createWebRtcTransport', 'join', 'connectWebRtcTransport', 'produce', 'produceData', 'resumeConsumer']));
        expect(methods(peer).filter((m) => m === 'produce')).toHaveLength(2);
      }

      // data: each DataProducer on the send PC's first stream (mediasoup-client counts from 0), each DataConsumer on
      // the lowest free stream the server chose, with the producer's reliability; every message arrived, PPID kept
      expect(alice.state.dataProducers).toEqual([{ label: 'chat', streamId: 0, ordered: false, maxRetransmits: 1, open: true }]);
      expect(bob.state.dataProducers).toEqual([{ label: 'bot', streamId: 0, ordered: true, maxRetransmits: null, open: true }]);
      const [toBob] = bob.state.dataConsumers;
      const [toAlice] = alice.state.dataConsumers;
      expect(toBob).toMatchObject({ peerId: 'alice', label: 'chat', protocol: 'text', streamId: 0, ordered: false, open: true });
      expect(toAlice).toMatchObject({ peerId: 'bob', label: 'bot', protocol: 'json', streamId: 0, ordered: true, open: true });
      const sent = (who: string): string[] => [...TEXTS(who), ...SIZES.map((n) => `<${n} bytes>`)];
      expect(toAlice!.received, log).toEqual(sent('bob'));
      // alice's channel is unordered: the same messages, in any order; and partially reliable (maxRetransmits 1): a
      // message is missing only when a FORWARD-TSN shows it given up (chatAbandoned), each one at most once
      const abandoned = chatAbandoned(r.notes);
      const toBobSorted = [...toBob!.received].sort();
      if (toBobSorted.length < sent('alice').length) {
        console.log(`alice's chat channel: ${sent('alice').length - toBobSorted.length} message(s) given up under partial reliability, ${abandoned} FORWARD-TSN(s) seen`);
        expect(sent('alice').length - toBobSorted.length, log).toBeLessThanOrEqual(abandoned);
        expect(new Set(toBobSorted).size, log).toBe(toBobSorted.length);
        for (const m of toBobSorted) expect(sent('alice'), log).toContain(m);
      } else expect(toBobSorted, log).toEqual(sent('alice').sort());
      const room = r.live.server.rooms.get('live')!;
      const [chatIn, botIn] = room.data.dataProducers;
      expect(room.data.dataProducers.map((p) => [p.peerId, p.label])).toEqual([['alice', 'chat'], ['bob', 'bot']]);
      expect(botIn!.messages).toBe(8);
      expect(chatIn!.messages).toBeGreaterThanOrEqual(toBobSorted.length);
      expect(chatIn!.messages).toBeGreaterThanOrEqual(8 - abandoned);
      expect(room.data.dataConsumers.map((c) => [c.peerId, c.producer.label, c.messages])).toEqual([['bob', 'chat', chatIn!.messages], ['alice', 'bot', 8]]);
      for (const t of r.live.server.transports) expect(t.st.sctp?.stats.dropped, t.t.id).toBe(0);
      expect(r.notes.filter((n) => n.kind === 'sctp.malformed').map((n) => n.text)).toEqual([]);

      // media: each browser's receive transport got the other's audio and video on the consumers' SSRCs and decoded
      // video frames; the producers' SSRCs are the ones the server was given
      for (const [me, other] of [[alice, bob], [bob, alice]] as const) {
        const got = inbound(me);
        for (const c of me.state.consumers) {
          const s = got.find((x) => x.ssrc === c.ssrc);
          expect(s?.packetsReceived, `${c.kind} consumer ${c.ssrc}`).toBeGreaterThan(c.kind === 'video' ? MEDIA_ENOUGH.videoPackets : MEDIA_ENOUGH.audioPackets);
          if (c.kind === 'video') expect(s?.framesDecoded, `video consumer ${c.ssrc}`).toBeGreaterThan(MEDIA_ENOUGH.videoFrames);
        }
        const producers = room.router.producers.filter((p) => p.peerId === (other === alice ? 'alice' : 'bob')).map((p) => p.ssrc).sort();
        expect(producers).toEqual(other.produced.map((p) => p.ssrc).sort());
      }

      // the capture with our key log: tshark calls nothing malformed (STUN, DTLS, SRTP by its heuristic); our dissector
      // opens every SRTP packet and every DTLS record; each SCTP packet inside, through tshark's SCTP dissector, has a
      // good CRC32c, carries DATA with PPID 51 (string), 53 (binary) or 56 (empty string) only, and no DCEP
      writeFileSync(join(r.dir, 'keylog.txt'), r.keyLog);
      const errors = tsharkErrors(r.captureFile, ['-o', `tls.keylog_file:${join(r.dir, 'keylog.txt')}`, '--enable-heuristic', 'rtp_udp']);
      expect(errors.filter((e) => !e.identicalRetransmission && !e.srtcp).map((e) => `#${e.frame} ${e.message}`)).toEqual([]);
      const d = dissectFile(r.captureFile, r.keyLog);
      // what tshark says of an SRTCP frame is about ciphertext it read as RTCP (tshark-errors.ts): Chromium's NACK +
      // REMB compound when video packets were lost. Our dissector opens each such frame with the keys, and its RTCP
      // is checked with every other packet below (no problem)
      for (const e of errors.filter((x) => x.srtcp)) {
        const p = d.packets[e.frame - 1]!;
        expect(p.d.layers.some((l) => l.protocol === 'RTCP' && l.plaintext), `#${e.frame} ${e.message}: ${p.d.summary}`).toBe(true);
      }
      // no problem but the dissector's warning that a user message's stream had no DATA_CHANNEL_OPEN: mediasoup's
      // channels are negotiated (RFC 8831 §6.5), so that is what a capture of them shows
      // A Finished our reader cannot check is allowed only where Chromium moved the DTLS handshake to another of its
      // ports (another candidate pair) midway: a capture reader follows DTLS per 5-tuple, the server per transport
      const { min, max } = r.live.ports;
      const serverPort = (f: { srcPort: number; dstPort: number }): number => (f.srcPort >= min && f.srcPort <= max ? f.srcPort : f.dstPort);
      const handshakeTuples = new Map<number, Set<number>>();
      for (const p of d.packets) {
        const f = p.d.flow;
        if (!f || !/Hello|Certificate|Finished/.test(p.d.summary)) continue;
        const sp = serverPort(f);
        handshakeTuples.set(sp, (handshakeTuples.get(sp) ?? new Set()).add(sp === f.srcPort ? f.dstPort : f.srcPort));
      }
      const problems = d.packets.flatMap((p) => p.d.problems.filter((x) => {
        if (x.severity === 'warning' && /^user message on stream \d+, for which no DATA_CHANNEL_OPEN was seen/.test(x.message)) return false;
        const moved = p.d.flow !== undefined && (handshakeTuples.get(serverPort(p.d.flow))?.size ?? 0) > 1;
        if (moved && /Finished verify_data .* ≠ expected/.test(x.message)) {
          console.log(`#${p.raw.index + 1}: ${x.message}: the handshake on port ${serverPort(p.d.flow!)} spans Chromium ports ${[...handshakeTuples.get(serverPort(p.d.flow!))!].join(', ')}`);
          return false;
        }
        return true;
      }).map((x) => `#${p.raw.index + 1} ${x.severity ?? 'error'}: ${x.message}`));
      expect(problems).toEqual([]);
      const unopened = d.packets.filter((p) => p.d.layers.some((l) => l.protocol === 'SRTP' || l.protocol === 'SRTCP') && !p.d.layers.some((l) => l.plaintext && (l.protocol === 'RTP' || l.protocol === 'RTCP')));
      expect(unopened.map((p) => `#${p.raw.index + 1} ${p.d.summary}`)).toEqual([]);
      // every producer's and consumer's SSRC has SRTP on the wire that our key log opens
      const opened = new Set(d.packets.flatMap((p) => p.d.layers.filter((l) => l.protocol === 'RTP' && l.plaintext).map((l) => (l.value as { header: { ssrc: number } }).header.ssrc)));
      for (const ssrc of [...room.router.producers.map((p) => p.ssrc), ...room.router.consumers.map((c) => c.ssrc)]) expect(opened.has(ssrc), `SSRC ${ssrc}`).toBe(true);
      const sctp = d.packets.flatMap((p) => p.d.layers.filter((l): l is LayerOf<'SCTP'> => l.protocol === 'SCTP'));
      expect(d.packets.some((p) => p.d.layers.some((l) => l.protocol === 'DCEP'))).toBe(false);
      expect(sctp.length).toBeGreaterThan(30);
      const raw = join(r.dir, 'sctp.pcap');
      writeFileSync(raw, writePcap(sctp.map((l, i) => ({ seconds: i, fraction: 0, data: encodeIPv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 132 }, l.plaintext!) })), { linkType: 101 }));
      const rows = execFileSync('tshark', ['-r', raw, '-n', '-o', 'sctp.checksum:CRC-32C', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-e', 'sctp.checksum.status', '-e', 'sctp.data_payload_proto_id', '-e', 'rtcdc.message_type', '-e', '_ws.malformed'], { encoding: 'utf8' })
        .trim().split('\n').map((l) => l.split('\t'));
      expect(rows).toHaveLength(sctp.length);
      const ppids = new Set<string>();
      for (const [status, ppid, dcep, malformed] of rows) {
        expect(status).toBe('1');
        expect(dcep ?? '').toBe('');
        expect(malformed ?? '').toBe('');
        for (const x of (ppid ?? '').split(',').filter(Boolean)) ppids.add(x);
      }
      expect([...ppids].sort()).toEqual(['51', '53', '56']);
    } finally {
      rmSync(r.dir, { recursive: true, force: true });
    }
  });
});
