// The golden digests: what every preset writes (pcapng, key log, --json summary, the printed summary, the hops)
// and what `rtclab dissect` prints on every kept capture (default, --json, --summary, --keylog). Refactors that
// must not change behaviour are checked against the digests this computes (test/golden/golden.test.ts).
import { createHash } from 'node:crypto';
import { cryptoBackend, type CryptoBackend, setCryptoBackend } from '../../sim/core/crypto-backend.ts';
import { readdirSync, existsSync } from 'node:fs';
import { dissectCommand } from '../../cli/dissect.ts';
import { formatSummary } from '../../cli/summary.ts';
import { parseScenario } from '../../sim/scenario/parse.ts';
import { listPresets } from '../../sim/scenario/presets/index.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { traceKeyLog, writePcapng } from '../../sim/wire/pcap/pcapng-writer.ts';
import { CAPTURES_DIR } from '../captures.ts';

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 32);
}

export interface PresetDigests {
  readonly pcapng: string;
  readonly keylog: string;
  readonly json: string;
  readonly printed: string;
  readonly hops: string;
  /** Notes as the trace JSON writes them: typed notes may change their data on purpose, never the hops. */
  readonly notes: string;
}

/** The digests of one preset run as `rtclab run <preset> --pcap --keylog --json` writes them. */
export function presetDigests(name: string): PresetDigests {
  const preset = listPresets().find((p) => p.name === name);
  if (!preset) throw new Error(`no preset ${name}`);
  const scenario = parseScenario(preset.build());
  const result = runScenario(scenario);
  const h = createHash('sha256');
  for (const hop of result.trace.hops) {
    h.update(`${hop.index} ${hop.t} ${hop.arrive} ${hop.link} ${hop.from} ${hop.to} ${hop.packet} ${hop.drop ?? ''}\n`);
    h.update(hop.bytes);
  }
  return {
    pcapng: sha256(writePcapng(result.trace)),
    keylog: sha256(traceKeyLog(result.trace)),
    json: sha256(`${JSON.stringify(result.summary, null, 2)}\n`),
    printed: sha256(formatSummary(scenario, result)),
    hops: h.digest('hex').slice(0, 32),
    notes: sha256(JSON.stringify(result.trace.notes)),
  };
}

/** Runs `fn` with `backend` and counts that the backend was really called; the backend before is restored. */
export function withBackend<T>(backend: CryptoBackend, fn: () => T): { value: T; calls: number } {
  const before = cryptoBackend();
  let calls = 0;
  const counted = Object.fromEntries(
    Object.entries(backend).map(([k, v]) => [k, typeof v === 'function' ? (...a: unknown[]) => (calls++, (v as (...x: unknown[]) => unknown)(...a)) : v]),
  ) as unknown as CryptoBackend;
  setCryptoBackend(counted);
  try {
    return { value: fn(), calls };
  } finally {
    setCryptoBackend(before);
  }
}

/** Whether a preset's run must call the crypto backend: fail-dtls-both-* never get as far as a handshake (both sides
 * active, or both waiting), and plain SIP calls carry plain RTP (no cipher; digest hashing is not the backend's). */
export function callsCrypto(name: string): boolean {
  return /call|dtls|turn/.test(name) && !/^fail-dtls-both-|^sip-/.test(name);
}

/** Every capture file kept in captures/, with its key log when one sits beside it. */
export function keptCaptures(): { name: string; file: string; keylog?: string }[] {
  const out: { name: string; file: string; keylog?: string }[] = [];
  for (const dir of readdirSync(CAPTURES_DIR, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(CAPTURES_DIR + dir.name).sort()) {
      if (!/\.pcapng?$/.test(f)) continue;
      const keylog = `${CAPTURES_DIR}${dir.name}/${f.replace(/\.pcapng?$/, '.keylog.txt')}`;
      out.push({ name: `${dir.name}/${f}`, file: `${CAPTURES_DIR}${dir.name}/${f}`, ...(existsSync(keylog) ? { keylog } : {}) });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** What `rtclab dissect <file> ...args` writes to standard output and standard error, and its exit code. */
export async function dissectOutput(args: string[]): Promise<{ out: string; err: string; code: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => (out.push(typeof s === 'string' ? s : new TextDecoder().decode(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => (err.push(typeof s === 'string' ? s : new TextDecoder().decode(s)), true)) as typeof process.stderr.write;
  try {
    const code = await dissectCommand(args);
    return { out: out.join(''), err: err.join(''), code };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

/** The dissect variants pinned for one capture. */
export function dissectVariants(c: { file: string; keylog?: string }): { [variant: string]: string[] } {
  const v: { [variant: string]: string[] } = {
    default: [c.file],
    json: [c.file, '--json'],
    summary: [c.file, '--summary'],
    'summary-json': [c.file, '--summary', '--json'],
  };
  if (c.keylog) {
    v['keylog'] = [c.file, '--keylog', c.keylog];
    v['keylog-json'] = [c.file, '--keylog', c.keylog, '--json'];
    v['keylog-summary'] = [c.file, '--keylog', c.keylog, '--summary'];
  }
  return v;
}

export async function captureDigests(c: { file: string; keylog?: string }): Promise<{ [variant: string]: string }> {
  const d: { [variant: string]: string } = {};
  for (const [variant, args] of Object.entries(dissectVariants(c))) {
    const r = await dissectOutput(args);
    d[variant] = sha256(`${r.code}\n${r.out}\n--stderr--\n${r.err.split(CAPTURES_DIR).join('<captures>/')}`);
  }
  return d;
}

// `npx tsx test/golden/compute.ts > test/golden/digests.json` writes the pinned file anew (only when a change of
// behaviour is intended, and said so in the commit).
if (import.meta.url === `file://${process.argv[1]}`) {
  const presets: { [name: string]: PresetDigests } = {};
  for (const p of listPresets()) presets[p.name] = presetDigests(p.name);
  const captures: { [name: string]: { [variant: string]: string } } = {};
  for (const c of keptCaptures()) captures[c.name] = await captureDigests(c);
  process.stdout.write(`${JSON.stringify({ presets, captures }, null, 2)}\n`);
}
