import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCapture } from './capture-load.ts';
import { describeKeys } from './decryption-watch.ts';
import { dtlsStateAt } from './dtls-state.ts';
import { fileKind } from './file-kind.ts';
import { KeyedDetail } from './keyed-detail.ts';

// A key log opened with a capture: recognised by its content, used by the dissector, its outcome noted for the DTLS
// panel and summed up for the page; the packet detail re-dissects a hop with its flow's state and shows plaintext.

const DIR = 'captures/dtls-srtp-openssl';
const CAPTURE = new Uint8Array(readFileSync(`${DIR}/dtls12-srtp.pcapng`));
const KEYS = readFileSync(`${DIR}/dtls12-srtp.keylog.txt`, 'utf8');
/** The same client random with one hex digit of the master secret changed. */
const WRONG = KEYS.replace(/^(CLIENT_RANDOM [0-9a-f]{64} )([0-9a-f])/m, (_m, head: string, d: string) => `${head}${d === '0' ? '1' : '0'}`);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('fileKind tells files apart by content, not name', () => {
  it('pcap (both byte orders, ns) and pcapng are captures', () => {
    expect(fileKind(CAPTURE)).toBe('capture');
    for (const magic of [[0xa1, 0xb2, 0xc3, 0xd4], [0xd4, 0xc3, 0xb2, 0xa1], [0x4d, 0x3c, 0xb2, 0xa1]]) expect(fileKind(Uint8Array.from([...magic, 0, 2, 0, 4]))).toBe('capture');
  });

  it('NSS key logs: CLIENT_RANDOM, TLS 1.3 traffic secrets and exporter lines, after # comments', () => {
    expect(fileKind(enc(KEYS))).toBe('keylog');
    const cr = 'ab'.repeat(32);
    expect(fileKind(enc(`\n# comment\nCLIENT_HANDSHAKE_TRAFFIC_SECRET ${cr} ${'cd'.repeat(32)}\nEXPORTER_SECRET ${cr} ${'ef'.repeat(32)}\n`))).toBe('keylog');
    expect(fileKind(enc(`SERVER_TRAFFIC_SECRET_0 ${cr} ${'01'.repeat(48)}`))).toBe('keylog');
    expect(fileKind(enc(`EXPORTER_SECRET ${cr} ${'01'.repeat(48)}`))).toBe('keylog');
  });

  it('JSON is JSON; text that is neither, a too-short client random, or an empty file is unknown', () => {
    expect(fileKind(enc('  {"nodes": {}}'))).toBe('json');
    expect(fileKind(enc('these are my notes, not a capture\n'))).toBe('unknown');
    expect(fileKind(enc(`CLIENT_RANDOM ${'ab'.repeat(31)} ${'cd'.repeat(48)}`))).toBe('unknown');
    expect(fileKind(enc('# only a comment\n'))).toBe('unknown');
    expect(fileKind(new Uint8Array(0))).toBe('unknown');
  });
});

describe('a capture read with a key log file', () => {
  it('decrypts the DTLS 1.2 handshake: both Finished verified, noted for the DTLS panel and counted', () => {
    const r = loadCapture(CAPTURE, 'dtls12-srtp.pcapng', undefined, { name: 'keys.txt', text: KEYS });
    expect(r.keys).toMatchObject({ source: 'keys.txt', entries: 1, connections: 1, matched: 1, matchedEntries: 1, decrypted: 1, wrongKey: 0, finishedVerified: 2 });
    expect(describeKeys(r.keys!)).toBe('Key log: keys.txt · 1 entry · 1 entry matched 1 of 1 DTLS connection in the capture (1 decrypted, 2 Finished verified)');
    const views = dtlsStateAt(r.trace.notes, r.trace.secrets, r.trace.hops.at(-1)!.t);
    expect(views.map((v) => v.decryption)).toEqual([{ outcome: 'ok', text: 'decrypted with the key log: client Finished verified, server Finished verified' }]);
  });

  it('without keys there is no report and no decryption note', () => {
    const r = loadCapture(CAPTURE, 'dtls12-srtp.pcapng');
    expect(r.keys).toBeUndefined();
    expect(r.trace.notes.some((n) => n.kind === 'dtls.decryption')).toBe(false);
  });

  it('a wrong master secret for the right client random is the dissector\'s "wrong key"', () => {
    expect(WRONG).not.toBe(KEYS);
    const r = loadCapture(CAPTURE, 'dtls12-srtp.pcapng', undefined, { name: 'wrong.txt', text: WRONG });
    expect(r.keys).toMatchObject({ matched: 1, decrypted: 0, wrongKey: 1, finishedVerified: 0 });
    const views = dtlsStateAt(r.trace.notes, r.trace.secrets, r.trace.hops.at(-1)!.t);
    expect(views[0]?.decryption?.outcome).toBe('wrong-key');
    expect(views[0]?.decryption?.text).toMatch(/^wrong key/);
  });

  it('a key log for another connection matches nothing', () => {
    const other = `CLIENT_RANDOM ${'11'.repeat(32)} ${'22'.repeat(48)}\nnot a line\n`;
    const r = loadCapture(CAPTURE, 'dtls12-srtp.pcapng', undefined, { name: 'other.txt', text: other });
    expect(r.keys).toMatchObject({ entries: 1, malformed: 1, matched: 0, matchedEntries: 0, decrypted: 0 });
    expect(describeKeys(r.keys!)).toContain('0 entries matched 0 of 1 DTLS connection');
  });
});

describe('KeyedDetail: one hop dissected with its flow\'s state', () => {
  it('shows an application-data record\'s plaintext, in any order of requests', () => {
    const r = loadCapture(CAPTURE, 'dtls12-srtp.pcapng', undefined, { name: 'keys.txt', text: KEYS });
    const kd = new KeyedDetail(r.trace.hops, r.keyLogs, r.vantages, true, () => r.flows, () => r.signatures);
    const app = r.trace.hops.map((h, i) => i).filter((i) => kd.packet(i)?.summary.startsWith('Application Data'));
    expect(app.length).toBe(2);
    for (const i of [...app].reverse()) {
      const d = kd.packet(i)!;
      // a plain object (it crosses to the main thread), whose decrypted layer shows the bytes
      expect(structuredClone(d).summary).toBe(d.summary);
      const pt = d.layers.flatMap((l) => l.fields).find((f) => f.name === 'plaintext');
      expect(pt?.display).toMatch(/"hello from (server|client)·"$/);
    }
  });

  it('without the keys the same hop stays encrypted', () => {
    const r = loadCapture(CAPTURE, 'dtls12-srtp.pcapng', undefined, { name: 'wrong.txt', text: WRONG });
    const kd = new KeyedDetail(r.trace.hops, r.keyLogs, r.vantages, true, () => r.flows, () => r.signatures);
    const last = kd.packet(r.trace.hops.length - 2)!;
    expect(last.layers.flatMap((l) => l.fields).some((f) => f.name === 'plaintext')).toBe(false);
  });
});
