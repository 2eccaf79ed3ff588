import { shiftFields, shiftProblems } from '../../wire/field.ts';
import { demux } from '../../wire/demux.ts';
import { decodeChannelData, describe as describeStun, type ChannelData } from '../../wire/stun/index.ts';
import { isWarning, LazyLayer, plainLayer, type LayerText } from '../layer.ts';
import { defineProtocol } from '../table.ts';
import { classification, payloadLayers } from '../udp-payload.ts';
import type { Layer, PayloadContext } from '../types.ts';
import { dataLayer } from './data.ts';

declare module '../types.ts' {
  interface LayerValues {
    'TURN-CHANNELDATA': ChannelData;
  }
}

/** Its summary names what it carries: the innermost layer's summary (`top`). */
const CHANNEL_DATA_TEXT: LayerText<'TURN-CHANNELDATA', Layer | undefined> = {
  summary: (l, top) => (l.value ? `${describeStun(l.value)}${top ? `: ${top.summary}` : ''}` : 'ChannelData (unreadable header)'),
};

/** ChannelData layers as plain objects (for framings other than UDP; see `dissectUdpPayload`). */
export function channelDataLayers(payload: Uint8Array, offset: number, why: string, ctx: PayloadContext): Layer[] {
  return channelData(payload, offset, why, ctx).map(plainLayer);
}

/** RFC 8656 §12.4: the 4-byte header, then the application data, dissected as a UDP payload (one level deep). */
function channelData(payload: Uint8Array, offset: number, why: string, ctx: PayloadContext): Layer[] {
  const d = decodeChannelData(payload, { transport: ctx.transport ?? 'udp', spans: ctx.spans !== false });
  const cd = d.value;
  // A channel the server accepted in a ChannelBind is legitimate on this 5-tuple, whatever RFC 8656 now reserves.
  const warnings = cd && ctx.channels?.has(cd.channel) ? d.problems.filter(isWarning) : [];
  const legacy = warnings.length ? warnings.map((p) => p.message).join('; ') : undefined;
  const problems = legacy ? d.problems.filter((p) => !isWarning(p)) : d.problems;
  const inner: Layer[] = [];
  if (cd && cd.data.length > 0) {
    // the application data starts right after the 4-byte header (RFC 8656 §12.4); one level deep at most
    const data = payload.subarray(4, 4 + cd.data.length);
    inner.push(...((ctx.depth ?? 0) === 0 ? payloadLayers(data, offset + 4, { ...ctx, depth: 1, transport: undefined }) : [dataLayer(data, offset + 4, 'ChannelData inside ChannelData: not relayed twice, shown as data')]));
  }
  const top = inner[inner.length - 1];
  const classified = legacy ? `${why}; ${legacy}` : why;
  const layer = new LazyLayer({ protocol: 'TURN-CHANNELDATA', offset, length: payload.length, fields: shiftFields(d.fields, offset), problems: shiftProblems(problems, offset), value: cd, text: CHANNEL_DATA_TEXT, a: top, classification: classified });
  return [layer, ...inner];
}

export const TURN_CHANNELDATA = defineProtocol({
  name: 'TURN-CHANNELDATA',
  description: 'TURN ChannelData messages (RFC 8656 §12), their application data dissected as a UDP payload',
  viz: { class: 'TURN-CHANNELDATA', colour: '#f4a261' },
  json: (c, _l, base) => {
    base.channel = `0x${c.channel.toString(16).padStart(4, '0')}`;
    base.dataLength = c.data.length;
    return base;
  },
  on: [
    {
      table: 'udp.rfc7983',
      key: 'turn-channeldata',
      dissect: (out, payload, offset, ctx, why) => {
        for (const l of channelData(payload, offset, why ?? classification(demux(payload)), ctx)) out.push(l);
      },
    },
  ],
});
