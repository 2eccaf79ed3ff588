// pcapng features beyond what dumpcap writes by default: several sections in different byte orders, timestamp
// resolutions including powers of two and offsets, every block type the format defines, and options kept.
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8Encode } from '../../core/encoding.ts';
import { encodeUdpDatagram } from '../ip/udp-datagram.ts';
import { applyCaptureEvent, emptyCapture } from './capture.ts';
import { CaptureReader, readCapture } from './capture-reader.ts';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW } from './linktype.ts';
import { SECRETS_TLS_KEY_LOG } from './pcapng-blocks.ts';
import { PcapngEncoder } from './pcapng-encode.ts';

const ip = encodeUdpDatagram({ src: '192.0.2.1', dst: '192.0.2.2', srcPort: 1000, dstPort: 2000, payload: utf8Encode('hello') });

describe('pcapng sections', () => {
  it('reads several sections, each in its own byte order, with interface ids restarting per section', () => {
    const a = new PcapngEncoder(false)
      .sectionHeader({ userappl: 'first', hardware: 'hw', os: 'os' })
      .interfaceDescription({ linkType: LINKTYPE_RAW, name: 'a0' })
      .enhancedPacket({ interfaceId: 0, ticks: 1n, data: ip })
      .finish();
    const b = new PcapngEncoder(true)
      .sectionHeader({ userappl: 'second' })
      .interfaceDescription({ linkType: LINKTYPE_RAW, name: 'b0' })
      .interfaceDescription({ linkType: LINKTYPE_RAW, name: 'b1' })
      .enhancedPacket({ interfaceId: 1, ticks: 2n, data: ip })
      .enhancedPacket({ interfaceId: 0, ticks: 3n, data: ip })
      .finish();
    const c = readCapture(new Uint8Array([...a, ...b]));
    expect(c.problems).toEqual([]);
    expect(c.sections.map((s) => [s.index, s.littleEndian, s.userappl, s.version])).toEqual([
      [0, false, 'first', '1.0'],
      [1, true, 'second', '1.0'],
    ]);
    expect(c.sections[0]).toMatchObject({ hardware: 'hw', os: 'os', offset: 0 });
    expect(c.interfaces.map((i) => [i.id, i.section, i.localId, i.name])).toEqual([
      [0, 0, 0, 'a0'],
      [1, 1, 0, 'b0'],
      [2, 1, 1, 'b1'],
    ]);
    expect(c.packets.map((p) => [p.index, c.interfaces[p.interfaceId]!.name, p.time!.us])).toEqual([
      [0, 'a0', 1],
      [1, 'b1', 2],
      [2, 'b0', 3],
    ]);
  });
});

describe('pcapng timestamps', () => {
  const one = (tsresol: number | undefined, ticks: bigint, tsoffset?: bigint) => {
    const bytes = new PcapngEncoder(true)
      .sectionHeader()
      .interfaceDescription({ linkType: LINKTYPE_RAW, ...(tsresol !== undefined ? { tsresol } : {}), ...(tsoffset !== undefined ? { tsoffset } : {}) })
      .enhancedPacket({ interfaceId: 0, ticks, data: ip })
      .finish();
    return readCapture(bytes).packets[0]!.time!;
  };

  it('defaults to µs when if_tsresol is absent', () => {
    expect(one(undefined, 1_700_000_000_123_456n)).toMatchObject({ us: 1_700_000_000_123_456, ns: 1_700_000_000_123_456_000n, exact: true });
  });

  it('keeps ns exact (as a bigint) with if_tsresol 9', () => {
    expect(one(9, 1_795_238_279_859_898_558n)).toMatchObject({ us: 1_795_238_279_859_898, ns: 1_795_238_279_859_898_558n, exact: true });
  });

  it('converts power-of-two resolutions (if_tsresol 0x80 | 20 = 2^-20 s) and says when ns is rounded', () => {
    // 3 s + 1/2^20 s: 3_000_000_953.67… ns
    const t = one(0x80 | 20, 3n * 2n ** 20n + 1n);
    expect(t).toMatchObject({ ns: 3_000_000_953n, us: 3_000_000, exact: false, ticks: 3n * 2n ** 20n + 1n });
    expect(one(0x80 | 1, 3n)).toMatchObject({ ns: 1_500_000_000n, exact: true });
  });

  it('reads picosecond resolution (if_tsresol 12), rounding ns down and saying so', () => {
    expect(one(12, 123_456_789_012_345n)).toMatchObject({ ns: 123_456_789_012n, us: 123_456_789, exact: false });
    expect(one(12, 123_456_789_012_000n)).toMatchObject({ ns: 123_456_789_012n, exact: true });
  });

  it('adds if_tsoffset seconds', () => {
    expect(one(6, 250n, 1_600_000_000n)).toMatchObject({ us: 1_600_000_000_000_250 });
    expect(one(6, 250n, -1n)).toMatchObject({ us: -999_750 });
  });
});

