import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Rng } from '../core/rng.ts';
import { encodeUdpDatagram } from '../wire/ip/udp-datagram.ts';
import { readCapture } from '../wire/pcap/index.ts';
import { dissectCommand } from '../../cli/dissect.ts';
import { dissectPacket } from './dissect.ts';
import { Dissector } from './dissector.ts';
import type { DissectedPacket, Layer } from './types.ts';
import { CAPTURES_DIR } from '../../test/support/dissect-captures.ts';

// Hostile input: lies in length fields, truncation, garbage, huge and empty packets. The dissector never throws,
// reports problems, keeps every span inside the packet, and the CLI turns a broken file into an error message.

function spansInside(p: DissectedPacket, size: number): void {
  const check = (l: Layer): void => {
    expect(l.offset).toBeGreaterThanOrEqual(0);
    expect(l.offset + l.length).toBeLessThanOrEqual(size);
  };
  for (const l of p.layers) if (!l.plaintext) check(l);
  for (const pr of p.problems) expect(pr.offset).toBeLessThanOrEqual(size);
}

const udp = (payload: Uint8Array) => encodeUdpDatagram({ src: '192.0.2.1', dst: '198.51.100.2', srcPort: 5000, dstPort: 3478, payload });

describe('hostile packets', () => {
  it('an empty datagram is a problem, not an exception', () => {
    const p = dissectPacket(new Uint8Array(0));
    expect(p.problems.length).toBeGreaterThan(0);
  });

  it('an IPv4 header cut short is reported as truncated', () => {
    const full = udp(new Uint8Array(8));
    const p = dissectPacket(full.subarray(0, 12));
    expect(p.problems.length).toBeGreaterThan(0);
    spansInside(p, 12);
  });

  it('a STUN attribute whose length runs past the message is a problem and the rest still decodes', () => {
    const stun = new Uint8Array([0, 1, 0, 8, 0x21, 0x12, 0xa4, 0x42, ...new Array(12).fill(7), 0x80, 0x22, 0x00, 0x40, 0x61, 0x62, 0x63, 0x64]);
    const p = dissectPacket(udp(stun));
    expect(p.protocol).toBe('STUN');
    expect(p.problems.some((x) => /runs past/.test(x.message))).toBe(true);
  });

  it('a DTLS record length that lies is a problem', () => {
    const rec = new Uint8Array([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x00, 1, 2, 3]);
    const p = dissectPacket(udp(rec));
    expect(p.protocol).toBe('DTLS');
    expect(p.problems.length).toBeGreaterThan(0);
  });

  it('ChannelData inside ChannelData stops after one level', () => {
    const inner = new Uint8Array([0x40, 0x01, 0x00, 0x04, 0x40, 0x02, 0x00, 0x00]);
    const outer = new Uint8Array([0x40, 0x00, 0x00, inner.length, ...inner]);
    const p = dissectPacket(udp(outer));
    expect(p.layers.filter((l) => l.protocol === 'TURN-CHANNELDATA').length).toBe(2);
    expect(p.layers[p.layers.length - 1]!.protocol).toBe('DATA');
  });

  it('a 65507-byte UDP payload of zeros dissects', () => {
    const p = dissectPacket(udp(new Uint8Array(65507)));
    spansInside(p, 65535);
  });

  it('ten thousand mutations of real packets never throw and keep spans inside the packet', () => {
    const cap = readCapture(new Uint8Array(readFileSync(`${CAPTURES_DIR}chromium-loopback-call/chromium-host.pcapng`)));
    const turn = readCapture(new Uint8Array(readFileSync(`${CAPTURES_DIR}stun-turn-coturn/stun-turn-coturn.pcapng`)));
    const seeds = [...cap.packets.slice(0, 60), ...turn.packets].map((p) => p.data.subarray(p.link.ipOffset!));
    const rng = Rng.fromSeed(6).fork('hostile');
    const d = new Dissector();
    for (let i = 0; i < 10000; i++) {
      const b = rng.pick(seeds).slice();
      const cut = rng.chance(0.3) ? rng.int(0, b.length + 1) : b.length;
      const m = b.subarray(0, cut);
      for (let k = rng.int(1, 5); k > 0 && m.length > 0; k--) m[rng.int(0, m.length)] = rng.int(0, 256);
      const p = d.packet(m, { index: i, t: i });
      spansInside(p, m.length);
    }
  });
});

describe('rtclab dissect on broken files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtclab-dissect-'));
  const run = async (file: string, ...args: string[]) => {
    let out = '';
    let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    try {
      return { code: await dissectCommand([file, ...args]), out, err };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  };
  const good = readFileSync(`${CAPTURES_DIR}stun-turn-coturn/slices/turn-scripted.pcapng`);

  it('prints one JSON object per packet', async () => {
    const r = await run(`${CAPTURES_DIR}stun-turn-coturn/slices/turn-scripted.pcapng`, '--json');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(38);
    expect(lines[0]).toMatchObject({ no: 1, proto: 'STUN' });
  });

  it('a file with the wrong magic is an error', async () => {
    const f = join(dir, 'garbage.pcapng');
    writeFileSync(f, 'definitely not a capture file');
    const r = await run(f);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not a pcap or pcapng/);
  });

  it('a truncated file loads the packets before the cut and says where it ends', async () => {
    const f = join(dir, 'truncated.pcapng');
    writeFileSync(f, good.subarray(0, Math.floor(good.length / 2)));
    const r = await run(f);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/truncated/);
    expect(r.out.trim().split('\n').length).toBeGreaterThan(5);
  });

  it('garbage after a valid file is reported, the packets before it kept', async () => {
    const f = join(dir, 'trailing.pcapng');
    writeFileSync(f, Buffer.concat([good, Buffer.from('junk junk junk junk')]));
    const r = await run(f);
    expect(r.err.length).toBeGreaterThan(0);
    expect(r.out.trim().split('\n').length).toBe(38);
  });

  it('a missing file is a usage error', async () => {
    const r = await run(join(dir, 'nope.pcapng'));
    expect(r.code).toBe(2);
  });
});
