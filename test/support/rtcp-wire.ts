// The RTCP a capture carries on one link, decrypted with the trace's key log, and tshark's reading of it: the
// judge of the routers' RTCP (SR, RR, SDES, NACK, PLI, REMB) for the SFU presets.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dissector } from '../../sim/dissect/dissector.ts';
import type { LayerOf } from '../../sim/dissect/types.ts';
import type { RunResult } from '../../sim/scenario/run.ts';
import { encodeIPv4 } from '../../sim/wire/ip/ipv4.ts';
import { encodeUdp } from '../../sim/wire/ip/udp.ts';
import { readCapture } from '../../sim/wire/pcap/index.ts';
import { writePcap } from '../../sim/wire/pcap/pcap-writer.ts';
import { traceKeyLog, writePcapng } from '../../sim/wire/pcap/pcapng-writer.ts';
import type { RtcpPacket } from '../../sim/wire/rtcp/rtcp.ts';

export interface LinkRtcp {
  /** Every decrypted RTCP compound, in capture order. */
  readonly compounds: { plain: Uint8Array; packets: readonly RtcpPacket[] }[];
  /** SRTP/SRTCP packets the key log did not open. */
  readonly unopened: number;
  /** Decrypted RTP packets with this payload type (RTX). */
  readonly rtx: number;
  /** Our dissector's problems on the link. */
  readonly problems: string[];
  /** Links found (none is a test failure). */
  readonly link: number;
}

/** The SRTP and SRTCP on the first interface whose name matches `linkName`, opened with the trace's key log. */
export function linkRtcp(r: RunResult, linkName: RegExp, rtxPayloadType = 97): LinkRtcp {
  const cap = readCapture(writePcapng(r.trace));
  const link = cap.interfaces.findIndex((i) => linkName.test(i.name ?? ''));
  const d = new Dissector({ keyLog: traceKeyLog(r.trace) });
  const compounds: { plain: Uint8Array; packets: readonly RtcpPacket[] }[] = [];
  let unopened = 0;
  let rtx = 0;
  const problems: string[] = [];
  for (const raw of cap.packets) {
    if (raw.interfaceId !== link) continue;
    const p = d.packet(raw.data, { index: raw.index, linkType: raw.linkType });
    for (const x of p.problems) problems.push(`#${raw.index} ${x.message}`);
    const outer = p.layers.find((l) => l.protocol === 'SRTCP' || l.protocol === 'SRTP');
    if (!outer) continue;
    const inner = p.layers.find((l) => l.plaintext && (l.protocol === 'RTCP' || l.protocol === 'RTP'));
    if (!inner) {
      unopened++;
      continue;
    }
    if (inner.protocol === 'RTCP') compounds.push({ plain: inner.plaintext!, packets: (inner as LayerOf<'RTCP'>).value! });
    else if ((inner as LayerOf<'RTP'>).value!.header.payloadType === rtxPayloadType) rtx++;
  }
  return { compounds, unopened, rtx, problems, link };
}

/** tshark's reading of each compound (as a UDP payload to port 5005, decoded as RTCP): packet types, NACK and PLI counts, malformed and error-level expert items. */
export function tsharkRtcp(compounds: readonly { plain: Uint8Array }[]): { types: number[][]; nacks: number; plis: number; malformed: number[]; errors: number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'rtclab-rtcp-'));
  try {
    const file = join(dir, 'rtcp.pcap');
    const frames = compounds.map((c, i) => ({ seconds: i, fraction: 0, data: encodeIPv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 17 }, encodeUdp({ srcPort: 5005, dstPort: 5005 }, c.plain)) }));
    writeFileSync(file, writePcap(frames, { linkType: 101 }));
    const rows = execFileSync('tshark', ['-r', file, '-n', '-d', 'udp.port==5005,rtcp', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-e', 'rtcp.pt', '-e', 'rtcp.rtpfb.fmt', '-e', 'rtcp.psfb.fmt', '-e', '_ws.malformed', '-e', '_ws.expert.severity'], { encoding: 'utf8', maxBuffer: 64 << 20 })
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    const out = { types: [] as number[][], nacks: 0, plis: 0, malformed: [] as number[], errors: [] as number[] };
    rows.forEach((row, i) => {
      out.types.push(row[0]!.split(',').filter(Boolean).map(Number));
      if ((row[3] ?? '') !== '') out.malformed.push(i);
      // tshark's error severity is 0x800000
      if ((row[4] ?? '').split(',').some((s) => s !== '' && Number(s) >= 0x800000)) out.errors.push(i);
      out.nacks += (row[1] ?? '').split(',').filter((f) => f === '1').length;
      out.plis += (row[2] ?? '').split(',').filter((f) => f === '1').length;
    });
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
