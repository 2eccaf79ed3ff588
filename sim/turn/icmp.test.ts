// RFC 8656 §11.5/§11.6: a TURN server hands an ICMP error about a datagram it relayed to a peer to its client, in a
// Data indication with XOR-PEER-ADDRESS and ICMP (no DATA), only when the allocation has a permission for the quoted
// destination; the client acts on it as on its own socket's error; tshark reads the attribute.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IcmpError } from '../core/endpoint.ts';
import { SECOND } from '../core/time.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { peekUdpDatagram, udpPayload } from '../wire/ip/udp-datagram.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { Data, decodeStun, getAttribute, Icmp, Method, XorPeerAddress } from '../wire/stun/index.ts';
import { Allocation } from './allocation.ts';
import { icmpErrorOfRelay } from './client-icmp.ts';
import type { TurnNote } from './notes.ts';
import { icmpErrorData, relayIcmpToClient, type IcmpRelayHost } from './server-icmp.ts';

const dir = mkdtempSync(join(tmpdir(), 'rtclab-turn-icmp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RELAYED = { ip: '198.51.100.20', port: 49152 };
const CLIENT = { ip: '203.0.113.10', port: 5000 };
const SERVER = { ip: '198.51.100.20', port: 3478 };
const PEER = { ip: '203.0.113.50', port: 7001 };

function bench(permission: boolean): { host: IcmpRelayHost; sent: Uint8Array[]; notes: TurnNote[] } {
  const alloc = new Allocation(CLIENT, SERVER, RELAYED, 'alice', 600 * SECOND, '', new Uint8Array(0));
  if (permission) alloc.permissions.set(PEER.ip, { ip: PEER.ip, expiresAt: 300 * SECOND, expiredNoted: false });
  const sent: Uint8Array[] = [];
  const notes: TurnNote[] = [];
  const host: IcmpRelayHost = {
    allocationAt: (r) => (r.ip === RELAYED.ip && r.port === RELAYED.port ? alloc : undefined),
    indicationId: () => new Uint8Array(12).fill(7),
    note: (n) => notes.push(n),
    transmit: (_from, to, bytes) => {
      expect(to).toEqual(CLIENT);
      sent.push(bytes);
    },
  };
  return { host, sent, notes };
}

const error = (over: Partial<IcmpError>): IcmpError => ({ from: PEER.ip, local: RELAYED, remote: PEER, kind: 'unreachable', error: 'Port Unreachable', type: 3, code: 3, family: 4, ...over });

describe('the TURN server relays ICMP errors (RFC 8656 §11.5)', () => {
  it('a Port Unreachable about a relayed datagram becomes a Data indication with XOR-PEER-ADDRESS and ICMP, no DATA', () => {
    const b = bench(true);
    expect(relayIcmpToClient(b.host, 1 * SECOND, error({}))).toBe(true);
    const m = decodeStun(b.sent[0]!).value!;
    expect([m.method, m.class]).toEqual([Method.Data, 'indication']);
    expect(getAttribute(m, XorPeerAddress)).toEqual(PEER);
    expect(getAttribute(m, Icmp)).toEqual({ type: 3, code: 3, data: 0 });
    expect(getAttribute(m, Data)).toBeUndefined();
    expect(b.notes.map((n) => n.kind)).toEqual(['turn.icmp.relayed']);
  });

  it('Fragmentation Needed and Packet Too Big carry the next-hop MTU as Error Data; other errors carry zero', () => {
    const b = bench(true);
    relayIcmpToClient(b.host, 1 * SECOND, error({ kind: 'too-big', error: 'Fragmentation needed (MTU 1280)', code: 4, mtu: 1280 }));
    expect(getAttribute(decodeStun(b.sent[0]!).value!, Icmp)).toEqual({ type: 3, code: 4, data: 1280 });
    expect(icmpErrorData(6, 2, 0, 1280)).toBe(1280);
    expect(icmpErrorData(4, 11, 0, undefined)).toBe(0);
    expect(icmpErrorData(4, 3, 3, 1400)).toBe(0);
  });

  it('the permission is looked up by the quoted destination, not by who sent the ICMP; without one nothing is sent', () => {
    const withPermission = bench(true);
    expect(relayIcmpToClient(withPermission.host, 1 * SECOND, error({ from: '192.0.2.1', kind: 'time-exceeded', error: 'Time to live exceeded in transit', type: 11, code: 0 }))).toBe(true);
    const without = bench(false);
    expect(relayIcmpToClient(without.host, 1 * SECOND, error({}))).toBe(false);
    expect(without.sent).toEqual([]);
    expect(without.notes[0]).toMatchObject({ kind: 'turn.icmp.dropped', data: { reason: 'no permission for 203.0.113.50 on 198.51.100.20:49152' } });
  });

  it('drops what §11.5 does not relay: other ICMP types, errors about no allocation, an expired permission', () => {
    const b = bench(true);
    expect(relayIcmpToClient(b.host, 1 * SECOND, error({ kind: 'other', error: 'Redirect', type: 5, code: 1 }))).toBe(false);
    expect(relayIcmpToClient(b.host, 1 * SECOND, error({ local: { ip: RELAYED.ip, port: 49153 } }))).toBe(false);
    expect(relayIcmpToClient(b.host, 400 * SECOND, error({}))).toBe(false);
    expect(b.sent).toEqual([]);
    expect(b.notes.map((n) => (n.data as { reason: string }).reason)).toEqual([
      'ICMP type 5 is not relayed',
      'no allocation holds 198.51.100.20:49153',
      'no permission for 203.0.113.50 on 198.51.100.20:49152',
    ]);
  });

  it('the client side reads the attribute back as the error its own socket would have had (RFC 8656 §11.6)', () => {
    expect(icmpErrorOfRelay(RELAYED, SERVER, { peer: PEER, via: 'icmp', icmp: { type: 3, code: 4, data: 1280 } })).toMatchObject({ local: RELAYED, remote: PEER, kind: 'too-big', mtu: 1280, error: expect.stringMatching(/\(MTU 1280\)$/) });
    expect(icmpErrorOfRelay(RELAYED, SERVER, { peer: { ip: '2001:db8::5', port: 7 }, via: 'icmp', icmp: { type: 1, code: 4, data: 0 } })).toMatchObject({ kind: 'unreachable', family: 6 });
  });
});

describe('preset turn-icmp-relay', () => {
  const { trace, summary } = runScenario(parseScenario(findPreset('turn-icmp-relay')!.build()));

  it('both Port Unreachables reach alice in Data indications, the second while channel 0x4000 is bound to that port', () => {
    const client = (summary.turn as { kind: string; errors?: string[] }[]).find((t) => t.kind === 'turn-client')!;
    expect(client.errors).toEqual([
      'ICMP Port Unreachable about 203.0.113.50:7001, relayed by the server',
      'ICMP Port Unreachable about 203.0.113.50:7001, relayed by the server',
    ]);
    const relayed = trace.notes.filter((n) => n.kind === 'turn.icmp.relayed');
    expect(relayed.map((n) => n.t)).toEqual([2_080_000, 4_080_000]);
    // the indications on alice's LAN link: Data, XOR-PEER-ADDRESS the closed port, ICMP 3/3, no DATA
    const onLan = trace.hops.filter((h) => h.link === 'alice-lan' && h.to === 'alice').flatMap((h) => {
      const v = peekUdpDatagram(h.bytes);
      if ('error' in v) return [];
      const m = decodeStun(udpPayload(h.bytes, v)).value;
      return m && m.method === Method.Data && getAttribute(m, Icmp) ? [m] : [];
    });
    expect(onLan.map((m) => [getAttribute(m, XorPeerAddress), getAttribute(m, Icmp), getAttribute(m, Data)])).toEqual([
      [PEER, { type: 3, code: 3, data: 0 }, undefined],
      [PEER, { type: 3, code: 3, data: 0 }, undefined],
    ]);
  });

  it('tshark finds the ICMP attribute in both indications with no malformed packet', () => {
    const file = join(dir, 'turn-icmp-relay.pcapng');
    writeFileSync(file, writePcapng(trace));
    const lines = execFileSync('tshark', ['-r', file, '-n', '-Y', 'stun.att.type == 0x8004', '-T', 'fields', '-E', 'separator=|', '-e', 'stun.type', '-e', 'stun.att.port', '-e', 'stun.att.crc32.status'], { encoding: 'utf8' }).split('\n').filter((l) => l);
    // every hop of the two indications: turn → internet → natA → alice
    expect(lines.length).toBe(2 * 3);
    for (const l of lines) expect(l).toBe('0x0017|7001|1');
    const malformed = execFileSync('tshark', ['-r', file, '-n', '-Y', '_ws.malformed || _ws.expert.severity >= warning'], { encoding: 'utf8' });
    expect(malformed.trim()).toBe('');
  });
});
