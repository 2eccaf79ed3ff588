import type { Micros } from '../core/time.ts';
import type { NoteBody } from '../core/note.ts';
import type { Layer } from '../dissect/types.ts';
import { sctpNote } from '../sctp/notes.ts';
import { channelTypeName, describeReliability, reliabilityOf } from '../wire/sctp/dcep.ts';

/**
 * Data channels as a capture shows them (RFC 8831, RFC 8832): each DATA_CHANNEL_OPEN seen in decrypted DTLS
 * becomes a `datachannel.open` note (label, protocol, reliability, who opened it), and at the end one
 * `datachannel.messages` note per channel and direction counts the user messages and their bytes.
 */
export class DataChannelLog {
  private readonly counts = new Map<string, { streamId: number; label: string | null; from: string; to: string; messages: number; bytes: number; first: Micros; packet: number }>();

  /** A decrypted layer of a packet from `src` to `dst`: the note it gives at once, if any. */
  layer(l: Layer, src: string, dst: string, packet: number, t: Micros): NoteBody | undefined {
    if (l.protocol === 'DCEP' && l.value?.message.kind === 'DATA_CHANNEL_OPEN') {
      const m = l.value.message;
      const r = reliabilityOf(m.channelType, m.reliabilityParameter);
      const text = `data channel ${JSON.stringify(m.label)} opened by ${src} on stream ${l.value.streamId}: ${channelTypeName(m.channelType)} (${describeReliability(r)})${m.protocol ? `, protocol ${JSON.stringify(m.protocol)}` : ''}`;
      return sctpNote('datachannel.open', text, {
        streamId: l.value.streamId, label: m.label, protocol: m.protocol, ordered: r.ordered, maxRetransmits: r.maxRetransmits ?? null, maxPacketLifeTime: r.maxPacketLifeTime ?? null,
        negotiated: false, by: 'remote', sender: src,
      });
    }
    if (l.protocol === 'DATACHANNEL' && l.value) {
      const v = l.value;
      const key = `${src} ${dst} ${v.streamId}`;
      let c = this.counts.get(key);
      if (!c) this.counts.set(key, (c = { streamId: v.streamId, label: v.label ?? null, from: src, to: dst, messages: 0, bytes: 0, first: t, packet }));
      c.messages++;
      c.bytes += v.kind === 'empty-string' || v.kind === 'empty-binary' ? 0 : v.bytes.length;
    }
    return undefined;
  }

  /** One note per channel and direction: how many messages and bytes the capture carried. */
  finish(): { t: Micros; packet: number; body: NoteBody }[] {
    return [...this.counts.values()].map((c) => ({
      t: c.first,
      packet: c.packet,
      body: sctpNote('datachannel.messages', `${c.label !== null ? `data channel ${JSON.stringify(c.label)}` : 'a negotiated channel'} (stream ${c.streamId}): ${c.messages} message(s), ${c.bytes} bytes from ${c.from} to ${c.to}`, { streamId: c.streamId, label: c.label, from: c.from, to: c.to, messages: c.messages, bytes: c.bytes }),
    }));
  }
}
