import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex } from '../core/encoding.ts';
import { encodeTcpSegment, type TcpFlagName } from '../wire/tcp/tcp.ts';
import { readCapture, writePcapng } from '../wire/pcap/index.ts';
import type { Trace } from '../core/trace.ts';
import { tsharkAvailable } from '../../test/support/tshark.ts';
import { encodeChannelData, encodeStun, Method, XorMappedAddress, type ChannelData, type StunMessage } from '../wire/stun/index.ts';
import { encodeRtp, type RtpPacket } from '../wire/rtp/rtp.ts';
import { SrtpSession } from '../srtp/session.ts';
import { CAPTURES_DIR, dissectFile } from '../../test/support/dissect-captures.ts';
import { Dissector } from './dissector.ts';
import type { DissectedPacket, Layer } from './types.ts';

// STUN/TURN over TCP (RFC 8489 §6.2.2, RFC 8656 §11.5) and ICE-TCP's RFC 4571 framing (RFC 6544 §3), recognised by
// content: coturn's own TCP traffic agrees with tshark message by message; synthetic streams split messages over
// segments and pack several into one; a DTLS-SRTP handshake over ICE-TCP decrypts with its key log.

const DIR = `${CAPTURES_DIR}stun-turn-tcp/`;

const stunOf = (p: DissectedPacket): Layer[] => p.layers.filter((l) => (l.protocol === 'STUN' || l.protocol === 'TURN-CHANNELDATA') && !l.plaintext);

describe('coturn TURN over TCP (captures/stun-turn-tcp)', () => {
  const d = dissectFile(`${DIR}stun-turn-tcp.pcapng`);
  const truth = JSON.parse(readFileSync(`${DIR}truth.json`, 'utf8'));

  it('finds every STUN message and ChannelData tshark finds, in the same frames and order', () => {
    const ours: string[] = [];
    d.packets.forEach(({ d: p }, i) => {
      const units = stunOf(p);
      // tshark lists a frame's STUN messages, then its ChannelData
      for (const l of units.filter((x) => x.protocol === 'STUN')) {
        const m = l.value as StunMessage;
        const type = (m.method & 0xf) | ((m.method & 0x70) << 1) | ((m.method & 0xf80) << 2) | (m.class === 'request' ? 0 : m.class === 'indication' ? 0x10 : m.class === 'success' ? 0x100 : 0x110);
        ours.push(`${i + 1} ${p.src} STUN 0x${type.toString(16).padStart(4, '0')} ${toHex(m.transactionId)} ${(l.bytes ?? l).length - 20}`);
      }
      for (const l of units.filter((x) => x.protocol === 'TURN-CHANNELDATA')) {
        const cd = l.value as ChannelData;
        ours.push(`${i + 1} ${p.src} ChannelData 0x${cd.channel.toString(16)} ${cd.data.length}`);
      }
    });
    const theirs = truth.messages.map((m: { frame: number; src: string; kind: string; type: string; transaction_id: string; channel: string; length: number }) =>
      m.kind === 'STUN' ? `${m.frame} ${m.src} STUN ${m.type} ${m.transaction_id} ${m.length}` : `${m.frame} ${m.src} ChannelData ${m.channel} ${m.length}`,
    );
    expect(ours).toEqual(theirs);
    expect(truth.stun_messages).toBe(62);
    expect(truth.channeldata_messages).toBe(16);
  });

  it('reads two STUN messages sharing one segment as two layers at their own offsets', () => {
    const p = d.packets[34]!.d; // frame 35: CreatePermission and ChannelBind back to back
    const units = stunOf(p);
    expect(units.map((l) => (l.value as StunMessage).method)).toEqual([Method.CreatePermission, Method.ChannelBind]);
    expect(units[1]!.offset).toBe(units[0]!.offset + units[0]!.length);
    expect(units.every((l) => l.bytes === undefined)).toBe(true);
  });

  it('takes ChannelData padded to a multiple of 4 without a problem, the channel bound over the same connection', () => {
    const p = d.packets[37]!.d;
    expect(p.protocol).toBe('TURN-CHANNELDATA');
    expect(p.layers.find((l) => l.protocol === 'TURN-CHANNELDATA')!.length).toBe(128); // 4 + 121 + 3 padding
    expect(p.problems).toEqual([]);
  });
});

