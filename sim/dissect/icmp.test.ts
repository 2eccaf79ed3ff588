import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toHex } from '../core/encoding.ts';
import { encodeIcmp } from '../wire/icmp/icmp.ts';
import { parseIPv4 } from '../wire/ip/address.ts';
import { encodeIPv4 } from '../wire/ip/ipv4.ts';
import { IPPROTO } from '../wire/ip/protocols.ts';
import { encodeUdp } from '../wire/ip/udp.ts';
import { encodeStun, Method } from '../wire/stun/index.ts';
import { capturePath } from '../../test/captures.ts';
import { dissectFile } from '../../test/support/dissect-captures.ts';
import { dissectPacket } from './dissect.ts';
import { Dissector } from './dissector.ts';
import { packetToJson } from './json.ts';
import type { DissectedPacket, Layer } from './types.ts';

// ICMP and ICMPv6 (RFC 792, RFC 4443) registered on IP protocol numbers 1 and 58, an error's quoted datagram
// dissected as far as its bytes go; checked field by field against tshark's decode of a real Linux NAT's capture
// (captures/icmp-linux-nat: ping, port unreachable, TTL expiry, fragmentation needed, packet too big, both families).

interface TruthFrame {
  frame: number;
  family: 4 | 6;
  type: number;
  code: number;
  checksumGood: boolean;
  identifier?: number;
  sequence?: number;
  mtu?: number;
  addresses: [string, string][];
  quotedPorts: number[];
  quotedStun: { type: string; transactionId: string }[];
}

const truth = JSON.parse(readFileSync(capturePath('icmp-linux-nat', 'truth.json'), 'utf8')) as { packet_count: number; frames: TruthFrame[] };
const capture = dissectFile(capturePath('icmp-linux-nat', 'icmp-linux-nat.pcapng'));

const icmpOf = (p: DissectedPacket): Layer | undefined => p.layers.find((l) => l.protocol === 'ICMP' || l.protocol === 'ICMPv6');

function addresses(p: DissectedPacket): [string, string][] {
  return p.layers.flatMap((l): [string, string][] => ((l.protocol === 'IPv4' || l.protocol === 'IPv6') && l.value ? [[l.value.src, l.value.dst]] : []));
}

describe('ICMP from a real Linux NAT, against tshark', () => {
  it('has the frames tshark has, every ICMP message among them, and no problem on any', () => {
    expect(capture.packets).toHaveLength(truth.packet_count);
    expect(capture.packets.filter((p) => icmpOf(p.d)).length).toBe(truth.frames.length);
    expect(capture.packets.filter((p) => p.d.problems.length).map((p) => p.raw.index + 1)).toEqual([]);
  });

  for (const t of truth.frames) {
    it(`frame ${t.frame}: ICMPv${t.family === 4 ? '4' : '6'} type ${t.type} code ${t.code}`, () => {
      const p = capture.packets[t.frame - 1]!.d;
      const l = icmpOf(p);
      expect(l?.protocol).toBe(t.family === 4 ? 'ICMP' : 'ICMPv6');
      const m = l?.protocol === 'ICMP' || l?.protocol === 'ICMPv6' ? l.value : undefined;
      expect(m).toBeDefined();
      expect(m!.type).toBe(t.type);
      expect(m!.code).toBe(t.code);
      expect(m!.checksumStatus).toBe(t.checksumGood ? 'correct' : 'incorrect');
      expect(m!.identifier).toBe(t.identifier);
      expect(m!.sequence).toBe(t.sequence);
      expect(m!.mtu).toBe(t.mtu);
      // the outer addresses, then the quoted datagram's (rewritten by the NAT on the inside leg, RFC 5508 §4.2)
      expect(addresses(p)).toEqual(t.addresses);
      const udp = p.layers.flatMap((x) => (x.protocol === 'UDP' && x.quoted && x.value ? [x.value.srcPort, x.value.dstPort] : []));
      expect(udp).toEqual(t.quotedPorts);
      // tshark reads STUN in a quote only when the whole message is there; we read its header as far as it goes
      const stun = p.layers.flatMap((x) => (x.protocol === 'STUN' && x.quoted && x.value ? [x.value] : []));
      for (const [i, s] of t.quotedStun.entries()) {
        expect(toHex(stun[i]!.transactionId)).toBe(s.transactionId);
        expect(stun[i]!.method).toBe(Number(s.type) & 0x3eef);
      }
      if (m!.kind === 'error') expect(p.protocol, 'the packet is named by its ICMP layer, not by what it quotes').toBe(l!.protocol);
    });
  }

  it('names the error and ties it to the datagram it quotes, on both legs of the NAT', () => {
    const inside = capture.packets[43]!.d;
    const outside = capture.packets[45]!.d;
    expect(inside.summary).toBe('Destination Unreachable (Port Unreachable), quoting UDP 10.0.0.2:40000 → 203.0.113.2:3478: Binding Request');
    expect(outside.summary).toBe('Destination Unreachable (Port Unreachable), quoting UDP 203.0.113.1:40000 → 203.0.113.2:3478: Binding Request');
    expect(capture.packets[65]!.d.summary).toBe('Packet Too Big, MTU 1300, quoting UDP [fd00:1::2]:40000 → [fd00:2::2]:3478: Binding Request');
    // a quote cut short (576 bytes in all, RFC 1812 §4.3.2.3) says so, with no problem
    const frag = capture.packets[57]!.d;
    expect(frag.layers.find((l) => l.quoted)?.summary).toBe('10.0.0.2 → 203.0.113.2 UDP (quoted: the first 548 of 1400 bytes)');
    expect(frag.problems).toEqual([]);
  });

  it('writes the ICMP keys and marks the quoted layers in --json (docs/dissect-json.md)', () => {
    const j = packetToJson(capture.packets[57]!.d, { no: 58, ts: 0 });
    const layers = j.layers as { protocol: string; quoted?: boolean; [k: string]: unknown }[];
    expect(j.proto).toBe('ICMP');
    expect(layers.map((l) => [l.protocol, l.quoted ?? false])).toEqual([
      ['ETH', false],
      ['IPv4', false],
      ['ICMP', false],
      ['IPv4', true],
      ['UDP', true],
      ['STUN', true],
    ]);
    expect(layers[2]).toMatchObject({ type: 3, code: 4, typeName: 'Destination Unreachable', codeName: 'Fragmentation Needed and DF Set', kind: 'error', checksum: 'correct', mtu: 1300, bodyLength: 548 });
  });
});

