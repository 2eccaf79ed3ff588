import { describe, expect, it } from 'vitest';
import type { EndpointOutput, TransportAddress } from '../core/endpoint.ts';
import { utf8Decode, utf8Encode } from '../core/encoding.ts';
import type { Micros } from '../core/time.ts';
import { SECOND } from '../core/time.ts';
import { decodeSipMessage, encodeSipMessage, type SipMessage } from '../wire/sip/message.ts';
import { buildRequest, buildResponse } from './build.ts';
import { SipTransactionLayer, type ServerTransaction } from './stack.ts';

const A: TransportAddress = { ip: '192.0.2.1', port: 5060 };
const B: TransportAddress = { ip: '198.51.100.2', port: 5060 };

/** Runs a layer's timers until `until` with no input, collecting what it sends and when. */
function runTimers(layer: SipTransactionLayer, until: Micros): { t: Micros; text: string }[] {
  const sent: { t: Micros; text: string }[] = [];
  const drain = (t: Micros): void => {
    for (let o: EndpointOutput | undefined; (o = layer.out.shift()); ) if (o.type === 'transmit') sent.push({ t, text: utf8Decode(o.bytes) });
  };
  drain(0);
  for (let d = layer.deadline(); d && d.at <= until; d = layer.deadline()) {
    layer.handleTimeout(d.at);
    drain(d.at);
  }
  return sent;
}

const request = (method: string, branch = 'z9hG4bKtest1'): SipMessage =>
  buildRequest({ method, uri: 'sip:bob@198.51.100.2', local: A, branch, from: '<sip:alice@192.0.2.1>;tag=a1', to: '<sip:bob@198.51.100.2>', callId: 'call-1', cseq: 1 });

const seconds = (xs: { t: Micros }[]): number[] => xs.map((x) => x.t / SECOND);

