import { describe, expect, it } from 'vitest';
import type { MatrixSide } from './traversal.ts';
import { MATRIX_SIDES, runMatrixCell } from './traversal.ts';
import { parseScenario } from '../scenario/parse.ts';
import { matrixScenario } from '../scenario/presets/ice-pair.ts';
import { runScenario } from '../scenario/run.ts';
import { decodeTcpDatagram } from '../wire/tcp/tcp-datagram.ts';

/*
 * The NAT traversal matrix. Alice (controlling) and bob (controlled) each sit behind one of the classic NATs, with a
 * STUN/TURN server on the public internet. The expectation of every cell is derived here from the RFC 4787
 * properties of the two sides — never from what the agent happens to do — and each comes with its one-line reason.
 * An outcome is alice's selected pair as "<local type>/<remote type>", or "failed".
 */

interface Side {
  readonly udp: boolean;
  readonly public: boolean;
  /** RFC 4787 §4.1: endpoint-independent mapping (EIM) keeps one external port for every destination. */
  readonly mapping: 'EIM' | 'APDM';
  /** RFC 4787 §5: which sources may come in through a mapping. */
  readonly filtering: 'EIF' | 'ADF' | 'APDF';
}

const SIDES: Record<MatrixSide, Side> = {
  open: { udp: true, public: true, mapping: 'EIM', filtering: 'EIF' },
  'full-cone': { udp: true, public: false, mapping: 'EIM', filtering: 'EIF' },
  'restricted-cone': { udp: true, public: false, mapping: 'EIM', filtering: 'ADF' },
  'port-restricted-cone': { udp: true, public: false, mapping: 'EIM', filtering: 'APDF' },
  symmetric: { udp: true, public: false, mapping: 'APDM', filtering: 'APDF' },
  'udp-blocked': { udp: false, public: true, mapping: 'EIM', filtering: 'EIF' },
  // TCP out to 80 and 443 only: of the TURN server's three URLs, only turns:…:443 gets through
  'web-only': { udp: false, public: true, mapping: 'EIM', filtering: 'EIF' },
};

/** The type a side's address has for its peer: its own address, the STUN-learned mapping, or a per-peer mapping. */
const typeOf = (s: Side): string => (s.public ? 'host' : s.mapping === 'EIM' ? 'srflx' : 'prflx');
const PREF: Record<string, number> = { host: 126, prflx: 110, srflx: 100, relay: 0 };

function expected(a: MatrixSide, b: MatrixSide, turn: boolean): { outcome: string; transport: string | null; reason: string } {
  const r = expectedPair(a, b, turn);
  // alice's side: a relayed local candidate is reached over UDP unless her UDP is blocked (then TURN over TCP)
  // (TURN over TCP on 3478; TLS on 443 when only the web ports get out)
  const transport = r.outcome === 'failed' ? null : r.outcome.startsWith('relay/') ? `turn/${SIDES[a].udp ? 'udp' : a === 'web-only' ? 'tls' : 'tcp'}` : 'udp';
  return { ...r, transport };
}

