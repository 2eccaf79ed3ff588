// `rtclab dissect --sdp` on the kept signaling capture, as a user runs it: a fresh process, a real file.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const rtclab = (...args: string[]) => spawnSync(process.execPath, ['bin/rtclab.js', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });

const JANUS = 'captures/signaling/janus-websocket.pcapng';

describe('rtclab dissect --sdp', { timeout: 300_000 }, () => {
  it('prints the offer and the answer side by side with their frames and the negotiated result per section', () => {
    const r = rtclab('dissect', JANUS, '--sdp');
    expect(r.status).toBe(0);
    const out = r.stdout.split('\n');
    expect(out[0]).toBe('SDP exchange 1');
    expect(out[1]).toContain('frame 26 (WebSocket)');
    expect(out).toContain('  -- m=audio (mid 0): kept opus/48000, PCMU/8000; sendrecv → sendrecv; setup actpass → passive; bundled (tagged)');
    expect(out.some((l) => l.startsWith('  ~ a=setup:actpass') && l.endsWith('answerer is the DTLS server (RFC 8842 §5.3)'))).toBe(true);
  });

  it('--json gives one object with both texts, their frames and the aligned rows', () => {
    const r = rtclab('dissect', JANUS, '--sdp', '--json');
    const { sdp } = JSON.parse(r.stdout.trim()) as { sdp: { offer: { frames: number[]; sdp: string }; answer: { frames: number[] }; blocks: { title: string; rows: { status: string }[] }[] }[] };
    expect(sdp).toHaveLength(1);
    expect(sdp[0]!.offer.frames).toEqual([26]);
    expect(sdp[0]!.answer.frames).toEqual([32]);
    expect(sdp[0]!.offer.sdp.startsWith('v=0\r\n')).toBe(true);
    expect(sdp[0]!.blocks[2]!.title).toBe('m=video (mid 1)');
  });

  it('--certs prints each certificate as openssl reads it, with its frame and its check', () => {
    const r = rtclab('dissect', 'captures/dtls-srtp-openssl/dtls12-srtp.pcapng', '--certs');
    expect(r.status).toBe(0);
    const out = r.stdout.split('\n');
    expect(out[0]).toBe('DTLS 1.2 server certificate from 127.0.0.1:4444 to 127.0.0.1:57214, frame 4');
    expect(out).toContain('  subject:    CN = dtls-server.example');
    expect(out).toContain('  SHA-256:    DE:28:44:D3:42:19:7F:AA:FD:A0:FE:AA:67:76:0D:BF:B3:71:E3:3A:A4:B2:38:FA:73:E9:41:EF:E7:67:B0:70');
    const j = JSON.parse(rtclab('dissect', 'captures/dtls-srtp-openssl/dtls12-srtp.pcapng', '--certs', '--json').stdout.trim()) as { certificates: { frame: number; certificate: { subject: string }; check: { status: string } }[] };
    expect(j.certificates.map((c) => [c.frame, c.certificate.subject, c.check.status])).toEqual([
      [4, 'CN = dtls-server.example', 'unchecked'],
      [5, 'CN = dtls-client.example', 'unchecked'],
    ]);
  });
  it('--internals adds a webrtc-internals dump\'s offers and answers (gzip, as Chromium writes it), placed by its stats', () => {
    const dir = 'captures/chromium-internals-dump';
    const r = rtclab('dissect', `${dir}/chromium-internals.pcapng`, '--internals', `${dir}/chromium-internals.webrtc-internals.json.gz`);
    expect(r.status).toBe(0);
    const out = r.stdout.split('\n');
    expect(out[0]).toMatch(/: 6 session descriptions in the updateLog of 2 PeerConnection\(s\), placed by its stats: clock offset \S+ at the trace's 0 \(±\d\.\d ms, \d+ counter samples of 4 stream\(s\) agree\)$/);
    expect(out[1]).toBe('SDP exchange 1');
    expect(out[2]).toMatch(/^ {2}offer: {2}PC 9-1 → PC 9-2 at -0\.\d{6} s, no packet \(webrtc-internals updateLog: PC 9-1 createOfferOnSuccess /);
    expect(out[3]).toBe('          2 candidate(s) trickled after it: host udp 192.0.2.2:35536, host udp fd00::2:59699');
    expect(out).toContain('  -- m=application (mid 2): kept webrtc-datachannel; sendrecv → sendrecv; setup actpass → active; bundled (on mid 0)');
    const j = JSON.parse(rtclab('dissect', `${dir}/chromium-internals.pcapng`, '--internals', `${dir}/chromium-internals.webrtc-internals.json.gz`, '--json').stdout.trim()) as { internals: string; sdp: { offer: { from: string; frames: number[]; trickled: string[] } }[] };
    expect(j.internals).toMatch(/placed by its stats/);
    expect(j.sdp.map((x) => [x.offer.from, x.offer.frames, x.offer.trickled.length])).toEqual([['PC 9-1', [], 2]]);
  });

  it('--internals refuses a file that is not a dump, saying which and why', () => {
    const r = rtclab('dissect', JANUS, '--internals', 'captures/chromium-rtclab-dtls12/chromium-rtclab.keylog.txt');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^rtclab dissect: captures\/chromium-rtclab-dtls12\/chromium-rtclab\.keylog\.txt is not a webrtc-internals dump: it is not JSON \(/);
    const none = rtclab('dissect', JANUS, '--internals', 'captures/nope.json');
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/cannot read captures\/nope\.json: ENOENT/);
  });
});
