import { toHex } from '../sim/core/encoding.ts';
import type { KeyLogFile } from './model/capture-load.ts';
import { fileKind, type FileKind } from './model/file-kind.ts';
import { tr, trf, type Say } from './i18n.ts';

/** What the app lends the file opener. */
export interface FileHost {
  /** True when the loaded trace is a capture: a key log dropped alone applies to it. */
  hasCapture(): boolean;
  openCapture(name: string, bytes: ArrayBuffer, keyLog: KeyLogFile | undefined): Promise<boolean>;
  openJson(name: string, text: string): Promise<void>;
  applyKeyLog(keyLog: KeyLogFile): Promise<boolean>;
  /** A key log waiting for the next capture (or none any more). */
  keyLogWaiting(keyLog: KeyLogFile | undefined): void;
  showError(message: Say, level?: 'error' | 'warning'): void;
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
        let bytes = await file.arrayBuffer();
        // gzip (RFC 1952 magic 1f 8b): Chromium's webrtc-internals dump is written compressed by default, and
        // captures are often kept as .pcapng.gz; what is inside is told apart as usual
        if (bytes.byteLength > 2 && new Uint8Array(bytes, 0, 2).every((b, i) => b === [0x1f, 0x8b][i])) bytes = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
        const view = new Uint8Array(bytes);
        let kind = fileKind(view);
        if (kind === 'unknown' && CAPTURE_NAME.test(file.name)) kind = 'capture';
        read.push({ file, bytes, kind });
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        this.host.showError(() => trf('foUnreadable', { name: file.name, message }));
        return;
      }
    }
    const unknown = read.filter((r) => r.kind === 'unknown');
    const captures = read.filter((r) => r.kind === 'capture' || r.kind === 'json');
    const keyLogs = read.filter((r) => r.kind === 'keylog');
    if (unknown.length > 0) {
      const what = (): string =>
        unknown.map((r) => (r.bytes.byteLength ? trf('foStartsWith', { name: r.file.name, bytes: toHex(new Uint8Array(r.bytes, 0, Math.min(8, r.bytes.byteLength)), ' ') }) : trf('foEmpty', { name: r.file.name }))).join(', ');
      const others = captures.length + keyLogs.length > 0;
      this.host.showError(() => trf('foUnknown', { what: what(), rest: others ? tr('foOthersNotOpened') : '' }));
      return;
    }
    if (captures.length > 1) {
      const names = captures.map((r) => r.file.name).join(', ');
      this.host.showError(() => trf('foOneAtATime', { names }));
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
