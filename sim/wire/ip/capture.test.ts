// Real packets judged twice: tshark's verdicts (in testdata/*.truth.json) and ours must agree field by field.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { decodeIpDatagram, decodeUdpDatagram } from './datagram.ts';
import { decodeTcpDatagram } from '../tcp/tcp-datagram.ts';
import { IpReassembler } from './reassembly.ts';
import { ipDatagramsOf, truthOf } from '../../../test/support/read-pcapng.ts';
import { findField } from '../field.ts';

const here = (f: string): string => fileURLToPath(new URL(`./testdata/${f}`, import.meta.url));
const captures = ['kernel-ip-tcp-udp', 'loopback-dtls12-srtp', 'loopback-stun-binding'];
const hex4 = (v: number | undefined): string | undefined => (v === undefined ? undefined : `0x${v.toString(16).padStart(4, '0')}`);
const num = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));

for (const name of captures) {
  describe(`${name}: our decoders agree with tshark`, () => {
    const datagrams = ipDatagramsOf(here(`${name}.pcapng`));
    const truth = truthOf(here(`${name}.truth.json`)).frames;

    it('has one truth record per frame', () => {
      expect(truth.length).toBe(datagrams.length);
    });

    truth.forEach((t, i) => {
      const d = datagrams[i]!;
      it(`frame ${t['frame.number']}: IP header fields and checksum verdict`, () => {
        const ip = decodeIpDatagram(d);
        const v = ip.value!;
        expect(v).toBeDefined();
        if (t['ip.version'] === '4') {
          const h = v.ipv4!;
          expect(h.headerLength).toBe(num(t['ip.hdr_len']));
          expect(h.totalLength).toBe(num(t['ip.len']));
          expect(hex4(h.identification)).toBe(t['ip.id']);
          expect(h.dontFragment).toBe(t['ip.flags.df'] === '1');
          expect(h.moreFragments).toBe(t['ip.flags.mf'] === '1');
          expect(h.fragmentOffset).toBe(num(t['ip.frag_offset']));
          expect(h.ttl).toBe(num(t['ip.ttl']));
          expect(h.protocol).toBe(num(t['ip.proto']));
          expect(h.dscp).toBe(num(t['ip.dsfield.dscp']));
          expect(h.ecn).toBe(num(t['ip.dsfield.ecn']));
          expect(hex4(h.headerChecksum)).toBe(t['ip.checksum']);
          expect(h.headerChecksumOk).toBe(t['ip.checksum.status'] === '1');
          expect(findField(ip.fields, 'headerChecksum')?.display).toBe(`${t['ip.checksum']} (correct)`);
          expect([h.src, h.dst]).toEqual([t['ip.src'], t['ip.dst']]);
        } else {
          const h = v.ipv6!;
          expect(h.trafficClass).toBe(num(t['ipv6.tclass']));
          expect(h.flowLabel).toBe(num(t['ipv6.flow']));
          expect(h.payloadLength).toBe(num(t['ipv6.plen']));
          expect(h.nextHeader).toBe(num(t['ipv6.nxt']));
          expect(h.hopLimit).toBe(num(t['ipv6.hlim']));
          expect([h.src, h.dst]).toEqual([t['ipv6.src'], t['ipv6.dst']]);
          if (t['ipv6.hopopts.nxt']) expect(h.extensionHeaders[0]).toMatchObject({ type: 0, nextHeader: num(t['ipv6.hopopts.nxt']) });
          if (t['ipv6.dstopts.nxt']) expect(h.extensionHeaders.find((e) => e.type === 60)?.nextHeader).toBe(num(t['ipv6.dstopts.nxt']));
          if (t['ipv6.fraghdr.offset']) {
            expect(h.fragment?.fragmentOffset).toBe(num(t['ipv6.fraghdr.offset']));
            expect(h.fragment?.moreFragments).toBe(t['ipv6.fraghdr.more'] === '1');
            expect(`0x${h.fragment!.identification.toString(16).padStart(8, '0')}`).toBe(t['ipv6.fraghdr.ident']);
          }
        }
        expect(ip.problems).toEqual([]);
      });

      if (t['udp.srcport']) {
        it(`frame ${t['frame.number']}: UDP header and checksum verdict`, () => {
          const l = decodeUdpDatagram(d);
          const u = l.udp!.value!;
          expect([u.srcPort, u.dstPort, u.length]).toEqual([num(t['udp.srcport']), num(t['udp.dstport']), num(t['udp.length'])]);
          expect(hex4(u.checksum)).toBe(t['udp.checksum']);
          const status = { '0': 'incorrect', '1': 'correct', '2': 'unverified' }[t['udp.checksum.status']!];
          expect(u.checksumStatus).toBe(status);
          expect(hex4(u.expectedChecksum)).toBe(t['udp.checksum_calculated']);
          const display = findField(l.fields, 'checksum')?.display;
          if (status === 'unverified') {
            // a first fragment: the header is there, the bytes its checksum covers are not
            expect(l.ip.value!.fragment).toMatchObject({ offset: 0, moreFragments: true });
            expect(display).toBe(`${t['udp.checksum']} (unverified: fragment)`);
            expect(l.payload).toBeUndefined();
            return;
          }
          expect(display).toBe(status === 'correct' ? `${t['udp.checksum']} (correct)` : `${t['udp.checksum']} (incorrect, should be ${t['udp.checksum_calculated']})`);
          expect(l.problems.map((p) => p.message)).toEqual(status === 'correct' ? [] : [`bad UDP checksum ${display}`]);
          expect(l.payload!.length).toBe(u.length - 8);
          expect(l.payloadOffset! + l.payload!.length).toBe(l.ip.value!.payloadOffset + u.length);
        });
      }

      if (t['tcp.srcport']) {
        it(`frame ${t['frame.number']}: TCP header, options and checksum verdict`, () => {
          const l = decodeTcpDatagram(d);
          const h = l.tcp!.value!;
          expect(l.problems).toEqual([]);
          expect([h.srcPort, h.dstPort]).toEqual([num(t['tcp.srcport']), num(t['tcp.dstport'])]);
          expect([h.sequenceNumber, h.acknowledgmentNumber]).toEqual([num(t['tcp.seq_raw']), num(t['tcp.ack_raw'])]);
          expect(h.headerLength).toBe(num(t['tcp.hdr_len']));
          const bits = ['CWR', 'ECE', 'URG', 'ACK', 'PSH', 'RST', 'SYN', 'FIN'].reduce((a, n) => a * 2 + (h.flags[n as 'SYN'] ? 1 : 0), h.reserved);
          expect(`0x${bits.toString(16).padStart(4, '0')}`).toBe(t['tcp.flags']);
          expect(h.window).toBe(num(t['tcp.window_size_value']));
          expect(hex4(h.checksum)).toBe(t['tcp.checksum']);
          expect(h.checksumStatus).toBe(t['tcp.checksum.status'] === '1' ? 'correct' : 'incorrect');
          expect(h.urgentPointer).toBe(num(t['tcp.urgent_pointer']));
          expect(h.payloadLength).toBe(num(t['tcp.len']));
          const opt = <K extends string>(kind: K) => h.options.find((o) => o.kind === kind) as Record<string, number> | undefined;
          expect(opt('mss')?.['mss']).toBe(num(t['tcp.options.mss_val']));
          expect(opt('window-scale')?.['shift']).toBe(num(t['tcp.options.wscale.shift']));
          expect(opt('timestamps')?.['tsval']).toBe(num(t['tcp.options.timestamp.tsval']));
          expect(opt('timestamps')?.['tsecr']).toBe(num(t['tcp.options.timestamp.tsecr']));
          expect(opt('sack-permitted') !== undefined).toBe(t['tcp.options.sack_perm'] !== undefined);
        });
      }
    });

    it('reassembles every fragmented datagram (IPv4 and IPv6) into one whose UDP checksum tshark also calls correct', () => {
      const r = new IpReassembler();
      let whole = 0;
      truth.forEach((t, i) => {
        const out = r.push(i * 1000, datagrams[i]!);
        if (t['reassembled.udp.checksum.status']) {
          expect(out.kind).toBe('complete');
          if (out.kind !== 'complete') return;
          const l = decodeUdpDatagram(out.datagram);
          expect(l.problems).toEqual([]);
          expect(l.udp!.value!.length).toBe(num(t['reassembled.udp.length']));
          expect(l.udp!.value!.checksumStatus).toBe(t['reassembled.udp.checksum.status'] === '1' ? 'correct' : 'incorrect');
          whole++;
        }
      });
      expect(whole).toBe(truth.filter((t) => t['reassembled.udp.checksum.status']).length);
    });
  });
}
