import { ScenarioError } from '../schema/check.ts';

/**
 * Applies `--set path=value` to a raw scenario: `nodes.natA.preset=symmetric`, `nodes.alice.link.loss=0.1`,
 * `apps[1].send[0].at=2s`. The value is read as JSON when it parses (numbers, true, objects), otherwise as text.
 * Missing objects on the way are created; the result is validated afterwards like any scenario.
 */
export function applySet(raw: unknown, assignment: string): unknown {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new ScenarioError([{ path: assignment, message: '--set expects path=value, e.g. nodes.natA.preset=symmetric' }]);
  const path = resolvePeerAlias(raw, assignment.slice(0, eq).trim());
  const text = assignment.slice(eq + 1);
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // plain text
  }
  const keys = parsePath(path);
  if (keys.length === 0) throw new ScenarioError([{ path, message: '--set needs a field path before "="' }]);
  // A JSON copy, not structuredClone: presets share sub-objects between apps (one media description for two peers),
  // and structuredClone keeps that sharing, so setting one peer's field would change the other's too.
  const root = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
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

/**
 * Shorthands that speak of a peer rather than of the topology: `peers.alice.nat=symmetric` sets the preset of the
 * first NAT above alice, `peers.alice.nat.filtering=…` one of its fields, `peers.alice.link.loss=…` alice's link.
 */
function resolvePeerAlias(raw: unknown, path: string): string {
  const m = /^peers\.([^.[\]]+)\.(nat|link)(\..+)?$/.exec(path);
  if (!m) return path;
  const [, peer = '', what, rest = ''] = m;
  const nodes = (raw as { nodes?: Record<string, { kind?: string; uplink?: string }> }).nodes ?? {};
  if (nodes[peer]?.kind !== 'host') throw new ScenarioError([{ path, message: `no host named ${JSON.stringify(peer)} in this scenario` }]);
  if (what === 'link') return `nodes.${peer}.link${rest}`;
  const seen = new Set<string>();
  for (let cur = nodes[peer]?.uplink; cur !== undefined && !seen.has(cur); cur = nodes[cur]?.uplink) {
    seen.add(cur);
    if (nodes[cur]?.kind === 'nat') return rest ? `nodes.${cur}.nat${rest}` : `nodes.${cur}.preset`;
  }
  throw new ScenarioError([{ path, message: `${peer} is not behind a NAT in this scenario, so there is no NAT to change` }]);
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
