import { toHex } from '../core/encoding.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import {
  ChannelNumber,
  ErrorCode,
  getAttribute,
  getAttributes,
  Lifetime,
  Method,
  methodName,
  XorPeerAddress,
  XorRelayedAddress,
  type StunMessage,
} from '../wire/stun/index.ts';

/**
 * The life of each TURN allocation as the wire shows it (RFC 8656): the long-term-credential challenge (§9.2: an
 * Allocate answered 401, then retried), the allocation and its lifetime (§7), refreshes and the release by a
 * Refresh with LIFETIME 0 (§8), permissions (§9) and channels (§11) with the peers they name, the data relayed by
 * Send/Data indications (§10) and ChannelData (§12), and every error response with its code and reason.
 * One allocation per (client, server) 5-tuple: a client that allocates again after a release starts a new one.
 */
export interface TurnStory {
  readonly client: string;
  readonly server: string;
  /** The client's address as the server saw it, when a NAT in between rewrote it (the 5-tuple's client side). */
  seenAs?: string;
  /** Set once an Allocate succeeded. */
  relayed?: string;
  lifetime?: number;
  readonly firstPacket: number;
  readonly firstT: Micros;
  allocatedPacket?: number;
  allocatedT?: Micros;
  /** The Refresh with LIFETIME 0 that released it (success), if seen. */
  releasedPacket?: number;
  releasedT?: Micros;
  refreshes: number;
  /** 401 challenges answered (the client retried with credentials). */
  challenges: number;
  readonly errors: { readonly method: string; readonly code: number; readonly reason: string; readonly packet: number }[];
  /** Peer IP addresses with a permission installed (CreatePermission or ChannelBind success, §9.1 / §11.2). */
  readonly permissions: Set<string>;
  /** Channel number → peer transport address, from ChannelBind successes. */
  readonly channels: Map<number, string>;
  sends: number;
  datas: number;
  /** ChannelData messages client → server and server → client. */
  channelDataUp: number;
  channelDataDown: number;
}

interface Pending {
  readonly story: TurnStory;
  readonly method: number;
  readonly peers: string[];
  readonly channel?: number;
  readonly lifetime?: number;
}

export class TurnLog {
  readonly allocations: TurnStory[] = [];
  private readonly current = new Map<string, TurnStory>();
  private readonly pending = new Map<string, Pending>();

  /**
   * One STUN message between a client and its server, counted once (not its copies at other vantage points), with
   * `src`/`dst` as seen on the wire; `canonical` maps a NAT's outside address to the inside one it was seen rewritten
   * from, so a request seen inside and its response seen outside belong to one allocation. Messages of other
   * methods (Binding, ICE checks) are ignored.
   */
  observe(m: StunMessage, src: string, dst: string, packet: number, t: Micros, canonical: (address: string) => string = (a) => a): void {
    if (m.method === Method.Binding || m.method > Method.ChannelBind) return;
    const fromClient = m.class === 'request' || (m.class === 'indication' && m.method === Method.Send);
    const [rawClient, rawServer] = fromClient ? [src, dst] : [dst, src];
    const [client, server] = [canonical(rawClient), canonical(rawServer)];
    const key = `${client} ${server}`;
    const tid = `${key} ${toHex(m.transactionId)}`;
    if (m.class === 'request') {
      let story = this.current.get(key);
      if (!story && m.method !== Method.Allocate) return; // the capture began after the allocation: nothing to tell
      if (m.method === Method.Allocate && (!story || story.releasedPacket !== undefined)) story = this.start(client, server, packet, t);
      if (!story) return;
      const channel = getAttribute(m, ChannelNumber);
      const lifetime = getAttribute(m, Lifetime);
      this.pending.set(tid, {
        story,
        method: m.method,
        peers: getAttributes(m, XorPeerAddress).map((a) => formatTransportAddress(a)),
        ...(channel !== undefined ? { channel } : {}),
        ...(lifetime !== undefined ? { lifetime } : {}),
      });
      return;
    }
    if (m.class === 'indication') {
      const story = this.current.get(key);
      if (story && m.method === Method.Send) story.sends++;
      else if (story && m.method === Method.Data) story.datas++;
      return;
    }
    const req = this.pending.get(tid);
    if (!req) return;
    this.pending.delete(tid);
    const s = req.story;
    if (m.class === 'error') {
      const e = getAttribute(m, ErrorCode);
      const code = e?.code ?? 0;
      // §9.2: the first Allocate without credentials is answered 401 with a realm and nonce; the retry carries them
      if (code === 401 && req.method === Method.Allocate && s.allocatedPacket === undefined) s.challenges++;
      else s.errors.push({ method: methodName(req.method), code, reason: (e?.reason ?? '').trim(), packet });
      return;
    }
    switch (req.method) {
      case Method.Allocate: {
        const r = getAttribute(m, XorRelayedAddress);
        if (r) s.relayed = formatTransportAddress(r);
        const life = getAttribute(m, Lifetime);
        if (life !== undefined) s.lifetime = life;
        if (rawClient !== client) s.seenAs = rawClient;
        s.allocatedPacket = packet;
        s.allocatedT = t;
        break;
      }
      case Method.Refresh: {
        const life = getAttribute(m, Lifetime) ?? req.lifetime;
        if (life === 0) {
          s.releasedPacket = packet;
          s.releasedT = t;
        } else {
          s.refreshes++;
          if (life !== undefined) s.lifetime = life;
        }
        break;
      }
      case Method.CreatePermission:
        for (const p of req.peers) s.permissions.add(hostOf(p));
        break;
      case Method.ChannelBind: {
        const peer = req.peers[0];
        if (req.channel !== undefined && peer) {
          s.channels.set(req.channel, peer);
          s.permissions.add(hostOf(peer));
        }
        break;
      }
    }
  }

