// A DTLS handshake split over two 5-tuples, as ICE makes it when the controlling agent nominates another pair
// between the hellos (RFC 8445 §8.1.1; RFC 8842 §5.5: the association belongs to the ICE session, not to a pair):
// our ClientHello on pair A, Chromium's ServerHello flight and everything after it on pair B, which shares our
// endpoint. Built from the real capture captures/chromium-rtclab-datachannel by moving every DTLS datagram after the
// ClientHello onto pair B (addresses rewritten, checksums fixed), then written as a pcapng and read back. The
// dissector must follow the association to B and open the data channels there; a 5-tuple whose records another
// association sealed is not bound to it, and trying them changes nothing.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Dissector } from './dissector.ts';
import { flowKey } from './flow-state.ts';
import type { DissectedPacket } from './types.ts';
import { decodeLinkLayer, LINKTYPE_RAW, PcapngEncoder, readCapture } from '../wire/pcap/index.ts';
import { peekUdpDatagram, rewriteUdpDatagram, udpPayload } from '../wire/ip/udp-datagram.ts';

const DIR = 'captures/chromium-rtclab-datachannel/';
const keyLog = readFileSync(`${DIR}chromium-datachannel.keylog.txt`, 'utf8');
const facts = JSON.parse(readFileSync(`${DIR}chromium-datachannel.getstats.json`, 'utf8')) as {
  pageChannels: { label: string; received: string[] }[];
  ourChannels: { label: string; received: string[] }[];
};
const original = readCapture(new Uint8Array(readFileSync(`${DIR}chromium-datachannel.pcapng`)));

// our peer (the DTLS client) and Chromium's two candidates, as the capture has them
const OURS = { ip: '127.0.0.1', port: 53762 };
const A = { ip: '127.0.0.1', port: 56750 };
const B = { ip: '192.0.2.2', port: 46585 };
const at = (e: { ip: string; port: number }): string => `${e.ip}:${e.port}`;

/** The capture's UDP datagrams as raw IPv4 (the Ethernet header left off), in capture order. */
function datagrams(): Uint8Array[] {
  return original.packets.flatMap((raw) => {
    const link = decodeLinkLayer(raw.data, raw.linkType);
    return link.ipOffset === undefined ? [] : [raw.data.subarray(link.ipOffset)];
  });
}

/** RFC 7983 §7: a first byte of 20–63 is DTLS, 0–3 STUN. */
const kind = (d: Uint8Array): 'dtls' | 'stun' | 'other' => {
  const v = peekUdpDatagram(d);
  if ('error' in v) return 'other';
  const b = udpPayload(d, v)[0] ?? 255;
  return b >= 20 && b <= 63 ? 'dtls' : b <= 3 ? 'stun' : 'other';
};

/** Chromium's side of a datagram moved from whichever pair onto `to` (our endpoint stays). */
function moveTo(d: Uint8Array, to: { ip: string; port: number }): Uint8Array {
  const v = peekUdpDatagram(d);
  if ('error' in v) throw new Error(v.error);
  const fromUs = `${v.src}:${v.srcPort}` === at(OURS);
  return rewriteUdpDatagram(d, fromUs ? { dst: to.ip, dstPort: to.port } : { src: to.ip, srcPort: to.port });
}

/**
 * The split: the first DTLS datagram (our ClientHello) stays on A, every later one goes to B. `checks`: keep the
 * ICE checks (on both pairs, as captured), or leave them out so only the shared endpoint ties B to A.
 */
function split(checks: boolean, extra: (i: number) => Uint8Array[] = () => []): Uint8Array {
  const enc = new PcapngEncoder(false).sectionHeader({ userappl: 'rtclab split-handshake test' }).interfaceDescription({ linkType: LINKTYPE_RAW, name: 'lo' });
  let hello = false;
  let i = 0;
  for (const d of datagrams()) {
    const k = kind(d);
    if (k === 'stun' && !checks) continue;
    const out = k !== 'dtls' ? d : hello ? moveTo(d, B) : d;
    if (k === 'dtls') hello = true;
    for (const x of [out, ...extra(i)]) enc.enhancedPacket({ interfaceId: 0, ticks: BigInt(1_000_000 + 1000 * i++), data: x });
  }
  return enc.finish();
}

function dissect(file: Uint8Array, log = keyLog): { d: Dissector; packets: DissectedPacket[] } {
  const cap = readCapture(file);
  expect(cap.problems).toEqual([]);
  const d = new Dissector({ keyLog: log });
  return { d, packets: cap.packets.map((raw) => d.packet(raw.data, { index: raw.index, linkType: raw.linkType })) };
}

const udpFlow = (x: { ip: string; port: number }, y: { ip: string; port: number }) => flowKey({ transport: 'UDP', family: 4, srcIp: x.ip, srcPort: x.port, dstIp: y.ip, dstPort: y.port });

