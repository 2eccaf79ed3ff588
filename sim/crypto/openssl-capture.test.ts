/**
 * The strongest check of the DTLS 1.2 crypto: two real handshakes between `openssl s_client` and `s_server`
 * (../shared/captures/dtls-srtp-openssl). From the capture and its key log alone we rebuild the transcript,
 * decrypt both Finished messages with our key expansion + AES-GCM, recompute their verify_data, check the
 * ServerKeyExchange and CertificateVerify signatures against the certificates on the wire, decrypt the
 * application data and the alert, and derive the EXTRACTOR-dtls_srtp keying material that openssl printed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { fromHex, toHex, utf8Decode } from '../core/encoding.ts';
import { decodeDatagram } from '../wire/dtls/datagram.ts';
import { decodeHandshakeBody, decodeHandshakeFragments } from '../wire/dtls/handshake.ts';
import type { HandshakeBody } from '../wire/dtls/handshake.ts';
import { HandshakeReassembler } from '../wire/dtls/fragment.ts';
import type { ReassembledMessage } from '../wire/dtls/fragment.ts';
import { ContentType, HandshakeType } from '../wire/handshake/names.ts';
import type { DtlsRecord } from '../wire/dtls/record.ts';
import { udpPacketsFromPcapng } from '../wire/dtls/testing/pcapng-udp.ts';
import { unprotectRecord } from './aead.ts';
import type { RecordKey } from './aead.ts';
import { verifyCertificateVerify, verifyServerKeyExchange } from './ecdsa.ts';
import { findMasterSecret, parseKeyLog } from './keylog.ts';
import { DTLS_SRTP_LABEL, dtlsSrtpKeys, exportKeyingMaterial, handshakeHash, keyExpansion, verifyData } from './prf.ts';
import { certificateFingerprint, parseCertificate } from './x509.ts';
import { capturePath } from '../../test/captures.ts';

const DIR = capturePath('dtls-srtp-openssl');

interface Truth {
  extra: {
    client_random: string;
    server_random: string;
    ekm_openssl_client: string;
    srtp_keys_rfc5764: Record<string, string>;
    certificates_in_capture: { sender: string; sha256_fingerprint: string }[];
    decrypted_application_data: { src_port: number; plaintext: string }[];
  };
}

type Sender = 'client' | 'server';

interface Replay {
  /** Whole handshake messages in capture order, per sender, reassembled from epoch-0 records. */
  messages: { sender: Sender; msg: ReassembledMessage; body: HandshakeBody }[];
  /** Protected (epoch > 0) records in capture order. */
  protectedRecords: { sender: Sender; record: DtlsRecord }[];
}

function replay(name: string, serverPort: number): Replay {
  const packets = udpPacketsFromPcapng(new Uint8Array(readFileSync(`${DIR}/${name}.pcapng`)));
  const reassemblers = { client: new HandshakeReassembler(), server: new HandshakeReassembler() };
  const out: Replay = { messages: [], protectedRecords: [] };
  for (const p of packets) {
    const sender: Sender = p.srcPort === serverPort ? 'server' : 'client';
    const d = decodeDatagram(p.payload);
    expect(d.problems).toEqual([]);
    for (const { record } of d.value) {
      if (record.kind !== 'dtls12') throw new Error('unexpected DTLS 1.3 record');
      if (record.encrypted) {
        out.protectedRecords.push({ sender, record });
        continue;
      }
      if (record.contentType !== ContentType.handshake) continue;
      for (const f of decodeHandshakeFragments(record.fragment).value) {
        const pushed = reassemblers[sender].push(f.fragment);
        expect(pushed.problems).toEqual([]);
        for (const msg of pushed.messages) {
          const body = decodeHandshakeBody(msg.msgType, msg.body);
          expect(body.problems).toEqual([]);
          out.messages.push({ sender, msg, body: body.value });
        }
      }
    }
  }
  return out;
}

function bodyOf<T extends HandshakeBody['type']>(r: Replay, sender: Sender, type: T): Extract<HandshakeBody, { type: T }> {
  const m = r.messages.filter((x) => x.sender === sender && x.body.type === type).at(-1);
  if (!m) throw new Error(`no ${type} from ${sender}`);
  return m.body as Extract<HandshakeBody, { type: T }>;
}

