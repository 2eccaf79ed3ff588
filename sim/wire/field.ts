/**
 * What every decoder returns besides its value: the span of every field (for hex highlighting and the field tree)
 * and problems (malformed notes). Decoders never throw on bad input.
 */
export interface Field {
  readonly name: string;
  /** Byte offset from the start of the buffer handed to the outermost decoder. */
  readonly offset: number;
  /** Length in bytes (for a bit field, the bytes its bits touch). */
  readonly length: number;
  /** For bit fields: first bit (0 = most significant of the byte at `offset`) and bit count. */
  readonly bits?: { readonly start: number; readonly count: number };
  /** The value as a person reads it: "54321", "0x2112a442", "Binding Request". */
  readonly display?: string;
  readonly children?: readonly Field[];
}

export interface Problem {
  readonly offset: number;
  readonly length: number;
  readonly message: string;
  /** 'warning' for what real traffic does although the newest RFC forbids it (coturn's channels above 0x4FFF); default 'error'. */
  readonly severity?: 'error' | 'warning';
}

/** A decoded layer: its value (undefined only when nothing usable could be read), fields and problems. */
export interface Decoded<T> {
  readonly value: T;
  readonly fields: readonly Field[];
  readonly problems: readonly Problem[];
}

/** Moves every span by `delta` bytes (a payload decoded on its own, placed inside its carrier). */
export function shiftFields(fields: readonly Field[], delta: number): Field[] {
  return fields.map((f) => ({
    ...f,
    offset: f.offset + delta,
    ...(f.children ? { children: shiftFields(f.children, delta) } : {}),
  }));
}

export function shiftProblems(problems: readonly Problem[], delta: number): Problem[] {
  return problems.map((p) => ({ ...p, offset: p.offset + delta }));
}

/** Depth-first search for the first field with this name (tests and panels). */
export function findField(fields: readonly Field[], name: string): Field | undefined {
  for (const f of fields) {
    if (f.name === name) return f;
    const inner = f.children ? findField(f.children, name) : undefined;
    if (inner) return inner;
  }
  return undefined;
}
