import { turnNote } from './notes.ts';
import type { IcmpError, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { encodeStun, Icmp, Method, XorPeerAddress } from '../wire/stun/index.ts';
import type { Allocation } from './allocation.ts';

/** What the server needs to relay an ICMP error to a client: the allocation at a relayed address, and a way out. */
export interface IcmpRelayHost {
  allocationAt(relayed: TransportAddress): Allocation | undefined;
  indicationId(): Uint8Array;
  note(n: ReturnType<typeof turnNote>): void;
  transmit(from: TransportAddress, to: TransportAddress, bytes: Uint8Array, alloc: Allocation): void;
}

/** RFC 8656 §11.5: ICMPv4 Destination Unreachable (3) and Time Exceeded (11); ICMPv6 1, 2 and 3 are relayed. */
export function relayableIcmp(family: 4 | 6, type: number): boolean {
  return family === 4 ? type === 3 || type === 11 : type === 1 || type === 2 || type === 3;
}

/**
 * RFC 8656 §18.13: the Error Data is the next-hop MTU for Fragmentation Needed (ICMPv4 3/4) and Packet Too Big
 * (ICMPv6 2), zero otherwise.
 */
export function icmpErrorData(family: 4 | 6, type: number, code: number, mtu: number | undefined): number {
  const tooBig = family === 4 ? type === 3 && code === 4 : type === 2;
  return tooBig ? (mtu ?? 0) >>> 0 : 0;
}

/**
 * RFC 8656 §11.5: an ICMP error about a datagram the server relayed to a peer goes to the allocation's client in a
 * Data indication with XOR-PEER-ADDRESS (the quoted destination) and ICMP, without DATA. Dropped silently (here: with
 * a note) when its type is not one of those, no allocation holds the quoted source, or the allocation has no
 * permission for the quoted destination's IP (the ICMP's own source is never checked against permissions). Sent as
 * a Data indication even when a channel is bound to the peer: ChannelData has no room for it. Returns whether it went.
 */
export function relayIcmpToClient(host: IcmpRelayHost, now: Micros, e: IcmpError): boolean {
  const family = e.family ?? (e.remote.ip.includes(':') ? 6 : 4);
  const about = `${formatTransportAddress(e.local)} → ${formatTransportAddress(e.remote)}`;
  const drop = (reason: string): false => {
    host.note(turnNote('turn.icmp.dropped', `ICMP ${e.error} from ${e.from} about ${about} not relayed: ${reason} (RFC 8656 §11.5)`, { from: e.from, peer: formatTransportAddress(e.remote), reason }));
    return false;
  };
  if (e.type === undefined || e.code === undefined) return drop('its ICMP type and code are unknown');
  if (!relayableIcmp(family, e.type)) return drop(`ICMP${family === 6 ? 'v6' : ''} type ${e.type} is not relayed`);
  const alloc = host.allocationAt(e.local);
  if (!alloc) return drop(`no allocation holds ${formatTransportAddress(e.local)}`);
  if (!alloc.hasPermission(e.remote.ip, now)) return drop(`no permission for ${e.remote.ip} on ${formatTransportAddress(alloc.relayed)}`);
  const data = icmpErrorData(family, e.type, e.code, e.mtu);
  const bytes = encodeStun(
    { method: Method.Data, class: 'indication', transactionId: host.indicationId(), attributes: [XorPeerAddress.of(e.remote), Icmp.of({ type: e.type, code: e.code, data })] },
    { fingerprint: true },
  );
  host.note(
    turnNote('turn.icmp.relayed', `ICMP ${e.error} from ${e.from} about ${about} relayed to ${formatTransportAddress(alloc.client)} in a Data indication (type ${e.type}, code ${e.code}${data ? `, MTU ${data}` : ''})`, {
      from: e.from,
      peer: formatTransportAddress(e.remote),
      client: formatTransportAddress(alloc.client),
      type: e.type,
      code: e.code,
      data,
    }),
  );
  host.transmit(alloc.server, alloc.client, bytes, alloc);
  return true;
}
