import type { Lang } from '../lessons/lesson.ts';
import type { App } from './app.ts';
import { lang, localize, onLang, setLang, tr, trf, type Say } from './i18n.ts';
import { LESSONS } from './lessons.ts';
import { pick } from './i18n.ts';
import type { Response } from './protocol.ts';
import { el } from './views/dom.ts';

/** What the header, the keyboard and the drop zone drive. */
export interface ControlsHost {
  readonly p: { readonly n: number; readonly end: number } | undefined;
  readonly selected: number;
  readonly compact: boolean;
  call(body: { type: 'pcapng' } | { type: 'keylog' }): Promise<Response>;
  pickLesson(id: string): void;
  openFiles(files: readonly File[]): Promise<void>;
  setCompact(on: boolean): void;
  fit(): void;
  exportSvg(): string;
  exportPng(): Promise<Blob | null>;
  showError(message: Say): void;
  togglePlay(): void;
  step(dir: 1 | -1): void;
  jumpNext(): void;
  select(i: number, reveal: boolean): void;
  home(): void;
  end(): void;
  languageChanged(): void;
}

/** The header, the keyboard and the drop zone, driving the app. */
export function bindControls(app: App): void {
  const host: ControlsHost = {
    get p() {
      return app.p;
    },
    get selected() {
      return app.selected;
    },
    get compact() {
      return app.ladder.compact;
    },
    call: (b) => app.call(b),
    pickLesson: (id) => void app.lessons.pick(id),
    openFiles: (fs) => app.openFiles(fs),
    setCompact: (on) => app.setCompact(on),
    fit: () => app.ladder.fit(),
    exportSvg: () => app.ladder.exportSvg(),
    exportPng: () => app.ladder.exportPng(),
    showError: (m) => app.showError(m),
    togglePlay: () => app.bar.toggle(),
    step: (d) => app.step(d),
    jumpNext: () => app.jump(app.bar.kind),
    select: (i, r) => app.select(i, r),
    home: () => app.moveTo(0),
    end: () => app.moveTo(app.p?.end ?? 0),
    languageChanged: () => {
      app.saveUrl();
      app.renderPanels();
      // the ladder's state-change marks are worded in the page's language
      app.ladder.schedule();
    },
  };
  setupHeader(host);
  setupKeys(host);
  setupDrop(host);
}

const $ = (id: string): HTMLElement => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`index.html lacks #${id}`);
  return e;
};

/** The header's menus and buttons, in the page's language (the texts follow a language switch). */
export function setupHeader(app: ControlsHost): void {
  const lessonSel = $('lesson-select') as HTMLSelectElement;
  const fill = (): void => {
    const v = lessonSel.value;
    lessonSel.replaceChildren(el('option', { value: '' }, tr('noLesson')), ...LESSONS.map((l) => el('option', { value: l.id }, `${l.order}. ${pick(l.title)}`)));
    lessonSel.value = v;
  };
  fill();
  lessonSel.addEventListener('change', () => app.pickLesson(lessonSel.value));
  const langSel = $('lang-select') as HTMLSelectElement;
  langSel.value = lang();
  langSel.addEventListener('change', () => {
    setLang(langSel.value as Lang);
    app.languageChanged();
  });
  const texts = (): void => {
    localize(document);
    langSel.value = lang();
    fill();
  };
  texts();
  onLang(texts);
  const file = $('file') as HTMLInputElement;
  file.addEventListener('change', () => {
    const fs = [...(file.files ?? [])];
    if (fs.length) void app.openFiles(fs);
    file.value = '';
  });
  $('open').addEventListener('click', () => file.click());
  ($('compact') as HTMLInputElement).addEventListener('change', (e) => app.setCompact((e.target as HTMLInputElement).checked));
  $('fit').addEventListener('click', () => app.fit());
  $('export-pcapng').addEventListener('click', () => void exportFile(app, 'pcapng'));
  $('export-keylog').addEventListener('click', () => void exportFile(app, 'keylog'));
  $('export-svg').addEventListener('click', () => download(new Blob([app.exportSvg()], { type: 'image/svg+xml' }), 'ladder.svg'));
  $('export-png').addEventListener('click', () => void app.exportPng().then((b) => b && download(b, 'ladder.png')));
  for (const tab of document.querySelectorAll<HTMLButtonElement>('[data-tab]')) {
    tab.addEventListener('click', () => {
      for (const t of document.querySelectorAll<HTMLElement>('[data-tab]')) t.classList.toggle('active', t === tab);
      for (const p of document.querySelectorAll<HTMLElement>('[data-pane]')) p.hidden = p.dataset.pane !== tab.dataset.tab;
    });
  }
}

/** pcapng (with the key log in a Decryption Secrets Block) or the NSS key log alone, as the CLI writes them. */
async function exportFile(app: ControlsHost, kind: 'pcapng' | 'keylog'): Promise<void> {
  const r = await app.call({ type: kind });
  if (r.type === 'error') {
    const message = r.message;
    return app.showError(() => trf(kind === 'pcapng' ? 'cannotExportPcapng' : 'cannotExportKeyLog', { message }));
  }
  if (r.type === 'file') download(new Blob([r.bytes as BlobPart], { type: kind === 'pcapng' ? 'application/vnd.tcpdump.pcap' : 'text/plain' }), r.name);
}

export function setupKeys(app: ControlsHost): void {
  window.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement;
    if (t.closest('input, textarea, select')) return;
    switch (e.key) {
      case ' ':
        app.togglePlay();
        break;
      case 'ArrowRight':
        if (e.shiftKey) app.jumpNext();
        else app.step(1);
        break;
      case 'ArrowLeft':
        app.step(-1);
        break;
      case 'n':
        app.jumpNext();
        break;
      case 'j':
        app.select(Math.min((app.p?.n ?? 1) - 1, app.selected + 1), true);
        break;
      case 'k':
        app.select(Math.max(0, app.selected - 1), true);
        break;
      case 'c':
        app.setCompact(!app.compact);
        break;
      case 'f':
        app.fit();
        break;
      case 'Home':
        app.home();
        break;
      case 'End':
        app.end();
        break;
      default:
        return;
    }
    e.preventDefault();
  });
}

export function setupDrop(app: ControlsHost): void {
  const zone = $('drop-zone');
  window.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.hidden = false;
  });
  window.addEventListener('dragleave', (e) => {
    if (e.relatedTarget === null) zone.hidden = true;
  });
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.hidden = true;
    const fs = [...(e.dataTransfer?.files ?? [])];
    if (fs.length) void app.openFiles(fs);
  });
}

export function download(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
