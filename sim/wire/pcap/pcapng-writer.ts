import { concatBytes, utf8Encode } from '../../core/encoding.ts';
import type { Hop, Trace } from '../../core/trace.ts';
import { LINKTYPE_RAW } from './linktype.ts';
import { SECRETS_TLS_KEY_LOG } from './pcapng-blocks.ts';
import { PcapngEncoder } from './pcapng-encode.ts';

/**
 * A trace as pcapng, for Wireshark: one SHB (shb_userappl "rtclab"), one IDB per link (LINKTYPE_RAW, since hops
 * carry whole IP datagrams; if_tsresol 6 = µs), an optional Decryption Secrets Block with the NSS key log, and one
 * EPB per hop whose opt_comment ties it back to the scenario. Same trace and options ⇒ the same bytes.
 */
export interface PcapngWriteOptions {
  /** Put the trace's nss-keylog secrets in a DSB before the first packet (default true when it has any). */
  readonly secrets?: boolean;
  /** µs since the Unix epoch added to every hop time; 0 (1970-01-01) by default, keeping files deterministic. */
  readonly timeOrigin?: number;
  /** Byte order of the file; big-endian by default (pcapng allows both). */
  readonly littleEndian?: boolean;
  /** For the chunked writer: hops per chunk (default 4096). */
  readonly hopsPerChunk?: number;
}

export const RTCLAB_USERAPPL = 'rtclab';
const TSRESOL_MICROSECONDS = 6;
const SNAPLEN = 262144;

/** The opt_comment of a hop's EPB: `hop 12 · packet 5 · alice → natA`, plus ` · dropped: <reason>`. */
export function hopComment(hop: Hop): string {
  const base = `hop ${hop.index} · packet ${hop.packet} · ${hop.from} → ${hop.to}`;
  return hop.drop !== undefined ? `${base} · dropped: ${hop.drop}` : base;
}

/** Interface order: the trace's links in order, then links only hops name, in order of first use. */
export function traceInterfaces(trace: Trace): { name: string; description: string | undefined }[] {
  const out: { name: string; description: string | undefined }[] = [];
  const seen = new Set<string>();
  for (const l of trace.links) {
    if (seen.has(l.name)) continue;
    seen.add(l.name);
    out.push({ name: l.name, description: `${l.a} ↔ ${l.b}` });
  }
  for (const h of trace.hops) {
    if (seen.has(h.link)) continue;
    seen.add(h.link);
    out.push({ name: h.link, description: undefined });
  }
  return out;
}

/** The NSS key log (one line per secret) that Wireshark reads from a DSB (pcapng §4.7). */
export function traceKeyLog(trace: Trace): string {
  return trace.secrets
    .filter((s) => s.kind === 'nss-keylog')
    .map((s) => (s.text.endsWith('\n') ? s.text : `${s.text}\n`))
    .join('');
}

/** The file in chunks: header blocks first, then `hopsPerChunk` EPBs per chunk (for traces too big for one array). */
export function* writePcapngChunks(trace: Trace, options: PcapngWriteOptions = {}): Generator<Uint8Array> {
  const enc = new PcapngEncoder(options.littleEndian ?? false);
  const origin = BigInt(Math.round(options.timeOrigin ?? 0));
  const perChunk = Math.max(1, Math.floor(options.hopsPerChunk ?? 4096));
  enc.sectionHeader({ userappl: RTCLAB_USERAPPL, comments: trace.meta.title ? [trace.meta.title] : [] });
  const ids = new Map<string, number>();
  for (const iface of traceInterfaces(trace)) {
    ids.set(iface.name, ids.size);
    enc.interfaceDescription({
      linkType: LINKTYPE_RAW,
      snaplen: SNAPLEN,
      name: iface.name,
      ...(iface.description !== undefined ? { description: iface.description } : {}),
      tsresol: TSRESOL_MICROSECONDS,
    });
  }
  const keyLog = traceKeyLog(trace);
  if (keyLog.length > 0 && options.secrets !== false) enc.decryptionSecrets(SECRETS_TLS_KEY_LOG, utf8Encode(keyLog));
  yield enc.take();
  let n = 0;
  for (const hop of trace.hops) {
    enc.enhancedPacket({
      interfaceId: ids.get(hop.link)!,
      ticks: origin + BigInt(Math.round(hop.t)),
      data: hop.bytes,
      comments: [hopComment(hop)],
    });
    if (++n % perChunk === 0) yield enc.take();
  }
  if (n % perChunk !== 0) yield enc.take();
}

export function writePcapng(trace: Trace, options: PcapngWriteOptions = {}): Uint8Array {
  return concatBytes(...writePcapngChunks(trace, { ...options, hopsPerChunk: Number.MAX_SAFE_INTEGER }));
}
