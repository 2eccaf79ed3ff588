import { captureNote } from './notes.ts';
import type { Hop, Note, Secret, TopologyLink, TopologyNode, Trace } from '../../core/trace.ts';
import type { Micros } from '../../core/time.ts';
import { formatIPv4, formatIPv6 } from '../ip/address.ts';
import type { Capture, CapturePacket } from './capture.ts';
import type { LinkLayer } from './link-layer.ts';
import { SECRETS_TLS_KEY_LOG } from './pcapng-blocks.ts';

/**
 * A capture as a trace (meta.source = 'capture'): one hop per IP packet, on the link named after its interface,
 * from and to its source and destination addresses, one 'host' node per address. Everything that is not a hop —
 * non-IP frames, comments, reader problems — becomes a note, so nothing in the file is silently lost.
 * Lane inference (which addresses are one peer, where the NAT is) is left to the analyzers.
 */
export interface CaptureToTraceOptions {
  /**
   * µs since the Unix epoch that becomes trace time 0; by default the first packet's time, so a trace starts at 0
   * (the absolute start is kept in meta.summary.captureStartUs).
   */
  readonly origin?: Micros;
}

const SOURCE = 'capture';

export function captureToTrace(capture: Capture, name?: string, options: CaptureToTraceOptions = {}): Trace {
  const firstTimed = capture.packets.find((p) => p.time !== undefined)?.time;
  const origin = options.origin ?? firstTimed?.us ?? 0;
  const ifaceName = (id: number): string => capture.interfaces[id]?.name ?? `if${id}`;
  // Packets without a timestamp (Simple Packet Blocks) take the time of the packet before them.
  let lastT = 0;
  const timeOf = (p: CapturePacket): Micros => {
    if (p.time) lastT = p.time.us - origin;
    return lastT;
  };

  const hops: Hop[] = [];
  const notes: Note[] = [];
  const nodes = new Map<string, TopologyNode>();
  const links = new Map<string, TopologyLink>();

  for (const c of capture.comments) {
    notes.push({ t: 0, source: SOURCE, ...captureNote('capture.comment', c.text, { where: c.where, offset: c.offset }) });
  }
  for (const p of capture.packets) {
    const t = timeOf(p);
    const link = ifaceName(p.interfaceId);
    const frame = `frame ${p.index + 1}`;
    const ip = frameDatagram(p.data, p.link);
    if (!ip) {
      const why = p.link.note ?? 'no IP header could be read';
      notes.push({ t, source: SOURCE, ...captureNote('capture.non-ip', `${frame} on ${link}: ${why}`, { frame: p.index + 1, link, offset: p.offset }) });
      continue;
    }
    const packet = hops.length + 1;
    for (const addr of [ip.from, ip.to]) {
      if (!nodes.has(addr)) nodes.set(addr, { name: addr, kind: 'host', addresses: [addr] });
    }
    if (!links.has(link)) links.set(link, { name: link, a: ip.from, b: ip.to, details: { linkType: p.linkType } });
    hops.push({ index: hops.length, t, arrive: t, link, from: ip.from, to: ip.to, bytes: ip.bytes, packet });
    for (const text of p.comments) notes.push({ t, source: SOURCE, ...captureNote('capture.packet-comment', text), packet });
    if (ip.truncated) {
      notes.push({ t, source: SOURCE, ...captureNote('capture.truncated', `${frame}: the IP datagram was captured only in part (${ip.bytes.length} bytes)`), packet });
    }
  }
  for (const pr of capture.problems) {
    // A problem is placed at the time of the last packet that precedes it in the file.
    let t = 0;
    for (const p of capture.packets) {
      if (p.offset > pr.offset) break;
      if (p.time) t = p.time.us - origin;
    }
    notes.push({ t, source: SOURCE, ...captureNote(pr.fatal ? 'capture.error' : 'capture.problem', pr.message, { offset: pr.offset }) });
  }

  const secrets: Secret[] = [];
  for (const s of capture.secrets) {
    if (s.type !== SECRETS_TLS_KEY_LOG || s.text === undefined) continue;
    for (const line of s.text.split(/\r?\n/)) {
      if (line.trim().length > 0 && !line.startsWith('#')) secrets.push({ t: 0, kind: 'nss-keylog', source: SOURCE, text: line });
    }
  }

  return {
    meta: {
      source: 'capture',
      ...(name !== undefined ? { title: name } : {}),
      summary: {
        format: capture.format ?? null,
        packets: capture.packets.length,
        ...(firstTimed ? { captureStartUs: firstTimed.us } : {}),
        origin,
      },
    },
    nodes: [...nodes.values()],
    links: [...links.values()],
    hops,
    notes: [...notes].sort((a, b) => a.t - b.t),
    secrets,
  };
}

/** The IP datagram a captured frame carries (its hop in the trace), or undefined for a non-IP frame (a note). */
export function frameDatagram(data: Uint8Array, link: LinkLayer): IpView | undefined {
  return link.ipOffset === undefined ? undefined : ipDatagram(data.subarray(link.ipOffset));
}

export interface IpView {
  readonly from: string;
  readonly to: string;
  /** The datagram without link-layer padding (Ethernet pads short frames to 60 bytes). */
  readonly bytes: Uint8Array;
  readonly truncated: boolean;
}

/** Addresses and true length of an IPv4 (RFC 791 §3.1) or IPv6 (RFC 8200 §3) datagram; undefined if too short. */
function ipDatagram(d: Uint8Array): IpView | undefined {
  const version = d.length > 0 ? d[0]! >> 4 : 0;
  let total: number;
  let from: string;
  let to: string;
  if (version === 4 && d.length >= 20) {
    total = (d[2]! << 8) | d[3]!;
    from = formatIPv4(d, 12);
    to = formatIPv4(d, 16);
  } else if (version === 6 && d.length >= 40) {
    total = 40 + ((d[4]! << 8) | d[5]!);
    from = formatIPv6(d, 8);
    to = formatIPv6(d, 24);
  } else {
    return undefined;
  }
  // A zero length (IPv4 TSO, IPv6 jumbogram) says nothing: keep the whole frame.
  if (total === 0 || (version === 6 && total === 40 && d.length > 40 && d[6] === 0)) total = d.length;
  return { from, to, bytes: d.subarray(0, Math.min(total, d.length)), truncated: total > d.length };
}
