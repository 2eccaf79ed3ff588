import type { Transport, TransportAddress } from '../core/endpoint.ts';
import { formatTransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';

/** The 5-tuple of an allocation, as a key (RFC 8656 §2: client address, server address, transport). */
export function fiveTuple(client: TransportAddress, server: TransportAddress, transport = 'udp'): string {
  return `${transport} ${formatTransportAddress(client)} ${formatTransportAddress(server)}`;
}

export interface Permission {
  readonly ip: string;
  expiresAt: Micros;
  /** An expiry note has been written for the current expiry time. */
  expiredNoted: boolean;
}

export interface ChannelBinding {
  readonly channel: number;
  readonly peer: TransportAddress;
  expiresAt: Micros;
}

/** One allocation on the server (RFC 8656 §5): its 5-tuple, relayed address, lifetime, permissions and channels. */
export class Allocation {
  readonly permissions = new Map<string, Permission>();
  readonly channels = new Map<number, ChannelBinding>();
  /** The same bindings by peer transport address, so a datagram from a peer finds its channel in O(1). */
  private readonly channelOfPeer = new Map<string, ChannelBinding>();
  readonly stats = { toPeer: 0, fromPeer: 0, droppedFromPeer: 0, droppedToPeer: 0 };

  constructor(
    readonly client: TransportAddress,
    readonly server: TransportAddress,
    readonly relayed: TransportAddress,
    readonly username: string,
    public expiresAt: Micros,
    /** The Allocate transaction id and its success response, to answer a retransmission (RFC 8656 §7.2). */
    readonly allocateTransaction: string,
    readonly allocateResponse: Uint8Array,
    /** The client-to-server transport of the 5-tuple: 'tcp' when the client came over TCP or TLS (RFC 8656 §3.1). */
    readonly transport: Transport = 'udp',
    /** RFC 6062: the relayed transport address is TCP (REQUESTED-TRANSPORT 6), peers reached by Connect. */
    readonly tcpRelay = false,
  ) {}

  get key(): string {
    return fiveTuple(this.client, this.server, this.transport);
  }

  /** RFC 8656 §9: permissions are per peer IP address; the port is ignored. */
  hasPermission(ip: string, now: Micros): boolean {
    const p = this.permissions.get(ip);
    return p !== undefined && p.expiresAt > now;
  }

  channelFor(peer: TransportAddress, now: Micros): ChannelBinding | undefined {
    const c = this.channelOfPeer.get(formatTransportAddress(peer));
    return c && c.expiresAt > now ? c : undefined;
  }

  /** Any binding of this peer, live or within the 5-minute cool-down after expiry (RFC 8656 §12). */
  bindingOfPeer(peer: TransportAddress): ChannelBinding | undefined {
    return this.channelOfPeer.get(formatTransportAddress(peer));
  }

  /** Forgets permissions that have lapsed (kept until then to explain drops); called only when a cap is reached. */
  forgetExpiredPermissions(now: Micros): void {
    for (const p of [...this.permissions.values()]) if (p.expiresAt <= now) this.permissions.delete(p.ip);
  }

  bindChannel(binding: ChannelBinding): void {
    this.channels.set(binding.channel, binding);
    this.channelOfPeer.set(formatTransportAddress(binding.peer), binding);
  }

  /** RFC 8656 §12: a channel expired more than `coolDown` ago may be bound again, to anyone. */
  releaseChannels(now: Micros, coolDown: Micros): void {
    for (const c of [...this.channels.values()]) {
      if (c.expiresAt + coolDown > now) continue;
      this.channels.delete(c.channel);
      this.channelOfPeer.delete(formatTransportAddress(c.peer));
    }
  }
}
