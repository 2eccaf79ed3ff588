import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demux, type DemuxResult } from './demux.ts';
import { capturedUdp } from './rtp/testing/capture-udp.ts';
import { CAPTURES_DIR } from '../../test/captures.ts';

const CAPTURES = CAPTURES_DIR;

describe('RFC 7983 demultiplexing by first byte', () => {
  const first = (b0: number, ...rest: number[]): DemuxResult => demux(Uint8Array.of(b0, ...rest, ...new Uint8Array(20)));

  it('maps each range boundary to its protocol', () => {
    const cases: [number, string][] = [
      [0, 'stun'], [3, 'stun'], [4, 'other'], [15, 'other'], [16, 'zrtp'], [19, 'zrtp'], [20, 'dtls'], [63, 'dtls'],
      [64, 'turn-channeldata'], [79, 'turn-channeldata'], [80, 'other'], [127, 'other'], [128, 'rtp'], [191, 'rtp'], [192, 'other'], [255, 'other'],
    ];
    expect(cases.map(([b]) => [b, first(b).class])).toEqual(cases);
  });

  it('tells RTCP from RTP by the second byte, 192–223 being RTCP (RFC 5761 §4)', () => {
    expect(first(0x80, 200).class).toBe('rtcp');
    expect(first(0x8f, 205).class).toBe('rtcp');
    expect(first(0x80, 223).class).toBe('rtcp');
    expect(first(0x80, 224).class).toBe('rtp'); // marker + PT 96
    expect(first(0x90, 111).class).toBe('rtp');
    expect(first(0x80, 191).class).toBe('rtp'); // marker + PT 63
  });

  it('explains its choice in words for the visualizer', () => {
    expect(first(0x16).reason).toBe('first byte 0x16 is in 20–63: DTLS (content type 22)');
    expect(first(0x90, 0x6f).reason).toContain('payload type 111');
    expect(first(0x80, 200).reason).toContain('RFC 5761');
    expect(first(0x2f)).toMatchObject({ class: 'dtls', dtls13Ciphertext: true });
    expect(demux(new Uint8Array(0))).toEqual({ class: 'empty', reason: 'empty UDP payload' });
  });

  it('calls 128–191 too short for an RTP or RTCP header "other"', () => {
    expect(demux(Uint8Array.of(0x80, 0x60, 0, 1, 0, 0, 0, 0)).class).toBe('other');
    expect(demux(Uint8Array.of(0x80, 0xc8, 0, 1, 0, 0, 0)).class).toBe('other');
    expect(demux(Uint8Array.of(0x80, 0xc8, 0, 1, 0, 0, 0, 0)).class).toBe('rtcp');
  });

  it('keeps the first-byte class but voices doubt when STUN or ChannelData do not look right', () => {
    const stunLike = new Uint8Array(20);
    stunLike[1] = 1;
    expect(demux(stunLike)).toMatchObject({ class: 'stun', doubt: expect.stringContaining('magic cookie') });
    const stun = Uint8Array.of(0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, ...new Uint8Array(12));
    expect(demux(stun).doubt).toBeUndefined();
    expect(demux(Uint8Array.of(0x40, 0, 0, 8, 1, 2))).toMatchObject({ class: 'turn-channeldata', doubt: expect.stringContaining('length 8') });
    expect(demux(Uint8Array.of(0x40, 0, 0, 2, 1, 2)).doubt).toBeUndefined();
  });
});

/** The truth files' class names (extract_truth.py's rfc7983()). */
function truthName(r: DemuxResult): string {
  if (r.class === 'dtls') return r.dtls13Ciphertext ? 'dtls13_ciphertext' : 'dtls';
  return r.class.replace('-', '_');
}

function truthFiles(): { truth: string; pcap: string }[] {
  if (!existsSync(CAPTURES)) return [];
  const out: { truth: string; pcap: string }[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('truth.json')) {
        const file = (JSON.parse(readFileSync(p, 'utf8')) as { file: string }).file;
        if (existsSync(join(dir, file))) out.push({ truth: p, pcap: join(dir, file) });
      }
    }
  };
  walk(CAPTURES);
  return out.sort((a, b) => a.truth.localeCompare(b.truth));
}

describe('every UDP payload of the shared captures is classified as the truth files say', () => {
  const files = truthFiles();
  it('finds the shared captures', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });
  it.each(files.map((f) => [f.truth.slice(CAPTURES.length), f] as const))('%s', (_name, f) => {
    const truth = JSON.parse(readFileSync(f.truth, 'utf8')) as { rfc7983_demux: { counts: Record<string, number> } };
    const counts: Record<string, number> = {};
    const add = (k: string): void => {
      counts[k] = (counts[k] ?? 0) + 1;
    };
    for (const u of capturedUdp(new Uint8Array(readFileSync(f.pcap)))) {
      const r = demux(u.payload);
      add(truthName(r));
      if (r.class === 'turn-channeldata' && u.payload.length >= 4) {
        const len = (u.payload[2]! << 8) | u.payload[3]!;
        add(`channeldata_inner:${truthName(demux(u.payload.subarray(4, 4 + len)))}`);
      }
    }
    expect(counts).toEqual(truth.rfc7983_demux.counts);
  });
});
