import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsharkAvailable } from '../../../test/support/tshark.ts';
import { encodeIPv4 } from '../ip/ipv4.ts';
import { writePcap } from '../pcap/pcap-writer.ts';
import type { SctpChunk, SctpPacket } from './chunk.ts';
import { crc32c } from './crc32c.ts';
import { ChannelType, decodeDcep, describeDcep, encodeDcep } from './dcep.ts';
import { decodeSctpPacket } from './decode.ts';
import { describeChunk } from './describe.ts';
import { encodeSctpPacket } from './encode.ts';
import { Ppid } from './names.ts';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** One of every chunk kind the codec reads into fields, with the parameters WebRTC stacks send. */
const EVERY_CHUNK: readonly SctpChunk[] = [
  {
    kind: 'INIT',
    initiateTag: 0x11223344,
    arwnd: 131072,
    outboundStreams: 1024,
    inboundStreams: 1024,
    initialTsn: 1000,
    params: [{ kind: 'supported-extensions', chunkTypes: [0xc0, 0x82] }, { kind: 'forward-tsn-supported' }, { kind: 'zero-checksum-acceptable', edmid: 1 }],
  },
  { kind: 'INIT-ACK', initiateTag: 0x55667788, arwnd: 65536, outboundStreams: 16, inboundStreams: 16, initialTsn: 7, params: [{ kind: 'state-cookie', cookie: new Uint8Array(37).fill(9) }, { kind: 'forward-tsn-supported' }] },
  { kind: 'COOKIE-ECHO', cookie: new Uint8Array(37).fill(9) },
  { kind: 'COOKIE-ACK' },
  { kind: 'DATA', unordered: false, beginning: true, ending: true, tsn: 1000, streamId: 1, ssn: 0, ppid: Ppid.STRING, userData: text('hello') },
  { kind: 'DATA', immediate: true, unordered: true, beginning: true, ending: false, tsn: 1001, streamId: 3, ssn: 0, ppid: Ppid.BINARY, userData: Uint8Array.of(1, 2, 3) },
  { kind: 'SACK', cumulativeTsnAck: 1000, arwnd: 131000, gapBlocks: [{ start: 2, end: 3 }, { start: 5, end: 5 }], duplicateTsns: [999] },
  { kind: 'HEARTBEAT', info: Uint8Array.of(1, 2, 3, 4, 5) },
  { kind: 'HEARTBEAT-ACK', info: Uint8Array.of(1, 2, 3, 4, 5) },
  { kind: 'FORWARD-TSN', newCumulativeTsn: 1003, streams: [{ streamId: 1, ssn: 4 }] },
  {
    kind: 'RE-CONFIG',
    params: [
      { kind: 'outgoing-ssn-reset', requestSeq: 5, responseSeq: 4, lastTsn: 1002, streams: [1, 3] },
      { kind: 'reconfig-response', responseSeq: 9, result: 1 },
    ],
  },
  { kind: 'SHUTDOWN', cumulativeTsnAck: 1003 },
  { kind: 'SHUTDOWN-ACK' },
  { kind: 'SHUTDOWN-COMPLETE', reflected: false },
  { kind: 'ERROR', causes: [{ code: 1, info: Uint8Array.of(0, 9, 0, 0) }] },
  { kind: 'ABORT', reflected: true, causes: [{ code: 12, info: text('bye') }] },
];

function packet(chunks: readonly SctpChunk[]): SctpPacket {
  return { srcPort: 5000, dstPort: 5000, verificationTag: 0x11223344, chunks };
}

describe('SCTP common header and CRC32c (RFC 9260 §3.1, §6.8)', () => {
  it('computes the CRC32c check value of "123456789" (0xE3069283)', () => {
    expect(crc32c(text('123456789'))).toBe(0xe3069283);
  });

  it('writes the checksum least significant byte first, as Linux and usrsctp do (Appendix A)', () => {
    const b = encodeSctpPacket(packet([{ kind: 'COOKIE-ACK' }]));
    const d = decodeSctpPacket(b);
    expect(d.value?.checksumStatus).toBe('ok');
    const crc = crc32c(Uint8Array.from([...b.subarray(0, 8), 0, 0, 0, 0, ...b.subarray(12)]));
    expect([...b.subarray(8, 12)]).toEqual([crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24]);
  });

  it('reports a flipped bit as a bad checksum, and a zero checksum as RFC 9653 zero (an error when not negotiated)', () => {
    const b = encodeSctpPacket(packet([{ kind: 'COOKIE-ACK' }]));
    b[13] = b[13]! ^ 1;
    const bad = decodeSctpPacket(b);
    expect(bad.value?.checksumStatus).toBe('bad');
    expect(bad.problems[0]?.message).toMatch(/bad CRC32c/);
    const z = encodeSctpPacket(packet([{ kind: 'COOKIE-ACK' }]), { zeroChecksum: true });
    expect(decodeSctpPacket(z).value?.checksumStatus).toBe('zero');
    expect(decodeSctpPacket(z).problems).toEqual([]);
    expect(decodeSctpPacket(z, { zeroChecksumAllowed: false }).problems[0]?.message).toMatch(/Zero Checksum Acceptable was not negotiated/);
  });
});

