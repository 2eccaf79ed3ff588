import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8Decode } from '../core/encoding.ts';
import type { Trace } from '../core/trace.ts';
import { encodeUdpDatagram } from '../wire/ip/udp-datagram.ts';
import { encodeRtp } from '../wire/rtp/rtp.ts';
import { encodeRtcp } from '../wire/rtcp/rtcp.ts';
import { readCapture, writePcapng } from '../wire/pcap/index.ts';
import { SrtpSession } from '../srtp/session.ts';
import type { RtpPacket } from '../wire/rtp/rtp.ts';
import { analyzeCapture } from '../infer/story.ts';
import { CAPTURES_DIR, dissectFile } from '../../test/support/dissect-captures.ts';

// The openssl captures come with key logs: with them the dissector opens the DTLS 1.2 records, verifies both
// Finished messages, derives the DTLS-SRTP keys through the exporter and opens SRTP/SRTCP keyed by that handshake.

const DIR = `${CAPTURES_DIR}dtls-srtp-openssl/`;
const truth = (name: string) => JSON.parse(readFileSync(`${DIR}${name}.truth.json`, 'utf8'));
const keyLog = (name: string) => readFileSync(`${DIR}${name}.keylog.txt`, 'utf8');

describe('DTLS 1.2 captures decrypt with their key logs', () => {
  for (const name of ['dtls12-srtp', 'dtls12-srtp-fragmented']) {
    it(`${name}: both Finished messages verify and the application data reads as openssl sent it`, () => {
      const d = dissectFile(`${DIR}${name}.pcapng`, keyLog(name));
      const flow = d.dissector.flows.all()[0]!.dtls!;
      expect(flow.finished).toEqual([
        { role: 'client', ok: true },
        { role: 'server', ok: true },
      ]);
      expect(flow.progress).toBe('closed');
      const texts = d.packets.flatMap((p) => p.d.layers.filter((l) => l.plaintext && l.protocol === 'DATA').map((l) => utf8Decode(l.plaintext!)));
      expect(texts).toEqual(truth(name).extra.decrypted_application_data.map((x: { plaintext: string }) => x.plaintext));
    });

    it(`${name}: the DTLS-SRTP keying material equals what openssl exported`, () => {
      const d = dissectFile(`${DIR}${name}.pcapng`, keyLog(name));
      const ekm = d.dissector.flows.all()[0]!.dtls!.srtpKeyingMaterial();
      expect(ekm && toHex(ekm)).toBe(truth(name).extra.ekm_openssl_client);
    });
  }

  it('a wrong master secret is reported as a wrong key, not decoded as garbage', () => {
    const bad = keyLog('dtls12-srtp').replace(/([0-9a-f]{95})([0-9a-f])\s*$/m, (_, a: string, c: string) => a + (c === '0' ? '1' : '0'));
    expect(bad).not.toBe(keyLog('dtls12-srtp'));
    const d = dissectFile(`${DIR}dtls12-srtp.pcapng`, bad);
    const msgs = d.packets.flatMap((p) => p.d.problems.map((x) => x.message));
    expect(msgs.length).toBeGreaterThan(0);
    expect(msgs.every((m) => m.includes('wrong key'))).toBe(true);
    expect(d.packets.some((p) => p.d.layers.some((l) => l.plaintext))).toBe(false);
    expect(d.dissector.flows.all()[0]!.dtls!.decryption).toBe('wrong-key');
    // the packet list says so on every encrypted record, not only in the problems
    const encrypted = d.packets.filter((p) => p.d.problems.length > 0);
    expect(encrypted.length).toBe(5);
    expect(encrypted.every((p) => p.d.summary.endsWith('[wrong key]'))).toBe(true);
  });

  it('without a key log the encrypted records stay encrypted and nothing is reported', () => {
    const d = dissectFile(`${DIR}dtls12-srtp.pcapng`);
    expect(d.packets.every((p) => p.d.problems.length === 0 && !p.d.layers.some((l) => l.plaintext))).toBe(true);
  });

  it('reads the key log from a pcapng Decryption Secrets Block', () => {
    const src = readCapture(new Uint8Array(readFileSync(`${DIR}dtls12-srtp.pcapng`)));
    const trace: Trace = {
      meta: { source: 'capture' },
      nodes: [],
      links: [],
      hops: src.packets.map((p, i) => ({ index: i, t: i * 1000, arrive: i * 1000, link: 'lo', from: 'a', to: 'b', bytes: p.data.subarray(p.link.ipOffset!), packet: i + 1 })),
      notes: [],
      secrets: keyLog('dtls12-srtp')
        .split('\n')
        .filter((l) => l.startsWith('CLIENT_RANDOM'))
        .map((text) => ({ t: 0, kind: 'nss-keylog' as const, source: 'test', text })),
    };
    const cap = readCapture(writePcapng(trace));
    expect(cap.secrets.length).toBe(1);
    const story = analyzeCapture(cap);
    expect(story.dissector.flows.all()[0]!.dtls!.finished.every((f) => f.ok)).toBe(true);
  });
});

