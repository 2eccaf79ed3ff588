// Hostile and broken files: each one yields a problem that says what went wrong and at which byte offset,
// everything before it stays loaded, and the reader never throws or hangs.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import { concatBytes } from '../../core/encoding.ts';
import { encodeUdpDatagram } from '../ip/udp-datagram.ts';
import type { Capture } from './capture.ts';
import { CaptureReader, MAX_RECORD_BYTES, readCapture } from './capture-reader.ts';
import { LINKTYPE_RAW } from './linktype.ts';
import { PcapngEncoder } from './pcapng-encode.ts';
import { writePcap } from './pcap-writer.ts';

const ip = encodeUdpDatagram({ src: '192.0.2.1', dst: '192.0.2.2', srcPort: 1, dstPort: 2, payload: new Uint8Array(13).fill(9) });

/** SHB (28) + IDB (20) + two EPBs of 32 + pad4(41) = 76 bytes each: 200 bytes, big-endian. */
function pcapng(): { bytes: Uint8Array; epb: number[] } {
  const e = new PcapngEncoder().sectionHeader().interfaceDescription({ linkType: LINKTYPE_RAW });
  const first = e.finish().length;
  e.enhancedPacket({ interfaceId: 0, ticks: 1n, data: ip });
  const second = e.finish().length;
  e.enhancedPacket({ interfaceId: 0, ticks: 2n, data: ip });
  return { bytes: e.finish(), epb: [first, second] };
}

function pcap(n = 2): Uint8Array {
  return writePcap(Array.from({ length: n }, (_, i) => ({ seconds: i, fraction: 0, data: ip })), { linkType: LINKTYPE_RAW, littleEndian: true });
}

const setU32 = (b: Uint8Array, at: number, v: number): Uint8Array => {
  const copy = b.slice();
  new DataView(copy.buffer).setUint32(at, v);
  return copy;
};

const only = (c: Capture) => c.problems.map((p) => ({ offset: p.offset, fatal: p.fatal, message: p.message }));

describe('truncated files', () => {
  it('a pcapng cut inside its second packet keeps the first and names the block and offset', () => {
    const { bytes, epb } = pcapng();
    const c = readCapture(bytes.subarray(0, bytes.length - 10));
    expect(c.packets.length).toBe(1);
    expect(only(c)).toEqual([
      { offset: epb[1], fatal: true, message: `truncated: the file ends inside an Enhanced Packet Block at offset ${epb[1]} (66 of 76 bytes present)` },
    ]);
  });

  it('a pcapng cut inside a block header says so', () => {
    const { bytes, epb } = pcapng();
    const c = readCapture(bytes.subarray(0, epb[1]! + 5));
    expect(c.packets.length).toBe(1);
    expect(only(c)[0]?.message).toBe(`truncated: the file ends inside a block header at offset ${epb[1]} (5 of 8 bytes present)`);
  });

  it('a classic pcap cut inside a record keeps the records before it', () => {
    const bytes = pcap(3);
    const c = readCapture(bytes.subarray(0, bytes.length - 1));
    expect(c.packets.length).toBe(2);
    expect(only(c)).toEqual([{ offset: 24 + 2 * 57, fatal: true, message: 'truncated: the file ends inside packet record 2 at offset 138 (56 of 57 bytes present)' }]);
  });

  it('a classic pcap cut inside its file header', () => {
    const c = readCapture(pcap().subarray(0, 10));
    expect([c.format, c.interfaces.length]).toEqual([undefined, 0]);
    expect(only(c)).toEqual([{ offset: 0, fatal: true, message: 'truncated: the file ends inside the pcap file header at offset 0 (10 of 24 bytes present)' }]);
  });

  it('an empty input and a 3-byte input', () => {
    expect(only(readCapture(new Uint8Array(0)))).toEqual([{ offset: 0, fatal: true, message: 'empty input: no pcap or pcapng header' }]);
    expect(only(readCapture(Uint8Array.of(0xd4, 0xc3, 0xb2)))[0]?.message).toBe('truncated: the file ends inside the file magic at offset 0 (3 of 4 bytes present)');
  });
});