describe('pcapng blocks', () => {
  const enc = new PcapngEncoder(true)
    .sectionHeader({ comments: ['section note'] })
    .interfaceDescription({
      linkType: LINKTYPE_ETHERNET,
      snaplen: 1500,
      name: 'eth0',
      description: 'uplink',
      comments: ['interface note'],
      extra: [{ code: 11, value: Uint8Array.of(0, ...utf8Encode('udp port 3478')) }, { code: 13, value: Uint8Array.of(4) }],
    })
    .interfaceDescription({ linkType: LINKTYPE_LINUX_SLL2, name: 'any' });
  const frame = new Uint8Array([...fromHex('0200000000020200000000010800'), ...ip]);
  const bytes = enc
    .nameResolution([{ address: '192.0.2.1', names: ['alice.example', 'a.example'] }, { address: '2001:db8::1', names: ['v6.example'] }], ['nrb note'])
    .decryptionSecrets(SECRETS_TLS_KEY_LOG, utf8Encode('CLIENT_RANDOM 00 11\n'), ['dsb note'])
    .custom(32473, utf8Encode('private'))
    .enhancedPacket({ interfaceId: 0, ticks: 10n, data: frame, comments: ['first', 'second'], flags: 0x00000001, extra: [{ code: 5, value: enc.u64Value(77n) }] })
    .simplePacket(frame)
    .block(2, () => {
      // obsolete Packet Block: interface 0, drops 0, ts 0:20, caplen, len, data
      enc.u16(0).u16(0).u32(0).u32(20).u32(frame.length).u32(frame.length).bytes(frame);
      enc.bytes(new Uint8Array((4 - (frame.length % 4)) % 4));
    })
    .interfaceStatistics({ interfaceId: 0, ticks: 30n, received: 3n, dropped: 0n, comments: ['isb note'] })
    .block(0x12345678, () => enc.u32(1))
    .finish();
  const c = readCapture(bytes);

  it('reads every block with no problem', () => {
    expect(c.problems).toEqual([]);
  });

  it('IDB: name, description, snaplen, filter, FCS length, comments, raw options', () => {
    expect(c.interfaces[0]).toMatchObject({ name: 'eth0', description: 'uplink', snaplen: 1500, filter: 'udp port 3478', fcsLength: 4, comments: ['interface note'] });
    expect(c.interfaces[0]!.options.map((o) => o.code)).toEqual([1, 2, 3, 11, 13]);
  });

  it('EPB: comments, epb_flags and other options kept; SPB without a time; obsolete PB', () => {
    expect(c.packets.map((p) => [p.block, p.time?.us, p.link.ipOffset, toHex(p.data.subarray(14)) === toHex(ip)])).toEqual([
      ['epb', 10, 14, true],
      ['spb', undefined, 14, true],
      ['pb', 20, 14, true],
    ]);
    const epb = c.packets[0]!;
    expect([epb.comments, epb.flags, epb.options.map((o) => [o.code, toHex(o.value)])]).toEqual([['first', 'second'], 1, [[5, '4d00000000000000']]]);
  });

  it('NRB: addresses with their names', () => {
    expect(c.names).toEqual([
      { address: '192.0.2.1', names: ['alice.example', 'a.example'] },
      { address: '2001:db8::1', names: ['v6.example'] },
    ]);
  });

  it('DSB: the TLS key log text, placed before the first packet', () => {
    expect(c.secrets.map((s) => [s.typeName, s.text, s.beforePacket])).toEqual([['TLS key log', 'CLIENT_RANDOM 00 11\n', 0]]);
  });

  it('ISB: counters and time for the interface', () => {
    expect(c.statistics).toMatchObject([{ interfaceId: 0, received: 3n, dropped: 0n, time: { us: 30 } }]);
  });

  it('comments from the section, interface, NRB, DSB and ISB, in file order', () => {
    expect(c.comments.map((x) => [x.where, x.text])).toEqual([
      ['section', 'section note'],
      ['interface', 'interface note'],
      ['name-resolution', 'nrb note'],
      ['secrets', 'dsb note'],
      ['statistics', 'isb note'],
    ]);
  });

  it('custom and unknown blocks are skipped cleanly, with an event saying so', () => {
    const r = new CaptureReader();
    const skipped = [...r.push(bytes), ...r.end()].filter((e) => e.kind === 'skipped');
    expect(skipped.map((e) => (e.kind === 'skipped' ? [e.blockType, e.reason] : []))).toEqual([
      [0x00000bad, 'custom block (pcapng §4.8)'],
      [0x12345678, 'unknown block type 0x12345678'],
    ]);
  });
});

describe('streaming', () => {
  it('a packet larger than every chunk is gathered once and read whole', () => {
    const big = encodeUdpDatagram({ src: '192.0.2.1', dst: '192.0.2.2', srcPort: 1, dstPort: 2, payload: new Uint8Array(60_000).fill(7) });
    const bytes = new PcapngEncoder().sectionHeader().interfaceDescription({ linkType: LINKTYPE_RAW }).enhancedPacket({ interfaceId: 0, ticks: 1n, data: big }).enhancedPacket({ interfaceId: 0, ticks: 2n, data: ip }).finish();
    const r = new CaptureReader();
    const c = emptyCapture();
    let eventsBeforeEnd = 0;
    for (let i = 0; i < bytes.length; i += 1000) {
      const ev = r.push(bytes.subarray(i, i + 1000));
      eventsBeforeEnd += ev.length;
      for (const e of ev) applyCaptureEvent(c, e);
    }
    for (const e of r.end()) applyCaptureEvent(c, e);
    expect(c.problems).toEqual([]);
    expect(c.packets.map((p) => p.data.length)).toEqual([big.length, ip.length]);
    expect(toHex(c.packets[0]!.data)).toBe(toHex(big));
    expect(eventsBeforeEnd).toBe(c.packets.length + 3); // format, section, interface: all delivered while pushing
    expect(r.position).toBe(bytes.length);
  });

  it('packets arrive as soon as their block is complete, not at end()', () => {
    const bytes = new PcapngEncoder().sectionHeader().interfaceDescription({ linkType: LINKTYPE_RAW }).enhancedPacket({ interfaceId: 0, ticks: 1n, data: ip }).finish();
    const r = new CaptureReader();
    const head = r.push(bytes.subarray(0, bytes.length - 1));
    expect(head.some((e) => e.kind === 'packet')).toBe(false);
    expect(r.push(bytes.subarray(bytes.length - 1)).map((e) => e.kind)).toEqual(['packet']);
    expect(r.end()).toEqual([]);
  });
});