function expectedPair(a: MatrixSide, b: MatrixSide, turn: boolean): { outcome: string; reason: string } {
  const A = SIDES[a];
  const B = SIDES[b];
  if (!A.udp || !B.udp) {
    if (!turn) return { outcome: 'failed', reason: 'UDP is blocked on one side: no check, no STUN, no TURN over UDP gets through, and there is no TURN server' };
    // RFC 8656 §3.1: the blocked side reaches the TURN server over TCP; its relayed address speaks UDP to the other side
    if (!A.udp && !B.udp) return { outcome: 'relay/relay', reason: 'both sides only reach the TURN server over TCP: relay to relay is the one path' };
    if (!A.udp) return { outcome: `relay/${typeOf(B)}`, reason: `alice only gets out through TURN over TCP; her relay reaches bob's ${typeOf(B)} address (his checks to her relay open his NAT), which beats relay to relay (§6.1.2.3)` };
    return { outcome: `${typeOf(A)}/relay`, reason: `bob only gets out through TURN over TCP; alice's checks reach his relayed address over UDP, her side as the relay sees it being ${typeOf(A)}` };
  }
  let direct: string | undefined;
  if (A.public || B.public) {
    direct = 'a public side takes any check, and its answer goes back to the exact source, which every filtering lets in';
  } else if (A.mapping === 'EIM' && B.mapping === 'EIM') {
    direct = 'both mappings are endpoint-independent: each side checks the other\'s STUN-learned address, and once both have sent, even address-and-port-dependent filtering lets the other in';
  } else if (A.mapping !== B.mapping) {
    const eim = A.mapping === 'EIM' ? B : A;
    const eimF = A.mapping === 'EIM' ? A.filtering : B.filtering;
    void eim;
    if (eimF !== 'APDF') {
      direct = `the symmetric side's checks come from a new port; the cone side's ${eimF === 'EIF' ? 'endpoint-independent' : 'address-dependent'} filtering lets them in (it has sent to that address), and the answer is a reply the symmetric NAT accepts`;
    }
  }
  if (direct) return { outcome: `${typeOf(A)}/${typeOf(B)}`, reason: direct };
  const why = A.mapping === 'APDM' && B.mapping === 'APDM'
    ? 'both mappings depend on the destination and both filters only take replies: no direct check can land'
    : 'the symmetric side checks from a port the port-restricted filter has never sent to, and its STUN-learned port takes nothing but the STUN server';
  if (!turn) return { outcome: 'failed', reason: `${why}; without TURN nothing is left` };
  // Both relayed paths work: alice's relay to bob's address as the relay sees it, or alice's address to bob's relay.
  // Both pairs have the same relay priority as their MIN, so MAX decides (prflx 110 > srflx 100), then G > D.
  const ta = typeOf(A);
  const tb = typeOf(B);
  const outcome = PREF[ta]! >= PREF[tb]! ? `${ta}/relay` : `relay/${tb}`;
  return { outcome, reason: `${why}; the TURN relay carries it, and of the two relayed pairs the one whose other end is ${outcome.replace('/relay', '').replace('relay/', '')} has the higher priority (§6.1.2.3)` };
}

const cells = (turn: boolean) =>
  MATRIX_SIDES.flatMap((a) => MATRIX_SIDES.map((b) => ({ a, b, turn, ...expected(a, b, turn) })));

describe('NAT traversal matrix with a TURN server', () => {
  it.each(cells(true))('alice $a × bob $b → $outcome $transport: $reason', ({ a, b, turn, outcome, transport }) => {
    const cell = runMatrixCell(a, b, turn);
    expect(cell.outcome).toBe(outcome);
    expect(cell.transport).toBe(transport);
    expect(cell.state).toBe(outcome === 'failed' ? 'failed' : 'completed');
  }, 60_000);
});

describe('NAT traversal matrix without TURN', () => {
  it.each(cells(false))('alice $a × bob $b → $outcome: $reason', ({ a, b, turn, outcome }) => {
    const cell = runMatrixCell(a, b, turn);
    expect(cell.outcome).toBe(outcome);
    expect(cell.state).toBe(outcome === 'failed' ? 'failed' : 'completed');
  }, 60_000);
});

describe('the matrix signals on the wire, as the call presets do', () => {
  it('each agent reaches the WebSocket signaling server through its own NAT or firewall; its description travels as TCP bytes', () => {
    const r = runScenario(parseScenario(matrixScenario('web-only', 'symmetric', { turn: false, duration: '5s' })));
    const connected = r.trace.notes.filter((n) => n.kind === 'signaling.connected').map((n) => n.source);
    expect(connected).toEqual(expect.arrayContaining(['alice/signaling', 'bob/signaling']));
    const received = r.trace.notes.filter((n) => n.kind === 'signaling.received').map((n) => n.source);
    expect(received).toEqual(expect.arrayContaining(['alice/signaling', 'bob/signaling']));
    // TCP to port 80 crosses alice's web-only firewall and bob's symmetric NAT
    const port80 = (link: string): number => r.trace.hops.filter((h) => h.link === link && decodeTcpDatagram(h.bytes).tcp?.value?.dstPort === 80 && h.drop === undefined).length;
    expect(port80('fwA-wan')).toBeGreaterThan(0);
    expect(port80('natB-wan')).toBeGreaterThan(0);
  }, 120_000);
});