// ---- synthetic streams ----

const A = { ip: '10.0.0.1', port: 50000 };
const B = { ip: '10.0.0.2', port: 9 }; // the discard port: nothing here is decided by port

class Stream {
  private seq = new Map<string, number>();
  readonly packets: Uint8Array[] = [];
  constructor(
    readonly a: { ip: string; port: number },
    readonly b: { ip: string; port: number },
  ) {
    this.seq.set('a', 1000);
    this.seq.set('b', 5000);
    this.seg('a', new Uint8Array(0), ['SYN']);
    this.seg('b', new Uint8Array(0), ['SYN', 'ACK']);
  }
  seg(from: 'a' | 'b', payload: Uint8Array, flags: readonly TcpFlagName[] = ['ACK']): void {
    const [s, t] = from === 'a' ? [this.a, this.b] : [this.b, this.a];
    const seq = this.seq.get(from)!;
    this.packets.push(encodeTcpSegment({ src: s.ip, dst: t.ip, srcPort: s.port, dstPort: t.port, sequenceNumber: seq, acknowledgmentNumber: 0, flags, window: 65535, payload }));
    this.seq.set(from, (seq + payload.length + (flags.includes('SYN') || flags.includes('FIN') ? 1 : 0)) >>> 0);
  }
}

const tid = (n: number) => Uint8Array.from({ length: 12 }, (_, i) => (i * 7 + n) & 0xff);
const binding = (n: number, cls: 'request' | 'success') =>
  encodeStun({ method: Method.Binding, class: cls, transactionId: tid(n), attributes: cls === 'success' ? [XorMappedAddress.of({ ip: A.ip, port: A.port })] : [] });
/** RFC 4571 §2: a 16-bit length, then the packet. */
const framed = (p: Uint8Array) => concatBytes(Uint8Array.of(p.length >> 8, p.length & 0xff), p);

