// SNAP (draft-hancke-tsvwg-snap) between two webrtc-peers: the a=sctp-init lines both ways, an association that
// starts ESTABLISHED from the exchanged INITs (no INIT/INIT-ACK/COOKIE on the wire, the peer's tag and our TSN from
// the INITs), the two round trips saved, measured in virtual time, and the fallback when only one side has SNAP.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsharkAvailable } from '../../test/support/tshark.ts';
import { runTwoPeerPreset } from '../../test/support/two-peer-preset.ts';
import type { LayerOf } from '../dissect/types.ts';
import type { Trace } from '../core/trace.ts';
import type { InitChunk, SctpChunk } from '../wire/sctp/chunk.ts';
import { decodeSctpInitAttribute } from '../wire/sctp/snap.ts';
import { writeSession } from './description.ts';
import type { WebRtcPeer } from './webrtc-peer.ts';

type Json = Record<string, unknown>;
interface Run {
  readonly trace: Trace;
  /** The SDP each side sent last: alice's offer, bob's answer. */
  readonly offer: string;
  readonly answer: string;
  readonly alice: WebRtcPeer;
  readonly bob: WebRtcPeer;
  /** When each side's "chat" channel turned open (µs). */
  readonly open: { readonly alice: number; readonly bob: number };
  /** The SCTP layers our dissector reads on alice's access link, with the key log. */
  readonly sctp: readonly LayerOf<'SCTP'>[];
  readonly problems: readonly string[];
  readonly pcap: Uint8Array;
  readonly keyLog: string;
}

/** The preset with SNAP on the sides given. */
function run(alice: boolean, bob: boolean): Run {
  const r = runTwoPeerPreset('datachannel-snap', 'snap', { alice, bob });
  const sctp = r.aliceLink.flatMap(({ p }) => p.layers.filter((l): l is LayerOf<'SCTP'> => l.protocol === 'SCTP'));
  return { trace: r.trace, offer: writeSession(r.alice.jsep.localDescription!), answer: writeSession(r.bob.jsep.localDescription!), alice: r.alice, bob: r.bob, open: { alice: r.openAt('alice', 'chat'), bob: r.openAt('bob', 'chat') }, sctp, problems: r.problems, pcap: r.pcap, keyLog: r.keyLog };
}

const sctpInitOf = (sdp: string): InitChunk | undefined => {
  const line = /^a=sctp-init:(.*)$/m.exec(sdp.replace(/\r/g, ''))?.[1];
  return line === undefined ? undefined : decodeSctpInitAttribute(line).init;
};
const chunkKinds = (r: Run): Set<SctpChunk['kind']> => new Set(r.sctp.flatMap((s) => s.value!.packet.chunks.map((c) => c.kind)));

const runs = new Map<string, Run>();
const cached = (alice: boolean, bob: boolean): Run => {
  const k = `${alice}/${bob}`;
  if (!runs.has(k)) runs.set(k, run(alice, bob));
  return runs.get(k)!;
};

/** The preset's path: 50 ms each link, 100 ms one way, a 200 ms round trip. */
const RTT = 200_000;