describe('SCTP chunks round-trip', () => {
  for (const c of EVERY_CHUNK) {
    it(`${c.kind}: encode then decode gives the same chunk (${describeChunk(c)})`, () => {
      const b = encodeSctpPacket(packet([c]));
      expect(b.length % 4).toBe(0);
      const d = decodeSctpPacket(b);
      const alone = c.kind === 'INIT' || c.kind === 'INIT-ACK' || c.kind === 'SHUTDOWN-COMPLETE';
      expect(d.problems).toEqual([]);
      expect(d.value?.chunks).toEqual([c.kind === 'DATA' ? { immediate: false, ...c } : c]);
      expect(alone || d.fields.length > 0).toBe(true);
    });
  }

  it('bundles DATA after a SACK and reads both, with each chunk span padded to 4', () => {
    const b = encodeSctpPacket(packet([EVERY_CHUNK[6]!, EVERY_CHUNK[4]!]));
    const d = decodeSctpPacket(b);
    expect(d.value?.chunks.map((c) => c.kind)).toEqual(['SACK', 'DATA']);
    expect(d.value?.chunkSpans).toEqual([
      { offset: 12, length: 28 },
      { offset: 40, length: 24 },
    ]);
  });

  it('says when INIT is bundled with another chunk (RFC 9260 §6.10)', () => {
    const d = decodeSctpPacket(encodeSctpPacket(packet([EVERY_CHUNK[0]!, { kind: 'COOKIE-ACK' }])));
    expect(d.problems.map((p) => p.message)).toEqual([expect.stringMatching(/INIT bundled with other chunks/)]);
  });
});

describe('SCTP decoding of bad input never throws and names what is wrong', () => {
  it('a chunk length running past the packet ends the list, keeping the chunks before it', () => {
    const b = encodeSctpPacket(packet([{ kind: 'COOKIE-ACK' }, EVERY_CHUNK[4]!]));
    b[16 + 3] = 200; // the DATA chunk's length
    const d = decodeSctpPacket(b);
    expect(d.value?.chunks.map((c) => c.kind)).toEqual(['COOKIE-ACK']);
    expect(d.problems.some((p) => /DATA chunk length 200 runs past the packet/.test(p.message))).toBe(true);
  });

  it('a chunk length under the chunk type minimum is a problem (DATA needs 16)', () => {
    const b = encodeSctpPacket(packet([EVERY_CHUNK[4]!]));
    b[12 + 3] = 8;
    const d = decodeSctpPacket(b);
    expect(d.value?.chunks).toEqual([]);
    expect(d.problems.some((p) => /DATA chunk length 8 is under 16/.test(p.message))).toBe(true);
  });

  it('a SACK whose gap and duplicate counts lie about its length says so and reads what is there', () => {
    const b = encodeSctpPacket(packet([{ kind: 'SACK', cumulativeTsnAck: 5, arwnd: 1000, gapBlocks: [{ start: 2, end: 2 }], duplicateTsns: [] }]));
    b[12 + 12] = 0;
    b[12 + 13] = 40; // 40 gap blocks in a 20-byte chunk
    const d = decodeSctpPacket(b);
    const c = d.value?.chunks[0];
    expect(c?.kind === 'SACK' && c.gapBlocks).toEqual([{ start: 2, end: 2 }]);
    expect(d.problems.some((p) => /lying count/.test(p.message))).toBe(true);
  });

  it('a parameter length past its chunk is a problem naming the parameter', () => {
    const b = encodeSctpPacket(packet([EVERY_CHUNK[0]!]));
    b[12 + 20 + 3] = 99; // Supported Extensions' length
    const d = decodeSctpPacket(b);
    expect(d.problems.some((p) => /Supported Extensions parameter length 99 runs past its chunk/.test(p.message))).toBe(true);
  });

  it('a header shorter than 12 bytes gives no packet and one problem', () => {
    const d = decodeSctpPacket(Uint8Array.of(1, 2, 3));
    expect(d.value).toBeUndefined();
    expect(d.problems).toHaveLength(1);
  });

  it('20,000 random mutations of valid packets decode without throwing', () => {
    let s = 12345;
    const rnd = (n: number): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s % n;
    };
    const seeds = EVERY_CHUNK.map((c) => encodeSctpPacket(packet([c])));
    for (let i = 0; i < 20000; i++) {
      const b = seeds[rnd(seeds.length)]!.slice(0, 12 + rnd(80));
      for (let k = rnd(4); k >= 0; k--) if (b.length) b[rnd(b.length)] = rnd(256);
      expect(() => decodeSctpPacket(b, { spans: rnd(2) === 0 })).not.toThrow();
      expect(() => decodeDcep(b.subarray(12))).not.toThrow();
    }
  });
});

