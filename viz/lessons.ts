/// <reference types="vite/client" />
import { assembleLessons, LessonError, type Lesson } from '../lessons/index.ts';

/** Every lesson folder, bundled at build time: lesson.json, narrative.md and narrative.zh.md side by side. */
const jsons = import.meta.glob<unknown>('../lessons/*/lesson.json', { eager: true, import: 'default' });
const narratives = import.meta.glob<string>('../lessons/*/narrative*.md', { eager: true, query: '?raw', import: 'default' });

/** Lessons that failed their check: shown in the page with the fields named, never silently dropped. */
export const LESSON_ERRORS: string[] = [];

function load(): Lesson[] {
  const out: Lesson[] = [];
  for (const [path, json] of Object.entries(jsons)) {
    const dir = path.replace(/lesson\.json$/, '');
    try {
      out.push(...assembleLessons([{ json, name: dir, narrative: narratives[`${dir}narrative.md`] ?? '', narrativeZh: narratives[`${dir}narrative.zh.md`] ?? narratives[`${dir}narrative.md`] ?? '' }]));
    } catch (e) {
      LESSON_ERRORS.push(e instanceof LessonError ? e.message : `${dir}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return out.sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : 1));
}

export const LESSONS: Lesson[] = load();
