import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Hop } from '../../sim/core/trace.ts';
import type { DissectedPacket } from '../../sim/dissect/types.ts';
import { keyedHops } from '../../test/support/keyed-detail.ts';
import { loadCapture, type LoadedCapture } from './capture-load.ts';
import { KeyedDetail, plainPacket } from './keyed-detail.ts';
import { packetSignature } from './keyed-record.ts';
import { isMediaHop } from './trace-pass.ts';

// The keyed packet detail answers a click from a short replay (the hops before it that are not media, a few of its
// RTP stream's) checked against the one pass's signature of the hop, and replays the hop's whole flow only when that
// check fails. Its answers are compared with the flow replay it replaced, on every keyed capture kept.

const C = 'captures/';
const KEYED: readonly [string, string][] = [
  ['chromium-rtclab-dtls12/chromium-rtclab.pcapng', 'chromium-rtclab-dtls12/chromium-rtclab.keylog.txt'],
  ['chromium-rtclab-datachannel/chromium-datachannel.pcapng', 'chromium-rtclab-datachannel/chromium-datachannel.keylog.txt'],
  ['chromium-fingerprint-mismatch/chromium-fingerprint-mismatch.pcapng', 'chromium-fingerprint-mismatch/chromium-fingerprint-mismatch.keylog.txt'],
  ['dtls-srtp-openssl/dtls12-srtp.pcapng', 'dtls-srtp-openssl/dtls12-srtp.keylog.txt'],
  ['dtls-srtp-openssl/dtls12-srtp-fragmented.pcapng', 'dtls-srtp-openssl/dtls12-srtp-fragmented.keylog.txt'],
  ['tls13-node/tls-node.pcapng', 'tls13-node/tls-node.keylog.txt'],
];

const load = (file: string, keys: string, bytes = new Uint8Array(readFileSync(C + file))): LoadedCapture =>
  loadCapture(bytes, file, undefined, { name: keys, text: readFileSync(C + keys, 'utf8') });
const detailOf = (r: LoadedCapture): KeyedDetail => new KeyedDetail(r.trace.hops, r.keyLogs, r.vantages, true, () => r.flows, () => r.signatures);
const plaintextShown = (d: DissectedPacket | undefined): boolean => !!d?.layers.some((l) => l.fields.some((f) => f.name === 'plaintext'));

describe('the keyed detail of every hop of every keyed capture', () => {
  for (const [file, keys] of KEYED) {
    it(`${file}: equals the flow replay wherever that replay reached the pass's answer, from a short replay every time`, () => {
      const r = load(file, keys);
      const kd = detailOf(r);
      let same = 0;
      let oldWrong = 0;
      // the flow replay costs a flow's length a hop: every sixth hop of the largest capture
      const step = r.trace.hops.length > 400 ? 6 : 1;
      for (let i = 0; i < r.trace.hops.length; i++) {
        const d = kd.packet(i);
        expect(d, `hop ${i}`).toBeDefined();
        if (i % step) continue;
        const old = kd.replayFlow(i);
        if (packetSignature(old) === r.signatures[i]) {
          expect(d, `hop ${i}`).toEqual(plainPacket(old));
          same++;
        } else oldWrong++;
      }
      expect(kd.counts.replayed).toBe(0);
      expect(kd.counts.primed).toBe(r.trace.hops.length);
      expect(same).toBeGreaterThan(0);
      // Chromium moved the association to another candidate pair in both calls with us (during the handshake in the
      // data channel one): the flow replay cannot follow it
      expect(oldWrong > 0).toBe(file.startsWith('chromium-rtclab'));
    });
  }

  it('chromium-rtclab-dtls12: the SRTP Chromium sent on the pair it moved to is decrypted, where the flow replay left it closed', () => {
    const r = load(...KEYED[0]!);
    const kd = detailOf(r);
    const handshakeFlow = r.flows[r.trace.hops.findIndex((_, i) => !isMediaHop(r.trace.hops[i]!.bytes) && !!kd.packet(i)?.summary.includes('Finished'))]!;
    const moved = r.trace.hops.map((_, i) => i).filter((i) => r.flows[i] !== handshakeFlow && isMediaHop(r.trace.hops[i]!.bytes));
    expect(moved.length).toBeGreaterThan(100);
    moved.forEach((i, k) => {
      const d = kd.packet(i)!;
      expect(d.layers.map((l) => l.protocol)).toEqual(expect.arrayContaining([expect.stringMatching(/^SRTC?P$/), expect.stringMatching(/^RTC?P$/)]));
      expect(plaintextShown(d)).toBe(true);
      expect(d.problems).toEqual([]);
      // the flow replay (a length of flow a hop): every tenth
      if (k % 10 === 0) expect(plaintextShown(plainPacket(kd.replayFlow(i)))).toBe(false);
    });
  });
});

