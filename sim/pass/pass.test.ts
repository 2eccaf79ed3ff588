import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { CaptureReader, readCapture } from '../wire/pcap/capture-reader.ts';
import { packetToJson } from '../dissect/json.ts';
import type { DissectedPacket } from '../dissect/types.ts';
import { DissectionPass, type PassHop } from './pass.ts';
import { CaptureFeed } from './capture-feed.ts';

// The one capture loop: a capture fed event by event as it is framed (any chunking) or whole from memory gives the
// same hops (times from the first packet, a vantage point per interface) and the same dissection, keys from a
// Decryption Secrets Block included; observers see every hop once, in order.

const s = parseScenario(findPreset('call-p2p')!.build());
const trace = runScenario({ ...s, duration: 2_500_000 } as typeof s).trace;
const pcapng = writePcapng(trace);

interface Seen {
  readonly hop: PassHop;
  readonly json: string;
}

function record(pass: DissectionPass): Seen[] {
  const seen: Seen[] = [];
  pass.observe({ hop: (p: DissectedPacket, hop: PassHop) => void seen.push({ hop: { ...hop, link: undefined, bytes: new Uint8Array(0) }, json: JSON.stringify(packetToJson(p, { no: hop.index + 1, ts: 0 })) }) });
  return seen;
}

function streamed(chunk: number): { seen: Seen[]; pass: DissectionPass; feed: CaptureFeed } {
  const pass = new DissectionPass({ spans: false });
  const seen = record(pass);
  const feed = new CaptureFeed(pass);
  const r = new CaptureReader();
  for (let o = 0; o < pcapng.length; o += chunk) r.pushEach(pcapng.slice(o, o + chunk), (e) => feed.event(e));
  r.endEach((e) => feed.event(e));
  return { seen, pass, feed };
}

describe('the dissection pass over a capture', () => {
  const whole = new DissectionPass({ spans: false });
  const fromMemory = record(whole);
  new CaptureFeed(whole).all(readCapture(pcapng));

  it('gives the same hops and dissection streamed in small chunks as read whole', () => {
    const { seen } = streamed(4093);
    expect(seen.length).toBe(trace.hops.length);
    expect(seen).toEqual(fromMemory);
  });

  it('times hops from the first packet and names each interface as its vantage point (one per link)', () => {
    const { seen, feed } = streamed(1 << 16);
    expect(seen[0]!.hop.t).toBe(0);
    expect(seen.map((x) => x.hop.t)).toEqual(trace.hops.map((h) => h.t - trace.hops[0]!.t));
    expect(new Set(feed.interfaces).size).toBe(feed.interfaces.length);
    expect(seen.map((x) => x.hop.vantage)).toEqual(trace.hops.map((h) => h.link));
  });

  it("uses the keys of the capture's Decryption Secrets Block: the encrypted Finished messages are verified", () => {
    const { seen, pass } = streamed(1 << 16);
    expect(pass.keyLogs.length).toBe(1);
    expect(seen.filter((x) => x.json.includes('verify_data verified')).length).toBeGreaterThanOrEqual(8);
    const keyless = new DissectionPass({ spans: false });
    const without = record(keyless);
    // the same packets without the secrets block: nothing to verify Finished with
    const feed = new CaptureFeed(keyless);
    for (const p of readCapture(pcapng).packets) feed.packet(p);
    expect(without.some((x) => x.json.includes('verify_data verified'))).toBe(false);
  });

  it('hands every hop to each observer once, in order, and finishes each once with the last time', () => {
    const pass = new DissectionPass({ spans: false });
    const order: number[] = [];
    const ends: number[] = [];
    pass.observe({ hop: (_p, h) => void order.push(h.index), finish: (t) => void ends.push(t) });
    new CaptureFeed(pass).all(readCapture(pcapng));
    pass.finish();
    expect(order).toEqual(trace.hops.map((_h, i) => i));
    expect(ends).toEqual([trace.hops[trace.hops.length - 1]!.t - trace.hops[0]!.t]);
  });
});
