// Packet Too Big handed from the DTLS transport to SCTP's PLPMTUD (RFC 8899 §4.6, RFC 8261 §5): a hint confirmed by
// probes, never a PLPMTU below BASE_PLPMTU, ignored when inconsistent or not about the DTLS transport; the pieces not
// yet sent are cut again to the new size while those already sent keep their TSN and size and go with DF clear
// (RFC 9260 §6.9); and the datachannel-ptb preset end to end.
import { describe, expect, it } from 'vitest';
import { SECOND } from '../core/time.ts';
import type { IcmpError } from '../core/endpoint.ts';
import { parseScenario } from '../scenario/parse.ts';
import { buildScenario } from '../scenario/build.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import type { WebRtcPeer } from '../peer/webrtc-peer.ts';
import type { SctpChunk } from '../wire/sctp/chunk.ts';
import { chunkWireLength } from '../wire/sctp/encode.ts';
import { decodeIPv4 } from '../wire/ip/ipv4.ts';
import { SctpPair } from './test-pair.ts';

const size = (chunks: readonly SctpChunk[]): number => 12 + chunks.reduce((n, c) => n + chunkWireLength(c), 0);
const actions = (p: SctpPair): string[] => p.outputs.a.flatMap((o) => (o.type === 'note' && o.note.kind === 'sctp.plpmtud.ptb' ? [(o.note.data as { action: string }).action] : []));
const dataOf = (chunks: readonly SctpChunk[]) => chunks.flatMap((c) => (c.kind === 'DATA' ? [c] : []));

/** a → b over a path of `path()` bytes; what is over it is lost unless sent with DF clear (IP fragments it). */
function pair(path: () => number): SctpPair {
  return new SctpPair({ a: { plpmtud: {} }, b: {} }, 20_000, (_n, from, chunks, mayFragment) => from === 'a' && size(chunks) > path() && !mayFragment);
}

describe('Packet Too Big as a PLPMTUD hint (RFC 8899 §4.6.2)', () => {
  it('below the PLPMTU: BASE_PLPMTU, the hint probed and confirmed; inconsistent or unconfirmed-BASE PTBs change nothing', () => {
    let path = 1500;
    const p = pair(() => path);
    p.a.connect(0);
    p.run(3 * SECOND);
    expect([p.a.pl?.state, p.a.packetSize]).toEqual(['search-complete', 1432]);
    // a PTB at or above the PLPMTU says nothing the probes did not: ignored
    p.a.packetTooBig(p.now, 1432, 'test');
    p.a.packetTooBig(p.now, 1500, 'test');
    expect([p.a.pl?.state, p.a.packetSize]).toEqual(['search-complete', 1432]);
    path = 1340;
    p.a.packetTooBig(p.now, 1335, 'test');
    p.pump('a');
    expect([p.a.pl?.state, p.a.packetSize]).toEqual(['base', 1200]);
    // while BASE_PLPMTU is unconfirmed, a second PTB (the other lost packets') is ignored
    p.a.packetTooBig(p.now, 1000, 'test');
    p.pump('a');
    p.run(p.now + 2 * SECOND);
    expect([p.a.pl?.state, p.a.packetSize]).toEqual(['search-complete', 1332]);
    const probes = p.wire.filter((w) => w.from === 'a' && w.chunks[0]?.kind === 'HEARTBEAT' && w.t >= 3 * SECOND).map((w) => size(w.chunks));
    expect(probes).toEqual([1200, 1332]);
    expect(actions(p)).toEqual(['ignored', 'ignored', 'black-hole', 'ignored']);
    expect(p.notes('a', 'sctp.plpmtud.ptb')[3]).toContain('BASE_PLPMTU 1200 is not confirmed yet');
  });

  it('never below BASE_PLPMTU on a PTB\'s word: a PTB of 600 takes 1432 to 1200 and no lower; only lost probes would', () => {
    const p = pair(() => 1500);
    p.a.connect(0);
    p.run(3 * SECOND);
    p.a.packetTooBig(p.now, 600, 'forger');
    p.run(p.now + 2 * SECOND);
    expect([p.a.pl?.state, p.a.packetSize]).toEqual(['search-complete', 1200]);
    p.a.packetTooBig(p.now, 600, 'forger');
    p.pump('a');
    expect(actions(p)).toEqual(['black-hole', 'ignored']);
    expect(p.notes('a', 'sctp.plpmtud.ptb').at(-1)).toContain('ignored: below the PLPMTU 1200, which is BASE_PLPMTU already');
    expect(p.a.packetSize).toBe(1200);
  });

  it('during a search, a PTB between the PLPMTU and the probe is the next search point', () => {
    const p = pair(() => 1350);
    p.a.connect(0);
    // the association is up after 2 RTTs (80 ms); probes of 1200 … 1328 pass, 1360 is lost at the path
    p.run(400_000);
    const lost = p.wire.find((w) => w.from === 'a' && w.dropped && w.chunks[0]?.kind === 'HEARTBEAT');
    expect(lost && size(lost.chunks)).toBe(1360);
    p.a.packetTooBig(p.now, 1350, 'router');
    p.run(p.now + 3 * SECOND);
    expect(p.notes('a', 'sctp.plpmtud.ptb')[0]).toContain('search-point');
    expect([p.a.pl?.state, p.a.packetSize]).toEqual(['search-complete', 1348]);
  });
});

