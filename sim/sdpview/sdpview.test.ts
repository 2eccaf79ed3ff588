import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DissectionPass } from '../pass/pass.ts';
import { CaptureFeed } from '../pass/capture-feed.ts';
import { CaptureReader } from '../wire/pcap/capture-reader.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { parseScenario } from '../scenario/parse.ts';
import { runScenario } from '../scenario/run.ts';
import { compareSdp } from './align.ts';
import { SdpCollector } from './collect.ts';
import { formatSdpExchanges } from './format.ts';

function fromCapture(path: string): SdpCollector {
  const pass = new DissectionPass({ spans: false });
  const c = new SdpCollector();
  pass.observe(c);
  const feed = new CaptureFeed(pass, { packet: () => undefined });
  const reader = new CaptureReader();
  reader.pushEach(new Uint8Array(readFileSync(path)), (e) => e.kind !== 'problem' && feed.event(e));
  reader.endEach((e) => e.kind !== 'problem' && feed.event(e));
  pass.finish();
  return c;
}

function fromPreset(name: string): SdpCollector {
  const trace = runScenario(parseScenario(findPreset(name)!.build())).trace;
  const pass = new DissectionPass({ spans: false });
  const c = new SdpCollector();
  pass.observe(c);
  for (const h of trace.hops) pass.hop({ bytes: h.bytes, index: h.index, t: h.t, vantage: h.link });
  pass.finish();
  c.addNotes(trace.notes);
  return c;
}

const O = ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1', 'm=audio 9 UDP/TLS/RTP/SAVPF 111 0 8', 'a=mid:0', 'a=ice-ufrag:aaaa', 'a=setup:actpass', 'a=sendrecv', 'a=rtcp-mux', 'a=rtpmap:111 opus/48000/2', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:1', 'a=sendrecv', 'a=rtpmap:96 VP8/90000', ''].join('\r\n');

describe('SDP offer and answer side by side', { timeout: 120_000 }, () => {
  it('marks codecs kept and rejected, the direction answered, the DTLS roles and a mid left out of BUNDLE', () => {
    const A = ['v=0', 'o=- 9 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'm=audio 9 UDP/TLS/RTP/SAVPF 0', 'a=mid:0', 'a=ice-ufrag:bbbb', 'a=setup:active', 'a=recvonly', 'a=rtpmap:0 PCMU/8000', 'm=video 0 UDP/TLS/RTP/SAVPF 96', 'a=mid:1', ''].join('\r\n');
    const c = compareSdp(O, A);
    const audio = c.blocks[1]!;
    const row = (key: string) => audio.rows.find((r) => r.key === key)!;
    expect(row('rtpmap:111')).toMatchObject({ status: 'rejected', note: 'codec opus/48000/2 rejected by the answer' });
    expect(row('rtpmap:0').status).toBe('kept');
    expect(row('direction')).toMatchObject({ status: 'differs', offer: 'a=sendrecv', answer: 'a=recvonly' });
    expect(row('setup').note).toContain('answerer is the DTLS client');
    expect(row('rtcp-mux').status).toBe('rejected');
    expect(row('m').note).toBe('1 of 3 formats kept');
    expect(audio.result).toBe('kept PCMU/8000; rejected opus/48000, PCMA/8000; sendrecv → recvonly; setup actpass → active; bundled (tagged)');
    expect(c.blocks[2]!.result).toBe('rejected: no video');
    expect(c.blocks[0]!.rows.find((r) => r.key === 'group:BUNDLE')!.note).toBe('mid 1 left out of the bundle');
    expect(row('ice-ufrag').status).toBe('differs');
    // every line says what it is for
    expect(row('rtpmap:0').explain).toBe('payload type → codec, clock rate, channels (RFC 8866 §6.6)');
    expect(c.blocks[0]!.rows.find((r) => r.key === 'v')!.explain).toBe('protocol version, always 0 (RFC 8866 §5.1)');
    expect(c.problems).toEqual([]);
  });

  it('calls out what breaks the call: both setup:active, the same ufrag, a codec the offer never listed', () => {
    const A = O.replace('a=setup:actpass', 'a=setup:active').replace('o=- 1', 'o=- 7');
    const both = compareSdp(O.replace('a=setup:actpass', 'a=setup:active'), A);
    expect(both.problems).toContain('m=audio (mid 0): both sides active: no DTLS server (RFC 4145 §4)');
    expect(both.problems).toContain('m=audio (mid 0): both sides use the same ice-ufrag (RFC 8839 §5.4: each agent its own)');
    const foreign = compareSdp(O, O.replace('a=rtpmap:8 PCMA/8000', 'a=rtpmap:8 PCMA/8000\r\na=rtpmap:9 G722/8000'));
    expect(foreign.problems.some((p) => p.includes('a codec the offer did not list'))).toBe(true);
  });

  it('pairs the Janus offer and answer of the kept signaling capture, each with the frame that carried it', () => {
    const x = fromCapture('captures/signaling/janus-websocket.pcapng').exchanges();
    expect(x).toHaveLength(1);
    expect(x[0]!.offer).toMatchObject({ type: 'offer', hops: [25], via: 'WebSocket', from: '127.0.0.1:34148' });
    expect(x[0]!.answer).toMatchObject({ type: 'answer', hops: [31], via: 'WebSocket' });
    expect(x[0]!.comparison.blocks.map((b) => b.title)).toEqual(['session', 'm=audio (mid 0)', 'm=video (mid 1)']);
    expect(x[0]!.comparison.blocks[1]!.result).toBe('kept opus/48000, PCMU/8000; sendrecv → sendrecv; setup actpass → passive; bundled (tagged)');
    const text = formatSdpExchanges(x);
    expect(text[1]).toBe('  offer:  127.0.0.1:34148 → 127.0.0.1:18088 at 0.485311 s, frame 26 (WebSocket)');
  });

  it('shows a rewritten offer twice, as each side saw it: call-no-common-audio-codec rejects audio', () => {
    const x = fromPreset('call-no-common-audio-codec').exchanges();
    expect(x.map((e) => e.view)).toEqual(['as the answerer saw it (the offer delivered, the answer it sent)', 'as the offerer saw it (the offer it sent, the answer delivered)']);
    expect(x[0]!.rewrites[0]).toMatch(/^the offer from 10\.0\.1\.10:43135 was rewritten on its way \(hop #67, .*a=rtpmap:111 opus\/48000\/2 removed/);
    expect(x[0]!.comparison.blocks[1]!.result).toBe('rejected: no audio');
    // the offerer's view: its own offer, opus still in it, answered with the audio section rejected
    expect(x[1]!.comparison.blocks[1]!.rows.find((r) => r.key === 'rtpmap:111')).toMatchObject({ offer: 'a=rtpmap:111 opus/48000/2', status: 'offer-only' });
  });

  it('says when both sides took the same DTLS role after a rewrite (fail-setup-both-active)', () => {
    const x = fromPreset('fail-setup-both-active').exchanges();
    expect(x[0]!.rewrites.some((r) => r.startsWith('both sides take the DTLS client role'))).toBe(true);
  });

  it('reads a simulated run whose signaling goes over the wire once per description, with every hop that carried it', () => {
    const c = fromPreset('call-p2p');
    expect(c.seen.map((s) => [s.type, s.via, s.hops.length > 1])).toEqual([['offer', 'WebSocket', true], ['answer', 'WebSocket', true]]);
    expect(c.exchanges()[0]!.rewrites).toEqual([]);
  });
});
