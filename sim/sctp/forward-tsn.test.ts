// RFC 3758 §3.6 on the receiving side: a FORWARD-TSN moves the Cumulative TSN Ack Point, and the SACK that answers
// it (sent at once) carries the new point, so the sender's Advanced.Peer.Ack.Point is acknowledged and it stops
// sending FORWARD-TSN. Checked because a live run (bridge/chromium-mediasoup under heavy load) saw Chromium repeat a
// FORWARD-TSN to our SFU for ~40 s, as a sender does while no SACK acknowledges the skipped TSNs.
import { describe, expect, it } from 'vitest';
import type { SctpChunk } from '../wire/sctp/chunk.ts';
import { encodeSctpPacket } from '../wire/sctp/encode.ts';
import { SctpPair } from './test-pair.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (c: SctpChunk): string | undefined => (c.kind === 'DATA' ? new TextDecoder().decode(c.userData) : undefined);

function connected(drop?: ConstructorParameters<typeof SctpPair>[2]): SctpPair {
  const p = new SctpPair({}, 20_000, drop);
  p.a.connect(0);
  p.run(1_000_000);
  return p;
}

/** The chunks of one kind one side put on the wire (dropped or not), with when. */
function chunks<K extends SctpChunk['kind']>(p: SctpPair, from: 'a' | 'b', kind: K): { t: number; dropped: boolean; c: Extract<SctpChunk, { kind: K }> }[] {
  return p.wire.filter((w) => w.from === from).flatMap((w) => w.chunks.filter((c): c is Extract<SctpChunk, { kind: K }> => c.kind === kind).map((c) => ({ t: w.t, dropped: w.dropped, c })));
}

describe('FORWARD-TSN at the receiver (RFC 3758 §3.6)', () => {
  it('the SACK answering a FORWARD-TSN acknowledges its new cumulative TSN at once, and the sender sends no more of them', () => {
    // every copy of "skipped" is lost: its one retransmission too, so the sender gives it up (maxRetransmits 1)
    const p = connected((_n, from, cs) => from === 'a' && cs.some((c) => text(c) === 'skipped'));
    for (const m of ['before', 'skipped', 'after']) {
      expect(p.a.send(p.now, 2, 51, enc(m), { unordered: true, maxRetransmits: 1 })).toBe(true);
      p.pump('a');
    }
    p.run(20_000_000);
    const fwd = chunks(p, 'a', 'FORWARD-TSN');
    expect(fwd.length).toBeGreaterThanOrEqual(1);
    const skippedTsn = chunks(p, 'a', 'DATA').find((d) => text(d.c) === 'skipped')!.c.tsn;
    expect(fwd[0]!.c.newCumulativeTsn).toBe(skippedTsn);
    // b's first packet after the FORWARD-TSN arrived (20 ms later) is a SACK up to it: not delayed (§3.6 "MUST")
    const answer = chunks(p, 'b', 'SACK').find((s) => s.t >= fwd[0]!.t + 20_000)!;
    expect(answer.t).toBe(fwd[0]!.t + 20_000);
    expect(answer.c.cumulativeTsnAck).toBe((skippedTsn + 1) >>> 0); // "after" had arrived beyond the hole: the gap closes too
    expect(answer.c.gapBlocks).toEqual([]);
    // acknowledged: one FORWARD-TSN, nothing left to send, every message but the skipped one delivered
    expect(fwd).toHaveLength(1);
    expect(p.a.sender?.busy).toBe(false);
    expect(p.messages('b').sort()).toEqual(['after', 'before']);
  });

  it('a FORWARD-TSN whose SACK was lost comes again, and the receiver, already past it, answers it with its cumulative TSN', () => {
    let sacksLost = 0;
    let forwarded = false;
    const p = connected((_n, from, cs) => {
      if (from === 'a' && cs.some((c) => text(c) === 'skipped')) return true;
      if (from === 'a' && cs.some((c) => c.kind === 'FORWARD-TSN')) forwarded = true;
      // the first SACK b sends after the first FORWARD-TSN is lost
      return from === 'b' && forwarded && cs.some((c) => c.kind === 'SACK') && sacksLost++ === 0;
    });
    for (const m of ['skipped', 'after']) {
      expect(p.a.send(p.now, 2, 51, enc(m), { unordered: true, maxRetransmits: 1 })).toBe(true);
      p.pump('a');
    }
    p.run(30_000_000);
    const fwd = chunks(p, 'a', 'FORWARD-TSN');
    expect(fwd).toHaveLength(2);
    expect(fwd[1]!.c.newCumulativeTsn).toBe(fwd[0]!.c.newCumulativeTsn);
    const answers = chunks(p, 'b', 'SACK').filter((s) => s.t > fwd[0]!.t);
    expect(answers.map((s) => [s.dropped, s.c.cumulativeTsnAck])).toEqual([[true, (fwd[0]!.c.newCumulativeTsn + 1) >>> 0], [false, (fwd[0]!.c.newCumulativeTsn + 1) >>> 0]]);
    expect(p.a.sender?.busy).toBe(false);
  });

  it('a FORWARD-TSN lost with nothing sent after it goes again when T3-rtx expires (§3.5 A5, C5)', () => {
    let lost = 0;
    const p = connected((_n, from, cs) => (from === 'a' && cs.some((c) => text(c) === 'skipped')) || (from === 'a' && cs.some((c) => c.kind === 'FORWARD-TSN') && lost++ === 0));
    for (const m of ['skipped', 'after']) {
      expect(p.a.send(p.now, 2, 51, enc(m), { unordered: true, maxRetransmits: 0 })).toBe(true);
      p.pump('a');
    }
    p.run(30_000_000);
    const fwd = chunks(p, 'a', 'FORWARD-TSN');
    expect(fwd.map((f) => f.dropped)).toEqual([true, false]);
    expect(p.b.receiver!.cumulativeTsn).toBe((fwd[0]!.c.newCumulativeTsn + 1) >>> 0);
    expect(p.a.sender?.busy).toBe(false);
    expect(p.messages('b')).toEqual(['after']);
  });

  it('a FORWARD-TSN to a TSN the receiver already passed changes nothing and is still answered with a SACK', () => {
    const p = connected();
    expect(p.a.send(p.now, 2, 51, enc('one'), { unordered: true })).toBe(true);
    p.pump('a');
    p.run(3_000_000);
    const cum = p.b.receiver!.cumulativeTsn;
    const before = p.wire.length;
    p.b.handlePacket(p.now, encodeSctpPacket({ srcPort: 5000, dstPort: 5000, verificationTag: p.b.localTag, chunks: [{ kind: 'FORWARD-TSN', newCumulativeTsn: cum - 1, streams: [] }] }));
    p.pump('b');
    const sent = p.wire.slice(before).flatMap((w) => w.chunks);
    expect(sent.map((c) => c.kind)).toEqual(['SACK']);
    expect(sent[0]!.kind === 'SACK' && sent[0]!.cumulativeTsnAck).toBe(cum);
    expect(p.b.receiver!.cumulativeTsn).toBe(cum);
  });
});
