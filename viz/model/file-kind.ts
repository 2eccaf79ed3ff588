/**
 * What a dropped or picked file is, told from its first bytes rather than its name: a capture (pcap or pcapng magic
 * number), an NSS key log (SSLKEYLOGFILE lines), JSON (a scenario or an rtclab trace), or none of these.
 */
export type FileKind = 'capture' | 'keylog' | 'json' | 'unknown';

/** pcap magic numbers in either byte order (µs, ns, Kuznetsov's modified) and the pcapng Section Header Block type. */
const CAPTURE_MAGICS = [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0xa1b2cd34, 0x34cdb2a1, 0x0a0d0d0a];

/**
 * The NSS key log labels (TLS 1.2 `CLIENT_RANDOM`, the TLS 1.3 / DTLS 1.3 `*_TRAFFIC_SECRET*` and `*EXPORTER_SECRET`
 * lines, draft-ietf-tls-keylogfile §3): `<label> <client random, 64 hex digits> <secret in hex>`.
 */
const KEY_LOG_LINE = /^(CLIENT_RANDOM|[A-Z_]*TRAFFIC_SECRET[A-Z_0-9]*|(EARLY_)?EXPORTER_SECRET)\s+[0-9a-fA-F]{64}\s+[0-9a-fA-F]+$/;

/** How much of a file is looked at: enough for a comment header and the first key log lines. */
const HEAD = 64 * 1024;

export function fileKind(bytes: Uint8Array): FileKind {
  if (bytes.length >= 4) {
    const magic = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
    if (CAPTURE_MAGICS.includes(magic)) return 'capture';
  }
  const head = bytes.subarray(0, HEAD);
  if (head.includes(0)) return 'unknown';
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head).replace(/^\uFEFF/, '');
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') return 'json';
  return isKeyLogText(text, bytes.length > HEAD) ? 'keylog' : 'unknown';
}

/**
 * A key log: its first line that is neither blank nor a `#` comment is a key log line. Later lines are not judged
 * here: the dissector's key store reads them and counts the malformed ones.
 */
export function isKeyLogText(text: string, cut = false): boolean {
  const lines = text.split(/\r?\n/);
  if (cut && lines.length > 1) lines.pop();
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    return KEY_LOG_LINE.test(line);
  }
  return false;
}
