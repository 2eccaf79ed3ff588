import { createCipheriv, createHash, createHmac } from 'node:crypto';

/**
 * An independent DTLS 1.3 record encoder for tests (node only, node:crypto only, none of the project's crypto or
 * codecs): it writes the flights of a DTLS 1.3 handshake with use_srtp from known traffic secrets, protects them
 * per RFC 9147 (unified header §4, AEAD with the TLS 1.3 nonce §4 / RFC 8446 §5.3, record number encryption
 * §4.2.3, "dtls13" HKDF labels §5.9), computes both Finished (RFC 8446 §4.4.4 over the TLS-style transcript, RFC
 * 9147 §5.2), an ACK (§7), and the DTLS-SRTP keying material (RFC 8446 §7.5, RFC 5764 §4.2). No machine here has a
 * DTLS 1.3 stack that writes key logs, so this stands in for one; the dissector must agree with it byte for byte.
 */

export type Suite13 = 'TLS_AES_128_GCM_SHA256' | 'TLS_CHACHA20_POLY1305_SHA256';

const SUITE = {
  TLS_AES_128_GCM_SHA256: { id: 0x1301, cipher: 'aes-128-gcm', keyLength: 16 },
  TLS_CHACHA20_POLY1305_SHA256: { id: 0x1303, cipher: 'chacha20-poly1305', keyLength: 32 },
} as const;

const u8 = (...b: number[]): Buffer => Buffer.from(b);
const u16 = (v: number): Buffer => u8(v >> 8, v & 0xff);
const u24 = (v: number): Buffer => u8(v >> 16, (v >> 8) & 0xff, v & 0xff);
const vec8 = (b: Buffer): Buffer => Buffer.concat([u8(b.length), b]);
const vec16 = (b: Buffer): Buffer => Buffer.concat([u16(b.length), b]);
const sha256 = (b: Buffer): Buffer => createHash('sha256').update(b).digest();

/** RFC 5869 HKDF-Expand with SHA-256 under RFC 8446 §7.1's HkdfLabel, prefix "dtls13". */
export function expandLabel(secret: Buffer, label: string, context: Buffer, length: number): Buffer {
  const info = Buffer.concat([u16(length), vec8(Buffer.from(`dtls13${label}`)), vec8(context)]);
  const out: Buffer[] = [];
  let t = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(out).length < length; i++) {
    t = createHmac('sha256', secret).update(Buffer.concat([t, info, u8(i)])).digest();
    out.push(t);
  }
  return Buffer.concat(out).subarray(0, length);
}

interface DirectionKeys {
  key: Buffer;
  iv: Buffer;
  sn: Buffer;
}

function keysOf(secret: Buffer, keyLength: number): DirectionKeys {
  return { key: expandLabel(secret, 'key', Buffer.alloc(0), keyLength), iv: expandLabel(secret, 'iv', Buffer.alloc(0), 12), sn: expandLabel(secret, 'sn', Buffer.alloc(0), keyLength) };
}

function ext(type: number, body: Buffer): Buffer {
  return Buffer.concat([u16(type), vec16(body)]);
}

export interface Dtls13Run {
  readonly suite: Suite13;
  readonly clientRandom: Buffer;
  /** Datagrams in order, each with its sender. */
  readonly datagrams: { from: 'client' | 'server'; bytes: Buffer; what: string }[];
  readonly keyLog: string;
  /** The 60 bytes of EXTRACTOR-dtls_srtp keying material for SRTP_AES128_CM_HMAC_SHA1_80. */
  readonly srtpKeyingMaterial: Buffer;
  readonly clientFinished: Buffer;
  readonly serverFinished: Buffer;
  /** Application bytes sent in epoch 3 (what the data channel would carry), by sender. */
  readonly applicationData: { from: 'client' | 'server'; bytes: Buffer }[];
  /** How many protected records were written (the dissector must open them all). */
  readonly protectedRecords: number;
}

export interface Dtls13Options {
  readonly suite?: Suite13;
  /** Seed byte for the secrets and randoms (different runs, different keys). */
  readonly seed?: number;
}

