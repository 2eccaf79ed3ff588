import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Dissector } from '../sim/dissect/dissector.ts';
import type { DissectionPass } from '../sim/pass/pass.ts';
import { CertificateCollector } from '../sim/sdpview/certs.ts';
import { SdpCollector } from '../sim/sdpview/collect.ts';
import { formatCertificates, formatSdpExchanges, sdpExchangesToJson } from '../sim/sdpview/format.ts';
import { internalsSightings, readInternalsLog, type InternalsLog } from '../sim/sdpview/internals.ts';
import { StatsCollector } from '../sim/stats/collector.ts';
import { parseStatsDump, type StatsDump } from '../sim/stats/import/dump.ts';
import { alignDump, AlignmentError, type Alignment } from '../sim/stats/import/align.ts';

/** `rtclab dissect --sdp` and `--certs`: the SDP offers and answers side by side, the certificates parsed and checked. */
export const SDP_USAGE = `    --sdp           the SDP offers and answers the signaling carried (WebSocket, HTTP, SIP), side by side
                    m-section by m-section: + kept, - rejected, ~ differs, ! conflict; with --json one object
    --certs         the certificates the handshakes sent (DTLS 1.2, TLS 1.2 in the clear; 1.3 with keys): subject,
                    issuer, validity, key, signature, SHA-256, checked against the SDP's a=fingerprint
    --internals FILE
                    a Chromium webrtc-internals dump (JSON, or gzip as Chromium writes it) of the same call: each
                    PeerConnection's offers and answers (createOffer/AnswerOnSuccess, setLocal/RemoteDescription)
                    join --sdp (implied) and check --certs, on the capture's axis by the dump's stats
`;

/** A webrtc-internals dump given with --internals: read (gunzipped when it is gzip), its updateLog and stats. */
export interface InternalsFile {
  readonly name: string;
  readonly log: InternalsLog;
  readonly stats: StatsDump;
}

/** Reads --internals FILE; a message saying what is wrong when it cannot. */
export function readInternalsFile(file: string): InternalsFile | string {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
    // RFC 1952 magic: Chromium gzips the dump when "Compress result" is ticked (its default)
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  } catch (e) {
    return `cannot read ${file}: ${(e as Error).message}`;
  }
  const text = new TextDecoder().decode(bytes);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return `${file} is not a webrtc-internals dump: it is not JSON (${(e as Error).message})`;
  }
  try {
    return { name: file, log: readInternalsLog(doc, file), stats: parseStatsDump(text, file) };
  } catch (e) {
    return `${file} is not a webrtc-internals dump: ${(e as Error).message}`;
  }
}

/** What --sdp and --certs add to the pass. */
export class SdpViews {
  readonly sdp = new SdpCollector();
  readonly certs: CertificateCollector;
  /** The packet times the dump's stats are aligned on (with --internals). */
  private readonly times: StatsCollector | undefined;
  /** The capture's first packet's time (µs since the epoch). */
  private originUs: number | undefined;

  constructor(
    dissector: Dissector,
    private readonly want: { sdp: boolean; certs: boolean },
    private readonly internals?: InternalsFile,
  ) {
    this.certs = new CertificateCollector(dissector);
    if (internals) this.times = new StatsCollector({ keepTimes: true });
  }

  static attach(pass: DissectionPass, want: { sdp: boolean; certs: boolean }, internals?: InternalsFile): SdpViews | undefined {
    if (!want.sdp && !want.certs && !internals) return undefined;
    const v = new SdpViews(pass.dissector, internals ? { ...want, sdp: want.sdp || !want.certs } : want, internals);
    pass.observe(v.sdp).observe(v.certs);
    if (v.times) pass.observe(v.times);
    return v;
  }

  /** Each packet's capture time (µs since the epoch), for the dump's clock when its stats do not align. */
  sawTime(us: number | undefined): void {
    if (this.originUs === undefined && us !== undefined) this.originUs = us;
  }

  /** The dump's descriptions put on the capture's axis, and how (the line printed before the exchanges). */
  private addInternals(): string | undefined {
    const d = this.internals;
    if (!d || !this.times) return undefined;
    let a: Alignment | undefined;
    let why = '';
    try {
      a = alignDump(d.stats, this.times.packetTimes());
    } catch (e) {
      if (!(e instanceof AlignmentError)) throw e;
      why = e.message;
    }
    const origin = this.originUs !== undefined ? this.originUs / 1000 : undefined;
    const offset = a?.offsetMs ?? origin ?? Math.min(0, ...d.log.descriptions.map((x) => x.timeMs));
    this.sdp.addOther(internalsSightings(d.log, offset));
    const n = d.log.descriptions.length;
    const how = a ? `placed by its stats: ${a.text}` : `its stats do not align (${why}): its times taken on the capture's clock`;
    return `${d.name}: ${n} session description${n === 1 ? '' : 's'} in the updateLog of ${d.log.connections.length} PeerConnection(s), ${how}`;
  }

  print(json: boolean, write: (line: string) => void): void {
    const internals = this.addInternals();
    const exchanges = this.want.sdp ? this.sdp.exchanges() : undefined;
    const certs = this.want.certs ? this.certs.views(this.sdp.seen) : undefined;
    const hidden = this.want.certs ? this.certs.hidden() : [];
    if (json) {
      write(
        JSON.stringify({
          ...(internals ? { internals } : {}),
          ...(exchanges ? { sdp: sdpExchangesToJson(exchanges) } : {}),
          ...(certs ? { certificates: certs.map(({ hop, ...c }) => ({ frame: hop + 1, ...c })) } : {}),
          ...(hidden.length ? { hiddenCertificates: hidden.map(({ hop, ...h }) => ({ frame: hop + 1, ...h })) } : {}),
        }),
      );
      return;
    }
    if (internals) write(internals);
    if (exchanges) for (const l of formatSdpExchanges(exchanges)) write(l);
    if (certs) for (const l of formatCertificates(certs, hidden)) write(l);
  }
}
