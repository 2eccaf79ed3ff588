// The mDNS wire codec (RFC 1035 §4.1, RFC 6762): what Chromium's mDNS responder and resolver put on 224.0.0.251:5353
// for a `<uuid>.local` host candidate (draft-ietf-mmusic-mdns-ice-candidates §3.1.1: one A or AAAA record, answered
// by multicast), checked by a round trip, against hostile bytes, and by tshark reading it as mDNS.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsharkAvailable, tsharkFields } from '../../../test/support/tshark.ts';
import { encodeUdpDatagram } from '../ip/udp-datagram.ts';
import { writePcap } from '../pcap/pcap-writer.ts';
import { decodeDnsMessage, DnsType, encodeDnsMessage, MDNS_IPV4, MDNS_IPV6, MDNS_PORT, type DnsMessage } from './message.ts';

const NAME = '1f4712db-ea17-4bcf-a596-105139dfd8bf.local';
const query: DnsMessage = { id: 0, response: false, questions: [{ name: NAME, type: DnsType.A }], answers: [] };
const answer: DnsMessage = { id: 0, response: true, authoritative: true, questions: [], answers: [{ name: NAME, type: DnsType.A, cacheFlush: true, ttl: 120, address: '192.0.2.1' }] };
const answer6: DnsMessage = { id: 0, response: true, authoritative: true, questions: [], answers: [{ name: NAME, type: DnsType.AAAA, cacheFlush: true, ttl: 120, address: '2001:db8::1' }] };

describe('DNS messages as mDNS sends them', () => {
  it('round-trips a query and its A and AAAA answers, bit for bit', () => {
    for (const m of [query, answer, answer6]) {
      const bytes = encodeDnsMessage(m);
      expect(decodeDnsMessage(bytes)).toEqual(m);
      expect(encodeDnsMessage(decodeDnsMessage(bytes) as DnsMessage)).toEqual(bytes);
    }
    // 12-byte header, the name (a 36-byte label, then "local"), type and class
    expect(encodeDnsMessage(query).length).toBe(12 + 1 + 36 + 1 + 5 + 1 + 4);
  });

  it('follows a compression pointer back to an earlier name (RFC 1035 §4.1.4)', () => {
    const q = encodeDnsMessage(query);
    // the answer's name is a pointer to the question's (offset 12)
    const rr = [0xc0, 12, 0, 1, 0x80, 1, 0, 0, 0, 120, 0, 4, 192, 0, 2, 7];
    const b = new Uint8Array([...q, ...rr]);
    b[0x07] = 1; // ANCOUNT 1
    const m = decodeDnsMessage(b) as DnsMessage;
    expect(m.answers).toEqual([{ name: NAME, type: DnsType.A, cacheFlush: true, ttl: 120, address: '192.0.2.7' }]);
  });

  it('names what is wrong in hostile bytes instead of throwing or looping', () => {
    expect(decodeDnsMessage(new Uint8Array(5))).toEqual({ error: 'DNS header needs 12 bytes, got 5' });
    const loop = new Uint8Array([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
    expect(decodeDnsMessage(loop)).toEqual({ error: 'question 1: compression pointer at byte 12 points forward (to 12)' });
    const cut = encodeDnsMessage(answer).subarray(0, 60);
    expect('error' in decodeDnsMessage(cut)).toBe(true);
    const many = new Uint8Array(12);
    many[5] = 0xff; // 255 questions, none there
    expect(decodeDnsMessage(many)).toEqual({ error: 'question 1: name at byte 12 runs past the message' });
    expect(() => encodeDnsMessage({ ...query, questions: [{ name: `${'a'.repeat(64)}.local`, type: 1 }] })).toThrow(/1 to 63 bytes/);
    // a chain of 200 pointers, each to the one before, in a TXT record's RDATA; the next record's name points at its
    // end: cut at 127 pointers (a 255-byte name has at most 127 labels), not walked
    const rdata: number[] = [0]; // the root name, at 25
    for (let i = 0; i < 200; i++) {
      const target = i === 0 ? 25 : 26 + 2 * (i - 1);
      rdata.push(0xc0 | (target >> 8), target & 0xff);
    }
    const last = 26 + 2 * 199;
    const hostile = new Uint8Array([0, 0, 0x84, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0x61, 0, 0, 16, 0, 1, 0, 0, 0, 120, rdata.length >> 8, rdata.length & 0xff, ...rdata, 0xc0 | (last >> 8), last & 0xff, 0, 1, 0, 1, 0, 0, 0, 120, 0, 4, 192, 0, 2, 1]);
    expect(decodeDnsMessage(hostile)).toEqual({ error: 'answer 2: name at byte 426 follows more than 127 compression pointers' });
  });

  it.runIf(tsharkAvailable())('tshark reads them as mDNS on 224.0.0.251 and ff02::fb, port 5353, nothing malformed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mdns-codec-'));
    const file = join(dir, 'mdns.pcap');
    const dgrams = [
      encodeUdpDatagram({ src: '192.0.2.2', dst: MDNS_IPV4, srcPort: MDNS_PORT, dstPort: MDNS_PORT, ttl: 255, payload: encodeDnsMessage(query) }),
      encodeUdpDatagram({ src: '192.0.2.1', dst: MDNS_IPV4, srcPort: MDNS_PORT, dstPort: MDNS_PORT, ttl: 255, payload: encodeDnsMessage(answer) }),
      encodeUdpDatagram({ src: 'fe80::1', dst: MDNS_IPV6, srcPort: MDNS_PORT, dstPort: MDNS_PORT, ttl: 255, payload: encodeDnsMessage(answer6) }),
    ];
    writeFileSync(file, writePcap(dgrams.map((data, i) => ({ seconds: i, fraction: 0, data })), { linkType: 101 }));
    const rows = tsharkFields(file, ['frame.protocols', 'dns.qry.name', 'dns.flags.response', 'dns.resp.cache_flush', 'dns.a', 'dns.aaaa', 'dns.resp.ttl', '_ws.malformed', '_ws.expert.message']);
    expect(rows.map((r) => r[0]!.endsWith(':udp:mdns'))).toEqual([true, true, true]);
    expect(rows[0]!.slice(1, 3)).toEqual([NAME, '0']);
    expect(rows[1]!.slice(2, 5)).toEqual(['1', '1', '192.0.2.1']);
    expect(rows[2]![5]).toBe('2001:db8::1');
    expect(rows[1]![6]).toBe('120');
    for (const r of rows) expect(r.slice(7).join('')).toBe('');
  });
});