describe('hostile and damaged input: the detail shows what it can', () => {
  it('a capture cut short in the middle of a packet: every hop read has a detail, the SRTP before the cut decrypted', () => {
    const [file, keys] = KEYED[0]!;
    const whole = new Uint8Array(readFileSync(C + file));
    const r = load(file, keys, whole.subarray(0, Math.floor(whole.length * 0.6) + 7));
    expect(r.warnings.join()).toMatch(/byte/);
    const kd = detailOf(r);
    const details = r.trace.hops.map((_, i) => kd.packet(i));
    expect(details.every((d) => d !== undefined)).toBe(true);
    expect(details.filter(plaintextShown).length).toBeGreaterThan(200);
    expect(kd.counts.replayed).toBe(0);
  });

  it('a duplicated SRTP packet, a flipped ciphertext byte and a datagram cut in half, spliced into the hops', () => {
    const r = load(...KEYED[0]!);
    // RTP (not RTCP, RFC 5761 §4: second byte 192–223) on the handshake's own pair, early in the call
    const rtcp = (b: Uint8Array): boolean => b[29]! >= 192 && b[29]! <= 223;
    const srtp = r.trace.hops.map((_, i) => i).filter((i) => isMediaHop(r.trace.hops[i]!.bytes) && r.flows[i] === r.flows[0] && !rtcp(r.trace.hops[i]!.bytes));
    expect(srtp.length).toBeGreaterThan(30);
    const [a, b, c] = [srtp[10]!, srtp[20]!, srtp[30]!];
    const hops: Hop[] = [];
    r.trace.hops.forEach((h, i) => {
      if (i === b) {
        const bytes = h.bytes.slice();
        bytes[bytes.length - 15]! ^= 0x01; // inside the encrypted payload: the authentication tag no longer matches
        hops.push({ ...h, bytes });
        return;
      }
      if (i === c) return void hops.push({ ...h, bytes: h.bytes.slice(0, h.bytes.length >> 1) });
      hops.push(h);
      if (i === a) hops.push({ ...h });
    });
    const k = keyedHops(hops, r.keyLogs, false, true);
    const details = new Map([a, a + 1, b + 1, c + 1].map((i) => [i, k.detail.packet(i)]));
    // the copy: the short replay has not seen the first one, its signature differs, and the flow's replay says so
    expect(details.get(a + 1)!.summary).toMatch(/replay/);
    expect(k.detail.counts.replayed).toBeGreaterThanOrEqual(1);
    expect(plaintextShown(details.get(a))).toBe(true);
    // the flipped byte: authentication fails, a problem on the SRTP layer, no plaintext
    expect(details.get(b + 1)!.problems.map((p) => p.message).join()).toMatch(/auth|wrong key/i);
    expect(plaintextShown(details.get(b + 1))).toBe(false);
    // the cut datagram: its headers read, its problem said
    expect(details.get(c + 1)!.problems.length).toBeGreaterThan(0);
  });
});