describe('SRTP keyed by a real DTLS handshake', () => {
  // openssl sent no media, so the test plays both peers' SRTP with the keys the handshake exported
  const name = 'dtls12-srtp';
  const setup = () => {
    const d = dissectFile(`${DIR}${name}.pcapng`, keyLog(name));
    const ekm = fromHex(truth(name).extra.ekm_openssl_client);
    const client = SrtpSession.fromKeyingMaterial('AES_CM_128_HMAC_SHA1_80', ekm, 'client');
    const server = SrtpSession.fromKeyingMaterial('AES_CM_128_HMAC_SHA1_80', ekm, 'server');
    const [c, s] = [truth(name).dtls.non_appdata_sequence[0].src, truth(name).dtls.non_appdata_sequence[0].dst].map((a: string) => {
      const [ip, port] = a.split(':');
      return { ip: ip!, port: Number(port) };
    });
    const udp = (from: typeof c, to: typeof c, payload: Uint8Array) => encodeUdpDatagram({ src: from!.ip, dst: to!.ip, srcPort: from!.port, dstPort: to!.port, payload });
    return { d, client, server, c: c!, s: s!, udp };
  };
  const rtp = (seq: number, ssrc: number) => encodeRtp({ payloadType: 111, sequenceNumber: seq, timestamp: seq * 960, ssrc, marker: false, payload: new Uint8Array(40).fill(seq & 0xff) });

  it('SRTP from both sides decrypts and authenticates, headers intact', () => {
    const { d, client, server, c, s, udp } = setup();
    for (let seq = 100; seq < 105; seq++) {
      for (const [sess, from, to, ssrc] of [
        [client, c, s, 0x11111111],
        [server, s, c, 0x22222222],
      ] as const) {
        const plain = rtp(seq, ssrc);
        const prot = sess.protectRtp(plain);
        if (!prot.ok) throw new Error(prot.message);
        const p = d.dissector.packet(udp(from, to, prot.bytes));
        expect(p.protocol).toBe('SRTP');
        expect(p.problems).toEqual([]);
        const inner = p.layers.find((l) => l.plaintext && l.protocol === 'RTP')!;
        expect(toHex(inner.plaintext!)).toBe(toHex(plain));
        expect((inner.value as RtpPacket).header.ssrc).toBe(ssrc);
      }
    }
  });

  it('SRTCP decrypts to the RTCP that was sent', () => {
    const { d, client, c, s, udp } = setup();
    const plain = encodeRtcp([{ type: 'rr', ssrc: 0x11111111, reports: [] }]);
    const prot = client.protectRtcp(plain);
    if (!prot.ok) throw new Error(prot.message);
    const p = d.dissector.packet(udp(c, s, prot.bytes));
    expect(p.protocol).toBe('SRTCP');
    expect(p.layers.find((l) => l.plaintext)?.summary).toMatch(/^RTCP RR from 0x11111111/);
  });

  it('a tampered SRTP packet fails authentication and says so', () => {
    const { d, client, c, s, udp } = setup();
    const prot = client.protectRtp(rtp(7, 0x33333333));
    if (!prot.ok) throw new Error(prot.message);
    const bytes = prot.bytes.slice();
    bytes[20] = bytes[20]! ^ 1;
    const p = d.dissector.packet(udp(c, s, bytes));
    expect(p.problems.map((x) => x.message).join()).toMatch(/authentication failed.*wrong key/);
  });
});
