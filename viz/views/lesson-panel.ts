import type { Checkpoint, Lesson, Question } from '../../lessons/lesson.ts';
import { pick, tr } from '../i18n.ts';
import { clear, el } from './dom.ts';
import { inline, renderMarkdown } from './markdown.ts';

/** What the panel shows for the active checkpoint's question. */
export type QuestionState =
  | { readonly phase: 'ask'; readonly picked?: number }
  | { readonly phase: 'answered'; readonly right: boolean; readonly answer: string; readonly hop?: number }
  | { readonly phase: 'unavailable'; readonly why: string };

export interface LessonPanelCallbacks {
  checkpoint(index: number): void;
  answer(index: number, given: string): void;
  showPacket(hop: number): void;
  pickLesson(id: string): void;
  resetProgress(): void;
}

/** One lesson in the index: its title and how many of its questions were answered right. */
export interface IndexEntry {
  readonly id: string;
  readonly title: string;
  readonly questions: number;
  readonly answered: number;
  readonly right: number;
}

/**
 * The lesson: the index of lessons with their progress, the narrative, and the checkpoints. The active checkpoint
 * opens: its question first (choices, a number, or "click the packet"), then — once answered — the verdict, the
 * answer computed from the run with its explanation and a link to the packet, and what to notice.
 */
export class LessonPanel {
  readonly root: HTMLElement;
  private lesson: Lesson | undefined;
  private active = -1;
  private question: QuestionState | undefined;
  private index: readonly IndexEntry[] = [];
  private error = '';

  constructor(
    host: HTMLElement,
    private readonly cb: LessonPanelCallbacks,
  ) {
    this.root = el('div', { class: 'lesson', 'data-testid': 'lesson' });
    host.append(this.root);
  }

  show(lesson: Lesson | undefined, index: readonly IndexEntry[]): void {
    this.lesson = lesson;
    this.index = index;
    this.active = -1;
    this.question = undefined;
    this.error = '';
    this.render();
  }

  /** The active checkpoint (-1: none) and its question's state. */
  mark(active: number, question?: QuestionState, error = ''): void {
    this.active = active;
    this.question = question;
    this.error = error;
    this.render();
  }

  setIndex(index: readonly IndexEntry[]): void {
    this.index = index;
    this.render();
  }

  get activeIndex(): number {
    return this.active;
  }

  render(): void {
    const scroll = this.root.parentElement?.scrollTop ?? 0;
    clear(this.root);
    this.root.append(this.renderIndex());
    const lesson = this.lesson;
    if (!lesson) {
      this.root.append(el('p', { class: 'muted' }, tr('noLessonText')));
      return;
    }
    this.root.append(renderMarkdown(pick(lesson.narrative)));
    const ol = el('ol', { class: 'checkpoints' });
    lesson.checkpoints.forEach((c, i) => {
      const b = el('button', { class: 'checkpoint-title', 'data-testid': `checkpoint-${i}` }, el('strong', {}, pick(c.title)), c.question ? el('span', { class: 'q-mark', title: tr('predict') }, ' ?') : '');
      b.addEventListener('click', () => this.cb.checkpoint(i));
      const li = el('li', { class: `checkpoint${i === this.active ? ' active' : ''}` }, b);
      if (i === this.active) li.append(this.renderActive(c, i));
      ol.append(li);
    });
    this.root.append(el('h3', {}, tr('checkpoints')), ol);
    if (this.root.parentElement) this.root.parentElement.scrollTop = scroll;
    this.root.querySelector('.checkpoint.active')?.scrollIntoView({ block: 'nearest' });
  }

  private renderIndex(): HTMLElement {
    const list = el('ul', { class: 'lesson-index' });
    for (const e of this.index) {
      const b = el('button', { class: `lesson-link${e.id === this.lesson?.id ? ' current' : ''}`, 'data-testid': `lesson-link-${e.id}` }, e.title);
      b.addEventListener('click', () => this.cb.pickLesson(e.id));
      const prog = e.questions > 0 ? `${e.right}/${e.questions}` : '';
      list.append(el('li', {}, b, el('span', { class: 'lesson-progress', 'data-testid': `lesson-progress-${e.id}`, title: tr('progress') }, prog)));
    }
    const reset = el('button', { class: 'small', 'data-testid': 'reset-progress' }, tr('resetProgress'));
    reset.addEventListener('click', () => this.cb.resetProgress());
    return el('details', { class: 'lesson-index-box', 'data-testid': 'lesson-index' }, el('summary', {}, tr('lessons')), list, reset);
  }

