import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Trace } from '../sim/core/trace.ts';
import { parseScenario } from '../sim/scenario/parse.ts';
import { findPreset } from '../sim/scenario/presets/index.ts';
import { runScenario } from '../sim/scenario/run.ts';
import { applySet } from '../sim/scenario/set.ts';
import { answerOf, assembleLessons, computeAnswer, DEFAULT_LESSON, isCorrect, LessonError, resolveCheckpoint, validateLesson, type Checkpoint, type Lesson } from './index.ts';

// Every lesson folder holds lesson.json, narrative.md and narrative.zh.md; the file passes validateLesson, its
// scenarios run, every checkpoint lands on something that happens in its trace, and every question's answer can be
// computed from the run (a choice question's answer is one of its choices), so a simulator change that breaks a
// lesson's story fails here. The browser test (test/browser/lessons.test.ts) answers them in the page.

const dir = new URL('.', import.meta.url).pathname;
const folders = readdirSync(dir).filter((f) => statSync(join(dir, f)).isDirectory());
const lessons: Lesson[] = assembleLessons(
  folders.map((f) => ({
    name: f,
    json: JSON.parse(readFileSync(join(dir, f, 'lesson.json'), 'utf8')) as unknown,
    narrative: readFileSync(join(dir, f, 'narrative.md'), 'utf8'),
    narrativeZh: existsSync(join(dir, f, 'narrative.zh.md')) ? readFileSync(join(dir, f, 'narrative.zh.md'), 'utf8') : '',
  })),
);

const traces = new Map<string, Trace>();
function traceOf(s: string | Record<string, unknown>, set: readonly string[] = []): Trace {
  const key = JSON.stringify([s, set]);
  let t = traces.get(key);
  if (!t) {
    let raw: unknown = typeof s === 'string' ? findPreset(s)?.build() : s;
    if (!raw) throw new Error(`no preset named ${JSON.stringify(s)}`);
    for (const a of set) raw = applySet(raw, a);
    t = runScenario(parseScenario(raw)).trace;
    traces.set(key, t);
  }
  return t;
}

const traceFor = (l: Lesson, c: Checkpoint): Trace => traceOf(c.scenario ?? l.scenario, c.whatIf?.set ?? []);

describe('lessons', () => {
  it('the full call is the default; there are lessons in order, each with 5–10 checkpoints and at least 2 questions', () => {
    expect(lessons.find((l) => l.id === DEFAULT_LESSON)).toBeDefined();
    expect(new Set(lessons.map((l) => l.order)).size).toBe(lessons.length);
    for (const l of lessons) {
      expect(l.checkpoints.length, l.id).toBeGreaterThanOrEqual(5);
      expect(l.checkpoints.length, l.id).toBeLessThanOrEqual(10);
      expect(l.checkpoints.filter((c) => c.question).length, l.id).toBeGreaterThanOrEqual(2);
    }
  });

  for (const l of lessons) {
    describe(l.id, () => {
      it('folder name matches its id; its narrative exists in English and Chinese, each with a title', () => {
        expect(folders).toContain(l.id);
        expect(l.narrative.en).toMatch(/^# \S/);
        expect(l.narrative.zh).toMatch(/^# \S/);
        // the Chinese narrative is Chinese (not a copy of the English one)
        expect(l.narrative.zh).toMatch(/[\u4e00-\u9fff]/);
      });

      for (const [i, c] of l.checkpoints.entries()) {
        it(`checkpoint ${i} "${c.title.en}" happens in its trace${c.question ? ' and its question is answered from the run' : ''}`, () => {
          const trace = traceFor(l, c);
          const r = resolveCheckpoint(trace, c);
          expect(r).not.toHaveProperty('error');
          if (!('error' in r)) expect(r.hop, 'a checkpoint frames a packet').toBeDefined();
          const q = c.question;
          if (!q) return;
          const a = computeAnswer(trace, answerOf(q));
          expect(a, JSON.stringify(a)).not.toHaveProperty('error');
          if ('error' in a) return;
          if (q.kind === 'choice') expect(q.choices.map((x) => x.value)).toContain(a.value);
          if (q.kind === 'number') expect(Number.isFinite(Number(a.value)), a.value).toBe(true);
          if (q.kind === 'packet') expect(a.hop).toBeDefined();
          expect(isCorrect(q, a, q.kind === 'packet' ? String(a.hop) : a.value)).toBe(true);
          expect(q.kind === 'number' && isCorrect(q, a, `${Number(a.value) + 1}`)).toBe(false);
        });
      }
    });
  }

  it('checkpoints land in time order within each run, as a story should (a debugging exercise walks back from the symptom)', () => {
    for (const l of lessons.filter((x) => !x.id.startsWith('debug-'))) {
      const last = new Map<string, number>();
      for (const c of l.checkpoints) {
        const key = JSON.stringify([c.scenario ?? l.scenario, c.whatIf?.set ?? []]);
        const r = resolveCheckpoint(traceFor(l, c), c);
        if ('error' in r) continue;
        expect(r.t, `${l.id}: ${c.title.en}`).toBeGreaterThanOrEqual(last.get(key) ?? 0);
        last.set(key, r.t);
      }
    }
  }, 600_000); // it runs every lesson's scenarios when the per-lesson tests have not run them first

  it('a checkpoint naming an event that never happens is reported, not silently skipped', () => {
    const title = { en: 'impossible', zh: '不可能' };
    const r = resolveCheckpoint(traceOf('nat-full-cone'), { title, notice: title, event: { note: 'nat.filtered' } });
    expect(r).toHaveProperty('error');
    const at = resolveCheckpoint(traceOf('nat-full-cone'), { title, notice: title, at: '17ms' });
    expect(at).toHaveProperty('error');
  });

  it('answers follow the run: the same question on a full-cone and a restricted-cone NAT gets different answers', () => {
    const fate = { hop: { hop: { from: 'internet', to: 'natA' }, nth: 3 }, fact: 'fate' } as const;
    expect(computeAnswer(traceOf('nat-restricted-cone'), fate)).toMatchObject({ value: 'dropped' });
    expect(computeAnswer(traceOf('nat-full-cone'), fate)).toMatchObject({ value: 'delivered' });
    const port = { note: { note: 'nat.mapping.created', source: 'natA' }, data: 'external', part: 'port' } as const;
    expect(computeAnswer(traceOf('nat-symmetric'), port)).toMatchObject({ value: expect.stringMatching(/^\d+$/) });
  });

  it('a bad lesson file names its fields', () => {
    const bad = {
      id: 'Bad Id',
      title: { en: 'only English' },
      order: 1,
      scenario: 'nat-full-cone',
      checkpoints: [{ title: { en: 'a', zh: '甲' }, notice: { en: 'n', zh: '注' }, event: { note: 'x', hop: {} }, question: { kind: 'choice', prompt: { en: 'p', zh: '问' }, explain: { en: 'e', zh: '解' }, choices: [{ value: 'a' }], answer: { hop: { hop: {} }, fact: 'colour' } }, extra: 1 }],
    };
    let err: unknown;
    try {
      validateLesson(bad, 'bad');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LessonError);
    const paths = (err as LessonError).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['id', 'title.zh', 'checkpoints[0].extra', 'checkpoints[0].event', 'checkpoints[0].question.choices', 'checkpoints[0].question.answer.fact']));
    expect((err as LessonError).message).toMatch(/title\.zh: missing or empty text/);
  });
});