describe('a partly sent message after the PLPMTU shrinks (RFC 9260 §6.9)', () => {
  it('the pieces not yet sent are cut again with new TSNs; the ones sent keep theirs and their size and go with DF clear; every message arrives once, in order', () => {
    let path = 1500;
    const p = pair(() => path);
    p.a.connect(0);
    p.run(3 * SECOND);
    const text = (k: number, n: number) => String.fromCharCode(0x61 + k).repeat(n);
    // three messages on one ordered stream: 10,000 bytes (8 chunks of ≤ 1,404), then two of 3,000
    p.a.send(p.now, 1, 51, new TextEncoder().encode(text(0, 10_000)));
    p.a.send(p.now, 1, 51, new TextEncoder().encode(text(1, 3000)));
    p.a.send(p.now, 1, 51, new TextEncoder().encode(text(2, 3000)));
    path = 1340;
    p.pump('a');
    const first = p.wire.filter((w) => w.from === 'a' && dataOf(w.chunks).length > 0);
    // the initial cwnd (4,380 bytes) let four 1,404-byte chunks leave, all lost at the narrower path
    expect(first.map((w) => [size(w.chunks), w.dropped])).toEqual([[1432, true], [1432, true], [1432, true], [1432, true]]);
    const sentTsns = first.flatMap((w) => dataOf(w.chunks).map((c) => c.tsn));
    p.a.packetTooBig(p.now, 1335, 'router');
    p.run(p.now + 10 * SECOND);
    expect(p.notes('a', 'sctp.plpmtud.resplit')).toHaveLength(1);
    // at BASE_PLPMTU 1200: the first message's rest (3 × 1,404 + 172 bytes) in 4 pieces of ≤ 1,172, the others in 3 each
    expect(p.notes('a', 'sctp.plpmtud.resplit')[0]).toMatch(/PLPMTU now 1200: the 10 DATA chunks of 3 message\(s\) not yet sent cut again into 10 /);
    const later = p.wire.filter((w) => w.from === 'a' && dataOf(w.chunks).length > 0 && !first.includes(w));
    // the three sent chunks come back as they were (same TSN, 1,432 bytes) with DF clear; nothing else is over 1,200
    const resent = later.filter((w) => dataOf(w.chunks).some((c) => sentTsns.includes(c.tsn)));
    expect(resent.every((w) => size(w.chunks) === 1432 && w.mayFragment && !w.dropped)).toBe(true);
    expect(new Set(resent.flatMap((w) => dataOf(w.chunks).map((c) => c.tsn)))).toEqual(new Set(sentTsns));
    const fresh = later.filter((w) => !resent.includes(w));
    expect(fresh.length).toBeGreaterThan(0);
    expect(fresh.every((w) => size(w.chunks) <= 1200 && !w.mayFragment && !w.dropped)).toBe(true);
    // the first message's unsent rest continues it: no B bit on its first re-cut piece, E on its last
    const firstMsg = fresh.flatMap((w) => dataOf(w.chunks)).filter((c) => c.ssn === 0);
    expect(firstMsg[0]?.beginning).toBe(false);
    expect(firstMsg.at(-1)?.ending).toBe(true);
    // TSNs stay consecutive from the first sent one
    const tsns = p.wire.filter((w) => w.from === 'a').flatMap((w) => dataOf(w.chunks).map((c) => c.tsn));
    const unique = [...new Set(tsns)].sort((x, y) => x - y);
    expect(unique.at(-1)! - unique[0]! + 1).toBe(unique.length);
    expect(p.messages('b')).toEqual([text(0, 10_000), text(1, 3000), text(2, 3000)]);
  });
});

