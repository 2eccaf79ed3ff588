import type { Checkpoint, Lesson } from '../../lessons/lesson.ts';
import { clear, el } from './dom.ts';
import { renderMarkdown } from './markdown.ts';

/** The lesson: its narrative and its checkpoints, each a button that takes the views to that moment. */
export class LessonPanel {
  readonly root: HTMLElement;
  private buttons: HTMLElement[] = [];

  constructor(
    host: HTMLElement,
    private readonly onCheckpoint: (lesson: Lesson, c: Checkpoint, index: number) => void,
  ) {
    this.root = el('div', { class: 'lesson', 'data-testid': 'lesson' });
    host.append(this.root);
  }

  show(lesson: Lesson | undefined): void {
    clear(this.root);
    this.buttons = [];
    if (!lesson) {
      this.root.append(el('p', { class: 'muted' }, 'No lesson: exploring a scenario or capture freely. Pick a lesson above to be guided.'));
      return;
    }
    this.root.append(renderMarkdown(lesson.narrative));
    const ol = el('ol', { class: 'checkpoints' });
    lesson.checkpoints.forEach((c, i) => {
      const b = el('button', { class: 'checkpoint', 'data-testid': `checkpoint-${i}` }, el('strong', {}, c.title), el('span', { class: 'notice' }, c.notice));
      b.addEventListener('click', () => this.onCheckpoint(lesson, c, i));
      this.buttons.push(b);
      ol.append(el('li', {}, b));
    });
    this.root.append(el('h3', {}, 'Checkpoints'), ol);
  }

  mark(active: number): void {
    this.buttons.forEach((b, i) => b.classList.toggle('active', i === active));
  }
}
