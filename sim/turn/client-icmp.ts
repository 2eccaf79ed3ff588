import type { IcmpError, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import type { TransactionOutput } from '../stun/transactions.ts';
import { icmpCodeName, icmpTypeName } from '../wire/icmp/names.ts';
import { turnNote } from './notes.ts';

/** An ICMP error a TURN server relayed in a Data indication (RFC 8656 §11.6): about a datagram sent to `peer`. */
export interface TurnPeerIcmp {
  readonly peer: TransportAddress;
  readonly via: 'icmp';
  readonly icmp: { readonly type: number; readonly code: number; readonly data: number };
}

/** "Port Unreachable", "Fragmentation needed (MTU 1280)": the ICMP attribute's type and code by the peer's IP version. */
export function turnIcmpName(family: 4 | 6, type: number, code: number, data: number): string {
  const name = icmpCodeName(family, type, code) ?? icmpTypeName(family, type);
  return tooBig(family, type, code) && data > 0 ? `${name} (MTU ${data})` : name;
}

function tooBig(family: 4 | 6, type: number, code: number): boolean {
  return family === 4 ? type === 3 && code === 4 : type === 2;
}

/**
 * The ICMP error as the relayed transport's owner would have had it from its own socket (RFC 8656 §11.6: the client
 * acts on it as on a local ICMP error): `local` is the relayed address, `from` the TURN server (the attribute does
 * not carry who sent the ICMP).
 */
export function icmpErrorOfRelay(relayed: TransportAddress, server: TransportAddress, r: TurnPeerIcmp): IcmpError {
  const family = r.peer.ip.includes(':') ? 6 : 4;
  const { type, code, data } = r.icmp;
  const kind = family === 4 ? (type === 3 ? (code === 4 ? 'too-big' : 'unreachable') : type === 11 ? 'time-exceeded' : 'other') : type === 1 ? 'unreachable' : type === 2 ? 'too-big' : type === 3 ? 'time-exceeded' : 'other';
  return { from: server.ip, local: relayed, remote: r.peer, kind, error: turnIcmpName(family, type, code, data), type, code, family, ...(kind === 'too-big' && data > 0 ? { mtu: data } : {}) };
}

/**
 * RFC 8656 §11.6: a Data indication with ICMP reports an error about a datagram the server relayed to `peer`. It is
 * acted on only when the session believes it holds a permission for the peer's IP (`held`, as for peer data, §10.4);
 * either way it is noted.
 */
export function icmpIndication(peer: TransportAddress, icmp: TurnPeerIcmp['icmp'], held: boolean, who: string, server: string, out: Pick<TransactionOutput, 'note'>): TurnPeerIcmp | 'consumed' {
  const error = turnIcmpName(peer.ip.includes(':') ? 6 : 4, icmp.type, icmp.code, icmp.data);
  out.note(turnNote('turn.icmp.received', `${who}: ICMP ${error} about its datagram to peer ${formatTransportAddress(peer)}, relayed by TURN server ${server}${held ? '' : '; no permission for that peer, ignored'}`, { server, peer: formatTransportAddress(peer), type: icmp.type, code: icmp.code, data: icmp.data, error }));
  return held ? { peer, via: 'icmp', icmp } : 'consumed';
}
