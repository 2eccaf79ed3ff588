import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { Progress, progressEnabled } from './progress.ts';
import { CaptureReader } from '../sim/wire/pcap/capture-reader.ts';
import type { CaptureEvent } from '../sim/wire/pcap/capture.ts';
import { DissectionPass } from '../sim/pass/pass.ts';
import { CaptureFeed } from '../sim/pass/capture-feed.ts';
import { packetToJson } from '../sim/dissect/json.ts';
import type { DissectedPacket } from '../sim/dissect/types.ts';
import { CaptureAnalyzer } from '../sim/infer/analyzer.ts';
import { formatStory } from '../sim/infer/story.ts';
import { diagnose } from '../sim/diagnosis/diagnose.ts';
import { CaptureFactsObserver } from '../sim/diagnosis/capture-facts.ts';
import { diagnosisToJson, formatDiagnosis } from '../sim/diagnosis/format.ts';
import { parseStatsArg, printStats, statsCollector, STATS_USAGE, type StatsArgs } from './dissect-stats.ts';
import { formatFilterError, tryCompileFilter, type DisplayFilter } from '../sim/dissect/filter/filter.ts';
import { FrameTracker } from '../sim/dissect/filter/frames.ts';
import { formatFollow, parseFollow, StreamFollower, type FollowKind } from '../sim/dissect/follow/follow.ts';
import { listFields } from '../sim/dissect/filter/fields.ts';
import { readInternalsFile, SdpViews, SDP_USAGE, type InternalsFile } from './dissect-sdp.ts';
import { SipFlowCollector } from '../sim/sipflow/collect.ts';
import { formatSipFlows, sipFlowsToJson } from '../sim/sipflow/format.ts';

export const DISSECT_USAGE = `rtclab dissect <capture.pcap|capture.pcapng> [options]
    --keylog FILE   NSS key log (CLIENT_RANDOM or TLS 1.3 secret lines): decrypt DTLS 1.2/1.3 and TLS over TCP,
                    verify Finished, derive the SRTP keys and decrypt SRTP/SRTCP
    --json          one JSON object per line per packet (format: docs/dissect-json.md)
    --summary       the inferred story: lanes, NAT, TURN, ICE checklist, DTLS, streams
    --problems      list each packet's problems under its line
    -Y FILTER       display filter, Wireshark's language and tshark's field names: only the packets it selects
                    are printed (frame numbers stay the capture's); e.g. -Y 'stun.type == 0x0001 && ip.addr == 10.0.0.0/8'
    --follow KIND,N follow a conversation, both directions, as Wireshark's Follow Stream: tcp, tls (decrypted),
                    http, websocket, signaling (N: tcp.stream), udp, datachannel (N: udp.stream)
    --call-flow     SIP calls as sngrep draws them: one ladder per Call-ID, a column per address:port, each
                    request or response on its arrow ((SDP), [retransmission]), times, deltas and frames, the call's
                    state (CALL SETUP, IN CALL, COMPLETED, CANCELLED, REJECTED, BUSY, DIVERTED); --json one object
    --fields        the display filter fields and protocols, with their types (docs/display-filters.md)
    --quiet         no progress on standard error (drawn there, in megabytes read with an ETA, when standard
                    error is a terminal and standard output is not, as when the packets go to a file)
${STATS_USAGE}${SDP_USAGE}`;

interface DissectArgs extends StatsArgs {
  file: string;
  keylog?: string;
  json: boolean;
  summary: boolean;
  problems: boolean;
  filter?: string;
  follow?: { kind: FollowKind; index: number };
  fields: boolean;
  quiet: boolean;
  sdp: boolean;
  certs: boolean;
  internals?: string;
  callFlow: boolean;
}

