import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { peekUdpDatagram } from '../wire/ip/udp-datagram.ts';

describe('a LAN segment (switch)', () => {
  const { trace } = runScenario(parseScenario(findPreset('lan-segment')!.build()));

  it('carries a datagram between two hosts of the segment directly, unchanged, TTL untouched', () => {
    const bobToAlice = trace.hops.filter((h) => h.packet === trace.hops.find((x) => x.from === 'bob')!.packet);
    expect(bobToAlice.map((h) => `${h.from}→${h.to}`)).toEqual(['bob→lan', 'lan→alice']);
    expect(bobToAlice[0]!.bytes).toEqual(bobToAlice[1]!.bytes);
    const v = peekUdpDatagram(bobToAlice[1]!.bytes);
    expect('error' in v ? v.error : v.ttl).toBe(64);
  });

  it('passes traffic for the outside up to the gateway, where the NAT translates it', () => {
    const first = trace.hops.filter((h) => h.packet === 1);
    expect(first.map((h) => h.link)).toEqual(['alice-lan', 'lan-uplink', 'natA-wan', 'server-wan']);
    const wan = peekUdpDatagram(first[2]!.bytes);
    expect('error' in wan ? wan.error : wan.src).toBe('203.0.113.10');
  });
});
