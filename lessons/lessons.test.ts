import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Trace } from '../sim/core/trace.ts';
import { parseScenario } from '../sim/scenario/parse.ts';
import { findPreset } from '../sim/scenario/presets/index.ts';
import { runScenario } from '../sim/scenario/run.ts';
import { assembleLessons, DEFAULT_LESSON, lessonScenarios, resolveCheckpoint } from './index.ts';
import type { LessonFile } from './lesson.ts';

// Every lesson folder holds lesson.json and narrative.md; its scenarios must run and every checkpoint must land
// on something that happens in its trace, so a simulator change that breaks a lesson's story fails here.

const dir = new URL('.', import.meta.url).pathname;
const folders = readdirSync(dir).filter((f) => statSync(join(dir, f)).isDirectory());
const lessons = assembleLessons(
  folders.map((f) => ({
    json: JSON.parse(readFileSync(join(dir, f, 'lesson.json'), 'utf8')) as LessonFile,
    narrative: readFileSync(join(dir, f, 'narrative.md'), 'utf8'),
  })),
);

const traces = new Map<string, Trace>();
function traceOf(s: string | Record<string, unknown>): Trace {
  const key = typeof s === 'string' ? s : JSON.stringify(s);
  let t = traces.get(key);
  if (!t) {
    const raw = typeof s === 'string' ? findPreset(s)?.build() : s;
    if (!raw) throw new Error(`no preset named ${JSON.stringify(s)}`);
    t = runScenario(parseScenario(raw)).trace;
    traces.set(key, t);
  }
  return t;
}

describe('lessons', () => {
  it('the full call comes first and is the default, then the NAT lessons, then TURN fallback', () => {
    expect(lessons.map((l) => l.id)).toEqual(['webrtc-call', 'nat-basics', 'nat-timeouts', 'hairpin-double-nat', 'turn-fallback']);
    expect(lessons[0]!.id).toBe(DEFAULT_LESSON);
  });

  for (const l of lessons) {
    describe(l.id, () => {
      it('folder name matches its id and it has a narrative with a title', () => {
        expect(folders).toContain(l.id);
        expect(l.narrative).toMatch(/^# \S/);
        expect(l.checkpoints.length).toBeGreaterThanOrEqual(3);
      });

      it('every scenario it uses parses and runs', () => {
        for (const s of lessonScenarios(l)) expect(traceOf(s).hops.length).toBeGreaterThan(0);
      });

      for (const c of l.checkpoints) {
        it(`checkpoint "${c.title}" happens in its trace`, () => {
          const r = resolveCheckpoint(traceOf(c.scenario ?? l.scenario), c);
          expect(r).not.toHaveProperty('error');
        });
      }
    });
  }

  it('a checkpoint naming an event that never happens is reported, not silently skipped', () => {
    const r = resolveCheckpoint(traceOf('nat-full-cone'), { title: 'impossible', notice: '', event: { note: 'nat.filtered' } });
    expect(r).toHaveProperty('error');
    const at = resolveCheckpoint(traceOf('nat-full-cone'), { title: 'nothing then', notice: '', at: '17ms' });
    expect(at).toHaveProperty('error');
  });

  it('checkpoints land in time order within each scenario, as a story should', () => {
    for (const l of lessons) {
      const last = new Map<string, number>();
      for (const c of l.checkpoints) {
        const key = JSON.stringify(c.scenario ?? l.scenario);
        const r = resolveCheckpoint(traceOf(c.scenario ?? l.scenario), c);
        if ('error' in r) continue;
        expect(r.t, `${l.id}: ${c.title}`).toBeGreaterThanOrEqual(last.get(key) ?? 0);
        last.set(key, r.t);
      }
    }
  });
});