describe('wrong magic', () => {
  it('names the magic it found', () => {
    expect(only(readCapture(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n')))).toEqual([
      { offset: 0, fatal: true, message: 'not a pcap or pcapng file: magic 0x47455420 at offset 0' },
    ]);
  });

  it('recognises a gzip-compressed capture and says to decompress it', () => {
    expect(only(readCapture(Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0)))[0]?.message).toMatch(/gzip-compressed: decompress it first/);
  });

  it('a Section Header Block with a bad byte-order magic', () => {
    const { bytes } = pcapng();
    expect(only(readCapture(setU32(bytes, 8, 0x11223344)))).toEqual([
      { offset: 8, fatal: true, message: 'Section Header Block at offset 0 has byte-order magic 0x11223344, neither 0x1a2b3c4d nor 0x4d3c2b1a' },
    ]);
  });

  it('a pcapng major version other than 1', () => {
    const { bytes } = pcapng();
    const b = bytes.slice();
    b[13] = 2; // major version 2 (big-endian u16 at 12)
    expect(only(readCapture(b))).toEqual([{ offset: 12, fatal: true, message: 'Section Header Block at offset 0 has version 2.0; only 1.x can be read' }]);
  });
});

describe('block lengths that lie', () => {
  const { bytes, epb } = pcapng();
  const at = epb[1]!;

  it('too small: a total length under 12 bytes', () => {
    const c = readCapture(setU32(bytes, at + 4, 8));
    expect(c.packets.length).toBe(1);
    expect(only(c)).toEqual([{ offset: at + 4, fatal: true, message: `Enhanced Packet Block at offset ${at} has block total length 8, less than the 12-byte minimum` }]);
  });

  it('not a multiple of 4', () => {
    const c = readCapture(setU32(bytes, at + 4, 75));
    expect(c.packets.length).toBe(1);
    expect(only(c)).toEqual([{ offset: at + 4, fatal: true, message: `Enhanced Packet Block at offset ${at} has block total length 75, not a multiple of 4` }]);
  });

  it('larger than the file, with the real trailing length in place: the length field is named corrupt, not the file truncated', () => {
    const c = readCapture(setU32(bytes, at + 4, 4000));
    expect(c.packets.length).toBe(1);
    expect(only(c)).toEqual([
      { offset: at + 4, fatal: true, message: `Enhanced Packet Block at offset ${at} has block total length 4000, past the end of the file, but a trailing length of 76 closes it at offset ${at + 76}: the length field is corrupt` },
    ]);
  });

  it('larger than the file in the middle of it: the blocks after it give the corrupt length away', () => {
    const { bytes: two, epb } = pcapng();
    const c = readCapture(setU32(two, epb[0]! + 4, 100_000));
    expect(c.packets.length).toBe(0);
    expect(only(c)[0]?.message).toMatch(new RegExp(`^Enhanced Packet Block at offset ${epb[0]} has block total length 100000, .* closes it at offset ${epb[1]}: the length field is corrupt$`));
  });

  it('larger than the file with no trailing length left: the file is truncated, said with the right article', () => {
    const c = readCapture(setU32(bytes, at + 4, 4000).subarray(0, bytes.length - 4));
    expect(only(c)).toEqual([{ offset: at, fatal: true, message: `truncated: the file ends inside an Enhanced Packet Block at offset ${at} (72 of 4000 bytes present)` }]);
  });

  it('trailing length different from the leading one', () => {
    const c = readCapture(setU32(bytes, bytes.length - 4, 80));
    expect(c.packets.length).toBe(1);
    expect(only(c)).toEqual([{ offset: bytes.length - 4, fatal: true, message: `Enhanced Packet Block at offset ${at}: trailing block total length 80 differs from the leading 76` }]);
  });

  it('framed correctly but too short for an EPB: skipped, and reading goes on', () => {
    const e = new PcapngEncoder().sectionHeader().interfaceDescription({ linkType: LINKTYPE_RAW });
    const shortAt = e.finish().length;
    e.block(6, () => e.u32(0).u32(0)); // 20 bytes: a 6-type block with only 8 body bytes
    e.enhancedPacket({ interfaceId: 0, ticks: 3n, data: ip });
    const c = readCapture(e.finish());
    expect(c.packets.map((p) => p.time?.us)).toEqual([3]);
    expect(only(c)).toEqual([{ offset: shortAt, fatal: false, message: `Enhanced Packet Block at offset ${shortAt} is 20 bytes, shorter than its 32-byte minimum; skipped` }]);
  });

  it('an EPB whose captured length runs past its block: skipped, and reading goes on', () => {
    const e = new PcapngEncoder().sectionHeader().interfaceDescription({ linkType: LINKTYPE_RAW });
    const badAt = e.finish().length;
    e.enhancedPacket({ interfaceId: 0, ticks: 1n, data: ip, capturedLength: 1000 });
    e.enhancedPacket({ interfaceId: 0, ticks: 2n, data: ip });
    const c = readCapture(e.finish());
    expect(c.packets.map((p) => p.time?.us)).toEqual([2]);
    expect(only(c)).toEqual([{ offset: badAt + 20, fatal: false, message: `Enhanced Packet Block at offset ${badAt}: captured length 1000 does not fit the block (44 bytes of room); packet skipped` }]);
  });

  it('an option whose length runs past the block keeps the packet and the options before it', () => {
    const e = new PcapngEncoder().sectionHeader().interfaceDescription({ linkType: LINKTYPE_RAW });
    const epbAt = e.finish().length;
    e.enhancedPacket({ interfaceId: 0, ticks: 1n, data: ip, comments: ['kept'] });
    const b = e.finish();
    // the opt_comment "kept" is at epbAt + 28 + 44 (pad4(41)); add a second option header claiming 500 bytes
    const optAt = epbAt + 28 + 44 + 8;
    new DataView(b.buffer).setUint32(optAt, (2 << 16) | 500); // code 2 (epb_flags), length 500, where opt_endofopt was
    const c = readCapture(b);
    expect(c.packets.map((p) => p.comments)).toEqual([['kept']]);
    expect(only(c)).toEqual([
      { offset: optAt, fatal: false, message: `Enhanced Packet Block at offset ${epbAt}: option 2 claims 500 bytes but only 0 remain in the block; later options ignored` },
    ]);
  });
});

