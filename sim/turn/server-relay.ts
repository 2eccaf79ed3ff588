// The TURN relay's data path (RFC 8656 §10.3, §12): client data out to a peer, peer data back to the client, and why
// either was dropped. Split from server.ts, which decides what arrived; these decide where it goes.
import { turnNote } from './notes.ts';
import type { TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress, sameTransportAddress } from '../core/endpoint.ts';
import { printable } from '../core/encoding.ts';
import type { Micros } from '../core/time.ts';
import { formatDuration } from '../core/time.ts';
import { Data, encodeChannelData, encodeStun, Method, XorPeerAddress } from '../wire/stun/index.ts';
import type { Allocation } from './allocation.ts';
import type { TurnServer } from './server.ts';

export function relayToPeer(server: TurnServer, now: Micros, alloc: Allocation, peer: TransportAddress, data: Uint8Array, via: string): void {
  // RFC 8656 §21.2.3 spirit: the relay never sends to the server's own listening address (it would answer itself)
  if (sameTransportAddress(peer, server.config.listen)) {
    dropToPeer(server, alloc, `${via} to ${formatTransportAddress(peer)}`, "that is this server's own listening address", peer);
    return;
  }
  if (!alloc.hasPermission(peer.ip, now)) {
    const p = alloc.permissions.get(peer.ip);
    dropToPeer(server, alloc, `${via} to ${formatTransportAddress(peer)}`, p ? `the permission for ${peer.ip} expired ${formatDuration(now - p.expiresAt)} ago` : `no permission for ${peer.ip}`, peer);
    return;
  }
  alloc.stats.toPeer++;
  server.stats.relayedToPeer++;
  server.out.note(
    turnNote('turn.relay.to-peer', `${via} relayed from ${formatTransportAddress(alloc.relayed)} to ${formatTransportAddress(peer)}: "${printable(data)}"`, {
      relayed: formatTransportAddress(alloc.relayed),
      peer: formatTransportAddress(peer),
      length: data.length,
    }),
  );
  server.out.transmit(alloc.relayed, peer, data);
}

/** `what` was dropped for `reason` (the note's text says "<what> dropped: <reason>"). */
export function dropToPeer(server: TurnServer, alloc: Allocation | undefined, what: string, reason: string, peer?: TransportAddress): void {
  server.stats.droppedToPeer++;
  if (alloc) alloc.stats.droppedToPeer++;
  server.out.note(turnNote('turn.drop', `${what} dropped: ${reason}`, { direction: 'to-peer', reason, ...(peer ? { peer: formatTransportAddress(peer) } : {}) }));
}

/** RFC 8656 §10.3, §12.7: data from a peer at a relayed address goes to the client if a permission exists. */
export function fromPeer(server: TurnServer, now: Micros, alloc: Allocation, peer: TransportAddress, data: Uint8Array): void {
  if (!alloc.hasPermission(peer.ip, now)) {
    const p = alloc.permissions.get(peer.ip);
    const reason = p ? `the permission for ${peer.ip} expired ${formatDuration(now - p.expiresAt)} ago` : `no permission for ${peer.ip}`;
    alloc.stats.droppedFromPeer++;
    server.stats.droppedFromPeer++;
    server.lastDrop = `TURN ${p ? 'permission expired' : 'no permission'}: peer ${peer.ip}, relayed address ${formatTransportAddress(alloc.relayed)}`;
    server.out.note(
      turnNote('turn.drop', `datagram from peer ${formatTransportAddress(peer)} to relayed address ${formatTransportAddress(alloc.relayed)} dropped: ${reason} (RFC 8656 §10.3)`, {
        direction: 'from-peer',
        reason: p ? 'permission expired' : 'no permission',
        peer: formatTransportAddress(peer),
        relayed: formatTransportAddress(alloc.relayed),
      }),
    );
    return;
  }
  alloc.stats.fromPeer++;
  server.stats.relayedToClient++;
  const ch = alloc.channelFor(peer, now);
  let bytes: Uint8Array;
  let via: string;
  if (ch) {
    bytes = encodeChannelData({ channel: ch.channel, data }, { transport: alloc.transport }); // padded on a stream (RFC 8656 §12.5)
    via = `ChannelData 0x${ch.channel.toString(16)}`;
  } else {
    const tid = server.indicationRng.bytes(12);
    bytes = encodeStun({ method: Method.Data, class: 'indication', transactionId: tid, attributes: [XorPeerAddress.of(peer), Data.of(data)] }, { fingerprint: true });
    via = 'Data indication';
  }
  server.out.note(
    turnNote('turn.relay.to-client', `datagram from ${formatTransportAddress(peer)} relayed to ${formatTransportAddress(alloc.client)} as ${via}: "${printable(data)}"`, {
      peer: formatTransportAddress(peer),
      client: formatTransportAddress(alloc.client),
      via,
      length: data.length,
    }),
  );
  server.out.transmit(alloc.server, alloc.client, bytes, alloc.transport);
}
