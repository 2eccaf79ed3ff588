import { encodeUdpDatagram } from '../../sim/wire/ip/udp-datagram.ts';
import { AttrType, Method } from '../../sim/wire/stun/constants.ts';
import { encodeStun } from '../../sim/wire/stun/encode.ts';

/** A STUN Binding Request with USERNAME "alice:bob", from 10.1.2.3:50000 to 192.0.2.7:3478 (display filter tests). */
export function buildUdpDatagram(): Uint8Array {
  const transactionId = Uint8Array.from({ length: 12 }, (_, i) => i);
  const payload = encodeStun({ method: Method.Binding, class: 'request', transactionId, attributes: [{ type: AttrType.Username, value: 'alice:bob' }] });
  return encodeUdpDatagram({ src: '10.1.2.3', dst: '192.0.2.7', srcPort: 50000, dstPort: 3478, payload });
}
