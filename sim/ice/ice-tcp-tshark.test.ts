// tshark as the judge of ICE-TCP's bytes (RFC 6544 §3, RFC 4571): the call-ice-tcp capture, link by link (each link
// is its own vantage point), with tshark's own STUN, DTLS and RTP dissectors reading every packet the RFC 4571
// framing carries on the connection to port 443 (test/support/rfc4571.lua only cuts the frames, tshark 4.0 having
// no RFC 4571 dissector): no malformed packet, no TCP or other warning, every check we sent on the connection seen,
// and the DTLS handshake read through both Finished messages with the key log in the pcapng.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tsharkAvailable } from '../../test/support/tshark.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';

const LUA = join(import.meta.dirname, '../../test/support/rfc4571.lua');
const dir = mkdtempSync(join(tmpdir(), 'rtclab-icetcp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tshark(args: string[]): string {
  return execFileSync('tshark', ['-X', `lua_script:${LUA}`, '-d', 'tcp.port==443,rfc4571ice', '-o', 'tcp.check_checksum:TRUE', ...args], { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 120_000 });
}

describe.skipIf(!tsharkAvailable() && !process.env['CI'])('tshark reads the RFC 4571-framed STUN, DTLS and SRTP of call-ice-tcp', () => {
  it('on each link the connection to 443 crosses: no malformed or warned frame, every TCP check, a whole DTLS handshake', { timeout: 300_000 }, () => {
    const r = runScenario(parseScenario(findPreset('call-ice-tcp')!.build()), { until: 4_000_000 });
    const all = join(dir, 'call-ice-tcp.pcapng');
    writeFileSync(all, writePcapng(r.trace));
    const tcpChecks = new Set(r.trace.notes.filter((n) => n.kind === 'ice.check.sent' && String(n.data!.pair).endsWith(' tcp')).map((n) => String(n.data!.transactionId)));
    expect(tcpChecks.size).toBeGreaterThanOrEqual(4); // alice's check and nomination, bob's triggered check, consent
    const ids = [...new Set(tshark(['-r', all, '-Y', 'tcp.port == 443', '-T', 'fields', '-e', 'frame.interface_id']).split('\n').filter(Boolean))];
    expect(ids.length).toBe(3); // alice's LAN, the firewall's uplink, bob's uplink
    for (const id of ids) {
      const one = join(dir, `if${id}.pcapng`);
      execFileSync('tshark', ['-r', all, '-Y', `frame.interface_id == ${id} && tcp.port == 443`, '-w', one]);
      expect(tshark(['-r', one, '-Y', '_ws.malformed || _ws.expert.severity >= warning']), `link ${id}`).toBe('');
      const rows = tshark(['-r', one, '-T', 'fields', '-E', 'separator=|', '-e', 'rfc4571ice.class', '-e', 'stun.id', '-e', 'dtls.handshake.type']).split('\n').filter(Boolean).map((l) => l.split('|'));
      const classes = new Set(rows.flatMap((x) => (x[0] ?? '').split(',')).filter(Boolean));
      expect([...classes].sort(), `link ${id}`).toEqual(['DTLS', 'RTP', 'SRTCP', 'STUN']);
      const stunIds = new Set(rows.flatMap((x) => (x[1] ?? '').split(',')).filter(Boolean).map((h) => h.replace(/^0x/, '')));
      for (const t of tcpChecks) expect(stunIds.has(t), `link ${id}: check ${t}`).toBe(true);
      const handshake = rows.flatMap((x) => (x[2] ?? '').split(',')).filter(Boolean);
      for (const t of ['1', '3', '2', '11', '12', '13', '14', '16', '15', '20']) expect(handshake, `link ${id}`).toContain(t);
      expect(handshake.filter((t) => t === '20')).toHaveLength(2);
    }
  });
});
