import { toHex } from '../sim/core/encoding.ts';
import type { KeyLogFile } from './model/capture-load.ts';
import { fileKind, type FileKind } from './model/file-kind.ts';

/** What the app lends the file opener. */
export interface FileHost {
  /** True when the loaded trace is a capture: a key log dropped alone applies to it. */
  hasCapture(): boolean;
  openCapture(name: string, bytes: ArrayBuffer, keyLog: KeyLogFile | undefined): Promise<boolean>;
  openJson(name: string, text: string): Promise<void>;
  applyKeyLog(keyLog: KeyLogFile): Promise<boolean>;
  /** A key log waiting for the next capture (or none any more). */
  keyLogWaiting(keyLog: KeyLogFile | undefined): void;
  showError(message: string, level?: 'error' | 'warning'): void;
}

/** Extensions that mean "a capture" when the content does not say so: the capture reader then says what is wrong. */
const CAPTURE_NAME = /\.(pcap|pcapng|cap)$/i;

/**
 * Opens what is dropped or picked, told apart by content (fileKind): a capture, a key log, a scenario or trace
 * (JSON). A capture and a key log together open as one; a key log alone decrypts the capture on screen, or waits for
 * the next capture when none is loaded. Anything else is refused, saying what it starts with.
 */
export class FileOpener {
  private waiting: KeyLogFile | undefined;

  constructor(private readonly host: FileHost) {}

  async open(files: readonly File[]): Promise<void> {
    const read: { file: File; bytes: ArrayBuffer; kind: FileKind }[] = [];
    for (const file of files) {
      try {
        const bytes = await file.arrayBuffer();
        const view = new Uint8Array(bytes);
        let kind = fileKind(view);
        if (kind === 'unknown' && CAPTURE_NAME.test(file.name)) kind = 'capture';
        read.push({ file, bytes, kind });
      } catch (e) {
        this.host.showError(`Cannot open ${file.name}: the file could not be read: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
    }
    const unknown = read.filter((r) => r.kind === 'unknown');
    const captures = read.filter((r) => r.kind === 'capture' || r.kind === 'json');
    const keyLogs = read.filter((r) => r.kind === 'keylog');
    if (unknown.length > 0) {
      const what = unknown.map((r) => `${r.file.name} (it starts with ${r.bytes.byteLength ? toHex(new Uint8Array(r.bytes, 0, Math.min(8, r.bytes.byteLength)), ' ') : 'nothing: it is empty'})`).join(', ');
      const rest = captures.length + keyLogs.length > 0 ? ' The other files were not opened.' : '';
      this.host.showError(`Cannot open ${what}: not a capture (pcap or pcapng), an NSS key log (CLIENT_RANDOM … lines) nor a scenario or trace (JSON).${rest}`);
      return;
    }
    if (captures.length > 1) {
      this.host.showError(`Open one capture or scenario at a time (with its key log, if any): got ${captures.map((r) => r.file.name).join(', ')}.`);
      return;
    }
    const keyLog = keyLogs.length > 0 ? joinKeyLogs(keyLogs.map((r) => ({ name: r.file.name, text: new TextDecoder().decode(r.bytes) }))) : undefined;
    const main = captures[0];
    if (main?.kind === 'json') {
      if (keyLog) this.wait(keyLog);
      return this.host.openJson(main.file.name, new TextDecoder().decode(main.bytes));
    }
    if (main) {
      // a key log dropped with the capture, else one waiting for it; it is used once
      const keys = keyLog ?? this.waiting;
      const ok = await this.host.openCapture(main.file.name, main.bytes, keys);
      if (ok && keys) this.wait(undefined);
      return;
    }
    if (!keyLog) return;
    if (this.host.hasCapture()) {
      this.wait(undefined);
      await this.host.applyKeyLog(keyLog);
    } else this.wait(keyLog);
  }

  private wait(keyLog: KeyLogFile | undefined): void {
    this.waiting = keyLog;
    this.host.keyLogWaiting(keyLog);
  }
}

/** Several key logs dropped together act as one (names joined, texts concatenated). */
function joinKeyLogs(list: readonly KeyLogFile[]): KeyLogFile {
  return { name: list.map((k) => k.name).join(' + '), text: list.map((k) => k.text).join('\n') };
}
