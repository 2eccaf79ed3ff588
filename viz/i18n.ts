import type { Lang, Text } from '../lessons/lesson.ts';
import { PANEL_STRINGS } from './i18n-panels.ts';
import { VIEW_STRINGS } from './i18n-views.ts';
import { SWEEP_STRINGS } from './i18n-sweep.ts';
import { MESSAGE_STRINGS } from './i18n-messages.ts';

/**
 * The page's language (English or Simplified Chinese): the lesson texts come in both from their files; the page's
 * own strings are here. Protocol and field names stay as the RFCs spell them, in both.
 */
const UI = {
  lesson: { en: 'Lesson', zh: '课程' },
  noLesson: { en: '(no lesson)', zh: '（无课程）' },
  noLessonText: { en: 'No lesson: exploring a scenario or capture freely. Pick a lesson above to be guided.', zh: '没有课程：自由浏览场景或抓包。在上方选择一门课程以获得引导。' },
  openCapture: { en: 'Open capture…', zh: '打开抓包…' },
  compact: { en: 'compact', zh: '紧凑' },
  fit: { en: 'Fit', zh: '全部' },
  keyLog: { en: 'Key log', zh: '密钥日志' },
  exportPcapng: { en: 'Export pcapng', zh: '导出 pcapng' },
  tabState: { en: 'Topology & state', zh: '拓扑与状态' },
  tabScenario: { en: 'Scenario', zh: '场景' },
  checkpoints: { en: 'Checkpoints', zh: '检查点' },
  lessons: { en: 'Lessons', zh: '课程目录' },
  back: { en: '◀ back', zh: '◀ 后退' },
  fwd: { en: 'fwd ▶', zh: '前进 ▶' },
  play: { en: '▶ play', zh: '▶ 播放' },
  pause: { en: '❚❚ pause', zh: '❚❚ 暂停' },
  next: { en: 'next:', zh: '下一个：' },
  jump: { en: 'jump', zh: '跳转' },
  predict: { en: 'Predict first', zh: '先预测' },
  check: { en: 'Check', zh: '核对' },
  reveal: { en: 'Show me', zh: '揭晓' },
  right: { en: 'Right.', zh: '正确。' },
  wrong: { en: 'Not quite.', zh: '不对。' },
  theAnswer: { en: 'The answer, from this run:', zh: '本次运行得出的答案：' },
  showPacket: { en: 'Show the packet', zh: '显示该数据包' },
  clickPacket: { en: 'Click the packet in the ladder or the list, then Check.', zh: '在梯形图或列表中点击该数据包，然后点“核对”。' },
  picked: { en: 'picked: packet #', zh: '已选：数据包 #' },
  nothingPicked: { en: 'no packet picked yet', zh: '尚未选择数据包' },
  yourNumber: { en: 'your answer', zh: '你的答案' },
  whatIf: { en: 'What if…', zh: '如果……' },
  whatIfRun: { en: 'Run it (the run before stays beside it as A)', zh: '运行（之前的运行作为 A 保留在旁边）' },
  nextCheckpoint: { en: 'Next checkpoint ▸', zh: '下一个检查点 ▸' },
  progress: { en: 'answered right', zh: '答对' },
  resetProgress: { en: 'Forget my answers', zh: '清除我的答案' },
  edited: { en: 'edited', zh: '已修改' },
  unresolved: { en: 'This checkpoint is not in this run', zh: '本次运行中没有这个检查点' },
  language: { en: 'Language', zh: '语言' },
  delivered: { en: 'delivered', zh: '送达' },
  dropped: { en: 'dropped', zh: '被丢弃' },
  noAnswer: { en: 'This question cannot be answered from this run', zh: '无法从本次运行中得出这个问题的答案' },
  // the views' strings (panels, list, detail, status) live in i18n-views.ts
  ...VIEW_STRINGS,
  ...SWEEP_STRINGS,
  // the scenario, diagnosis, follow and compare panels, and the page's tooltips, in i18n-panels.ts
  ...PANEL_STRINGS,
  // files that cannot be opened, the address bar's warnings, the key-log line, the statistics menu: i18n-messages.ts
  ...MESSAGE_STRINGS,
} as const satisfies Record<string, Text>;

export type UiKey = keyof typeof UI;

let current: Lang = 'en';
const listeners: (() => void)[] = [];

export function lang(): Lang {
  return current;
}

export function setLang(l: Lang): void {
  if (l === current) return;
  current = l;
  document.documentElement.lang = l === 'zh' ? 'zh-Hans' : 'en';
  for (const f of listeners) f();
}

/** Called whenever the language changes (views re-render their texts). */
export function onLang(f: () => void): void {
  listeners.push(f);
}

/** A page string in the current language. */
export function tr(key: UiKey): string {
  return UI[key][current];
}

/** A page string with its `{name}` placeholders filled in (a placeholder without a value stays as it is). */
export function trf(key: UiKey, vars: Readonly<Record<string, string | number>>): string {
  return tr(key).replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

/**
 * Attributes for el() whose values come from the string table: put in the current language now, and again at each
 * language switch by localize(). `text` replaces the element's whole text (for elements holding only a string).
 */
export function i18nAttrs(keys: { readonly text?: UiKey; readonly title?: UiKey; readonly aria?: UiKey; readonly placeholder?: UiKey }): Record<string, string> {
  const out: Record<string, string> = {};
  if (keys.text) out['data-i18n'] = keys.text;
  for (const [attr, name] of [['title', 'title'], ['aria', 'aria-label'], ['placeholder', 'placeholder']] as const) {
    const k = keys[attr];
    if (k) {
      out[`data-i18n-${attr}`] = k;
      out[name] = tr(k);
    }
  }
  return out;
}

/** Puts every string-table text and attribute under `root` (data-i18n, data-i18n-title/-aria/-placeholder) in the current language. */
export function localize(root: ParentNode): void {
  const all = [...(root instanceof Element ? [root] : []), ...root.querySelectorAll<HTMLElement>('[data-i18n], [data-i18n-title], [data-i18n-aria], [data-i18n-placeholder]')];
  for (const e of all) {
    const d = (e as HTMLElement).dataset;
    if (d.i18n) e.textContent = tr(d.i18n as UiKey);
    if (d.i18nTitle) e.setAttribute('title', tr(d.i18nTitle as UiKey));
    if (d.i18nAria) e.setAttribute('aria-label', tr(d.i18nAria as UiKey));
    if (d.i18nPlaceholder) e.setAttribute('placeholder', tr(d.i18nPlaceholder as UiKey));
  }
}

/**
 * A message the page shows and keeps (the status line, the error box): a fixed text, or a function that words it in
 * the current language, called again at each language switch so the message follows it.
 */
export type Say = string | (() => string);

/** A message's text in the current language. */
export function said(m: Say): string {
  return typeof m === 'string' ? m : m();
}

/** A lesson text in the current language. */
export function pick(t: Text): string {
  return t[current];
}

/** Every page string in both languages (the test checks none is missing). */
export const UI_STRINGS: Readonly<Record<string, Text>> = UI;
