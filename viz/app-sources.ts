import type { KeyLogFile } from './model/capture-load.ts';
import type { KeyLogReport } from './model/decryption-watch.ts';
import type { PackedTrace } from './model/packed.ts';
import type { Request, Response } from './protocol.ts';

type RequestBody = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
type TraceResponse = Extract<Response, { type: 'trace' }>;

/** What the loaders need from the app: the worker, the status and error lines, and the loaded run's fields. */
export interface SourceHost {
  readonly p: PackedTrace | undefined;
  readonly now: number;
  readonly selected: number;
  call(body: RequestBody, transfer?: Transferable[], progress?: (r: Response) => void): Promise<Response>;
  statusText(): string;
  setStatus(s: string): void;
  showError(message: string, level?: 'error' | 'warning'): void;
  clearError(): void;
  /** Loads a capture's trace (no lesson, no scenario). */
  showCapture(name: string, r: TraceResponse): void;
  /** Loads a trace file or a scenario file's run (no lesson). */
  showJson(name: string, r: TraceResponse): void;
  restore(keep: { t: number; hop: number }, end: number, n: number): void;
}

/**
 * Opening what the learner drops or picks: a pcap/pcapng (with a key log), a key log alone (applied to the loaded
 * capture), a scenario file or an rtclab trace. Each failure says what and where; what was loaded stays.
 */
export class Sources {
  private readonly progress = document.getElementById('progress') as HTMLProgressElement;

  constructor(private readonly app: SourceHost) {}

  /** A pcap/pcapng, dissected in the worker with `keyLog` if given; false when it could not be opened. */
  async openCapture(name: string, bytes: ArrayBuffer, keyLog: KeyLogFile | undefined): Promise<boolean> {
    const a = this.app;
    const before = a.statusText();
    a.setStatus(`Reading ${name} (${formatBytes(bytes.byteLength)})${keyLog ? ` with the key log ${keyLog.name}` : ''}…`);
    const r = await this.withProgress(name, a.call({ type: 'capture', name, bytes, ...(keyLog ? { keyLog } : {}) }, [bytes], (m) => this.progressOf(name, m)));
    if (r.type === 'error') {
      a.showError(`Cannot open ${name}: ${r.message}${a.p ? ' — the previous trace is still shown.' : ''}`);
      a.setStatus(before);
      return false;
    }
    if (r.type !== 'trace') return false;
    a.showCapture(name, r);
    return true;
  }

  /** A key log dropped after the capture: the worker dissects the loaded capture again with it. */
  async applyKeyLog(keyLog: KeyLogFile): Promise<boolean> {
    const a = this.app;
    const before = a.statusText();
    const keep = { t: a.now, hop: a.selected };
    a.setStatus(`Dissecting the capture again with the key log ${keyLog.name}…`);
    const r = await this.withProgress(keyLog.name, a.call({ type: 'rekey', keyLog }, [], (m) => this.progressOf(keyLog.name, m)));
    if (r.type === 'error') {
      a.showError(`Cannot apply the key log ${keyLog.name}: ${r.message}`);
      a.setStatus(before);
      return false;
    }
    if (r.type !== 'trace') return false;
    a.showCapture(r.label, r);
    a.restore(keep, r.packed.end, r.packed.n);
    return true;
  }

  /** A scenario file runs like a preset (and shows in the Scenario tab); a trace file shows as recorded. */
  async openJson(name: string, text: string): Promise<void> {
    const a = this.app;
    const before = a.statusText();
    a.setStatus(`Reading ${name}…`);
    const r = await a.call({ type: 'trace-json', name, text });
    if (r.type === 'error') {
      a.showError(`Cannot open ${name}: ${r.message}${a.p ? ' — the previous trace is still shown.' : ''}`);
      a.setStatus(before);
      return;
    }
    if (r.type !== 'trace') return;
    a.clearError();
    a.showJson(name, r);
  }

  private async withProgress(name: string, r: Promise<Response>): Promise<Response> {
    this.progress.hidden = false;
    this.progress.value = 0;
    try {
      return await r;
    } catch (e) {
      return { type: 'error', id: 0, message: `${name} could not be read: ${e instanceof Error ? e.message : String(e)}` };
    } finally {
      this.progress.hidden = true;
    }
  }

  private progressOf(name: string, m: Response): void {
    if (m.type !== 'progress') return;
    this.progress.value = m.done / Math.max(1, m.total);
    this.app.setStatus(`Reading ${name}: ${m.what} ${formatBytes(m.done)} of ${formatBytes(m.total)}…`);
  }
}

export function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${n} bytes`;
}

export type { KeyLogReport };
