// Data channels as the dissector reads them from a simulated run's export: SCTP chunks, DCEP and user messages inside
// DTLS application data opened with our key log, checked against what the run did; and tshark as the judge: with
// the key log it decrypts the same application data byte for byte, and it reads each SCTP packet we decrypted
// (wrapped as IPv4 protocol 132) with a correct CRC32c, the same chunk types, its own DCEP dissector (rtcdc)
// agreeing on the message types and labels, and no malformed packet.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHex } from '../core/encoding.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { readCapture } from '../wire/pcap/index.ts';
import { traceKeyLog, writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { encodeIPv4 } from '../wire/ip/ipv4.ts';
import { writePcap } from '../wire/pcap/pcap-writer.ts';
import { tsharkAvailable } from '../../test/support/tshark.ts';
import { Dissector } from './dissector.ts';
import { analyzeCapture } from '../infer/story.ts';
import type { DissectedPacket, Layer, LayerOf } from './types.ts';

interface Run {
  readonly pcap: Uint8Array;
  readonly keyLog: string;
  /** Our dissection of the first interface's packets (alice's access link), by frame number (1-based). */
  readonly packets: Map<number, DissectedPacket>;
}

const runs = new Map<string, Run>();
function exported(preset: string): Run {
  let r = runs.get(preset);
  if (r) return r;
  const res = runScenario(parseScenario(findPreset(preset)!.build()));
  const pcap = writePcapng(res.trace);
  const keyLog = traceKeyLog(res.trace);
  const cap = readCapture(pcap);
  const d = new Dissector({ keyLog });
  const packets = new Map<number, DissectedPacket>();
  for (const raw of cap.packets) {
    if (raw.interfaceId !== 0) continue;
    packets.set(raw.index + 1, d.packet(raw.data, { index: raw.index, linkType: raw.linkType }));
  }
  r = { pcap, keyLog, packets };
  runs.set(preset, r);
  return r;
}

function layersOf<P extends 'SCTP' | 'DCEP' | 'DATACHANNEL'>(r: Run, p: P): { frame: number; layer: LayerOf<P> }[] {
  // narrowing a Layer by a generic protocol name is beyond TypeScript: the filter checks it
  const is = (l: Layer): boolean => l.protocol === p;
  return [...r.packets].flatMap(([frame, pk]) => pk.layers.filter(is).map((layer) => ({ frame, layer: layer as LayerOf<P> })));
}

describe('the dissector reads data channels inside decrypted DTLS (datachannel-p2p)', () => {
  it('shows the association setup, every DCEP message with its label and type, and no problem', () => {
    const r = exported('datachannel-p2p');
    const sctp = layersOf(r, 'SCTP');
    const chunks = sctp.flatMap((s) => s.layer.value!.packet.chunks.map((c) => c.kind));
    for (const k of ['INIT', 'INIT-ACK', 'COOKIE-ECHO', 'COOKIE-ACK', 'DATA', 'SACK', 'RE-CONFIG']) expect(chunks).toContain(k);
    expect(sctp.every((s) => s.layer.value!.packet.checksumStatus === 'ok')).toBe(true);
    const dcep = layersOf(r, 'DCEP').map((d) => d.layer.summary);
    expect(dcep).toEqual([
      'DCEP DATA_CHANNEL_OPEN "chat" (reliable, ordered, protocol "text") on stream 1',
      'DCEP DATA_CHANNEL_OPEN "cursor" (reliable, unordered) on stream 3',
      'DCEP DATA_CHANNEL_ACK for data channel "chat" (stream 1)',
      'DCEP DATA_CHANNEL_ACK for data channel "cursor" (stream 3)',
    ]);
    const problems = [...r.packets.values()].flatMap((p) => p.problems.filter((x) => x.severity !== 'warning').map((x) => x.message));
    expect(problems).toEqual([]);
  });

  it('shows user messages by PPID: text, binary in hex, the empty string, and a 20 kB message reassembled from its DATA chunks', () => {
    const r = exported('datachannel-p2p');
    const msgs = layersOf(r, 'DATACHANNEL').map((m) => m.layer.value!);
    const texts = msgs.filter((m) => m.kind === 'string').map((m) => `${m.label}: ${m.text}`);
    expect(texts).toEqual(expect.arrayContaining(['chat: hello from alice 1', 'chat: hello from alice 3', 'chat: hi alice, bob here (1)', 'chat: hi alice, bob here (2)']));
    expect(msgs.filter((m) => m.kind === 'empty-string').map((m) => m.label)).toEqual(['chat']);
    expect(msgs.filter((m) => m.kind === 'empty-binary').map((m) => m.label)).toEqual([undefined]); // "files" is negotiated: no OPEN on the wire
    const big = msgs.find((m) => m.bytes.length === 20000)!;
    expect(big.fragments).toBe(Math.ceil(20000 / 1172));
    expect(big.bytes[0]).toBe(0);
    expect(big.bytes[299]).toBe(299 & 0xff);
    const cursor = msgs.filter((m) => m.label === 'cursor');
    expect(cursor).toHaveLength(5);
    expect(cursor.every((m) => m.unordered && m.kind === 'binary' && m.bytes.length === 8)).toBe(true);
    expect(layersOf(r, 'DATACHANNEL').find((m) => m.layer.value?.label === 'cursor')?.layer.summary).toBe('data channel "cursor" (stream 3): binary 8 bytes: 00 01 02 03 04 05 06 07');
  });
});

describe('inference from the capture', () => {
  it('notes each channel opened (label, type, protocol, opener) and counts messages per direction as the run did', () => {
    const res = runScenario(parseScenario(findPreset('datachannel-p2p')!.build()));
    const story = analyzeCapture(readCapture(writePcapng(res.trace)), { keyLog: traceKeyLog(res.trace) });
    const opened = story.notes.filter((n) => n.kind === 'datachannel.open').map((n) => n.text);
    expect(opened).toEqual([
      'data channel "chat" opened by 203.0.113.10:54635 on stream 1: DATA_CHANNEL_RELIABLE (reliable, ordered), protocol "text"',
      'data channel "cursor" opened by 203.0.113.10:54635 on stream 3: DATA_CHANNEL_RELIABLE_UNORDERED (reliable, unordered)',
    ]);
    const counted = story.notes.filter((n) => n.kind === 'datachannel.messages').map((n) => n.data as { label: string | null; from: string; messages: number; bytes: number });
    // the run's own counts (summary.datachannels): what each side sent on each channel
    const dc = res.summary.datachannels as Record<string, { channels: { label: string; messagesSent: number; bytesSent: number }[] }>;
    const alice = '203.0.113.10:54635';
    for (const [who, addr] of [['alice/webrtc-peer', alice], ['bob/webrtc-peer', '203.0.113.20:60623']] as const) {
      for (const c of dc[who]!.channels.filter((x) => x.messagesSent > 0)) {
        const seen = counted.find((x) => x.from === addr && (x.label ?? 'files') === c.label);
        expect({ label: c.label, messages: seen?.messages, bytes: seen?.bytes }).toEqual({ label: c.label, messages: c.messagesSent, bytes: c.bytesSent });
      }
    }
  });
});

describe('the lossy preset in the dissector: retransmissions and FORWARD-TSN', () => {
  it('marks retransmitted TSNs and shows the FORWARD-TSN that skips abandoned messages', () => {
    const r = exported('datachannel-lossy');
    const sctp = layersOf(r, 'SCTP');
    expect(sctp.some((s) => s.layer.value!.retransmitted.length > 0)).toBe(true);
    expect(sctp.some((s) => s.layer.value!.packet.chunks.some((c) => c.kind === 'FORWARD-TSN'))).toBe(true);
    expect(sctp.some((s) => s.layer.value!.packet.chunks.some((c) => c.kind === 'SACK' && c.gapBlocks.length > 0))).toBe(true);
  });
});

describe.runIf(tsharkAvailable())('tshark agrees (datachannel-p2p)', () => {
  it('decrypts the same application data, and reads each SCTP packet with a good CRC32c, the same chunks and the same DCEP', () => {
    const r = exported('datachannel-p2p');
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-dc-'));
    try {
      const pcap = join(dir, 'dc.pcapng');
      const keys = join(dir, 'keys.txt');
      writeFileSync(pcap, r.pcap);
      writeFileSync(keys, r.keyLog);
      const rows = execFileSync('tshark', ['-r', pcap, '-n', '-o', `tls.keylog_file:${keys}`, '-Y', 'frame.interface_id == 0 && dtls && data', '-T', 'fields', '-e', 'frame.number', '-e', 'data.data'], { encoding: 'utf8', maxBuffer: 64 << 20 })
        .trim()
        .split('\n')
        .map((l) => l.split('\t'));
      const ours = layersOf(r, 'SCTP');
      expect(rows.length).toBe(ours.length);
      for (const [frame, hex] of rows) {
        const mine = ours.filter((o) => o.frame === Number(frame));
        expect(mine.map((m) => toHex(m.layer.plaintext!)).join(',')).toBe(hex);
      }
      // our decrypted SCTP packets, one per IPv4 datagram (protocol 132), read by tshark's SCTP and rtcdc dissectors
      const raw = join(dir, 'sctp.pcap');
      writeFileSync(raw, writePcap(ours.map((o, i) => ({ seconds: i, fraction: 0, data: encodeIPv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 132 }, o.layer.plaintext!) })), { linkType: 101 }));
      const t = execFileSync('tshark', ['-r', raw, '-n', '-o', 'sctp.checksum:CRC-32C', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-e', 'sctp.chunk_type', '-e', 'sctp.checksum.status', '-e', 'rtcdc.message_type', '-e', 'rtcdc.label', '-e', '_ws.malformed', '-e', '_ws.expert.message'], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((l) => l.split('\t'));
      const types: Record<string, number> = { DATA: 0, INIT: 1, 'INIT-ACK': 2, SACK: 3, HEARTBEAT: 4, 'HEARTBEAT-ACK': 5, ABORT: 6, SHUTDOWN: 7, 'SHUTDOWN-ACK': 8, ERROR: 9, 'COOKIE-ECHO': 10, 'COOKIE-ACK': 11, 'SHUTDOWN-COMPLETE': 14, 'FORWARD-TSN': 192, 'RE-CONFIG': 130 };
      const dcepTypes: string[] = [];
      const labels: string[] = [];
      ours.forEach((o, i) => {
        const row = t[i]!;
        expect(row[0]!.split(',').map(Number)).toEqual(o.layer.value!.packet.chunks.map((c) => types[c.kind]));
        expect(row[1]).toBe('1');
        expect(row[4] ?? '').toBe('');
        if (row[2]) dcepTypes.push(...row[2].split(','));
        if (row[3]) labels.push(...row[3].split(','));
      });
      expect(dcepTypes.map(Number)).toEqual(layersOf(r, 'DCEP').map((d) => (d.layer.value!.message.kind === 'DATA_CHANNEL_OPEN' ? 3 : 2)));
      expect(labels).toEqual(['chat', 'cursor']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
