import { turnNote } from './notes.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { formatDuration, SECOND } from '../core/time.ts';
import type { StunMessage } from '../wire/stun/index.ts';
import { CHANNEL_MAX, CHANNEL_MAX_RFC5766, CHANNEL_MIN, ChannelNumber, getAttribute, getAttributes, hex16, Method, XorPeerAddress } from '../wire/stun/index.ts';
import type { Allocation } from './allocation.ts';
import type { TurnServer } from './server.ts';

export type PeerRequestOutcome = { readonly ok: true } | { readonly error: 400 | 403 | 443 | 508; readonly reason: string };

/** CreatePermission (RFC 8656 §9.2) and ChannelBind (§11.2) on an authenticated request for an existing allocation. */
export function handlePermissionOrChannel(server: TurnServer, now: Micros, msg: StunMessage, alloc: Allocation): PeerRequestOutcome {
  const peers = getAttributes(msg, XorPeerAddress);
  if (peers.length === 0) return { error: 400, reason: 'Bad Request: XOR-PEER-ADDRESS missing' };
  const family = (ip: string): number => (ip.includes(':') ? 6 : 4);
  for (const p of peers) {
    if (family(p.ip) !== family(alloc.relayed.ip)) return { error: 443, reason: 'Peer Address Family Mismatch' };
    const denied = server.peerDenied(p.ip);
    if (denied) {
      server.out.note(turnNote('turn.peer.denied', `${p.ip} is in the denied range ${denied}: 403 Forbidden (RFC 8656 §21.2.3)`, { peer: p.ip, range: denied }));
      return { error: 403, reason: `Forbidden: peer ${p.ip} is in a denied range` };
    }
  }
  if (msg.method === Method.ChannelBind) {
    const channel = getAttribute(msg, ChannelNumber);
    const peer = peers[0]!;
    // RFC 8656 §12: an expired channel stays reserved for 5 more minutes before it can be rebound elsewhere
    alloc.releaseChannels(now, 300 * SECOND);
    if (channel === undefined) return { error: 400, reason: 'Bad Request: CHANNEL-NUMBER missing' };
    const max = server.config.acceptRfc5766Channels ? CHANNEL_MAX_RFC5766 : CHANNEL_MAX;
    // RFC 8656 §11.2: a channel number outside 0x4000–0x4FFF is a 400
    if (channel < CHANNEL_MIN || channel > max) return { error: 400, reason: `Bad Request: channel ${hex16(channel)} is outside 0x4000–${hex16(max)}` };
    const onChannel = alloc.channels.get(channel);
    if (onChannel && (onChannel.peer.ip !== peer.ip || onChannel.peer.port !== peer.port)) {
      return { error: 400, reason: `Bad Request: channel ${hex16(channel)} is bound to ${formatTransportAddress(onChannel.peer)}` };
    }
    const ofPeer = alloc.bindingOfPeer(peer);
    if (ofPeer && ofPeer.channel !== channel) return { error: 400, reason: `Bad Request: ${formatTransportAddress(peer)} is bound to channel ${hex16(ofPeer.channel)}` };
    if (!onChannel && alloc.channels.size >= server.maxChannelsPerAllocation) {
      return { error: 508, reason: `Insufficient Capacity: the allocation holds its maximum of ${server.maxChannelsPerAllocation} channels` };
    }
    if (!alloc.permissions.has(peer.ip) && alloc.permissions.size >= server.maxPermissionsPerAllocation) alloc.forgetExpiredPermissions(now);
    if (!alloc.permissions.has(peer.ip) && alloc.permissions.size >= server.maxPermissionsPerAllocation) {
      return { error: 508, reason: `Insufficient Capacity: the allocation holds its maximum of ${server.maxPermissionsPerAllocation} permissions` };
    }
    const expiresAt = now + server.channelLifetime;
    if (onChannel) onChannel.expiresAt = expiresAt;
    else alloc.bindChannel({ channel, peer, expiresAt });
    server.stats.channels++;
    server.out.note(
      turnNote('turn.channel.bound', `channel ${hex16(channel)} ${onChannel ? 'refreshed' : 'bound'} to ${formatTransportAddress(peer)} on ${formatTransportAddress(alloc.relayed)} for ${formatDuration(server.channelLifetime)}`, {
        channel,
        peer: formatTransportAddress(peer),
        relayed: formatTransportAddress(alloc.relayed),
      }),
    );
    // RFC 8656 §11.2: a ChannelBind also installs or refreshes the permission for the peer's address
    installPermission(server, now, alloc, peer.ip, false);
    return { ok: true };
  }
  // RFC 8656 §9.2: all the permissions or none; past the per-allocation cap the request is a 508 and installs nothing
  let fresh = new Set(peers.map((p) => p.ip).filter((ip) => !alloc.permissions.has(ip)));
  if (alloc.permissions.size + fresh.size > server.maxPermissionsPerAllocation) {
    alloc.forgetExpiredPermissions(now);
    fresh = new Set(peers.map((p) => p.ip).filter((ip) => !alloc.permissions.has(ip)));
  }
  if (alloc.permissions.size + fresh.size > server.maxPermissionsPerAllocation) {
    return { error: 508, reason: `Insufficient Capacity: ${fresh.size} new permission(s) would exceed the allocation's maximum of ${server.maxPermissionsPerAllocation}` };
  }
  for (const p of peers) installPermission(server, now, alloc, p.ip, true);
  return { ok: true };
}

function installPermission(server: TurnServer, now: Micros, alloc: Allocation, ip: string, say: boolean): void {
  const existing = alloc.permissions.get(ip);
  const expiresAt = now + server.permissionLifetime;
  let permission = existing;
  if (permission) {
    permission.expiresAt = expiresAt;
    permission.expiredNoted = false;
  } else {
    permission = { ip, expiresAt, expiredNoted: false };
    alloc.permissions.set(ip, permission);
  }
  server.permissionSet(alloc, permission);
  server.stats.permissions++;
  if (say || !existing) {
    server.out.note(
      turnNote('turn.permission.installed', `permission for ${ip} on ${formatTransportAddress(alloc.relayed)} ${existing ? 'refreshed' : 'installed'} for ${formatDuration(server.permissionLifetime)}`, {
        peer: ip,
        relayed: formatTransportAddress(alloc.relayed),
      }),
    );
  }
}
