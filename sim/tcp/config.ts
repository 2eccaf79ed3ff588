import type { Micros } from '../core/time.ts';
import { MS, SECOND } from '../core/time.ts';

/**
 * What a TCP stack does where the RFCs leave a choice. The defaults are Linux's (its sysctl names in comments),
 * so that a simulated host looks like a Linux host on the wire and in tshark.
 */
export interface TcpConfig {
  /** Our MSS for IPv4 (interface MTU 1500 - 40); IPv6 uses 20 less. */
  readonly mss: number;
  /** Receive buffer in bytes: the most we advertise (net.ipv4.tcp_rmem, default-ish). */
  readonly receiveBuffer: number;
  /** Send buffer in bytes: how much `write` accepts before the app must wait for `writable`. */
  readonly sendBuffer: number;
  /** RFC 7323 window scale shift we offer (Linux: 7 with default buffers). */
  readonly windowScale: number;
  readonly timestamps: boolean;
  readonly sack: boolean;
  /** RFC 6298 §2.1: the RTO before any RTT sample. */
  readonly initialRto: Micros;
  /** Floor of the RTO (RFC 6298 §2.4 says 1 s; Linux uses TCP_RTO_MIN = 200 ms). */
  readonly minRto: Micros;
  /** Ceiling of the RTO after backoff (RFC 6298 §2.5 allows ≥ 60 s; Linux TCP_RTO_MAX = 120 s). */
  readonly maxRto: Micros;
  /** SYN retransmissions before connect fails (net.ipv4.tcp_syn_retries). */
  readonly synRetries: number;
  /** SYN-ACK retransmissions of a half-open connection (net.ipv4.tcp_synack_retries). */
  readonly synAckRetries: number;
  /** Data retransmissions before the connection is abandoned (net.ipv4.tcp_retries2). */
  readonly retries: number;
  /** RFC 5681 §4.2 / RFC 9293 §3.8.6.3: ACK delay (Linux TCP_DELACK_MIN = 40 ms). */
  readonly delayedAck: Micros;
  /** TIME-WAIT lasts 2*MSL (Linux TCP_TIMEWAIT_LEN = 60 s). */
  readonly timeWait: Micros;
  /** An orphaned FIN-WAIT-2 connection is dropped after this (net.ipv4.tcp_fin_timeout). */
  readonly finWait2Timeout: Micros;
  /** RFC 9293 §3.7.4: Nagle's algorithm unless true (TCP_NODELAY). */
  readonly noDelay: boolean;
  /** RFC 6928 initial window in segments (Linux TCP_INIT_CWND = 10). */
  readonly initialWindow: number;
  /** RFC 5961 §7: challenge ACKs per second, stack-wide (net.ipv4.tcp_challenge_ack_limit). */
  readonly challengeAckLimit: number;
  /** Minimum gap between duplicate ACKs sent for out-of-window segments (net.ipv4.tcp_invalid_ratelimit). */
  readonly invalidRateLimit: Micros;
}

export const DEFAULT_TCP_CONFIG: TcpConfig = {
  mss: 1460,
  receiveBuffer: 131072,
  sendBuffer: 262144,
  windowScale: 7,
  timestamps: true,
  sack: true,
  initialRto: SECOND,
  minRto: 200 * MS,
  maxRto: 120 * SECOND,
  synRetries: 6,
  synAckRetries: 5,
  retries: 15,
  delayedAck: 40 * MS,
  timeWait: 60 * SECOND,
  finWait2Timeout: 60 * SECOND,
  noDelay: false,
  initialWindow: 10,
  challengeAckLimit: 1000,
  invalidRateLimit: 500 * MS,
};

export function tcpConfig(overrides: Partial<TcpConfig> = {}): TcpConfig {
  return { ...DEFAULT_TCP_CONFIG, ...overrides };
}
