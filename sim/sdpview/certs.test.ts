import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DissectionPass } from '../pass/pass.ts';
import { CaptureFeed } from '../pass/capture-feed.ts';
import { CaptureReader } from '../wire/pcap/capture-reader.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { parseScenario } from '../scenario/parse.ts';
import { runScenario } from '../scenario/run.ts';
import { traceKeyLog } from '../wire/pcap/pcapng-writer.ts';
import { CertificateCollector, checkWithNotes, type CertificateView, type HiddenCertificates } from './certs.ts';
import { SdpCollector } from './collect.ts';

// The certificates the kept captures carry (DTLS 1.2 from OpenSSL and Chromium, fragmented or not; TLS 1.2 from
// Node), parsed and judged by OpenSSL itself: `openssl x509 -text` on the same DER must say the same subject,
// issuer, validity, key and signature algorithms, and fingerprint.

function certsOf(path: string): { certs: CertificateView[]; ders: Map<number, Uint8Array> } {
  const kl = path.replace(/\.pcapng$/, '.keylog.txt');
  const pass = new DissectionPass({ spans: false, ...(existsSync(kl) ? { keyLogs: [readFileSync(kl, 'utf8')] } : {}) });
  const sdp = new SdpCollector();
  const c = new CertificateCollector(pass.dissector);
  pass.observe(sdp).observe(c);
  const feed = new CaptureFeed(pass, { packet: () => undefined });
  const reader = new CaptureReader();
  reader.pushEach(new Uint8Array(readFileSync(path)), (e) => e.kind !== 'problem' && feed.event(e));
  reader.endEach((e) => e.kind !== 'problem' && feed.event(e));
  pass.finish();
  return { certs: c.views(sdp.seen), ders: c.ders() };
}

const CAPTURES: readonly [string, number][] = [
  ['captures/dtls-srtp-openssl/dtls12-srtp.pcapng', 2],
  ['captures/dtls-srtp-openssl/dtls12-srtp-fragmented.pcapng', 2],
  ['captures/chromium-rtclab-dtls12/chromium-rtclab.pcapng', 2],
  ['captures/chromium-fingerprint-mismatch/chromium-fingerprint-mismatch.pcapng', 2],
  ['captures/chromium-rtclab-datachannel/chromium-datachannel.pcapng', 2],
  ['captures/tls13-node/tls-node.pcapng', 1],
];

const dir = mkdtempSync(join(tmpdir(), 'rtclab-certs-'));

/** What `openssl x509 -text -fingerprint -sha256` says of a DER file, the lines we compare. */
function openssl(der: Uint8Array, name: string): Record<string, string> {
  const file = join(dir, `${name}.der`);
  writeFileSync(file, der);
  const text = execFileSync('openssl', ['x509', '-inform', 'DER', '-in', file, '-noout', '-text', '-fingerprint', '-sha256', '-nameopt', 'oneline,-esc_msb'], { encoding: 'utf8' });
  const field = (re: RegExp): string => re.exec(text)?.[1]?.trim() ?? `(no ${re.source})`;
  return {
    subject: field(/^\s*Subject: (.*)$/m),
    issuer: field(/^\s*Issuer: (.*)$/m),
    notBefore: field(/Not Before: (.*)$/m),
    notAfter: field(/Not After : (.*)$/m),
    publicKeyAlgorithm: field(/Public Key Algorithm: (.*)$/m),
    bits: field(/Public-Key: \((\d+) bit\)/m),
    signatureAlgorithm: field(/^\s*Signature Algorithm: (.*)$/m),
    sha256: field(/sha256 Fingerprint=(.*)$/im),
  };
}

