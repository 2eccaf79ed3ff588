import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsharkAvailable } from '../../test/support/tshark.ts';
import { CaptureFeed } from '../pass/capture-feed.ts';
import { DissectionPass } from '../pass/pass.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { readCapture } from '../wire/pcap/capture-reader.ts';
import { traceKeyLog, writePcapng } from '../wire/pcap/pcapng-writer.ts';

// The TLS presets end to end: tls-server and tls-client on the simulated TCP through a NAT, the key log the run
// writes, our dissector and tshark each decrypting the capture with it.

const dir = mkdtempSync(join(tmpdir(), 'rtclab-tls-'));

function run(name: string) {
  const result = runScenario(parseScenario(findPreset(name)!.build()));
  const pcap = join(dir, `${name}.pcapng`);
  const keylog = join(dir, `${name}.keylog`);
  // no Decryption Secrets Block: the key log file alone must do
  writeFileSync(pcap, writePcapng(result.trace, { secrets: false }));
  writeFileSync(keylog, traceKeyLog(result.trace));
  return { result, pcap, keylog, keyLogText: traceKeyLog(result.trace) };
}

function ourSummaries(pcap: string, keyLog: string | undefined): string[] {
  const pass = new DissectionPass({ spans: false, ...(keyLog ? { keyLog } : {}) });
  const out: string[] = [];
  pass.observe({ hop: (p) => void out.push(p.summary) });
  new CaptureFeed(pass).all(readCapture(new Uint8Array(execFileSync('cat', [pcap]))));
  return out;
}