/** Writes a whole DTLS 1.3 handshake with use_srtp, an ACK, application data and a close_notify. */
export function dtls13Handshake(options: Dtls13Options = {}): Dtls13Run {
  const suite = options.suite ?? 'TLS_AES_128_GCM_SHA256';
  const s = SUITE[suite];
  const seed = options.seed ?? 1;
  const fill = (n: number, tag: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + tag * 17 + seed * 101) & 0xff));
  const clientRandom = fill(32, 1);
  const serverRandom = fill(32, 2);
  const secrets = {
    CLIENT_HANDSHAKE_TRAFFIC_SECRET: fill(32, 3),
    SERVER_HANDSHAKE_TRAFFIC_SECRET: fill(32, 4),
    CLIENT_TRAFFIC_SECRET_0: fill(32, 5),
    SERVER_TRAFFIC_SECRET_0: fill(32, 6),
    EXPORTER_SECRET: fill(32, 7),
  };
  const keyLog = Object.entries(secrets)
    .map(([label, v]) => `${label} ${clientRandom.toString('hex')} ${v.toString('hex')}`)
    .join('\n');
  const keys = {
    client: { 2: keysOf(secrets.CLIENT_HANDSHAKE_TRAFFIC_SECRET, s.keyLength), 3: keysOf(secrets.CLIENT_TRAFFIC_SECRET_0, s.keyLength) },
    server: { 2: keysOf(secrets.SERVER_HANDSHAKE_TRAFFIC_SECRET, s.keyLength), 3: keysOf(secrets.SERVER_TRAFFIC_SECRET_0, s.keyLength) },
  };
  const seq = { client: { 0: 0, 2: 0, 3: 0 }, server: { 0: 0, 2: 0, 3: 0 } } as Record<'client' | 'server', Record<0 | 2 | 3, number>>;
  const msgSeq = { client: 0, server: 0 };
  const transcript: Buffer[] = [];
  let protectedRecords = 0;

  /** A handshake message: the DTLS 12-byte header on the wire, the TLS 4-byte header in the transcript (RFC 9147 §5.2). */
  const handshake = (from: 'client' | 'server', type: number, body: Buffer): Buffer => {
    transcript.push(Buffer.concat([u8(type), u24(body.length), body]));
    return Buffer.concat([u8(type), u24(body.length), u16(msgSeq[from]++), u24(0), u24(body.length), body]);
  };

  /** RFC 9147 §4: a DTLSPlaintext record (epoch 0). */
  const plaintext = (from: 'client' | 'server', type: number, fragment: Buffer): Buffer => {
    const n = seq[from][0]++;
    return Buffer.concat([u8(type), u16(0xfefd), u16(0), u16(0), u32(n), u16(fragment.length), fragment]);
  };
  const u32 = (v: number): Buffer => u8((v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);

  /** RFC 9147 §4 unified header, AEAD (RFC 8446 §5.2), then record number encryption (§4.2.3). */
  const protect = (from: 'client' | 'server', epoch: 2 | 3, type: number, content: Buffer, form: { s16?: boolean; length?: boolean } = {}): Buffer => {
    const k = keys[from][epoch];
    const n = seq[from][epoch]++;
    const s16 = form.s16 ?? true;
    const withLength = form.length ?? true;
    const inner = Buffer.concat([content, u8(type), Buffer.alloc(n % 3)]); // a little padding on some records
    const first = 0x20 | (s16 ? 0x08 : 0) | (withLength ? 0x04 : 0) | (epoch & 0x03);
    const sn = s16 ? u16(n & 0xffff) : u8(n & 0xff);
    const header = Buffer.concat([u8(first), sn, withLength ? u16(inner.length + 16) : Buffer.alloc(0)]);
    const nonce = Buffer.from(k.iv);
    for (let i = 0; i < 8; i++) nonce[11 - i]! ^= Number((BigInt(n) >> BigInt(8 * i)) & 0xffn);
    const c = createCipheriv(s.cipher, k.key, nonce, { authTagLength: 16 } as never) as unknown as { setAAD(b: Buffer): void; update(b: Buffer): Buffer; final(): Buffer; getAuthTag(): Buffer };
    c.setAAD(header);
    const ct = Buffer.concat([c.update(inner), c.final(), c.getAuthTag()]);
    const sample = ct.subarray(0, 16);
    const mask =
      s.cipher === 'aes-128-gcm'
        ? createCipheriv('aes-128-ecb', k.sn, null).setAutoPadding(false).update(sample)
        : createCipheriv('chacha20', k.sn, sample).update(Buffer.alloc(16));
    const wire = Buffer.from(header);
    wire[1]! ^= mask[0]!;
    if (s16) wire[2]! ^= mask[1]!;
    protectedRecords++;
    return Buffer.concat([wire, ct]);
  };

  const finished = (secret: Buffer): Buffer => {
    const fk = expandLabel(secret, 'finished', Buffer.alloc(0), 32);
    return createHmac('sha256', fk).update(sha256(Buffer.concat(transcript))).digest();
  };

  const datagrams: Dtls13Run['datagrams'] = [];
  // flight 1: ClientHello offering DTLS 1.3, a key share and use_srtp (RFC 9147 §5.3: legacy_cookie still there)
  const ch = Buffer.concat([
    u16(0xfefd),
    clientRandom,
    vec8(Buffer.alloc(0)),
    vec8(Buffer.alloc(0)),
    vec16(u16(s.id)),
    vec8(u8(0)),
    vec16(
      Buffer.concat([
        ext(43, vec8(u16(0xfefc))),
        ext(10, vec16(u16(0x001d))),
        ext(13, vec16(u16(0x0403))),
        ext(51, vec16(Buffer.concat([u16(0x001d), vec16(fill(32, 8))]))),
        ext(14, Buffer.concat([vec16(Buffer.concat([u16(0x0007), u16(0x0001)])), vec8(Buffer.alloc(0))])),
      ]),
    ),
  ]);
  datagrams.push({ from: 'client', what: 'ClientHello', bytes: plaintext('client', 22, handshake('client', 1, ch)) });

  // flight 2: ServerHello in clear, then EncryptedExtensions … Finished in epoch 2
  const sh = Buffer.concat([
    u16(0xfefd),
    serverRandom,
    vec8(Buffer.alloc(0)),
    u16(s.id),
    u8(0),
    vec16(Buffer.concat([ext(43, u16(0xfefc)), ext(51, Buffer.concat([u16(0x001d), vec16(fill(32, 9))]))])),
  ]);
  const shRecord = plaintext('server', 22, handshake('server', 2, sh));
  const ee = handshake('server', 8, vec16(ext(14, Buffer.concat([vec16(u16(0x0001)), vec8(Buffer.alloc(0))]))));
  const certDer = Buffer.concat([u8(0x30, 0x82), u16(60), fill(60, 10)]);
  const cert = handshake('server', 11, Buffer.concat([vec8(Buffer.alloc(0)), u24(certDer.length + 5), u24(certDer.length), certDer, u16(0)]));
  const cv = handshake('server', 15, Buffer.concat([u16(0x0403), vec16(fill(64, 11))]));
  const serverFinished = finished(secrets.SERVER_HANDSHAKE_TRAFFIC_SECRET);
  const sfin = handshake('server', 20, serverFinished);
  datagrams.push({
    from: 'server',
    what: 'ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished',
    bytes: Buffer.concat([shRecord, protect('server', 2, 22, ee), protect('server', 2, 22, cert), protect('server', 2, 22, cv, { s16: false }), protect('server', 2, 22, sfin, { length: false })]),
  });

  // flight 3: the client's Finished (epoch 2), then the server ACKs it in epoch 3 (RFC 9147 §7)
  const clientFinished = finished(secrets.CLIENT_HANDSHAKE_TRAFFIC_SECRET);
  datagrams.push({ from: 'client', what: 'Finished', bytes: protect('client', 2, 22, handshake('client', 20, clientFinished)) });
  const ack = vec16(Buffer.concat([u32(0), u32(2), u32(0), u32(0)]));
  datagrams.push({ from: 'server', what: 'ACK', bytes: protect('server', 3, 26, ack) });

  // application data both ways in epoch 3 (a data channel's SCTP would ride here), then close_notify
  const applicationData: Dtls13Run['applicationData'] = [];
  for (const [from, text] of [['client', 'hello from a DTLS 1.3 client'], ['server', 'hello from a DTLS 1.3 server'], ['client', 'second record, 8-bit sequence number']] as const) {
    const bytes = Buffer.from(text);
    applicationData.push({ from, bytes });
    datagrams.push({ from, what: 'application data', bytes: protect(from, 3, 23, bytes, { s16: !text.startsWith('second') }) });
  }
  datagrams.push({ from: 'client', what: 'Alert close_notify', bytes: protect('client', 3, 21, u8(1, 0)) });

  // RFC 8446 §7.5 with the "dtls13" labels: the DTLS-SRTP keying material (RFC 5764 §4.2)
  const emptyHash = sha256(Buffer.alloc(0));
  const derived = expandLabel(secrets.EXPORTER_SECRET, 'EXTRACTOR-dtls_srtp', emptyHash, 32);
  const srtpKeyingMaterial = expandLabel(derived, 'exporter', emptyHash, 60);
  return { suite, clientRandom, datagrams, keyLog, srtpKeyingMaterial, clientFinished, serverFinished, applicationData, protectedRecords };
}
