/// <reference types="vite/client" />
import { assembleLessons, type Lesson, type LessonFile } from '../lessons/index.ts';

/** Every lesson folder, bundled at build time: lesson.json and narrative.md side by side. */
const jsons = import.meta.glob<LessonFile>('../lessons/*/lesson.json', { eager: true, import: 'default' });
const narratives = import.meta.glob<string>('../lessons/*/narrative.md', { eager: true, query: '?raw', import: 'default' });

export const LESSONS: Lesson[] = assembleLessons(
  Object.entries(jsons).map(([path, json]) => ({ json, narrative: narratives[path.replace(/lesson\.json$/, 'narrative.md')] ?? `# ${json.title}` })),
);
