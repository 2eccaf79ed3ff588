import { MATRIX_SIDES, runMatrix } from '../sim/matrix/traversal.ts';
import type { MatrixCell } from '../sim/matrix/traversal.ts';
import { Progress } from './progress.ts';

const USAGE = `rtclab matrix — the NAT traversal matrix, computed by running every cell

Usage:
  rtclab matrix [--no-turn] [--seed N] [--json] [--quiet]
      --no-turn   no TURN server: cells that need a relay fail
      --seed N    the random seed of every run (default 1)
      --json      print the cells as JSON
      --quiet     no progress on standard error (drawn there, cell by cell with an ETA, when it is a terminal)
Rows are alice's side (controlling), columns bob's; a cell is alice's selected pair "<local>/<remote>" and how her
side carries it (udp; turn/udp, turn/tcp, turn/tls for a relay reached over that transport), or "failed".
With a TURN server, each agent is given it as browsers are: turn:…?transport=udp, ?transport=tcp, turns:…:443.
Sides: the classic NATs; udp-blocked (a firewall dropping all UDP); web-only (TCP out to ports 80 and 443 only).
`;

function table(cells: readonly MatrixCell[]): string {
  const w = Math.max(...MATRIX_SIDES.map((s) => s.length)) + 2;
  const cellText = (c: MatrixCell): string => (c.transport ? `${c.outcome} ${c.transport}` : c.outcome);
  const cw = Math.max(14, ...cells.map((c) => cellText(c).length + 2));
  const short: Record<string, string> = { 'restricted-cone': 'restricted', 'port-restricted-cone': 'port-restr.' };
  const lines = [`${'alice \\ bob'.padEnd(w)}${MATRIX_SIDES.map((s) => (short[s] ?? s).padEnd(cw)).join('')}`];
  for (const a of MATRIX_SIDES) {
    const row = MATRIX_SIDES.map((b) => {
      const c = cells.find((x) => x.alice === a && x.bob === b);
      return (c ? cellText(c) : '?').padEnd(cw);
    });
    lines.push(`${a.padEnd(w)}${row.join('')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `rtclab matrix`: runs the 36 cells and prints the table (or JSON); returns the exit code. */
export async function matrixCommand(argv: string[]): Promise<number> {
  let turn = true;
  let json = false;
  let quiet = false;
  let seed = 1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--no-turn') turn = false;
    else if (a === '--json') json = true;
    else if (a === '--quiet') quiet = true;
    else if (a === '--seed') {
      const v = argv[++i];
      if (v === undefined || !/^\d+$/.test(v)) {
        process.stderr.write('rtclab matrix: --seed expects a non-negative integer\n');
        return 2;
      }
      seed = Number(v);
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      return 0;
    } else {
      process.stderr.write(`rtclab matrix: unknown option ${a}\n${USAGE}`);
      return 2;
    }
  }
  const progress = new Progress(MATRIX_SIDES.length ** 2, { label: 'cells', quiet });
  const cells = runMatrix(turn, seed, MATRIX_SIDES, (done) => progress.tick(done));
  progress.end();
  if (json) {
    process.stdout.write(`${JSON.stringify({ turn, seed, sides: MATRIX_SIDES, cells }, null, 2)}\n`);
  } else {
    process.stdout.write(`NAT traversal matrix, ${turn ? 'with' : 'without'} a TURN server (seed ${seed}): alice's selected pair, local/remote\n`);
    process.stdout.write(table(cells));
  }
  return 0;
}
