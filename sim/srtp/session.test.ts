import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { toHex } from '../core/encoding.ts';
import { encodeRtcp } from '../wire/rtcp/rtcp.ts';
import { encodeRtp } from '../wire/rtp/rtp.ts';
import { SrtpContext, type SrtpResult } from './context.ts';
import { SRTP_PROFILES, type SrtpProfileName } from '../wire/srtp/profiles.ts';
import { ReplayWindow } from './replay.ts';
import { srtpSecretText } from './secret.ts';
import { estimateRoc } from './rollover.ts';
import { SrtpSession } from './session.ts';

const PROFILES: SrtpProfileName[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32', 'AEAD_AES_128_GCM', 'AEAD_AES_256_GCM'];

function pair(name: SrtpProfileName, seed = 1, replayWindow?: number): { alice: SrtpSession; bob: SrtpSession } {
  const p = SRTP_PROFILES[name];
  const rng = Rng.fromSeed(seed).fork('keys');
  const material = rng.bytes(2 * (p.keyLength + p.saltLength));
  const opts = replayWindow !== undefined ? { replayWindow } : {};
  return { alice: SrtpSession.fromKeyingMaterial(p, material, 'client', opts), bob: SrtpSession.fromKeyingMaterial(p, material, 'server', opts) };
}

const rtp = (seq: number, ssrc = 0x11223344, payload = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)): Uint8Array =>
  encodeRtp({ payloadType: 111, sequenceNumber: seq, timestamp: seq * 960, ssrc, payload, extension: { elements: [{ id: 1, data: Uint8Array.of(0x30) }] } });

const bytesOf = (r: SrtpResult): Uint8Array => {
  if (!r.ok) throw new Error(`${r.reason}: ${r.message}`);
  return r.bytes;
};

const sr = encodeRtcp([
  { type: 'sr', ssrc: 0x11223344, ntpTimestamp: 0xe1234567_89abcdefn, rtpTimestamp: 1000, packetCount: 10, octetCount: 1000, reports: [] },
  { type: 'sdes', chunks: [{ ssrc: 0x11223344, items: [{ itemType: 1, value: 'alice@rtclab' }] }] },
]);

