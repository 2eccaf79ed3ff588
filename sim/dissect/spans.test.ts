import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../wire/pcap/index.ts';
import { decodeIpDatagram } from '../wire/ip/datagram.ts';
import { packetToJson } from './json.ts';
import { Dissector } from './dissector.ts';
import { captureCases } from '../../test/support/dissect-captures.ts';

// The packet list's fast path (ONE codec layer): the same decoders with span recording off give the same values,
// summaries, problems and JSON; only the field spans are missing.

describe('dissecting without field spans', () => {
  for (const c of captureCases()) {
    it(`${c.name}: same packets, summaries, problems and JSON as with spans`, () => {
      const cap = readCapture(new Uint8Array(readFileSync(c.file)));
      const keyLog = c.keyLogFile ? readFileSync(c.keyLogFile, 'utf8') : undefined;
      const full = new Dissector(keyLog ? { keyLog } : {});
      const fast = new Dissector({ ...(keyLog ? { keyLog } : {}), spans: false });
      let spans = 0;
      for (const p of cap.packets) {
        const meta = { index: p.index, linkType: p.linkType, t: p.time?.us ?? 0 };
        const a = full.packet(p.data, meta);
        const b = fast.packet(p.data, meta);
        expect(packetToJson(b, { no: p.index + 1, ts: 0 })).toEqual(packetToJson(a, { no: p.index + 1, ts: 0 }));
        spans += a.layers.reduce((n, l) => n + l.fields.length, 0);
        // reader-built spans are gone: what remains is built by hand around decoders (a few per layer at most)
        expect(b.layers.reduce((n, l) => n + l.fields.length, 0)).toBeLessThan(a.layers.reduce((n, l) => n + l.fields.length, 0) || 1);
      }
      expect(spans).toBeGreaterThan(cap.packets.length);
    });
  }

  it('is an option of each decode, not a setting left behind: a decode without spans leaves the next one with them', () => {
    const ip = new Uint8Array([0x45, 0, 0, 20, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    expect(decodeIpDatagram(ip, 0, false).fields).toEqual([]);
    expect(decodeIpDatagram(ip).fields.length).toBeGreaterThan(5);
  });

  it('one dissector gives one packet spans and the next none (the packet shown in detail, then the list)', () => {
    const c = captureCases()[0]!;
    const cap = readCapture(new Uint8Array(readFileSync(c.file)));
    const d = new Dissector({ spans: false });
    const [p0, p1] = cap.packets;
    const meta = (p: typeof p0) => ({ index: p!.index, linkType: p!.linkType, t: p!.time?.us ?? 0 });
    const a = d.packet(p0!.data, { ...meta(p0), spans: true });
    const b = d.packet(p1!.data, meta(p1));
    expect(a.layers.reduce((n, l) => n + l.fields.length, 0)).toBeGreaterThan(5);
    expect(b.layers.reduce((n, l) => n + l.fields.length, 0)).toBeLessThan(4);
  });
});
