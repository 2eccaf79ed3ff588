// Hostile input: thousands of mutated real-shaped datagrams and random bytes through every decoder and the
// reassembler. Nothing may throw, and no field span may point outside the buffer.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import type { Field } from '../field.ts';
import { decodeTcpDatagram } from '../tcp/tcp-datagram.ts';
import { encodeTcpSegment } from '../tcp/tcp.ts';
import { decodeUdpDatagram } from './datagram.ts';
import { encodeIPv4 } from './ipv4.ts';
import { encodeIPv6 } from './ipv6.ts';
import { IpReassembler } from './reassembly.ts';
import { encodeUdpDatagram, peekUdpDatagram } from './udp-datagram.ts';

const seeds = (): Uint8Array[] => {
  const payload = Uint8Array.from({ length: 40 }, (_, i) => i);
  return [
    encodeUdpDatagram({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, payload }),
    encodeUdpDatagram({ src: 'fd00::1', dst: 'fd00::2', srcPort: 1, dstPort: 2, payload }),
    encodeIPv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, options: new Uint8Array([148, 4, 0, 0, 68, 8, 5, 0, 0, 0, 0, 0]) }, payload),
    encodeIPv6({ src: 'fd00::1', dst: 'fd00::2', nextHeader: 17, extensionHeaders: [
      { type: 'hop-by-hop', options: new Uint8Array([0xc2, 4, 0, 0, 1, 0]) },
      { type: 'routing', routingType: 3, segmentsLeft: 1, data: new Uint8Array(12) },
      { type: 'fragment', fragmentOffset: 0, moreFragments: true, identification: 5 },
      { type: 'destination-options', options: new Uint8Array([1, 0]) },
    ] }, payload),
    encodeTcpSegment({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, flags: ['SYN'], options: [{ kind: 'mss', mss: 1 }, { kind: 'sack', blocks: [{ left: 1, right: 2 }] }, { kind: 'timestamps', tsval: 1, tsecr: 2 }], payload }),
    encodeTcpSegment({ src: 'fd00::1', dst: 'fd00::2', srcPort: 1, dstPort: 2, flags: ['ACK'], options: [{ kind: 'window-scale', shift: 3 }], payload }),
  ];
};

function inBounds(fields: readonly Field[], length: number, where: string): void {
  for (const f of fields) {
    if (f.offset < 0 || f.length < 0 || f.offset + f.length > length) throw new Error(`${where}: field ${f.name} at ${f.offset}+${f.length} outside ${length} bytes`);
    if (f.children) inBounds(f.children, length, where);
  }
}

function everything(bytes: Uint8Array, r: IpReassembler, now: number, where: string): void {
  const u = decodeUdpDatagram(bytes);
  inBounds(u.fields, bytes.length, where);
  for (const p of u.problems) expect(p.offset + p.length, where).toBeLessThanOrEqual(bytes.length);
  if (u.payload) expect(u.payloadOffset! + u.payload.length).toBeLessThanOrEqual(bytes.length);
  const t = decodeTcpDatagram(bytes);
  inBounds(t.fields, bytes.length, where);
  peekUdpDatagram(bytes);
  const out = r.push(now, bytes);
  if (out.kind === 'complete') inBounds(decodeUdpDatagram(out.datagram).fields, out.datagram.length, `${where} reassembled`);
}

describe('malformed input never throws', () => {
  it('survives 6000 mutated datagrams (bytes flipped, lengths lying, cut short)', () => {
    const rng = Rng.fromSeed(7).fork('ip-fuzz');
    const base = seeds();
    const r = new IpReassembler({ maxDatagrams: 8, maxBytes: 16384 });
    for (let i = 0; i < 6000; i++) {
      const pick = base[rng.int(0, base.length)]!;
      const b = pick.slice();
      const flips = rng.int(1, 5);
      // mostly the headers, where the lengths and offsets live
      for (let k = 0; k < flips; k++) b[rng.int(0, Math.min(b.length, 81))] = rng.int(0, 256);
      const cut = rng.chance(0.3) ? b.subarray(0, rng.int(0, b.length + 1)) : b;
      everything(cut, r, i, `case ${i}`);
    }
    r.expire(1e12);
    expect(r.pending).toBe(0);
  });

  it('survives random bytes that claim to be IPv4 or IPv6', () => {
    const rng = Rng.fromSeed(8).fork('ip-noise');
    const r = new IpReassembler();
    for (let i = 0; i < 3000; i++) {
      const b = rng.bytes(rng.int(0, 121));
      if (b.length > 0) b[0] = (rng.chance(0.5) ? 0x40 : 0x60) | (b[0]! & 0x0f);
      everything(b, r, i, `noise ${i}`);
    }
  });
});
