import type { TransportAddress } from '../core/endpoint.ts';
import { ipFamily } from '../wire/ip/address.ts';
import type { Candidate, TcpType } from './candidate.ts';
import { candidatePriority, foundationOf, TYPE_PREFERENCE } from './candidate.ts';
import { tcpHostCandidate } from './ice-tcp.ts';
import { libwebrtcFoundation } from './libwebrtc.ts';
import { addressPrecedence, type NetworkInfo } from './networks.ts';
import { sameTransportAddress } from '../core/endpoint.ts';

/**
 * RFC 8445 §5.1.1.1, §6.1.2.4: a srflx candidate whose base is no host candidate's socket (a StunPort's, gathering
 * without libwebrtc's shared socket) is not redundant with any host pair: it forms its own pairs, checked from that socket.
 */
export function ownSocket(c: Candidate, local: readonly Candidate[]): boolean {
  return c.type === 'srflx' && c.transport === 'udp' && !local.some((h) => h.type === 'host' && h.transport === 'udp' && sameTransportAddress(h.address, c.base));
}

/**
 * An agent's host candidates (RFC 8445 §5.1.1.1: one per interface address, its base itself; RFC 6544 §4.1 for TCP).
 * With a ranked network for the address, libwebrtc's (Candidate::GetPriority: network preference × 256 + address
 * precedence; Port::ComputeFoundation salted with `tieBreaker`), else RFC 8421 §4's local preference and RFC 8445's
 * foundation.
 */
export class HostCandidates {
  constructor(
    private readonly addresses: readonly TransportAddress[],
    private readonly networks: ReadonlyMap<string, NetworkInfo>,
    private readonly tieBreaker: bigint | undefined,
  ) {}

  /** The local preference of `ip`, the `i`-th address. */
  localPreference(ip: string, i = Math.max(0, this.addresses.findIndex((x) => x.ip === ip))): number {
    const net = this.networks.get(ip);
    if (net) return net.preference * 256 + addressPrecedence(ip);
    return this.addresses.length <= 1 ? 65535 : (ipFamily(ip) === 6 ? 65535 : 32767) - i;
  }

  udp(a: TransportAddress, i?: number): Candidate {
    const lp = this.localPreference(a.ip, i);
    const foundation = this.tieBreaker === undefined ? foundationOf('host', a.ip, undefined, 'udp') : libwebrtcFoundation('host', a.ip, 'udp', '', this.tieBreaker);
    return { foundation, component: 1, transport: 'udp', priority: candidatePriority(TYPE_PREFERENCE.host, lp, 1), address: a, type: 'host', base: a };
  }

  tcp(a: TransportAddress, tcpType: TcpType): Candidate {
    return tcpHostCandidate(a, tcpType, this.localPreference(a.ip), this.tieBreaker);
  }
}
