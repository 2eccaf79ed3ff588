import type { Dissector } from '../sim/dissect/dissector.ts';
import type { DissectionPass } from '../sim/pass/pass.ts';
import { CertificateCollector } from '../sim/sdpview/certs.ts';
import { SdpCollector } from '../sim/sdpview/collect.ts';
import { formatCertificates, formatSdpExchanges, sdpExchangesToJson } from '../sim/sdpview/format.ts';

/** `rtclab dissect --sdp` and `--certs`: the SDP offers and answers side by side, the certificates parsed and checked. */
export const SDP_USAGE = `    --sdp           the SDP offers and answers the signaling carried (WebSocket, HTTP, SIP), side by side
                    m-section by m-section: + kept, - rejected, ~ differs, ! conflict; with --json one object
    --certs         the certificates the handshakes sent (DTLS 1.2, TLS 1.2 in the clear; 1.3 with keys): subject,
                    issuer, validity, key, signature, SHA-256, checked against the SDP's a=fingerprint
`;

/** What --sdp and --certs add to the pass. */
export class SdpViews {
  readonly sdp = new SdpCollector();
  readonly certs: CertificateCollector;

  constructor(
    dissector: Dissector,
    private readonly want: { sdp: boolean; certs: boolean },
  ) {
    this.certs = new CertificateCollector(dissector);
  }

  static attach(pass: DissectionPass, want: { sdp: boolean; certs: boolean }): SdpViews | undefined {
    if (!want.sdp && !want.certs) return undefined;
    const v = new SdpViews(pass.dissector, want);
    pass.observe(v.sdp).observe(v.certs);
    return v;
  }

  print(json: boolean, write: (line: string) => void): void {
    const exchanges = this.want.sdp ? this.sdp.exchanges() : undefined;
    const certs = this.want.certs ? this.certs.views(this.sdp.seen) : undefined;
    if (json) {
      write(JSON.stringify({ ...(exchanges ? { sdp: sdpExchangesToJson(exchanges) } : {}), ...(certs ? { certificates: certs.map(({ hop, ...c }) => ({ frame: hop + 1, ...c })) } : {}) }));
      return;
    }
    if (exchanges) for (const l of formatSdpExchanges(exchanges)) write(l);
    if (certs) for (const l of formatCertificates(certs)) write(l);
  }
}
