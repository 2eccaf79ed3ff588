import { extensionElementData } from '../wire/rtp/extensions.ts';
import type { RtpHeader } from '../wire/rtp/rtp.ts';

/** One RTP m= section of a BUNDLE group as its receiver holds it (RFC 8843 §9.2). */
export interface DemuxSection {
  readonly mid: string;
  readonly kind: 'audio' | 'video';
  /** The payload types configured for receiving on it. */
  readonly payloadTypes: readonly number[];
  /** The SSRCs the remote signaled on it (a=ssrc, RFC 5576 §4.1), its RTX SSRCs among them. */
  readonly ssrcs: readonly number[];
  /**
   * Whether a stream with an SSRC nobody signaled may be bound to it by payload type. libwebrtc (Unified Plan)
   * allows it only when the section did not negotiate the MID header extension; RFC 8843 §9.2 leaves out a payload
   * type two sections share.
   */
  readonly payloadTypeDemux: boolean;
}

/** What offer/answer settled for the receiving side of a BUNDLE transport. */
export interface DemuxTable {
  readonly sections: readonly DemuxSection[];
  /** The id the remote writes the MID header extension with (RFC 8843 §15.2, RFC 8285), when negotiated. */
  readonly midExtensionId: number | undefined;
}

/** Why a packet was not associated with an m= section (and so not decoded). */
export type DemuxDropReason = 'unknown-mid' | 'payload-type-mismatch' | 'unknown-ssrc';

/** The first packet of a stream the demultiplexer dropped, for a note. */
export interface DemuxDrop {
  readonly ssrc: number;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  /** The MID the packet carried, if any. */
  readonly mid: string | undefined;
  readonly reason: DemuxDropReason;
  /** For `payload-type-mismatch`: the section its SSRC belongs to. */
  readonly section?: string;
}

/** The MID a packet's header extension carries (RFC 8843 §15: the identification-tag as bytes), if any. */
export function midOf(header: RtpHeader, id: number | undefined): string | undefined {
  if (id === undefined) return undefined;
  // read off the bytes: building the element list for every packet was most of the garbage a receiver made per packet
  const data = header.extension ? extensionElementData(header.extension, id) : undefined;
  return data && data.length > 0 ? String.fromCharCode(...data) : undefined;
}

/**
 * The receiving side of RFC 8843 §9.2: every RTP packet of a BUNDLE transport (after SRTP, so nothing
 * unauthenticated changes the tables) is associated with an m= section by its MID header extension, else by its
 * SSRC (signaled in a=ssrc, or learned from an earlier MID or payload type), else by a payload type only one section
 * receives. A packet that none of these places is dropped, and the first of each stream and reason is handed out
 * (`take`) so that the peer notes it: a stream is never dropped in silence.
 */
export class RtpDemux {
  private mids = new Map<string, DemuxSection>();
  private signaled = new Map<number, DemuxSection>();
  private payloadTypes = new Map<number, DemuxSection>();
  /** SSRC → MID bindings learned from packets (their MID, or a payload type). */
  private readonly learned = new Map<number, string>();
  private readonly reported = new Set<string>();
  private readonly pending: DemuxDrop[] = [];
  /** Packets dropped, per SSRC. */
  readonly dropped = new Map<number, number>();
  private table: DemuxTable = { sections: [], midExtensionId: undefined };

  constructor(table?: DemuxTable) {
    if (table) this.configure(table);
  }

  get midExtensionId(): number | undefined {
    return this.table.midExtensionId;
  }

  /** New tables after an offer/answer exchange (RFC 8843 §9.2: they follow the sections); learned bindings to a section still there are kept. */
  configure(table: DemuxTable): void {
    this.table = table;
    this.mids = new Map(table.sections.map((s) => [s.mid, s]));
    this.signaled = new Map();
    for (const s of table.sections) for (const ssrc of s.ssrcs) if (!this.signaled.has(ssrc)) this.signaled.set(ssrc, s);
    // a payload type two sections receive cannot tell them apart: it is left out of the table
    const count = new Map<number, number>();
    for (const s of table.sections) for (const pt of new Set(s.payloadTypes)) count.set(pt, (count.get(pt) ?? 0) + 1);
    this.payloadTypes = new Map();
    for (const s of table.sections) if (s.payloadTypeDemux) for (const pt of s.payloadTypes) if (count.get(pt) === 1) this.payloadTypes.set(pt, s);
    for (const [ssrc, mid] of this.learned) if (!this.mids.has(mid)) this.learned.delete(ssrc);
  }

  /** The section of the stream `ssrc`: by MID when the packet has one, else the signaled or learned SSRC, else a unique payload type. */
  route(header: RtpHeader): { ok: true; section: DemuxSection } | { ok: false; reason: DemuxDropReason } {
    const { ssrc, payloadType } = header;
    const mid = midOf(header, this.table.midExtensionId);
    if (mid !== undefined) {
      const s = this.mids.get(mid);
      if (!s) return this.drop(header, mid, 'unknown-mid');
      this.learned.set(ssrc, mid);
    }
    const learned = this.learned.get(ssrc);
    const known = (learned !== undefined ? this.mids.get(learned) : undefined) ?? this.signaled.get(ssrc);
    if (known) {
      // RFC 8843 §9.2: a stream keeps its section; a payload type that section does not receive is not decoded
      if (!known.payloadTypes.includes(payloadType)) return this.drop(header, mid, 'payload-type-mismatch', known.mid);
      return { ok: true, section: known };
    }
    const byPt = this.payloadTypes.get(payloadType);
    if (byPt) {
      this.learned.set(ssrc, byPt.mid);
      return { ok: true, section: byPt };
    }
    return this.drop(header, mid, 'unknown-ssrc');
  }

  private drop(h: RtpHeader, mid: string | undefined, reason: DemuxDropReason, section?: string): { ok: false; reason: DemuxDropReason } {
    this.dropped.set(h.ssrc, (this.dropped.get(h.ssrc) ?? 0) + 1);
    const key = `${h.ssrc} ${reason}`;
    if (!this.reported.has(key)) {
      this.reported.add(key);
      this.pending.push({ ssrc: h.ssrc, payloadType: h.payloadType, sequenceNumber: h.sequenceNumber, mid, reason, ...(section !== undefined ? { section } : {}) });
    }
    return { ok: false, reason };
  }

  /** The drops not handed out yet: the first packet of each stream and reason. */
  take(): DemuxDrop[] {
    return this.pending.splice(0);
  }
}