  /** A ChannelData message between `src` and `dst` (either direction, canonical addresses), counted once. */
  channelData(src: string, dst: string): void {
    const up = this.current.get(`${src} ${dst}`);
    if (up) up.channelDataUp++;
    else {
      const down = this.current.get(`${dst} ${src}`);
      if (down) down.channelDataDown++;
    }
  }

  private start(client: string, server: string, packet: number, t: Micros): TurnStory {
    const s: TurnStory = {
      client,
      server,
      firstPacket: packet,
      firstT: t,
      refreshes: 0,
      challenges: 0,
      errors: [],
      permissions: new Set(),
      channels: new Map(),
      sends: 0,
      datas: 0,
      channelDataUp: 0,
      channelDataDown: 0,
    };
    this.allocations.push(s);
    this.current.set(`${client} ${server}`, s);
    return s;
  }
}

/** The IP part of "ip:port" or "[v6]:port": permissions are per peer IP address, not port (RFC 8656 §9). */
function hostOf(address: string): string {
  const m = /^\[(.*)\]:\d+$/.exec(address) ?? /^(.*):\d+$/.exec(address);
  return m ? m[1]! : address;
}

/** The lines `rtclab dissect --summary` prints for one allocation. */
export function formatTurnStory(s: TurnStory): string[] {
  const out: string[] = [];
  const client = s.seenAs ? `${s.client} (the server saw ${s.seenAs})` : s.client;
  const head = s.relayed
    ? `${client} via ${s.server}: relayed ${s.relayed}${s.lifetime !== undefined ? `, lifetime ${s.lifetime} s` : ''} (packet ${(s.allocatedPacket ?? s.firstPacket) + 1})`
    : `${client} via ${s.server}: no allocation succeeded (first Allocate packet ${s.firstPacket + 1})`;
  out.push(head);
  if (s.challenges) out.push(`  ${s.challenges} Allocate challenged with 401 (long-term credentials, RFC 8656 §9.2), then retried`);
  if (s.permissions.size) out.push(`  permissions for ${[...s.permissions].join(', ')}`);
  for (const [ch, peer] of s.channels) out.push(`  channel 0x${ch.toString(16).padStart(4, '0')} → ${peer}`);
  const relayedData: string[] = [];
  if (s.sends || s.datas) relayedData.push(`${s.sends} Send / ${s.datas} Data indication(s)`);
  if (s.channelDataUp || s.channelDataDown) relayedData.push(`${s.channelDataUp} ChannelData to the server / ${s.channelDataDown} from it`);
  if (relayedData.length) out.push(`  relayed data: ${relayedData.join(', ')}`);
  if (s.refreshes) out.push(`  refreshed ${s.refreshes} time(s)`);
  for (const e of s.errors) out.push(`  ${e.method} error ${e.code}${e.reason ? ` ${e.reason}` : ''} (packet ${e.packet + 1})`);
  if (s.releasedPacket !== undefined) out.push(`  released by Refresh LIFETIME 0 (packet ${s.releasedPacket + 1})`);
  return out;
}
