// SIP over TCP in the dissector (RFC 3261 §18.3): a direction of a connection that starts with a SIP start line is
// cut into messages by Content-Length, several in one segment or one over several, each with its SDP; it agrees with
// tshark message by message (method or status, Call-ID, CSeq) on the sip-tcp-call preset's export, link by link, and
// on the same streams cut into other segments.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareWithTshark, tshark, tsharkAvailable } from '../../test/support/tshark.ts';
import { utf8Decode, utf8Encode } from '../core/encoding.ts';
import type { Trace } from '../core/trace.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { readCapture } from '../wire/pcap/index.ts';
import { writePcap } from '../wire/pcap/pcap-writer.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { describeSip } from '../wire/sip/message.ts';
import { encodeTcpSegment, type TcpFlagName } from '../wire/tcp/tcp.ts';
import { Dissector } from './dissector.ts';
import type { DissectedPacket } from './types.ts';

const dir = mkdtempSync(join(tmpdir(), 'rtclab-sip-tcp-dissect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const C = { ip: '203.0.113.20', port: 51404 };
const S = { ip: '198.51.100.5', port: 5060 };
function seg(from: typeof C, to: typeof C, seq: number, payload: Uint8Array, flags: TcpFlagName[] = ['ACK', 'PSH']): Uint8Array {
  return encodeTcpSegment({ src: from.ip, dst: to.ip, srcPort: from.port, dstPort: to.port, sequenceNumber: seq, acknowledgmentNumber: 1, flags, payload });
}
const sipOf = (p: DissectedPacket): string[] => p.layers.flatMap((l) => (l.protocol === 'SIP' && l.value ? [describeSip(l.value)] : []));

const REGISTER = (cseq: number, body = ''): string =>
  `REGISTER sip:rtclab.test SIP/2.0\r\nVia: SIP/2.0/TCP 203.0.113.20:5060;branch=z9hG4bK${cseq}\r\nMax-Forwards: 70\r\nFrom: <sip:1001@rtclab.test>;tag=a1\r\nTo: <sip:1001@rtclab.test>\r\nCall-ID: c1@rtclab.test\r\nCSeq: ${cseq} REGISTER\r\nl: ${utf8Encode(body).length}\r\n\r\n${body}`;

describe('SIP over TCP, framed by Content-Length', () => {
  it('two messages in one segment are two SIP layers; a message over three segments is read once, on the last', () => {
    const d = new Dissector();
    d.packet(seg(C, S, 0, new Uint8Array(0), ['SYN']));
    const two = utf8Encode(REGISTER(1) + REGISTER(2));
    const p1 = d.packet(seg(C, S, 1, two));
    expect(sipOf(p1)).toEqual(['REGISTER sip:rtclab.test', 'REGISTER sip:rtclab.test']);
    const sip = p1.layers.filter((l) => l.protocol === 'SIP');
    // each wholly inside the segment: its fields index the packet, the second starting where the first ends
    expect(sip.map((l) => l.bytes)).toEqual([undefined, undefined]);
    expect(sip[1]!.offset).toBe(sip[0]!.offset + sip[0]!.length);
    expect(sip[0]!.classification).toBe('SIP over TCP: a message framed by its Content-Length (RFC 3261 §18.3)');
    const third = utf8Encode(REGISTER(3, 'v=0\r\n'));
    let seq = 1 + two.length;
    const parts = [third.subarray(0, 10), third.subarray(10, 200), third.subarray(200)];
    const out = parts.map((b) => {
      const p = d.packet(seg(C, S, seq, b));
      seq += b.length;
      return p;
    });
    expect(out.map(sipOf)).toEqual([[], [], ['REGISTER sip:rtclab.test']]);
    const l = out[2]!.layers.find((x) => x.protocol === 'SIP')!;
    expect(l.bytesFrom).toBe('reassembled');
    expect(utf8Decode(l.bytes!)).toBe(REGISTER(3, 'v=0\r\n'));
    expect(out.flatMap((p) => p.problems)).toEqual([]);
  });

  it('reads keep-alives between messages (RFC 5626 §4.4.1) and says when a message has no Content-Length', () => {
    const d = new Dissector();
    d.packet(seg(C, S, 0, new Uint8Array(0), ['SYN']));
    const ping = d.packet(seg(C, S, 1, utf8Encode(`\r\n\r\n${REGISTER(1)}`)));
    expect(ping.layers.filter((l) => l.protocol === 'SIP').map((l) => l.summary)).toEqual(['SIP keep-alive (CRLF CRLF ping, RFC 5626 §4.4.1)', 'REGISTER sip:rtclab.test']);
    const bare = REGISTER(2).replace(/l: 0\r\n/, '');
    const p = d.packet(seg(C, S, 1 + 4 + REGISTER(1).length, utf8Encode(bare)));
    expect(p.problems.map((x) => x.message)).toEqual(['no Content-Length: it is mandatory over a stream (RFC 3261 §18.3)']);
  });

  it('an OPTIONS request is SIP, not HTTP', () => {
    const d = new Dissector();
    d.packet(seg(C, S, 0, new Uint8Array(0), ['SYN']));
    const options = REGISTER(1).replace('REGISTER sip:rtclab.test', 'OPTIONS sip:rtclab.test').replace('1 REGISTER', '1 OPTIONS');
    expect(sipOf(d.packet(seg(C, S, 1, utf8Encode(options))))).toEqual(['OPTIONS sip:rtclab.test']);
  });
});

/** The hops of one link of a trace, in a pcapng of their own (tshark 4.0 would take a copy on another link for a retransmission). */
function linkFiles(name: string, trace: Trace): { link: string; file: string }[] {
  return [...new Set(trace.hops.map((h) => h.link))].map((link, i) => {
    const file = join(dir, `${name}.link${i}.pcapng`);
    writeFileSync(file, writePcapng({ ...trace, hops: trace.hops.filter((h) => h.link === link) }));
    return { link, file };
  });
}

function dissectFile(file: string): DissectedPacket[] {
  const cap = readCapture(new Uint8Array(readFileSync(file)));
  const d = new Dissector();
  return cap.packets.map((p) => d.packet(p.data, { index: p.index, linkType: p.linkType, t: p.time?.us ?? 0 }));
}

describe.skipIf(!tsharkAvailable())('agrees with tshark on SIP over TCP', () => {
  const r = runScenario(parseScenario(findPreset('sip-tcp-call')!.build()));

  it('sip-tcp-call, link by link: every SIP message (method or status, Call-ID, CSeq) as tshark reads it', () => {
    let messages = 0;
    const flow: string[] = [];
    for (const { link, file } of linkFiles('sip-tcp-call', r.trace)) {
      const ours = dissectFile(file);
      expect(ours.flatMap((p, i) => p.problems.map((x) => `${link} ${i + 1}: ${x.message}`))).toEqual([]);
      compareWithTshark(ours, tshark(file, undefined));
      const sip = ours.flatMap(sipOf);
      messages += sip.length;
      if (link.startsWith('desk')) flow.push(...sip);
    }
    // the desk phone's access link carries its registration and its call, both connections
    expect(flow).toEqual([
      'REGISTER sip:rtclab.test',
      '401 Unauthorized (REGISTER)',
      'REGISTER sip:rtclab.test',
      '200 OK (REGISTER)',
      'INVITE sip:1002@rtclab.test',
      '100 Trying (INVITE)',
      '302 Moved Temporarily (INVITE)',
      'ACK sip:1002@rtclab.test',
      'INVITE sip:1002@192.0.2.30:5060;transport=tcp',
      '100 Trying (INVITE)',
      '180 Ringing (INVITE)',
      '200 OK (INVITE)',
      'ACK sip:1002@192.0.2.30:5060;transport=tcp',
      'BYE sip:1002@192.0.2.30:5060;transport=tcp',
      '200 OK (BYE)',
    ]);
    // 19 messages, each seen on the two links it crosses
    expect(messages).toBe(38);
  });

  it('the same streams cut into other segments: 37-byte pieces one way, everything in one segment the other', () => {
    // each direction's SIP bytes on the desk–registrar connection, sent again in segments of a different size
    const first = r.trace.hops.filter((h) => h.link === r.trace.hops[0]!.link);
    const stream = new Map<string, Uint8Array[]>();
    for (const h of first) {
      const b = h.bytes;
      if (b[9] !== 6) continue;
      const ihl = (b[0]! & 0x0f) * 4;
      const sport = (b[ihl]! << 8) | b[ihl + 1]!;
      const dport = (b[ihl + 2]! << 8) | b[ihl + 3]!;
      if (sport !== 5060 && dport !== 5060) continue;
      const payload = b.subarray(ihl + (b[ihl + 12]! >> 4) * 4);
      if (!payload.length || (sport !== S.port && dport !== S.port) || (sport !== C.port && dport !== C.port)) continue;
      const k = sport === S.port ? 'down' : 'up';
      stream.set(k, [...(stream.get(k) ?? []), payload]);
    }
    const join2 = (x: Uint8Array[]): Uint8Array => utf8Encode(x.map(utf8Decode).join(''));
    const up = join2(stream.get('up') ?? []);
    const down = join2(stream.get('down') ?? []);
    expect(up.length).toBeGreaterThan(1000);
    const packets: Uint8Array[] = [seg(C, S, 0, new Uint8Array(0), ['SYN']), seg(S, C, 0, new Uint8Array(0), ['SYN', 'ACK'])];
    for (let at = 0; at < up.length; at += 37) packets.push(seg(C, S, 1 + at, up.subarray(at, at + 37)));
    packets.push(seg(S, C, 1, down));
    const file = join(dir, 'resegmented.pcap');
    // LINKTYPE_RAW (101): each record an IP datagram
    writeFileSync(file, writePcap(packets.map((data, i) => ({ seconds: i, fraction: 0, data })), { linkType: 101 }));
    const ours = dissectFile(file);
    expect(ours.flatMap((p) => p.problems.map((x) => x.message))).toEqual([]);
    expect(compareWithTshark(ours, tshark(file, undefined))).toBeGreaterThan(0);
    expect(ours.flatMap(sipOf)).toEqual(['REGISTER sip:rtclab.test', 'REGISTER sip:rtclab.test', 'INVITE sip:1002@rtclab.test', 'ACK sip:1002@rtclab.test', '401 Unauthorized (REGISTER)', '200 OK (REGISTER)', '100 Trying (INVITE)', '302 Moved Temporarily (INVITE)']);
    expect(ours.at(-1)!.layers.filter((l) => l.protocol === 'SIP')).toHaveLength(4);
  });
});
