// Test-only: the IP datagrams of every Ethernet frame in a small pcapng (Enhanced Packet Blocks, one interface,
// little-endian as dumpcap writes them). The project's real capture reader lives in sim/wire/pcap.
import { readFileSync } from 'node:fs';

export function ipDatagramsOf(path: string): Uint8Array[] {
  const file = new Uint8Array(readFileSync(path));
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: Uint8Array[] = [];
  for (let at = 0; at + 12 <= file.length; ) {
    const type = view.getUint32(at, true);
    const length = view.getUint32(at + 4, true);
    if (length < 12) throw new Error(`bad pcapng block length ${length} at ${at}`);
    if (type === 6) {
      const captured = view.getUint32(at + 20, true);
      const frame = file.subarray(at + 28, at + 28 + captured);
      const etherType = (frame[12]! << 8) | frame[13]!;
      if (etherType === 0x0800 || etherType === 0x86dd) out.push(frame.subarray(14));
      else out.push(new Uint8Array(0));
    }
    at += length;
  }
  return out;
}

export interface Truth {
  readonly frames: readonly Record<string, string>[];
}

export function truthOf(path: string): Truth {
  return JSON.parse(readFileSync(path, 'utf8')) as Truth;
}
