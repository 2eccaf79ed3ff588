// PLPMTUD for SCTP (RFC 8899 §5, §6.2; RFC 8261 §5): HEARTBEAT+PAD probes of exact sizes find the largest packet a
// path carries, DATA is built to it, a path smaller than BASE_PLPMTU falls back to MIN_PLPMTU (ERROR) and large
// messages still arrive, a path that shrinks is caught by black-hole detection, and without the option nothing probes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { encodeIPv4 } from '../wire/ip/ipv4.ts';
import { decodeSctpPacket } from '../wire/sctp/decode.ts';
import { writePcap } from '../wire/pcap/pcap-writer.ts';
import { tsharkAvailable } from '../../test/support/tshark.ts';
import { SECOND } from '../core/time.ts';
import type { SctpChunk } from '../wire/sctp/chunk.ts';
import { chunkWireLength } from '../wire/sctp/encode.ts';
import { ChunkType } from '../wire/sctp/names.ts';
import { Plpmtud } from './plpmtud.ts';
import { SctpPair } from './test-pair.ts';

const size = (chunks: readonly SctpChunk[]): number => 12 + chunks.reduce((n, c) => n + chunkWireLength(c), 0);
const isProbe = (chunks: readonly SctpChunk[]): boolean => chunks[0]?.kind === 'HEARTBEAT' && chunks[1]?.kind === 'other' && chunks[1].type === ChunkType.PAD;

/** A pair whose path from a to b carries SCTP packets of at most `path()` bytes (b's answers always pass). */
function pair(path: () => number, plpmtud = {}): SctpPair {
  return new SctpPair({ a: { plpmtud }, b: {} }, 20_000, (_n, from, chunks) => from === 'a' && size(chunks) > path());
}

const probes = (p: SctpPair) => p.wire.filter((w) => w.from === 'a' && isProbe(w.chunks)).map((w) => [size(w.chunks), w.dropped ? 'lost' : 'acked']);