describe('zero-length and huge packets', () => {
  it('a zero-length EPB frame is kept, noted, and flagged', () => {
    const e = new PcapngEncoder().sectionHeader().interfaceDescription({ linkType: LINKTYPE_RAW });
    const at = e.finish().length;
    const c = readCapture(e.enhancedPacket({ interfaceId: 0, ticks: 1n, data: new Uint8Array(0) }).finish());
    expect(c.packets.map((p) => [p.capturedLength, p.link.note])).toEqual([[0, 'empty frame (0 bytes captured)']]);
    expect(only(c)).toEqual([{ offset: at + 28, fatal: false, message: `Enhanced Packet Block at offset ${at} (packet 0) has a zero-length frame` }]);
  });

  it('a zero-length pcap record is kept and flagged', () => {
    const c = readCapture(writePcap([{ seconds: 0, fraction: 0, data: new Uint8Array(0) }, { seconds: 1, fraction: 0, data: ip }], { linkType: LINKTYPE_RAW }));
    expect(c.packets.map((p) => p.capturedLength)).toEqual([0, ip.length]);
    expect(only(c)).toEqual([{ offset: 32, fatal: false, message: 'packet record 0 at offset 24 has a zero-length frame' }]);
  });

  it('a pcap record claiming more than 256 MiB stops reading at once, without waiting for the bytes', () => {
    const bytes = pcap(2);
    new DataView(bytes.buffer).setUint32(24 + 57 + 8, MAX_RECORD_BYTES + 1, true);
    const r = new CaptureReader();
    const events = r.push(bytes);
    const problems = events.flatMap((e) => (e.kind === 'problem' ? [e.problem] : []));
    expect(events.filter((e) => e.kind === 'packet').length).toBe(1);
    expect(problems).toEqual([
      { offset: 24 + 57 + 8, length: 4, fatal: true, message: `packet record 1 at offset 81 claims a captured length of ${MAX_RECORD_BYTES + 1} bytes (over the ${MAX_RECORD_BYTES}-byte limit): the file is corrupt from here` },
    ]);
    expect(r.push(new Uint8Array(1000))).toEqual([]);
    expect(r.end()).toEqual([]);
  });

  it('a pcapng block claiming more than 256 MiB stops reading at once', () => {
    const { bytes, epb } = pcapng();
    const c = readCapture(setU32(bytes, epb[1]! + 4, 0x10000004));
    expect(c.packets.length).toBe(1);
    expect(only(c)[0]?.message).toBe(`Enhanced Packet Block at offset ${epb[1]} has block total length 268435460 (over the ${MAX_RECORD_BYTES}-byte limit): the file is corrupt from here`);
  });

  it('a captured length above the snaplen or the original length is reported, the packet kept', () => {
    const c = readCapture(writePcap([{ seconds: 0, fraction: 0, data: ip, originalLength: 10 }], { linkType: LINKTYPE_RAW, snaplen: 20 }));
    expect(c.packets.length).toBe(1);
    expect(only(c).map((p) => p.message)).toEqual([
      'packet record 0 at offset 24: captured length 41 exceeds the snaplen 20',
      'packet record 0 at offset 24: captured length 41 exceeds the original length 10',
    ]);
  });
});

