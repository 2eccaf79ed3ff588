// tshark judges TURN over TCP and over TLS as our TURN server's link carries it (one vantage point: the same segment
// seen on every link would read as retransmissions): no malformed packet, no warning, good checksums, STUN and
// ChannelData found in the TCP stream where our decoder finds them, and with our key log every TLS record decrypts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../sim/scenario/parse.ts';
import { findPreset } from '../sim/scenario/presets/index.ts';
import { runScenario } from '../sim/scenario/run.ts';
import { writePcapng } from '../sim/wire/pcap/pcapng-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'rtclab-turn-tcp-tshark-'));

function capture(preset: string, node: string): { file: string; keys: string } {
  const { trace } = runScenario(parseScenario(findPreset(preset)!.build()));
  const hops = trace.hops.filter((h) => (h.from === node || h.to === node) && h.drop === undefined);
  const file = join(dir, `${preset}.pcapng`);
  const keys = join(dir, `${preset}.keys`);
  writeFileSync(file, writePcapng({ ...trace, hops }));
  writeFileSync(keys, `${trace.secrets.filter((s) => s.kind === 'nss-keylog').map((s) => s.text).join('\n')}\n`);
  return { file, keys };
}

function tshark(file: string, args: string[], fields: string[]): string[][] {
  const out = execFileSync('tshark', ['-r', file, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', ...args, '-T', 'fields', '-E', 'separator=/t', ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28,
  });
  return out.replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
}

const WARNINGS = ['_ws.malformed', '_ws.expert.severity'];
/** Expert severities tshark numbers: 0x00600000 warning, 0x00800000 error. */
const serious = (rows: string[][]): string[][] => rows.filter(([malformed, sev]) => malformed !== '' || (sev ?? '').split(',').some((s) => Number(s) >= 0x00600000));

describe('tshark reads TURN over TCP and TLS as our server sees it', () => {
  it('turn-tcp-relay: STUN and padded ChannelData over TCP, nothing malformed', () => {
    const { file } = capture('turn-tcp-relay', 'turn');
    expect(serious(tshark(file, [], WARNINGS))).toEqual([]);
    const rows = tshark(file, ['-Y', 'tcp.port == 3478'], ['stun.type.method', 'stun.channel']);
    const methods = rows.flatMap(([m]) => (m ? m.split(',') : []));
    // Allocate ×2 (401 then with credentials) and answers, CreatePermission, Send, Data, ChannelBind, Refresh
    expect(methods.filter((m) => m === '0x0003')).toHaveLength(4);
    expect(methods).toEqual(expect.arrayContaining(['0x0008', '0x0006', '0x0007', '0x0009', '0x0004']));
    expect(rows.filter(([, ch]) => ch === '0x4000').length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('call-turn-tcp: a whole call on one TCP connection, nothing malformed, no TCP warning', () => {
    const { file } = capture('call-turn-tcp', 'server');
    expect(serious(tshark(file, [], WARNINGS))).toEqual([]);
    const channel = tshark(file, ['-Y', 'tcp.port == 3478 && stun.channel'], ['stun.channel']);
    expect(channel.length).toBeGreaterThan(1000);
  }, 180_000);

  it('call-turn-tls-443: every TLS record decrypts with our key log, nothing malformed', () => {
    const { file, keys } = capture('call-turn-tls-443', 'server');
    // Wireshark takes what is inside TLS on 443 for HTTP; TURN's STUN over TLS has no dissector hook there
    const args = ['-o', `tls.keylog_file:${keys}`, '--disable-protocol', 'http'];
    expect(serious(tshark(file, args, WARNINGS))).toEqual([]);
    const records = tshark(file, [...args, '-Y', 'tls.record.opaque_type == 23'], ['tls.record.content_type']);
    expect(records.length).toBeGreaterThan(1000);
    // only a decrypting tshark sees the encrypted handshake: EncryptedExtensions (8), Certificate (11),
    // CertificateVerify (15), Finished (20) and the NewSessionTicket (4) after it
    const handshake = new Set(tshark(file, [...args, '-Y', 'tls.handshake.type'], ['tls.handshake.type']).flatMap(([t]) => (t ?? '').split(',')));
    expect([...handshake].sort((a, b) => Number(a) - Number(b))).toEqual(['1', '2', '4', '8', '11', '15', '20']);
  }, 180_000);
});
