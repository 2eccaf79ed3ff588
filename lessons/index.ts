import type { Lesson, LessonFile } from './lesson.ts';

/** Assembles lessons from their files (lesson.json + narrative.md), sorted by `order`. */
export function assembleLessons(files: readonly { json: LessonFile; narrative: string }[]): Lesson[] {
  return files.map((f) => ({ ...f.json, narrative: f.narrative })).sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : 1));
}

export { DEFAULT_LESSON, resolveCheckpoint, lessonScenarios } from './lesson.ts';
export type { Lesson, LessonFile, Checkpoint, EventMatch, Resolved } from './lesson.ts';
