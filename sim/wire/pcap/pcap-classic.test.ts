// Classic pcap files in both byte orders, with µs and ns timestamps, read by our reader and by the independent
// npm `pcap-parser` (Node streams): both must see the same timestamps, lengths and bytes, packet by packet.
import { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../core/encoding.ts';
import { encodeUdpDatagram } from '../ip/udp-datagram.ts';
import { readCapture } from './capture-reader.ts';
import { LINKTYPE_ETHERNET, LINKTYPE_RAW } from './linktype.ts';
import { PCAP_MAGIC_MODIFIED, PCAP_MAGIC_NS, PCAP_MAGIC_US } from './pcap-classic.ts';
import { writePcap, type PcapRecord } from './pcap-writer.ts';

interface ParsedPacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Uint8Array;
}
interface ParsedFile {
  global: { magicNumber: number; snapshotLength: number; linkLayerType: number };
  packets: ParsedPacket[];
}

const require = createRequire(import.meta.url);
// pcap-parser is CommonJS without types: parse(stream) emits 'globalHeader', 'packet', 'end', 'error'.
const pcapParser = require('pcap-parser') as { parse(input: Readable): NodeJS.EventEmitter };

function parseWithPcapParser(bytes: Uint8Array): Promise<ParsedFile> {
  return new Promise((resolve, reject) => {
    const parser = pcapParser.parse(Readable.from([Buffer.from(bytes)]));
    const out: ParsedFile = { global: { magicNumber: 0, snapshotLength: 0, linkLayerType: 0 }, packets: [] };
    parser.on('globalHeader', (h: ParsedFile['global']) => (out.global = h));
    parser.on('packet', (p: ParsedPacket) => out.packets.push({ header: { ...p.header }, data: new Uint8Array(p.data) }));
    parser.on('error', reject);
    parser.on('end', () => resolve(out));
  });
}

/** pcap-parser knows only the µs magic; the ns file is the same layout, so it reads a copy with the magic swapped. */
function asMicrosecondMagic(bytes: Uint8Array, littleEndian: boolean): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(0, PCAP_MAGIC_US, littleEndian);
  return copy;
}

function records(nanoseconds: boolean): PcapRecord[] {
  const out: PcapRecord[] = [];
  for (let i = 0; i < 6; i++) {
    const payload = Uint8Array.from({ length: 10 + i * 37 }, (_, k) => (k * 7 + i) & 0xff);
    const ip = encodeUdpDatagram({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 4000 + i, dstPort: 5000, payload });
    out.push({
      seconds: 1_795_238_279 + i * 3,
      fraction: nanoseconds ? 999_999_999 - i * 123_456_789 : 999_999 - i * 123_457,
      data: ip,
      // one record says the wire carried more than was captured
      ...(i === 4 ? { originalLength: ip.length + 100 } : {}),
    });
  }
  return out;
}

const cases = [
  { name: 'big-endian µs', littleEndian: false, nanoseconds: false },
  { name: 'little-endian µs', littleEndian: true, nanoseconds: false },
  { name: 'big-endian ns', littleEndian: false, nanoseconds: true },
  { name: 'little-endian ns', littleEndian: true, nanoseconds: true },
];

describe('classic pcap, cross-checked with pcap-parser', () => {
  for (const k of cases) {
    it(`${k.name}: timestamps, lengths and bytes agree packet by packet`, async () => {
      const bytes = writePcap(records(k.nanoseconds), { linkType: LINKTYPE_RAW, littleEndian: k.littleEndian, nanoseconds: k.nanoseconds, snaplen: 65535 });
      const theirs = await parseWithPcapParser(k.nanoseconds ? asMicrosecondMagic(bytes, k.littleEndian) : bytes);
      const ours = readCapture(bytes);
      expect(ours.problems).toEqual([]);
      expect([ours.format, ours.littleEndian, ours.magic]).toEqual(['pcap', k.littleEndian, k.nanoseconds ? PCAP_MAGIC_NS : PCAP_MAGIC_US]);
      expect(ours.interfaces.map((i) => [i.linkType, i.snaplen, i.resolution.exponent])).toEqual([
        [theirs.global.linkLayerType, theirs.global.snapshotLength, k.nanoseconds ? 9 : 6],
      ]);
      expect(theirs.packets.length).toBe(6);
      const scale = k.nanoseconds ? 1n : 1000n;
      expect(ours.packets.map((p) => [p.time!.ns, p.capturedLength, p.originalLength, toHex(p.data)])).toEqual(
        theirs.packets.map((p) => [
          BigInt(p.header.timestampSeconds) * 1_000_000_000n + BigInt(p.header.timestampMicroseconds) * scale,
          p.header.capturedLength,
          p.header.originalLength,
          toHex(p.data),
        ]),
      );
      expect(ours.packets.every((p) => p.link.ipOffset === 0 && p.link.family === 4 && p.dataOffset === p.offset + 16)).toBe(true);
    });
  }

  it('a ns file keeps all nine digits, and µs is floor(ns / 1000)', () => {
    const bytes = writePcap([{ seconds: 1_795_238_279, fraction: 859_898_558, data: new Uint8Array(20).fill(0x45, 0, 1) }], {
      linkType: LINKTYPE_RAW,
      nanoseconds: true,
    });
    const t = readCapture(bytes).packets[0]!.time!;
    expect([t.ns, t.us, t.exact]).toEqual([1_795_238_279_859_898_558n, 1_795_238_279_859_898, true]);
  });

  it('reads the link type from the low 16 bits and the FCS length when the header says it is known', () => {
    const bytes = writePcap([], { linkType: LINKTYPE_ETHERNET | 0x04000000 | (2 << 28) });
    const c = readCapture(bytes);
    expect(c.interfaces.map((i) => [i.linkType, i.fcsLength])).toEqual([[LINKTYPE_ETHERNET, 4]]);
  });

  it("reads Kuznetsov's modified pcap (0xa1b2cd34) with its 24-byte record headers", () => {
    const ip = encodeUdpDatagram({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, payload: new Uint8Array(3) });
    const out = new Uint8Array(24 + 24 + ip.length);
    const v = new DataView(out.buffer);
    v.setUint32(0, PCAP_MAGIC_MODIFIED, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(16, 65535, true);
    v.setUint32(20, LINKTYPE_RAW, true);
    v.setUint32(24, 10, true);
    v.setUint32(28, 20, true);
    v.setUint32(32, ip.length, true);
    v.setUint32(36, ip.length, true);
    out.set(ip, 48);
    const c = readCapture(out);
    expect(c.problems).toEqual([]);
    expect(c.packets.map((p) => [p.time!.us, p.dataOffset, toHex(p.data)])).toEqual([[10_000_020, 48, toHex(ip)]]);
  });
});
