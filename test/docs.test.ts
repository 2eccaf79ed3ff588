// The docs stay true to the code. docs/scenario-apps.md has a section for every app kind the scenario parser
// accepts, naming every field the parser allows for it; the lists are found by asking the parser (an unknown field
// makes it list the allowed ones), never copied here. Every example there parses and builds. docs/visualizer.md
// documents exactly the keyboard shortcuts viz/ handles, every address-bar parameter and every lesson.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LESSON } from '../lessons/lesson.ts';
import { updateAppDocs } from '../cli/apps.ts';
import { fieldsBegin } from '../sim/apps/describe.ts';
import { dtlsPeerApp } from '../sim/apps/dtls-peer.ts';
import { APP_KINDS } from '../sim/apps/registry.ts';
import { Check } from '../sim/schema/check.ts';
import type { Field } from '../sim/schema/fields.ts';
import { sfuClientApp } from '../sim/apps/sfu-client.ts';
import { sfuApp } from '../sim/apps/sfu.ts';
import { webRtcPeerApp } from '../sim/apps/webrtc-peer.ts';
import { buildScenario } from '../sim/scenario/build.ts';
import { join, ScenarioError, type ScenarioIssue } from '../sim/schema/check.ts';
import { parseScenario } from '../sim/scenario/parse.ts';
import { listPresets } from '../sim/scenario/presets/index.ts';

const ROOT = new URL('../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, ROOT), 'utf8');
const APPS_DOC = read('docs/scenario-apps.md');
const VIZ_DOC = read('docs/visualizer.md');
const README = read('README.md');

type Json = Record<string, unknown>;
type Seg = string | number;
const PROBE = '__not_a_field__';

function issuesOf(raw: unknown): readonly ScenarioIssue[] {
  try {
    parseScenario(raw);
    return [];
  } catch (e) {
    if (e instanceof ScenarioError) return e.issues;
    throw e;
  }
}

/** The fields the parser allows in the object at `path`, read from its complaint about the probe field. */
function allowedAt(issues: readonly ScenarioIssue[], path: string): string[] | undefined {
  const m = issues.map((i) => (i.path === join(path, PROBE) ? /^unknown field; expected one of (.+)$/.exec(i.message) : null)).find((x) => x);
  return m ? m[1]!.split(', ') : undefined;
}

/** The options the parser lists for a field it wanted one of: `expected one of "a", "b", got …`. */
function optionsIn(message: string): string[] | undefined {
  const m = /^expected one of (.+), got /.exec(message);
  return m ? [...m[1]!.matchAll(/"([^"]*)"/g)].map((x) => x[1]!) : undefined;
}

/** Puts `value` at `segs` inside `o` (arrays for numbers); with no segments, merges it into `o`. */
function put(o: Json, segs: readonly Seg[], value: Json): void {
  if (segs.length === 0) return void Object.assign(o, value);
  let cur: Json | unknown[] = o;
  segs.forEach((s, i) => {
    const last = i === segs.length - 1;
    const next = last ? value : typeof segs[i + 1] === 'number' ? [] : {};
    (cur as Record<Seg, unknown>)[s] = next;
    cur = next as Json;
  });
}

const pathOf = (base: string, segs: readonly Seg[]): string => segs.reduce<string>((p, s) => join(p, s), base);

/**
 * Every object the parser checks with a key list, under a starting point: `make(segs, value)` builds a scenario
 * with `value` at `segs` below `base`. Nested objects and arrays of objects are found by trying each allowed key;
 * an object whose keys depend on a field (a TURN script's `do`) is tried with each option of that field.
 */
function fieldLists(make: (segs: readonly Seg[], value: Json) => unknown, base: string, recurse = true): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const explore = (segs: readonly Seg[], extra: Json, label: string): void => {
    const path = pathOf(base, segs);
    const issues = issuesOf(make(segs, { ...extra, [PROBE]: 1 }));
    const keys = allowedAt(issues, path);
    if (!keys) {
      if (Object.keys(extra).length > 0) return;
      for (const i of issues) {
        const field = i.path.startsWith(`${path}.`) ? i.path.slice(path.length + 1) : '';
        const options = /^[A-Za-z]+$/.test(field) ? optionsIn(i.message) : undefined;
        for (const o of options ?? []) explore(segs, { [field]: o }, `${label} (${field}: ${o})`);
      }
      return;
    }
    out.set(label, keys);
    if (!recurse) return;
    for (const k of keys) {
      if (k === 'kind' || k === 'host' || k in extra) continue;
      explore([...segs, k], {}, label ? `${label}.${k}` : k);
      explore([...segs, k, 0], {}, label ? `${label}.${k}[]` : `${k}[]`);
    }
  };
  explore([], {}, '');
  return out;
}