  private renderActive(c: Checkpoint, i: number): HTMLElement {
    const box = el('div', { class: 'checkpoint-body', 'data-testid': 'checkpoint-body' });
    if (this.error) box.append(el('p', { class: 'problem', 'data-testid': 'checkpoint-error' }, `${tr('unresolved')}: ${this.error}`));
    if (c.whatIf) box.append(el('p', { class: 'what-if' }, el('strong', {}, `${tr('whatIf')} `), pick(c.whatIf.label)));
    const q = c.question;
    const st = this.question;
    if (q && st?.phase === 'ask') {
      box.append(this.renderAsk(q, i, st.picked));
      return box;
    }
    if (q && st?.phase === 'answered') box.append(this.renderVerdict(q, st));
    if (q && st?.phase === 'unavailable') box.append(el('p', { class: 'problem' }, `${tr('noAnswer')}: ${st.why}`));
    box.append(inline(el('p', { class: 'notice', 'data-testid': 'notice' }), pick(c.notice)));
    if (this.lesson && i + 1 < this.lesson.checkpoints.length) {
      const next = el('button', { class: 'next-checkpoint', 'data-testid': 'next-checkpoint' }, tr('nextCheckpoint'));
      next.addEventListener('click', () => this.cb.checkpoint(i + 1));
      box.append(next);
    }
    return box;
  }

  private renderAsk(q: Question, i: number, picked: number | undefined): HTMLElement {
    const form = el('form', { class: 'question', 'data-testid': 'question', 'data-kind': q.kind });
    form.append(el('p', { class: 'prompt' }, el('strong', {}, `${tr('predict')}: `), pick(q.prompt)));
    let value = (): string => '';
    if (q.kind === 'choice') {
      const name = `q-${i}`;
      const opts = el('div', { class: 'choices' });
      q.choices.forEach((ch, k) => {
        const input = el('input', { type: 'radio', name, value: ch.value, 'data-testid': `choice-${k}` });
        opts.append(el('label', { class: 'choice' }, input, ` ${ch.label ? pick(ch.label) : choiceLabel(ch.value)}`));
      });
      form.append(opts);
      value = () => (form.querySelector<HTMLInputElement>(`input[name=${name}]:checked`)?.value ?? '');
    } else if (q.kind === 'number') {
      const input = el('input', { type: 'text', inputmode: 'decimal', 'data-testid': 'number-answer', placeholder: tr('yourNumber'), size: '12' });
      form.append(input);
      value = () => input.value;
    } else {
      form.append(el('p', { class: 'muted' }, tr('clickPacket')), el('p', { 'data-testid': 'picked' }, picked !== undefined ? `${tr('picked')}${picked}` : tr('nothingPicked')));
      value = () => (picked !== undefined ? String(picked) : '');
    }
    const check = el('button', { type: 'submit', 'data-testid': 'check' }, tr('check'));
    form.append(check);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const v = value();
      if (v !== '') this.cb.answer(i, v);
    });
    return form;
  }

  private renderVerdict(q: Question, st: Extract<QuestionState, { phase: 'answered' }>): HTMLElement {
    const box = el('div', { class: `verdict ${st.right ? 'right' : 'wrong'}`, 'data-testid': 'verdict', 'data-right': String(st.right) });
    const shown = q.kind === 'packet' ? `#${st.hop ?? '?'}` : q.kind === 'choice' ? labelOf(q, st.answer) : st.answer;
    box.append(el('p', {}, el('strong', {}, st.right ? tr('right') : tr('wrong')), ` ${tr('theAnswer')} `, el('code', { 'data-testid': 'answer' }, shown)));
    box.append(inline(el('p', { 'data-testid': 'explain' }), pick(q.explain).replaceAll('{answer}', shown)));
    if (st.hop !== undefined) {
      const hop = st.hop;
      const b = el('button', { 'data-testid': 'show-packet' }, `${tr('showPacket')} #${hop}`);
      b.addEventListener('click', () => this.cb.showPacket(hop));
      box.append(b);
    }
    return box;
  }
}

function labelOf(q: Extract<Question, { kind: 'choice' }>, value: string): string {
  const c = q.choices.find((x) => x.value === value);
  return c?.label ? pick(c.label) : choiceLabel(value);
}

/** Choice values that are words of the page (a packet's fate) are shown in the page's language. */
function choiceLabel(value: string): string {
  return value === 'delivered' ? tr('delivered') : value === 'dropped' ? tr('dropped') : value;
}
