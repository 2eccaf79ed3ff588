/**
 * CRC32c (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78), the SCTP checksum (RFC 9260 §6.8, Appendix A).
 * A table of 256 entries, computed once at load.
 */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC32c of `bytes`, with the checksum field (bytes 8–11 of an SCTP common header) read as zeros when `skip` is set. */
export function crc32c(bytes: Uint8Array, skip?: { readonly at: number; readonly length: number }): number {
  let c = 0xffffffff;
  const s0 = skip ? skip.at : -1;
  const s1 = skip ? skip.at + skip.length : -1;
  for (let i = 0; i < bytes.length; i++) {
    const b = i >= s0 && i < s1 ? 0 : bytes[i]!;
    c = TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * RFC 9260 Appendix A: the CRC's least significant byte goes first on the wire (what Linux, usrsctp and dcsctp do):
 * the checksum field holds the CRC in little-endian order.
 */
export function sctpChecksum(packet: Uint8Array): number {
  return crc32c(packet, { at: 8, length: 4 });
}

/** The checksum field's value as the CRC it carries (little-endian bytes 8–11). */
export function readChecksumField(packet: Uint8Array): number {
  return (packet[8]! | (packet[9]! << 8) | (packet[10]! << 16) | (packet[11]! << 24)) >>> 0;
}

/** Writes `crc` into the checksum field (little-endian, Appendix A). */
export function writeChecksumField(packet: Uint8Array, crc: number): void {
  packet[8] = crc & 0xff;
  packet[9] = (crc >>> 8) & 0xff;
  packet[10] = (crc >>> 16) & 0xff;
  packet[11] = (crc >>> 24) & 0xff;
}
