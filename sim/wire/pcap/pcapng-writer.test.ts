// A simulated trace exported as pcapng comes back from the reader hop for hop: same bytes, same µs times, one
// interface per link with the link's name, a comment tying each packet to its hop, and the key log in a DSB.
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex, utf8Decode } from '../../core/encoding.ts';
import { readCapture } from './capture-reader.ts';
import { captureToTrace } from './capture-to-trace.ts';
import { LINKTYPE_RAW } from './linktype.ts';
import { SECRETS_TLS_KEY_LOG } from './pcapng-blocks.ts';
import { PcapngEncoder } from './pcapng-encode.ts';
import { hopComment, writePcapng, writePcapngChunks } from './pcapng-writer.ts';
import { smallTrace } from './test-trace.ts';

describe('writePcapng', () => {
  const trace = smallTrace();

  it('round-trips every hop: bytes, µs timestamp, interface = link, in order', () => {
    const c = readCapture(writePcapng(trace));
    expect(c.problems).toEqual([]);
    expect(c.packets.map((p) => [c.interfaces[p.interfaceId]!.name, p.time!.us, toHex(p.data)])).toEqual(
      trace.hops.map((h) => [h.link, h.t, toHex(h.bytes)]),
    );
    expect(c.packets.every((p) => p.block === 'epb' && p.link.ipOffset === 0)).toBe(true);
  });

  it('is byte-deterministic: the same trace twice gives identical bytes', () => {
    expect(toHex(writePcapng(smallTrace()))).toBe(toHex(writePcapng(smallTrace())));
  });

  it('writes one SHB with shb_userappl "rtclab" and one RAW, µs interface per link, named after it', () => {
    const c = readCapture(writePcapng(trace));
    expect(c.sections.map((s) => s.userappl)).toEqual(['rtclab']);
    expect(c.interfaces.map((i) => [i.name, i.description, i.linkType, i.resolution.exponent, i.resolution.base])).toEqual([
      ['alice-lan', 'alice ↔ natA', LINKTYPE_RAW, 6, 10],
      ['natA-wan', 'natA ↔ stun', LINKTYPE_RAW, 6, 10],
    ]);
    expect(c.interfaces[0]!.options.find((o) => o.code === 9)?.value).toEqual(Uint8Array.of(6));
  });

  it('comments every packet with its hop, packet id and ends, and says why a dropped hop was dropped', () => {
    const c = readCapture(writePcapng(trace));
    expect(c.packets.map((p) => p.comments)).toEqual([
      ['hop 0 · packet 1 · alice → natA'],
      ['hop 1 · packet 1 · natA → stun'],
      ['hop 2 · packet 2 · stun → natA · dropped: loss'],
      ['hop 3 · packet 3 · alice → stun'],
    ]);
    expect(hopComment(trace.hops[2]!)).toContain('dropped: loss');
  });

  it('puts the NSS key log in a Decryption Secrets Block before the first packet, and only key-log secrets', () => {
    const bytes = writePcapng(trace);
    const c = readCapture(bytes);
    expect(c.secrets).toHaveLength(1);
    const s = c.secrets[0]!;
    expect([s.type, s.typeName, s.beforePacket]).toEqual([SECRETS_TLS_KEY_LOG, 'TLS key log', 0]);
    expect(s.text).toBe(`CLIENT_RANDOM ${'ab'.repeat(32)} ${'cd'.repeat(48)}\n`);
    expect(s.offset).toBeLessThan(c.packets[0]!.offset);
    expect(readCapture(writePcapng(trace, { secrets: false })).secrets).toEqual([]);
  });

  it('shifts every timestamp by timeOrigin without losing µs', () => {
    const origin = 1_795_238_279_859_898; // µs since the epoch, beyond 2^32 s·1e6
    const c = readCapture(writePcapng(trace, { timeOrigin: origin }));
    expect(c.packets.map((p) => p.time!.us)).toEqual(trace.hops.map((h) => origin + h.t));
  });

  it('writes the same packets little-endian, and the reader follows the byte order', () => {
    const le = readCapture(writePcapng(trace, { littleEndian: true }));
    const be = readCapture(writePcapng(trace));
    expect(le.littleEndian).toBe(true);
    expect(be.littleEndian).toBe(false);
    expect(le.packets.map((p) => [p.time!.us, toHex(p.data), p.comments])).toEqual(be.packets.map((p) => [p.time!.us, toHex(p.data), p.comments]));
  });

  it('the chunked writer yields the same bytes as the whole-file writer, in bounded pieces', () => {
    const chunks = [...writePcapngChunks(trace, { hopsPerChunk: 1 })];
    expect(chunks.length).toBe(1 + trace.hops.length);
    expect(toHex(concatBytes(...chunks))).toBe(toHex(writePcapng(trace)));
  });

  it('gives links that only hops name an interface of their own, after the topology links', () => {
    const t = smallTrace();
    const extra = { ...t, links: t.links.slice(0, 1) };
    const c = readCapture(writePcapng(extra));
    expect(c.interfaces.map((i) => [i.name, i.description])).toEqual([
      ['alice-lan', 'alice ↔ natA'],
      ['natA-wan', undefined],
    ]);
  });

  it('the section comment carries the trace title', () => {
    expect(readCapture(writePcapng(trace)).comments.map((c) => [c.where, c.text])).toEqual([['section', 'pcap writer test']]);
  });
});

