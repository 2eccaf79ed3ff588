// The real capture of a TURN client behind a Linux firewall that drops UDP (captures/netns-udp-blocked): the
// diagnosis names UDP blocked for the Binding and the Allocate, cites exactly the frames tshark shows as the UDP
// requests (as many as the firewall's nftables counter dropped), says where they died (in0, never out0) and that TCP
// to the same server got a relay.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CAPTURES_DIR } from '../../test/captures.ts';
import { readCapture } from '../wire/pcap/capture-reader.ts';
import { diagnoseCapture } from './diagnose-capture.ts';

const DIR = `${CAPTURES_DIR}netns-udp-blocked/`;

describe('diagnosis of captures/netns-udp-blocked', () => {
  const { diagnosis } = diagnoseCapture(readCapture(new Uint8Array(readFileSync(`${DIR}netns-udp-blocked.pcapng`))));
  const truth = JSON.parse(readFileSync(`${DIR}netns-udp-blocked.tshark.json`, 'utf8')) as { stun: { frame: number; interface: string; transport: string; srcPort: number; type: string }[] };
  const udp = truth.stun.filter((r) => r.transport === 'UDP');

  it('the firewall dropped what tshark shows as UDP requests, all of them on in0', () => {
    const dropped = /counter packets (\d+)/.exec(readFileSync(`${DIR}logs/nft-ruleset.txt`, 'utf8'))![1];
    expect(udp).toHaveLength(Number(dropped));
    expect(new Set(udp.map((r) => r.interface))).toEqual(new Set(['in0']));
  });

  it('turn.udp-blocked for the Allocate: every transmission cited, dropped between in0 and out0, TCP relayed instead', () => {
    const allocate = udp.filter((r) => r.type === '0x0003');
    const f = diagnosis.findings.find((x) => x.cause === 'turn.udp-blocked')!;
    expect(f).toMatchObject({ severity: 'degradation', subject: `10.0.0.2:${allocate[0]!.srcPort}` });
    for (const r of allocate) expect(f.evidence.hops).toContain(r.frame - 1);
    expect(f.text).toContain(`1 transaction(s), ${allocate.length} transmission(s)`);
    expect(f.text).toContain('seen on in0 and never on out0, where TCP between the same hosts passed');
    expect(f.text).toContain('allocated a relay');
    expect(f.fix).toBe('let UDP from 10.0.0.2 to 203.0.113.2:3478 through the firewall between in0 and out0 (TURN over TCP works, at the cost of head-of-line blocking)');
  });

  it('stun.udp-blocked for the Binding request, and nothing else', () => {
    const binding = udp.find((r) => r.type === '0x0001')!;
    const f = diagnosis.findings.find((x) => x.cause === 'stun.udp-blocked')!;
    expect(f).toMatchObject({ severity: 'degradation', subject: `10.0.0.2:${binding.srcPort}` });
    expect(f.evidence.hops).toContain(binding.frame - 1);
    expect(diagnosis.findings.map((x) => x.cause).sort()).toEqual(['stun.udp-blocked', 'turn.udp-blocked']);
  });
});
