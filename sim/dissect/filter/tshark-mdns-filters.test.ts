import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mdnsKindsPcap } from '../../../test/support/mdns-messages.ts';
import { tsharkAvailable } from '../../../test/support/tshark.ts';
import { disagreements } from '../../../test/support/filter-agreement.ts';
import { findPreset } from '../../scenario/presets/index.ts';
import { parseScenario } from '../../scenario/parse.ts';
import { runScenario } from '../../scenario/run.ts';
import { writePcapng } from '../../wire/pcap/pcapng-writer.ts';

/**
 * mDNS display filters agree with Wireshark's (tshark reads mDNS with its DNS dissector: protocol `mdns`, fields
 * `dns.*`). No kept capture carries mDNS, so the judge reads the call-mdns-lan preset's export (announcements, QM
 * queries) and a file of hand-made probes, goodbyes, an IPv6 answer and a known-answer query: every frame our filter
 * selects is one sharkd (tshark 4.0's engine) selects, and no other.
 */
const FILTERS = [
  'mdns',
  '!mdns',
  'dns.flags.response == 1',
  'dns.flags.response == 0 && dns.count.auth_rr > 0',
  'dns.flags.authoritative',
  'dns.qry.type == 28',
  'dns.qry.type == 255 && dns.qry.qu == 1',
  'dns.qry.name contains "-4"',
  'dns.resp.ttl == 0',
  'dns.resp.ttl > 100 && dns.resp.cache_flush == 1',
  'dns.resp.type == 16',
  'dns.a == 192.168.1.10',
  'dns.a in {192.168.1.0/24}',
  'dns.aaaa == fe80::1',
  'dns.count.answers == 1 && dns.flags.response == 0',
  'dns.count.add_rr == 1',
  'dns.id == 0 && udp.port == 5353',
] as const;

const dir = mkdtempSync(join(tmpdir(), 'rtclab-mdns-filters-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const selected = new Map<string, number>();

const FILES: Record<string, () => Uint8Array> = {
  'call-mdns-lan.pcapng': () => writePcapng(runScenario(parseScenario(findPreset('call-mdns-lan')!.build()), { until: 2_500_000 }).trace),
  'mdns-kinds.pcap': mdnsKindsPcap,
};

describe.skipIf(!tsharkAvailable())('mDNS display filters agree with tshark', () => {
  for (const [name, make] of Object.entries(FILES)) {
    it(`${name}: ${FILTERS.length} filters`, { timeout: 300_000 }, () => {
      const file = join(dir, name);
      writeFileSync(file, make());
      expect(disagreements(file, undefined, FILTERS, selected)).toEqual([]);
    });
  }

  it('every mDNS filter selects frames in some file (none agrees by selecting nothing)', () => {
    expect(FILTERS.filter((f) => !selected.get(f))).toEqual([]);
  });
});
