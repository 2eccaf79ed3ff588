import { afterEach, describe, expect, it, vi } from 'vitest';
import { matrixCommand } from './matrix.ts';

// `rtclab matrix` runs every cell; the table and the JSON agree with the runs (sim/matrix/traversal.test.ts pins the cells).
describe('rtclab matrix', () => {
  afterEach(() => vi.restoreAllMocks());

  const capture = async (argv: string[]): Promise<{ code: number; out: string }> => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out += String(s);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      out += String(s);
      return true;
    });
    const code = await matrixCommand(argv);
    return { code, out };
  };

  it('--json without TURN lists 49 cells, and symmetric against symmetric fails', async () => {
    const { code, out } = await capture(['--json', '--no-turn']);
    expect(code).toBe(0);
    const j = JSON.parse(out) as { turn: boolean; cells: { alice: string; bob: string; outcome: string }[] };
    expect(j.turn).toBe(false);
    expect(j.cells).toHaveLength(49);
    expect(j.cells.find((c) => c.alice === 'symmetric' && c.bob === 'symmetric')!.outcome).toBe('failed');
    expect(j.cells.find((c) => c.alice === 'open' && c.bob === 'open')!.outcome).toBe('host/host');
  }, 120_000);

  it('prints a table with a row per side and rejects unknown options', async () => {
    const { code, out } = await capture([]);
    expect(code).toBe(0);
    const rows = out.split('\n').filter((l) => /^(open|full-cone|restricted-cone|port-restricted-cone|symmetric|udp-blocked|web-only) /.test(l));
    expect(rows).toHaveLength(7);
    expect(rows.find((l) => l.startsWith('symmetric '))).toContain('prflx/relay');
    // UDP blocked: TURN over TCP; only the web ports open: TURN over TLS on 443
    expect(rows.find((l) => l.startsWith('udp-blocked '))).toContain('relay/srflx turn/tcp');
    expect(rows.find((l) => l.startsWith('web-only '))).toContain('relay/srflx turn/tls');
    expect((await capture(['--bogus'])).code).toBe(2);
  }, 120_000);
});