describe('SCTP PLPMTUD (RFC 8899)', () => {
  it('finds a 1400-byte path: BASE 1200, up by 32 to 1392, 1424 lost 3 times, up by 4 to 1400, 1404 lost 3 times', () => {
    const p = pair(() => 1400);
    p.a.connect(0);
    p.run(30 * SECOND);
    const sizes = probes(p);
    expect(sizes).toEqual([
      ...[1200, 1232, 1264, 1296, 1328, 1360, 1392].map((s) => [s, 'acked']),
      [1424, 'lost'], [1424, 'lost'], [1424, 'lost'],
      [1396, 'acked'], [1400, 'acked'],
      [1404, 'lost'], [1404, 'lost'], [1404, 'lost'],
    ]);
    expect(p.a.pl?.state).toBe('search-complete');
    expect(p.a.pl?.plpmtu).toBe(1400);
    expect(p.notes('a', 'sctp.plpmtud')).toEqual([
      'PLPMTUD base → search, PLPMTU 1200 (BASE_PLPMTU 1200 confirmed; RFC 8899 §5.2)',
      'PLPMTUD search → search-complete, PLPMTU 1400 (3 probes of 1404 lost; RFC 8899 §5.2)',
    ]);
    // a probe packet is exactly its size: the PAD chunk fills it; the peer skips PAD silently
    expect(p.notes('b', 'sctp.malformed')).toEqual([]);
    // and then DATA is built to 1400 bytes: a 10,000-byte message in 1400-byte packets but the last
    expect(p.a.send(p.now, 1, 51, new Uint8Array(10_000).fill(0x61))).toBe(true);
    p.run(p.now + 5 * SECOND);
    const data = p.wire.filter((w) => w.from === 'a' && w.chunks.some((c) => c.kind === 'DATA')).map((w) => size(w.chunks));
    expect(data.slice(0, -1).every((s) => s === 1400)).toBe(true);
    expect(data.reduce((n, s) => n + s - 28, 0)).toBe(10_000);
    expect(p.messages('b')).toHaveLength(1);
  });

  it('a path smaller than BASE_PLPMTU: 3 probes of 1200 lost, ERROR at MIN_PLPMTU 512, and a 3000-byte message still arrives', () => {
    const p = pair(() => 1000);
    p.a.connect(0);
    p.run(10 * SECOND);
    expect(probes(p).slice(0, 3)).toEqual([[1200, 'lost'], [1200, 'lost'], [1200, 'lost']]);
    expect(p.a.pl?.state).toBe('error');
    expect(p.a.pl?.plpmtu).toBe(512);
    p.a.send(p.now, 1, 51, new Uint8Array(3000).fill(0x62));
    p.run(p.now + 5 * SECOND);
    const data = p.wire.filter((w) => w.from === 'a' && w.chunks.some((c) => c.kind === 'DATA'));
    expect(data.every((w) => !w.dropped && size(w.chunks) <= 512)).toBe(true);
    expect(p.messages('b')).toEqual(['b'.repeat(3000)]);
    // ERROR keeps probing BASE_PLPMTU, one probe per PROBE_TIMER
    expect(probes(p).slice(3).every(([s, r]) => s === 1200 && r === 'lost')).toBe(true);
  });

  it('black-hole detection: the path shrinks from 1400 to 1300, three confirmation probes are lost, BASE again, the search settles at 1300', () => {
    let path = 1400;
    const p = pair(() => path, { confirmInterval: 5 * SECOND });
    p.a.connect(0);
    p.run(20 * SECOND);
    expect(p.a.pl?.plpmtu).toBe(1400);
    path = 1300;
    p.run(60 * SECOND);
    expect(p.notes('a', 'sctp.plpmtud').slice(2)).toEqual([
      'PLPMTUD search-complete → base, PLPMTU 1200 (black hole: 3 probes of the PLPMTU 1400 lost; RFC 8899 §5.2)',
      'PLPMTUD base → search, PLPMTU 1200 (BASE_PLPMTU 1200 confirmed; RFC 8899 §5.2)',
      'PLPMTUD search → search-complete, PLPMTU 1300 (3 probes of 1304 lost; RFC 8899 §5.2)',
    ]);
    expect(p.a.pl?.plpmtu).toBe(1300);
    // confirmation probes of 1400 every 5 s until three are lost, then 1200, 1232 … 1296, 1328 ×3, 1300, 1304 ×3
    const after = probes(p).slice(probes(p).findIndex(([s, r]) => s === 1400 && r === 'lost'));
    expect(after.slice(0, 14).map(([s]) => s)).toEqual([1400, 1400, 1400, 1200, 1232, 1264, 1296, 1328, 1328, 1328, 1300, 1304, 1304, 1304]);
    // then SEARCH_COMPLETE confirms 1300 every 5 s
    expect(after.slice(14).every(([s, r]) => s === 1300 && r === 'acked')).toBe(true);
  });

  it('without the option no probe is sent and packets stay at the mtu option', () => {
    const p = new SctpPair();
    p.a.connect(0);
    p.run(5 * SECOND);
    p.a.send(p.now, 1, 51, new Uint8Array(5000));
    p.run(p.now + 5 * SECOND);
    expect(p.wire.some((w) => isProbe(w.chunks))).toBe(false);
    expect(p.a.pl).toBeUndefined();
    expect(Math.max(...p.wire.map((w) => size(w.chunks)))).toBe(1200);
  });
});

