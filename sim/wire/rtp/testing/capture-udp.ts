import { peekUdpDatagram, udpPayload } from '../../ip/udp-datagram.ts';

/**
 * Test support only: the UDP payloads of a pcapng (or classic pcap) file, so codec tests can run over real
 * captures without waiting on the full capture reader. Pure bytes in, no Node APIs.
 */
export interface CapturedUdp {
  /** 1-based frame number, as tshark counts. */
  readonly frame: number;
  readonly src: string;
  readonly dst: string;
  readonly payload: Uint8Array;
}

export function capturedUdp(file: Uint8Array): CapturedUdp[] {
  const out: CapturedUdp[] = [];
  let frame = 0;
  for (const { linkType, data } of frames(file)) {
    frame++;
    const ip = ipStart(linkType, data);
    if (ip === undefined) continue;
    const d = data.subarray(ip);
    const v = peekUdpDatagram(d);
    if ('error' in v) continue;
    out.push({ frame, src: `${v.src}:${v.srcPort}`, dst: `${v.dst}:${v.dstPort}`, payload: udpPayload(d, v) });
  }
  return out;
}

function* frames(file: Uint8Array): Generator<{ linkType: number; data: Uint8Array }> {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = view.getUint32(0, false);
  if (magic === 0xa1b2c3d4 || magic === 0xd4c3b2a1 || magic === 0xa1b23c4d || magic === 0x4d3cb2a1) {
    const le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
    const linkType = view.getUint32(20, le) & 0xffff;
    for (let o = 24; o + 16 <= file.length; ) {
      const incl = view.getUint32(o + 8, le);
      yield { linkType, data: file.subarray(o + 16, o + 16 + incl) };
      o += 16 + incl;
    }
    return;
  }
  let le = true;
  const links: number[] = [];
  for (let o = 0; o + 12 <= file.length; ) {
    let type = view.getUint32(o, le);
    if (type === 0x0a0d0d0a) {
      le = view.getUint32(o + 8, true) === 0x1a2b3c4d;
      type = 0x0a0d0d0a;
      links.length = 0;
    }
    const len = view.getUint32(o + 4, le);
    if (len < 12 || o + len > file.length) return;
    if (type === 1) links.push(view.getUint16(o + 8, le));
    else if (type === 6) {
      const iface = view.getUint32(o + 8, le);
      const incl = view.getUint32(o + 20, le);
      yield { linkType: links[iface] ?? 1, data: file.subarray(o + 28, o + 28 + incl) };
    } else if (type === 3) {
      yield { linkType: links[0] ?? 1, data: file.subarray(o + 12, o + 12 + view.getUint32(o + 8, le)) };
    }
    o += len;
  }
}

/** Offset of the IP header for the link types our captures use (Ethernet, Linux cooked v1/v2, null, raw). */
function ipStart(linkType: number, d: Uint8Array): number | undefined {
  const u16 = (at: number): number => ((d[at] ?? 0) << 8) | (d[at + 1] ?? 0);
  const ipType = (t: number): boolean => t === 0x0800 || t === 0x86dd;
  switch (linkType) {
    case 1: {
      let at = 12;
      while (u16(at) === 0x8100 || u16(at) === 0x88a8) at += 4;
      return ipType(u16(at)) ? at + 2 : undefined;
    }
    case 113:
      return ipType(u16(14)) ? 16 : undefined;
    case 276:
      return ipType(u16(0)) ? 20 : undefined;
    case 0:
      return 4;
    case 101:
    case 228:
    case 229:
      return 0;
    default:
      return undefined;
  }
}
