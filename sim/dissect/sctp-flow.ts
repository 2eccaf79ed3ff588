import type { DataChunk, DecodedSctpPacket } from '../wire/sctp/chunk.ts';
import { decodeDcep, type DcepMessage } from '../wire/sctp/dcep.ts';
import type { Decoded } from '../wire/field.ts';
import { Ppid } from '../wire/sctp/names.ts';
import { completeMessage, joinUserData } from '../wire/sctp/fragments.ts';

/**
 * The SCTP association inside one DTLS association as seen from the wire (RFC 8261): whether each side accepts a
 * zero checksum (RFC 9653), each direction's DATA by TSN (retransmissions told apart from first sendings, fragments
 * put back together, RFC 9260 §6.9), and the data channels DCEP opened (RFC 8832) by stream id. Bounded: a direction
 * keeps at most MAX_PENDING fragments and remembers MAX_SEEN TSNs; a hostile capture cannot make it grow further.
 */

const MAX_PENDING = 4096;
const MAX_PENDING_BYTES = 4 << 20;
const MAX_SEEN = 8192;
const MAX_CHANNELS = 1024;

export type SctpSide = 'client' | 'server';

/** A data channel as the capture shows it: from a DATA_CHANNEL_OPEN (RFC 8832 §5.1). */
export interface SeenChannel {
  readonly streamId: number;
  readonly label: string;
  readonly protocol: string;
  readonly channelType: number;
  readonly reliabilityParameter: number;
  readonly priority: number;
  /** The DTLS role of the side that sent the OPEN. */
  readonly opener: SctpSide;
  acked: boolean;
  closed: boolean;
}

/** A whole user message (all its fragments seen), or a DCEP message. */
export interface DeliveredMessage {
  readonly streamId: number;
  readonly ppid: number;
  readonly unordered: boolean;
  readonly ssn: number;
  /** TSNs of its first and last fragment. */
  readonly firstTsn: number;
  readonly lastTsn: number;
  readonly bytes: Uint8Array;
  /** Set when the message is the last fragment's only (it came in one DATA chunk): where its user data sits. */
  readonly at: number | undefined;
}

interface Pending {
  readonly chunk: DataChunk;
  readonly at: number;
}

class Direction {
  /** TSN → the packet it was first seen in. */
  readonly seen = new Map<number, number | undefined>();
  readonly pending = new Map<number, Pending>();
  pendingBytes = 0;

  /** Whether this TSN was seen in another packet before (a retransmission, RFC 9260 §6.3.3). */
  retransmitted(tsn: number, packet: number | undefined): boolean {
    if (this.seen.has(tsn)) return this.seen.get(tsn) !== packet || packet === undefined;
    if (this.seen.size >= MAX_SEEN) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(tsn, packet);
    return false;
  }
}

export class SctpFlow {
  /** RFC 9653: which sides sent Zero Checksum Acceptable in their INIT or INIT-ACK. */
  readonly zeroChecksum = new Set<SctpSide>();
  /** Set once a packet decoded as SCTP on this association. */
  established = false;
  readonly channels = new Map<number, SeenChannel>();
  private readonly dirs = { client: new Direction(), server: new Direction() };
  /** Fragments dropped because a direction's bound was reached. */
  dropped = 0;

  /** Notes what the handshake chunks say (the zero checksum) before the DATA chunks are read. */
  handshake(p: DecodedSctpPacket, sender: SctpSide): void {
    this.established = true;
    for (const c of p.chunks) {
      if ((c.kind === 'INIT' || c.kind === 'INIT-ACK') && c.params.some((x) => x.kind === 'zero-checksum-acceptable')) this.zeroChecksum.add(sender);
    }
  }

  /**
   * A DATA chunk of `sender`: 'retransmission' when its TSN was seen in an earlier packet, else the message it
   * completes (undefined while fragments are missing). `at` is where its user data starts in the plaintext.
   */
  data(c: DataChunk, at: number, sender: SctpSide, packet: number | undefined): DeliveredMessage | 'retransmission' | undefined {
    const d = this.dirs[sender];
    if (d.retransmitted(c.tsn, packet)) return 'retransmission';
    if (c.beginning && c.ending) return { streamId: c.streamId, ppid: c.ppid, unordered: c.unordered, ssn: c.ssn, firstTsn: c.tsn, lastTsn: c.tsn, bytes: c.userData, at };
    if (d.pending.size >= MAX_PENDING || d.pendingBytes + c.userData.length > MAX_PENDING_BYTES) {
      this.dropped++;
      return undefined;
    }
    d.pending.set(c.tsn, { chunk: c, at });
    d.pendingBytes += c.userData.length;
    const parts = completeMessage(d.pending, c, MAX_PENDING);
    if (!parts) return undefined;
    const bytes = joinUserData(parts);
    for (const p of parts) {
      d.pending.delete(p.tsn);
      d.pendingBytes -= p.userData.length;
    }
    const head = parts[0]!;
    const last = parts[parts.length - 1]!;
    return { streamId: head.streamId, ppid: head.ppid, unordered: head.unordered, ssn: head.ssn, firstTsn: head.tsn, lastTsn: last.tsn, bytes, at: parts.length === 1 ? at : undefined };
  }

  /** A DCEP message (PPID 50) of `sender` on a stream: records the channel it opens or acknowledges. */
  dcep(m: DeliveredMessage, sender: SctpSide, base: number, spans: boolean): Decoded<DcepMessage | undefined> & { channel: SeenChannel | undefined; reopened: boolean } {
    const d = decodeDcep(m.bytes, { base, spans });
    const v = d.value;
    if (!v) return { ...d, channel: this.channels.get(m.streamId), reopened: false };
    if (v.kind === 'DATA_CHANNEL_ACK') {
      const ch = this.channels.get(m.streamId);
      if (ch) ch.acked = true;
      return { ...d, channel: ch, reopened: false };
    }
    const before = this.channels.get(m.streamId);
    const reopened = !!before && !before.closed;
    if (this.channels.size >= MAX_CHANNELS && !before) return { ...d, channel: undefined, reopened };
    const ch: SeenChannel = { streamId: m.streamId, label: v.label, protocol: v.protocol, channelType: v.channelType, reliabilityParameter: v.reliabilityParameter, priority: v.priority, opener: sender, acked: false, closed: false };
    this.channels.set(m.streamId, ch);
    return { ...d, channel: ch, reopened };
  }

  /** RFC 8831 §6.7: resetting a stream closes its channel. */
  reset(streams: readonly number[]): SeenChannel[] {
    const out: SeenChannel[] = [];
    const list = streams.length ? streams : [...this.channels.keys()];
    for (const s of list) {
      const ch = this.channels.get(s);
      if (ch && !ch.closed) {
        ch.closed = true;
        out.push(ch);
      }
    }
    return out;
  }
}

/** RFC 8831 §8: whether a PPID carries a user message, and of what kind. */
export function userMessageKind(ppid: number): 'string' | 'binary' | 'empty-string' | 'empty-binary' | undefined {
  switch (ppid) {
    case Ppid.STRING:
    case Ppid.STRING_PARTIAL:
      return 'string';
    case Ppid.BINARY:
    case Ppid.BINARY_PARTIAL:
      return 'binary';
    case Ppid.STRING_EMPTY:
      return 'empty-string';
    case Ppid.BINARY_EMPTY:
      return 'empty-binary';
    default:
      return undefined;
  }
}
