import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The dissector's modules import one another in one direction only: protocol files import the tables
// (table.ts), never the registry that lists them, and the stateful Dissector sits above the per-packet entry points.

const ROOT = dirname(new URL(import.meta.url).pathname);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return f.endsWith('.ts') && !f.endsWith('.test.ts') ? [p] : [];
  });
}

/** Every relative import of a file inside this folder, type-only ones included (a cycle of types is still a cycle). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'|^import\s+'(\.[^']+)'/gms)) {
    const target = normalize(join(dirname(file), (m[1] ?? m[2])!));
    if (target.startsWith(ROOT)) out.push(target);
  }
  return out;
}

function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === 'open') found.push([...stack.slice(stack.indexOf(g)), g].map((x) => relative(ROOT, x)));
      else if (!state.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return found;
}

describe('sim/dissect import graph', () => {
  it('has no import cycle among its modules (protocol files included)', () => {
    const files = sources(ROOT);
    expect(files.length).toBeGreaterThan(30);
    expect(cycles(new Map(files.map((f) => [f, importsOf(f)])))).toEqual([]);
  });

  it('finds a cycle when there is one (the check can fail)', () => {
    const at = (n: string): string => join(ROOT, n);
    const graph = new Map([
      [at('dissect.ts'), [at('dissector.ts')]],
      [at('dissector.ts'), [at('flow-state.ts')]],
      [at('flow-state.ts'), [at('dissect.ts')]],
    ]);
    expect(cycles(graph)).toEqual([['dissect.ts', 'dissector.ts', 'flow-state.ts', 'dissect.ts']]);
    // and the import reader sees type-only imports: types.ts is imported by nearly everything
    expect(importsOf(at('dissector.ts')).map((f) => relative(ROOT, f))).toContain('types.ts');
  });
});
