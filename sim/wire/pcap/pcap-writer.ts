import { PCAP_MAGIC_NS, PCAP_MAGIC_US } from './pcap-classic.ts';

/** Classic pcap output (draft-ietf-opsawg-pcap §4–§5), either byte order, µs or ns timestamps. */
export interface PcapWriteOptions {
  readonly linkType: number;
  readonly littleEndian?: boolean;
  /** ns timestamps (magic 0xa1b23c4d) instead of µs. */
  readonly nanoseconds?: boolean;
  readonly snaplen?: number;
}

export interface PcapRecord {
  readonly seconds: number;
  /** µs or ns within the second, as the file's magic says. */
  readonly fraction: number;
  readonly data: Uint8Array;
  readonly originalLength?: number;
}

export function writePcap(records: readonly PcapRecord[], o: PcapWriteOptions): Uint8Array {
  let size = 24;
  for (const r of records) size += 16 + r.data.length;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  const le = o.littleEndian ?? false;
  v.setUint32(0, o.nanoseconds ? PCAP_MAGIC_NS : PCAP_MAGIC_US, le);
  v.setUint16(4, 2, le);
  v.setUint16(6, 4, le);
  v.setUint32(16, o.snaplen ?? 262144, le);
  v.setUint32(20, o.linkType, le);
  let at = 24;
  for (const r of records) {
    v.setUint32(at, r.seconds, le);
    v.setUint32(at + 4, r.fraction, le);
    v.setUint32(at + 8, r.data.length, le);
    v.setUint32(at + 12, r.originalLength ?? r.data.length, le);
    out.set(r.data, at + 16);
    at += 16 + r.data.length;
  }
  return out;
}
