import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readCapture } from '../sim/wire/pcap/capture-reader.ts';
import { Dissector } from '../sim/dissect/dissector.ts';
import { best, rate, row } from './measure.ts';

/**
 * Dissection speed on the largest WebRTC capture in captures/: our reader + dissector against
 * `tshark -r FILE -T fields` over comparable fields (STUN id/type, RTP SSRC/seq, DTLS handshake type) with its RTP
 * heuristic on, measured in the same run. tshark's figure includes its start-up; a second line subtracts the
 * start-up measured on a 2-packet capture, to compare per-packet work only.
 */
const CAPTURES = new URL('../captures/', import.meta.url).pathname;
const FIELDS = ['frame.number', 'stun.id', 'stun.type', 'rtp.ssrc', 'rtp.seq', 'dtls.handshake.type'];

function allCaptures(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...allCaptures(p));
    else if (/\.pcapn?g$/.test(e.name)) out.push(p);
  }
  return out;
}

function tsharkSeconds(file: string, rounds: number): number | undefined {
  const args = ['-r', file, '-n', '--enable-heuristic', 'rtp_udp', '-T', 'fields', ...FIELDS.flatMap((f) => ['-e', f])];
  let min = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const r = spawnSync('tshark', args, { stdio: ['ignore', 'ignore', 'ignore'] });
    if (r.error || r.status !== 0) return undefined;
    min = Math.min(min, (performance.now() - t0) / 1000);
  }
  return min;
}

export function benchDissect(): void {
  const files = allCaptures(CAPTURES).sort((a, b) => statSync(b).size - statSync(a).size);
  const largest = files[0];
  if (!largest) {
    process.stdout.write('dissect: no capture in captures/\n');
    return;
  }
  const bytes = new Uint8Array(readFileSync(largest));
  const n = readCapture(bytes).packets.length;
  process.stdout.write(`dissect: ${largest.slice(CAPTURES.length)} (${n} packets, ${bytes.length} bytes)\n`);
  const ours = best(() => {
    const cap = readCapture(bytes);
    const d = new Dissector();
    for (const p of cap.packets) d.packet(p.data, { index: p.index, linkType: p.linkType, t: p.time?.us ?? 0 });
  }, 10);
  row('rtclab read + dissect', rate(n, ours));
  const tshark = tsharkSeconds(largest, 3);
  if (tshark === undefined) {
    row('tshark -T fields', 'n/a', 'tshark not installed');
    return;
  }
  row('tshark -T fields (incl. start-up)', rate(n, tshark), `ratio ${(tshark / ours).toFixed(1)}×`);
  const smallest = files[files.length - 1]!;
  const startup = tsharkSeconds(smallest, 3);
  if (startup !== undefined && tshark - startup > 0) {
    const per = tshark - startup;
    row('tshark -T fields (start-up subtracted)', rate(n, per), `ratio ${(per / ours).toFixed(1)}×`);
  }
}
