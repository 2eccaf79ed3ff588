import { describe, expect, it } from 'vitest';
import { encodeSctpPacket } from '../wire/sctp/encode.ts';
import { SctpPair } from './test-pair.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const kinds = (p: SctpPair, from?: 'a' | 'b'): string[] => p.wire.filter((w) => !from || w.from === from).map((w) => w.chunks.map((c) => c.kind).join('+'));

function connected(opts: ConstructorParameters<typeof SctpPair>[0] = {}, drop?: ConstructorParameters<typeof SctpPair>[2]): SctpPair {
  const p = new SctpPair(opts, 20_000, drop);
  p.a.connect(0);
  p.run(1_000_000);
  return p;
}

function send(p: SctpPair, x: 'a' | 'b', stream: number, text: string, policy = {}): void {
  expect(p.side(x).send(p.now, stream, 51, enc(text), policy)).toBe(true);
  p.pump(x);
}

describe('SCTP association setup (RFC 9260 §5)', () => {
  it('INIT, INIT-ACK with a signed cookie, COOKIE-ECHO, COOKIE-ACK: both sides established in two round trips', () => {
    const p = connected();
    expect(kinds(p)).toEqual(['INIT', 'INIT-ACK', 'COOKIE-ECHO', 'COOKIE-ACK']);
    expect(p.a.state).toBe('established');
    expect(p.b.state).toBe('established');
    const initAck = p.wire[1]!.chunks[0]!;
    expect(initAck.kind === 'INIT-ACK' && initAck.params.map((x) => x.kind)).toEqual(['state-cookie', 'supported-extensions', 'forward-tsn-supported']);
  });

  it('both sides sending INIT at once (as WebRTC peers do) still ends established on both', () => {
    const p = new SctpPair();
    p.a.connect(0);
    p.b.connect(0);
    p.run(2_000_000);
    expect([p.a.state, p.b.state]).toEqual(['established', 'established']);
    send(p, 'a', 0, 'after collision');
    p.run(3_000_000);
    expect(p.messages('b')).toEqual(['after collision']);
  });

  it('a tampered cookie changes nothing: the server stays closed and says why', () => {
    const p = new SctpPair({}, 20_000, (_n, from, chunks) => from === 'a' && chunks[0]?.kind === 'COOKIE-ECHO');
    p.a.connect(0);
    p.run(30_000);
    // forge: the INIT-ACK's cookie with one bit flipped, echoed with the right tag
    const ack = p.wire.find((w) => w.chunks[0]?.kind === 'INIT-ACK')!.chunks[0]!;
    if (ack.kind !== 'INIT-ACK') throw new Error('no INIT-ACK');
    const cookie = ack.params.find((x) => x.kind === 'state-cookie');
    if (cookie?.kind !== 'state-cookie') throw new Error('no cookie');
    const forged = cookie.cookie.slice();
    forged[3] = forged[3]! ^ 1;
    p.b.handlePacket(p.now, encodeSctpPacket({ srcPort: 5000, dstPort: 5000, verificationTag: p.b.localTag, chunks: [{ kind: 'COOKIE-ECHO', cookie: forged }] }));
    p.pump('b');
    expect(p.b.state).toBe('closed');
    expect(p.notes('b', 'sctp.malformed')).toEqual([expect.stringMatching(/cookie MAC does not verify/)]);
  });

  it('INIT is retransmitted on T1-init with the RTO doubling, and the association gives up after Max.Init.Retransmits', () => {
    const p = new SctpPair({ a: { maxInitRetrans: 3 } }, 20_000, () => true);
    p.a.connect(0);
    p.run(60_000_000);
    expect(p.wire.map((w) => w.t / 1e6)).toEqual([0, 1, 3, 7]);
    expect(p.a.state).toBe('closed');
    expect(p.notes('a', 'sctp.peer.unresponsive')).toHaveLength(1);
  });
});

