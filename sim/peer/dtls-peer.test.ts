import { describe, expect, it } from 'vitest';
import { toHex } from '../core/encoding.ts';
import { SrtpSession } from '../srtp/session.ts';
import { demux } from '../wire/demux.ts';
import { decodeRtcp } from '../wire/rtcp/rtcp.ts';
import { decodeRtp } from '../wire/rtp/rtp.ts';
import { EXT_URI } from '../wire/rtp/extensions.ts';
import { peekUdpDatagram } from '../wire/ip/udp-datagram.ts';
import { testCall } from './test-call.ts';

const payloadOf = (bytes: Uint8Array): { src: number; payload: Uint8Array } => {
  const v = peekUdpDatagram(bytes);
  if ('error' in v) throw new Error(v.error);
  return { src: v.srcPort, payload: bytes.subarray(v.payloadOffset, v.payloadOffset + v.payloadLength) };
};

describe('a DTLS-SRTP call without ICE', () => {
  for (const profile of ['SRTP_AES128_CM_HMAC_SHA1_80', 'SRTP_AEAD_AES_128_GCM'] as const) {
    it(`handshakes, then carries audio and video both ways under ${profile} with no loss on a clean link`, () => {
      const { net, alice, bob } = testCall({ profile });
      net.run(5_000_000);
      for (const p of [alice, bob]) {
        const s = p.summary();
        expect(s.dtls.state).toBe('connected');
        expect(s.srtp.profile).toBe(profile);
        const recv = p.media!.summary().filter((m) => m.direction === 'receive');
        expect(recv.map((r) => r.kind).sort()).toEqual(['audio', 'video']);
        for (const r of recv) {
          expect(r.packets).toBeGreaterThan(100);
          expect(r.lost).toBe(0);
          expect(r.jitterMs).toBeLessThan(1);
        }
        expect(s.srtp.failures).toEqual({});
        expect(p.media!.rtcpReceived).toBeGreaterThan(2);
      }
      // RFC 3550 §6.4.1 round trip from the peer's report blocks: 2 × 20 ms link delay
      for (const sent of alice.media!.summary().filter((m) => m.direction === 'send')) expect(sent.rttMs).toBeCloseTo(40, 0);
      // 50 audio packets per second from about 0.1 s
      const audioIn = alice.media!.summary().find((m) => m.direction === 'receive' && m.kind === 'audio')!;
      expect(audioIn.packets).toBeGreaterThan(240);
      expect(audioIn.packets).toBeLessThanOrEqual(250);
    });
  }

  it('sends only SRTP on the wire: the payload is not the plaintext, and with the exported keys a third party decrypts it', () => {
    const { net, alice } = testCall();
    net.run(2_000_000);
    const material = alice.dtls.session.srtpKeyingMaterial()!;
    const observer = SrtpSession.fromKeyingMaterial(alice.dtls.session.srtpProfile!, material, 'server'); // receives with the client keys
    let rtp = 0;
    let rtcp = 0;
    for (const h of net.trace.hops) {
      const { src, payload } = payloadOf(h.bytes);
      if (src !== 5000) continue;
      const c = demux(payload).class;
      if (c === 'rtp') {
        const r = observer.unprotectRtp(payload);
        expect(r.ok).toBe(true);
        if (!r.ok) continue;
        const d = decodeRtp(r.bytes, { extensions: new Map([[1, EXT_URI.audioLevel], [2, EXT_URI.absSendTime], [4, EXT_URI.mid]]) });
        expect(d.problems).toEqual([]);
        expect([111, 96]).toContain(d.value.header.payloadType);
        const names = d.value.header.extension?.elements.map((e) => e.named?.kind);
        expect(names).toContain('mid');
        expect(names).toContain('abs-send-time');
        rtp++;
      } else if (c === 'rtcp') {
        const r = observer.unprotectRtcp(payload);
        expect(r.ok).toBe(true);
        if (!r.ok) continue;
        const types = decodeRtcp(r.bytes).value.map((p) => p.type);
        expect(types).toEqual(['sr', 'sdes']);
        rtcp++;
      }
    }
    expect(rtp).toBeGreaterThan(100);
    expect(rtcp).toBeGreaterThan(0);
  });

  it('measures loss and jitter on a lossy, jittery link and reports them in RTCP receiver report blocks', () => {
    const { net, alice, bob } = testCall({ link: { delay: 30_000, jitter: 5_000, loss: 0.05 }, seed: 4 });
    net.run(10_000_000);
    expect(alice.dtls.state).toBe('connected');
    const recv = bob.media!.summary().filter((m) => m.direction === 'receive');
    for (const r of recv) {
      expect(r.lost).toBeGreaterThan(0);
      expect(r.lost! / (r.packets + r.lost!)).toBeLessThan(0.12);
      expect(r.jitterMs).toBeGreaterThan(0.5);
    }
    const block = bob.media!.report(net.now)[0]!;
    if (block.type !== 'sr') throw new Error('bob sends media, so his report is an SR');
    expect(block.reports).toHaveLength(2);
  });

  it('is deterministic: the same seed gives byte-identical traffic', () => {
    const run = (): string => {
      const { net } = testCall({ seed: 9 });
      net.run(1_500_000);
      return net.trace.hops.map((h) => toHex(h.bytes)).join('\n');
    };
    expect(run()).toBe(run());
  });
});
