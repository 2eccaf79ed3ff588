// mediasoup's data side end to end, browser to SFU to browser through DTLS: the presets mediasoup-datachannel and
// mediasoup-datachannel-loss, and a DataProducer closed during the call.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsharkAvailable } from '../../test/support/tshark.ts';
import { toHex } from '../core/encoding.ts';
import { Dissector } from '../dissect/dissector.ts';
import type { Layer, LayerOf } from '../dissect/types.ts';
import { encodeIPv4 } from '../wire/ip/ipv4.ts';
import { readCapture } from '../wire/pcap/index.ts';
import { writePcap } from '../wire/pcap/pcap-writer.ts';
import { traceKeyLog, writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { SECOND } from '../core/time.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { buildScenario, type Built } from '../scenario/build.ts';
import type { MediasoupBrowserClient } from './browser-client.ts';
import type { MediasoupServer } from './server.ts';

type Json = Record<string, unknown>;

const runs = new Map<string, Built>();
function run(preset: string, edit?: (s: Json) => void): Built {
  const key = `${preset}${edit ? '+edit' : ''}`;
  const cached = runs.get(key);
  if (cached) return cached;
  const s = findPreset(preset)!.build() as Json;
  edit?.(s);
  const built = buildScenario(parseScenario(s));
  built.net.run(parseScenario(s).duration);
  runs.set(key, built);
  return built;
}
const client = (b: Built, host: string): MediasoupBrowserClient => b.apps.find((a) => a.spec.kind === 'mediasoup-client' && (a.spec as { host: string }).host === host)!.endpoint as MediasoupBrowserClient;
const server = (b: Built): MediasoupServer => b.apps.find((a) => a.spec.kind === 'mediasoup-server')!.endpoint as MediasoupServer;
/** What a client received on its DataConsumer of `from`'s producer `label`, as text (binary as `<n bytes>`). */
const received = (b: Built, host: string, from: string, label: string): string[] => {
  const c = client(b, host).data.consumers.find((x) => x.peerId === from && x.label === label)!;
  return c.channel!.received;
};
const texts = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

describe('mediasoup-datachannel: chat through the SFU', () => {
  it('every transport has SCTP (sctpCapabilities sent), each producer is on stream 0 of its send PC, each consumer on the lowest free stream', () => {
    const b = run('mediasoup-datachannel');
    const s = server(b);
    expect(s.transports.every((t) => t.st.sctp?.association.state === 'established')).toBe(true);
    const room = s.rooms.get('demo')!;
    expect(room.data.dataProducers.map((p) => [p.peerId, p.label, p.stream.streamId])).toEqual([['alice', 'chat', 0], ['bob', 'chat', 0], ['carol', 'file', 0]]);
    // alice's chat is mediasoup-demo's: unordered with maxRetransmits 1, and its consumers take that reliability
    expect(room.data.dataProducers[0]!.stream).toEqual({ streamId: 0, ordered: false, maxRetransmits: 1 });
    const streams = room.data.dataConsumers.map((c) => `${c.producer.peerId}→${c.peerId}:${c.stream.streamId}`);
    expect(streams).toEqual(['alice→bob:0', 'bob→alice:0', 'alice→carol:0', 'bob→carol:1', 'carol→alice:1', 'carol→bob:1']);
    expect(room.data.dataConsumers.filter((c) => c.producer.peerId === 'alice').every((c) => !c.stream.ordered && c.stream.maxRetransmits === 1)).toBe(true);
    for (const h of ['alice', 'bob', 'carol']) {
      const c = client(b, h);
      expect(c.errors).toEqual([]);
      expect(c.data.consumers.every((x) => x.accepted && x.channel?.negotiated === true && x.channel.state === 'open')).toBe(true);
      // the server's stream ids are the ones the browser opened its negotiated channels on
      for (const x of c.data.consumers) expect(room.data.dataConsumers.find((d) => d.id === x.id)!.stream.streamId).toBe(x.streamId);
    }
  });

  it('the send PC negotiates once per producer: audio alone, then an m=application section answered from sctpParameters; the receive offer gains one with mid "datachannel"', () => {
    const b = run('mediasoup-datachannel');
    const sdp = (host: string, direction: string, type: string): string[] => b.net.trace.notes.filter((n) => n.kind === 'mediasoup-client.sdp' && n.source === `${host}/mediasoup-client` && (n.data as Json).direction === direction && (n.data as Json).type === type).map((n) => String((n.data as Json).sdp));
    // mediasoup-client's Chrome111 handler: produce(audio) makes the first offer, the first produceData the next one
    const offers = sdp('alice', 'send', 'offer');
    const answers = sdp('alice', 'send', 'answer');
    expect(offers).toHaveLength(2);
    expect(answers).toHaveLength(2);
    expect(offers[0]!.match(/^m=\w+/gm)).toEqual(['m=audio']);
    expect(offers[1]!.match(/^m=\w+/gm)).toEqual(['m=audio', 'm=application']);
    expect(answers[0]).not.toContain('m=application');
    expect(answers[1]).toMatch(/m=application \d+ UDP\/DTLS\/SCTP webrtc-datachannel\r\n[^]*a=sctp-port:5000\r\na=max-message-size:262144/);
    // the produce request follows the first answer, produceData the second
    const steps = b.net.trace.notes.filter((n) => n.source === 'alice/mediasoup-client' && (n.kind === 'mediasoup-client.sdp' || n.kind === 'mediasoup-client.step')).map((n) => n.kind === 'mediasoup-client.sdp' ? `${String((n.data as Json).direction)} ${String((n.data as Json).type)}` : String((n.data as Json).method));
    const order = steps.filter((x) => /^send |^produce/.test(x));
    expect(order.slice(0, 7)).toEqual(['send offer', 'send answer', 'produce', 'produceData', 'send offer', 'send answer', 'produceData']);
    // bob's receive PC: alice's audio consumer first, then the data section, kept in every later offer
    const recvOffers = sdp('bob', 'recv', 'offer');
    expect(recvOffers[0]).not.toContain('m=application');
    const withData = recvOffers.filter((o) => o.includes('m=application'));
    expect(withData.length).toBeGreaterThan(0);
    for (const o of withData) expect(o).toMatch(/a=mid:datachannel\r\na=sctp-port:5000\r\na=max-message-size:262144/);
    expect(recvOffers.indexOf(withData[0]!)).toBeGreaterThan(0);
  });

  it('messages received equal messages sent on every consumer that was there from the start, with the PPID kept (string 51, binary 53)', () => {
    const b = run('mediasoup-datachannel');
    expect(received(b, 'bob', 'alice', 'chat')).toEqual(texts('alice: hello ', 1, 12));
    expect(received(b, 'alice', 'bob', 'chat')).toEqual(texts('bob: message ', 1, 5));
    for (const h of ['alice', 'bob']) expect(received(b, h, 'carol', 'file')).toEqual(Array(4).fill('<1000 bytes>'));
    const room = server(b).rooms.get('demo')!;
    for (const h of ['alice', 'bob', 'carol']) {
      for (const c of client(b, h).data.consumers) {
        const sc = room.data.dataConsumers.find((d) => d.id === c.id)!;
        expect(c.channel!.stats.messagesReceived, `${h} from ${c.peerId}`).toBe(sc.messages);
      }
    }
    // nothing dropped as a DCEP or unknown-PPID message at the server, nothing on a stream without a channel at a browser
    expect(b.net.trace.notes.filter((n) => n.kind === 'sctp.malformed')).toEqual([]);
    expect(server(b).transports.every((t) => t.st.sctp!.stats.dropped === 0)).toBe(true);
  });

  it('carol, who joins after alice began, gets only the later messages, in order, and none of the earlier ones', () => {
    const b = run('mediasoup-datachannel');
    const got = received(b, 'carol', 'alice', 'chat');
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(12);
    const first = Number(got[0]!.replace('alice: hello ', ''));
    expect(first).toBeGreaterThan(1);
    expect(got).toEqual(texts('alice: hello ', first, 12));
    const room = server(b).rooms.get('demo')!;
    const toCarol = room.data.dataConsumers.find((c) => c.peerId === 'carol' && c.producer.peerId === 'alice')!;
    expect(toCarol.messages).toBe(got.length);
    expect(room.data.dataProducers[0]!.messages).toBe(12);
  });
});

describe('a server asking for a DataConsumer the browser cannot take', () => {
  it('newDataConsumer without a stream id, or on a stream already consumed, is refused with 400 and opens nothing', () => {
    const b = run('mediasoup-datachannel');
    const c = client(b, 'alice');
    const before = c.data.consumers.length;
    const answers: unknown[] = [];
    const answer = (_t: number, a: unknown): void => void answers.push(a);
    expect(c.data.newDataConsumer(b.net.now, { id: 'x', dataProducerId: 'y', sctpStreamParameters: { ordered: true } }, answer)).toBe(false);
    expect(c.data.newDataConsumer(b.net.now, { id: 'x', dataProducerId: 'y', sctpStreamParameters: { streamId: 70000 } }, answer)).toBe(false);
    const used = c.data.consumers[0]!.streamId;
    expect(c.data.newDataConsumer(b.net.now, { id: 'x', dataProducerId: 'y', sctpStreamParameters: { streamId: used } }, answer)).toBe(false);
    expect(answers).toEqual([
      { ok: false, errorCode: 400, errorReason: 'newDataConsumer without id, dataProducerId or sctpStreamParameters.streamId' },
      { ok: false, errorCode: 400, errorReason: 'newDataConsumer without id, dataProducerId or sctpStreamParameters.streamId' },
      { ok: false, errorCode: 400, errorReason: `SCTP stream ${used} already consumed` },
    ]);
    expect(c.data.consumers.length).toBe(before);
  });
});

describe('mediasoup-datachannel-loss: reliable chat over a lossy link', () => {
  it('SCTP retransmits what carol\'s link drops, both ways, and every message arrives once and in order', () => {
    const b = run('mediasoup-datachannel-loss');
    const s = server(b);
    const carolTransports = s.transports.filter((t) => t.peer.id === 'carol');
    const serverRtx = carolTransports.reduce((n, t) => n + (t.st.sctp!.association.sender?.retransmissions ?? 0), 0);
    expect(serverRtx).toBeGreaterThan(0);
    const carolRtx = client(b, 'carol').send.transport.dataChannels!.association.sender?.retransmissions ?? 0;
    expect(carolRtx).toBeGreaterThan(0);
    expect(b.net.trace.notes.filter((n) => n.kind === 'sctp.retransmit').length).toBeGreaterThan(0);
    expect(received(b, 'carol', 'alice', 'chat')).toEqual(texts('alice: message ', 1, 20));
    expect(received(b, 'carol', 'bob', 'chat')).toEqual(texts('bob: message ', 1, 20));
    for (const h of ['alice', 'bob']) expect(received(b, h, 'carol', 'chat')).toEqual(texts('carol: message ', 1, 10));
    expect(received(b, 'alice', 'bob', 'chat')).toEqual(texts('bob: message ', 1, 20));
    for (const h of ['alice', 'bob', 'carol']) expect(client(b, h).errors).toEqual([]);
  });
});

describe('closing a DataProducer', () => {
  it('closes its consumers: each consuming peer hears dataConsumerClosed, the stream is reset, and no message follows', () => {
    const b = run('mediasoup-datachannel', (s) => {
      const apps = s.apps as Json[];
      const bob = apps.find((a) => a.host === 'bob')!;
      bob.dataProducers = [{ label: 'chat', at: '2s', every: '400ms', count: 10, text: 'bob: message {n}', closeAt: '3500ms' }];
    });
    const room = server(b).rooms.get('demo')!;
    const p = room.data.dataProducers.find((x) => x.peerId === 'bob')!;
    expect(p.closed).toBe(true);
    const gone = room.data.dataConsumers.filter((c) => c.producer === p);
    expect(gone.map((c) => [c.peerId, c.closed])).toEqual([['alice', true], ['carol', true]]);
    const closedNote = b.net.trace.notes.find((n) => n.kind === 'mediasoup.dataproducer.closed')!;
    expect(closedNote.data).toEqual({ dataProducer: p.id, peer: 'bob', dataConsumers: 2 });
    for (const h of ['alice', 'carol']) {
      const c = client(b, h).data.consumers.find((x) => x.dataProducerId === p.id)!;
      expect(c.closed).toBe(true);
      expect(c.channel!.state).toBe('closed');
    }
    // bob sent 2s, 2.4s, 2.8s, 3.2s before closing at 3.5s: alice got exactly those
    expect(received(b, 'alice', 'bob', 'chat')).toEqual(texts('bob: message ', 1, 4));
    expect(client(b, 'bob').data.producers[0]!.sent).toBe(4);
    // the other producers carry on
    expect(received(b, 'bob', 'alice', 'chat')).toEqual(texts('alice: hello ', 1, 12));
    expect(b.net.now).toBeGreaterThanOrEqual(6 * SECOND);
  });
});

describe.runIf(tsharkAvailable())('tshark reads the SFU link of mediasoup-datachannel with our key log', () => {
  it('decrypts the same DTLS application data we do; each is one SCTP packet with a good CRC32c, DATA only with PPID 51 or 53, no DCEP, nothing malformed', () => {
    const b = run('mediasoup-datachannel');
    const pcap = writePcapng(b.net.trace);
    const keyLog = traceKeyLog(b.net.trace);
    const cap = readCapture(pcap);
    const sfu = cap.interfaces.findIndex((i) => i.name === 'sfu-wan');
    expect(sfu).toBeGreaterThanOrEqual(0);
    const d = new Dissector({ keyLog });
    const is = (l: Layer): boolean => l.protocol === 'SCTP';
    const ours: { frame: number; layer: LayerOf<'SCTP'> }[] = [];
    for (const raw of cap.packets) {
      const pk = d.packet(raw.data, { index: raw.index, linkType: raw.linkType });
      if (raw.interfaceId !== sfu) continue;
      for (const l of pk.layers.filter(is)) ours.push({ frame: raw.index + 1, layer: l as LayerOf<'SCTP'> });
      expect(pk.layers.some((l) => l.protocol === 'DCEP')).toBe(false);
    }
    expect(ours.length).toBeGreaterThan(50);
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-msdc-'));
    try {
      const file = join(dir, 'dc.pcapng');
      const keys = join(dir, 'keys.txt');
      writeFileSync(file, pcap);
      writeFileSync(keys, keyLog);
      const rows = execFileSync('tshark', ['-r', file, '-n', '-o', `tls.keylog_file:${keys}`, '-Y', `frame.interface_name == "sfu-wan" && dtls && data`, '-T', 'fields', '-e', 'frame.number', '-e', 'data.data', '-e', '_ws.malformed'], { encoding: 'utf8', maxBuffer: 256 << 20 })
        .trim()
        .split('\n')
        .map((l) => l.split('\t'));
      expect(rows.length).toBe(ours.length);
      for (const [frame, hex, malformed] of rows) {
        expect(ours.filter((o) => o.frame === Number(frame)).map((o) => toHex(o.layer.plaintext!)).join(',')).toBe(hex);
        expect(malformed ?? '').toBe('');
      }
      // the decrypted SCTP packets, one per IPv4 datagram (protocol 132), through tshark's SCTP dissector
      const raw = join(dir, 'sctp.pcap');
      writeFileSync(raw, writePcap(ours.map((o, i) => ({ seconds: i, fraction: 0, data: encodeIPv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 132 }, o.layer.plaintext!) })), { linkType: 101 }));
      const t = execFileSync('tshark', ['-r', raw, '-n', '-o', 'sctp.checksum:CRC-32C', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-e', 'sctp.checksum.status', '-e', 'sctp.data_payload_proto_id', '-e', 'rtcdc.message_type', '-e', '_ws.malformed'], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((l) => l.split('\t'));
      expect(t.length).toBe(ours.length);
      const ppids = new Set<string>();
      for (const [status, ppid, dcep, malformed] of t) {
        expect(status).toBe('1');
        expect(dcep ?? '').toBe('');
        expect(malformed ?? '').toBe('');
        for (const x of (ppid ?? '').split(',').filter(Boolean)) ppids.add(x);
      }
      expect([...ppids].sort()).toEqual(['51', '53']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
