// Real captures made with dumpcap (coturn, openssl DTLS, Chromium) are read as tshark reads them: the same packet
// count, link type, interface, nanosecond timestamps, lengths and IP addresses, frame by frame, whether the file
// arrives whole or in odd-sized chunks.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyCaptureEvent, emptyCapture, type Capture } from './capture.ts';
import { CaptureReader, readCapture } from './capture-reader.ts';
import { captureToTrace } from './capture-to-trace.ts';
import { LINKTYPE_ETHERNET } from './linktype.ts';
import { CAPTURES_DIR } from '../../../test/captures.ts';

const here = (f: string): string => fileURLToPath(new URL(`./testdata/${f}`, import.meta.url));

interface FileTruth {
  sha256: string;
  interface_name: string;
  /** tshark frames: epoch "s.nnnnnnnnn", cap_len, len, ip.src, ip.dst, ip.len */
  frames: [string, number, number, string, string, number][];
  truth: { source: string; packet_count: number; file_encapsulation: string; sha256: string | null };
}
const oracle = JSON.parse(readFileSync(here('tshark-frames.json'), 'utf8')) as { files: Record<string, FileTruth> };

const epochNs = (s: string): bigint => {
  const [sec, frac = ''] = s.split('.');
  return BigInt(sec!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0'));
};

function readInChunks(bytes: Uint8Array, size: number): Capture {
  const c = emptyCapture();
  const r = new CaptureReader();
  for (let i = 0; i < bytes.length; i += size) for (const e of r.push(bytes.subarray(i, i + size))) applyCaptureEvent(c, e);
  for (const e of r.end()) applyCaptureEvent(c, e);
  return c;
}

for (const [file, t] of Object.entries(oracle.files)) {
  describe(`${file} reads as tshark reads it`, () => {
    const bytes = new Uint8Array(readFileSync(here(file)));
    const c = readCapture(bytes);

    it('has no problem, the stated packet count and an Ethernet interface named lo', () => {
      expect(c.problems).toEqual([]);
      expect(c.format).toBe('pcapng');
      expect(c.packets.length).toBe(t.truth.packet_count);
      expect(c.packets.length).toBe(t.frames.length);
      expect(t.truth.file_encapsulation).toBe('ether');
      expect(c.interfaces.map((i) => [i.linkType, i.name])).toEqual([[LINKTYPE_ETHERNET, t.interface_name]]);
    });

    it('keeps nanosecond timestamps exact and lengths equal, frame by frame', () => {
      const ours = c.packets.map((p) => [p.time!.ns, p.capturedLength, p.originalLength]);
      const theirs = t.frames.map((f) => [epochNs(f[0]), f[1], f[2]]);
      expect(ours).toEqual(theirs);
      expect(c.packets.every((p) => p.time!.exact && p.time!.us === Number(p.time!.ns / 1000n))).toBe(true);
    });

    it('finds every IP datagram behind its Ethernet header', () => {
      const ours = c.packets.map((p) => {
        const ip = p.data.subarray(p.link.ipOffset ?? 0);
        return [p.link.ipOffset, p.link.ethertype, `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`, (ip[2]! << 8) | ip[3]!];
      });
      expect(ours).toEqual(t.frames.map((f) => [14, 0x0800, f[3], f[5]]));
    });

    it('gives the same events when pushed 7 bytes or 4 KiB at a time', () => {
      for (const size of [7, 4096]) {
        const s = readInChunks(bytes, size);
        expect(s.problems).toEqual([]);
        expect(s.packets.length).toBe(c.packets.length);
        expect(s.packets.map((p) => [p.offset, p.time!.ns, Array.from(p.data)])).toEqual(c.packets.map((p) => [p.offset, p.time!.ns, Array.from(p.data)]));
        expect(s.statistics).toEqual(c.statistics);
      }
    });

    it('becomes a trace with one hop per IP packet on link lo, trimmed to the IP total length', () => {
      const trace = captureToTrace(c, file);
      expect(trace.meta.source).toBe('capture');
      expect(trace.hops.length).toBe(t.frames.length);
      expect(trace.hops.map((h) => [h.link, h.from, h.to, h.bytes.length, h.packet])).toEqual(t.frames.map((f, i) => ['lo', f[3], f[4], f[5], i + 1]));
      expect(trace.hops[0]!.t).toBe(0);
      expect(trace.nodes.map((n) => n.name)).toEqual(['127.0.0.1']);
    });
  });
}

describe('the shared captures, when present, are the files the test data copied', () => {
  const shared = CAPTURES_DIR;
  it.skipIf(!existsSync(shared))('every truth file states the same packet count as the copy has', () => {
    for (const [file, t] of Object.entries(oracle.files)) {
      const truth = JSON.parse(readFileSync(shared + t.truth.source, 'utf8')) as { packet_count: number; capinfos: Record<string, string> };
      expect(readCapture(new Uint8Array(readFileSync(here(file)))).packets.length, file).toBe(truth.packet_count);
      expect(truth.capinfos['File encapsulation']).toBe('ether');
    }
  });
});
