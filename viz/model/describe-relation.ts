import type { Relation } from './relations.ts';

const ms = (us: number): string => `${(us / 1000).toFixed(1)} ms`;

/** How the relation reads from one of its two ends: "response to #12 after 3.1 ms", "retransmission #2 of #9". */
export function describeRelation(r: Relation, side: 'cause' | 'effect'): string {
  const c = `#${r.cause}`;
  const e = `#${r.effect}`;
  const after = `after ${ms(r.dt)}`;
  switch (r.kind) {
    case 'response':
      return side === 'effect' ? `response to ${c} after ${ms(r.dt)} (round trip)` : `answered by ${e} (${r.detail}) ${after} (round trip)`;
    case 'retransmission':
      return side === 'effect' ? `retransmission #${r.nth ?? 1} of ${c} (${r.detail}) ${after}` : `retransmitted as ${e} (#${r.nth ?? 1}) ${after}`;
    case 'dtls-cookie':
      return side === 'effect'
        ? r.detail === 'HelloVerifyRequest'
          ? `HelloVerifyRequest answering ClientHello ${c} ${after}`
          : `ClientHello carrying the cookie of ${c} ${after}`
        : r.detail === 'HelloVerifyRequest'
          ? `answered by HelloVerifyRequest ${e} ${after}`
          : `its cookie came back in ClientHello ${e} ${after}`;
    case 'channel-data':
      return side === 'effect' ? `first ChannelData on ${r.detail}, bound by ${c} ${after}` : `binds ${r.detail}: first ChannelData ${e} ${after}`;
    case 'relay-use':
      return side === 'effect' ? `first use of the ${r.detail} address allocated by ${c} ${after}` : `${r.detail}: first used by ${e} ${after}`;
    case 'first-media':
      return side === 'effect' ? `first media on the pair nominated by ${c} ${after}` : `nominates the pair: first media ${e} ${after}`;
    case 'relayed':
      return side === 'effect' ? `${r.detail}: the same datagram as ${c}, on the relay's other leg, ${after}` : `${r.detail}: relayed as ${e} ${after}`;
    case 'tcp-connection':
      return side === 'effect' ? `${r.detail}, set up by ${c} ${after} (RFC 6062)` : `sets up ${r.detail}: ${e} ${after}`;
  }
}