const cases = [
  { name: 'dtls12-srtp', serverPort: 4444 },
  { name: 'dtls12-srtp-fragmented', serverPort: 4445 },
];

describe.each(cases)('openssl DTLS 1.2 capture $name', ({ name, serverPort }) => {
  const truth = JSON.parse(readFileSync(`${DIR}/${name}.truth.json`, 'utf8')) as Truth;
  const r = replay(name, serverPort);
  const keylog = parseKeyLog(readFileSync(`${DIR}/${name}.keylog.txt`, 'utf8'));
  const clientRandom = bodyOf(r, 'client', 'client_hello').random;
  const serverRandom = bodyOf(r, 'server', 'server_hello').random;
  const master = findMasterSecret(keylog.entries, clientRandom);
  if (!master) throw new Error('client random not in the key log');
  const keys = keyExpansion(master, clientRandom, serverRandom);
  const clientKey: RecordKey = { key: keys.clientWriteKey, fixedIv: keys.clientWriteIv };
  const serverKey: RecordKey = { key: keys.serverWriteKey, fixedIv: keys.serverWriteIv };
  const open = (sender: Sender, record: DtlsRecord) => unprotectRecord(sender === 'client' ? clientKey : serverKey, record, record.fragment);

  /** RFC 6347 §4.2.1: the first ClientHello and the HelloVerifyRequest stay out of the handshake hash. */
  const transcriptBase = (): Uint8Array[] => {
    const all = r.messages.filter((m) => !(m.msg.msgType === HandshakeType.hello_verify_request || (m.body.type === 'client_hello' && m.body.cookie.length === 0)));
    return all.map((m) => m.msg.bytes);
  };

  test('the randoms read from the hellos are the ones tshark saw, and the key log has no problems', () => {
    expect(toHex(clientRandom)).toBe(truth.extra.client_random);
    expect(toHex(serverRandom)).toBe(truth.extra.server_random);
    expect(keylog.problems).toEqual([]);
  });

  test('both Finished messages decrypt with our key expansion and carry the verify_data we compute', () => {
    const finished = r.protectedRecords.filter((p) => p.record.contentType === ContentType.handshake);
    expect(finished.map((f) => f.sender)).toEqual(['client', 'server']);
    const transcript = transcriptBase();
    // Client Finished covers everything the client has seen up to its own Finished.
    const cf = open('client', finished[0]!.record);
    if (!cf.ok) throw new Error(cf.error);
    const cfMsg = decodeHandshakeFragments(cf.plaintext);
    const cfBody = cfMsg.value[0]?.body;
    expect(cfBody?.type).toBe('finished');
    const serverBeforeFinished = r.messages.filter((m) => m.sender === 'server' && m.msg.msgType === HandshakeType.new_session_ticket).map((m) => m.msg.bytes);
    const clientTranscript = transcript.filter((b) => !serverBeforeFinished.some((t) => t === b));
    expect(cfBody?.type === 'finished' && toHex(cfBody.verifyData)).toBe(toHex(verifyData(master, 'client', handshakeHash(clientTranscript))));
    // Server Finished also covers the client's Finished (and any NewSessionTicket, RFC 5077 §3.3).
    const sf = open('server', finished[1]!.record);
    if (!sf.ok) throw new Error(sf.error);
    const sfBody = decodeHandshakeFragments(sf.plaintext).value[0]?.body;
    expect(sfBody?.type).toBe('finished');
    const serverTranscript = [...clientTranscript, cf.plaintext, ...serverBeforeFinished];
    expect(sfBody?.type === 'finished' && toHex(sfBody.verifyData)).toBe(toHex(verifyData(master, 'server', handshakeHash(serverTranscript))));
  });

  test('a Finished with one flipped bit fails authentication instead of throwing', () => {
    const rec = r.protectedRecords.find((p) => p.record.contentType === ContentType.handshake)!.record;
    const bad = rec.fragment.slice();
    bad[bad.length - 1]! ^= 1;
    const res = unprotectRecord(clientKey, rec, bad);
    expect(res.ok).toBe(false);
  });

  test('application data and the close_notify alert decrypt to what openssl sent', () => {
    const app = r.protectedRecords.filter((p) => p.record.contentType === ContentType.application_data);
    const texts = app.map((p) => {
      const o = open(p.sender, p.record);
      return o.ok ? utf8Decode(o.plaintext) : o.error;
    });
    expect(texts).toEqual(truth.extra.decrypted_application_data.map((d) => d.plaintext));
    const alert = r.protectedRecords.find((p) => p.record.contentType === ContentType.alert)!;
    const o = open(alert.sender, alert.record);
    expect(o.ok && [...o.plaintext]).toEqual([1, 0]); // warning close_notify
  });

  test('the exporter gives the 60-byte EXTRACTOR-dtls_srtp material openssl printed, split per RFC 5764 §4.2', () => {
    const ekm = exportKeyingMaterial(master, DTLS_SRTP_LABEL, clientRandom, serverRandom, 60);
    const printed = /Keying material: ([0-9A-F]+)/.exec(readFileSync(`${DIR}/logs/${name}.client.log`, 'utf8'))?.[1];
    expect(toHex(ekm).toUpperCase()).toBe(printed);
    expect(toHex(ekm)).toBe(truth.extra.ekm_openssl_client);
    const k = dtlsSrtpKeys(ekm, 'SRTP_AES128_CM_HMAC_SHA1_80');
    const t = truth.extra.srtp_keys_rfc5764;
    expect([toHex(k.clientWriteKey), toHex(k.serverWriteKey), toHex(k.clientWriteSalt), toHex(k.serverWriteSalt)]).toEqual([
      t.client_write_master_key,
      t.server_write_master_key,
      t.client_write_master_salt,
      t.server_write_master_salt,
    ]);
  });

  test('certificates on the wire have the openssl fingerprints and sign the key exchange and CertificateVerify', () => {
    const serverCert = bodyOf(r, 'server', 'certificate').certificates[0]!;
    const clientCert = bodyOf(r, 'client', 'certificate').certificates[0]!;
    const bySender = Object.fromEntries(truth.extra.certificates_in_capture.map((c) => [c.sender.endsWith(`:${serverPort}`) ? 'server' : 'client', c.sha256_fingerprint]));
    expect(certificateFingerprint(serverCert)).toBe(bySender.server);
    expect(certificateFingerprint(clientCert)).toBe(bySender.client);
    const sc = parseCertificate(serverCert);
    const cc = parseCertificate(clientCert);
    if (!sc.ok || !cc.ok) throw new Error('certificate did not parse');
    const ske = bodyOf(r, 'server', 'server_key_exchange');
    expect(verifyServerKeyExchange(sc.certificate.publicKey, clientRandom, serverRandom, ske)).toBe(true);
    expect(verifyServerKeyExchange(cc.certificate.publicKey, clientRandom, serverRandom, ske)).toBe(false);
    // RFC 5246 §7.4.8: CertificateVerify covers the transcript up to (not including) itself.
    const transcript = transcriptBase();
    const cvIndex = r.messages.filter((m) => transcript.includes(m.msg.bytes)).findIndex((m) => m.body.type === 'certificate_verify');
    const cv = bodyOf(r, 'client', 'certificate_verify');
    expect(verifyCertificateVerify(cc.certificate.publicKey, transcript.slice(0, cvIndex), cv.signature)).toBe(true);
    expect(verifyCertificateVerify(cc.certificate.publicKey, transcript.slice(0, cvIndex - 1), cv.signature)).toBe(false);
  });
});

test('the key log line round-trips through our formatter', async () => {
  const { formatKeyLogLine } = await import('./keylog.ts');
  const text = readFileSync(`${DIR}/dtls12-srtp.keylog.txt`, 'utf8');
  const [e] = parseKeyLog(text).entries;
  expect(formatKeyLogLine(e!.clientRandom, e!.secret)).toBe(text.split('\n').find((l) => l.startsWith('CLIENT_RANDOM')));
  expect(fromHex(toHex(e!.secret))).toEqual(e!.secret);
});
