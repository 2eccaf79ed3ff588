import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../wire/pcap/index.ts';
import { Dissector } from '../dissect/dissector.ts';
import { CAPTURES_DIR } from '../../test/support/dissect-captures.ts';
import { CaptureAnalyzer } from './analyzer.ts';
import { formatStory } from './story.ts';
import type { DissectedPacket } from '../dissect/types.ts';

// The signaling capture's SDP names the Chromium call's ICE addresses and ufrags and the openssl certificates'
// fingerprints (captures/signaling/README.md). Played one after the other through one dissector and analyzer, the
// three captures tell one story: the checked pairs were signaled, and each DTLS certificate matches its SDP.

function story(files: string[], edit?: (bytes: Uint8Array, file: string) => Uint8Array) {
  const dissector = new Dissector();
  const analyzer = new CaptureAnalyzer(dissector.flows);
  const packets: DissectedPacket[] = [];
  let index = 0;
  for (const f of files) {
    const raw = new Uint8Array(readFileSync(`${CAPTURES_DIR}${f}`));
    for (const p of readCapture(edit ? edit(raw, f) : raw).packets) {
      const d = dissector.packet(p.data, { index, linkType: p.linkType, t: index });
      packets.push(d);
      analyzer.observe(d, index, index);
      index++;
    }
  }
  const notes = analyzer.finish(index);
  return { analyzer, notes, text: formatStory({ packets, analyzer, dissector, notes }) };
}

const FILES = ['signaling/janus-websocket.pcapng', 'chromium-loopback-call/chromium-host.pcapng', 'dtls-srtp-openssl/dtls12-srtp.pcapng'];

describe('signaling tied to ICE checks and DTLS certificates', () => {
  const s = story(FILES);

  it('collects the offer, the answer and the trickled candidate', () => {
    const sig = s.analyzer.signaling;
    expect(sig.descriptions.map((d) => [d.type, d.ufrags, d.candidates.map((c) => `${c.address}:${c.port}`)])).toEqual([
      ['offer', ['q0yx'], ['127.0.0.1:35027', '127.0.0.1:57214']],
      ['answer', ['MB11'], ['127.0.0.1:52097', '127.0.0.1:4444']],
    ]);
    expect(sig.trickled.map((c) => `${c.candidate.address}:${c.candidate.port} ${c.candidate.type}`)).toEqual(['203.0.113.9:35027 srflx']);
    expect(s.notes.filter((n) => n.kind === 'signaling.sdp')).toHaveLength(2);
  });

  it('finds both candidates of every checked ICE pair in the SDP, with USERNAMEs made of the signaled ufrags', () => {
    const ice = s.analyzer.signalingChecks.filter((c) => c.kind === 'ice');
    expect(ice).toHaveLength(2);
    for (const c of ice) {
      expect(c.ok, c.text).toBe(true);
      expect(c.text).toMatch(/matches the signaled ice-ufrags/);
    }
    expect(ice[0]!.text).toContain('127.0.0.1:52097 is a signaled host candidate (SDP answer, packet 32)');
  });

  it('matches each DTLS 1.2 certificate against the fingerprint of the SDP that carries its sender as a candidate', () => {
    const dtls = s.analyzer.signalingChecks.filter((c) => c.kind === 'dtls');
    expect(dtls.map((c) => [c.ok, c.text.replace(/ \(sha-256 .*?\)/, '')])).toEqual([
      [true, 'DTLS server certificate from 127.0.0.1:4444 matches a=fingerprint sha-256 of the SDP answer in packet 32'],
      [true, 'DTLS client certificate from 127.0.0.1:57214 matches a=fingerprint sha-256 of the SDP offer in packet 26'],
    ]);
    expect(s.notes.filter((n) => n.kind === 'dtls.fingerprint.verified')).toHaveLength(2);
    expect(s.text).toContain('Signaling:');
  });

  it('reports a certificate whose fingerprint was signaled differently as a mismatch', () => {
    // flip one hex digit of the answer's fingerprints (both m= sections) inside the capture (the JSON text is not masked: server → client)
    const tampered = story(FILES, (bytes, f) => {
      if (!f.startsWith('signaling')) return bytes;
      const text = new TextDecoder('latin1').decode(bytes);
      const copy = bytes.slice();
      for (let at = text.indexOf('DE:28:44:D3'); at >= 0; at = text.indexOf('DE:28:44:D3', at + 1)) copy[at] = 'E'.charCodeAt(0);
      return copy;
    });
    const server = tampered.analyzer.signalingChecks.find((c) => c.kind === 'dtls' && c.text.includes('server'))!;
    expect(server.ok).toBe(false);
    expect(server.text).toMatch(/matches no fingerprint of the SDP answer in packet 32, which carries 127\.0\.0\.1:4444 as a candidate/);
    expect(tampered.notes.some((n) => n.kind === 'dtls.fingerprint.mismatch')).toBe(true);
  });

  it("learns the SDP's rtx payload types and reports no jitter for the Chromium call's retransmission streams", () => {
    const s = story(FILES);
    expect([...s.analyzer.signaling.rtx.payloadTypes]).toContain(97); // a=rtpmap:97 rtx/90000
    const rtx = s.analyzer.streams.streams.filter((x) => x.payloadTypes.has(97));
    expect(rtx.length).toBe(2);
    for (const x of rtx) expect(s.text).toMatch(new RegExp(`0x${x.ssrc.toString(16).padStart(8, '0')} .*jitter not applicable: an RTX or padding stream`));
    expect(s.text).not.toMatch(/jitter \d{4,}/);
  });
});
