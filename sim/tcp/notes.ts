import { noteMaker, type KindSet, type NoData, type NotesOf } from '../core/note.ts';

/** The notes of TCP (RFC 9293): the stack's listeners and segments, and each connection's state and recovery. */
export type TcpNoteKinds = {
  'tcp.listen': { readonly local: string; readonly backlog: number };
  /** A non-TCP datagram handed to the stack. */
  'tcp.ignored': { readonly from: string };
  'tcp.malformed': { readonly from: string; readonly to: string; readonly error: string };
  /** RFC 9293 §3.10.7.4 / RFC 6191: a new SYN beyond the old sequence space ends TIME-WAIT. */
  'tcp.time-wait-reuse': NoData;
  /** A SYN the listen backlog had no room for. */
  'tcp.syn-dropped': { readonly from: string; readonly dropped: number; readonly backlog: number };
  /** A RST sent: by the stack (no connection: from/to), by a connection (no data) or by a host with no stack (from/port). */
  'tcp.reset-sent': { readonly from: string; readonly to: string } | { readonly from: string; readonly port: number } | NoData;
  'tcp.reset-received': { readonly state: string };
  'tcp.simultaneous-open': NoData;
  'tcp.window-open': { readonly window: number };
  'tcp.recovery-exit': { readonly cwnd: number; readonly ssthresh: number };
  /** RFC 5681 §3.2: three duplicate ACKs. */
  'tcp.fast-retransmit': { readonly seq: number; readonly ssthresh: number; readonly cwnd: number };
  'tcp.zero-window-probe': { readonly probes: number };
  'tcp.out-of-window': { readonly state: string };
  /** RFC 5961 §3–§5 challenge ACKs, and their rate limit (§7). */
  'tcp.challenge-ack': { readonly state: string };
  'tcp.challenge-ack-limited': NoData;
  'tcp.state': { readonly from: string; readonly to: string; readonly local: string; readonly remote: string };
  /** RFC 6298 §5: the retransmission timer fired; the RTO backs off. */
  'tcp.rto': { readonly state: string; readonly rto: number; readonly backoff: number };
  /** Retransmitted too often without an ACK: the connection gives up. */
  'tcp.timeout': { readonly state: string; readonly retries: number };
};

export type TcpNote = NotesOf<TcpNoteKinds>;
export const tcpNote = noteMaker<TcpNoteKinds>();
export const TCP_NOTE_KINDS = {
  'tcp.listen': true,
  'tcp.ignored': true,
  'tcp.malformed': true,
  'tcp.time-wait-reuse': true,
  'tcp.syn-dropped': true,
  'tcp.reset-sent': true,
  'tcp.reset-received': true,
  'tcp.simultaneous-open': true,
  'tcp.window-open': true,
  'tcp.recovery-exit': true,
  'tcp.fast-retransmit': true,
  'tcp.zero-window-probe': true,
  'tcp.out-of-window': true,
  'tcp.challenge-ack': true,
  'tcp.challenge-ack-limited': true,
  'tcp.state': true,
  'tcp.rto': true,
  'tcp.timeout': true,
} as const satisfies KindSet<TcpNoteKinds>;
