// StunTransactions on its own, driven by hand: the RFC 8489 §6.2.1 schedule with per-request RTO and Rc (ICE sizes
// each check's RTO by RFC 8445 §14.3 and sends consent checks once), the Rm wait after a single send, a transaction
// that stops retransmitting but still takes its answer, and owners that write their own notes.
import { describe, expect, it } from 'vitest';
import type { TransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import type { JsonValue } from '../core/trace.ts';
import type { Micros } from '../core/time.ts';
import { MS, SECOND } from '../core/time.ts';
import { decodeStun, encodeStun, Method, XorMappedAddress } from '../wire/stun/index.ts';
import type { Transaction, TransactionOptions, TransactionResult } from './transactions.ts';
import { StunTransactions } from './transactions.ts';

const CLIENT: TransportAddress = { ip: '203.0.113.10', port: 5000 };
const SERVER: TransportAddress = { ip: '198.51.100.10', port: 3478 };

/** A table with a recording output; `run` follows its deadlines until it has none, or until `until`. */
function bench(options: TransactionOptions<string> = {}) {
  const sent: { at: Micros; bytes: Uint8Array }[] = [];
  const notes: { kind: string; data?: { [k: string]: JsonValue } }[] = [];
  const results: TransactionResult<string>[] = [];
  let now = 0;
  const tx = new StunTransactions<string>(
    Rng.fromSeed(4),
    { transmit: (_f, _t, bytes) => sent.push({ at: now, bytes }), note: (n) => void notes.push({ kind: n.kind, ...(n.data ? { data: n.data } : {}) }) },
    (r) => results.push(r),
    options,
  );
  const run = (until = Infinity): Micros => {
    for (let d = tx.deadline(); d && d.at <= until; d = tx.deadline()) {
      now = d.at;
      tx.handleTimeout(now);
    }
    return now;
  };
  const answer = (t: Transaction<string>, at: Micros): boolean => {
    now = at;
    const bytes = encodeStun({ method: Method.Binding, class: 'success', transactionId: t.transactionId, attributes: [XorMappedAddress.of(CLIENT)] });
    return tx.handleResponse(at, SERVER, CLIENT, decodeStun(bytes).value!, bytes);
  };
  return { tx, sent, notes, results, run, answer, start: (rto?: Micros, rc?: number) => tx.start(now, { from: CLIENT, to: SERVER, method: Method.Binding, attributes: [], context: 'ctx', ...(rto !== undefined ? { rto } : {}), ...(rc !== undefined ? { rc } : {}) }) };
}

describe('StunTransactions (RFC 8489 §6.2.1)', () => {
  it('a request with its own RTO and Rc doubles from that RTO and waits Rm times it after the last send', () => {
    const b = bench();
    b.start(750 * MS, 3);
    const end = b.run();
    // sends at 0, RTO, 3·RTO; gives up Rm·RTO = 16 × 750 ms after the last
    expect(b.sent.map((s) => s.at / MS)).toEqual([0, 750, 2250]);
    expect(end / MS).toBe(2250 + 16 * 750);
    expect(b.results).toEqual([expect.objectContaining({ kind: 'timeout' })]);
    expect(b.results[0]!.transaction.attempts).toBe(3);
  });

  it('the table defaults still give 0, 0.5, 1.5 … 31.5 s and a timeout at 39.5 s next to a request with its own RTO', () => {
    const b = bench();
    const plain = b.start();
    const slow = b.start(SECOND, 2);
    b.run();
    expect(plain.initialRto).toBe(500 * MS);
    expect(slow.initialRto).toBe(SECOND);
    const at = b.results.map((r) => [r.transaction.request.rto ?? 'default', r.at / MS]);
    expect(at).toEqual([[SECOND, 1000 + 16_000], ['default', 39_500]]);
  });

  it('Rc = 1 sends once and still waits Rm × RTO for the answer before giving up', () => {
    const b = bench();
    b.start(5 * SECOND, 1);
    const end = b.run();
    expect(b.sent).toHaveLength(1);
    expect(end).toBe(80 * SECOND);
    expect(b.notes.map((n) => n.kind)).toEqual(['stun.transaction.timeout']);
  });

  it('a transaction told to stop retransmitting sends nothing more, yet its late answer is still its result', () => {
    const b = bench();
    const t = b.start();
    b.run(500 * MS);
    b.tx.stopRetransmissions(t);
    b.run(20 * SECOND);
    expect(b.sent.map((s) => s.at / MS)).toEqual([0, 500]);
    expect(b.tx.isPending(t.transactionId)).toBe(true);
    expect(b.answer(t, 20 * SECOND)).toBe(true);
    expect(b.results).toEqual([expect.objectContaining({ kind: 'response', rtt: 20 * SECOND })]);
  });

  it('a stopped transaction gives up when the full schedule would have: 39.5 s after it started', () => {
    const b = bench();
    const t = b.start();
    b.run(1500 * MS);
    b.tx.stopRetransmissions(t);
    const end = b.run();
    expect(b.sent).toHaveLength(3);
    expect(end).toBe(39_500 * MS);
    expect(b.results).toEqual([expect.objectContaining({ kind: 'timeout' })]);
  });

  it('with notes off the owner hears of each retransmission and writes the notes itself', () => {
    const heard: number[] = [];
    const b = bench({ notes: false, onRetransmit: (_now, t) => heard.push(t.attempts) });
    b.start(undefined, 3);
    b.run();
    expect(heard).toEqual([2, 3]);
    expect(b.notes).toEqual([]);
    const loud = bench();
    loud.start(undefined, 3);
    loud.run();
    expect(loud.notes.map((n) => n.kind)).toEqual(['stun.retransmit', 'stun.retransmit', 'stun.transaction.timeout']);
  });

  it('a response ends only a pending transaction of the same method, once', () => {
    const b = bench();
    const t = b.start();
    const wrong = encodeStun({ method: Method.Allocate, class: 'success', transactionId: t.transactionId, attributes: [] });
    expect(b.tx.handleResponse(0, SERVER, CLIENT, decodeStun(wrong).value!, wrong)).toBe(false);
    expect(b.answer(t, 100 * MS)).toBe(true);
    expect(b.answer(t, 200 * MS)).toBe(false);
    expect(b.tx.pendingTransactions()).toEqual([]);
  });

  it('a hard ICMP error about the request ends it at once as a failure naming the error; another path is untouched', () => {
    const b = bench();
    const t = b.start();
    const other = b.tx.start(0, { from: CLIENT, to: { ip: '198.51.100.11', port: 3478 }, method: Method.Binding, attributes: [], context: 'other' });
    b.run(600 * MS); // one retransmission of each
    expect(b.tx.handleIcmpError(700 * MS, CLIENT, SERVER, 'Port Unreachable', '198.51.100.10')).toBe(1);
    expect(b.results).toEqual([expect.objectContaining({ kind: 'timeout', at: 700 * MS, icmp: 'Port Unreachable' })]);
    expect(b.results[0]!.transaction).toBe(t);
    expect(b.notes.find((n) => n.kind === 'stun.transaction.icmp-error')?.data).toMatchObject({ attempts: 2, error: 'Port Unreachable', from: '198.51.100.10' });
    expect(b.tx.pendingTransactions()).toEqual([other]);
    expect(b.answer(t, 800 * MS)).toBe(false);
  });
});