describe('SCTP data transfer (RFC 9260 §6)', () => {
  it('delivers ordered messages and acknowledges every second DATA packet or after the delayed-ack time', () => {
    const p = connected();
    for (const m of ['one', 'two', 'three']) send(p, 'a', 1, m);
    p.run(2_000_000);
    expect(p.messages('b')).toEqual(['one', 'two', 'three']);
    expect(p.a.sender?.busy).toBe(false);
    expect(kinds(p, 'b').filter((k) => k.includes('SACK')).length).toBeGreaterThanOrEqual(1);
  });

  it('fragments a 100 kB message into DATA chunks under the MTU and reassembles it (§6.9)', () => {
    const p = connected();
    const big = 'x'.repeat(100_000);
    send(p, 'a', 2, big);
    p.run(10_000_000);
    expect(p.messages('b')).toEqual([big]);
    const data = p.wire.flatMap((w) => w.chunks).filter((c) => c.kind === 'DATA');
    expect(data.length).toBe(Math.ceil(100_000 / 1172));
    expect(data.every((c) => c.kind === 'DATA' && c.userData.length <= 1172)).toBe(true);
  });

  it('a lost DATA packet is reported in gap blocks, fast-retransmitted after three miss indications, and held messages wait for it (head-of-line)', () => {
    let lostOnce = false;
    const p = connected({}, (_n, from, chunks) => {
      const d = chunks.find((c) => c.kind === 'DATA');
      if (from === 'a' && d?.kind === 'DATA' && d.ssn === 1 && !lostOnce) return (lostOnce = true);
      return false;
    });
    for (let i = 0; i < 8; i++) send(p, 'a', 1, `m${i}`);
    p.run(5_000_000);
    expect(p.messages('b')).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    const sacks = p.wire.filter((w) => w.from === 'b').flatMap((w) => w.chunks).filter((c) => c.kind === 'SACK');
    expect(sacks.some((s) => s.kind === 'SACK' && s.gapBlocks.length > 0)).toBe(true);
    expect(p.notes('a', 'sctp.retransmit')).toEqual([expect.stringMatching(/fast retransmit/)]);
    expect(p.notes('b', 'sctp.hol.blocked')).toHaveLength(1);
    expect(p.notes('b', 'sctp.hol.released')).toEqual([expect.stringMatching(/6 held message\(s\) delivered/)]);
  });

  it('a lost last packet is retransmitted when T3-rtx expires, cwnd falls to one MTU and the RTO doubles', () => {
    let lost = false;
    const p = connected({}, (_n, from, chunks) => from === 'a' && chunks.some((c) => c.kind === 'DATA') && !lost && (lost = true));
    send(p, 'a', 1, 'lonely');
    p.run(5_000_000);
    expect(p.messages('b')).toEqual(['lonely']);
    const n = p.outputs.a.find((o) => o.type === 'note' && o.note.kind === 'sctp.retransmit');
    expect(n?.type === 'note' && n.note.data).toMatchObject({ why: 't3-rtx', rto: 2000, cwnd: 1200 });
  });

  it('a duplicate DATA chunk is reported in the SACK duplicate TSN list', () => {
    // drop b's SACKs until a's T3 retransmits: b then sees the same TSN twice
    const p = connected({}, (_n, from, chunks) => from === 'b' && chunks.some((c) => c.kind === 'SACK') && p.now < 1_500_000);
    send(p, 'a', 1, 'again');
    p.run(6_000_000);
    const sacks = p.wire.filter((w) => w.from === 'b').flatMap((w) => w.chunks).filter((c) => c.kind === 'SACK');
    expect(sacks.some((s) => s.kind === 'SACK' && s.duplicateTsns.length === 1)).toBe(true);
    expect(p.messages('b')).toEqual(['again']);
  });
});

describe('Partial reliability (RFC 3758)', () => {
  it('an unordered max-retransmits=0 message lost on the wire is abandoned, skipped with FORWARD-TSN, and later messages still arrive', () => {
    let lost = false;
    const p = connected({}, (_n, from, chunks) => {
      const d = chunks.find((c) => c.kind === 'DATA');
      return from === 'a' && d?.kind === 'DATA' && new TextDecoder().decode(d.userData) === 'lost' && !lost && (lost = true);
    });
    send(p, 'a', 3, 'first', { unordered: true, maxRetransmits: 0 });
    send(p, 'a', 3, 'lost', { unordered: true, maxRetransmits: 0 });
    send(p, 'a', 3, 'third', { unordered: true, maxRetransmits: 0 });
    p.run(8_000_000);
    expect(p.messages('b')).toEqual(['first', 'third']);
    expect(p.notes('a', 'sctp.abandoned')).toEqual([expect.stringMatching(/abandoned: max-retransmits/)]);
    expect(kinds(p, 'a').some((k) => k.includes('FORWARD-TSN'))).toBe(true);
    expect(p.a.sender?.busy).toBe(false);
  });

  it('an ordered message past its max-lifetime is abandoned and the stream skips its SSN', () => {
    let lost = 0;
    const p = connected({}, (_n, from, chunks) => from === 'a' && chunks.some((c) => c.kind === 'DATA' && new TextDecoder().decode(c.userData) === 'late') && lost++ < 5);
    send(p, 'a', 1, 'late', { maxLifetime: 500 });
    send(p, 'a', 1, 'next');
    p.run(10_000_000);
    expect(p.messages('b')).toEqual(['next']);
    expect(p.notes('a', 'sctp.abandoned')).toEqual([expect.stringMatching(/max-lifetime/)]);
  });
});

