import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../core/encoding.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { encodeUdpDatagram, peekUdpDatagram, udpPayload } from '../wire/ip/udp-datagram.ts';
import { writePcap } from '../wire/pcap/pcap-writer.ts';
import { LINKTYPE_RAW } from '../wire/pcap/linktype.ts';
import { Data, encodeStun, Method, XorPeerAddress, type StunMessage } from '../wire/stun/index.ts';
import { dissectFile } from '../../test/support/dissect-captures.ts';
import { tsharkAvailable, tsharkFields } from '../../test/support/tshark.ts';
import { Dissector } from './dissector.ts';
import type { DissectedRecord } from '../wire/dtls/datagram.ts';
import type { DissectedPacket, Layer } from './types.ts';

// What a TURN Send or Data indication carries in its DATA attribute (RFC 8656 §11.4, §11.6) is dissected as the
// datagram it is: an ICE check, DTLS, RTP, RTCP, or data. tshark does the same with the "stun" heuristic list's
// dissectors on (STUN, RTP and DTLS inside TURN are off by default; RTCP is on), and we must agree frame by frame:
// the protocols inside, the inner STUN transaction ids and types, RTP SSRC and sequence number, RTCP packet types,
// DTLS content and handshake types.

const HEURISTICS = ['stun_turn', 'rtp_stun', 'dtls_stun', 'rtp_udp'];
const FIELDS = ['frame.number', 'frame.protocols', 'stun.id', 'stun.type', 'rtp.ssrc', 'rtp.seq', 'rtcp.pt', 'dtls.record.content_type', 'dtls.handshake.type'];

const tsharkRows = (file: string): string[][] => tsharkFields(file, FIELDS, { heuristics: HEURISTICS });

const list = (s: string | undefined): string[] => (s ? s.split(',').filter((x) => x !== '') : []);

/** Our name for a layer as tshark's frame.protocols spells it (SRTP is RTP to tshark, a DATA layer is "data"). */
const TSHARK_NAME: Readonly<Record<string, string>> = { STUN: 'stun', DTLS: 'dtls', RTP: 'rtp', SRTP: 'rtp', RTCP: 'rtcp', SRTCP: 'rtcp', DATA: 'data' };

const isIndication = (l: Layer): boolean => l.protocol === 'STUN' && l.value?.class === 'indication' && (l.value.method === Method.Send || l.value.method === Method.Data);

const stunType = (s: StunMessage): number => {
  const cls = { request: 0, indication: 1, success: 2, error: 3 }[s.class];
  return ((s.method & 0xf80) << 2) | ((cls & 2) << 7) | ((s.method & 0x70) << 1) | ((cls & 1) << 4) | (s.method & 0xf);
};

/**
 * Checks every frame tshark dissects as a Send or Data indication against ours; returns the inner protocols seen.
 * tshark's fields come outer first, then inner (its tree order), as our layers do.
 */
