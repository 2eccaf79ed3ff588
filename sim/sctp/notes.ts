import { noteMaker, type KindSet, type NotesOf } from '../core/note.ts';

/** RFC 9260 §4 association states. */
export type SctpStateName = 'closed' | 'cookie-wait' | 'cookie-echoed' | 'established' | 'shutdown-pending' | 'shutdown-sent' | 'shutdown-received' | 'shutdown-ack-sent';

/** RFC 8831 §6 / W3C RTCDataChannelState words. */
export type DataChannelStateName = 'connecting' | 'open' | 'closing' | 'closed';

/** How a channel was set up: DCEP in band (RFC 8832) or agreed out of band (`negotiated`, RFC 8831 §6.5). */
export type ChannelFacts = {
  readonly streamId: number;
  readonly label: string;
  readonly protocol: string;
  readonly ordered: boolean;
  readonly maxRetransmits: number | null;
  readonly maxPacketLifeTime: number | null;
  readonly negotiated: boolean;
};

/**
 * The notes of SCTP associations and data channels (source `<host>/sctp`), and those a capture infers (source
 * `capture/sctp <flow>`, sim/infer/datachannels.ts): one type per kind for both.
 */
export type SctpNoteKinds = {
  'sctp.state': { readonly from: SctpStateName; readonly to: SctpStateName; readonly reason: string };
  /** Chunks retransmitted: `why` T3-rtx expiry (§6.3.3) or fast retransmit after three miss indications (§7.2.4). */
  'sctp.retransmit': { readonly why: 't3-rtx' | 'fast'; readonly tsns: number[]; readonly rto: number; readonly cwnd: number; readonly ssthresh: number };
  /** RFC 3758 §3.5: a message given up under its partial reliability policy. */
  'sctp.abandoned': { readonly streamId: number; readonly tsns: number[]; readonly policy: 'max-retransmits' | 'max-lifetime'; readonly bytes: number };
  'sctp.forward-tsn': { readonly direction: 'sent' | 'received'; readonly newCumulativeTsn: number };
  /** An ordered message complete but held behind a missing earlier one on its stream (head-of-line blocking). */
  'sctp.hol.blocked': { readonly streamId: number; readonly ssn: number; readonly waitingFor: number };
  /** Held messages delivered once the gap filled; `heldMs` how long the first waited. */
  'sctp.hol.released': { readonly streamId: number; readonly messages: number; readonly heldMs: number };
  /** RFC 6525: streams reset (`outgoing`: ours, by our request; `incoming`: the peer's). */
  'sctp.stream.reset': { readonly direction: 'outgoing' | 'incoming'; readonly streams: number[]; readonly result: string };
  /** Input dropped or refused: a malformed packet, a lying length, a wrong verification tag, a bad cookie. */
  'sctp.malformed': { readonly what: string; readonly detail: string };
  'sctp.abort': { readonly direction: 'sent' | 'received'; readonly cause: string };
  /** The peer acknowledged nothing for Association.Max.Retrans retransmissions (§8.1): the association fails. */
  'sctp.peer.unresponsive': { readonly retransmissions: number };
  /** A limit of the bounded state was reached (reassembly, out-of-order TSNs, queued bytes): `what` says which. */
  'sctp.limit': { readonly what: string; readonly limit: number };
  /** RFC 8899 PLPMTUD (plpmtud.ts): the search's state changes with the PLPMTU, and each probe's fate. */
  'sctp.plpmtud': { readonly from: string; readonly to: string; readonly plpmtu: number; readonly why: string };
  'sctp.plpmtud.probe': { readonly size: number; readonly result: 'acked' | 'lost'; readonly count: number };
  /** A Packet Too Big handed from the DTLS transport as PL_PTB_SIZE, and what it did (RFC 8899 §4.6.2). */
  /** The PLPMTU shrank: the DATA chunks not yet sent were cut again (sender.ts `setMtu`). */
  'sctp.plpmtud.resplit': { readonly mtu: number; readonly messages: number; readonly before: number; readonly after: number; readonly firstTsn: number };
  'sctp.plpmtud.ptb': { readonly size: number; readonly action: 'ignored' | 'search-point' | 'black-hole'; readonly why: string; readonly from: string | null };
  'datachannel.open': ChannelFacts & { readonly by: 'local' | 'remote'; readonly sender?: string };
  'datachannel.state': { readonly streamId: number; readonly label: string; readonly from: DataChannelStateName; readonly to: DataChannelStateName };
  /** A DATA_CHANNEL_OPEN refused (RFC 8832 §6): a stream of the wrong parity, or one whose channel is open. */
  'datachannel.rejected': { readonly streamId: number; readonly reason: string };
  /**
   * A message over the a=max-message-size limit (RFC 8841 §6.1): `sent` refused before it left (the peer's limit),
   * `received` discarded and its channel closed (ours, RFC 8831 §6.6).
   */
  'datachannel.too-big': { readonly direction: 'sent' | 'received'; readonly streamId: number; readonly label: string; readonly bytes: number; readonly limit: number };
  /** What a capture or a run counted on one channel in one direction. */
  'datachannel.messages': { readonly streamId: number; readonly label: string | null; readonly from: string; readonly to: string; readonly messages: number; readonly bytes: number };
};

export type SctpNote = NotesOf<SctpNoteKinds>;
export const sctpNote = noteMaker<SctpNoteKinds>();
export const SCTP_NOTE_KINDS = {
  'sctp.state': true,
  'sctp.retransmit': true,
  'sctp.abandoned': true,
  'sctp.forward-tsn': true,
  'sctp.hol.blocked': true,
  'sctp.hol.released': true,
  'sctp.stream.reset': true,
  'sctp.malformed': true,
  'sctp.abort': true,
  'sctp.peer.unresponsive': true,
  'sctp.limit': true,
  'sctp.plpmtud': true,
  'sctp.plpmtud.probe': true,
  'sctp.plpmtud.ptb': true,
  'sctp.plpmtud.resplit': true,
  'datachannel.open': true,
  'datachannel.state': true,
  'datachannel.rejected': true,
  'datachannel.too-big': true,
  'datachannel.messages': true,
} as const satisfies KindSet<SctpNoteKinds>;
