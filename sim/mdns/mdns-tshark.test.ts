// tshark as the oracle for our mDNS on the wire: the call-mdns-lan capture, every datagram to port 5353 read as mDNS
// with the names, flags, TTL and addresses we meant, and no malformed packet.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsharkAvailable, tsharkFields } from '../../test/support/tshark.ts';
import { parseScenario } from '../scenario/parse.ts';
import { findPreset } from '../scenario/presets/index.ts';
import { runScenario } from '../scenario/run.ts';
import { writePcapng } from '../wire/pcap/pcapng-writer.ts';

describe.runIf(tsharkAvailable())('tshark reads the mDNS of call-mdns-lan', () => {
  it('as mDNS queries and responses, nothing malformed', () => {
    const { trace } = runScenario(parseScenario(findPreset('call-mdns-lan')!.build()), { until: 2_500_000 });
    const dir = mkdtempSync(join(tmpdir(), 'rtclab-mdns-'));
    try {
      const file = join(dir, 'mdns.pcapng');
      writeFileSync(file, writePcapng(trace));
      const rows = tsharkFields(file, ['frame.protocols', 'ip.ttl', 'dns.flags.response', 'dns.qry.name', 'dns.qry.type', 'dns.resp.name', 'dns.resp.cache_flush', 'dns.resp.ttl', 'dns.a'], { filter: 'udp.port == 5353' });
      const names = trace.notes.filter((n) => n.kind === 'mdns.name.created').map((n) => (n.data as { name: string }).name);
      expect(rows.length).toBeGreaterThan(10);
      for (const r of rows) {
        expect(r[0]).toMatch(/:ip:udp:mdns$/);
        expect(r[1]).toBe('255');
      }
      // errors only: every frame's hop comment is an expert note, and tshark warns "retransmission" of the same
      // datagram seen on the next link (mDNS queries and responses all have ID 0, RFC 6762 §18.1)
      expect(tsharkFields(file, ['frame.number'], { filter: 'udp.port == 5353 && (_ws.malformed || _ws.expert.severity >= error)' })).toEqual([]);
      const queries = rows.filter((r) => r[2] === '0');
      // the probes ask ANY (255) for their own names (RFC 6762 §8.1), the resolvers A and AAAA for the other's
    expect(new Set(queries.map((r) => `${r[3]} ${r[4]}`))).toEqual(new Set(names.flatMap((n) => [`${n} 1`, `${n} 28`, `${n} 255`])));
      const responses = rows.filter((r) => r[2] === '1');
      expect(new Set(responses.map((r) => `${r[5]} ${r[6]} ${r[7]} ${r[8]}`))).toEqual(new Set([`${names[0]} 1 120 192.168.1.10`, `${names[1]} 1 120 192.168.1.20`]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
