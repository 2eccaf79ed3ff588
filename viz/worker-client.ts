import type { Request, Response } from './protocol.ts';

export type RequestBody = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * The simulation worker and its requests: each call gets its answer (and its progress messages, if asked). A worker
 * that dies (a script error at load, out of memory) answers nothing: every pending request then fails with what
 * happened instead of leaving "Running…" on screen forever.
 */
export class WorkerClient {
  private readonly worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Response) => void; progress?: (r: Response) => void }>();

  constructor() {
    this.worker.onmessage = (ev: MessageEvent<Response>): void => {
      const w = this.waiting.get(ev.data.id);
      if (!w) return;
      if (ev.data.type === 'progress') return w.progress?.(ev.data);
      this.waiting.delete(ev.data.id);
      w.resolve(ev.data);
    };
    this.worker.onerror = (e: ErrorEvent): void => {
      e.preventDefault();
      this.fail(`the simulation worker failed: ${e.message || 'unknown error'}${e.filename ? ` (${e.filename}:${e.lineno})` : ''}`);
    };
    this.worker.onmessageerror = (): void => this.fail('a message from the simulation worker could not be read');
  }

  call(body: RequestBody, transfer: Transferable[] = [], progress?: (r: Response) => void): Promise<Response> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, { resolve, ...(progress ? { progress } : {}) });
      this.worker.postMessage({ ...body, id } as Request, transfer);
    });
  }

  private fail(message: string): void {
    for (const [id, w] of [...this.waiting]) {
      this.waiting.delete(id);
      w.resolve({ type: 'error', id, message });
    }
  }
}
