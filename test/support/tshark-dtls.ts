import { expect } from 'vitest';
import { tsharkFields } from './tshark.ts';

/**
 * What tshark 4.0 can do with DTLS, measured on our exports: it reads DTLS per 5-tuple (a conversation: addresses and
 * ports), so it decrypts a 5-tuple's sealed records only when it saw both hellos there (the client and server randoms
 * to find the key-log line by, and the suite to derive the keys with). A DTLS association belongs to the ICE session
 * and may span 5-tuples (RFC 8842 §5.5; our peer, like libwebrtc, reads DTLS from any known pair): when its hellos
 * are on different 5-tuples, tshark opens none of its sealed records, and on a 5-tuple where it saw no ServerHello it
 * does not know DTLS 1.2 was negotiated and reads the client's CertificateVerify as DTLS 1.0's, without the
 * SignatureAndHashAlgorithm field (RFC 5246 §7.4.8), flagging it malformed.
 */
export interface TsharkDtlsTuple {
  /** Senders ("address:port") of a ClientHello and of a ServerHello on it. */
  readonly clientHelloFrom: Set<string>;
  readonly serverHelloFrom: Set<string>;
  /** Per sender: handshake records sealed (epoch ≥ 1), and Finished messages tshark decrypted. */
  readonly sealed: Map<string, number>;
  readonly finished: Map<string, number>;
  /** Frames with a CertificateVerify (sent in the clear, at epoch 0). */
  readonly certificateVerifyFrames: number[];
  /** Its DTLS frames' numbers. */
  readonly frames: number[];
}

/** A 5-tuple as tshark's conversation: its two endpoints ("address:port"), sorted. */
export const tupleOf = (x: string, y: string): string => [x, y].sort().join(' ⇄ ');

/** Whether tshark can decrypt what is sealed on a 5-tuple: it saw both hellos there. */
export const tsharkKeyed = (t: TsharkDtlsTuple): boolean => t.clientHelloFrom.size > 0 && t.serverHelloFrom.size > 0;

/** tshark's DTLS frame by frame (ICMP errors quoting a datagram left out), gathered per 5-tuple. */
export function tsharkDtlsTuples(file: string, keyLog: string | undefined): Map<string, TsharkDtlsTuple> {
  const rows = tsharkFields(file, ['frame.number', 'ip.src', 'udp.srcport', 'ip.dst', 'udp.dstport', 'dtls.record.content_type', 'dtls.record.epoch', 'dtls.handshake.type'], { keyLog, filter: 'dtls && !icmp && !icmpv6' });
  const tuples = new Map<string, TsharkDtlsTuple>();
  const add = (m: Map<string, number>, k: string, n: number): void => void m.set(k, (m.get(k) ?? 0) + n);
  for (const [frame = '', srcIp, srcPort, dstIp, dstPort, types = '', epochs = '', handshakes = ''] of rows) {
    const src = `${srcIp}:${srcPort}`;
    const key = tupleOf(src, `${dstIp}:${dstPort}`);
    let t = tuples.get(key);
    if (!t) tuples.set(key, (t = { clientHelloFrom: new Set(), serverHelloFrom: new Set(), sealed: new Map(), finished: new Map(), certificateVerifyFrames: [], frames: [] }));
    const ct = types.split(',');
    const ep = epochs.split(',');
    const hs = handshakes.split(',').filter((h) => h !== '');
    t.frames.push(Number(frame));
    add(t.sealed, src, ct.filter((c, i) => c === '22' && Number(ep[i]) >= 1).length);
    add(t.finished, src, hs.filter((h) => h === '20').length);
    if (hs.includes('1')) t.clientHelloFrom.add(src);
    if (hs.includes('2')) t.serverHelloFrom.add(src);
    if (hs.includes('15')) t.certificateVerifyFrames.push(Number(frame));
  }
  return tuples;
}

/** The DTLS frames tshark cannot decrypt: those on 5-tuples where it did not see both hellos. */
export function tsharkOpaqueFrames(tuples: ReadonlyMap<string, TsharkDtlsTuple>): Set<number> {
  return new Set([...tuples.values()].filter((t) => !tsharkKeyed(t)).flatMap((t) => t.frames));
}

/** The frames tshark misreads (below): those with a CertificateVerify on a 5-tuple where it saw no ServerHello. */
export function versionBlindFrames(tuples: ReadonlyMap<string, TsharkDtlsTuple>): number[] {
  return [...tuples.values()].filter((t) => t.serverHelloFrom.size === 0).flatMap((t) => t.certificateVerifyFrames).sort((a, b) => a - b);
}

/**
 * Every frame (TCP aside) tshark flags as malformed or with an error must be its misreading of a CertificateVerify on
 * a 5-tuple it saw no ServerHello on, and every such CertificateVerify is flagged: ecdsa_secp256r1_sha256 (0x0403),
 * read as a signature length, is 1027. Returns how many frames were so flagged.
 */
export function expectOnlyVersionBlindFlags(file: string, keyLog: string | undefined, tuples: ReadonlyMap<string, TsharkDtlsTuple>): number {
  const rows = tsharkFields(file, ['frame.number', 'ip.src', 'udp.srcport', 'ip.dst', 'udp.dstport', 'dtls.handshake.type', '_ws.expert.message', '_ws.expert.severity'], { keyLog, filter: '(_ws.malformed || _ws.expert.severity >= error) && !tcp', aggregator: '|' });
  const blind = [...tuples].filter(([, t]) => t.serverHelloFrom.size === 0);
  expect(rows.map(([frame]) => Number(frame))).toEqual(versionBlindFrames(tuples));
  for (const [frame = '', srcIp, srcPort, dstIp, dstPort, handshakes = '', messages = '', severities = ''] of rows) {
    const sev = severities.split('|').map(Number);
    // 8388608 is PI_ERROR (epan/proto.h); packet comments and notes rank lower
    const errors = messages.split('|').filter((_, i) => (sev[i] ?? 0) >= 8_388_608);
    expect(blind.map(([key]) => key), `frame ${frame}`).toContain(tupleOf(`${srcIp}:${srcPort}`, `${dstIp}:${dstPort}`));
    expect(handshakes.split('|'), `frame ${frame}`).toContain('15');
    expect(errors, `frame ${frame}`).toEqual([expect.stringMatching(/^Vector length 1027 is too large/)]);
  }
  return rows.length;
}