describe('garbage and dangling references', () => {
  it('garbage after a valid pcap header stops at the first record, naming its offset', () => {
    const c = readCapture(concatBytes(pcap(0), new Uint8Array(64).fill(0xff)));
    expect([c.format, c.packets.length]).toEqual(['pcap', 0]);
    expect(only(c)).toEqual([
      { offset: 32, fatal: true, message: `packet record 0 at offset 24 claims a captured length of 4294967295 bytes (over the ${MAX_RECORD_BYTES}-byte limit): the file is corrupt from here` },
    ]);
  });

  it('garbage after valid pcapng blocks stops at the first bad block, keeping the packets', () => {
    const { bytes } = pcapng();
    const c = readCapture(concatBytes(bytes, new TextEncoder().encode('this is not a block at all, just text....')));
    expect(c.packets.length).toBe(2);
    expect(only(c)).toEqual([{ offset: bytes.length + 4, fatal: true, message: `block type 0x74686973 at offset ${bytes.length} has block total length 543781664 (over the ${MAX_RECORD_BYTES}-byte limit): the file is corrupt from here` }]);
  });

  it('an EPB naming an interface that does not exist is skipped with a problem; later packets are read', () => {
    const e = new PcapngEncoder().sectionHeader().interfaceDescription({ linkType: LINKTYPE_RAW });
    const at = e.finish().length;
    e.enhancedPacket({ interfaceId: 3, ticks: 1n, data: ip }).enhancedPacket({ interfaceId: 0, ticks: 2n, data: ip });
    const c = readCapture(e.finish());
    expect(c.packets.map((p) => [p.index, p.time?.us])).toEqual([[0, 2]]);
    expect(only(c)).toEqual([{ offset: at + 8, fatal: false, message: `Enhanced Packet Block at offset ${at} names interface 3, but section 0 has 1 interface(s); packet skipped` }]);
  });

  it('a Simple Packet Block before any interface is skipped with a problem', () => {
    const e = new PcapngEncoder().sectionHeader();
    const at = e.finish().length;
    const c = readCapture(e.simplePacket(ip).finish());
    expect(c.packets).toEqual([]);
    expect(only(c)).toEqual([{ offset: at, fatal: false, message: `Simple Packet Block at offset ${at} but section 0 has no interface; packet skipped` }]);
  });

  it('push() after end() is reported, not thrown', () => {
    const r = new CaptureReader();
    r.push(pcap());
    r.end();
    expect(r.push(ip).map((e) => (e.kind === 'problem' ? e.problem.message : e.kind))).toEqual(['push() after end(): data ignored']);
  });
});

describe('nothing throws or hangs', () => {
  it('2000 randomly corrupted files (seeded) all finish, with problems inside the file', () => {
    const rng = Rng.fromSeed(2024).fork('pcap/fuzz');
    const bases = [pcapng().bytes, pcap(3), new PcapngEncoder(true).sectionHeader({ comments: ['c'] }).interfaceDescription({ linkType: 1, tsresol: 9, name: 'x' }).enhancedPacket({ interfaceId: 0, ticks: 5n, data: ip, comments: ['p'] }).finish()];
    const started = performance.now();
    for (let i = 0; i < 2000; i++) {
      const b = bases[i % bases.length]!.slice();
      const flips = rng.int(1, 8);
      for (let k = 0; k < flips; k++) b[rng.int(0, b.length - 1)] = rng.u32() & 0xff;
      const cut = rng.chance(0.3) ? rng.int(0, b.length) : b.length;
      const chunk = rng.int(1, 64);
      const r = new CaptureReader();
      const events = [];
      for (let o = 0; o < cut; o += chunk) events.push(...r.push(b.subarray(o, Math.min(cut, o + chunk))));
      events.push(...r.end());
      for (const e of events) {
        if (e.kind === 'problem') {
          expect(e.problem.offset).toBeGreaterThanOrEqual(0);
          expect(e.problem.offset).toBeLessThanOrEqual(cut);
        }
        if (e.kind === 'packet') expect(e.packet.dataOffset + e.packet.data.length).toBeLessThanOrEqual(cut);
      }
      expect(events.filter((e) => e.kind === 'problem' && e.problem.fatal).length).toBeLessThanOrEqual(1);
    }
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});