describe('certificates parsed and checked against OpenSSL', { timeout: 120_000 }, () => {
  for (const [path, count] of CAPTURES) {
    it(`${path.split('/').pop()}: ${count} certificate(s), each read as openssl x509 -text reads it`, () => {
      const { certs, ders } = certsOf(path);
      expect(certs).toHaveLength(count);
      for (const c of certs) {
        if ('error' in c.certificate) throw new Error(c.certificate.error);
        const o = openssl(ders.get(c.hop)!, `${path.split('/').pop()}-${c.hop}`);
        const d = c.certificate;
        expect({ subject: d.subject, issuer: d.issuer, notBefore: d.notBeforeText, notAfter: d.notAfterText, publicKeyAlgorithm: d.publicKeyAlgorithm, bits: String(d.publicKeyBits), signatureAlgorithm: d.signatureAlgorithm, sha256: d.sha256 }).toEqual(o);
      }
    });
  }

  it('a fingerprint the SDP announced matches (call-p2p); a substituted certificate does not (dtls-mitm-fingerprint-mismatch)', () => {
    const run = (name: string): CertificateView[] => {
      const trace = runScenario(parseScenario(findPreset(name)!.build())).trace;
      const pass = new DissectionPass({ spans: false, keyLogs: [traceKeyLog(trace)] });
      const sdp = new SdpCollector();
      const c = new CertificateCollector(pass.dissector);
      pass.observe(sdp).observe(c);
      for (const h of trace.hops) pass.hop({ bytes: h.bytes, index: h.index, t: h.t, vantage: h.link });
      pass.finish();
      sdp.addNotes(trace.notes);
      return c.views(sdp.seen).map((v) => checkWithNotes(v, trace.notes));
    };
    const ok = run('call-p2p');
    expect(ok.length).toBe(2);
    for (const c of ok) expect(c.check).toMatchObject({ status: 'match' });
    expect(ok.map((c) => c.check.text)).toEqual([expect.stringMatching(/^matches a=fingerprint:sha-256 of the (offer|answer) from /), expect.stringMatching(/^matches a=fingerprint:sha-256 of the (offer|answer) from /)]);
    // no SDP in this one: the endpoint's own check says what it was signaled
    const bad = run('dtls-mitm-fingerprint-mismatch');
    expect(bad).toHaveLength(1);
    expect(bad[0]!.check).toMatchObject({ status: 'mismatch', note: 9 });
    expect(bad[0]!.check.text).toMatch(/^alice\/dtls-peer was signaled a=fingerprint:sha-256 68:CF:10:B6:/);
  });
});

/** A preset's certificates as the page reads them: its hops with (or without) its own key log, SDPs from its notes. */
function fromPreset(name: string, withKeys: boolean): { certs: CertificateView[]; hidden: readonly HiddenCertificates[]; ders: Map<number, Uint8Array> } {
  const trace = runScenario(parseScenario(findPreset(name)!.build())).trace;
  const pass = new DissectionPass({ spans: false, ...(withKeys ? { keyLogs: [traceKeyLog(trace)] } : {}) });
  const sdp = new SdpCollector();
  const c = new CertificateCollector(pass.dissector);
  pass.observe(sdp).observe(c);
  for (const h of trace.hops) pass.hop({ bytes: h.bytes, index: h.index, t: h.t, vantage: h.link });
  pass.finish();
  sdp.addNotes(trace.notes);
  return { certs: c.views(sdp.seen).map((v) => checkWithNotes(v, trace.notes)), hidden: c.hidden(), ders: c.ders() };
}

