import type { Lesson } from './lesson.ts';
import { validateLesson } from './validate.ts';

/**
 * Assembles lessons from their files (lesson.json, narrative.md and narrative.zh.md), each checked by
 * validateLesson (a bad file throws a LessonError naming its fields), sorted by `order`.
 */
export function assembleLessons(files: readonly { json: unknown; narrative: string; narrativeZh: string; name?: string }[]): Lesson[] {
  return files
    .map((f) => ({ ...validateLesson(f.json, f.name), narrative: { en: f.narrative, zh: f.narrativeZh } }))
    .sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : 1));
}

export { DEFAULT_LESSON, resolveCheckpoint, resolveEvent, lessonScenarios, LANGS } from './lesson.ts';
export type { Lesson, LessonFile, Checkpoint, EventMatch, Resolved, Question, Answer, Text, Lang } from './lesson.ts';
export { computeAnswer, isCorrect, answerOf, type Computed } from './answers.ts';
export { validateLesson, LessonError, type LessonIssue } from './validate.ts';
