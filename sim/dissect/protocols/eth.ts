import type { LinkLayer } from '../../wire/pcap/link-layer.ts';
import { linkTypeName } from '../../wire/pcap/linktype.ts';
import { LazyLayer, NONE, type LayerText } from '../layer.ts';
import { defineProtocol } from '../table.ts';
import type { Layer } from '../types.ts';

declare module '../types.ts' {
  interface LayerValues {
    /** The link layer of a captured frame (Ethernet, SLL, loopback …): its summary names it; no value is kept. */
    ETH: never;
  }
}

/** A captured frame's link layer, whatever its link type: the layer the capture reader decoded to find IP. */
export const ETH = defineProtocol({
  name: 'ETH',
  description: 'The link layer of a captured frame: Ethernet II (IEEE 802.3) with VLAN tags, Linux SLL/SLL2, BSD loopback, raw IP',
  viz: { class: 'IP' },
});

const ETH_TEXT: LayerText<'ETH', LinkLayer> = {
  summary: (_l, link) => `${linkTypeName(link.linkType)}${link.vlans.length ? `, VLAN ${link.vlans.join('/')}` : ''}${link.note ? `: ${link.note}` : ''}`,
};

/** The link layer of `frame` up to the IP header (or the whole frame when none was found). */
export function linkLayer(link: LinkLayer, frameLength: number, spans = true): Layer {
  const ip = link.ipOffset;
  return new LazyLayer({ protocol: 'ETH', offset: 0, length: ip ?? frameLength, fields: spans ? link.fields : NONE, problems: link.problems, text: ETH_TEXT, a: link });
}
