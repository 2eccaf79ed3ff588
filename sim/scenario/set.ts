import { ScenarioError } from './check.ts';

/**
 * Applies `--set path=value` to a raw scenario: `nodes.natA.preset=symmetric`, `nodes.alice.link.loss=0.1`,
 * `apps[1].send[0].at=2s`. The value is read as JSON when it parses (numbers, true, objects), otherwise as text.
 * Missing objects on the way are created; the result is validated afterwards like any scenario.
 */
export function applySet(raw: unknown, assignment: string): unknown {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new ScenarioError([{ path: assignment, message: '--set expects path=value, e.g. nodes.natA.preset=symmetric' }]);
  const path = assignment.slice(0, eq).trim();
  const text = assignment.slice(eq + 1);
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // plain text
  }
  const keys = parsePath(path);
  if (keys.length === 0) throw new ScenarioError([{ path, message: '--set needs a field path before "="' }]);
  const root = structuredClone(raw) as Record<string, unknown>;
  let cur: unknown = root;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i]!;
    const container = cur as Record<string | number, unknown>;
    if (typeof cur !== 'object' || cur === null) {
      throw new ScenarioError([{ path: keys.slice(0, i).join('.'), message: `--set ${path}: this is not an object or array, cannot go into it` }]);
    }
    if (container[k] === undefined) container[k] = typeof keys[i + 1] === 'number' ? [] : {};
    cur = container[k];
  }
  if (typeof cur !== 'object' || cur === null) {
    throw new ScenarioError([{ path, message: `--set ${path}: the parent is not an object or array` }]);
  }
  (cur as Record<string | number, unknown>)[keys[keys.length - 1]!] = value;
  return root;
}

function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw new ScenarioError([{ path, message: `--set: cannot read the path ${JSON.stringify(path)}` }]);
    if (m[1]) out.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}