function parseArgs(argv: string[]): DissectArgs | string {
  const out: DissectArgs = { file: '', json: false, summary: false, problems: false, stats: false, wiresharkClock: false, fields: false, quiet: false, sdp: false, certs: false, callFlow: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const used = parseStatsArg(argv, i, out);
    if (typeof used === 'string') return used;
    if (used > 0) {
      i += used - 1;
      continue;
    }
    if (a === '--keylog') {
      const v = argv[++i];
      if (v === undefined) return '--keylog needs a file';
      out.keylog = v;
    } else if (a === '-Y' || a === '--display-filter') {
      const v = argv[++i];
      if (v === undefined) return `${a} needs a filter`;
      out.filter = v;
    } else if (a === '--follow') {
      const v = argv[++i];
      if (v === undefined) return '--follow needs KIND,N (tcp,0)';
      const f = parseFollow(v);
      if (typeof f === 'string') return f;
      out.follow = f;
    } else if (a === '--fields') out.fields = true;
    else if (a === '--quiet') out.quiet = true;
    else if (a === '--json') out.json = true;
    else if (a === '--sdp') out.sdp = true;
    else if (a === '--certs') out.certs = true;
    else if (a === '--call-flow') out.callFlow = true;
    else if (a === '--internals') {
      const v = argv[++i];
      if (v === undefined) return '--internals needs a webrtc-internals dump';
      out.internals = v;
    }
    else if (a === '--summary') out.summary = true;
    else if (a === '--problems') out.problems = true;
    else if (a === '--help' || a === '-h') return '';
    else if (a.startsWith('-')) return `unknown option ${a}`;
    else if (out.file) return `one capture at a time (got ${out.file} and ${a})`;
    else out.file = a;
  }
  return out.file || out.fields ? out : 'which capture? rtclab dissect <file>';
}

const CHUNK = 1 << 20;

/**
 * Reads the file in 1 MiB chunks through the streaming reader, handing each event to `onEvent` as soon as it is
 * read: a capture of hundreds of MB is never held twice, and no chunk's packets wait in a list.
 */
function readCaptureEvents(file: string, onEvent: (e: CaptureEvent) => void, onBytes?: (read: number, size: number) => void): void {
  const fd = openSync(file, 'r');
  try {
    const reader = new CaptureReader();
    const size = onBytes ? fstatSync(fd).size : 0;
    let read = 0;
    for (;;) {
      // a fresh buffer per chunk: packets are views into pushed chunks and must stay valid (capture-reader.ts)
      const buf = new Uint8Array(CHUNK);
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      reader.pushEach(buf.subarray(0, n), onEvent);
      read += n;
      onBytes?.(read, size);
    }
    reader.endEach(onEvent);
  } finally {
    closeSync(fd);
  }
}

/**
 * Standard output in 64 KiB writes (one write per line costs more than dissecting the packet); `flush` before
 * anything goes to standard error keeps the two in the order they were said.
 */
class BatchedOutput {
  private text = '';
  /** The progress line on standard error, ended before a message goes there. */
  progress: Progress | undefined;

  line(s: string): void {
    this.text += `${s}\n`;
    if (this.text.length >= 65536) this.flush();
  }

  flush(): void {
    if (this.text) process.stdout.write(this.text);
    this.text = '';
  }

  error(s: string): void {
    this.flush();
    this.progress?.end();
    process.stderr.write(s);
  }
}

function line(no: number, rel: number, p: DissectedPacket): string {
  return `${String(no).padStart(6)} ${rel.toFixed(6).padStart(12)} ${(p.src || '?').padEnd(22)} → ${(p.dst || '?').padEnd(22)} ${p.protocol.padEnd(16)} ${p.summary}`;
}

