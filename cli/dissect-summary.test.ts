// `rtclab dissect --summary` as a user runs it on our own multi-link exports and on real captures: a fresh process,
// real files. The story counts each datagram once and names the evidence of every address it ties together.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'rtclab-summary-'));
const rtclab = (...args: string[]) => spawnSync(process.execPath, ['bin/rtclab.js', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });

function summaryOf(preset: string): string {
  const pcap = join(dir, `${preset}.pcapng`);
  expect(rtclab('run', preset, '--pcap', pcap).status).toBe(0);
  const r = rtclab('dissect', pcap, '--summary');
  expect(r.status).toBe(0);
  return r.stdout;
}

// generous: each test runs a preset and dissects its export in child processes, which takes minutes on a busy machine
describe('rtclab dissect --summary on a simulated export (one interface per link)', { timeout: 300_000 }, () => {
  it('a double NAT: the private address chained through both NATs, each TURN allocation once, relayed addresses not called NAT', () => {
    const out = summaryOf('ice-double-nat');
    expect(out).toMatch(/\d+ distinct datagrams: \d+ packets are the same datagram seen again on another link or beyond a NAT/);
    expect(out).toMatch(/seen rewritten on the wire[^\n]*:\n {4}10\.0\.1\.10:54635 → 100\.64\.0\.42:54635 → 203\.0\.113\.10:10725 /);
    expect(out).toMatch(/relayed address allocated by TURN \(the TURN server's address, standing for the client; not a NAT\):\n {4}203\.0\.113\.20:60623 → 198\.51\.100\.10:49152/);
    // one head line per allocation (its details are indented below it)
    const allocations = out.split('TURN allocations:\n')[1]!.split('\n\n')[0]!.split('\n').filter((l) => /^ {2}\S/.test(l));
    expect(allocations.length).toBe(2);
    expect(out).not.toMatch(/NAT-translated addresses/);
  });

  it('a TURN fallback: the selected pair is between a relayed address and the peer, and each stream is counted once', () => {
    const out = summaryOf('call-p2p-turn');
    // the first nominated pair that succeeded: with libwebrtc's semi-aggressive nomination alice's own relay is
    // nominated first (198.51.100.10:49152 → bob's srflx), then the session moves to bob's relay
    expect(out).toMatch(/selected pair: 198\.51\.100\.10:49152 → 203\.0\.113\.20:1027/);
    const streams = out.split('RTP streams:\n')[1]!.trim().split('\n');
    expect(streams.length).toBe(4);
    expect(streams.every((l) => l.includes('relayed by TURN'))).toBe(true);
    // the handshake starts on one relayed path and ends on the other once the session moves: the dissector follows
    // the association there (sim/dissect/association-follow.ts), so it is one handshake, established, both Finished
    // verified with the key log the export carries, and seen on every 5-tuple that carried it
    const dtls = out.split('\nDTLS:\n')[1]!.split('\n\n')[0]!;
    expect(dtls.split('\n').filter((l) => /^ {2}\S/.test(l))).toEqual([
      expect.stringMatching(/: DTLS 1\.2 established; .*; decrypted with the key log; client Finished verified, server Finished verified; SRTP keys derived$/),
    ]);
    expect(dtls).toMatch(/handshake: c:ClientHello s:HelloVerifyRequest c:ClientHello (s:HelloVerifyRequest c:ClientHello )?s:ServerHello .* c:Finished s:Finished\n/);
    expect(dtls.match(/the same handshake seen again as (.*)/)?.[1]?.split(', ').length).toBe(11);
    expect(out).not.toMatch(/so the handshake completed \(inferred\)/);
  });
});

describe('rtclab dissect on real captures', { timeout: 300_000 }, () => {
  it('lists coturn TURN over TCP as STUN and ChannelData, not TCP data', () => {
    const r = rtclab('dissect', 'captures/stun-turn-tcp/stun-turn-tcp.pcapng', '--json');
    expect(r.status).toBe(0);
    const packets = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { no: number; proto: string; layers: { protocol: string; transactionId?: string }[] });
    expect(packets[3]!.proto).toBe('STUN');
    expect(packets[3]!.layers.find((l) => l.protocol === 'STUN')?.transactionId).toBe('18c391ca39916b44069e2a2e');
    expect(packets[37]!.proto).toBe('TURN-CHANNELDATA');
    expect(packets[34]!.layers.filter((l) => l.protocol === 'STUN').length).toBe(2);
  });

  it("says why jitter does not apply to Chromium's RTX streams instead of printing a number", () => {
    const r = rtclab('dissect', 'captures/chromium-loopback-call/chromium-host.pcapng', '--summary');
    expect(r.status).toBe(0);
    expect(r.stdout.match(/jitter not applicable: an RTX or padding stream/g)?.length).toBe(2);
    expect(r.stdout).not.toMatch(/jitter \d{3,}\.\d+ ms/);
  });
});