function compareIndications(ours: readonly { raw: { data: Uint8Array }; d: DissectedPacket }[], rows: readonly string[][]): Map<string, number> {
  const seen = new Map<string, number>();
  expect(rows.length).toBe(ours.length);
  for (const [no, protocols, ids, types, ssrcs, seqs, rtcpPts, contentTypes, hsTypes] of rows) {
    const { d: p, raw } = ours[Number(no) - 1]!;
    const bytes = raw.data;
    const stack = protocols!.split(':');
    const at = stack.indexOf('stun');
    const outer = p.layers.findIndex(isIndication);
    const tsharkSays = at >= 0 && ['0x0016', '0x0017'].includes(list(types)[0] ?? '');
    expect(outer >= 0, `frame ${no}: a Send/Data indication to tshark (${protocols}) and to us`).toBe(tsharkSays);
    if (!tsharkSays) continue;
    // what tshark found inside the DATA attribute: the protocol after the outer STUN (and after "data"'s value)
    const insideT = stack.slice(at + 1).filter((x) => x !== 'srtp' && x !== 'ssl');
    const inner = p.layers.slice(outer + 1);
    const first = inner[0];
    // tshark's RTCP heuristic wants the compound's length fields to fill the payload, which SRTCP's trailer (E flag
    // and index, authentication tag, RFC 3711 §3.4) never lets them do: it shows SRTCP as data, here as over UDP
    if (first?.protocol === 'SRTCP' && insideT[0] === 'data') {
      seen.set('srtcp as data', (seen.get('srtcp as data') ?? 0) + 1);
      continue;
    }
    const insideUs = first ? (TSHARK_NAME[first.protocol] ?? first.protocol) : undefined;
    expect(insideUs, `frame ${no}: inside the DATA attribute (tshark: ${protocols})`).toBe(insideT[0]);
    seen.set(insideUs!, (seen.get(insideUs!) ?? 0) + 1);
    // every STUN message, outer then inner, with its type
    const stun = p.layers.filter((l) => l.protocol === 'STUN').map((l) => l.value!);
    expect(stun.map((s) => toHex(s.transactionId)), `frame ${no} STUN ids`).toEqual(list(ids));
    expect(stun.map((s) => `0x${stunType(s).toString(16).padStart(4, '0')}`), `frame ${no} STUN types`).toEqual(list(types));
    const rtp = inner.flatMap((l) => ((l.protocol === 'RTP' || l.protocol === 'SRTP') && !l.plaintext && l.value ? [l.value.header] : []));
    expect(rtp.map((h) => String(h.ssrc)), `frame ${no} RTP SSRC`).toEqual(list(ssrcs).map((s) => String(Number(s))));
    expect(rtp.map((h) => String(h.sequenceNumber)), `frame ${no} RTP seq`).toEqual(list(seqs));
    // the first RTCP packet's type (RFC 3550 §6.4.1: its second byte), in the clear even in SRTCP
    const rtcp = inner.find((l) => l.protocol === 'RTCP' || l.protocol === 'SRTCP');
    if (rtcp) expect(String(bytes[rtcp.offset + 1]), `frame ${no} RTCP packet type`).toBe(list(rtcpPts)[0]);
    const dtls = inner.flatMap((l) => (l.protocol === 'DTLS' && l.value && Array.isArray(l.value) ? (l.value as readonly DissectedRecord[]) : []));
    if (dtls.length) {
      expect(
        dtls.map((r) => String(r.record.kind === 'dtls12' ? r.record.contentType : 23)),
        `frame ${no} DTLS content types`,
      ).toEqual(list(contentTypes));
      const hs = dtls.flatMap((r) => (r.content.kind === 'handshake' ? r.content.messages.map((m) => String(m.fragment.msgType)) : []));
      expect(hs, `frame ${no} DTLS handshake types`).toEqual(list(hsTypes));
    }
  }
  return seen;
}

const dissectAll = (file: string) => dissectFile(file).packets;

const dir = mkdtempSync(join(tmpdir(), 'rtclab-turn-ind-'));
afterAll(() => (process.env.KEEP_TMP ? undefined : rmSync(dir, { recursive: true, force: true })));

describe('the DATA of a Send or Data indication is dissected as what it carries', () => {
  it('ICE checks relayed in Send and Data indications read as STUN inside STUN, tied to no false transaction', () => {
    const trace = runScenario(parseScenario(findPreset('ice-symmetric-turn')!.build())).trace;
    const d = new Dissector();
    const indications = trace.hops.map((h) => d.packet(h.bytes)).filter((p) => p.layers.some(isIndication));
    expect(indications.length).toBeGreaterThan(10);
    for (const p of indications) {
      const outer = p.layers.findIndex(isIndication);
      const inner = p.layers[outer + 1];
      expect(inner?.protocol).toBe('STUN');
      // the inner message sits exactly where the DATA attribute's value does, and names the packet
      const m = p.layers[outer]!.value as StunMessage;
      const data = m.attributes.find((a) => a.type === Data.type)!.value as Uint8Array;
      expect(inner!.length).toBe(data.length);
      expect(p.layers[outer]!.summary).toMatch(/^(Send|Data) Indication \(.*\): Binding /);
      expect(p.summary).toBe(inner!.summary);
    }
  });
});