describe('ICMP errors built here', () => {
  const A = '192.0.2.10';
  const B = '198.51.100.20';
  const bytes = (ip: string): Uint8Array => parseIPv4(ip)!;
  const stun = encodeStun({ method: Method.Binding, class: 'request', transactionId: new Uint8Array(12).fill(9), attributes: [] });
  const original = encodeIPv4({ src: A, dst: B, protocol: IPPROTO.UDP }, encodeUdp({ srcPort: 5000, dstPort: 3478 }, stun, { family: 4, src: bytes(A), dst: bytes(B), protocol: IPPROTO.UDP }));
  const error = (quote: Uint8Array): Uint8Array => encodeIPv4({ src: B, dst: A, protocol: IPPROTO.ICMP }, encodeIcmp({ family: 4, type: 3, code: 3, body: quote }));

  it('dissects RFC 792\'s minimum quote (the IP header and 64 bits): IP and the UDP header, no problem', () => {
    const p = dissectPacket(error(original.subarray(0, 28)));
    expect(p.layers.map((l) => `${l.protocol}${l.quoted ? ' (quoted)' : ''}`)).toEqual(['IPv4', 'ICMP', 'IPv4 (quoted)', 'UDP (quoted)']);
    expect(p.problems).toEqual([]);
    expect(p.summary).toBe('Destination Unreachable (Port Unreachable), quoting UDP 192.0.2.10:5000 → 198.51.100.20:3478');
    expect(p.flow).toBeUndefined();
    expect(p.src).toBe(B);
  });

  it('keeps a problem of a whole quote: a quoted datagram whose header is wrong is worth saying', () => {
    const bad = original.slice();
    bad[10] = bad[10]! ^ 0xff; // the quoted IPv4 header checksum
    const p = dissectPacket(error(bad));
    expect(p.problems.map((x) => x.message)).toEqual([expect.stringMatching(/bad header checksum/)]);
  });

  it('leaves the dissector\'s flow state alone: a quoted STUN request is not a packet of its flow', () => {
    const d = new Dissector();
    d.packet(error(original), { index: 0 });
    expect(d.flows.all()).toEqual([]);
    d.packet(original, { index: 1 });
    expect(d.flows.all().map((f) => f.packets)).toEqual([1]);
  });

  it('reads an echo with a bad checksum as a problem of the ICMP layer', () => {
    const echo = encodeIcmp({ family: 4, type: 8, identifier: 1, sequence: 1, body: new Uint8Array(4) });
    echo[8] = 1;
    const p = dissectPacket(encodeIPv4({ src: A, dst: B, protocol: IPPROTO.ICMP }, echo));
    expect(p.protocol).toBe('ICMP');
    expect(p.problems).toHaveLength(1);
    expect(p.problems[0]!.message).toMatch(/^bad ICMP checksum/);
  });
});
