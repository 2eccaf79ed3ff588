/**
 * Test-only: the UDP payloads of an Ethernet/IPv4 pcapng file (enough for the real DTLS captures), until
 * sim/wire/pcap/ provides a full reader. Throws on anything unexpected: it only ever reads known fixtures.
 */
export interface UdpPacket {
  /** 1-based frame number, as tshark counts. */
  readonly frame: number;
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
}

export function udpPacketsFromPcapng(file: Uint8Array): UdpPacket[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let little = true;
  const linkTypes: number[] = [];
  const out: UdpPacket[] = [];
  let pos = 0;
  let frame = 0;
  while (pos + 12 <= file.length) {
    const type = view.getUint32(pos, little);
    if (type === 0x0a0d0d0a) little = view.getUint32(pos + 8, true) === 0x1a2b3c4d;
    const len = view.getUint32(pos + 4, little);
    if (len < 12 || pos + len > file.length) throw new Error(`bad pcapng block at ${pos}`);
    if (type === 0x0a0d0d0a) linkTypes.length = 0;
    if (type === 1) linkTypes.push(view.getUint16(pos + 8, little));
    if (type === 6) {
      frame++;
      const iface = view.getUint32(pos + 8, little);
      const capLen = view.getUint32(pos + 20, little);
      const data = file.subarray(pos + 28, pos + 28 + capLen);
      if (linkTypes[iface] !== 1) throw new Error(`frame ${frame}: link type ${linkTypes[iface]} is not Ethernet`);
      const p = udpOfEthernet(data, frame);
      if (p) out.push(p);
    }
    pos += len;
  }
  return out;
}

function udpOfEthernet(eth: Uint8Array, frame: number): UdpPacket | undefined {
  const etherType = (eth[12]! << 8) | eth[13]!;
  if (etherType !== 0x0800) return undefined;
  const ip = eth.subarray(14);
  const ihl = (ip[0]! & 0x0f) * 4;
  if (ip[9] !== 17) return undefined;
  const totalLength = (ip[2]! << 8) | ip[3]!;
  const udp = ip.subarray(ihl, totalLength);
  const udpLength = (udp[4]! << 8) | udp[5]!;
  return {
    frame,
    src: `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`,
    dst: `${ip[16]}.${ip[17]}.${ip[18]}.${ip[19]}`,
    srcPort: (udp[0]! << 8) | udp[1]!,
    dstPort: (udp[2]! << 8) | udp[3]!,
    payload: udp.subarray(8, udpLength),
  };
}