/** tshark on alice's side of the NAT (one vantage point: the other interfaces repeat the same segments). */
function tsharkRows(pcap: string, keylog: string, fields: string[]): string[][] {
  const args = ['-r', pcap, '-n', '-o', `tls.keylog_file:${keylog}`, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', '-Y', 'frame.interface_name contains "alice"', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const f of fields) args.push('-e', f);
  return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .split('\n')
    .filter((l) => l)
    .map((l) => l.split('\t'));
}

const cases = [
  { preset: 'tls13-nat', version: 'TLS 1.3', secrets: ['SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0', 'CLIENT_TRAFFIC_SECRET_0', 'EXPORTER_SECRET'] },
  { preset: 'tls12-nat', version: 'TLS 1.2', secrets: ['CLIENT_RANDOM'] },
] as const;

describe.each(cases)('preset $preset', ({ preset, version, secrets }) => {
  const r = run(preset);
  const apps = r.result.summary.apps as { kind: string; connections: { version: string; state: string; alpn: string; sni: string }[]; response?: string }[];

  it('completes the handshake through the NAT, exchanges a request and its answer, and closes with close_notify', () => {
    const client = apps.find((a) => a.kind === 'tls-client')!;
    expect(client.connections).toHaveLength(1);
    expect(client.connections[0]).toMatchObject({ version, alpn: 'http/1.1', sni: 'server.example', state: 'closed' });
    expect(client.response).toBe('HTTP/1.1 200 OK\\x0d\\x0aContent-Length: 2\\x0d\\x0a\\x0d\\x0aok');
    const kinds = r.result.trace.notes.filter((n) => n.source === 'alice/tls-client').map((n) => n.kind);
    expect(kinds).toContain('tls.negotiated');
    expect(kinds).not.toContain('tls.bad-input');
  });

  it('writes the key log lines of its version, from both ends', () => {
    const labels = r.keyLogText.trim().split('\n').map((l) => l.split(' ')[0]);
    expect(labels.sort()).toEqual([...secrets, ...secrets].sort());
  });

  it('our dissector decrypts every record with the key log and checks both Finished messages', () => {
    const without = ourSummaries(r.pcap, undefined).join('\n');
    expect(without).not.toContain('GET / HTTP/1.1');
    const summaries = ourSummaries(r.pcap, r.keyLogText).join('\n');
    expect(summaries).toContain('HTTP GET / HTTP/1.1');
    expect(summaries).toContain('HTTP HTTP/1.1 200 OK');
    expect(summaries.match(/verify_data verified/g)?.length).toBeGreaterThanOrEqual(2 * 3);
    expect(summaries).not.toMatch(/wrong key|failed|bad_record_mac/);
  });

  it.skipIf(!tsharkAvailable() && !process.env['CI'])('tshark decrypts it with our key log: HTTP inside, no malformed packet, good checksums, no TCP warning', () => {
    const rows = tsharkRows(r.pcap, r.keylog, ['http.request.method', 'http.response.code', 'tls.handshake.type', '_ws.malformed', '_ws.expert.message']);
    expect(rows.map((x) => x[0]).filter(Boolean)).toEqual(['GET']);
    expect(rows.map((x) => x[1]).filter(Boolean)).toEqual(['200']);
    // the handshake as tshark decrypted it (1 ClientHello, 2 ServerHello, 8 EncryptedExtensions, 11 Certificate, 15 CertificateVerify, 20 Finished, 4 NewSessionTicket, 12 ServerKeyExchange, 14 ServerHelloDone, 16 ClientKeyExchange)
    const types = rows.flatMap((x) => (x[2] ? x[2].split(',') : []));
    expect(types).toEqual(version === 'TLS 1.3' ? ['1', '2', '8', '11', '15', '20', '20', '4'] : ['1', '2', '11', '12', '14', '16', '20', '20']);
    expect(rows.filter((x) => x[3])).toEqual([]);
    const messages = rows.flatMap((x) => (x[4] ? x[4].split(',') : [])).filter((m) => !/^hop \d+ · packet|^Connection (establish|finish)|connection closing|^GET |^HTTP\/1.1 200/.test(m));
    expect(messages).toEqual([]);
  });
});

describe('tls-client and tls-server fields', () => {
  const withApps = (apps: unknown[]) => ({ ...findPreset('tls13-nat')!.build(), apps });

  it('refuse a key share of a group the client does not support, and an unknown version, naming the field', () => {
    expect(() => parseScenario(withApps([{ kind: 'tls-client', host: 'alice', server: '198.51.100.10:443', groups: ['x25519'], keyShares: ['p256'] }]))).toThrow(/apps\[0\]: keyShares: p256 is not in groups/);
    expect(() => parseScenario(withApps([{ kind: 'tls-server', host: 'server', versions: ['1.1'] }]))).toThrow(/apps\[0\]\.versions\[0\]/);
  });

  it('a client that offers only X25519 to a server that takes only P-256 gets a HelloRetryRequest and completes', () => {
    const s = parseScenario(
      withApps([
        { kind: 'tls-server', host: 'server', groups: ['p256'] },
        { kind: 'tls-client', host: 'alice', server: '198.51.100.10:443', keyShares: ['x25519'] },
      ]),
    );
    const { trace, summary } = runScenario(s);
    expect(trace.notes.filter((n) => n.kind === 'tls.hello-retry').map((n) => n.source)).toEqual(['server/tls-server', 'alice/tls-client']);
    const client = (summary.apps as { kind: string; response: string }[]).find((a) => a.kind === 'tls-client')!;
    expect(client.response).toBe('hello over TLS');
  });
});

describe('tls-client handshake deadline', () => {
  it('gives up on a server that went silent after the TCP handshake: a note, user_canceled, then RST', () => {
    const base = findPreset('tls13-nat')!.build();
    const s = parseScenario({
      ...base,
      duration: '5s',
      apps: [
        { kind: 'tls-server', host: 'server', port: 443 },
        { kind: 'tls-client', host: 'alice', server: '198.51.100.10:443', at: '100ms', handshakeTimeout: '2s' },
      ],
      // the server's link goes down once the TCP handshake is done, before the ClientHello arrives
      events: [{ at: '130ms', link: 'server-wan', set: { down: true } }],
    });
    const { trace, summary } = runScenario(s);
    const timeout = trace.notes.find((n) => n.kind === 'tls.handshake-timeout');
    expect(timeout?.t).toBe(2_100_000);
    expect(timeout?.text).toBe('no TLS handshake with 198.51.100.10:443 after 2 s: giving up');
    const client = (summary.apps as { kind: string; connections: { state: string; error: string | null }[] }[]).find((a) => a.kind === 'tls-client')!;
    expect(client.connections[0]).toMatchObject({ state: 'failed', error: 'aborted' });
    expect(trace.notes.some((n) => n.kind === 'tls.alert.sent' && n.source === 'alice/tls-client' && n.text.includes('user_canceled'))).toBe(true);
  });
});