/**
 * A capture of indications carrying every kind of datagram a call relays: the ChannelData of a relayed call
 * (call-p2p-turn) wrapped again as the Send indication (client to server) or Data indication (server to client)
 * a client that binds no channel would have sent, same addresses and ports, the peer from the ChannelBind.
 */
function indicationsOfACall(): string {
  const trace = runScenario(parseScenario(findPreset('call-p2p-turn')!.build()), { until: 4_000_000 }).trace;
  const d = new Dissector();
  const records: { seconds: number; fraction: number; data: Uint8Array }[] = [];
  const kinds = new Map<string, number>();
  let tid = 0;
  for (const h of trace.hops) {
    const p = d.packet(h.bytes);
    const cd = p.layers.findIndex((l) => l.protocol === 'TURN-CHANNELDATA');
    if (cd < 0 || !p.flow) continue;
    const inner = p.layers[cd + 1];
    if (!inner) continue;
    // a few of each kind is enough: every one of them is judged by tshark
    const n = kinds.get(inner.protocol) ?? 0;
    if (n >= 12) continue;
    kinds.set(inner.protocol, n + 1);
    const v = peekUdpDatagram(h.bytes);
    if ('error' in v) continue;
    const data = udpPayload(h.bytes, v);
    const toServer = v.dstPort === 3478;
    const transactionId = new Uint8Array(12);
    transactionId[11] = ++tid;
    const length = (data[0]! << 8) | data[1]!;
    const ind = encodeStun(
      {
        method: toServer ? Method.Send : Method.Data,
        class: 'indication',
        transactionId,
        attributes: [XorPeerAddress.of({ ip: '203.0.113.77', port: 40000 + n }), Data.of(data.slice(4, 4 + length))],
      },
      { fingerprint: true },
    );
    const bytes = encodeUdpDatagram({ src: v.src, dst: v.dst, srcPort: v.srcPort, dstPort: v.dstPort, payload: ind });
    records.push({ seconds: Math.floor(h.t / 1e6), fraction: h.t % 1e6, data: bytes });
  }
  const file = join(dir, 'indications.pcap');
  writeFileSync(file, writePcap(records, { linkType: LINKTYPE_RAW }));
  return file;
}

describe.skipIf(!tsharkAvailable())('agrees with tshark on what TURN indications carry', () => {
  it('ICE checks inside the Send and Data indications of ice-symmetric-turn', () => {
    const trace = runScenario(parseScenario(findPreset('ice-symmetric-turn')!.build())).trace;
    const file = join(dir, 'ice-symmetric-turn.pcap');
    writeFileSync(file, writePcap(trace.hops.map((h) => ({ seconds: Math.floor(h.t / 1e6), fraction: h.t % 1e6, data: h.bytes })), { linkType: LINKTYPE_RAW }));
    const seen = compareIndications(dissectAll(file), tsharkRows(file));
    expect(seen.get('stun')).toBeGreaterThan(10);
  });

  it('DTLS, SRTP and STUN of a relayed call (and SRTCP, which tshark shows as data), each wrapped in a Send or Data indication', () => {
    const file = indicationsOfACall();
    const seen = compareIndications(dissectAll(file), tsharkRows(file));
    for (const k of ['stun', 'dtls', 'rtp', 'srtcp as data']) expect(seen.get(k), k).toBeGreaterThan(3);
  });

  it('the real captures: coturn over UDP and TCP relaying test data, which both read as data', () => {
    for (const f of ['captures/stun-turn-coturn/stun-turn-coturn.pcapng', 'captures/stun-turn-tcp/stun-turn-tcp.pcapng']) {
      const seen = compareIndications(dissectAll(f), tsharkRows(f));
      expect(seen.get('data'), f).toBeGreaterThan(4);
    }
  });
});