describe('SNAP on both sides (datachannel-snap)', () => {
  it("offer and answer each carry a=sctp-init with the INIT their association would have sent", () => {
    const r = cached(true, true);
    const offered = sctpInitOf(r.offer)!;
    const answered = sctpInitOf(r.answer)!;
    expect(offered).toMatchObject({ kind: 'INIT', outboundStreams: 65535, inboundStreams: 65535 });
    expect(answered.initiateTag).not.toBe(offered.initiateTag);
    // the line sits in the data section after a=max-message-size, as in the draft's example (§7)
    expect(r.offer).toMatch(/a=sctp-port:5000\r\na=max-message-size:262144\r\na=sctp-init:[A-Za-z0-9+/=]+\r\n/);
    // each side read the other's INIT (readDescription keeps it in application.sctpInit)
    expect(r.bob.remote?.application?.sctpInit?.initiateTag).toBe(offered.initiateTag);
    expect(r.alice.remote?.application?.sctpInit?.initiateTag).toBe(answered.initiateTag);
    const dc = (p: WebRtcPeer) => p.transport.dataChannels!.association;
    expect([dc(r.alice).localTag, dc(r.bob).localTag]).toEqual([offered.initiateTag, answered.initiateTag]);
  });

  it('no INIT, INIT-ACK, COOKIE-ECHO or COOKIE-ACK on the wire: the first packet each way is DATA under the tag from the peer INIT, from our initial TSN', () => {
    const r = cached(true, true);
    const offered = sctpInitOf(r.offer)!;
    const answered = sctpInitOf(r.answer)!;
    const kinds = chunkKinds(r);
    for (const k of ['INIT', 'INIT-ACK', 'COOKIE-ECHO', 'COOKIE-ACK'] as const) expect(kinds.has(k)).toBe(false);
    expect(kinds.has('DATA') && kinds.has('SACK')).toBe(true);
    expect(r.sctp.every((s) => s.value!.packet.checksumStatus === 'ok')).toBe(true);
    expect(r.problems).toEqual([]);
    // alice's packets carry bob's initiate tag, bob's carry alice's (RFC 9260 §8.5), as after a handshake
    const fromAlice = r.sctp.filter((s) => s.value!.packet.verificationTag === answered.initiateTag);
    const fromBob = r.sctp.filter((s) => s.value!.packet.verificationTag === offered.initiateTag);
    expect(fromAlice.length + fromBob.length).toBe(r.sctp.length);
    const firstData = (l: readonly LayerOf<'SCTP'>[]) => l.flatMap((s) => s.value!.packet.chunks).find((c) => c.kind === 'DATA') as Extract<SctpChunk, { kind: 'DATA' }>;
    expect(firstData(fromAlice).tsn).toBe(offered.initialTsn);
    expect(firstData(fromBob).tsn).toBe(answered.initialTsn);
    // alice's first SCTP packet starts with her DATA_CHANNEL_OPEN (PPID 50, RFC 8832 §8.1), the messages queued behind it
    const first = fromAlice[0]!.value!.packet.chunks;
    expect(first.every((c) => c.kind === 'DATA')).toBe(true);
    expect((first[0] as Extract<SctpChunk, { kind: 'DATA' }>).ppid).toBe(50);
    const notes = r.trace.notes.filter((n) => n.kind === 'sctp.state').map((n) => n.text);
    expect(notes).toEqual([expect.stringMatching(/^alice: SCTP closed → established \(SNAP: both INITs exchanged in SDP/), expect.stringMatching(/^bob: SCTP closed → established \(SNAP/)]);
  });

  it('the channel opens two round trips earlier than without SNAP, on both sides, and every message arrives', () => {
    const snap = cached(true, true);
    const none = cached(false, false);
    expect(none.open.alice - snap.open.alice).toBe(2 * RTT);
    expect(none.open.bob - snap.open.bob).toBe(2 * RTT);
    // with SNAP alice's channel opens as her DTLS connects: nothing waits for SCTP
    const dtlsUp = snap.trace.notes.find((n) => n.kind === 'dtls.state' && /server: connecting → connected/.test(n.text))!.t;
    expect(snap.open.alice).toBe(dtlsUp);
    for (const r of [snap, none]) {
      const [a, b] = [r.alice, r.bob].map((p) => p.transport.dataChannels!.summary() as { channels: { messagesSent: number; messagesReceived: number }[] });
      expect([a!.channels[0]!.messagesSent, b!.channels[0]!.messagesReceived, b!.channels[0]!.messagesSent, a!.channels[0]!.messagesReceived]).toEqual([3, 3, 2, 2]);
    }
  });
});

describe('SNAP on one side only falls back to the INIT/COOKIE handshake (§5.2–5.4)', () => {
  it('offerer only: the answer carries no a=sctp-init, both sides shake hands, timings as without SNAP', () => {
    const r = cached(true, false);
    expect(sctpInitOf(r.offer)).toBeDefined();
    expect(r.answer).not.toMatch(/a=sctp-init/);
    for (const k of ['INIT', 'INIT-ACK', 'COOKIE-ECHO', 'COOKIE-ACK'] as const) expect(chunkKinds(r).has(k)).toBe(true);
    expect(r.open).toEqual(cached(false, false).open);
  });

  it('answerer only: no line in the offer, so none in the answer (an answer never carries one unasked)', () => {
    const r = cached(false, true);
    expect(r.offer).not.toMatch(/a=sctp-init/);
    expect(r.answer).not.toMatch(/a=sctp-init/);
    expect(chunkKinds(r).has('INIT')).toBe(true);
    expect(r.open).toEqual(cached(false, false).open);
  });

  it('the same INIT tags and TSNs either way: SNAP draws nothing more from the RNG', () => {
    const tags = (r: Run) => [r.alice, r.bob].map((p) => p.transport.dataChannels!.association.localTag);
    expect(tags(cached(true, true))).toEqual(tags(cached(false, false)));
  });
});

describe.runIf(tsharkAvailable())('tshark reads the SNAP run', () => {
  it('decrypts the DTLS with our key log and finds no malformed packet', () => {
    const r = cached(true, true);
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-snap-'));
    try {
      const pcap = join(dir, 'snap.pcapng');
      const keys = join(dir, 'keys.txt');
      writeFileSync(pcap, r.pcap);
      writeFileSync(keys, r.keyLog);
      const out = execFileSync('tshark', ['-r', pcap, '-n', '-o', `tls.keylog_file:${keys}`, '-T', 'fields', '-e', 'frame.number', '-e', '_ws.col.Protocol', '-e', '_ws.malformed'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const rows = out.trim().split('\n').map((l) => l.split('\t'));
      expect(rows.filter((x) => x[2])).toEqual([]);
      expect(rows.some((x) => x[1] === 'DTLSv1.2' || x[1] === 'DTLS')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