describe('Plpmtud state machine', () => {
  it('a Packet Too Big below the PLPMTU is a black hole: BASE again, never probing at or above the reported size', () => {
    const pl = new Plpmtud(0, { max: 1432 });
    const nonce = () => new Uint8Array(8);
    let t = 0;
    for (let i = 0; i < 8; i++) {
      const p = pl.poll(t, nonce)!;
      expect(pl.acknowledge(t, p.info)).toBe(true);
      t += 1000;
    }
    expect(pl.plpmtu).toBe(1424);
    pl.packetTooBig(t, 1350);
    expect([pl.state, pl.plpmtu, pl.probedSize]).toEqual(['base', 1200, 1200]);
    const sizes: number[] = [];
    for (let i = 0; i < 20 && pl.state !== 'search-complete'; i++) {
      const p = pl.poll(t, nonce);
      if (!p) break;
      sizes.push(p.size);
      if (p.size <= 1350) pl.acknowledge(t, p.info);
      t += 2 * SECOND;
    }
    expect(sizes.every((s) => s <= 1350)).toBe(true);
    expect(pl.plpmtu).toBe(1348);
  });
});

describe.runIf(tsharkAvailable())('tshark reads the probes', () => {
  it('each probe is one SCTP packet of exactly its size: HEARTBEAT then PAD, good CRC32c, nothing malformed', () => {
    const p = pair(() => 1400);
    p.a.connect(0);
    p.run(30 * SECOND);
    const sent = p.outputs.a.flatMap((o) => (o.type === 'transmit' && isProbe(decodeSctpPacket(o.bytes, { spans: false }).value?.chunks ?? []) ? [o.bytes] : []));
    expect(sent.map((b) => b.length)).toEqual(probes(p).map(([s]) => s));
    const file = join(mkdtempSync(join(tmpdir(), 'rtclab-plpmtud-')), 'probes.pcap');
    writeFileSync(file, writePcap(sent.map((b, i) => ({ seconds: i, fraction: 0, data: encodeIPv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 132 }, b) })), { linkType: 101 }));
    const rows = execFileSync('tshark', ['-r', file, '-n', '-o', 'sctp.checksum:CRC-32C', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-e', 'sctp.chunk_type', '-e', 'sctp.checksum.status', '-e', 'ip.len', '-e', '_ws.malformed'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(rows.map((r) => [r[0], r[1], Number(r[2]) - 20, r[3] ?? ''])).toEqual(sent.map((b) => ['4,132', '1', b.length, '']));
  });
});

describe('preset datachannel-small-mtu', () => {
  const { trace, summary } = runScenario(parseScenario(findPreset('datachannel-small-mtu')!.build()));

  it("bob's BASE probes die at alice's 1,250-byte link, ERROR at 512 bytes, and his 20,000-byte message arrives whole", () => {
    const pl = trace.notes.filter((n) => n.kind === 'sctp.plpmtud');
    expect(pl.map((n) => [n.source, n.text])).toEqual([['bob/webrtc-peer', 'bob: PLPMTUD base → error, PLPMTU 512 (3 probes of BASE_PLPMTU 1200 lost; RFC 8899 §5.2)']]);
    // every drop is a 1,265-byte datagram (a 1,200-byte probe in DTLS, UDP and IPv4) at the link before alice
    const drops = trace.hops.filter((h) => h.drop);
    expect(drops.length).toBeGreaterThanOrEqual(3);
    expect(drops.every((h) => h.bytes.length === 1265 && h.drop!.includes('exceeds the next-hop MTU'))).toBe(true);
    type Dc = Record<string, { channels: { label: string; messagesReceived: number; bytesReceived: number }[] }>;
    const files = (summary.datachannels as Dc)['alice/webrtc-peer']!.channels.find((c) => c.label === 'files')!;
    expect([files.messagesReceived, files.bytesReceived]).toEqual([1, 20000]);
    // the message's DATA left bob in packets of at most 512 bytes of SCTP (+37 DTLS, 8 UDP, 20 IPv4), none lost
    const big = trace.hops.filter((h) => h.from === 'bob' && h.bytes.length > 400 && h.bytes.length < 1265);
    expect(big.length).toBeGreaterThanOrEqual(42);
    expect(big.every((h) => h.bytes.length <= 512 + 37 + 28 && !h.drop)).toBe(true);
  });
});
