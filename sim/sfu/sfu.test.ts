// A mediasoup-style room: two browsers connect to an ICE-lite SFU over protoo-style JSON, produce audio and video,
// and each decrypts what the other sent, after the SFU decrypted it with the sender's keys, gave it a consumer
// SSRC and encrypted it again with the receiver's.
import { describe, expect, it } from 'vitest';
import { toHex } from '../core/encoding.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario, type RunResult } from '../scenario/run.ts';
import { decodeSdp } from '../wire/sdp/sdp.ts';

type Obj = Record<string, unknown>;
type Stream = { direction: string; kind: string; ssrc: number; packets: number; lost?: number };
let cached: RunResult | undefined;
const run = (): RunResult => (cached ??= runScenario(parseScenario(findPreset('call-sfu')!.build())));
const sfu = (r: RunResult) => (r.summary.sfu as Record<string, { transports: Obj[]; producers: Obj[]; consumers: Obj[] }>)['sfu/sfu']!;
const media = (r: RunResult, k: string): Stream[] => (r.summary.media as unknown as Record<string, Stream[]>)[k]!;

describe('call-sfu: two browsers and an ICE-lite SFU', () => {
  it('the signaling follows the protoo flow: capabilities, transport, connect, produce, newProducer, consume', () => {
    const r = run();
    const methods = r.trace.notes
      .filter((n) => n.kind === 'signaling.sent' && n.source === 'alice/signaling')
      .map((n) => JSON.parse(String(n.data!.json)) as { method?: string })
      .map((m) => m.method);
    expect(methods.slice(0, 5)).toEqual(['getRouterRtpCapabilities', 'createWebRtcTransport', 'connectWebRtcTransport', 'produce', 'produce']);
    expect(methods.filter((m) => m === 'consume')).toHaveLength(2);
    const fromSfu = r.trace.notes.filter((n) => n.kind === 'signaling.sent' && n.source === 'sfu/signaling').map((n) => JSON.parse(String(n.data!.json)) as Obj);
    expect(fromSfu.filter((m) => m.method === 'newProducer')).toHaveLength(4);
    const transport = fromSfu.find((m) => (m.data as Obj | undefined)?.iceParameters)!.data as Obj;
    expect((transport.iceParameters as Obj).iceLite).toBe(true);
    expect((transport.dtlsParameters as Obj).role).toBe('auto');
    for (const kind of ['sfu.transport.created', 'sfu.producer.created', 'sfu.consumer.created']) expect(r.trace.notes.some((n) => n.kind === kind)).toBe(true);
  });

  it('the client builds the SFU answer itself: ice-lite, a=setup:passive, the transport candidate; the client controls ICE and is the DTLS client', () => {
    const r = run();
    const answer = r.trace.notes.find((n) => n.kind === 'sfu-client.answer' && n.source === 'alice/sfu-client')!;
    const d = decodeSdp(String(answer.data!.sdp));
    expect(d.problems).toEqual([]);
    expect(d.value.iceLite).toBe(true);
    expect(d.value.media[0]!.setup).toBe('passive');
    expect(d.value.media[0]!.candidates[0]!.address).toBe('198.51.100.30');
    const ice = r.summary.ice as Record<string, Obj>;
    expect(ice.alice!.role).toBe('controlling');
    expect((r.summary.dtls as Record<string, Obj>)['alice/sfu-client']!.role).toBe('client');
    for (const t of sfu(r).transports) {
      expect(t.ice).toBe('completed');
      expect(t.dtls).toBe('connected');
      expect(t.fingerprintVerified).toBe(true);
      expect((t.selectedPair as { remote: { type: string } }).remote.type).toBe('prflx'); // learned from the checks
      expect(t.srtpFailures).toBe(0);
    }
  });

  it("each browser decrypts the other's audio and video, which reach it under the consumer's SSRC", () => {
    const r = run();
    const s = sfu(r);
    expect(s.producers).toHaveLength(4);
    expect(s.consumers).toHaveLength(4);
    for (const [me, other] of [['alice', 'bob'], ['bob', 'alice']] as const) {
      for (const kind of ['audio', 'video']) {
        const sentStream = media(r, `${other}/sfu-client`).find((m) => m.direction === 'send' && m.kind === kind)!;
        const producer = s.producers.find((p) => p.peer === other && p.kind === kind)!;
        expect(producer.ssrc).toBe(sentStream.ssrc);
        const consumer = s.consumers.find((c) => c.producer === producer.id && c.peer === me)!;
        expect(consumer.ssrc).not.toBe(producer.ssrc);
        const rx = media(r, `${me}/sfu-client`).find((m) => m.direction === 'receive' && m.kind === kind)!;
        expect(rx.ssrc).toBe(consumer.ssrc);
        expect(rx.lost).toBe(0);
        expect(rx.packets).toBeGreaterThan(kind === 'audio' ? 300 : 600);
        // what arrived is what the SFU forwarded (less the last few still in flight when the run stops)
        expect(rx.packets).toBeLessThanOrEqual(consumer.packetsSent as number);
        expect(rx.packets).toBeGreaterThanOrEqual((consumer.packetsSent as number) - 20); // a video frame is several packets
        expect(consumer.packetsSent as number).toBeLessThanOrEqual(producer.packetsReceived as number);
      }
    }
    expect((r.summary.srtp as Record<string, Obj>)['alice/sfu-client']!.failures).toEqual({});
  });

  it('same seed, same bytes', () => {
    const hops = (): string => runScenario(parseScenario(findPreset('call-sfu')!.build()), { until: 1_200_000 }).trace.hops.map((h) => toHex(h.bytes)).join();
    expect(hops()).toBe(hops());
  });
});
