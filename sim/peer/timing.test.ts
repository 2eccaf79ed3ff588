// Call setup timing like Chromium's: the controlling agent nominates on the first pair that works (libwebrtc's
// semi-aggressive nomination), so the DTLS ClientHello follows the first connectivity check by about one round
// trip, not by a 2 s nomination timer. The figures are measured on the wire, the same way in a simulated trace and
// in the kept Chromium captures (sim/peer/call-timeline.ts); docs/call-timing.md compares them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { captureToTrace } from '../wire/pcap/capture-to-trace.ts';
import { readCapture } from '../wire/pcap/index.ts';
import { Dissector } from '../dissect/dissector.ts';
import { callTimeline, type CallTimeline } from './call-timeline.ts';

const ms = (t: CallTimeline): { clientHello: number; firstSrtp: number } => ({
  clientHello: (t.clientHello! - t.firstCheck!) / 1000,
  firstSrtp: (t.firstSrtp! - t.firstCheck!) / 1000,
});

function simulated(name: string, edit?: (j: Record<string, unknown>) => void): CallTimeline {
  const j = findPreset(name)!.build();
  edit?.(j);
  return callTimeline(runScenario(parseScenario(j)).trace.hops);
}

function captured(dir: string, file: string): CallTimeline {
  const bytes = new Uint8Array(readFileSync(new URL(`../../captures/${dir}/${file}`, import.meta.url)));
  return callTimeline(captureToTrace(readCapture(bytes)).hops);
}

const apps = (j: Record<string, unknown>): Record<string, unknown>[] => j.apps as Record<string, unknown>[];

describe('call setup timing (first check → ClientHello → first SRTP)', () => {
  it('call-p2p: ClientHello 320 ms and first SRTP 430 ms into the call, one round trip after the first check that works', { timeout: 300_000 }, () => {
    const t = simulated('call-p2p');
    // the offer and answer cross the signaling server over WebSocket (TCP handshake, upgrade, then the relay), so the
    // first check leaves at 126 ms instead of 50 ms with ideal signaling; from there it is as before: the srflx
    // candidates trickle in, Alice's check with USE-CANDIDATE succeeds, Bob's triggered check succeeds 194 ms after
    // the first check and he starts DTLS at once
    expect(t).toEqual({ firstCheck: 126_000, clientHello: 320_000, firstSrtp: 430_000 });
    // RFC 8445 regular nomination with the old 2 s timer, for contrast: the ClientHello waits for the timer
    const regular = simulated('call-p2p', (j) => apps(j).forEach((a) => a.kind === 'webrtc-peer' && (a.nomination = 'regular')));
    expect(regular.clientHello).toBe(2_284_000);
  });

  it('call-p2p-turn: DTLS connects and SRTP starts at 570 ms although both selected pairs moved during the handshake', { timeout: 300_000 }, () => {
    // Bob's flights go on his first selected pair (to Alice's relay), Alice's on hers (to Bob's relay); each side reads
    // the other's from a pair its agent knows but has not checked yet, as libwebrtc does, so no flight waits for a
    // retransmission (1570 ms when only valid pairs were read)
    expect(simulated('call-p2p-turn')).toEqual({ firstCheck: 126_000, clientHello: 360_000, firstSrtp: 570_000 });
  });

  it("call-lan and the Chromium loopback capture: the ClientHello within Chromium's 2.6 ms of the first check", { timeout: 300_000 }, () => {
    const chromium = ms(captured('chromium-loopback-call', 'chromium-host.pcapng'));
    expect(chromium.clientHello).toBeCloseTo(2.584, 2);
    expect(chromium.firstSrtp).toBeCloseTo(30.268, 2);
    const ours = ms(simulated('call-lan'));
    expect(ours).toEqual({ clientHello: 1.1, firstSrtp: 1.6 });
    expect(ours.clientHello).toBeLessThanOrEqual(chromium.clientHello);
  });

  it('Chromium facing our peer over the bridge (chromium-rtclab capture): Chromium nominated 16 ms after our first check', { timeout: 120_000 }, () => {
    const t = ms(captured('chromium-rtclab-dtls12', 'chromium-rtclab.pcapng'));
    expect(t.clientHello).toBeCloseTo(26.944, 2);
    expect(t.firstSrtp).toBeCloseTo(119.534, 2);
  });

  it('Chromium through TURN over TCP facing our peer (chromium-turn-tcp-fallback): its BoringSSL server answers without a HelloVerifyRequest', { timeout: 120_000 }, () => {
    const file = 'chromium-turn-tcp-fallback.pcapng';
    const t = ms(captured('chromium-turn-tcp-fallback', file));
    expect(t.clientHello).toBeCloseTo(458.812, 2);
    expect(t.firstSrtp).toBeCloseTo(1523.33, 1);
    // our ClientHello, then Chromium's ServerHello flight (its BoringSSL server has no HelloVerifyRequest state)
    const cap = readCapture(new Uint8Array(readFileSync(new URL(`../../captures/chromium-turn-tcp-fallback/${file}`, import.meta.url))));
    const d = new Dissector({});
    const hellos = cap.packets.map((raw) => d.packet(raw.data, { index: raw.index, linkType: raw.linkType }).summary).filter((x) => /^Flight \d+: (ClientHello|HelloVerifyRequest|ServerHello)/.test(x));
    expect(hellos[0]).toMatch(/^Flight 1: ClientHello/);
    expect(hellos.find((x) => !x.startsWith('Flight 1: ClientHello'))).toMatch(/^Flight 4: ServerHello, Certificate/);
    expect(hellos.some((x) => x.includes('HelloVerifyRequest'))).toBe(false);
  });
});