function expectDataChannels(packets: readonly DissectedPacket[]): void {
  const layers = packets.flatMap((p) => p.layers);
  expect(layers.filter((l) => l.protocol === 'DCEP').map((l) => l.summary)).toEqual(expect.arrayContaining([
    'DCEP DATA_CHANNEL_OPEN "from-chromium" (reliable, ordered, protocol "chat") on stream 1',
    'DCEP DATA_CHANNEL_OPEN "from-rtclab" (reliable, ordered, protocol "json") on stream 0',
    'DCEP DATA_CHANNEL_ACK for data channel "from-chromium" (stream 1)',
    'DCEP DATA_CHANNEL_ACK for data channel "from-rtclab" (stream 0)',
  ]));
  const texts = layers.flatMap((l) => (l.protocol === 'DATACHANNEL' && l.value?.text !== undefined ? [l.value.text] : []));
  expect(new Set(texts)).toEqual(new Set([...facts.pageChannels, ...facts.ourChannels].flatMap((c) => c.received)));
}

describe('a DTLS handshake that ICE moves to another 5-tuple between the hellos', () => {
  for (const checks of [false, true]) {
    it(`is followed from the ClientHello's 5-tuple to the one that shares our endpoint (${checks ? 'ICE checks on both pairs' : 'no ICE checks in the capture'})`, () => {
      const { d, packets } = dissect(split(checks));
      // the fixture: on A only our ClientHello, on B the ServerHello flight and the rest
      const onA = packets.filter((p) => p.src === at(A) || p.dst === at(A)).filter((p) => p.layers.some((l) => l.protocol === 'DTLS'));
      expect(onA.map((p) => p.summary)).toEqual([expect.stringMatching(/^Flight 1: ClientHello/)]);
      const a = d.flows.get(udpFlow(OURS, A))!;
      const b = d.flows.get(udpFlow(OURS, B))!;
      expectDataChannels(packets);
      // one association, on both 5-tuples: begun on A, completed and used on B (closed by the capture's close_notify)
      expect(b.dtls).toBeDefined();
      expect(b.dtls).toBe(a.dtls);
      const dtls = b.dtls!;
      expect({ version: dtls.version, progress: dtls.progress, decryption: dtls.decryption, client: dtls.client, server: dtls.server }).toEqual({ version: 'DTLS 1.2', progress: 'closed', decryption: 'ok', client: at(OURS), server: at(A) });
      expect(dtls.finished).toEqual([{ role: 'client', ok: true }, { role: 'server', ok: true }]);
      expect(packets.flatMap((p) => p.problems.filter((x) => x.severity !== 'warning').map((x) => `${p.summary}: ${x.message}`))).toEqual([]);
    });
  }

  it('does not bind a 5-tuple sharing our endpoint to the association when its records do not open with its keys', () => {
    // DTLS 1.2 application data of another association (captures/dtls-srtp-openssl), from a third address to ours,
    // after each of Chromium's datagrams: tried against the association and refused by the authentication tag
    const other = readCapture(new Uint8Array(readFileSync('captures/dtls-srtp-openssl/dtls12-srtp.pcapng')));
    const foreign = other.packets.flatMap((raw) => {
      const link = decodeLinkLayer(raw.data, raw.linkType);
      const ip = link.ipOffset === undefined ? undefined : raw.data.subarray(link.ipOffset);
      const v = ip && peekUdpDatagram(ip);
      if (!ip || !v || 'error' in v) return [];
      const p = udpPayload(ip, v);
      // a first record sealed at epoch 1 (RFC 6347 §4.1): handshake (its Finished) or application_data
      return (p[0] === 22 || p[0] === 23) && p[3] === 0 && p[4] === 1 ? [rewriteUdpDatagram(ip, { src: '198.51.100.99', srcPort: 4444, dst: OURS.ip, dstPort: OURS.port })] : [];
    });
    expect(foreign.length).toBe(2);
    let n = 0;
    const file = split(false, () => (n < foreign.length ? [foreign[n++]!] : []));
    const { d, packets } = dissect(file, `${keyLog}\n${readFileSync('captures/dtls-srtp-openssl/dtls12-srtp.keylog.txt', 'utf8')}`);
    const stranger = packets.filter((p) => p.src === '198.51.100.99:4444');
    expect(stranger.length).toBe(foreign.length);
    for (const p of stranger) {
      expect(p.layers.some((l) => l.plaintext)).toBe(false);
      expect(p.problems).toEqual([]);
    }
    const c = d.flows.get(udpFlow(OURS, { ip: '198.51.100.99', port: 4444 }))!;
    const b = d.flows.get(udpFlow(OURS, B))!;
    expect(c.dtls).not.toBe(b.dtls);
    // the association itself is as without the stranger: every record of B opened, both Finished verified
    expect(b.dtls!.decryption).toBe('ok');
    expect(b.dtls!.finished).toEqual([{ role: 'client', ok: true }, { role: 'server', ok: true }]);
    expectDataChannels(packets);
  });
});
