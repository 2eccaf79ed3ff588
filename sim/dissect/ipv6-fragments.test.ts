// IP fragments in captures judged by tshark (the oracle): on our IPv6 and IPv4 fragmentation presets, whole file and
// link by link, tshark reassembles a datagram in exactly the frames where we do, from as many fragments, to the same
// length and ports, and calls nothing malformed; a hand-made capture adds an out-of-order fragmented STUN request and
// an atomic fragment (RFC 6946), which both read as the same STUN transaction.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHex } from '../core/encoding.ts';
import type { Trace } from '../core/trace.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { fragmentIPv6 } from '../wire/ip/fragment.ts';
import { encodeUdpDatagram } from '../wire/ip/udp-datagram.ts';
import { writePcap } from '../wire/pcap/pcap-writer.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { Data, encodeStun, Method, Software } from '../wire/stun/index.ts';
import { dissectFile } from '../../test/support/dissect-captures.ts';
import { tsharkAvailable } from '../../test/support/tshark.ts';

const dir = mkdtempSync(join(tmpdir(), 'rtclab-ipfrag-'));

interface Row {
  readonly frame: number;
  /** Fragments a datagram completed in this frame was reassembled from, its reassembled payload length, its ports. */
  readonly fragments: number;
  readonly length: number;
  readonly ports: string;
}

