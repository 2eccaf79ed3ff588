/**
 * What the learner has answered, kept in the browser (localStorage): per lesson, per checkpoint, whether the
 * first answer was right. Storage that is missing, full or holds something else is survived, never thrown from.
 */
const KEY = 'rtclab.progress.v1';

export type Progress = Record<string, Record<string, { right: boolean; at: number }>>;

export class ProgressStore {
  private data: Progress = {};

  constructor(private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined = safeStorage()) {
    try {
      const raw = this.storage?.getItem(KEY);
      const parsed: unknown = raw ? JSON.parse(raw) : {};
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) this.data = parsed as Progress;
    } catch {
      this.data = {};
    }
  }

  /** The learner's first answer to a checkpoint's question; later answers do not change the record. */
  record(lesson: string, checkpoint: number, right: boolean): void {
    const l = (this.data[lesson] ??= {});
    if (l[checkpoint] !== undefined) return;
    l[checkpoint] = { right, at: Date.now() };
    this.save();
  }

  answered(lesson: string, checkpoint: number): { right: boolean } | undefined {
    return this.data[lesson]?.[checkpoint];
  }

  /** How many questions of a lesson were answered, and how many of them right. */
  summary(lesson: string): { answered: number; right: number } {
    const l = Object.values(this.data[lesson] ?? {});
    return { answered: l.length, right: l.filter((x) => x.right).length };
  }

  reset(lesson?: string): void {
    if (lesson) delete this.data[lesson];
    else this.data = {};
    this.save();
  }

  private save(): void {
    try {
      this.storage?.setItem(KEY, JSON.stringify(this.data));
    } catch {
      // full or forbidden: progress lives for this page only
    }
  }
}

function safeStorage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}