const HOST_ADDRESS = '192.0.2.1';
const world = (extra: { apps?: unknown[]; node?: Json; events?: unknown[] } = {}): Json => ({
  name: 'probe',
  nodes: { internet: { kind: 'router' }, h: { kind: 'host', uplink: 'internet', addresses: [`${HOST_ADDRESS}/24`] }, ...(extra.node ? { n: extra.node } : {}) },
  ...(extra.apps ? { apps: extra.apps } : {}),
  ...(extra.events ? { events: extra.events } : {}),
});

function appFields(kind: string): Map<string, string[]> {
  return fieldLists((segs, value) => {
    const app: Json = { kind, host: 'h' };
    put(app, segs, value);
    return world({ apps: [app] });
  }, 'apps[0]');
}

/** Candidate words: every quoted kebab-case literal in sim/ (a kind the parser accepts is written somewhere). */
function literalsInSim(): Set<string> {
  const out = new Set<string>();
  const files = readdirSync(new URL('sim/', ROOT), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  for (const f of files) for (const m of read(`sim/${f}`).matchAll(/'([a-z][a-z0-9]*(?:-[a-z0-9]+)*)'/g)) out.add(m[1]!);
  return out;
}

const kindAccepted = (kind: string): boolean => !issuesOf(world({ apps: [{ kind, host: 'h' }] })).some((i) => i.path === 'apps[0].kind');

/** Every app kind the parser accepts: those its kind check lists, and any other literal it takes as a kind. */
function acceptedKinds(): string[] {
  const listed = optionsIn(issuesOf(world({ apps: [{ kind: PROBE, host: 'h' }] })).find((i) => i.path === 'apps[0].kind')?.message ?? '') ?? [];
  return [...new Set([...listed, ...[...literalsInSim()].filter(kindAccepted)])].sort();
}

/** The text under a heading line matching `heading`, up to the next heading of the same or a higher level. */
function section(doc: string, heading: RegExp): string | undefined {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => /^#{1,6} /.test(l) && heading.test(l));
  if (start < 0) return undefined;
  const level = /^#+/.exec(lines[start]!)![0].length;
  const end = lines.findIndex((l, i) => i > start && new RegExp(`^#{1,${level}} `).test(l));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const appSection = (kind: string): string | undefined => section(APPS_DOC, new RegExp(`^## \`${escape(kind)}\`$`));
/** Field names a list of fields needs and a text lacks (each must appear in backquotes). */
const missingIn = (text: string, lists: Map<string, string[]>): string[] =>
  [...lists].flatMap(([where, keys]) => keys.filter((k) => !text.includes(`\`${k}\``)).map((k) => `${where ? `${where}: ` : ''}${k}`));

const KINDS = acceptedKinds();

describe('docs/scenario-apps.md', () => {
  it('knows every app kind the parser accepts, including those checked before the kind list', () => {
    expect(KINDS.length).toBeGreaterThan(4);
    for (const k of [dtlsPeerApp.kind, webRtcPeerApp.kind, sfuApp.kind, sfuClientApp.kind]) expect(KINDS).toContain(k);
    const used = new Set(listPresets().flatMap((p) => ((p.build().apps ?? []) as Json[]).map((a) => String(a.kind))));
    for (const k of used) expect(KINDS, `preset app kind ${k}`).toContain(k);
  });

  it.each(KINDS)('%s has a section naming every field the parser allows for it', (kind) => {
    const text = appSection(kind);
    expect(text, `no "## \`${kind}\`" heading in docs/scenario-apps.md`).toBeDefined();
    const lists = appFields(kind);
    expect(lists.get(''), `the parser lists no fields for ${kind}`).toBeDefined();
    expect(missingIn(text!, lists)).toEqual([]);
  });

  it('lists exactly the registered kinds, and each kind section shows the field tables generated from its schema', () => {
    expect([...KINDS]).toEqual(APP_KINDS.map((k) => k.kind).sort());
    for (const k of APP_KINDS) expect(appSection(k.kind), `the fields of ${k.kind} are generated into its section`).toContain(fieldsBegin(k.kind));
    // stale tables: run `npx rtclab apps --write-docs docs/scenario-apps.md`
    expect(updateAppDocs(APPS_DOC) === APPS_DOC, 'docs/scenario-apps.md: the generated tables differ from the schemas; run `npx rtclab apps --write-docs docs/scenario-apps.md`').toBe(true);
  });

  it('has an example that parses for every field of every schema, and a one-line doc for every field but kind', () => {
    const kinds = new Map<string, string>([['alice', 'host'], ['bob', 'host'], ['sfu', 'host']]);
    const walk = (where: string, fields: readonly Field[]): string[] =>
      fields.flatMap((f) => {
        const c = new Check();
        const bad: string[] = [];
        if (f.name !== 'kind' && !/^[^\n]{4,}$/.test(f.doc)) bad.push(`${where}.${f.name}: no one-line doc`);
        if (f.example === undefined && f.presence !== 'optional') bad.push(`${where}.${f.name}: no example`);
        if (f.example !== undefined && f.type.parse(c, `${where}.${f.name}`, f.example, { kinds }) === undefined) bad.push(`${where}.${f.name}: its example does not parse`);
        bad.push(...c.issues.map((i) => `${i.path}: ${i.message}`));
        const v = f.type.variants;
        return [...bad, ...walk(`${where}.${f.name}`, f.type.fields ?? []), ...(v ? Object.entries(v.of).flatMap(([n, vf]) => walk(`${where}.${f.name}(${n})`, [...v.common, ...vf])) : [])];
      });
    expect(APP_KINDS.flatMap((k) => walk(k.kind, k.fields))).toEqual([]);
  });

  it('has no section for an app kind the parser refuses', () => {
    const headed = [...APPS_DOC.matchAll(/^## `([^`]+)`$/gm)].map((m) => m[1]!);
    expect(headed.filter((k) => !KINDS.includes(k))).toEqual([]);
    expect(headed.sort()).toEqual(KINDS);
  });

  it('names every top-level, node, link and event field', () => {
    const top = fieldLists((segs, value) => ({ name: 'probe', nodes: {}, ...value }), '', false);
    expect(missingIn(section(APPS_DOC, /^### Top-level fields$/) ?? '', top)).toEqual([]);
    const nodesText = section(APPS_DOC, /^### Nodes$/) ?? '';
    const nodeKinds = optionsIn(issuesOf(world({ node: { kind: PROBE } })).find((i) => i.path === 'nodes.n.kind')?.message ?? '') ?? [];
    expect(nodeKinds.length).toBeGreaterThan(2);
    for (const kind of nodeKinds) {
      expect(nodesText, `node kind ${kind}`).toContain(`\`${kind}\``);
      const lists = fieldLists((_segs, value) => world({ node: { kind, uplink: 'internet', ...value } }), 'nodes.n', false);
      expect(lists.size, `the parser lists no fields for node kind ${kind}`).toBe(1);
      expect(missingIn(nodesText, lists)).toEqual([]);
    }
    const link = fieldLists((segs, value) => {
      const l: Json = {};
      put(l, segs, value);
      return world({ node: { kind: 'host', uplink: 'internet', addresses: ['192.0.2.9/24'], link: l } });
    }, 'nodes.n.link');
    expect(link.has('burst')).toBe(true);
    expect(missingIn(section(APPS_DOC, /^### Links$/) ?? '', link)).toEqual([]);
    const events = fieldLists((segs, value) => {
      const e: Json = {};
      put(e, segs, value);
      return world({ events: [e] });
    }, 'events[0]');
    expect(missingIn(section(APPS_DOC, /^### Events$/) ?? '', events)).toEqual([]);
  });

  const examples = [...APPS_DOC.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);

  it.each(examples.map((e, i) => [i, e] as const))('example %i parses and builds', (_i, text) => {
    const s = parseScenario(JSON.parse(text));
    expect(() => buildScenario(s)).not.toThrow();
  });

  it('shows every app kind in at least one example', () => {
    const shown = new Set(examples.flatMap((e) => ((JSON.parse(e) as Json).apps as Json[]).map((a) => String(a.kind))));
    expect(KINDS.filter((k) => !shown.has(k))).toEqual([]);
  });

  it('is linked from the README, whose Apps line names every kind', () => {
    expect(README).toContain('docs/scenario-apps.md');
    const apps = /^- \*\*Apps\*\*[\s\S]*?(?=^- \*\*|^$)/m.exec(README)?.[0] ?? '';
    expect(KINDS.filter((k) => !apps.includes(`\`${k}\``))).toEqual([]);
  });
});

/** "Shift+→" → "Shift+ArrowRight"; "Space" → " ". */
function keyOfDoc(text: string): string {
  const names: Record<string, string> = { Space: ' ', '→': 'ArrowRight', '←': 'ArrowLeft', '↑': 'ArrowUp', '↓': 'ArrowDown' };
  const shift = text.startsWith('Shift+');
  const base = shift ? text.slice(6) : text;
  return `${shift ? 'Shift+' : ''}${names[base] ?? base}`;
}

/** Keys the keydown handlers of viz/ act on: `case 'x':` labels and `e.key === / !== 'x'`, with Shift when a case checks it. */
function keysInCode(): Set<string> {
  const out = new Set<string>();
  const files = readdirSync(new URL('viz/', ROOT), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  for (const f of files) {
    const src = read(`viz/${f}`);
    let at = src.indexOf("'keydown'");
    while (at >= 0) {
      // the handler ends where the next class member or function starts
      const rest = src.slice(at);
      const end = rest.search(/\n {2}(?:private |public |async |get |set |static )*[A-Za-z]+\(.*\)[^\n]*\{\n|\nfunction |\nexport /);
      const body = end < 0 ? rest : rest.slice(0, end);
      const cases = [...body.matchAll(/case '([^']*)':/g)];
      cases.forEach((m, i) => {
        out.add(m[1]!);
        const caseBody = body.slice(m.index, cases[i + 1]?.index ?? body.length);
        if (/\be\.shiftKey\b/.test(caseBody.split('default:')[0]!)) out.add(`Shift+${m[1]}`);
      });
      for (const m of body.matchAll(/\.key\s*[!=]==\s*'([^']*)'/g)) out.add(m[1]!);
      at = src.indexOf("'keydown'", at + 1);
    }
  }
  return out;
}

describe('docs/visualizer.md', () => {
  it('documents exactly the keyboard shortcuts the page handles', () => {
    const table = section(VIZ_DOC, /^## Keyboard shortcuts$/) ?? '';
    const documented = new Set([...table.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => keyOfDoc(m[1]!)));
    const code = keysInCode();
    expect(code.size).toBeGreaterThan(5);
    expect([...documented].filter((k) => !code.has(k)), 'documented but not handled').toEqual([]);
    expect([...code].filter((k) => !documented.has(k)), 'handled but not documented').toEqual([]);
  });

  it('documents every address-bar parameter the page reads', () => {
    const src = ['viz/model/url.ts', 'viz/app.ts', 'viz/main.ts'].map(read).join('\n');
    const params = new Set([...src.matchAll(/\.(?:get|getAll|has)\('([a-z]+)'\)/g)].map((m) => m[1]!));
    expect(params.has('scenario')).toBe(true);
    const text = section(VIZ_DOC, /^## The address bar$/) ?? '';
    expect([...params].filter((p) => !new RegExp(`\`${p}(?:=[^\`]*)?\``).test(text))).toEqual([]);
  });

  it('lists every lesson with its scenario and names the default', () => {
    const text = section(VIZ_DOC, /^## Lessons$/) ?? '';
    const dirs = readdirSync(new URL('lessons/', ROOT), { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(dirs.length).toBeGreaterThan(0);
    for (const d of dirs) {
      const l = JSON.parse(read(`lessons/${d.name}/lesson.json`)) as { id: string; title: string; scenario: unknown };
      const row = text.split('\n').find((r) => r.includes(`\`${l.id}\``));
      expect(row, `lesson ${l.id}`).toBeDefined();
      expect(row).toContain(l.title);
      if (typeof l.scenario === 'string') expect(row).toContain(`\`${l.scenario}\``);
      if (l.id === DEFAULT_LESSON) expect(row).toContain('the default');
    }
  });

  it('is linked from the README', () => {
    expect(README).toContain('docs/visualizer.md');
  });
});
