/**
 * The DTLS 1.2 handshake written down as data, next to the diagram of RFC 6347 §4.2.4 (Figure 1) and the
 * message flights of §4.2.5 (mutual authentication, as WebRTC runs it):
 *
 *   Client                                          Server
 *   ------                                          ------
 *   ClientHello             -------->                          Flight 1
 *                           <-------    HelloVerifyRequest     Flight 2
 *   ClientHello             -------->                          Flight 3
 *                                              ServerHello    \
 *                                             Certificate*     \
 *                                       ServerKeyExchange*      Flight 4
 *                                      CertificateRequest*     /
 *                           <--------      ServerHelloDone    /
 *   Certificate*                                              \
 *   ClientKeyExchange                                          \
 *   CertificateVerify*                                          Flight 5
 *   [ChangeCipherSpec]                                         /
 *   Finished                -------->                         /
 *                                      [ChangeCipherSpec]     \ Flight 6
 *                           <--------             Finished    /
 */

export type FlightNumber = 1 | 2 | 3 | 4 | 5 | 6;

export interface FlightSpec {
  readonly number: FlightNumber;
  readonly sender: 'client' | 'server';
  readonly messages: readonly string[];
  /**
   * How the flight is retransmitted: on the timer (the sender then waits for an answer), never (§4.2.1: the
   * HelloVerifyRequest is stateless), or only when the peer retransmits its last flight (§4.2.4: the final flight).
   */
  readonly retransmit: 'timer' | 'never' | 'on-peer-retransmit';
  /** The flight(s) that answer this one. */
  readonly answeredBy: readonly FlightNumber[];
}

export const FLIGHTS: Readonly<Record<FlightNumber, FlightSpec>> = {
  1: { number: 1, sender: 'client', messages: ['ClientHello'], retransmit: 'timer', answeredBy: [2, 4] },
  2: { number: 2, sender: 'server', messages: ['HelloVerifyRequest'], retransmit: 'never', answeredBy: [3] },
  3: { number: 3, sender: 'client', messages: ['ClientHello (with cookie)'], retransmit: 'timer', answeredBy: [4] },
  4: {
    number: 4,
    sender: 'server',
    messages: ['ServerHello', 'Certificate', 'ServerKeyExchange', 'CertificateRequest', 'ServerHelloDone'],
    retransmit: 'timer',
    answeredBy: [5],
  },
  5: {
    number: 5,
    sender: 'client',
    messages: ['Certificate', 'ClientKeyExchange', 'CertificateVerify', 'ChangeCipherSpec', 'Finished'],
    retransmit: 'timer',
    answeredBy: [6],
  },
  6: { number: 6, sender: 'server', messages: ['ChangeCipherSpec', 'Finished'], retransmit: 'on-peer-retransmit', answeredBy: [] },
};

/** RFC 6347 §4.2.4 state machine: each side is always in one of these. */
export type FlightState = 'preparing' | 'sending' | 'waiting' | 'finished';

/** RFC 6347 §4.2.4.1: initial retransmission timer 1 s, doubled at each retransmission, up to 60 s. */
export const INITIAL_RETRANSMIT_TIMEOUT = 1_000_000;
export const MAX_RETRANSMIT_TIMEOUT = 60_000_000;

/** The next timer value after a retransmission. */
export function backoff(current: number, max = MAX_RETRANSMIT_TIMEOUT): number {
  return Math.min(current * 2, max);
}
