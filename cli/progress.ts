/**
 * Progress of long work on standard error (sweep, matrix, a long run, a big dissect): a bar, done/total, the percent
 * and the ETA, redrawn in place at most ten times a second. It is drawn only when standard error is a terminal (or
 * RTCLAB_PROGRESS=1 asks for it, e.g. in a CI log), never with --quiet, and never in the output a program reads.
 */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** What is counted, before the bar ("cells", "virtual time"…); nothing when absent. */
  readonly label?: string;
  readonly quiet?: boolean;
  /** How done and total are written (e.g. as seconds of virtual time); plain integers by default. */
  readonly format?: (n: number) => string;
  /** Draw even if standard error is not a terminal when true, never when false; by the terminal when absent. */
  readonly enabled?: boolean;
  readonly stream?: ProgressStream;
  /** Milliseconds, monotonic (tests give their own clock). */
  readonly now?: () => number;
  /** Draw nothing before this many milliseconds have passed: work that ends sooner leaves no bar behind (on a
   * terminal; when progress is asked for, by `enabled` or RTCLAB_PROGRESS=1, it is drawn from the start). */
  readonly after?: number;
}

const WIDTH = 30;
const EVERY_MS = 100;

/** Seconds as "42s" or "3m07s". */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 59.5) return `${Math.round(seconds)}s`;
  const m = Math.floor(Math.round(seconds) / 60);
  return `${m}m${String(Math.round(seconds) % 60).padStart(2, '0')}s`;
}

/** One progress line (without the carriage return): "cells [#####.....] 6/36 17% ETA 25s". */
export function progressLine(done: number, total: number, elapsedSeconds: number, label = '', format: (n: number) => string = String): string {
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const filled = Math.round(frac * WIDTH);
  // the rate so far predicts the rest: unknown until something is done
  const eta = done <= 0 ? '?' : formatEta((elapsedSeconds / done) * (total - done));
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${format(done)}/${format(total)} ${Math.floor(frac * 100)}% ETA ${eta}`;
  return label ? `${label} ${bar}` : bar;
}

/** Whether progress is drawn: the option, then RTCLAB_PROGRESS, then whether the stream is a terminal. */
export function progressEnabled(stream: ProgressStream, opts: { quiet?: boolean; enabled?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (opts.quiet) return false;
  if (opts.enabled !== undefined) return opts.enabled;
  if (env['RTCLAB_PROGRESS'] === '1') return true;
  if (env['RTCLAB_PROGRESS'] === '0') return false;
  return stream.isTTY === true;
}

export class Progress {
  private last = -Infinity;
  private drawn = false;
  private readonly start: number;
  private readonly on: boolean;
  private readonly after: number;
  private readonly stream: ProgressStream;
  private readonly now: () => number;

  constructor(private readonly total: number, private readonly opts: ProgressOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.now = opts.now ?? (() => performance.now());
    this.start = this.now();
    this.on = total > 0 && progressEnabled(this.stream, opts);
    const asked = opts.enabled === true || (opts.enabled === undefined && process.env['RTCLAB_PROGRESS'] === '1');
    this.after = asked ? 0 : (opts.after ?? 0);
  }

  /** Whether anything will be drawn (callers skip the work of measuring progress otherwise). */
  get active(): boolean {
    return this.on;
  }

  /** Redraws with `done` of the total, unless it was drawn less than 100 ms ago (the last step always draws). */
  tick(done: number): void {
    if (!this.on) return;
    const t = this.now();
    if (t - this.start < this.after) return;
    if (t - this.last < EVERY_MS && done < this.total) return;
    this.last = t;
    this.drawn = true;
    this.stream.write(`\r${progressLine(done, this.total, (t - this.start) / 1000, this.opts.label, this.opts.format)}  `);
  }

  /** Ends the line, so what is written next starts on its own. */
  end(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
