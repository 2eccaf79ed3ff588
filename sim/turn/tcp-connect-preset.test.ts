// The preset turn-tcp-connect (RFC 6062): through a firewall that blocks UDP, a TCP allocation on a control
// connection, Connect to bob's TCP port, ConnectionBind on a new data connection, then bob's bytes raw on it; tshark
// reads every link's capture with no malformed packet and sees Connect and ConnectionBind as STUN.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';
import { tsharkAvailable } from '../../test/support/tshark.ts';

describe('preset turn-tcp-connect', () => {
  const { trace, summary } = runScenario(parseScenario(findPreset('turn-tcp-connect')!.build()));
  const notes = (kind: string) => trace.notes.filter((n) => n.kind === kind);

  it('Connect dials bob from the relayed address, ConnectionBind splices the data connection, bob\'s 3,000 bytes reach alice raw', () => {
    expect(notes('turn.tcp.connect').map((n) => n.source)).toEqual(['turn/turn-server']);
    expect(notes('turn.tcp.bound').map((n) => n.source)).toEqual(['turn/turn-server', 'alice/turn-client']);
    const received = notes('turn.data.received').filter((n) => n.source === 'alice/turn-client');
    expect(received.length).toBeGreaterThan(0);
    expect(received.every((n) => n.text.includes('by TCP connection'))).toBe(true);
    const bob = (summary.apps as { kind: string; connections?: { remote: string; sent: number; corrupt: number }[] }[]).find((a) => a.kind === 'tcp-peer')!;
    expect(bob.connections!.map((c) => [c.remote, c.sent, c.corrupt])).toEqual([['198.51.100.20:49152', 3000, 0]]);
    // three TCP connections: control and data from alice's NAT to 3478, and the peer connection from the relayed address
    const opened = notes('tcp.state').filter((n) => n.source === 'turn/tcp' && n.text.includes('→ ESTABLISHED')).map((n) => n.text.split(':').slice(0, 3).join(':').replace(/ ⇄ .*/, '') + ' ⇄ ' + n.text.split(' ⇄ ')[1]!.split(':')[0]);
    expect(opened).toEqual(['198.51.100.20:3478 ⇄ 203.0.113.10', '198.51.100.20:49152 ⇄ 203.0.113.50', '198.51.100.20:3478 ⇄ 203.0.113.10']);
  });

  it.skipIf(!tsharkAvailable())('tshark reads every link with no malformed packet and sees Connect and ConnectionBind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-turn-tcp-'));
    try {
      const methods = new Set<string>();
      for (const link of new Set(trace.hops.map((h) => h.link))) {
        const file = join(dir, `${link}.pcapng`);
        writeFileSync(file, writePcapng({ ...trace, hops: trace.hops.filter((h) => h.link === link) }));
        const bad = execFileSync('tshark', ['-r', file, '-n', '-Y', '_ws.malformed || _ws.expert.severity >= error'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        expect(bad, link).toBe('');
        const types = execFileSync('tshark', ['-r', file, '-n', '-Y', 'stun', '-T', 'fields', '-e', 'stun.type'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        for (const t of types.split(/[\n,]/).filter(Boolean)) methods.add(t);
      }
      // Connect request 0x000a, success 0x010a; ConnectionBind request 0x000b, success 0x010b (RFC 6062 §6.1)
      for (const t of ['0x000a', '0x010a', '0x000b', '0x010b']) expect(methods).toContain(t);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