describe.each(PROFILES)('SRTP session with %s', (name) => {
  const p = SRTP_PROFILES[name];

  it('round-trips RTP: the header stays in clear, the payload does not, the tag has the profile length', () => {
    const { alice, bob } = pair(name);
    const plain = rtp(1000);
    const prot = bytesOf(alice.protectRtp(plain));
    expect(prot.length).toBe(plain.length + p.srtpTagLength);
    expect(toHex(prot.subarray(0, 16))).toBe(toHex(plain.subarray(0, 16)));
    expect(toHex(prot.subarray(16, plain.length))).not.toBe(toHex(plain.subarray(16)));
    expect(toHex(bytesOf(bob.unprotectRtp(prot)))).toBe(toHex(plain));
  });

  it('round-trips a compound RTCP packet, encrypted and authenticated-only, with the index counting from 0', () => {
    const { alice, bob } = pair(name);
    const first = alice.protectRtcp(sr);
    const second = alice.protectRtcp(sr, { encrypt: false });
    expect(first.ok && first.index).toBe(0);
    expect(second.ok && second.index).toBe(1);
    expect(bytesOf(first).length).toBe(sr.length + 4 + p.srtcpTagLength);
    const u1 = bob.unprotectRtcp(bytesOf(first));
    const u2 = bob.unprotectRtcp(bytesOf(second));
    expect(u1.ok && { b: toHex(u1.bytes), e: u1.encrypted }).toEqual({ b: toHex(sr), e: true });
    expect(u2.ok && { b: toHex(u2.bytes), e: u2.encrypted }).toEqual({ b: toHex(sr), e: false });
  });

  it('carries the rollover counter across seq 65535 → 0 on both sides', () => {
    const { alice, bob } = pair(name);
    const seqs = [65533, 65534, 65535, 0, 1, 2];
    const results = seqs.map((s) => bob.unprotectRtp(bytesOf(alice.protectRtp(rtp(s)))));
    expect(results.map((r) => r.ok && r.roc)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(results.map((r) => r.ok && r.index)).toEqual([65533, 65534, 65535, 65536, 65537, 65538]);
    expect(bob.remote.streams('receive')).toEqual([{ ssrc: 0x11223344, roc: 1, highestSeq: 2, highestIndex: 65538 }]);
  });

  it('accepts a packet reordered across the wrap (seq 65535 after 0) with the old ROC', () => {
    const { alice, bob } = pair(name);
    const a = bytesOf(alice.protectRtp(rtp(65534)));
    const b = bytesOf(alice.protectRtp(rtp(65535)));
    const c = bytesOf(alice.protectRtp(rtp(0)));
    expect(bob.unprotectRtp(a).ok).toBe(true);
    const late = [bob.unprotectRtp(c), bob.unprotectRtp(b)];
    expect(late.map((r) => r.ok && r.roc)).toEqual([1, 0]);
  });

  it('rejects a replayed RTP packet and a replayed SRTCP packet', () => {
    const { alice, bob } = pair(name);
    const prot = bytesOf(alice.protectRtp(rtp(7)));
    expect(bob.unprotectRtp(prot).ok).toBe(true);
    const again = bob.unprotectRtp(prot);
    expect(again.ok ? 'accepted' : again.reason).toBe('replay');
    const rtcp = bytesOf(alice.protectRtcp(sr));
    expect(bob.unprotectRtcp(rtcp).ok).toBe(true);
    const rtcpAgain = bob.unprotectRtcp(rtcp);
    expect(rtcpAgain.ok ? 'accepted' : rtcpAgain.reason).toBe('replay');
  });

  it('rejects a tampered tag, header or payload without changing the stream state', () => {
    const { alice, bob } = pair(name);
    const prot = bytesOf(alice.protectRtp(rtp(100)));
    for (const at of [prot.length - 1, 1, 22]) {
      const bad = prot.slice();
      bad[at] = bad[at]! ^ 0x40;
      const r = bob.unprotectRtp(bad);
      expect(r.ok ? 'accepted' : r.reason).toBe('auth-failed');
    }
    expect(bob.remote.streams('receive')).toEqual([]);
    expect(bob.unprotectRtp(prot).ok).toBe(true);
    const rtcp = bytesOf(alice.protectRtcp(sr)).slice();
    rtcp[rtcp.length - 1] = rtcp[rtcp.length - 1]! ^ 1;
    const r = bob.unprotectRtcp(rtcp);
    expect(r.ok ? 'accepted' : r.reason).toBe('auth-failed');
  });

  it('rejects packets protected with the other direction\'s keys', () => {
    const { alice } = pair(name);
    const prot = bytesOf(alice.protectRtp(rtp(5)));
    const r = alice.unprotectRtp(prot);
    expect(r.ok ? 'accepted' : r.reason).toBe('auth-failed');
  });
});

describe('SRTP failures are results, never exceptions', () => {
  const { alice, bob } = pair('AES_CM_128_HMAC_SHA1_80');

  it('names short and malformed packets', () => {
    const reason = (r: SrtpResult): string => (r.ok ? 'ok' : r.reason);
    expect(reason(bob.unprotectRtp(new Uint8Array(5)))).toBe('too-short');
    expect(reason(bob.unprotectRtp(Uint8Array.of(0x40, ...new Uint8Array(30))))).toBe('malformed');
    expect(reason(bob.unprotectRtp(Uint8Array.of(0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1)))).toBe('malformed'); // CC 1, no CSRC
    expect(reason(bob.unprotectRtp(rtp(1).subarray(0, 20)))).toBe('too-short');
    expect(reason(bob.unprotectRtcp(new Uint8Array(12)))).toBe('too-short');
    expect(reason(alice.protectRtcp(new Uint8Array(4)))).toBe('too-short');
  });

  it('never throws on any truncation of a protected packet', () => {
    const prot = bytesOf(alice.protectRtp(rtp(9)));
    const rtcp = bytesOf(alice.protectRtcp(sr));
    for (let n = 0; n < prot.length; n++) expect(() => bob.unprotectRtp(prot.subarray(0, n))).not.toThrow();
    for (let n = 0; n < rtcp.length; n++) expect(() => bob.unprotectRtcp(rtcp.subarray(0, n))).not.toThrow();
  });
});

describe('replay window (RFC 3711 §3.3.2)', () => {
  it('accepts out-of-order packets inside the window once, and refuses packets older than it', () => {
    const w = new ReplayWindow(64);
    w.accept(1000);
    expect(w.check(990).ok).toBe(true);
    w.accept(990);
    const again = w.check(990);
    expect(again.ok ? 'ok' : again.reason).toBe('replay');
    const old = w.check(1000 - 64);
    expect(old.ok ? 'ok' : old.reason).toBe('too-old');
    expect(w.check(1000 - 63).ok).toBe(true);
    w.accept(1100);
    const pushedOut = w.check(1000);
    expect(pushedOut.ok ? 'ok' : pushedOut.reason).toBe('too-old');
  });

  it('is configurable: a 128-packet window keeps what a 64-packet one forgets', () => {
    const { alice, bob } = pair('AEAD_AES_128_GCM', 3, 128);
    const early = bytesOf(alice.protectRtp(rtp(10)));
    for (let s = 11; s < 110; s++) bob.unprotectRtp(bytesOf(alice.protectRtp(rtp(s))));
    expect(bob.unprotectRtp(early).ok).toBe(true);
    const small = pair('AEAD_AES_128_GCM', 3, 64);
    const early2 = bytesOf(small.alice.protectRtp(rtp(10)));
    for (let s = 11; s < 110; s++) small.bob.unprotectRtp(bytesOf(small.alice.protectRtp(rtp(s))));
    const r = small.bob.unprotectRtp(early2);
    expect(r.ok ? 'ok' : r.reason).toBe('too-old');
  });
});

describe('rollover counter estimation (RFC 3711 Appendix A)', () => {
  it('guesses ROC-1, ROC or ROC+1 from the distance to s_l', () => {
    expect(estimateRoc({ roc: 5, highestSeq: 100 }, 65000)).toBe(4);
    expect(estimateRoc({ roc: 5, highestSeq: 100 }, 200)).toBe(5);
    expect(estimateRoc({ roc: 5, highestSeq: 65000 }, 10)).toBe(6);
    expect(estimateRoc({ roc: 5, highestSeq: 65000 }, 40000)).toBe(5);
    expect(estimateRoc({ roc: 0, highestSeq: 10 }, 65530)).toBe(-1);
  });

  it('lets a late joiner be told the ROC', () => {
    const { alice } = pair('AES_CM_128_HMAC_SHA1_80');
    alice.local.setRolloverCounter(0x11223344, 7, 'send', 500);
    const prot = bytesOf(alice.protectRtp(rtp(501)));
    const p = SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80;
    const bob = new SrtpContext(p, alice.local.keys);
    const blind = bob.unprotectRtp(prot);
    expect(blind.ok ? 'ok' : blind.reason).toBe('auth-failed');
    bob.setRolloverCounter(0x11223344, 7, 'receive', 500);
    const told = bob.unprotectRtp(prot);
    expect(told.ok && told.index).toBe(7 * 65536 + 501);
  });
});

describe('SRTP secrets for the trace', () => {
  it('writes the master key and salt in hex and as an RFC 4568 inline key', () => {
    const text = srtpSecretText(SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80, 'alice', { masterKey: new Uint8Array(16).fill(1), masterSalt: new Uint8Array(14).fill(2) });
    expect(text).toBe(
      'AES_CM_128_HMAC_SHA1_80 sender=alice master_key=01010101010101010101010101010101 master_salt=0202020202020202020202020202 inline:AQEBAQEBAQEBAQEBAQEBAQICAgICAgICAgICAgIC',
    );
  });
});
