import { readFileSync, writeFileSync } from 'node:fs';
import { formatDuration, parseDuration } from '../sim/core/time.ts';
import { ScenarioError } from '../sim/schema/check.ts';
import { findPreset, listPresets } from '../sim/scenario/presets/index.ts';
import { Progress } from './progress.ts';

const USAGE = `rtclab — a deterministic, packet-level WebRTC lab

Usage:
  rtclab run <preset|scenario.json> [options]   run a scenario and print a summary
      --seed N            the random seed (default: the scenario's)
      --until DURATION    stop at this virtual time, e.g. 30s, 500ms (default: the scenario's duration)
      --set PATH=VALUE    change a field before running, e.g. --set nodes.natA.preset=symmetric (repeatable)
      --pcap FILE         write every hop as a pcapng packet (one interface per link)
      --keylog FILE       write the DTLS key log (NSS format) for Wireshark
      --json FILE         write a machine-readable summary
      --trace FILE        write the whole trace (the format the visualizer loads)
      --quiet             print nothing but errors
  rtclab dissect <capture> [options]             dissect a pcap/pcapng capture (or our export) like tshark
      --keylog FILE       NSS key log: decrypt DTLS 1.2/1.3, TLS and SRTP/SRTCP
      --json              one JSON object per packet (see docs/dissect-json.md)
      --summary           the inferred story: lanes, ICE checklist, DTLS, streams
      --stats             RTP stream analysis and stats over time (--json, --csv FILE, --bucket MS)
      -Y FILTER           a display filter (Wireshark's language, tshark's field names; docs/display-filters.md)
      --follow KIND,N     follow a conversation both ways: tcp, tls, http, websocket, signaling, udp, datachannel
      --sdp               the SDP offers and answers the signaling carried (WebSocket, HTTP, SIP), side by side
      --certs             the certificates the handshakes sent (1.3 ones with --keylog), checked against a=fingerprint
      --internals FILE    a Chromium webrtc-internals dump of the same call: its SDP joins --sdp
  rtclab matrix [--no-turn] [--seed N] [--json]   run the NAT traversal matrix: every pair of NAT types, for real
  rtclab sweep <preset|scenario.json> [options]  run it over a grid of parameters × seeds on every core (--help)
  rtclab worker --queue redis://HOST:PORT        run sweep jobs from a Redis queue (sweep --queue; --help)
  rtclab presets                                 list the built-in scenarios
  rtclab apps [kind] [--markdown]                list the scenario app kinds, or every field of one
  rtclab show <preset>                           print a preset as a scenario file to edit
  rtclab help [command]                          this text, or one command's (so does <command> --help)
  rtclab --version                               the version

Every command takes --help. Output is plain text with no colour (NO_COLOR is honoured by having none); progress
(sweep, matrix, a long run, dissect to a file) goes to standard error, only when it is a terminal (RTCLAB_PROGRESS=1
draws it anyway, --quiet never). Machine-readable forms: run --json/--trace,
dissect --json, matrix --json, sweep --json and its JSON lines.

Exit codes:
  0  done
  1  the input is invalid: a scenario with wrong fields (each named), a capture with a fatal problem
  2  usage: an unknown command or option, a missing or unreadable file
  3  sweep only: done, but some runs ended in an error (their "error" field says which and why)
`;

/** One command's part of the usage text (`rtclab help run`, `rtclab run --help`). */
function commandUsage(cmd: string): string | undefined {
  const lines = USAGE.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`  rtclab ${cmd} `) || l === `  rtclab ${cmd}`);
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && lines[end]!.startsWith('      ')) end++;
  return `Usage:\n${lines.slice(start, end).join('\n')}\n`;
}

/** The version in package.json, which the library also exports. */
async function version(): Promise<string> {
  return (await import('../lib/version.ts')).VERSION;
}

class UsageError extends Error {}

interface RunArgs {
  target: string;
  seed?: number;
  until?: number;
  sets: string[];
  pcap?: string;
  keylog?: string;
  json?: string;
  trace?: string;
  quiet: boolean;
}

function parseRunArgs(argv: string[]): RunArgs {
  const out: RunArgs = { target: '', sets: [], quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--seed': {
        const v = value();
        if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new UsageError(`--seed expects a non-negative integer, got ${JSON.stringify(v)}`);
        out.seed = Number(v);
        break;
      }
      case '--until': {
        const v = value();
        const d = parseDuration(v);
        if (typeof d === 'object') throw new UsageError(`--until: ${d.error}`);
        out.until = d;
        break;
      }
      case '--set':
        out.sets.push(value());
        break;
      case '--pcap':
        out.pcap = value();
        break;
      case '--keylog':
        out.keylog = value();
        break;
      case '--json':
        out.json = value();
        break;
      case '--trace':
        out.trace = value();
        break;
      case '--quiet':
        out.quiet = true;
        break;
      default:
        if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
        if (out.target) throw new UsageError(`one scenario at a time (got ${out.target} and ${a})`);
        out.target = a;
    }
  }
  if (!out.target) throw new UsageError('run needs a preset name or a scenario file (see `rtclab presets`)');
  return out;
}

