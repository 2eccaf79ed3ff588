import { decodeArp, describeArp, ETHERTYPE_ARP, type ArpPacket } from '../../wire/arp/arp.ts';
import { LazyLayer, type LayerText } from '../layer.ts';
import { defineProtocol } from '../table.ts';

declare module '../types.ts' {
  interface LayerValues {
    ARP: ArpPacket;
  }
}

const ARP_TEXT: LayerText<'ARP'> = {
  summary: (l) => (l.value ? describeArp(l.value) : 'ARP (cut short)'),
};

/** RFC 826: an ARP packet in a captured frame (Ethernet or Linux cooked), after the link layer that named it. */
export const ARP = defineProtocol({
  name: 'ARP',
  description: 'Address Resolution Protocol (RFC 826): who has an IPv4 address, and at which hardware address; probes and gratuitous ARP (RFC 5227)',
  // in the packet list's IP class, as the link layer is: an ARP frame is no protocol the visualizer filters on
  viz: { class: 'IP' },
  json: (a, _l, base) =>
    Object.assign(base, {
      opcode: a.opcode,
      opcodeName: a.opcodeName,
      hardwareType: a.hardwareType,
      protocolType: a.protocolType,
      senderHardware: a.senderHardware,
      senderProtocol: a.senderProtocol,
      targetHardware: a.targetHardware,
      targetProtocol: a.targetProtocol,
    }),
  on: [
    {
      table: 'link.ethertype',
      key: ETHERTYPE_ARP,
      dissect: (layers, payload, offset, ctx) => {
        const d = decodeArp(payload, offset, ctx.spans !== false);
        layers.push(new LazyLayer({ protocol: 'ARP', offset, length: payload.length, fields: d.fields, problems: d.problems, value: d.value, text: ARP_TEXT, a: undefined, b: undefined, classification: undefined }));
      },
    },
  ],
});