describe('STUN/TURN over TCP framing', () => {
  it('joins a STUN message split over three segments into one layer carrying its reassembled bytes', () => {
    const s = new Stream(A, B);
    const m = binding(1, 'request');
    s.seg('a', m.subarray(0, 7));
    s.seg('a', m.subarray(7, 15));
    s.seg('a', m.subarray(15));
    const d = new Dissector();
    const out = s.packets.map((x) => d.packet(x));
    expect(out.slice(2, 4).map((p) => p.layers.at(-1)!.protocol)).toEqual(['DATA', 'DATA']);
    const l = out[4]!.layers.find((x) => x.protocol === 'STUN')!;
    expect(l.bytesFrom).toBe('reassembled');
    expect(toHex(l.bytes!)).toBe(toHex(m));
    expect(toHex((l.value as StunMessage).transactionId)).toBe(toHex(tid(1)));
    // fields index the reassembled bytes: the cookie sits at 4 in them
    const cookie = (function find(fs: typeof l.fields): (typeof l.fields)[number] | undefined {
      for (const f of fs) if (/cookie/i.test(f.name)) return f;
      for (const f of fs) if (f.children) return find(f.children);
      return undefined;
    })(l.fields);
    expect(cookie?.offset).toBe(4);
    expect(out[4]!.problems).toEqual([]);
  });

  it('splits ChannelData and a STUN message packed into one segment, the ChannelData padded (RFC 8656 §12.5)', () => {
    const s = new Stream(A, B);
    const inner = encodeRtp({ payloadType: 111, sequenceNumber: 7, timestamp: 960, ssrc: 0x1234, marker: false, payload: new Uint8Array(13) });
    const cd = encodeChannelData({ channel: 0x4001, data: inner }, { transport: 'tcp' });
    expect(cd.length % 4).toBe(0);
    s.seg('a', binding(2, 'request'));
    s.seg('a', concatBytes(cd, binding(3, 'request')));
    const d = new Dissector();
    const p = s.packets.map((x) => d.packet(x))[3]!;
    expect(p.layers.map((l) => l.protocol)).toEqual(['IPv4', 'TCP', 'TURN-CHANNELDATA', 'RTP', 'STUN']);
    expect((p.layers[3]!.value as RtpPacket).header.ssrc).toBe(0x1234);
    expect(p.problems).toEqual([]);
  });

  it('reports ChannelData over TCP that lacks its padding', () => {
    const s = new Stream(A, B);
    s.seg('a', binding(2, 'request'));
    s.seg('a', encodeChannelData({ channel: 0x4001, data: new Uint8Array(5) })); // 9 bytes, should be 12
    s.seg('a', new Uint8Array(3), ['ACK', 'FIN']);
    const d = new Dissector();
    const out = s.packets.map((x) => d.packet(x));
    // the 3 bytes that follow complete it as padding: framing holds, no problem
    expect(out[4]!.protocol).toBe('TURN-CHANNELDATA');
    const d2 = new Dissector();
    const s2 = new Stream(A, B);
    s2.seg('a', binding(2, 'request'));
    s2.seg('a', encodeChannelData({ channel: 0x4001, data: new Uint8Array(5) }), ['ACK', 'FIN']);
    s2.packets.forEach((x) => d2.packet(x));
    expect(d2.finish().problems.join()).toMatch(/STUN\/TURN over TCP message/);
  });

  it.runIf(tsharkAvailable())('agrees with tshark (decoding the port as STUN) on a message over three segments and three in one', () => {
    const s = new Stream(A, B);
    const m = binding(1, 'request');
    s.seg('a', m.subarray(0, 7));
    s.seg('a', m.subarray(7, 15));
    s.seg('a', m.subarray(15));
    s.seg('a', concatBytes(encodeChannelData({ channel: 0x4001, data: new Uint8Array(5) }, { transport: 'tcp' }), binding(2, 'request'), binding(3, 'request')));
    const trace: Trace = {
      meta: { source: 'simulation' },
      nodes: [],
      links: [],
      hops: s.packets.map((bytes, i) => ({ index: i, t: i * 1000, arrive: i * 1000, link: 'l', from: 'a', to: 'b', bytes, packet: i + 1 })),
      notes: [],
      secrets: [],
    };
    const file = join(mkdtempSync(join(tmpdir(), 'stun-tcp-')), 'x.pcapng');
    writeFileSync(file, writePcapng(trace));
    const rows = execFileSync('tshark', ['-r', file, '-n', '-d', `tcp.port==${B.port},stun`, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-e', 'stun.id', '-e', 'stun.channel'], { encoding: 'utf8' })
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t'));
    const d = new Dissector();
    const ours = s.packets.map((x) => d.packet(x)).map((p) => [
      stunOf(p).filter((l) => l.protocol === 'STUN').map((l) => toHex((l.value as StunMessage).transactionId)).join(','),
      stunOf(p).filter((l) => l.protocol === 'TURN-CHANNELDATA').map((l) => `0x${(l.value as ChannelData).channel.toString(16)}`).join(','),
    ]);
    expect(ours).toEqual(rows);
    expect(rows[5]![0]!.split(',').length).toBe(2); // tshark too reads both STUN messages after the ChannelData
  });

  it('does not take a stream for STUN on port 3478 unless its bytes say so', () => {
    const s = new Stream(A, { ip: B.ip, port: 3478 });
    s.seg('a', Uint8Array.from({ length: 40 }, (_, i) => i));
    const d = new Dissector();
    const out = s.packets.map((x) => d.packet(x));
    expect(out[2]!.layers.map((l) => l.protocol)).toEqual(['IPv4', 'TCP', 'DATA']);
  });

  it('marks a stream that stops framing as data from there on, with the reason', () => {
    const s = new Stream(A, B);
    s.seg('a', concatBytes(binding(4, 'request'), Uint8Array.of(0xc0, 1, 2, 3, 4, 5)));
    const d = new Dissector();
    const p = s.packets.map((x) => d.packet(x))[2]!;
    expect(p.layers.map((l) => l.protocol)).toEqual(['IPv4', 'TCP', 'STUN', 'DATA']);
    expect(p.problems.map((x) => x.message).join()).toMatch(/first byte 0xc0 starts neither a STUN message/);
  });
});

describe('ICE-TCP: RFC 4571 framing (RFC 6544 §3)', () => {
  it('recognises a stream that starts with a length and a STUN header, and dissects every framed packet', () => {
    const s = new Stream(A, B);
    const rtp = encodeRtp({ payloadType: 96, sequenceNumber: 1, timestamp: 0, ssrc: 0xabc, marker: true, payload: new Uint8Array(30) });
    s.seg('a', concatBytes(framed(binding(5, 'request')), framed(rtp).subarray(0, 10)));
    s.seg('a', framed(rtp).subarray(10));
    s.seg('b', framed(binding(5, 'success')));
    const d = new Dissector();
    const out = s.packets.map((x) => d.packet(x));
    expect(out[2]!.layers.map((l) => l.protocol)).toEqual(['IPv4', 'TCP', 'STUN']);
    expect(out[2]!.layers[2]!.classification).toMatch(/RFC 4571 frame of 20 bytes/);
    expect(out[2]!.layers[2]!.offset).toBe(20 + 20 + 2); // after IP, TCP and the 2-byte length
    const r = out[3]!.layers.find((l) => l.protocol === 'RTP')!;
    expect(toHex(r.bytes!)).toBe(toHex(rtp));
    expect(out[4]!.protocol).toBe('STUN');
    expect(out.every((p) => p.problems.length === 0)).toBe(true);
  });

  it('decrypts a DTLS-SRTP handshake and SRTP carried over ICE-TCP with the key log', () => {
    // openssl's real DTLS 1.2 handshake (captures/dtls-srtp-openssl), re-framed onto an ICE-TCP connection
    const dir = `${CAPTURES_DIR}dtls-srtp-openssl/`;
    const keyLog = readFileSync(`${dir}dtls12-srtp.keylog.txt`, 'utf8');
    const truth = JSON.parse(readFileSync(`${dir}dtls12-srtp.truth.json`, 'utf8'));
    const cap = readCapture(new Uint8Array(readFileSync(`${dir}dtls12-srtp.pcapng`)));
    const udp = new Dissector();
    const first = udp.packet(cap.packets[0]!.data, { linkType: cap.packets[0]!.linkType });
    const client = first.src;
    const [cIp, cPort] = client.split(':');
    const [sIp, sPort] = first.dst.split(':');
    const s = new Stream({ ip: cIp!, port: Number(cPort) }, { ip: sIp!, port: Number(sPort) });
    s.seg('a', framed(binding(6, 'request')));
    s.seg('b', framed(binding(6, 'success')));
    for (const raw of cap.packets) {
      const p = udp.packet(raw.data, { linkType: raw.linkType });
      const l = p.layers.find((x) => x.protocol === 'UDP')!;
      const payload = raw.data.subarray(l.offset + 8, l.offset + l.length);
      s.seg(p.src === client ? 'a' : 'b', framed(payload));
    }
    const ekm = fromHex(truth.extra.ekm_openssl_client);
    const sess = SrtpSession.fromKeyingMaterial('AES_CM_128_HMAC_SHA1_80', ekm, 'client');
    const plain = encodeRtp({ payloadType: 111, sequenceNumber: 42, timestamp: 960, ssrc: 0x5eed, marker: false, payload: new Uint8Array(40).fill(9) });
    const prot = sess.protectRtp(plain);
    if (!prot.ok) throw new Error(prot.message);
    const f = framed(prot.bytes);
    s.seg('a', f.subarray(0, 30)); // one SRTP packet over two segments: decrypted from its reassembled bytes
    s.seg('a', f.subarray(30));
    const d = new Dissector({ keyLog });
    const out = s.packets.map((x) => d.packet(x));
    expect(out.flatMap((p) => p.problems.map((x) => x.message))).toEqual([]);
    const flow = d.flows.all().find((x) => x.transport === 'TCP')!;
    expect(flow.dtls!.finished).toEqual([
      { role: 'client', ok: true },
      { role: 'server', ok: true },
    ]);
    expect(toHex(flow.dtls!.srtpKeyingMaterial()!)).toBe(truth.extra.ekm_openssl_client);
    const last = out[out.length - 1]!;
    expect(last.protocol).toBe('SRTP');
    const inner = last.layers.find((l) => l.plaintext && l.protocol === 'RTP')!;
    expect(toHex(inner.plaintext!)).toBe(toHex(plain));
  });
});
