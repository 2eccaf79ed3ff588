import type { PackedTrace } from './model/packed.ts';

/** Messages between the main thread and the simulation worker (viz/worker.ts). Every request carries an id. */
export type Request =
  | { type: 'run'; id: number; scenario: string | Record<string, unknown>; seed?: number }
  | { type: 'capture'; id: number; name: string; bytes: ArrayBuffer }
  | { type: 'trace-json'; id: number; name: string; text: string }
  | { type: 'synthetic'; id: number; hops: number }
  | { type: 'filter'; id: number; proto: number; host: string; text: string }
  | { type: 'pcapng'; id: number };

export type Response =
  | { type: 'trace'; id: number; packed: PackedTrace; scenario?: Record<string, unknown>; label: string; ms: number }
  | { type: 'progress'; id: number; done: number; total: number; what: string }
  | { type: 'filtered'; id: number; indices: Int32Array | null }
  | { type: 'file'; id: number; bytes: Uint8Array; name: string }
  | { type: 'error'; id: number; message: string };
