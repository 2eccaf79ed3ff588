import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { dissectCommand } from '../../cli/dissect.ts';
import { CAPTURES_DIR } from '../../test/support/dissect-captures.ts';

// Hostile capture files end to end through `rtclab dissect`: block lengths that lie (huge, tiny, odd, a trailer
// that disagrees), zero-length and huge packets, empty and cut files, classic pcap records that lie. Each gives a
// message naming what is wrong and at which offset, keeps the packets read before it, and ends promptly with the
// exit code docs/dissect-json.md documents (0 read to the end, 1 the file is corrupt or truncated, 2 usage).

const dir = mkdtempSync(join(tmpdir(), 'rtclab-hostile-'));
const good = new Uint8Array(readFileSync(`${CAPTURES_DIR}stun-turn-coturn/slices/turn-scripted.pcapng`));
const view = new DataView(good.buffer, good.byteOffset, good.byteLength);

/** pcapng blocks of the good file (little-endian, as written by dumpcap on x86). */
const blocks: { at: number; type: number; len: number }[] = [];
for (let at = 0; at < good.length; at += view.getUint32(at + 4, true)) blocks.push({ at, type: view.getUint32(at, true), len: view.getUint32(at + 4, true) });
const epbs = blocks.filter((b) => b.type === 6);
const third = epbs[2]!; // packet 3 of 38

function file(name: string, bytes: Uint8Array): string {
  const f = join(dir, name);
  writeFileSync(f, bytes);
  return f;
}

function mutate(name: string, edit: (v: DataView) => void): string {
  const copy = good.slice();
  edit(new DataView(copy.buffer));
  return file(name, copy);
}

async function run(path: string, ...args: string[]): Promise<{ code: number; out: string[]; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await dissectCommand([path, ...args]);
    return { code, out: out.split('\n').filter((l) => l), err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** A classic pcap (LINKTYPE_ETHERNET, snaplen 65535) with records of the given captured lengths. */
function classic(records: { length: number; data: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const h = new DataView(new ArrayBuffer(24));
  h.setUint32(0, 0xa1b2c3d4, true);
  h.setUint16(4, 2, true);
  h.setUint16(6, 4, true);
  h.setUint32(16, 65535, true);
  h.setUint32(20, 1, true);
  parts.push(new Uint8Array(h.buffer));
  for (const r of records) {
    const d = new DataView(new ArrayBuffer(16));
    d.setUint32(8, r.length, true);
    d.setUint32(12, r.length, true);
    parts.push(new Uint8Array(d.buffer), r.data);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
const frame3 = good.slice(third.at + 28, third.at + 28 + view.getUint32(third.at + 20, true));

describe('hostile capture files through rtclab dissect', () => {
  it('a block total length of 2 GiB: an error naming the block and offset, the 2 packets before it kept', async () => {
    const r = await run(mutate('huge-block.pcapng', (v) => v.setUint32(third.at + 4, 0x7ffffffc, true)));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`error at offset ${third.at + 4}: Enhanced Packet Block at offset ${third.at} has block total length 2147483644`);
    expect(r.out).toHaveLength(2);
  });

  it('block lengths below the minimum, not a multiple of 4, or with a disagreeing trailer are errors at that block', async () => {
    const tiny = await run(mutate('tiny.pcapng', (v) => v.setUint32(third.at + 4, 8, true)));
    expect(tiny.err).toMatch(/block total length 8, less than the 12-byte minimum/);
    const odd = await run(mutate('odd.pcapng', (v) => v.setUint32(third.at + 4, third.len + 2, true)));
    expect(odd.err).toMatch(/not a multiple of 4/);
    const trailer = await run(mutate('trailer.pcapng', (v) => v.setUint32(third.at + third.len - 4, third.len + 4, true)));
    expect(trailer.err).toMatch(new RegExp(`trailing block total length ${third.len + 4} differs from the leading ${third.len}`));
    for (const r of [tiny, odd, trailer]) {
      expect(r.code).toBe(1);
      expect(r.out).toHaveLength(2);
    }
  });

  it('a zero-length packet is a warning and an empty frame in the list; the rest of the file is read', async () => {
    const r = await run(mutate('zero.pcapng', (v) => v.setUint32(third.at + 20, 0, true)));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/zero-length frame/);
    expect(r.out).toHaveLength(38);
    expect(r.out[2]).toMatch(/empty frame \(0 bytes captured\)/);
  });

  it('a captured length that does not fit its block skips that packet with a warning', async () => {
    const r = await run(mutate('caplen.pcapng', (v) => v.setUint32(third.at + 20, 0x10000000, true)));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/captured length 268435456 does not fit the block .*packet skipped/);
    expect(r.out).toHaveLength(37);
  });

  it('empty, cut inside the first header, and zero-length section header: errors at offset 0–4, nothing printed', async () => {
    for (const [name, bytes, message] of [
      ['empty.pcapng', new Uint8Array(0), /empty input/],
      ['short.pcapng', good.subarray(0, 10), /file ends inside a block header at offset 0/],
      ['shb0.pcapng', (() => { const c = good.slice(); new DataView(c.buffer).setUint32(4, 0, true); return c; })(), /Section Header Block at offset 0 has block total length 0/],
    ] as const) {
      const r = await run(file(name, bytes));
      expect(r.code, name).toBe(1);
      expect(r.err, name).toMatch(message);
      expect(r.out, name).toEqual([]);
    }
  });

  it('classic pcap: a zero-length record, a 300 kB packet over the snaplen, and a record claiming 4 GiB', async () => {
    const big = new Uint8Array(300_000);
    big.set(frame3);
    const r = await run(file('records.pcap', classic([{ length: 0, data: new Uint8Array(0) }, { length: big.length, data: big }, { length: frame3.length, data: frame3 }, { length: 0xfffffff0, data: frame3 }])), '--json');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/zero-length frame/);
    expect(r.err).toMatch(/captured length 300000 exceeds the snaplen 65535/);
    expect(r.err).toMatch(/packet record 3 at offset \d+ claims a captured length of 4294967280 bytes/);
    const packets = r.out.map((l) => JSON.parse(l) as { proto: string });
    expect(packets.map((p) => p.proto)).toEqual(['ETH', 'STUN', 'STUN']);
  });

  it('a directory or an unreadable key log is a usage error (exit 2)', async () => {
    expect((await run(dir)).code).toBe(2);
    expect((await run(`${CAPTURES_DIR}stun-turn-coturn/slices/turn-scripted.pcapng`, '--keylog', join(dir, 'missing.txt'))).code).toBe(2);
  });
});