/** A preset by name, or a scenario file; JSON errors name the file and position. */
export function loadScenarioSource(target: string): unknown {
  const preset = findPreset(target);
  if (preset) return preset.build();
  let text: string;
  try {
    text = readFileSync(target, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT' ? `${target}: no such preset or file (see \`rtclab presets\`)` : `${target}: cannot read (${(e as Error).message})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${target}: not valid JSON: ${(e as Error).message}`);
  }
}

async function run(argv: string[]): Promise<number> {
  // each command loads only what it uses, so `rtclab presets` or `help` starts at once
  const [{ parseScenario }, { applySet }, { runScenario }, { traceKeyLog, writePcapng }, { traceToJson }, { formatSummary }, { diagnose }, { diagnosisToJson, formatDiagnosis }] = await Promise.all([
    import('../sim/scenario/parse.ts'),
    import('../sim/scenario/set.ts'),
    import('../sim/scenario/run.ts'),
    import('../sim/wire/pcap/pcapng-writer.ts'),
    import('../sim/core/trace-json.ts'),
    import('./summary.ts'),
    import('../sim/diagnosis/diagnose.ts'),
    import('../sim/diagnosis/format.ts'),
  ]);
  const args = parseRunArgs(argv);
  let raw = loadScenarioSource(args.target);
  for (const s of args.sets) raw = applySet(raw, s);
  const scenario = parseScenario(raw);
  const started = performance.now();
  // a run that takes more than half a second shows how far it is in virtual time (on a terminal only)
  const until = args.until ?? scenario.duration;
  const progress = new Progress(until, { label: 'virtual time', quiet: args.quiet, after: 500, format: (us) => formatDuration(us) });
  const result = runScenario(scenario, {
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
    ...(args.until !== undefined ? { until: args.until } : {}),
    ...(progress.active ? { onProgress: (now: number) => progress.tick(now) } : {}),
  });
  progress.end();
  const elapsed = (performance.now() - started) / 1000;
  // "why did it fail?": a run that worked has no finding, and then its outputs are what they always were
  const diagnosis = diagnose(result.trace);
  if (args.pcap) writeFileSync(args.pcap, writePcapng(result.trace));
  if (args.keylog) writeFileSync(args.keylog, traceKeyLog(result.trace));
  if (args.json) {
    const json = diagnosis.findings.length ? { ...result.summary, diagnosis: diagnosisToJson(diagnosis) } : result.summary;
    writeFileSync(args.json, `${JSON.stringify(json, null, 2)}\n`);
  }
  if (args.trace) writeFileSync(args.trace, traceToJson(result.trace));
  if (!args.quiet) {
    process.stdout.write(formatSummary(scenario, result));
    for (const line of formatDiagnosis(diagnosis)) process.stdout.write(`${line}\n`);
    process.stdout.write(`ran ${formatDuration(result.summary.duration as number)} of virtual time in ${elapsed.toFixed(2)} s\n`);
    for (const [flag, file] of [['pcap', args.pcap], ['keylog', args.keylog], ['json', args.json], ['trace', args.trace]] as const) {
      if (file) process.stdout.write(`wrote ${flag} to ${file}\n`);
    }
  }
  return 0;
}

/** Commands that only print text: they load neither the simulator nor a crypto backend, so they start at once. */
const TEXT_ONLY = new Set([undefined, '--help', '-h', 'help', '--version', '-V', 'version', 'presets', 'show']);

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  // the same bytes as the portable @noble code, faster (sim/core/crypto-backend.ts); loaded only by the commands
  // that may compute (`help run` prints text, then `run` itself injects it)
  if (!TEXT_ONLY.has(cmd)) (await import('./node-crypto.ts')).useNodeCrypto();
  try {
    // commands that read their own options print their own help; the others' comes from the usage text
    if ((rest.includes('--help') || rest.includes('-h')) && cmd !== undefined && !['matrix', 'apps', 'sweep', 'worker', 'help'].includes(cmd)) {
      const text = cmd === 'dissect' ? (await import('./dissect.ts')).DISSECT_USAGE : commandUsage(cmd);
      if (text === undefined) throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
      process.stdout.write(text);
      return 0;
    }
    switch (cmd) {
      case '--version':
      case '-V':
      case 'version':
        process.stdout.write(`rtclab ${await version()}\n`);
        return 0;
      case 'run':
        return await run(rest);
      case 'dissect':
        return await (await import('./dissect.ts')).dissectCommand(rest);
      case 'matrix':
        return await (await import('./matrix.ts')).matrixCommand(rest);
      case 'sweep':
        return await (await import('./sweep.ts')).sweepCommand(rest, loadScenarioSource);
      case 'worker':
        return await (await import('./sweep-queue.ts')).workerCommand(rest);
      case 'apps':
        return (await import('./apps.ts')).appsCommand(rest);
      case 'presets':
        for (const p of listPresets()) process.stdout.write(`${p.name.padEnd(34)} ${p.title}\n`);
        return 0;
      case 'show': {
        const p = rest[0] ? findPreset(rest[0]) : undefined;
        if (!p) throw new UsageError(`show needs a preset name (see \`rtclab presets\`), got ${JSON.stringify(rest[0] ?? '')}`);
        process.stdout.write(`${JSON.stringify(p.build(), null, 2)}\n`);
        return 0;
      }
      case 'help': {
        if (rest[0] === undefined) {
          process.stdout.write(USAGE);
          return 0;
        }
        return await main([rest[0], '--help']);
      }
      case undefined:
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`rtclab: ${e.message}\n`);
      return 2;
    }
    if (e instanceof ScenarioError) {
      process.stderr.write(`rtclab: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
