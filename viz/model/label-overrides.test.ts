import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Note, Trace } from '../../sim/core/trace.ts';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { loadCapture } from './capture-load.ts';
import { frameToHop, LabelOverrideCollector, type LabelOverrides } from './label-overrides.ts';
import { LabelCache } from './labels.ts';
import { classify, packTrace, PROTOCOLS } from './packed.ts';
import { srtpStreamsOfTrace } from './srtp-streams.ts';

// The ladder and the packet list label hops from a keyless, stateless dissection; the worker's stateful pass with
// the keys records, for the few hops where it says more (DTLS/TLS records decrypted, TLS found in a TCP stream),
// the keyed summary, and the labels use it. SRTP is never in the table: it would make it as large as the trace.

const file = (path: string): Uint8Array => new Uint8Array(readFileSync(path));
const text = (path: string): string => readFileSync(path, 'utf8');

describe('a simulated call (call-p2p, the default lesson)', () => {
  let trace: Trace;
  let table: LabelOverrides;
  beforeAll(() => {
    const s = parseScenario(findPreset('call-p2p')!.build());
    trace = runScenario({ ...s, duration: 3_000_000 } as typeof s).trace;
    const c = new LabelOverrideCollector();
    srtpStreamsOfTrace(trace, c);
    table = c.table((hop) => hop, (hop) => trace.hops[hop]?.bytes);
  }, 60_000);

  it('names the encrypted Finished of flights 5 and 6 as decrypted and verified, on every link they cross', () => {
    const flight5 = table.filter((o) => o.summary.startsWith('Flight 5:'));
    const flight6 = table.filter((o) => o.summary.startsWith('Flight 6:'));
    // alice-lan, natA-wan, natB-wan, bob-lan: one datagram per flight, four links
    expect(flight5.length).toBe(4);
    expect(flight6.length).toBe(4);
    for (const o of [...flight5, ...flight6]) {
      expect(o.summary).toContain('[decrypted: Finished, verify_data verified]');
      expect(o.decrypted).toBe(true);
      expect(trace.hops[o.hop]!.bytes.length).toBeGreaterThan(0);
    }
    expect(new Set(flight5.map((o) => trace.hops[o.hop]!.link))).toEqual(new Set(['alice-lan', 'natA-wan', 'natB-wan', 'bob-lan']));
  });

  it('has no SRTP/SRTCP entries and stays sparse: a handful of hops out of thousands', () => {
    expect(table.every((o) => !/^S?RTC?P\b/.test(o.summary))).toBe(true);
    // RFC 7983 class RTP/RTCP: every one of these is SRTP/SRTCP on a DTLS-SRTP 5-tuple
    const media = trace.hops.filter((h) => ['RTP', 'RTCP'].includes(PROTOCOLS[classify(h.bytes)] ?? '')).length;
    expect(media).toBeGreaterThan(500);
    expect(table.length).toBeLessThan(20);
    expect(table.map((o) => o.hop)).toEqual([...table.map((o) => o.hop)].sort((a, b) => a - b));
  });

  it('a LabelCache shows the override, marked as decrypted, and keeps the addresses of the hop', () => {
    const labels = new LabelCache(packTrace(trace));
    const o = table[0]!;
    const before = labels.get(o.hop);
    expect(before.summary).not.toContain('decrypted');
    expect(before.keyed).toBeUndefined();
    expect(labels.setOverrides(table)).toBe(true);
    const after = labels.get(o.hop);
    expect(after.summary).toBe(o.summary);
    expect(after.keyed).toEqual({ decrypted: true });
    expect(after.protocol).toBe('DTLS');
    expect([after.src, after.dst]).toEqual([before.src, before.dst]);
    expect(labels.setOverrides([])).toBe(false);
    expect(labels.get(o.hop).summary).toBe(before.summary);
  });
});

describe('captures opened with their key logs', () => {
  it('openssl DTLS 1.2: Finished, application data and the alert decrypted; nothing without the key log', () => {
    const dir = 'captures/dtls-srtp-openssl';
    const keyed = loadCapture(file(`${dir}/dtls12-srtp.pcapng`), 'dtls12-srtp.pcapng', undefined, { name: 'k', text: text(`${dir}/dtls12-srtp.keylog.txt`) });
    const by = new Map(keyed.labels.map((o) => [o.hop, o]));
    expect(by.get(5)?.summary).toBe('Flight 6: ChangeCipherSpec, Finished (encrypted) [decrypted: Finished, verify_data verified]');
    expect(by.get(4)?.summary).toMatch(/^Flight 5: .*Finished \(encrypted\) \[decrypted: Finished, verify_data verified\]$/);
    expect(by.get(6)?.summary).toBe('Application Data [decrypted: 18 bytes of application data]');
    expect(by.get(8)?.summary).toBe('encrypted Alert [decrypted: Alert (warning close_notify)]');
    expect(keyed.labels.every((o) => o.decrypted && o.protocol === undefined)).toBe(true);
    expect(keyed.labels.some((o) => /^S?RTC?P\b/.test(o.summary))).toBe(false);

    const keyless = loadCapture(file(`${dir}/dtls12-srtp.pcapng`), 'dtls12-srtp.pcapng');
    expect(keyless.labels.some((o) => o.decrypted || o.summary.includes('decrypted'))).toBe(false);
  });

  it('Node TLS 1.3 and 1.2: application data shows the HTTP inside, the ClientHello is TLS where the keyless list says TCP', () => {
    const dir = 'captures/tls13-node';
    const { labels, trace } = loadCapture(file(`${dir}/tls-node.pcapng`), 'tls-node.pcapng', undefined, { name: 'k', text: text(`${dir}/tls-node.keylog.txt`) });
    const http = labels.filter((o) => o.summary.startsWith('TLS 1.3 encrypted record [decrypted: HTTP '));
    expect(http.map((o) => o.summary)).toContain('TLS 1.3 encrypted record [decrypted: HTTP GET /janus HTTP/1.1]');
    expect(http.some((o) => o.summary.includes('HTTP/1.1 200 OK'))).toBe(true);
    for (const o of http) {
      expect(o.decrypted).toBe(true);
      expect(o.protocol).toBe('TLS');
    }
    expect(labels.some((o) => o.summary.startsWith('TLS 1.2 application_data (encrypted) [decrypted: HTTP GET /info'))).toBe(true);
    expect(labels.some((o) => o.summary.includes('[decrypted: SIGNALING Janus keepalive'))).toBe(true);
    const hello = labels.find((o) => o.summary.startsWith('TLS ClientHello'));
    expect(hello?.decrypted).toBe(false);
    expect(hello?.protocol).toBe('TLS');
    // the override sits on the hop whose bytes carry it: the same TCP segment length the keyless summary names
    const cache = new LabelCache(packTrace(trace));
    expect(cache.get(hello!.hop).summary).toMatch(/^TCP .* len 256$/);
  });
});

describe('frameToHop', () => {
  const nonIp = (frame: number): Note => ({ t: 0, source: 'capture', kind: 'capture.non-ip', text: '', data: { frame } });

  it('counts frames without an IP datagram out (notes name frames 1-based)', () => {
    const hopOf = frameToHop([nonIp(1), nonIp(4), { t: 0, source: 'capture', kind: 'capture.comment', text: '' }]);
    expect([0, 1, 2, 3, 4, 5].map(hopOf)).toEqual([-1, 0, 1, -1, 2, 3]);
    expect(frameToHop([])(7)).toBe(7);
  });
});
