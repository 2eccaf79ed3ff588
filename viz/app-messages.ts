import { onLang, said, type Say } from './i18n.ts';

/**
 * The page's standing messages: the status line, the error box above the views and the page title. Each keeps how
 * it is worded (a text, or a function of the language) and is worded again when the language changes, so a message
 * on screen follows a switch instead of staying in the language it was written in.
 */
export class PageMessages {
  private statusSay: Say = '';
  private errorSay: Say = '';
  private titleSay: Say | undefined;

  constructor(
    private readonly status: HTMLElement,
    private readonly errorBox: HTMLElement,
    private readonly errorText: HTMLElement,
  ) {
    onLang(() => {
      this.status.textContent = said(this.statusSay);
      if (!this.errorBox.hidden) this.errorText.textContent = said(this.errorSay);
      if (this.titleSay !== undefined) document.title = `rtclab · ${said(this.titleSay)}`;
    });
  }

  /** The status line as shown. */
  statusText(): string {
    return this.status.textContent ?? '';
  }

  /** The status line as worded (put back as it was after a load that failed). */
  statusSaid(): Say {
    return this.statusSay;
  }

  setStatus(s: Say): void {
    this.statusSay = s;
    this.status.textContent = said(s);
  }

  setTitle(t: Say): void {
    this.titleSay = t;
    document.title = `rtclab · ${said(t)}`;
  }

  /** A message above the views (what failed and where); it stays until dismissed or a later load succeeds. */
  showError(message: Say, level: 'error' | 'warning'): void {
    this.errorSay = message;
    this.errorText.textContent = said(message);
    this.errorBox.dataset.level = level;
    this.errorBox.hidden = false;
  }

  clearError(): void {
    this.errorBox.hidden = true;
    this.errorSay = '';
    this.errorText.textContent = '';
  }
}
