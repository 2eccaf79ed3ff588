// An ICE-lite agent (our mediasoup-style server's transports) follows the controlling agent's latest USE-CANDIDATE,
// as mediasoup's IceServer does (HandleTuple in state 'completed' selects the tuple of every check with
// USE-CANDIDATE). libwebrtc, controlling toward a lite peer, puts USE-CANDIDATE on the checks of its selected
// connection only, so a second nominated pair means Chromium switched, possibly to a pair of lower priority (the
// first one stopped answering under load): media, DTLS and the SACKs of SCTP must follow it there.
import { describe, expect, it } from 'vitest';
import type { TransportAddress } from '../core/endpoint.ts';
import { Rng } from '../core/rng.ts';
import type { Micros } from '../core/time.ts';
import { IceAgent } from './agent.ts';
import { encodeCheck } from './checks.ts';

const LITE: TransportAddress = { ip: '127.0.0.1', port: 40000 };
const HIGH: TransportAddress = { ip: '127.0.0.1', port: 50001 }; // Chromium's first candidate (higher PRIORITY)
const LOW: TransportAddress = { ip: '10.0.0.5', port: 50002 }; // its second (lower PRIORITY)

function lite(): { agent: IceAgent; check: (now: Micros, from: TransportAddress, priority: number, useCandidate: boolean) => void; dataTo: (now: Micros) => TransportAddress | undefined } {
  const agent = new IceAgent({ name: 'sfu', rng: Rng.fromSeed(5).fork('ice'), role: 'controlled', lite: true });
  agent.addLocalAddress(LITE);
  const drain = (now: Micros): TransportAddress | undefined => {
    let to: TransportAddress | undefined;
    for (let o = agent.poll(now); o.type !== 'timeout' && o.type !== 'idle'; o = agent.poll(now)) if (o.type === 'transmit') to = o.to;
    return to;
  };
  drain(0);
  let id = 0;
  return {
    agent,
    check: (now, from, priority, useCandidate) => {
      const bytes = encodeCheck({ transactionId: new Uint8Array(12).fill(++id), localUfrag: 'chro', remoteUfrag: agent.ufrag, remotePwd: agent.pwd, priority, controlling: true, tieBreaker: 7n, useCandidate });
      agent.handleDatagram(now, from, LITE, bytes);
      drain(now);
    },
    dataTo: (now) => {
      expect(agent.sendData(now, new Uint8Array([0x17, 0xfe, 0xfd]))).toBe(true);
      return drain(now);
    },
  };
}

describe('an ICE-lite agent and a controlling agent that nominates again', () => {
  it('moves to the latest nominated pair even when its priority is lower, and back', () => {
    const { agent, check, dataTo } = lite();
    check(1000, HIGH, 1862270975, true);
    expect(dataTo(2000)).toEqual(HIGH);
    check(3000, LOW, 1845493759, false); // a check without USE-CANDIDATE validates the pair, selects nothing
    expect(dataTo(4000)).toEqual(HIGH);
    check(5000, LOW, 1845493759, true);
    expect(agent.selected?.remote.address).toEqual(LOW);
    expect(dataTo(6000)).toEqual(LOW);
    check(7000, HIGH, 1862270975, true); // nominated again: the first pair, already nominated once
    expect(dataTo(8000)).toEqual(HIGH);
    expect(agent.state).toBe('completed');
  });
});