/** `rtclab dissect`: returns the exit code (0 ok, 1 the capture had a fatal problem, 2 usage or file errors). */
export async function dissectCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    if (args) process.stderr.write(`rtclab dissect: ${args}\n`);
    process.stderr.write(DISSECT_USAGE);
    return args ? 2 : 0;
  }
  if (args.fields) {
    process.stdout.write(listFields());
    return 0;
  }
  let filter: DisplayFilter | undefined;
  if (args.filter !== undefined) {
    const c = tryCompileFilter(args.filter);
    if ('error' in c) {
      process.stderr.write(`rtclab dissect: the display filter is not valid:\n${formatFilterError(args.filter, c.error, '    ')}\n`);
      return 2;
    }
    filter = c.filter;
  }
  const frames = filter || args.follow ? new FrameTracker() : undefined;
  const follower = args.follow ? new StreamFollower(args.follow.kind, args.follow.index) : undefined;
  let keyLog: string | undefined;
  if (args.keylog) {
    try {
      keyLog = readFileSync(args.keylog, 'utf8');
    } catch (e) {
      process.stderr.write(`rtclab dissect: cannot read key log ${args.keylog}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  // the packet list and --json print no field spans: the same decoders run without recording them (much faster)
  const pass = new DissectionPass({ ...(keyLog ? { keyLog } : {}), spans: false });
  if (keyLog && pass.dissector.flows.keys.size === 0) process.stderr.write(`rtclab dissect: ${args.keylog} has no usable key log line\n`);
  const analyzer = args.summary ? new CaptureAnalyzer(pass.dissector.flows) : undefined;
  if (analyzer) pass.observe(analyzer);
  const facts = args.summary ? new CaptureFactsObserver() : undefined;
  if (facts) pass.observe(facts);
  const stats = statsCollector(args);
  if (stats) pass.observe(stats);
  let internals: InternalsFile | undefined;
  if (args.internals) {
    const r = readInternalsFile(args.internals);
    if (typeof r === 'string') {
      process.stderr.write(`rtclab dissect: ${r}\n`);
      return 2;
    }
    internals = r;
  }
  const sdp = SdpViews.attach(pass, { sdp: args.sdp, certs: args.certs }, internals);
  const calls = args.callFlow ? new SipFlowCollector() : undefined;
  if (calls) pass.observe(calls);
  const out = new BatchedOutput();
  let fatal = false;
  const write = (s: string): void => out.line(s);
  const feed = new CaptureFeed(pass, {
    packet: (p, raw, hop) => {
      const frame = frames?.next(p, raw.index + 1, hop.t, raw.data, raw.time?.us);
      sdp?.sawTime(raw.time?.us);
      if (follower) return follower.add(p, frame!);
      if ((args.summary && !args.json) || stats || sdp || calls) return;
      if (filter && !filter.test(p, frame!)) return;
      if (args.json) write(JSON.stringify(packetToJson(p, { no: raw.index + 1, ts: (raw.time?.us ?? 0) / 1e6 })));
      else {
        write(line(raw.index + 1, hop.t / 1e6, p));
        if (args.problems) for (const pr of p.problems) write(`${' '.repeat(20)}! ${pr.message} (offset ${pr.offset})`);
      }
    },
  });
  // a big capture dissected to a file shows how much is read; on a terminal the packet lines are the progress
  const mb = (n: number): string => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`;
  const showProgress = process.stdout.isTTY !== true && progressEnabled(process.stderr, { quiet: args.quiet });
  try {
    let bar: Progress | undefined;
    readCaptureEvents(
      args.file,
      (e) => {
        if (e.kind === 'problem') {
          fatal ||= e.problem.fatal;
          out.error(`rtclab dissect: ${args.file}: ${e.problem.fatal ? 'error' : 'warning'} at offset ${e.problem.offset}: ${e.problem.message}\n`);
        } else feed.event(e);
      },
      showProgress
        ? (read, size) => {
            bar ??= out.progress = new Progress(size, { label: 'read', after: process.env['RTCLAB_PROGRESS'] === '1' ? 0 : 500, format: mb, enabled: true });
            bar.tick(read);
          }
        : undefined,
    );
    out.progress?.end();
  } catch (e) {
    out.error(`rtclab dissect: cannot read ${args.file}: ${(e as Error).message}\n`);
    return 2;
  }
  for (const p of pass.finish().problems) out.error(`rtclab dissect: ${args.file}: warning at the end: ${p}\n`);
  if (follower) {
    const r = follower.result();
    if (r.nodes.length === 0) {
      out.error(`rtclab dissect: ${args.file} has no ${r.kind === 'udp' || r.kind === 'datachannel' ? 'udp' : 'tcp'}.stream ${r.index}\n`);
      return 2;
    }
    write(formatFollow(r).replace(/\n$/, ''));
    out.flush();
    return fatal ? 1 : 0;
  }
  if (analyzer) {
    const notes = analyzer.notes;
    const story = formatStory({ packets: new Array<DissectedPacket>(pass.count), analyzer, dissector: pass.dissector, notes });
    // the diagnosis of the capture, from its inferred notes (evidence hops are packet numbers minus one); nothing
    // is added when there is no finding, so the story of a call that worked reads as it always did
    const diagnosis = diagnose({ meta: { source: 'capture' }, nodes: [], links: [], hops: [], notes, ...(facts ? { capture: facts.facts } : {}) });
    const found = diagnosis.findings.length > 0;
    if (args.json) write(JSON.stringify({ summary: story.split('\n'), notes: notes.map((n) => ({ ...n })), ...(found ? { diagnosis: diagnosisToJson(diagnosis) } : {}) }));
    else {
      write(story);
      if (found) for (const l of formatDiagnosis(diagnosis, '')) write(l);
    }
  }
  if (sdp) sdp.print(args.json, write);
  if (calls) {
    const found = calls.result();
    if (args.json) write(JSON.stringify({ calls: sipFlowsToJson(found) }));
    else for (const l of found.length ? formatSipFlows(found) : ['no SIP message in this capture']) write(l);
  }
  if (stats) {
    const error = printStats(stats, args, args.json, write);
    if (error) {
      out.error(`rtclab dissect: ${error}\n`);
      return 2;
    }
  }
  out.flush();
  return fatal ? 1 : 0;
}
