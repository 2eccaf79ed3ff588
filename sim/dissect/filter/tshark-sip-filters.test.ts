import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tsharkAvailable } from '../../../test/support/tshark.ts';
import { disagreements } from '../../../test/support/filter-agreement.ts';
import { findPreset } from '../../scenario/presets/index.ts';
import { parseScenario } from '../../scenario/parse.ts';
import { runScenario } from '../../scenario/run.ts';
import { writePcapng } from '../../wire/pcap/pcapng-writer.ts';

/**
 * SIP display filters agree with Wireshark's. No kept capture carries SIP, so the judge reads our own exports of the
 * SIP presets over UDP (`rtclab run <preset> --pcap`: REGISTER with its digest challenge, INVITE, 100/180/200, ACK,
 * BYE, CANCEL and 487, a 302 redirect): every frame our filter selects is one sharkd (tshark 4.0's engine) selects.
 */
const PRESETS = ['sip-register-call', 'sip-cancel'] as const;

const FILTERS = [
  'sip',
  'sip.Method == "INVITE"',
  'sip.Method == "REGISTER" && sip.Authorization',
  'sip.Method in {"ACK", "BYE", "CANCEL"}',
  'sip.Status-Code == 401',
  'sip.Status-Code >= 200 && sip.CSeq.method == "INVITE"',
  'sip.Status-Code == 487 || sip.Status-Code == 302',
  'sip.CSeq.seq == 2',
  'sip.Call-ID contains "@"',
  'sip.Content-Length > 0',
  'sip.WWW-Authenticate contains "MD5"',
  'sip.r-uri contains "1002"',
  'sip && udp.srcport == 5060 && !sip.Status-Code',
] as const;

const dir = mkdtempSync(join(tmpdir(), 'rtclab-sip-filters-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const selected = new Map<string, number>();

describe.skipIf(!tsharkAvailable())('SIP display filters agree with tshark on the SIP presets exported', () => {
  for (const name of PRESETS) {
    it(`${name}: ${FILTERS.length} filters`, { timeout: 300_000 }, () => {
      const trace = runScenario(parseScenario(findPreset(name)!.build())).trace;
      const file = join(dir, `${name}.pcapng`);
      writeFileSync(file, writePcapng(trace));
      expect(disagreements(file, undefined, FILTERS, selected)).toEqual([]);
    });
  }

  it('every SIP filter selects frames in some export (none agrees by selecting nothing)', () => {
    expect(FILTERS.filter((f) => !selected.get(f))).toEqual([]);
  });
});
