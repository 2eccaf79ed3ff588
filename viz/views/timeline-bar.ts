import { formatDuration } from '../../sim/core/time.ts';
import type { Timeline } from '../model/timeline.ts';
import { i18nAttrs, onLang, tr, type UiKey } from '../i18n.ts';
import { clear, el } from './dom.ts';

export interface TimelineCallbacks {
  seek(t: number): void;
  stepForward(): void;
  stepBack(): void;
  jump(kind: string): void;
}

const SPEEDS = [0.001, 0.01, 0.1, 1, 10, 100];

/**
 * Play, pause, speed, step forward/back, jump to the next event of a kind, and a scrubber. Playing advances the
 * cursor in virtual time at `speed` × real time; stepping moves it event by event.
 */
export class TimelineBar {
  readonly root: HTMLElement;
  private readonly playBtn: HTMLButtonElement;
  private readonly speedSel: HTMLSelectElement;
  private readonly kindSel: HTMLSelectElement;
  private readonly slider: HTMLInputElement;
  private readonly clock: HTMLElement;
  private end = 1;
  playing = false;
  private lastFrame = 0;

  constructor(
    host: HTMLElement,
    private readonly cb: TimelineCallbacks,
    private readonly now: () => number,
  ) {
    const button = (label: string, title: UiKey, id: string, fn: () => void): HTMLButtonElement => {
      const b = el('button', { ...i18nAttrs({ title, aria: title }), 'data-testid': id }, label);
      b.addEventListener('click', fn);
      return b;
    };
    this.playBtn = button(tr('play'), 'ttPlay', 'play', () => this.toggle());
    this.speedSel = el('select', { ...i18nAttrs({ aria: 'ttSpeed' }), 'data-testid': 'speed' });
    for (const s of SPEEDS) this.speedSel.append(el('option', { value: String(s), ...(s === 0.1 ? { selected: '' } : {}) }, `${s}×`));
    this.kindSel = el('select', { ...i18nAttrs({ aria: 'ttJumpKind' }), 'data-testid': 'jump-kind' });
    this.slider = el('input', { type: 'range', min: '0', max: '1000', value: '0', ...i18nAttrs({ aria: 'ttTime' }), 'data-testid': 'scrubber' });
    this.clock = el('span', { class: 'clock', 'data-testid': 'clock' }, '0µs');
    this.slider.addEventListener('input', () => cb.seek((Number(this.slider.value) / 1000) * this.end));
    const back = button(tr('back'), 'ttBack', 'step-back', () => cb.stepBack());
    const fwd = button(tr('fwd'), 'ttFwd', 'step-forward', () => cb.stepForward());
    const next = el('span', { class: 'muted' }, tr('next'));
    const jump = button(tr('jump'), 'ttJump', 'jump', () => cb.jump(this.kindSel.value));
    // two groups that wrap onto two lines in a narrow column instead of overflowing it
    this.root = el(
      'div',
      { class: 'timeline' },
      el('div', { class: 'timeline-play' }, back, this.playBtn, fwd, this.speedSel, this.slider, this.clock),
      el('div', { class: 'timeline-jump' }, next, this.kindSel, jump),
    );
    host.append(this.root);
    onLang(() => {
      back.textContent = tr('back');
      fwd.textContent = tr('fwd');
      next.textContent = tr('next');
      jump.textContent = tr('jump');
      this.playBtn.textContent = this.playing ? tr('pause') : tr('play');
    });
  }

  setTimeline(tl: Timeline, end: number): void {
    this.end = Math.max(1, end);
    clear(this.kindSel);
    for (const k of tl.kinds()) this.kindSel.append(el('option', { value: k }, k));
    this.pause();
  }

  selectKind(kind: string): void {
    if ([...this.kindSel.options].some((o) => o.value === kind)) this.kindSel.value = kind;
  }

  get kind(): string {
    return this.kindSel.value;
  }

  update(t: number): void {
    this.slider.value = String(Math.round((t / this.end) * 1000));
    this.clock.textContent = `${formatDuration(Math.round(t))} / ${formatDuration(Math.round(this.end))}`;
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  play(): void {
    if (this.now() >= this.end) this.cb.seek(0);
    this.playing = true;
    this.playBtn.textContent = tr('pause');
    this.lastFrame = performance.now();
    requestAnimationFrame((ts) => this.tick(ts));
  }

  pause(): void {
    this.playing = false;
    this.playBtn.textContent = tr('play');
  }

  private tick(ts: number): void {
    if (!this.playing) return;
    const dt = Math.max(0, ts - this.lastFrame);
    this.lastFrame = ts;
    const next = this.now() + dt * 1000 * Number(this.speedSel.value);
    if (next >= this.end) {
      this.cb.seek(this.end);
      this.pause();
      return;
    }
    this.cb.seek(next);
    requestAnimationFrame((t) => this.tick(t));
  }
}
