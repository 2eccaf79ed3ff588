import { describe, expect, it } from 'vitest';
import { toHex } from '../core/encoding.ts';
import { decodeDatagram } from '../wire/dtls/datagram.ts';
import { describeDatagram } from '../wire/dtls/describe.ts';
import { peekUdpDatagram } from '../wire/ip/udp-datagram.ts';
import { dtlsPair } from './test-pair.ts';
import type { DtlsCurveName, DtlsSrtpProfileName } from './config.ts';

const flightsOf = (net: ReturnType<typeof dtlsPair>['net'], kind: string): number[] =>
  net.trace.notes.filter((n) => n.kind === kind).map((n) => n.data?.flight as number);

describe('DTLS 1.2 handshake between two simulated endpoints', () => {
  for (const curve of ['x25519', 'p256'] as DtlsCurveName[]) {
    for (const profile of ['SRTP_AES128_CM_HMAC_SHA1_80', 'SRTP_AEAD_AES_128_GCM'] as DtlsSrtpProfileName[]) {
      it(`completes flights 1–6 with ${curve} and agrees on ${profile} keys`, () => {
        // The client offers only this curve and profile; the server prefers the other ones.
        const { net, client, server } = dtlsPair({ client: { curves: [curve], srtpProfiles: [profile] } });
        net.run(5_000_000);
        expect(client.state).toBe('connected');
        expect(server.state).toBe('connected');
        expect(flightsOf(net, 'dtls.flight.sent')).toEqual([1, 2, 3, 4, 5, 6]);
        expect(flightsOf(net, 'dtls.flight.retransmit')).toEqual([]);
        expect(client.session.describeGroup()).toBe(curve === 'x25519' ? 'x25519' : 'secp256r1');
        expect(client.session.extendedMasterSecret).toBe(true);
        const a = client.session.srtpKeyingMaterial()!;
        const b = server.session.srtpKeyingMaterial()!;
        expect(a.length).toBe(profile === 'SRTP_AEAD_AES_128_GCM' ? 56 : 60);
        expect(toHex(a)).toBe(toHex(b));
        expect(client.fingerprintVerified && server.fingerprintVerified).toBe(true);
        const keylog = net.trace.secrets.filter((s) => s.kind === 'nss-keylog');
        expect(keylog).toHaveLength(2);
        expect(keylog[0]!.text).toBe(keylog[1]!.text);
        expect(net.trace.secrets.filter((s) => s.kind === 'srtp')).toHaveLength(2);
      });
    }
  }

  it('puts the flights on the wire in the order of RFC 6347 §4.2.4, as the codec labels them', () => {
    const { net } = dtlsPair();
    net.run(5_000_000);
    const labels = net.trace.hops.map((h) => {
      const v = peekUdpDatagram(h.bytes);
      if ('error' in v) throw new Error(v.error);
      const payload = h.bytes.subarray(v.payloadOffset, v.payloadOffset + v.payloadLength);
      return describeDatagram(decodeDatagram(payload).value, v.srcPort === 5000 ? 'client' : 'server');
    });
    expect(labels.join('\n')).toMatch(/ClientHello[\s\S]*HelloVerifyRequest[\s\S]*ClientHello[\s\S]*ServerHello[\s\S]*Certificate[\s\S]*ChangeCipherSpec/);
  });

  it('is deterministic: the same seed gives the same bytes', () => {
    const run = (): string[] => {
      const { net } = dtlsPair({ seed: 7 });
      net.run(5_000_000);
      return net.trace.hops.map((h) => toHex(h.bytes));
    };
    expect(run()).toEqual(run());
  });
});
