import { describeKeys, type KeyLogReport } from '../model/decryption-watch.ts';
import { lang, onLang, tr, trf } from '../i18n.ts';
import { el } from './dom.ts';

/** The key-log line: decryption-watch.ts's sentence in English, the same figures in the page's other language. */
function keysLine(r: KeyLogReport): string {
  if (lang() === 'en') return describeKeys(r);
  const entries = (n: number): string => (n === 1 ? tr('klEntry') : trf('klEntries', { n }));
  const head = trf('klHead', { source: r.source, entries: entries(r.entries), bad: r.malformed ? trf('klMalformed', { n: r.malformed }) : '' });
  if (r.connections === 0) return trf('klNoDtls', { head });
  const outcome = [r.decrypted ? trf('klDecrypted', { n: r.decrypted }) : '', r.wrongKey ? trf('klWrongKey', { n: r.wrongKey }) : '', r.finishedVerified ? trf('klVerified', { n: r.finishedVerified }) : '', r.finishedMismatch ? trf('klMismatch', { n: r.finishedMismatch }) : '']
    .filter(Boolean)
    .join('，');
  return trf('klMatched', { head, entries: entries(r.matchedEntries), matched: r.matched, connections: r.connections, outcome: outcome ? `（${outcome}）` : '' });
}

/**
 * A line under the status line for what the page wants known about the loaded source: the key log in use (or one
 * waiting for a capture), and when the address bar cannot reproduce the run. Hidden while both are empty.
 */
export class InfoLine {
  readonly root: HTMLElement;
  private readonly keyLog = el('span', { 'data-testid': 'keylog' });
  private readonly link = el('span', { 'data-testid': 'link-note', style: 'color:var(--rewrite)' });
  private keys: KeyLogReport | undefined;
  private waiting: string | undefined;

  constructor(after: HTMLElement) {
    this.root = el('div', { class: 'status', 'data-testid': 'source-info', role: 'status' }, this.keyLog, ' ', this.link);
    after.after(this.root);
    this.update();
    onLang(() => this.update());
  }

  /** The keys the capture on screen was read with (none for a simulated run or a capture without keys). */
  setKeys(keys: KeyLogReport | undefined): void {
    this.keys = keys;
    this.update();
  }

  /** A key log waiting for the next capture (its file name), or none. */
  setWaiting(name: string | undefined): void {
    this.waiting = name;
    this.update();
  }

  setLinkNote(text: string): void {
    this.link.textContent = text;
    this.update();
  }

  /** The capture's keys first; else a key log waiting for a capture; red when a key was wrong or none matched. */
  private update(): void {
    const k = this.keys;
    const level = k ? (k.wrongKey > 0 || (k.connections > 0 && k.matched === 0) ? 'problem' : 'ok') : this.waiting ? 'waiting' : '';
    this.keyLog.textContent = k ? keysLine(k) : this.waiting ? trf('klWaiting', { name: this.waiting }) : '';
    this.keyLog.dataset.level = level;
    this.keyLog.style.color = level === 'problem' ? '#d0453a' : level === 'waiting' ? 'var(--rewrite)' : '';
    this.root.hidden = this.keyLog.textContent === '' && this.link.textContent === '';
  }
}
