import { afterEach, describe, expect, it, vi } from 'vitest';
import { matrixCommand } from './matrix.ts';

// `rtclab matrix` runs every cell; the table and the JSON agree with the runs (sim/matrix/traversal.test.ts pins the cells).
describe('rtclab matrix', () => {
  afterEach(() => vi.restoreAllMocks());

  const capture = async (argv: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out += String(s);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      err += String(s);
      return true;
    });
    const code = await matrixCommand(argv);
    return { code, out: out + err, err };
  };

  it('--json without TURN lists 49 cells, and symmetric against symmetric fails', async () => {
    const { code, out } = await capture(['--json', '--no-turn']);
    expect(code).toBe(0);
    const j = JSON.parse(out) as { turn: boolean; cells: { alice: string; bob: string; outcome: string }[] };
    expect(j.turn).toBe(false);
    expect(j.cells).toHaveLength(49);
    expect(j.cells.find((c) => c.alice === 'symmetric' && c.bob === 'symmetric')!.outcome).toBe('failed');
    expect(j.cells.find((c) => c.alice === 'open' && c.bob === 'open')!.outcome).toBe('host/host');
  }, 300_000);

  it('prints a table with a row per side, its progress cell by cell on standard error, and rejects unknown options', async () => {
    vi.stubEnv('RTCLAB_PROGRESS', '1'); // as on a terminal
    const { code, out, err } = await capture([]);
    vi.unstubAllEnvs();
    expect(code).toBe(0);
    // redrawn in place, at most ten times a second, always at the end
    const draws = err.split('\r').filter(Boolean);
    expect(draws.at(-1)).toMatch(/^cells \[#{30}\] 49\/49 100% ETA 0s {2}\n$/);
    expect(draws.length).toBeGreaterThanOrEqual(2);
    const rows = out.split('\n').filter((l) => /^(open|full-cone|restricted-cone|port-restricted-cone|symmetric|udp-blocked|web-only) /.test(l));
    expect(rows).toHaveLength(7);
    expect(rows.find((l) => l.startsWith('symmetric '))).toContain('prflx/relay');
    // UDP blocked: TURN over TCP; only the web ports open: TURN over TLS on 443
    expect(rows.find((l) => l.startsWith('udp-blocked '))).toContain('relay/srflx turn/tcp');
    expect(rows.find((l) => l.startsWith('web-only '))).toContain('relay/srflx turn/tls');
    expect((await capture(['--bogus'])).code).toBe(2);
  }, 300_000);
});