// TLS 1.3 and DTLS 1.3 encrypt the Certificate message under the handshake traffic keys (RFC 8446 §4.4.2, RFC 9147
// §5): with the key log's CLIENT/SERVER_HANDSHAKE_TRAFFIC_SECRET the view reads them as it reads DTLS 1.2's; without,
// it says which handshake hid them and what would open it.
describe('certificates of TLS 1.3 and DTLS 1.3 handshakes', { timeout: 300_000 }, () => {
  for (const name of ['datachannel-dtls13', 'dtls13-call']) {
    it(`${name}: both DTLS 1.3 certificates decrypted with the run's key log, read as OpenSSL reads them, matching the SDP's a=fingerprint`, () => {
      const { certs, hidden, ders } = fromPreset(name, true);
      expect(hidden).toEqual([]);
      expect(certs.map((c) => [c.version, c.role, c.decrypted, c.check.status])).toEqual([
        ['DTLS 1.3', 'server', true, 'match'],
        ['DTLS 1.3', 'client', true, 'match'],
      ]);
      for (const c of certs) {
        if ('error' in c.certificate) throw new Error(c.certificate.error);
        const d = c.certificate;
        expect({ subject: d.subject, issuer: d.issuer, notBefore: d.notBeforeText, notAfter: d.notAfterText, publicKeyAlgorithm: d.publicKeyAlgorithm, bits: String(d.publicKeyBits), signatureAlgorithm: d.signatureAlgorithm, sha256: d.sha256 }).toEqual(openssl(ders.get(c.hop)!, `${name}-${c.hop}`));
        // compared with an SDP's a=fingerprint (the certificate's own SHA-256), or, where the run signaled through a
        // hub without packets, with the receiving endpoint's own verification note
        if (c.check.sdp) expect(c.check.sdp.fingerprint).toBe(`sha-256 ${d.sha256}`);
        else expect(c.check.text).toMatch(/verified it against the a=fingerprint it was signaled \(note #\d+\)$/);
      }
    });
  }

  it('datachannel-dtls13 without its key log: no certificate read, the handshake named with the secrets that would open it', () => {
    const { certs, hidden } = fromPreset('datachannel-dtls13', false);
    expect(certs).toEqual([]);
    expect(hidden).toHaveLength(1);
    expect(hidden[0]).toMatchObject({ protocol: 'DTLS', version: 'DTLS 1.3' });
    expect(hidden[0]!.text).toMatch(/^DTLS 1\.3 encrypts its Certificate messages \(RFC 8446 §4\.4\.2, RFC 9147 §5\): a key log with its CLIENT_HANDSHAKE_TRAFFIC_SECRET and SERVER_HANDSHAKE_TRAFFIC_SECRET lines for client random [0-9a-f]{16}… opens them$/);
  });

  it('tls13-nat: the TLS 1.3 server certificate decrypted with the key log; hidden without it', () => {
    const keyed = fromPreset('tls13-nat', true);
    expect(keyed.certs.map((c) => [c.protocol, c.version, c.decrypted])).toEqual([['TLS', 'TLS 1.3', true]]);
    const c = keyed.certs[0]!;
    if ('error' in c.certificate) throw new Error(c.certificate.error);
    expect(c.certificate.sha256).toBe(openssl(keyed.ders.get(c.hop)!, `tls13-nat-${c.hop}`).sha256);
    const bare = fromPreset('tls13-nat', false);
    expect(bare.certs).toEqual([]);
    expect(bare.hidden.map((h) => [h.protocol, h.version])).toEqual([['TLS', 'TLS 1.3']]);
  });

  it("the kept captures: Node's TLS 1.3 certificate opened by its key log (the 1.2 connection's in the clear), Chromium's DTLS 1.3 ones hidden (no key log exists)", () => {
    const hiddenOf = (path: string, keyLog?: string): readonly HiddenCertificates[] => {
      const pass = new DissectionPass({ spans: false, ...(keyLog ? { keyLogs: [readFileSync(keyLog, 'utf8')] } : {}) });
      const c = new CertificateCollector(pass.dissector);
      pass.observe(c);
      const feed = new CaptureFeed(pass, { packet: () => undefined });
      const reader = new CaptureReader();
      reader.pushEach(new Uint8Array(readFileSync(path)), (e) => e.kind !== 'problem' && feed.event(e));
      reader.endEach((e) => e.kind !== 'problem' && feed.event(e));
      pass.finish();
      return c.hidden();
    };
    const node = certsOf('captures/tls13-node/tls-node.pcapng');
    expect(node.certs.map((c) => [c.version, c.decrypted ?? false, c.hop + 1])).toEqual([['TLS 1.3', true, 6]]);
    expect(hiddenOf('captures/tls13-node/tls-node.pcapng', 'captures/tls13-node/tls-node.keylog.txt')).toEqual([]);
    // without the key log: the three TLS 1.3 connections hide theirs (tshark's frames 4, 26, 46: their ClientHellos)
    expect(hiddenOf('captures/tls13-node/tls-node.pcapng').map((h) => [h.version, h.hop + 1])).toEqual([
      ['TLS 1.3', 4],
      ['TLS 1.3', 26],
      ['TLS 1.3', 46],
    ]);
    for (const path of ['captures/chromium-loopback-call/chromium-host.pcapng', 'captures/chromium-internals-dump/chromium-internals.pcapng']) {
      expect(hiddenOf(path).map((h) => [h.protocol, h.version, h.hop + 1])).toEqual([['DTLS', 'DTLS 1.3', 7]]);
    }
  });
});
