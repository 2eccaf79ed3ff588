// Real SRTP/SRTCP from a Chromium ↔ Chromium call (../shared/captures/chromium-loopback-call): headers are in
// clear, so every RTP header, every header extension and the clear part of every SRTCP packet must decode
// without a problem and agree with the capture's truth file (built independently with tshark).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesEqual } from '../../core/encoding.ts';
import { decodeSrtcp, decodeSrtp } from '../srtp/protected.ts';
import { SRTP_PROFILES } from '../srtp/profiles.ts';
import { demux } from '../demux.ts';
import { rtcpTypeName } from '../rtcp/header.ts';
import { EXT_URI } from './extensions.ts';
import { decodeRtp, encodeRtp, rtpPacketToSpec } from './rtp.ts';
import { capturedUdp } from './testing/capture-udp.ts';
import { capturePath } from '../../../test/captures.ts';

const DIR = `${capturePath('chromium-loopback-call')}/`;
const profile = SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80; // getStats srtpCipher: SRTP_AES128_CM_HMAC_SHA1_80

// From the offer/answer SDP in chromium-host.result.json (a=extmap, same ids for audio and video).
const EXTMAP = new Map<number, string>([
  [1, EXT_URI.audioLevel],
  [2, EXT_URI.absSendTime],
  [3, EXT_URI.transportWideCc],
  [4, EXT_URI.mid],
  [10, EXT_URI.rid],
  [11, EXT_URI.repairedRid],
  [14, EXT_URI.toffset],
]);

interface TruthStream {
  ssrc: string;
  src: string;
  dst: string;
  packets: number;
  payload_types: Record<string, number>;
  first_seq: number;
  last_seq: number;
  markers: number;
  header_extension_profiles: Record<string, number>;
}

const present = existsSync(DIR + 'chromium-host.pcapng');

describe.skipIf(!present)('Chromium loopback call: RTP and RTCP headers against the truth file', () => {
  const truth = JSON.parse(readFileSync(DIR + 'chromium-host.truth.json', 'utf8')) as {
    rtp: { streams: TruthStream[] };
    rfc7983_demux: { rtcp_first_packet_types: Record<string, number>; rtcp_sender_ssrcs: Record<string, number> };
  };
  const udp = capturedUdp(new Uint8Array(readFileSync(DIR + 'chromium-host.pcapng')));
  const rtp = udp.filter((u) => demux(u.payload).class === 'rtp');
  const rtcp = udp.filter((u) => demux(u.payload).class === 'rtcp');
  const hex8 = (v: number): string => `0x${v.toString(16).padStart(8, '0')}`;

  it('decodes every SRTP header without a problem and finds each stream of the truth file', () => {
    const streams = new Map<string, TruthStream>();
    for (const u of rtp) {
      const { value, problems } = decodeSrtp(u.payload, profile, EXTMAP);
      expect(problems, `frame ${u.frame}`).toEqual([]);
      const h = value.header;
      const key = `${hex8(h.ssrc)} ${u.src} ${u.dst}`;
      const s = streams.get(key) ?? { ssrc: hex8(h.ssrc), src: u.src, dst: u.dst, packets: 0, payload_types: {}, first_seq: h.sequenceNumber, last_seq: 0, markers: 0, header_extension_profiles: {} };
      s.packets++;
      s.payload_types[h.payloadType] = (s.payload_types[h.payloadType] ?? 0) + 1;
      s.last_seq = h.sequenceNumber;
      if (h.marker) s.markers++;
      if (h.extension) {
        const p = `0x${h.extension.profile.toString(16)}`;
        s.header_extension_profiles[p] = (s.header_extension_profiles[p] ?? 0) + 1;
      }
      streams.set(key, s);
    }
    const expected = truth.rtp.streams.map(({ ssrc, src, dst, packets, payload_types, first_seq, last_seq, markers, header_extension_profiles }) => ({
      ssrc, src, dst, packets, payload_types, first_seq, last_seq, markers, header_extension_profiles,
    }));
    expect([...streams.values()]).toEqual(expected);
  });

  it('names the header extensions: every packet has a transport-wide seq, counting up by one per sender', () => {
    const lastBySender = new Map<string, number>();
    let audioLevels = 0;
    let mids = 0;
    for (const u of rtp) {
      const ext = decodeRtp(u.payload, { extensions: EXTMAP, srtpTagLength: profile.srtpTagLength }).value.header.extension!;
      const named = ext.elements.flatMap((e) => (e.named ? [e.named] : []));
      const twcc = named.find((n) => n.kind === 'transport-wide-cc');
      expect(twcc, `frame ${u.frame}`).toBeDefined();
      if (twcc?.kind !== 'transport-wide-cc') continue;
      const last = lastBySender.get(u.src);
      if (last !== undefined) expect(twcc.sequenceNumber, `frame ${u.frame}`).toBe((last + 1) & 0xffff);
      lastBySender.set(u.src, twcc.sequenceNumber);
      audioLevels += named.filter((n) => n.kind === 'audio-level').length;
      mids += named.filter((n) => n.kind === 'mid' && (n.value === '0' || n.value === '1')).length;
    }
    expect(audioLevels).toBe(520); // both Opus streams, every packet
    expect(mids).toBeGreaterThan(0);
  });

  it('re-encodes every RTP header byte for byte from its decoded value', () => {
    let checked = 0;
    const differ: number[] = [];
    for (const u of rtp) {
      if (u.payload[0]! & 0x20) continue; // P set: the padding count is encrypted, so the split is unknown
      const { value } = decodeRtp(u.payload);
      if (!bytesEqual(encodeRtp(rtpPacketToSpec(value)), u.payload)) differ.push(u.frame);
      checked++;
    }
    expect(differ).toEqual([]);
    expect(checked).toBeGreaterThan(700);
  });

  it('reads the clear SRTCP header, E flag and index of every RTCP packet, as the truth file counts them', () => {
    const firstTypes: Record<string, number> = {};
    const senders: Record<string, number> = {};
    const lastIndex = new Map<number, number>();
    for (const u of rtcp) {
      const { value, problems } = decodeSrtcp(u.payload, profile);
      expect(problems, `frame ${u.frame}`).toEqual([]);
      const v = value!;
      const name = `${v.packetType}(${rtcpTypeName(v.packetType)})/fmt${v.count}`;
      firstTypes[name] = (firstTypes[name] ?? 0) + 1;
      const who = `${hex8(v.ssrc)} ${u.src}->${u.dst}`;
      senders[who] = (senders[who] ?? 0) + 1;
      expect(v.encrypted).toBe(true);
      const last = lastIndex.get(v.ssrc);
      if (last !== undefined) expect(v.index, `frame ${u.frame}`).toBe(last + 1);
      lastIndex.set(v.ssrc, v.index);
    }
    expect(firstTypes).toEqual(truth.rfc7983_demux.rtcp_first_packet_types);
    expect(senders).toEqual(truth.rfc7983_demux.rtcp_sender_ssrcs);
  });

  it('never throws on any truncation of the first packets of each kind', () => {
    for (const u of [...rtp.slice(0, 6), ...rtcp.slice(0, 6)]) {
      for (let n = 0; n <= u.payload.length; n++) {
        const cut = u.payload.subarray(0, n);
        decodeSrtp(cut, profile, EXTMAP); // a throw fails the test
        decodeSrtcp(cut, profile);
      }
    }
  });
});