describe('Closing, resetting and hostile input', () => {
  it('SHUTDOWN, SHUTDOWN-ACK, SHUTDOWN-COMPLETE once everything is acknowledged (§9.2)', () => {
    const p = connected();
    send(p, 'a', 1, 'bye');
    p.a.shutdown(p.now);
    p.pump('a');
    p.run(5_000_000);
    expect(p.messages('b')).toEqual(['bye']);
    expect(kinds(p).slice(-3)).toEqual(['SHUTDOWN', 'SHUTDOWN-ACK', 'SHUTDOWN-COMPLETE']);
    expect([p.a.state, p.b.state]).toEqual(['closed', 'closed']);
  });

  it('ABORT closes both sides at once with its cause', () => {
    const p = connected();
    p.a.abort('going away');
    p.pump('a');
    p.run(2_000_000);
    expect([p.a.state, p.b.state]).toEqual(['closed', 'closed']);
    expect(p.notes('b', 'sctp.abort')).toEqual(['ABORT received: User-Initiated Abort: "going away"']);
  });

  it('an outgoing stream reset (RFC 6525) is performed by the peer and restarts the stream SSNs', () => {
    const p = connected();
    send(p, 'a', 5, 'before');
    p.run(2_000_000);
    p.a.resetStreams([5]);
    p.pump('a');
    p.run(4_000_000);
    expect(p.outputs.b.filter((o) => o.type === 'streams-reset')).toEqual([{ type: 'streams-reset', direction: 'incoming', streams: [5] }]);
    expect(p.outputs.a.filter((o) => o.type === 'streams-reset')).toEqual([{ type: 'streams-reset', direction: 'outgoing', streams: [5] }]);
    send(p, 'a', 5, 'after');
    p.run(6_000_000);
    expect(p.messages('b')).toEqual(['before', 'after']);
    const last = p.wire.flatMap((w) => w.chunks).filter((c) => c.kind === 'DATA').pop();
    expect(last?.kind === 'DATA' && last.ssn).toBe(0);
  });

  it('a peer that never SACKs: retransmissions back off, the queue stays bounded, and the association fails after Association.Max.Retrans', () => {
    const p = connected({ a: { maxRetrans: 4, maxQueued: 10_000 } }, (_n, from, chunks) => from === 'b' && chunks.some((c) => c.kind === 'SACK'));
    send(p, 'a', 1, 'x'.repeat(6000));
    expect(p.a.send(p.now, 1, 51, new Uint8Array(6000))).toBe(false);
    p.run(200_000_000);
    expect(p.a.state).toBe('closed');
    expect(p.notes('a', 'sctp.peer.unresponsive')).toHaveLength(1);
    expect(p.notes('a', 'sctp.limit')).toEqual([expect.stringMatching(/send queue full/)]);
    expect(p.notes('a', 'sctp.retransmit').map((t) => /RTO now (\d+) ms/.exec(t)?.[1])).toEqual(['2000', '4000', '8000', '16000', '32000']);
  });

  it('a wrong verification tag, a lying chunk length and random bytes change nothing and are noted', () => {
    const p = connected();
    const good = encodeSctpPacket({ srcPort: 5000, dstPort: 5000, verificationTag: p.b.localTag, chunks: [{ kind: 'ABORT', reflected: false, causes: [] }] });
    const wrongTag = encodeSctpPacket({ srcPort: 5000, dstPort: 5000, verificationTag: 1234, chunks: [{ kind: 'ABORT', reflected: false, causes: [] }] });
    const lying = good.slice();
    lying[15] = 200;
    p.b.handlePacket(p.now, wrongTag);
    p.b.handlePacket(p.now, lying);
    p.b.handlePacket(p.now, Uint8Array.of(1, 2, 3, 4, 5));
    p.pump('b');
    expect(p.b.state).toBe('established');
    expect(p.notes('b', 'sctp.malformed')).toEqual([expect.stringMatching(/verification tag 0x4d2/), expect.stringMatching(/(chunk length 200|bad CRC32c)/), expect.stringMatching(/common header needs 12 bytes/)]);
  });
});
