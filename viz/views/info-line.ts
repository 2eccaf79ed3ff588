import { el } from './dom.ts';

/**
 * A line under the status line for what the page wants known about the loaded source: the key log in use (or one
 * waiting for a capture), and when the address bar cannot reproduce the run. Hidden while both are empty.
 */
export class InfoLine {
  readonly root: HTMLElement;
  private readonly keyLog = el('span', { 'data-testid': 'keylog' });
  private readonly link = el('span', { 'data-testid': 'link-note', style: 'color:var(--rewrite, #e0a030)' });

  constructor(after: HTMLElement) {
    this.root = el('div', { class: 'status', 'data-testid': 'source-info', role: 'status' }, this.keyLog, ' ', this.link);
    after.after(this.root);
    this.update();
  }

  setKeyLog(text: string, level: 'ok' | 'waiting' | 'problem' = 'ok'): void {
    this.keyLog.textContent = text;
    this.keyLog.dataset.level = level;
    this.keyLog.style.color = level === 'problem' ? '#d0453a' : level === 'waiting' ? 'var(--rewrite, #e0a030)' : '';
    this.update();
  }

  setLinkNote(text: string): void {
    this.link.textContent = text;
    this.update();
  }

  private update(): void {
    this.root.hidden = this.keyLog.textContent === '' && this.link.textContent === '';
  }
}
