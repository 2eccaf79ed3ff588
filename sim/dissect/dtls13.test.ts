import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHex } from '../core/encoding.ts';
import type { Trace } from '../core/trace.ts';
import { encodeUdpDatagram } from '../wire/ip/udp-datagram.ts';
import { encodeRtcp } from '../wire/rtcp/rtcp.ts';
import { encodeRtp, type RtpPacket } from '../wire/rtp/rtp.ts';
import { readCapture, writePcapng } from '../wire/pcap/index.ts';
import { SrtpSession } from '../srtp/session.ts';
import { dtls13Handshake, type Suite13 } from '../../test/support/dtls13-encoder.ts';
import { CAPTURES_DIR, dissectFile } from '../../test/support/dissect-captures.ts';
import { Dissector } from './dissector.ts';
import { reconstruct } from './dtls13-flow.ts';
import type { DissectedPacket } from './types.ts';

// No DTLS 1.3 stack on this machine writes a key log (openssl 3.0 has no DTLS 1.3, Debian's wolfSSL is built
// without it, Chromium exports no keys), so an independent encoder written with node:crypto alone
// (test/support/dtls13-encoder.ts) plays both peers from known secrets: a DTLS 1.3 handshake with use_srtp, an ACK,
// application data and close_notify, then SRTP/SRTCP keyed by what it exported. The dissector must open every
// record, verify both Finished and derive the same SRTP keys.

const CLIENT = { ip: '192.0.2.1', port: 50000 };
const SERVER = { ip: '192.0.2.2', port: 443 };
const udp = (from: 'client' | 'server', payload: Uint8Array): Uint8Array => {
  const [a, b] = from === 'client' ? [CLIENT, SERVER] : [SERVER, CLIENT];
  return encodeUdpDatagram({ src: a.ip, dst: b.ip, srcPort: a.port, dstPort: b.port, payload });
};

function run(suite: Suite13, keyLog?: string) {
  const h = dtls13Handshake({ suite });
  const dissector = new Dissector(keyLog === undefined ? { keyLog: h.keyLog } : keyLog ? { keyLog } : {});
  const packets = h.datagrams.map((d, i) => dissector.packet(udp(d.from, d.bytes), { index: i }));
  const flow = dissector.flows.all()[0]!.dtls!;
  return { h, dissector, packets, flow };
}

const decryptedDtls = (packets: readonly DissectedPacket[]) => packets.flatMap((p) => p.layers.filter((l) => l.plaintext && (l.protocol === 'DTLS' || l.protocol === 'DATA')));

