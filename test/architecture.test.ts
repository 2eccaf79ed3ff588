// The shape of sim/, checked from the source text: the folders import each other without a cycle (so each folder
// can be read, tested and replaced with only the folders below it in mind), the layers above the protocol folders
// are only imported from above, and no file grows past 450 lines without saying why in a `// size: <reason>`
// header comment. Test files (*.test.ts) may import anything and are left out of the graph.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const SIM = new URL('../sim/', import.meta.url);
const MAX_LINES = 450;

const files = readdirSync(SIM, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.split('\\').join('/'))
  .sort();
const source = (f: string): string => readFileSync(new URL(f, SIM), 'utf8');

/** Relative module specifiers of a file: static imports, re-exports and dynamic import(). */
function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?\bfrom\s+['"]([^'"]+)['"]/gm)) out.push(m[1]!);
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out.filter((s) => s.startsWith('.'));
}

/** "a/b/../c/d.ts" → "a/c/d.ts" (paths relative to sim/; a path leaving sim/ starts with "../"). */
function normalize(path: string): string {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '.' || seg === '') continue;
    if (seg === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

const folderOf = (f: string): string => (f.includes('/') ? f.slice(0, f.indexOf('/')) : '(top)');

/** The folder graph of sim/: folder → folder → one file that makes the edge (for the message). */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const f of files) {
    if (f.endsWith('.test.ts')) continue;
    const from = folderOf(f);
    if (!graph.has(from)) graph.set(from, new Map());
    for (const spec of specifiers(source(f))) {
      const target = normalize(`${f.slice(0, f.lastIndexOf('/') + 1)}${spec}`);
      if (target.startsWith('../')) continue;
      const to = folderOf(target);
      if (to !== from && !graph.get(from)!.has(to)) graph.get(from)!.set(to, `${f} → ${target}`);
    }
  }
  return graph;
}

/** Every cycle's folders (strongly connected components with more than one folder), by Tarjan's algorithm. */
function cycles(graph: Map<string, Map<string, string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      for (let w = stack.pop()!; ; w = stack.pop()!) {
        on.delete(w);
        comp.push(w);
        if (w === v) break;
      }
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}

const graph = folderGraph();

describe('sim/ folder imports', () => {
  it('finds the folders and their imports (the check can fail)', () => {
    expect(graph.get('scenario')?.has('apps')).toBe(true);
    expect(graph.get('apps')?.has('peer')).toBe(true);
    expect(cycles(new Map([['a', new Map([['b', 'a/x.ts → b/y.ts']])], ['b', new Map([['a', 'b/y.ts → a/x.ts']])]]))).toEqual([['a', 'b']]);
  });

  it('form no cycle', () => {
    const found = cycles(graph).map((comp) => {
      const edges = comp.flatMap((a) => comp.filter((b) => graph.get(a)?.has(b)).map((b) => `  ${a} → ${b} (${graph.get(a)!.get(b)!})`));
      return `${comp.join(', ')}:\n${edges.join('\n')}`;
    });
    expect(found, found.join('\n')).toEqual([]);
  });

  it('keep the scenario layers above the protocol folders: only they import apps, scenario, matrix and sweep', () => {
    // sim/notes (the typed-notes registry) joins every folder's note union, sim/apps' too; sim/sweep runs scenarios
    const above: Record<string, readonly string[]> = { apps: ['scenario', 'matrix', 'notes'], scenario: ['matrix', 'sweep'], matrix: [], sweep: [] };
    const wrong: string[] = [];
    for (const [from, tos] of graph) {
      for (const [to, why] of tos) if (to in above && !above[to]!.includes(from)) wrong.push(`${from} → ${to} (${why})`);
    }
    expect(wrong).toEqual([]);
  });

  it('keep sim/schema (the validation helpers every layer may use) on core and wire only', () => {
    expect([...(graph.get('schema')?.keys() ?? [])].filter((to) => to !== 'core' && to !== 'wire')).toEqual([]);
  });
});

describe('sim/ file sizes', () => {
  it(`has no file over ${MAX_LINES} lines without a "// size: <reason>" header comment`, () => {
    const over = files.flatMap((f) => {
      const text = source(f);
      const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      if (lines <= MAX_LINES) return [];
      const header = text.split('\n').slice(0, 5);
      return header.some((l) => /^\/\/ size: \S.{9,}/.test(l)) ? [] : [`${f}: ${lines} lines`];
    });
    expect(over).toEqual([]);
  });
});