describe('datachannel-ptb', () => {
  const build = () => parseScenario(findPreset('datachannel-ptb')!.build());

  it('Fragmentation Needed from gw reaches bob\'s SCTP: packets shrink from 1,432 to 1,332, the sent chunks pass fragmented, both files arrive once', () => {
    const r = runScenario(build());
    type Channel = { label: string; messagesReceived: number; bytesReceived: number };
    const dc = r.summary.datachannels as Record<string, { state: string; channels: Channel[] }>;
    const alice = dc['alice/webrtc-peer']!;
    expect(alice.state).toBe('established');
    expect(alice.channels.map((c) => [c.label, c.messagesReceived, c.bytesReceived])).toEqual([['files', 2, 40000], ['chat', 3, 57]]);
    const notes = (kind: string) => r.trace.notes.filter((n) => n.kind === kind && n.source === 'bob/webrtc-peer');
    expect(notes('sctp.plpmtud.ptb').map((n) => (n.data as { action: string }).action)[0]).toBe('black-hole');
    expect(notes('sctp.plpmtud.ptb')[0]!.text).toContain('PL_PTB_SIZE 1335');
    expect(notes('sctp.plpmtud.resplit')).toHaveLength(1);
    expect(notes('sctp.plpmtud').map((n) => (n.data as { plpmtu: number }).plpmtu)).toEqual([1200, 1432, 1200, 1200, 1332]);
    // bob's datagrams to alice: 1,497 bytes with DF before the PTB; after it, only the four chunks already sent are
    // that big, with DF clear (gw fragments them); everything new is at most 1,332 + 37 + 28 = 1,397
    const ptbAt = notes('sctp.plpmtud.ptb')[0]!.t;
    const fromBob = r.trace.hops.filter((h) => h.from === 'bob').map((h) => ({ t: h.t, ip: decodeIPv4(h.bytes, 0, undefined, false).value }));
    const big = fromBob.filter((h) => h.t > ptbAt && h.ip && h.ip.totalLength > 1397);
    expect(big.length).toBeGreaterThan(0);
    expect(big.every((h) => !h.ip!.dontFragment && h.ip!.totalLength === 1497)).toBe(true);
    expect(fromBob.some((h) => h.t < ptbAt && h.ip?.totalLength === 1497 && h.ip.dontFragment)).toBe(true);
    const second = fromBob.filter((h) => h.t >= 7 * SECOND && h.ip);
    expect(second.length).toBeGreaterThan(15);
    expect(Math.max(...second.map((h) => h.ip!.totalLength))).toBe(1397);
    expect(r.trace.notes.some((n) => n.kind === 'net.ip.fragmented' && n.source === 'gw')).toBe(true);
  });

  it('a PTB that quotes another 5-tuple, or reports more than the PLPMTU, changes nothing', () => {
    const { net, apps } = buildScenario(build());
    net.scheduler.runUntil(3 * SECOND);
    const app = apps.find((a) => a.spec.host === 'bob')!;
    const bob = app.endpoint as WebRtcPeer;
    const assoc = () => bob.transport.dataChannels!.association;
    expect(assoc().packetSize).toBe(1432);
    const sel = bob.transport.selected!;
    const base: IcmpError = { from: '192.0.2.66', local: sel.local.base, remote: sel.remote.address, kind: 'too-big', error: 'Fragmentation needed (MTU 1280)', mtu: 1280, type: 3, code: 4, family: 4 };
    bob.handleIcmpError(net.now, { ...base, remote: { ...sel.remote.address, port: sel.remote.address.port + 1 } });
    bob.handleIcmpError(net.now, { ...base, local: { ...sel.local.base, port: sel.local.base.port + 1 } });
    bob.handleIcmpError(net.now, { ...base, mtu: 1600, error: 'Fragmentation needed (MTU 1600)' });
    app.driver.pump();
    net.scheduler.runUntil(3.5 * SECOND);
    expect([assoc().pl?.state, assoc().packetSize]).toEqual(['search-complete', 1432]);
    const why = net.trace.notes.filter((n) => n.kind === 'sctp.plpmtud.ptb').map((n) => (n.data as { why: string }).why);
    expect(why).toEqual([
      `quotes ${sel.local.base.ip}:${sel.local.base.port} → ${sel.remote.address.ip}:${sel.remote.address.port + 1}, not the DTLS transport`,
      `quotes ${sel.local.base.ip}:${sel.local.base.port + 1} → ${sel.remote.address.ip}:${sel.remote.address.port}, not the DTLS transport`,
      'not below the PLPMTU 1432: inconsistent, a PTB never raises the PLPMTU',
    ]);
  });
});