function theirs(file: string, family: 4 | 6): { rows: Row[]; malformed: string[] } {
  const p = family === 6 ? 'ipv6' : 'ip';
  const out = execFileSync('tshark', ['-r', file, '-n', '-T', 'fields', '-E', 'separator=/t', '-e', 'frame.number', '-e', `${p}.fragment.count`, '-e', `${p}.reassembled.length`, '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', '_ws.malformed'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = out.trimEnd().split('\n').map((l) => l.split('\t'));
  return {
    rows: lines.filter((r) => r[1]).map((r) => ({ frame: Number(r[0]), fragments: Number(r[1]), length: Number(r[2]), ports: `${r[3]}>${r[4]}` })),
    malformed: lines.filter((r) => r[5]).map((r) => `frame ${r[0]}: ${r[5]}`),
  };
}

function ours(file: string): { rows: Row[]; problems: string[] } {
  const d = dissectFile(file);
  const rows: Row[] = [];
  const problems: string[] = [];
  for (const { raw, d: p } of d.packets) {
    for (const x of p.problems) problems.push(`frame ${raw.index + 1}: ${x.message}`);
    if (!p.reassembled) continue;
    const r = p.reassembled;
    const v6 = r[0]! >> 4 === 6;
    const at = v6 ? 40 : (r[0]! & 0x0f) * 4;
    const udp = v6 ? r[6] === 17 : r[9] === 17;
    rows.push({
      frame: raw.index + 1,
      fragments: Number(/reassembled from (\d+) fragments/.exec(p.summary)?.[1]),
      length: r.length - at,
      ports: udp ? `${(r[at]! << 8) | r[at + 1]!}>${(r[at + 2]! << 8) | r[at + 3]!}` : '>',
    });
  }
  return { rows, problems };
}

function agree(file: string, family: 4 | 6): Row[] {
  const t = theirs(file, family);
  const o = ours(file);
  expect(t.malformed, file).toEqual([]);
  expect(o.problems, file).toEqual([]);
  expect(o.rows, file).toEqual(t.rows);
  return o.rows;
}

function exportTrace(name: string, trace: Trace): { whole: string; links: string[] } {
  const whole = join(dir, `${name}.pcapng`);
  writeFileSync(whole, writePcapng(trace));
  const links = [...new Set(trace.hops.map((h) => h.link))].map((link) => {
    const f = join(dir, `${name}.${link}.pcapng`);
    writeFileSync(f, writePcapng({ ...trace, hops: trace.hops.filter((h) => h.link === link) }));
    return f;
  });
  return { whole, links };
}

describe.skipIf(!tsharkAvailable())('IP reassembly agrees with tshark', () => {
  it('ipv6-fragmentation-pmtu: the same datagrams completed in the same frames, whole file and on every link', () => {
    const { trace } = runScenario(parseScenario(findPreset('ipv6-fragmentation-pmtu')!.build()));
    const { whole, links } = exportTrace('ipv6-fragmentation-pmtu', trace);
    // alice's link: all three datagrams (3 fragments each, 3,008 bytes of UDP); the tunnel's and the server's: the two sent after Packet Too Big
    expect(agree(whole, 6).map((r) => [r.fragments, r.length, r.ports])).toEqual(Array(7).fill([3, 3008, '5000>7']));
    const perLink = links.map((f) => agree(f, 6).length);
    expect(perLink.sort()).toEqual([2, 2, 3]);
  });

  it('ipv6-fragmentation-nat66: IPv6 fragments reassembled by the NAT66, translated and fragmented again, agree link by link', () => {
    const { trace } = runScenario(parseScenario(findPreset('ipv6-fragmentation-nat66')!.build()));
    const { whole, links } = exportTrace('ipv6-fragmentation-nat66', trace);
    expect(agree(whole, 6).length).toBeGreaterThan(0);
    // alice's link: three datagrams from her port 5000; beyond the NAT two, from the port it mapped (symmetric)
    const perLink = links.map((f) => agree(f, 6).map((r) => [r.fragments, r.length, r.ports.split('>')[1]]));
    expect(perLink.map((r) => r.length).sort()).toEqual([2, 2, 3]);
    expect(perLink.flat().every(([n, len, dport]) => n === 3 && len === 3008 && dport === '7')).toBe(true);
  });

  it('ip-fragmentation-nat: IPv4 fragments, reassembled by the NAT and fragmented again, agree the same way', () => {
    const { trace } = runScenario(parseScenario(findPreset('ip-fragmentation-nat')!.build()));
    const { whole, links } = exportTrace('ip-fragmentation-nat', trace);
    expect(agree(whole, 4).length).toBeGreaterThan(0);
    for (const f of links) agree(f, 4);
  });

  it('a STUN Send indication in three IPv6 fragments out of order, then a Binding request in an atomic fragment: one transaction each, in both', () => {
    // a Send indication (RFC 8656 §10.1) carrying 2,600 bytes of DATA (0xff: no protocol of RFC 7983's demux), and a small Binding request
    const stun = (id: number, pad: number) =>
      pad > 700
        ? encodeStun({ method: Method.Send, class: 'indication', transactionId: new Uint8Array(12).fill(id), attributes: [{ type: Data.type, value: new Uint8Array(pad).fill(0xff) }] })
        : encodeStun({ method: Method.Binding, class: 'request', transactionId: new Uint8Array(12).fill(id), attributes: [{ type: Software.type, value: 'x'.repeat(pad) }] });
    const base = { src: '2001:db8::1', dst: '2001:db8::2', srcPort: 40000, dstPort: 3478 };
    const parts = fragmentIPv6(encodeUdpDatagram({ ...base, payload: stun(7, 2600) }), 1280, 0x0badcafe);
    if (!Array.isArray(parts)) throw new Error(parts.error);
    const small = encodeUdpDatagram({ ...base, payload: stun(9, 40) });
    const atomic = new Uint8Array(small.length + 8);
    atomic.set(small.subarray(0, 40));
    atomic[6] = 44; // Fragment header: next header UDP, offset 0, M clear, id 0x0badcafe (that of the waiting datagram's)
    atomic.set([17, 0, 0, 0, 0x0b, 0xad, 0xca, 0xfe], 40);
    atomic.set(small.subarray(40), 48);
    const pl = small.length - 40 + 8;
    atomic[4] = pl >> 8;
    atomic[5] = pl & 0xff;
    const frames = [parts[2]!, parts[0]!, atomic, parts[1]!];
    const file = join(dir, 'stun-v6-frags.pcap');
    // LINKTYPE_RAW (101): each record is an IP datagram
    writeFileSync(file, writePcap(frames.map((data, i) => ({ seconds: i, fraction: 0, data })), { linkType: 101 }));
    const rows = agree(file, 6);
    expect(rows).toEqual([{ frame: 4, fragments: 3, length: parts.reduce((n, p) => n + p.length - 48, 0), ports: '40000>3478' }]);
    const ids = execFileSync('tshark', ['-r', file, '-n', '-T', 'fields', '-e', 'frame.number', '-e', 'stun.id'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t'))
      .filter((r) => r[1]);
    const d = dissectFile(file);
    const ourIds = d.packets.flatMap(({ raw, d: p }) =>
      p.layers.filter((l) => l.protocol === 'STUN' && l.value).map((l) => [String(raw.index + 1), toHex((l.value as { transactionId: Uint8Array }).transactionId)]),
    );
    expect(ourIds).toEqual(ids.map((r) => [r[0], r[1]!.replace(/^0x/, '')]));
    expect(ourIds.map((r) => r[0])).toEqual(['3', '4']);
  });
});
