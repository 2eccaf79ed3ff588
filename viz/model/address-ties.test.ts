import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { findPreset } from '../../sim/scenario/presets/index.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { writePcapng } from '../../sim/wire/pcap/pcapng-writer.ts';
import { readCapture } from '../../sim/wire/pcap/capture-reader.ts';
import { analyzeCapture } from '../../sim/infer/story.ts';
import { loadCapture } from './capture-load.ts';
import { addressTiesAt, tieRowText } from './address-ties.ts';

// The page ties addresses together as `rtclab dissect --summary` does: the same dissection pass feeds the capture
// analyzer every packet's bytes and vantage point, so a NAT seen rewriting a datagram on our multi-link export shows.
describe('address ties of a loaded capture', () => {
  const trace = runScenario(parseScenario(findPreset('ice-double-nat')!.build())).trace;
  const pcapng = writePcapng(trace);
  const loaded = loadCapture(pcapng, 'ice-double-nat.pcapng');
  const cli = analyzeCapture(readCapture(pcapng)).analyzer.natTies;

  it('are every tie the CLI infers, NAT rewrites included', () => {
    const page = addressTiesAt(loaded.trace.notes).flatMap((g) => g.rows.flat());
    const key = (x: { inside: string; outside: string; evidence: string }): string => `${x.evidence} ${x.inside} ${x.outside}`;
    expect(cli.some((x) => x.evidence === 'rewritten')).toBe(true);
    expect(page.map(key).sort()).toEqual(cli.map(key).sort());
  });

  it('chain the private address through both NATs and keep relayed addresses apart from NATs', () => {
    const groups = addressTiesAt(loaded.trace.notes);
    const rewritten = groups.find((g) => g.evidence === 'rewritten')!;
    expect(rewritten.heading).toBe('seen rewritten on the wire (the same datagram on both sides of a NAT)');
    expect(rewritten.rows.map(tieRowText)).toContain('10.0.1.10:54635 → 100.64.0.42:54635 → 203.0.113.10:10725');
    const relayed = groups.find((g) => g.evidence === 'relayed')!;
    expect(relayed.rows.map(tieRowText)).toContain('203.0.113.20:60623 → 198.51.100.10:49152');
  });

  it('grow with the cursor: none before the first datagram, all at the end', () => {
    expect(addressTiesAt(loaded.trace.notes, -1)).toEqual([]);
    const first = loaded.trace.notes.find((n) => n.kind === 'nat.mapping.inferred')!;
    const at = addressTiesAt(loaded.trace.notes, first.t).find((g) => g.evidence === 'rewritten')!.rows.flat();
    expect(at.length).toBeGreaterThan(0);
    expect(at.every((x) => x.note.t <= first.t)).toBe(true);
  });
});