describe('DCEP (RFC 8832)', () => {
  it('round-trips DATA_CHANNEL_OPEN for every channel type, with a UTF-8 label and protocol', () => {
    for (const channelType of Object.values(ChannelType)) {
      const m = { kind: 'DATA_CHANNEL_OPEN' as const, channelType, priority: 256, reliabilityParameter: channelType & 0x7f ? 3 : 0, label: 'chat ✓', protocol: 'json' };
      const d = decodeDcep(encodeDcep(m));
      expect(d.problems).toEqual([]);
      expect(d.value).toEqual(m);
    }
    expect(describeDcep({ kind: 'DATA_CHANNEL_OPEN', channelType: 0x81, priority: 256, reliabilityParameter: 0, label: 'lossy', protocol: '' })).toBe('DATA_CHANNEL_OPEN "lossy" (unordered, max 0 retransmits)');
  });

  it('reads DATA_CHANNEL_ACK and names a label length that lies', () => {
    expect(decodeDcep(Uint8Array.of(2)).value).toEqual({ kind: 'DATA_CHANNEL_ACK' });
    const b = encodeDcep({ kind: 'DATA_CHANNEL_OPEN', channelType: 0, priority: 256, reliabilityParameter: 0, label: 'abc', protocol: '' });
    b[9] = 50;
    const d = decodeDcep(b);
    expect(d.problems.map((p) => p.message)).toEqual(expect.arrayContaining([expect.stringMatching(/label length 50/)]));
    expect(decodeDcep(Uint8Array.of(7)).problems[0]?.message).toMatch(/unknown DCEP message type 0x7/);
  });
});

describe.runIf(tsharkAvailable())('tshark reads our SCTP packets (raw IPv4, protocol 132)', () => {
  it('agrees on every chunk type, the DATA fields and that every CRC32c is right', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sctp-codec-'));
    const records = EVERY_CHUNK.map((c, i) => ({ seconds: i, fraction: 0, data: encodeIPv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 132 }, encodeSctpPacket(packet([c]))) }));
    const file = join(dir, 'sctp.pcap');
    writeFileSync(file, writePcap(records, { linkType: 101 }));
    const out = execFileSync(
      'tshark',
      ['-r', file, '-n', '-o', 'sctp.checksum:CRC-32C', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,', '-e', 'sctp.chunk_type', '-e', 'sctp.checksum.status', '-e', 'sctp.data_tsn_raw', '-e', 'sctp.data_sid', '-e', 'sctp.data_payload_proto_id', '-e', '_ws.malformed', '-e', '_ws.expert.message'],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    const types: Record<string, number> = { INIT: 1, 'INIT-ACK': 2, 'COOKIE-ECHO': 10, 'COOKIE-ACK': 11, DATA: 0, SACK: 3, HEARTBEAT: 4, 'HEARTBEAT-ACK': 5, 'FORWARD-TSN': 192, 'RE-CONFIG': 130, SHUTDOWN: 7, 'SHUTDOWN-ACK': 8, 'SHUTDOWN-COMPLETE': 14, ERROR: 9, ABORT: 6 };
    expect(out.map((r) => Number(r[0]))).toEqual(EVERY_CHUNK.map((c) => types[c.kind]));
    for (const r of out) {
      expect(r[1]).toBe('1'); // good
      expect(r[5] ?? '').toBe('');
      expect(r[6] ?? '').toBe('');
    }
    const data = out[4]!;
    expect([Number(data[2]), Number(data[3]), Number(data[4])]).toEqual([1000, 1, 51]);
  });
});