describe('SIP transactions over UDP (RFC 3261 §17)', () => {
  it('client INVITE: Timer A retransmits at 0.5 s doubling, Timer B gives up at 32 s with a timeout', () => {
    const events: string[] = [];
    const layer = new SipTransactionLayer(A, { request: () => {}, ack: () => {} });
    layer.send(0, request('INVITE'), B, { response: () => events.push('response'), timeout: (t, timer) => events.push(`timeout ${timer} at ${t / SECOND}`) });
    expect(layer.deadline()!.reason).toBe('SIP Timer A: retransmit INVITE (500 ms)');
    const sent = runTimers(layer, 40 * SECOND);
    expect(seconds(sent)).toEqual([0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5]);
    expect(events).toEqual(['timeout B at 32']);
    expect(layer.out).toEqual([]);
  });

  it('client non-INVITE: Timer E doubles up to T2 (4 s), Timer F at 32 s', () => {
    const events: string[] = [];
    const layer = new SipTransactionLayer(A, { request: () => {}, ack: () => {} });
    layer.send(0, request('REGISTER'), B, { response: () => {}, timeout: (_t, timer) => events.push(timer) });
    const sent = runTimers(layer, 40 * SECOND);
    expect(seconds(sent)).toEqual([0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5]);
    expect(events).toEqual(['F']);
  });

  it('client INVITE: a non-2xx final is ACKed inside the transaction (same branch, the response\'s To tag) and its copies absorbed for Timer D', () => {
    const got: number[] = [];
    const layer = new SipTransactionLayer(A, { request: () => {}, ack: () => {} });
    const inv = request('INVITE');
    layer.send(0, inv, B, { response: (_t, r) => got.push(r.start.kind === 'response' ? r.start.status : 0), timeout: () => got.push(-1) });
    layer.out.length = 0;
    const busy = encodeSipMessage(buildResponse(inv, 486, 'Busy Here', { toTag: 'b9' }));
    layer.handleDatagram(100_000, B, busy);
    const ack = layer.out.shift();
    expect(ack?.type).toBe('transmit');
    const text = ack?.type === 'transmit' ? utf8Decode(ack.bytes) : '';
    expect(text).toMatch(/^ACK sip:bob@198\.51\.100\.2 SIP\/2\.0\r\n/);
    expect(text).toContain('branch=z9hG4bKtest1');
    expect(text).toContain('To: <sip:bob@198.51.100.2>;tag=b9');
    expect(text).toContain('CSeq: 1 ACK');
    // a retransmitted 486 is ACKed again, not handed up again
    layer.handleDatagram(600_000, B, busy);
    expect(layer.out.filter((o) => o.type === 'transmit')).toHaveLength(1);
    expect(got).toEqual([486]);
    expect(layer.deadline()!.reason).toBe('SIP Timer D: absorb retransmitted final responses (32 s)');
  });

  it('server INVITE: Timer G retransmits a non-2xx final until the ACK, Timer I absorbs ACK copies', () => {
    let tx: ServerTransaction | undefined;
    const layer = new SipTransactionLayer(B, { request: (_n, _r, t) => (tx = t), ack: () => {} });
    const inv = request('INVITE');
    layer.handleDatagram(0, A, encodeSipMessage(inv));
    expect(tx).toBeDefined();
    // RFC 3581: the stamped Via says where the request came from
    expect(tx!.request.headers[0]!.value).toBe('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKtest1;rport=5060;received=192.0.2.1');
    layer.respond(0, tx!, buildResponse(tx!.request, 486, 'Busy Here', { toTag: 'b9' }));
    const sent = runTimers(layer, 5 * SECOND);
    expect(seconds(sent)).toEqual([0, 0.5, 1.5, 3.5]);
    // the request retransmitted gets the response again
    layer.handleDatagram(5 * SECOND, A, encodeSipMessage(inv));
    expect(layer.out.splice(0).filter((o) => o.type === 'transmit')).toHaveLength(1);
    const ack = buildRequest({ method: 'ACK', uri: 'sip:bob@198.51.100.2', local: A, branch: 'z9hG4bKtest1', from: '<sip:alice@192.0.2.1>;tag=a1', to: '<sip:bob@198.51.100.2>;tag=b9', callId: 'call-1', cseq: 1 });
    layer.handleDatagram(5.1 * SECOND, A, encodeSipMessage(ack));
    expect(layer.deadline()!.reason).toBe('SIP Timer I: absorb ACK retransmissions (T4)');
    expect(runTimers(layer, 60 * SECOND)).toEqual([]);
    expect(layer.deadline()).toBeUndefined();
  });

  it('server INVITE: without an ACK Timer G caps at T2 and Timer H ends the transaction at 32 s', () => {
    let tx: ServerTransaction | undefined;
    const layer = new SipTransactionLayer(B, { request: (_n, _r, t) => (tx = t), ack: () => {} });
    layer.handleDatagram(0, A, encodeSipMessage(request('INVITE')));
    layer.respond(0, tx!, buildResponse(tx!.request, 603, 'Decline', { toTag: 'd1' }));
    const sent = runTimers(layer, 40 * SECOND);
    expect(seconds(sent)).toEqual([0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5]);
    expect(layer.out).toEqual([]);
    expect(tx!.state).toBe('terminated');
  });

  it('server non-INVITE: a retransmitted request gets the last response, Timer J ends it at 32 s', () => {
    let tx: ServerTransaction | undefined;
    let requests = 0;
    const layer = new SipTransactionLayer(B, { request: (_n, _r, t) => { requests++; tx = t; }, ack: () => {} });
    const reg = encodeSipMessage(request('REGISTER'));
    layer.handleDatagram(0, A, reg);
    layer.respond(0, tx!, buildResponse(tx!.request, 200, 'OK', { toTag: 'r1' }));
    layer.out.length = 0;
    layer.handleDatagram(SECOND, A, reg);
    expect(requests).toBe(1);
    const again = layer.out.shift();
    expect(again?.type === 'transmit' && decodeSipMessage(again.bytes).value?.start).toMatchObject({ status: 200 });
    expect(layer.deadline()).toEqual({ at: 32 * SECOND, reason: 'SIP Timer J: absorb request retransmissions (64·T1 = 32 s)' });
  });

  it('drops malformed datagrams with a note naming what is wrong, answers a CRLF CRLF keep-alive with CRLF', () => {
    const layer = new SipTransactionLayer(B, { request: () => { throw new Error('must not be called'); }, ack: () => {} });
    layer.handleDatagram(0, A, utf8Encode('INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n'));
    layer.handleDatagram(0, A, new Uint8Array([1, 2, 3]));
    layer.handleDatagram(0, A, utf8Encode('\r\n\r\n'));
    const notes = layer.out.filter((o) => o.type === 'note');
    expect(notes.map((n) => n.type === 'note' && n.kind)).toEqual(['sip.malformed', 'sip.malformed']);
    expect(notes[0]!.type === 'note' && notes[0]!.text).toContain('without From, To, Call-ID, CSeq, Max-Forwards');
    const pong = layer.out.find((o) => o.type === 'transmit');
    expect(pong?.type === 'transmit' && [...pong.bytes]).toEqual([13, 10]);
    expect(layer.malformed).toBe(2);
  });
});
