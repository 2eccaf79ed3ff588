import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { PcapngEncoder } from '../../sim/wire/pcap/pcapng-encode.ts';

/** LINKTYPE_USER0 (tcpdump.org link types): tshark hands an empty frame of it to no protocol dissector. */
const LINKTYPE_USER0 = 147;
/**
 * What a tshark start-up (registering every dissector: ~0.8 s of CPU, tshark 4.0) costs in empty padding frames
 * (~4 µs each); a session reset (-M) costs ~0.1 s whatever the split.
 */
const STARTUP_FRAMES = 150_000;

/**
 * One tshark process for many captures, each dissected as if tshark had opened it alone. The captures are written one
 * after another into one pcapng file (a section each), each followed by a section of empty padding frames up to a
 * common session length N, and tshark's `-M N` resets its whole dissection session every N frames: reassembly tables,
 * conversations and frame numbers start afresh at each capture, exactly as when every capture is its own file
 * (test/support/tshark-sessions.test.ts pins it). Captures of very different sizes go in separate runs so the
 * padding stays small. Saves one tshark start-up (~0.8 s of CPU) a capture. What tshark 4.0 gets wrong across
 * sections is refused: the interface fields (frame.interface_name names another section's interface).
 */
export class TsharkSessions {
  private readonly dir = mkdtempSync(join(tmpdir(), 'rtclab-sessions-'));
  private readonly captures: { key: string; file: string; frames: number }[] = [];

  /** A capture to dissect, in chunks as writePcapngChunks yields them, with its number of packet blocks. */
  add(key: string, chunks: Iterable<Uint8Array>, frames: number): void {
    const file = join(this.dir, `${this.captures.length}.pcapng`);
    const fd = openSync(file, 'w');
    try {
      for (const c of chunks) writeAll(fd, c);
    } finally {
      closeSync(fd);
    }
    this.captures.push({ key, file, frames });
  }

  get size(): number {
    return this.captures.length;
  }

  /**
   * tshark's fields (`-T fields`, `args` added) for every frame of the captures added (those of `keys` when given), by
   * key: a line a frame, in order, frame.number first and then `fields`, separated by tabs. Checks (vitest) that every capture came back as its
   * own session of its own frames.
   */
  fields(fields: readonly string[], args: readonly string[] = [], keys?: ReadonlySet<string>): Map<string, string[]> {
    const wrong = fields.find((f) => f.startsWith('frame.interface'));
    if (fields.includes('frame.number')) throw new Error('frame.number comes first in every line: ask for the other fields');
    if (wrong) throw new Error(`${wrong}: tshark names interfaces across the sections of one file wrongly; read such captures alone`);
    const out = new Map<string, string[]>();
    const chosen = keys ? this.captures.filter((c) => keys.has(c.key)) : this.captures;
    try {
      for (const group of groups(chosen)) {
        const n = Math.max(1, ...group.map((c) => c.frames));
        const merged = join(this.dir, 'merged.pcapng');
        const fd = openSync(merged, 'w');
        try {
          for (const c of group) {
            writeAll(fd, readFileSync(c.file));
            if (n > c.frames) writeAll(fd, padding(n - c.frames));
          }
        } finally {
          closeSync(fd);
        }
        const text = execFileSync('tshark', ['-r', merged, '-M', String(n), ...args, '-T', 'fields', '-E', 'separator=/t', '-e', 'frame.number', ...fields.flatMap((f) => ['-e', f])], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
          maxBuffer: 1 << 30,
        });
        const lines = text.split('\n');
        if (lines.at(-1) === '') lines.pop();
        expect(lines.length, `tshark's frames for ${group.length} captures of ${n} frames each`).toBe(n * group.length);
        group.forEach((c, i) => {
          const rows: string[] = [];
          for (let j = 0; j < c.frames; j++) {
            const line = lines[i * n + j]!;
            const no = `${j + 1}\t`;
            // a session of its own: frame numbers restart at each capture
            if (!line.startsWith(no)) expect(line, `${c.key}: tshark's frame ${j + 1}`).toMatch(new RegExp(`^${no}`));
            rows.push(line);
          }
          out.set(c.key, rows);
        });
      }
      return out;
    } finally {
      rmSync(join(this.dir, 'merged.pcapng'), { force: true });
    }
  }

  /** Removes the captures' files. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
}

/** A pcapng section of `count` empty frames on a LINKTYPE_USER0 interface. */
function padding(count: number): Uint8Array {
  const enc = new PcapngEncoder(true);
  enc.sectionHeader({ userappl: 'rtclab padding' });
  enc.interfaceDescription({ linkType: LINKTYPE_USER0, snaplen: 0 });
  const head = enc.take();
  enc.enhancedPacket({ interfaceId: 0, ticks: 0n, data: new Uint8Array(0) });
  const frame = enc.take();
  const out = new Uint8Array(head.length + count * frame.length);
  out.set(head);
  for (let i = 0; i < count; i++) out.set(frame, head.length + i * frame.length);
  return out;
}

/**
 * The captures split into runs, each of consecutive sizes once sorted: the split that minimises the start-ups plus
 * the padding frames (dynamic programming over the sorted sizes).
 */
function groups<T extends { frames: number }>(captures: readonly T[]): T[][] {
  const sorted = [...captures].sort((a, b) => a.frames - b.frames);
  const cost: number[] = [0];
  const from: number[] = [0];
  for (let end = 1; end <= sorted.length; end++) {
    cost[end] = Infinity;
    let sum = 0;
    for (let start = end - 1; start >= 0; start--) {
      sum += sorted[start]!.frames;
      const n = Math.max(1, sorted[end - 1]!.frames);
      const c = cost[start]! + STARTUP_FRAMES + n * (end - start) - sum;
      if (c < cost[end]!) {
        cost[end] = c;
        from[end] = start;
      }
    }
  }
  const out: T[][] = [];
  for (let end = sorted.length; end > 0; end = from[end]!) out.unshift(sorted.slice(from[end]!, end));
  return out;
}
