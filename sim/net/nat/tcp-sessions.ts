import type { TransportAddress } from '../../core/endpoint.ts';
import { formatTransportAddress as fmt } from '../../core/endpoint.ts';
import type { Micros } from '../../core/time.ts';
import { SECOND } from '../../core/time.ts';
import { TCP_FLAG } from '../../wire/tcp/tcp-ip.ts';

/**
 * What a NAT knows of the TCP connections through a mapping (RFC 5382 §5): enough of each connection's phase to
 * pick its idle timeout. A connection is *transitory* while it opens (SYN seen, not yet both ways) or closes (FIN or
 * RST seen), *established* in between; the mapping lives as long as its longest-lived connection.
 */

export interface TcpNatTimeouts {
  /** RFC 5382 REQ-5: an established connection's idle timeout, at least 2 h 4 min. */
  readonly established: Micros;
  /** RFC 5382 REQ-5: a partially open or closing connection's idle timeout, at least 4 min. */
  readonly transitory: Micros;
}

export const DEFAULT_TCP_NAT_TIMEOUTS: TcpNatTimeouts = { established: 7440 * SECOND, transitory: 240 * SECOND };

export type TcpSessionPhase = 'opening' | 'established' | 'closing' | 'reset';

interface Session {
  readonly mapping: number;
  readonly remote: TransportAddress;
  synOut: boolean;
  synIn: boolean;
  finOut: boolean;
  finIn: boolean;
  phase: TcpSessionPhase;
  lastSeen: Micros;
}

export class TcpSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(readonly timeouts: TcpNatTimeouts = DEFAULT_TCP_NAT_TIMEOUTS) {}

  /**
   * One packet of the connection between a mapping and `remote`, going 'out' (from inside) or 'in'. Returns the
   * connection's phase before and after, and when the mapping should now expire.
   */
  observe(now: Micros, mapping: number, remote: TransportAddress, direction: 'out' | 'in', flags: number): { before: TcpSessionPhase | undefined; after: TcpSessionPhase; expires: Micros } {
    const k = `${mapping}|${fmt(remote)}`;
    let s = this.sessions.get(k);
    const before = s?.phase;
    const syn = (flags & TCP_FLAG.SYN) !== 0;
    if (!s || (syn && (s.phase === 'reset' || s.phase === 'closing') && (flags & TCP_FLAG.ACK) === 0)) {
      // a connection picked up mid-stream (no SYN) is taken as established, as Linux conntrack does by default
      s = { mapping, remote, synOut: false, synIn: false, finOut: false, finIn: false, phase: syn ? 'opening' : 'established', lastSeen: now };
      this.sessions.set(k, s);
    }
    s.lastSeen = now;
    if (syn) {
      if (direction === 'out') s.synOut = true;
      else s.synIn = true;
    }
    if ((flags & TCP_FLAG.RST) !== 0) s.phase = 'reset';
    else if ((flags & TCP_FLAG.FIN) !== 0) {
      if (direction === 'out') s.finOut = true;
      else s.finIn = true;
      s.phase = 'closing';
    } else if (s.phase === 'opening' && s.synOut && s.synIn && !syn && (flags & TCP_FLAG.ACK) !== 0) {
      s.phase = 'established'; // the handshake's last ACK: SYNs seen both ways, then a plain ACK
    }
    return { before, after: s.phase, expires: this.expiryOf(mapping) };
  }

  /** The latest idle deadline over the mapping's connections. */
  expiryOf(mapping: number): Micros {
    let at = 0;
    for (const s of this.sessions.values()) {
      if (s.mapping !== mapping) continue;
      at = Math.max(at, s.lastSeen + (s.phase === 'established' ? this.timeouts.established : this.timeouts.transitory));
    }
    return at;
  }

  /** Forgets the connections of a mapping that expired. */
  dropMapping(mapping: number): void {
    for (const [k, s] of [...this.sessions]) if (s.mapping === mapping) this.sessions.delete(k);
  }

  /** Connections per phase, for the panel. */
  count(): number {
    return this.sessions.size;
  }
}