describe('captureToTrace', () => {
  const trace = smallTrace();

  it('turns our own export back into one hop per packet with addresses as nodes', () => {
    const back = captureToTrace(readCapture(writePcapng(trace)), 'export', { origin: 0 });
    expect(back.meta).toMatchObject({ source: 'capture', title: 'export' });
    expect(back.hops.map((h) => [h.index, h.t, h.link, h.from, h.to, h.packet, toHex(h.bytes)])).toEqual([
      [0, 1_000, 'alice-lan', '192.168.1.10', '198.51.100.7', 1, toHex(trace.hops[0]!.bytes)],
      [1, 1_500, 'natA-wan', '203.0.113.5', '198.51.100.7', 2, toHex(trace.hops[1]!.bytes)],
      [2, 21_500, 'natA-wan', '198.51.100.7', '203.0.113.5', 3, toHex(trace.hops[2]!.bytes)],
      [3, 2_000_001, 'alice-lan', '2001:db8:a::10', '2001:db8:5::7', 4, toHex(trace.hops[3]!.bytes)],
    ]);
    expect(back.nodes.map((n) => [n.name, n.kind])).toEqual([
      ['192.168.1.10', 'host'],
      ['198.51.100.7', 'host'],
      ['203.0.113.5', 'host'],
      ['2001:db8:a::10', 'host'],
      ['2001:db8:5::7', 'host'],
    ]);
    expect(back.links.map((l) => l.name)).toEqual(['alice-lan', 'natA-wan']);
  });

  it('starts the trace at the first packet by default and keeps the absolute start in the summary', () => {
    const back = captureToTrace(readCapture(writePcapng(trace, { timeOrigin: 1_700_000_000_000_000 })));
    expect(back.hops.map((h) => h.t)).toEqual([0, 500, 20_500, 1_999_001]);
    expect(back.meta.summary?.['captureStartUs']).toBe(1_700_000_000_001_000);
  });

  it('keeps packet and capture comments as notes, and the key log as secrets', () => {
    const back = captureToTrace(readCapture(writePcapng(trace)), 'x', { origin: 0 });
    expect(back.notes.filter((n) => n.kind === 'capture.packet-comment').map((n) => [n.packet, n.text])).toEqual([
      [1, 'hop 0 · packet 1 · alice → natA'],
      [2, 'hop 1 · packet 1 · natA → stun'],
      [3, 'hop 2 · packet 2 · stun → natA · dropped: loss'],
      [4, 'hop 3 · packet 3 · alice → stun'],
    ]);
    expect(back.notes.find((n) => n.kind === 'capture.comment')?.text).toBe('pcap writer test');
    expect(back.secrets.map((s) => [s.kind, s.text])).toEqual([['nss-keylog', `CLIENT_RANDOM ${'ab'.repeat(32)} ${'cd'.repeat(48)}`]]);
  });

  it('names links if<N> when the interface has no name, and turns non-IP frames into notes', () => {
    const eth = (type: string, body: Uint8Array): Uint8Array => concatBytes(fromHex('020000000002020000000001'), fromHex(type), body);
    const bytes = new PcapngEncoder(true)
      .sectionHeader()
      .interfaceDescription({ linkType: 1 })
      .enhancedPacket({ interfaceId: 0, ticks: 5n, data: eth('0806', new Uint8Array(28)) })
      .enhancedPacket({ interfaceId: 0, ticks: 7n, data: eth('0800', trace.hops[0]!.bytes) })
      .finish();
    const back = captureToTrace(readCapture(bytes), undefined, { origin: 0 });
    expect(back.hops.map((h) => [h.link, h.t, h.packet])).toEqual([['if0', 7, 1]]);
    expect(back.notes.map((n) => [n.kind, n.t, n.text])).toEqual([['capture.non-ip', 5, 'frame 1 on if0: ethertype 0x0806 (ARP) is not IP']]);
    expect(utf8Decode(back.hops[0]!.bytes.subarray(28))).toBe(utf8Decode(trace.hops[0]!.bytes.subarray(28)));
  });

  it('trims Ethernet padding: a short datagram keeps only its IP total length', () => {
    const ip = trace.hops[0]!.bytes;
    const frame = concatBytes(fromHex('020000000002020000000001 0800'), ip, new Uint8Array(10));
    const bytes = new PcapngEncoder().sectionHeader().interfaceDescription({ linkType: 1 }).enhancedPacket({ interfaceId: 0, ticks: 0n, data: frame }).finish();
    expect(toHex(captureToTrace(readCapture(bytes)).hops[0]!.bytes)).toBe(toHex(ip));
  });
});
