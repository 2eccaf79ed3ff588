// Path MTU in DTLS 1.3 (RFC 9147 §4.4, §5.8), as the DTLS 1.2 endpoint has it (sim/dtls/pmtu.ts): Fragmentation
// Needed / Packet Too Big lowers the datagram size, and with the OpenSSL/BoringSSL fallback a flight's third timer
// retransmission drops to 548 bytes; either way the next (re)transmission of the flight is cut anew at the new size.
import { describe, expect, it } from 'vitest';
import type { Note, Trace } from '../../core/trace.ts';
import { Rng } from '../../core/rng.ts';
import { parseScenario } from '../../scenario/parse.ts';
import { findPreset } from '../../scenario/presets/index.ts';
import { runScenario } from '../../scenario/run.ts';
import { applySet } from '../../scenario/set.ts';
import { HandshakeReassembler } from '../../wire/dtls/fragment.ts';
import { decodeRecords } from '../../wire/dtls/record.ts';
import { ContentType, HandshakeType } from '../../wire/handshake/names.ts';
import { resolveConfig } from '../config.ts';
import { generateDtlsIdentity } from '../identity.ts';
import { DtlsPathMtu } from '../pmtu.ts';
import { Flight13, readFragments } from './flight.ts';
import { RecordLayer13 } from './records.ts';

const HYBRID = '{"versions":["1.3","1.2"],"groups13":["x25519mlkem768","x25519"]}';

function run(preset: string, sets: string[]): ReturnType<typeof runScenario> {
  let raw: unknown = findPreset(preset)!.build();
  for (const s of sets) raw = applySet(raw, s);
  return runScenario(parseScenario(raw));
}
/** Both peers offer DTLS 1.3 (and 1.2) with the hybrid group first. */
const both13 = (): string[] => [0, 1].flatMap((i) => Object.entries(JSON.parse(HYBRID) as Record<string, unknown>).map(([k, v]) => `apps[${i}].${k}=${JSON.stringify(v)}`));
const pmtuNotes = (notes: readonly Note[]): [string, string, number][] => notes.filter((n) => n.kind === 'dtls.pmtu').map((n) => [n.source, (n.data as { cause: string }).cause, (n.data as { mtu: number }).mtu]);
/** Sizes of the IPv4 UDP datagrams a host put on its own link after time `after`. */
function sentSizes(trace: Trace, host: string, after: number): number[] {
  return trace.hops.filter((h) => h.t > after && h.from === host && h.bytes[9] === 17).map((h) => h.bytes.length);
}

describe('DTLS 1.3 flights re-cut after the path MTU shrinks', () => {
  it('Flight13: a retransmission after the size drops from 1200 to 300 cuts every message anew, each datagram within 300 bytes, the messages whole again on reassembly', () => {
    const rng = Rng.fromSeed(5);
    const records = new RecordLayer13();
    const pmtu = new DtlsPathMtu(1200, 4, false, () => {});
    const sent: Uint8Array[] = [];
    const flight = new Flight13(resolveConfig({ role: 'client', rng, identity: generateDtlsIdentity(rng.fork('id'), 'x'), local: { ip: '10.0.0.1', port: 1 } }), records, {
      transmit: (b) => sent.push(b),
      note: () => {},
      giveUp: () => {},
      mtu: () => pmtu.current,
    });
    const body = rng.bytes(1000);
    flight.send(0, 1, [{ epoch: 0, msgType: HandshakeType.client_hello, messageSeq: 0, body, label: 'ClientHello' }], true);
    expect(sent.map((d) => d.length)).toEqual([1000 + 25]);
    pmtu.onIcmp({ from: '10.0.0.254', local: { ip: '10.0.0.1', port: 1 }, remote: { ip: '10.0.0.2', port: 2 }, kind: 'too-big', error: 'Fragmentation needed (MTU 328)', mtu: 328 }, undefined);
    expect(pmtu.current).toBe(300);
    sent.length = 0;
    expect(flight.onTimeout(flight.deadline!)).toBe('retransmitted');
    expect(sent.length).toBe(4);
    for (const d of sent) expect(d.length).toBeLessThanOrEqual(300);
    const joiner = new HandshakeReassembler({ ordered: true });
    const whole = sent.flatMap((d) => decodeRecords(d, { spans: false }).value).flatMap((r) => (r.kind === 'dtls12' && r.contentType === ContentType.handshake ? readFragments(r.fragment) ?? [] : [])).flatMap((f) => joiner.push(f).messages);
    expect(whole.map((m) => m.body)).toEqual([body]);
  });

  it('dtls-pmtu-rescue with both sides on DTLS 1.3 and the hybrid: alice\'s 1200-byte first hello fragment and bob\'s flight meet the 576-byte tunnel, each learns 548 from the ICMP, re-cuts and connects in DTLS 1.3', () => {
    const { trace, summary } = run('dtls-pmtu-rescue', both13());
    const dtls = summary.dtls as Record<string, { state: string; version?: string }>;
    for (const [k, s] of Object.entries(dtls)) expect([k, s.state, s.version]).toEqual([k, 'connected', 'DTLS 1.3']);
    const learned = pmtuNotes(trace.notes);
    expect(learned.map(([src, cause, mtu]) => `${src} ${cause} ${mtu}`).sort()).toEqual(['alice/dtls-peer icmp 548', 'bob/dtls-peer icmp 548']);
    // after learning, every datagram each side sends fits the 576-byte tunnel (IP and UDP headers included)
    for (const n of trace.notes.filter((x) => x.kind === 'dtls.pmtu')) {
      const sizes = sentSizes(trace, n.source.split('/')[0]!, n.t);
      expect(sizes.length, n.source).toBeGreaterThan(0);
      expect(Math.max(...sizes), n.source).toBeLessThanOrEqual(576);
    }
    // before, some did not
    expect(Math.max(...sentSizes(trace, 'alice', -1))).toBeGreaterThan(576);
    const retx = trace.notes.filter((n) => n.kind === 'dtls.flight.retransmit').map((n) => `${n.source} ${(n.data as { datagrams: number }).datagrams}`);
    expect(retx.length).toBeGreaterThan(0);
  });

  it('dtls-pmtu-black-hole with bob on DTLS 1.3: the ICMP never reaches him; his third timer retransmission falls back to 548 bytes and the call connects; without the fallback it never does', () => {
    const on = run('dtls-pmtu-black-hole', both13());
    expect(pmtuNotes(on.trace.notes).filter(([s]) => s === 'bob/dtls-peer')).toEqual([['bob/dtls-peer', 'timeouts', 548]]);
    for (const s of Object.values(on.summary.dtls as Record<string, { state: string; version?: string }>)) expect([s.state, s.version]).toEqual(['connected', 'DTLS 1.3']);
    const off = run('dtls-pmtu-black-hole', [...both13(), 'apps[1].mtuFallback=false']);
    expect(pmtuNotes(off.trace.notes).filter(([s]) => s === 'bob/dtls-peer')).toEqual([]);
    for (const s of Object.values(off.summary.dtls as Record<string, { state: string }>)) expect(s.state).not.toBe('connected');
  });
});
