import type { TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';

/** What a TURN server is given: where it listens, what it relays from, who may use it, and its limits. */
export interface TurnServerConfig {
  /** Where clients reach the server (RFC 8656 §5: the server transport address of the 5-tuple). */
  readonly listen: TransportAddress;
  /** Relayed transport addresses it may hand out, in order; the driver binds every one of them. */
  readonly relayAddresses: readonly TransportAddress[];
  readonly realm: string;
  /** Long-term credentials: username → password (RFC 8489 §9.2). */
  readonly users: Readonly<Record<string, string>>;
  readonly software?: string;
  /** RFC 8656 §7.2: 600 s by default, at most 3600 s. */
  readonly defaultLifetime?: Micros;
  readonly maxLifetime?: Micros;
  /** RFC 8656 §9: 300 s. */
  readonly permissionLifetime?: Micros;
  /** RFC 8656 §12: 600 s. */
  readonly channelLifetime?: Micros;
  /** How long a nonce stays valid before 438 Stale Nonce (coturn: 600 s). */
  readonly nonceLifetime?: Micros;
  /** Allocations one user may hold at once; beyond that 486 (RFC 8656 §7.2 step 9). */
  readonly userQuota?: number;
  /** Allocations the whole server holds at once; beyond that 508 Insufficient Capacity (default 1000). */
  readonly maxAllocations?: number;
  /** Permissions (peer IP addresses) one allocation may hold; a CreatePermission beyond it is a 508 (default 64). */
  readonly maxPermissionsPerAllocation?: number;
  /** Channels one allocation may bind; a ChannelBind beyond it is a 508 (default 64). */
  readonly maxChannelsPerAllocation?: number;
  /** Peer address prefixes refused with 403 (default: loopback and private ranges, as coturn). */
  readonly deniedPeers?: readonly string[];
  /** Also accept channels 0x5000–0x7FFF, which RFC 5766 allowed and coturn's turnutils_uclient still picks. */
  readonly acceptRfc5766Channels?: boolean;
}

/** What a TURN server has done so far (the run summary's `turn` section). */
export interface TurnServerStats {
  allocations: number;
  refreshes: number;
  deleted: number;
  expired: number;
  permissions: number;
  channels: number;
  errors: Record<string, number>;
  relayedToPeer: number;
  relayedToClient: number;
  droppedFromPeer: number;
  droppedToPeer: number;
}
