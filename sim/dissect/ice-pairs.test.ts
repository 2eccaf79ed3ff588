import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../core/encoding.ts';
import { SrtpSession } from '../srtp/session.ts';
import { encodeUdpDatagram } from '../wire/ip/udp-datagram.ts';
import { encodeRtp } from '../wire/rtp/rtp.ts';
import { encodeRtcp } from '../wire/rtcp/rtcp.ts';
import { encodeStun, Method, Username } from '../wire/stun/index.ts';
import { CAPTURES_DIR, dissectFile } from '../../test/support/dissect-captures.ts';

// The DTLS association belongs to the ICE session, not to one candidate pair: Chromium nominates a pair from
// another local interface once connected and sends its SRTP there (seen in captures/chromium-rtclab-dtls12). The
// dissector ties that 5-tuple to the handshake through the ufrags of the Binding requests on both pairs.

const DIR = `${CAPTURES_DIR}dtls-srtp-openssl/`;
const name = 'dtls12-srtp';
const truth = JSON.parse(readFileSync(`${DIR}${name}.truth.json`, 'utf8'));
type Addr = { ip: string; port: number };

function setup() {
  const d = dissectFile(`${DIR}${name}.pcapng`, readFileSync(`${DIR}${name}.keylog.txt`, 'utf8'));
  const ekm = fromHex(truth.extra.ekm_openssl_client);
  const [c, s] = [truth.dtls.non_appdata_sequence[0].src, truth.dtls.non_appdata_sequence[0].dst].map((a: string) => {
    const [ip, port] = a.split(':');
    return { ip: ip!, port: Number(port) };
  }) as [Addr, Addr];
  const udp = (from: Addr, to: Addr, payload: Uint8Array) => encodeUdpDatagram({ src: from.ip, dst: to.ip, srcPort: from.port, dstPort: to.port, payload });
  // RFC 8445 §7.2.2: USERNAME "RFRAG:LFRAG"; the DTLS client's ufrag is CCCC, the server's SSSS
  const check = (from: Addr, to: Addr, user: string) =>
    d.dissector.packet(udp(from, to, encodeStun({ method: Method.Binding, class: 'request', transactionId: new Uint8Array(12).fill(from.port & 0xff), attributes: [Username.of(user)] })));
  return {
    d, c, s, udp, check,
    client: SrtpSession.fromKeyingMaterial('AES_CM_128_HMAC_SHA1_80', ekm, 'client'),
    server: SrtpSession.fromKeyingMaterial('AES_CM_128_HMAC_SHA1_80', ekm, 'server'),
    // the DTLS client's other interface
    moved: { ip: '192.0.2.77', port: c.port + 1 },
  };
}

const rtp = (seq: number, ssrc: number) => encodeRtp({ payloadType: 111, sequenceNumber: seq, timestamp: seq * 960, ssrc, marker: false, payload: new Uint8Array(40).fill(seq & 0xff) });

describe('SRTP on another candidate pair of the same ICE session', () => {
  it('opens with the keys of the handshake on the first pair, each side in its own DTLS role', () => {
    const { d, c, s, udp, check, client, server, moved } = setup();
    check(c, s, 'SSSS:CCCC');
    check(s, c, 'CCCC:SSSS');
    check(moved, s, 'SSSS:CCCC');
    for (const [sess, from, to, ssrc] of [
      [client, moved, s, 0x11111111],
      [server, s, moved, 0x22222222],
    ] as const) {
      const plain = rtp(9, ssrc);
      const prot = sess.protectRtp(plain);
      if (!prot.ok) throw new Error(prot.message);
      const p = d.dissector.packet(udp(from, to, prot.bytes));
      expect(p.protocol).toBe('SRTP');
      expect(p.problems).toEqual([]);
      expect(toHex(p.layers.find((l) => l.plaintext && l.protocol === 'RTP')!.plaintext!)).toBe(toHex(plain));
    }
    const rr = client.protectRtcp(encodeRtcp([{ type: 'rr', ssrc: 0x11111111, reports: [] }]));
    if (!rr.ok) throw new Error(rr.message);
    expect(d.dissector.packet(udp(moved, s, rr.bytes)).layers.find((l) => l.plaintext)?.summary).toMatch(/^RTCP RR from 0x11111111/);
  });

  it('a 5-tuple whose checks name another ICE session is not opened with these keys', () => {
    const { d, c, s, udp, check, client, moved } = setup();
    check(c, s, 'SSSS:CCCC');
    check(moved, s, 'SSSS:OTHER');
    const prot = client.protectRtp(rtp(9, 0x11111111));
    if (!prot.ok) throw new Error(prot.message);
    const p = d.dissector.packet(udp(moved, s, prot.bytes));
    expect(p.protocol).toBe('RTP');
    expect(p.layers.some((l) => l.plaintext)).toBe(false);
  });
});
