import { turnNote } from './notes.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import { formatDuration } from '../core/time.ts';
import type { StunMessage } from '../wire/stun/index.ts';
import { CHANNEL_MAX, CHANNEL_MAX_RFC5766, CHANNEL_MIN, ChannelNumber, getAttribute, getAttributes, hex16, Method, XorPeerAddress } from '../wire/stun/index.ts';
import type { Allocation } from './allocation.ts';
import type { TurnServer } from './server.ts';

export type PeerRequestOutcome = { readonly ok: true } | { readonly error: 400 | 403 | 443; readonly reason: string };

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
    const expiresAt = now + server.channelLifetime;
    if (onChannel) onChannel.expiresAt = expiresAt;
    else alloc.channels.set(channel, { channel, peer, expiresAt });
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
  for (const p of peers) installPermission(server, now, alloc, p.ip, true);
  return { ok: true };
}

function installPermission(server: TurnServer, now: Micros, alloc: Allocation, ip: string, say: boolean): void {
  const existing = alloc.permissions.get(ip);
  const expiresAt = now + server.permissionLifetime;
  if (existing) {
    existing.expiresAt = expiresAt;
    existing.expiredNoted = false;
  } else alloc.permissions.set(ip, { ip, expiresAt, expiredNoted: false });
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
