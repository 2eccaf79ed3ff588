import { SdpCollector } from '../sim/sdpview/collect.ts';
import { formatSdpExchanges, sdpExchangesToJson } from '../sim/sdpview/format.ts';

/** `rtclab dissect --sdp`: the SDP offers and answers the capture's signaling carried, side by side. */
export const SDP_USAGE = `    --sdp           the SDP offers and answers the signaling carried (WebSocket, HTTP, SIP), side by side
                    m-section by m-section: + kept, - rejected, ~ differs, ! conflict; with --json one object
`;

export function sdpCollector(on: boolean): SdpCollector | undefined {
  return on ? new SdpCollector() : undefined;
}

export function printSdp(c: SdpCollector, json: boolean, write: (line: string) => void): void {
  const x = c.exchanges();
  if (json) write(JSON.stringify({ sdp: sdpExchangesToJson(x) }));
  else for (const l of formatSdpExchanges(x)) write(l);
}
