import { dtlsNote, type DtlsNote } from './notes.ts';
import { sameTransportAddress, type IcmpError, type TransportAddress } from '../core/endpoint.ts';

/** IPv4 + UDP headers, and IPv6 + UDP: what a link's MTU holds besides the DTLS datagram. */
const HEADERS = { 4: 28, 6: 48 } as const;
/** The smallest datagram a DTLS stack is configured down to (BoringSSL's dtls1_min_mtu floor is of this order). */
export const DTLS_MIN_MTU = 256;
/** RFC 6347 §4.1.1.1's fallback when nothing is known: IPv4's 576-byte minimum, IPv6's 1280 (OpenSSL's BIO fallback). */
export const FALLBACK_MTU = { 4: 576 - HEADERS[4], 6: 1280 - HEADERS[6] } as const;
/** OpenSSL and BoringSSL fall back after more than this many timer retransmissions of one flight (dtls1_check_timeout_num). */
export const FALLBACK_AFTER_TIMEOUTS = 2;

/**
 * The DTLS datagram size in use, and how it learns (RFC 6347 §4.1.1.1, RFC 9147 §4.4): it starts at the configured
 * size; an ICMP Fragmentation Needed / Packet Too Big about one of our datagrams lowers it to the next-hop MTU less
 * the IP and UDP headers, as a stack that sets DF and queries IP_MTU after EMSGSIZE does (OpenSSL's dgram BIO); with
 * `fallback`, a flight retransmitted by the timer more than twice drops it to the fallback size, as OpenSSL and
 * BoringSSL do when their BIO answers BIO_CTRL_DGRAM_GET_FALLBACK_MTU (WebRTC's BIO answers nothing: browsers keep
 * 1200). It never rises again within a handshake. The next (re)transmission is fragmented to the new size.
 */
export class DtlsPathMtu {
  current: number;

  constructor(
    readonly configured: number,
    readonly family: 4 | 6,
    readonly fallback: boolean,
    private readonly note: (n: DtlsNote) => void,
  ) {
    this.current = configured;
  }

  /** An ICMP error about a datagram we sent to `remote` (any, when unknown); notes it when it lowered the size. */
  onIcmp(e: IcmpError, remote: TransportAddress | undefined): void {
    if (e.kind !== 'too-big' || e.mtu === undefined || (remote && !sameTransportAddress(remote, e.remote))) return;
    const size = Math.max(DTLS_MIN_MTU, e.mtu - HEADERS[this.family]);
    if (size >= this.current) return;
    const before = this.current;
    this.current = size;
    this.note(dtlsNote('dtls.pmtu', `path MTU ${e.mtu} from ICMP ${e.error} (from ${e.from}): DTLS datagrams now at most ${size} bytes (were ${before}); the next transmission is refragmented (RFC 6347 §4.1.1.1)`, { mtu: size, before, cause: 'icmp', from: e.from }));
  }

  /** A flight's `attempt`-th timer retransmission is about to go out; notes it when it fell back. */
  onTimerRetransmit(attempt: number): void {
    if (!this.fallback || attempt <= FALLBACK_AFTER_TIMEOUTS) return;
    const size = FALLBACK_MTU[this.family];
    if (size >= this.current) return;
    const before = this.current;
    this.current = size;
    this.note(dtlsNote('dtls.pmtu', `${attempt} timer retransmissions: DTLS datagrams fall back to ${size} bytes (were ${before}), as OpenSSL and BoringSSL do after two (RFC 6347 §4.1.1.1)`, { mtu: size, before, cause: 'timeouts', from: null }));
  }
}
