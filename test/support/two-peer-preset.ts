import type { Trace } from '../../sim/core/trace.ts';
import { Dissector } from '../../sim/dissect/dissector.ts';
import type { DissectedPacket } from '../../sim/dissect/types.ts';
import type { WebRtcPeer } from '../../sim/peer/webrtc-peer.ts';
import { buildScenario } from '../../sim/scenario/build.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { readCapture, type CapturePacket } from '../../sim/wire/pcap/index.ts';
import { traceKeyLog, writePcapng } from '../../sim/wire/pcap/pcapng-writer.ts';

type Json = Record<string, unknown>;

export interface TwoPeerRun {
  readonly trace: Trace;
  readonly alice: WebRtcPeer;
  readonly bob: WebRtcPeer;
  /** When `who`'s data channel `label` turned open (µs). */
  readonly openAt: (who: 'alice' | 'bob', label: string) => number;
  readonly pcap: Uint8Array;
  readonly keyLog: string;
  /** Every packet of the capture's first interface (alice's access link), dissected with the key log, in order. */
  readonly aliceLink: readonly { readonly raw: CapturePacket; readonly p: DissectedPacket }[];
  /** Their problems, warnings left out. */
  readonly problems: readonly string[];
}

/**
 * A two-peer preset (apps on hosts alice and bob) run with a boolean webrtc-peer option set on the sides given and
 * taken off the others; `extra` goes to both apps.
 */
export function runTwoPeerPreset(preset: string, option: string, sides: { readonly alice: boolean; readonly bob: boolean }, extra: Json = {}): TwoPeerRun {
  const base = findPreset(preset)!.build() as { apps: Json[] };
  const apps = base.apps.map(({ [option]: _off, ...app }) => (sides[app.host as 'alice' | 'bob'] ? { ...app, ...extra, [option]: true } : { ...app, ...extra }));
  const s = parseScenario({ ...base, apps });
  const { net, apps: built } = buildScenario(s);
  net.run(s.duration, 50_000_000);
  const trace = net.finish({});
  const [alice, bob] = built.map((x) => x.endpoint as WebRtcPeer);
  const openAt = (who: string, label: string): number => trace.notes.find((n) => n.kind === 'datachannel.state' && n.text.startsWith(`${who}: data channel "${label}" connecting → open`))!.t;
  const keyLog = traceKeyLog(trace);
  const d = new Dissector({ keyLog });
  const pcap = writePcapng(trace);
  const aliceLink: { raw: CapturePacket; p: DissectedPacket }[] = [];
  const problems: string[] = [];
  for (const raw of readCapture(pcap).packets) {
    if (raw.interfaceId !== 0) continue;
    const p = d.packet(raw.data, { index: raw.index, linkType: raw.linkType });
    aliceLink.push({ raw, p });
    problems.push(...p.problems.filter((x) => x.severity !== 'warning').map((x) => x.message));
  }
  return { trace, alice: alice!, bob: bob!, openAt, pcap, keyLog, aliceLink, problems };
}