describe('DTLS 1.3 decryption from a key log (RFC 9147)', () => {
  for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'] as const) {
    it(`${suite}: every protected record opens (record numbers unmasked, epochs 2 and 3), nothing is a problem`, () => {
      const { h, packets, flow } = run(suite);
      expect(packets.flatMap((p) => p.problems.map((x) => x.message))).toEqual([]);
      expect(decryptedDtls(packets)).toHaveLength(h.protectedRecords);
      expect(flow.version).toBe('DTLS 1.3');
      expect(flow.decryption).toBe('ok');
      const labels = decryptedDtls(packets).map((l) => l.summary);
      expect(labels).toEqual([
        'decrypted EncryptedExtensions (epoch 2 seq 0)',
        'decrypted Certificate (epoch 2 seq 1)',
        'decrypted CertificateVerify (epoch 2 seq 2)',
        'decrypted Finished, verify_data verified (epoch 2 seq 3)',
        'decrypted Finished, verify_data verified (epoch 2 seq 0)',
        'decrypted ACK (epoch 2 seq 0) (epoch 3 seq 0)',
        'decrypted 28 bytes of application data (epoch 3 seq 0; SCTP, for a data channel)',
        'decrypted 28 bytes of application data (epoch 3 seq 1; SCTP, for a data channel)',
        'decrypted 36 bytes of application data (epoch 3 seq 1; SCTP, for a data channel)',
        'decrypted Alert (warning close_notify) (epoch 3 seq 2)',
      ]);
    });

    it(`${suite}: both Finished verify over the TLS-style transcript, and the handshake reads as established then closed`, () => {
      const { flow } = run(suite);
      expect(flow.finished).toEqual([
        { role: 'server', ok: true },
        { role: 'client', ok: true },
      ]);
      expect(flow.progress).toBe('closed');
      expect(flow.messages.map((m) => `${m.role} ${m.type}`)).toEqual([
        'client ClientHello',
        'server ServerHello',
        'server EncryptedExtensions',
        'server Certificate',
        'server CertificateVerify',
        'server Finished',
        'client Finished',
      ]);
    });

    it(`${suite}: the SRTP keys come out of the exporter equal to node:crypto's own HKDF computation`, () => {
      const { h, flow } = run(suite);
      // the server chose SRTP_AES128_CM_HMAC_SHA1_80 in EncryptedExtensions although the client offered AEAD first
      expect(flow.negotiatedProfile()?.name).toBe('AES_CM_128_HMAC_SHA1_80');
      expect(toHex(flow.srtpKeyingMaterial()!)).toBe(h.srtpKeyingMaterial.toString('hex'));
    });
  }

  it('the application bytes are what the peers sent', () => {
    const { h, packets } = run('TLS_AES_128_GCM_SHA256');
    const data = packets.flatMap((p) => p.layers.filter((l) => l.plaintext && l.protocol === 'DATA').map((l) => Buffer.from(l.plaintext!).toString()));
    expect(data).toEqual(h.applicationData.map((a) => a.bytes.toString()));
  });

  it('SRTP and SRTCP after the handshake decrypt and authenticate with those keys', () => {
    const { h, dissector } = run('TLS_AES_128_GCM_SHA256');
    const client = SrtpSession.fromKeyingMaterial('AES_CM_128_HMAC_SHA1_80', new Uint8Array(h.srtpKeyingMaterial), 'client');
    const server = SrtpSession.fromKeyingMaterial('AES_CM_128_HMAC_SHA1_80', new Uint8Array(h.srtpKeyingMaterial), 'server');
    for (let seq = 1; seq <= 3; seq++) {
      for (const [sess, from, ssrc] of [
        [client, 'client', 0x1234abcd],
        [server, 'server', 0x0badf00d],
      ] as const) {
        const plain = encodeRtp({ payloadType: 111, sequenceNumber: seq, timestamp: seq * 960, ssrc, marker: false, payload: new Uint8Array(30).fill(seq) });
        const prot = sess.protectRtp(plain);
        if (!prot.ok) throw new Error(prot.message);
        const p = dissector.packet(udp(from, prot.bytes));
        expect(p.protocol).toBe('SRTP');
        expect(p.problems).toEqual([]);
        const inner = p.layers.find((l) => l.plaintext && l.protocol === 'RTP')!;
        expect(toHex(inner.plaintext!)).toBe(toHex(plain));
        expect((inner.value as RtpPacket).header.ssrc).toBe(ssrc);
      }
    }
    const rr = client.protectRtcp(encodeRtcp([{ type: 'rr', ssrc: 0x1234abcd, reports: [] }]));
    if (!rr.ok) throw new Error(rr.message);
    const p = dissector.packet(udp('client', rr.bytes));
    expect(p.layers.find((l) => l.plaintext)?.summary).toMatch(/^RTCP RR from 0x1234abcd/);
  });

  it('a key log with wrong secrets says "wrong key" and shows no plaintext', () => {
    const { h } = run('TLS_AES_128_GCM_SHA256');
    const wrong = h.keyLog.replace(/ ([0-9a-f])([0-9a-f]{63})$/gm, (_m, c: string, rest: string) => ` ${(parseInt(c, 16) ^ 8).toString(16)}${rest}`);
    const { packets, flow } = run('TLS_AES_128_GCM_SHA256', wrong);
    expect(flow.decryption).toBe('wrong-key');
    expect(packets.flatMap((p) => p.problems.map((x) => x.message))).toEqual([expect.stringMatching(/bad_record_mac.*wrong key/)]);
    expect(decryptedDtls(packets)).toEqual([]);
    expect(packets.slice(2).every((p) => p.summary.includes('[wrong key]'))).toBe(true);
  });

  it('without a key log the records stay closed, the summary says "no key log", and nothing is a problem', () => {
    const { packets, flow } = run('TLS_AES_128_GCM_SHA256', '');
    expect(flow.decryption).toBe('no-key');
    expect(packets.flatMap((p) => p.problems)).toEqual([]);
    expect(packets.slice(2).map((p) => p.summary)).toEqual(expect.arrayContaining([expect.stringContaining('[no key log]')]));
    expect(packets.slice(2).every((p) => p.summary.includes('[no key log]'))).toBe(true);
  });

  it('the sequence number is rebuilt from its low bits as the value closest to the next expected (RFC 9147 §4.2.2)', () => {
    expect(reconstruct(0, 0, 8)).toBe(0);
    expect(reconstruct(0x1ff, 0x01, 8)).toBe(0x201);
    expect(reconstruct(0x201, 0xff, 8)).toBe(0x1ff);
    expect(reconstruct(70000, 70000 & 0xffff, 16)).toBe(70000);
    expect(reconstruct(5, 3, 8)).toBe(3);
  });

  it('as a pcapng with the key log in a Decryption Secrets Block, `rtclab dissect` decrypts it too', () => {
    const { h } = run('TLS_AES_128_GCM_SHA256');
    const trace: Trace = {
      meta: { source: 'capture' },
      nodes: [],
      links: [],
      hops: h.datagrams.map((d, i) => ({ index: i, t: i * 1000, arrive: i * 1000, link: 'lo', from: d.from, to: d.from === 'client' ? 'server' : 'client', bytes: udp(d.from, d.bytes), packet: i + 1 })),
      notes: [],
      secrets: h.keyLog.split('\n').map((text) => ({ t: 0, kind: 'nss-keylog' as const, source: 'test', text })),
    };
    const file = join(mkdtempSync(join(tmpdir(), 'dtls13-')), 'dtls13-srtp.pcapng');
    writeFileSync(file, writePcapng(trace));
    expect(readCapture(writePcapng(trace)).secrets.map((x) => x.text).join('\n').match(/TRAFFIC_SECRET|EXPORTER_SECRET/g)).toHaveLength(5);
    const d = dissectFile(file);
    expect(d.packets.flatMap((p) => p.d.problems)).toEqual([]);
    expect(d.dissector.flows.all()[0]!.dtls!.finished.every((f) => f.ok)).toBe(true);
    const cli = spawnSync(process.execPath, ['bin/rtclab.js', 'dissect', file], { encoding: 'utf8' });
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain('Finished, verify_data verified');
    expect(cli.stdout).toContain('close_notify');
  });
});

describe('the real Chromium DTLS 1.3 call without a key log', () => {
  it('shows each DTLS 1.3 record by its header (epoch bits, sequence number as encrypted, length) and says "no key log"', () => {
    const d = dissectFile(`${CAPTURES_DIR}chromium-loopback-call/chromium-host.pcapng`);
    const dtls13 = d.packets.filter((p) => p.d.layers.some((l) => l.protocol === 'DTLS' && l.summary.includes('DTLS 1.3 record')));
    expect(dtls13.length).toBeGreaterThan(5);
    for (const p of dtls13) {
      expect(p.d.summary).toMatch(/epoch bits \d, seq 0x[0-9a-f]+ \(encrypted\), \d+ bytes/);
      expect(p.d.summary).toContain('[no key log]');
    }
    expect(d.packets.flatMap((p) => p.d.problems)).toEqual([]);
  });
});
