// Cross-check against an independent implementation: werift's SRTP (TypeScript, Node crypto underneath).
// Protect with ours and unprotect with theirs, and the other way round, for both profiles werift supports.
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { RtpPacket, SrtcpSession as WeriftSrtcp, SrtpSession as WeriftSrtp } from 'werift';
import { Rng } from '../core/rng.ts';
import { toHex } from '../core/encoding.ts';
import { encodeRtcp } from '../wire/rtcp/rtcp.ts';
import { encodeRtp } from '../wire/rtp/rtp.ts';
import type { SrtpResult } from './context.ts';
import { SRTP_PROFILES, type SrtpProfileName } from '../wire/srtp/profiles.ts';
import { SrtpSession } from './session.ts';

const CASES: [SrtpProfileName, number][] = [
  ['AES_CM_128_HMAC_SHA1_80', 1],
  ['AEAD_AES_128_GCM', 7],
];

const ok = (r: SrtpResult): Uint8Array => {
  if (!r.ok) throw new Error(`${r.reason}: ${r.message}`);
  return r.bytes;
};

describe.each(CASES)('interop with werift, %s', (name, weriftProfile) => {
  const p = SRTP_PROFILES[name];
  const rng = Rng.fromSeed(42).fork(name);
  const a = { masterKey: rng.bytes(p.keyLength), masterSalt: rng.bytes(p.saltLength) };
  const b = { masterKey: rng.bytes(p.keyLength), masterSalt: rng.bytes(p.saltLength) };
  const werift = (): { rtp: WeriftSrtp; rtcp: WeriftSrtcp } => {
    const config = {
      keys: { localMasterKey: Buffer.from(b.masterKey), localMasterSalt: Buffer.from(b.masterSalt), remoteMasterKey: Buffer.from(a.masterKey), remoteMasterSalt: Buffer.from(a.masterSalt) },
      profile: weriftProfile as 1 | 7,
    };
    return { rtp: new WeriftSrtp(config), rtcp: new WeriftSrtcp(config) };
  };
  const ours = (): SrtpSession => new SrtpSession({ profile: p, local: a, remote: b });
  const plain = (seq: number): Uint8Array =>
    encodeRtp({ payloadType: 96, marker: seq % 3 === 0, sequenceNumber: seq, timestamp: seq * 3000, ssrc: 0xcafe0001, payload: rng.bytes(20 + (seq % 50)) });
  const seqs = [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3];

  it('werift unprotects our SRTP, across the sequence number wrap', () => {
    const us = ours();
    const them = werift();
    for (const s of seqs) {
      const pkt = plain(s);
      const dec = them.rtp.decrypt(Buffer.from(ok(us.protectRtp(pkt))));
      expect(toHex(new Uint8Array(dec))).toBe(toHex(pkt));
    }
  });

  it('we unprotect werift\'s SRTP, across the sequence number wrap, with the ROC it used', () => {
    const us = ours();
    const them = werift();
    for (const s of seqs) {
      const pkt = plain(s);
      const parsed = RtpPacket.deSerialize(Buffer.from(pkt));
      const enc = them.rtp.encrypt(parsed.payload, parsed.header);
      const r = us.unprotectRtp(new Uint8Array(enc));
      expect(r.ok && toHex(r.bytes)).toBe(toHex(pkt));
      expect(r.ok && r.roc).toBe(s < 1000 ? 1 : 0);
    }
  });

  it('werift refuses our SRTP when one payload bit is flipped (it really checks tags)', () => {
    const bad = ok(ours().protectRtp(plain(9))).slice();
    bad[14] = bad[14]! ^ 1;
    expect(() => werift().rtp.decrypt(Buffer.from(bad))).toThrow();
  });

  it('SRTCP both ways: werift unprotects ours and we unprotect werift\'s', () => {
    const us = ours();
    const them = werift();
    const rtcp = encodeRtcp([
      { type: 'rr', ssrc: 0xcafe0001, reports: [{ ssrc: 0xbeef0002, fractionLost: 12, cumulativeLost: 3, highestSequence: 70000, jitter: 40, lastSr: 0x12345678, delaySinceLastSr: 6553 }] },
      { type: 'pli', senderSsrc: 0xcafe0001, mediaSsrc: 0xbeef0002 },
    ]);
    for (let i = 0; i < 3; i++) {
      expect(toHex(new Uint8Array(them.rtcp.decrypt(Buffer.from(ok(us.protectRtcp(rtcp))))))).toBe(toHex(rtcp));
      const r = us.unprotectRtcp(new Uint8Array(them.rtcp.encrypt(Buffer.from(rtcp))));
      expect(r.ok && toHex(r.bytes)).toBe(toHex(rtcp));
    }
  });
});
