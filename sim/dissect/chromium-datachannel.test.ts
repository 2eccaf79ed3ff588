// Chromium's data channels with our peer, as captured (captures/chromium-rtclab-datachannel, made by its
// make/make.ts): our dissector opens the DTLS application data with our key log on both of Chromium's candidate
// pairs, reads Chromium's SCTP (its INIT, COOKIE-ECHO, SACKs, retransmissions, the ABORT on close) and DCEP, and
// the messages it shows are the ones each side's API received; where tshark decrypts (one 5-tuple: it keys DTLS
// by 5-tuple) its plaintext is byte for byte ours.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toHex } from '../core/encoding.ts';
import { analyzeCapture } from '../infer/story.ts';
import { readCapture } from '../wire/pcap/index.ts';
import { Dissector } from './dissector.ts';
import type { DissectedPacket } from './types.ts';

const DIR = 'captures/chromium-rtclab-datachannel/';
const keyLog = readFileSync(`${DIR}chromium-datachannel.keylog.txt`, 'utf8');
const facts = JSON.parse(readFileSync(`${DIR}chromium-datachannel.getstats.json`, 'utf8')) as {
  pageChannels: { label: string; id: number; protocol: string; received: string[] }[];
  ourChannels: { label: string; streamId: number; received: string[] }[];
};
const truth = JSON.parse(readFileSync(`${DIR}chromium-datachannel.tshark.json`, 'utf8')) as { applicationData: { frame: number; hex: string }[] };
const capture = readCapture(new Uint8Array(readFileSync(`${DIR}chromium-datachannel.pcapng`)));

function dissect(): Map<number, DissectedPacket> {
  const d = new Dissector({ keyLog });
  return new Map(capture.packets.map((raw) => [raw.index + 1, d.packet(raw.data, { index: raw.index, linkType: raw.linkType })]));
}

describe('Chromium 156 and our peer: data channels in the capture', () => {
  const packets = dissect();
  const layers = [...packets].flatMap(([frame, p]) => p.layers.map((l) => ({ frame, l })));

  it('shows both DATA_CHANNEL_OPENs with their labels, protocols and stream parities, and both ACKs', () => {
    const dcep = layers.filter((x) => x.l.protocol === 'DCEP').map((x) => x.l.summary);
    const chromium = facts.pageChannels.find((c) => c.label === 'from-chromium')!;
    const ours = facts.pageChannels.find((c) => c.label === 'from-rtclab')!;
    expect(dcep).toEqual(expect.arrayContaining([
      `DCEP DATA_CHANNEL_OPEN "from-chromium" (reliable, ordered, protocol "${chromium.protocol}") on stream ${chromium.id}`,
      `DCEP DATA_CHANNEL_OPEN "from-rtclab" (reliable, ordered, protocol "${ours.protocol}") on stream ${ours.id}`,
      `DCEP DATA_CHANNEL_ACK for data channel "from-chromium" (stream ${chromium.id})`,
      `DCEP DATA_CHANNEL_ACK for data channel "from-rtclab" (stream ${ours.id})`,
    ]));
    expect(chromium.id % 2).toBe(1); // Chromium is the DTLS server (RFC 8832 §6)
  });

  it('shows exactly the messages each side received, in order per channel and direction', () => {
    const msgs = layers.flatMap((x) => (x.l.protocol === 'DATACHANNEL' && x.l.value ? [{ label: x.l.value.label, text: x.l.value.text, sender: x.l.value.sender }] : []));
    for (const c of facts.ourChannels) expect(msgs.filter((m) => m.label === c.label && m.sender === 'server').map((m) => m.text), `to us on ${c.label}`).toEqual(c.received);
    for (const c of facts.pageChannels) expect(msgs.filter((m) => m.label === c.label && m.sender === 'client').map((m) => m.text), `to Chromium on ${c.label}`).toEqual(c.received);
  });

  it('reads every SCTP packet of both sides with a good CRC32c and no problem, Chromium\'s ABORT on close included', () => {
    const sctp = layers.filter((x) => x.l.protocol === 'SCTP');
    expect(sctp.length).toBeGreaterThan(20);
    for (const { l } of sctp) if (l.protocol === 'SCTP') expect(l.value!.packet.checksumStatus).toBe('ok');
    expect(sctp.flatMap((x) => x.l.problems)).toEqual([]);
    const kinds = new Set(sctp.flatMap((x) => (x.l.protocol === 'SCTP' ? x.l.value!.packet.chunks.map((c) => c.kind) : [])));
    for (const k of ['INIT', 'INIT-ACK', 'COOKIE-ECHO', 'COOKIE-ACK', 'DATA', 'SACK', 'ABORT']) expect(kinds).toContain(k);
  });

  it('decrypts what tshark decrypts to the same bytes', () => {
    expect(truth.applicationData.length).toBeGreaterThan(5);
    for (const { frame, hex } of truth.applicationData) {
      const mine = packets.get(frame)!.layers.filter((l) => l.plaintext && (l.protocol === 'SCTP' || l.protocol === 'DATA'));
      expect(toHex(mine[0]!.plaintext!), `frame ${frame}`).toBe(hex);
    }
  });

  it('infers the two channels and the messages per direction as both APIs counted them', () => {
    const story = analyzeCapture(capture, { keyLog });
    expect(story.notes.filter((n) => n.kind === 'datachannel.open').map((n) => (n.data as { label: string }).label).sort()).toEqual(['from-chromium', 'from-rtclab']);
    const counted = story.notes.filter((n) => n.kind === 'datachannel.messages').map((n) => n.data as { label: string; messages: number; from: string });
    const total = (label: string): number => counted.filter((c) => c.label === label).reduce((a, c) => a + c.messages, 0);
    for (const label of ['from-chromium', 'from-rtclab']) {
      const received = facts.pageChannels.find((c) => c.label === label)!.received.length + facts.ourChannels.find((c) => c.label === label)!.received.length;
      expect(total(label), label).toBe(received);
    }
  });
});
