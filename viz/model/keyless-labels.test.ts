import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { capturePath } from '../../test/captures.ts';
import { loadCapture } from './capture-load.ts';
import { LabelCache } from './labels.ts';
import { packTrace } from './packed.ts';

// What the list and the ladder say of a record that cannot be opened (docs/architecture.md, "Keyless labels"): the
// keyless reading of its clear header (its record type, "(encrypted)", "(no key log)"), never a guess at what it
// carries and never marked decrypted; the pass's keyed reading replaces a label only where it says more, and is marked
// decrypted only when a key opened a layer.
function labels(dir: string, file: string, withKeys: boolean): { text: (hop: number) => string; keyless: (hop: number) => string; overridden: Set<number>; decrypted: Set<number>; n: number } {
  const bytes = new Uint8Array(readFileSync(capturePath(dir, `${file}.pcapng`)));
  const keyLog = withKeys ? { name: 'keys', text: readFileSync(capturePath(dir, `${file}.keylog.txt`), 'utf8') } : undefined;
  const loaded = loadCapture(bytes, file, undefined, keyLog);
  const cache = new LabelCache(packTrace(loaded.trace));
  const over = new Map(loaded.labels.map((o) => [o.hop, o]));
  return {
    text: (hop) => over.get(hop)?.summary ?? cache.dissect(hop, false)?.summary ?? '',
    keyless: (hop) => cache.dissect(hop, false)?.protocol ?? '',
    overridden: new Set(over.keys()),
    decrypted: new Set(loaded.labels.filter((o) => o.decrypted).map((o) => o.hop)),
    n: loaded.trace.hops.length,
  };
}

describe('keyless labels', () => {
  it('a DTLS 1.2 capture without keys: application data and alerts keep their record type, nothing is marked decrypted', () => {
    const off = labels('dtls-srtp-openssl', 'dtls12-srtp', false);
    const on = labels('dtls-srtp-openssl', 'dtls12-srtp', true);
    expect(off.decrypted.size).toBe(0);
    const app = [...Array(off.n).keys()].filter((h) => off.text(h) === 'Application Data');
    expect(app.length).toBeGreaterThan(0);
    expect(off.text(4)).toMatch(/Finished \(encrypted\)$/);
    expect([...Array(off.n).keys()].some((h) => off.text(h) === 'encrypted Alert')).toBe(true);
    // with the key log the same records are opened: labelled by what they carry, marked decrypted
    for (const h of app) {
      expect(on.decrypted.has(h), `hop ${h}`).toBe(true);
      expect(on.text(h)).not.toBe('Application Data');
    }
  });

  it("SRTP and SRTCP keep their clear header's label with the keys too: never overridden (Chromium's DTLS-SRTP call)", () => {
    const on = labels('chromium-rtclab-dtls12', 'chromium-rtclab', true);
    const media = [...Array(on.n).keys()].filter((h) => /^(RTP|RTCP|SRTP|SRTCP)$/.test(on.keyless(h)));
    expect(media.length).toBeGreaterThan(100);
    for (const h of media) expect(on.overridden.has(h), `hop ${h}`).toBe(false);
    expect(on.decrypted.size).toBeGreaterThan(0);
  });

  it('a TLS 1.3 capture without keys: the records the stream reassembly finds say they stayed encrypted and why', () => {
    const off = labels('tls13-node', 'tls-node', false);
    const on = labels('tls13-node', 'tls-node', true);
    expect(off.decrypted.size).toBe(0);
    const hidden = [...Array(off.n).keys()].filter((h) => /encrypted records? .*\(no key log\)$|encrypted record, \d+ bytes \(no key log\)$/.test(off.text(h)));
    expect(hidden.length).toBeGreaterThan(0);
    for (const h of hidden) expect(on.text(h), `hop ${h}`).not.toMatch(/no key log/);
    expect(on.decrypted.size).toBeGreaterThan(0);
  });
});
