import { Rng } from '../../sim/core/rng.ts';

/**
 * Mutated copies of a scenario document, as a careless user or a fuzzer would write them: a key removed, a value
 * of the wrong type or range, an array emptied or doubled, an app duplicated, a name swapped for another one from
 * the same document. Deterministic for a given seed.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Site {
  readonly path: (string | number)[];
  readonly value: Json;
}

function sites(v: Json, path: (string | number)[] = [], out: Site[] = []): Site[] {
  out.push({ path, value: v });
  if (Array.isArray(v)) v.forEach((x, i) => sites(x, [...path, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) sites(x, [...path, k], out);
  return out;
}

function strings(v: Json, out = new Set<string>()): Set<string> {
  if (typeof v === 'string') out.add(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (out.add(k), strings(x, out));
  return out;
}

function setAt(doc: Json, path: (string | number)[], f: (old: Json) => Json | undefined): Json {
  if (path.length === 0) return f(doc) ?? null;
  const [head, ...rest] = path;
  if (Array.isArray(doc)) {
    const copy = [...doc];
    const i = head as number;
    const next = rest.length === 0 ? f(copy[i]!) : setAt(copy[i]!, rest, f);
    if (next === undefined) copy.splice(i, 1);
    else copy[i] = next;
    return copy;
  }
  if (doc && typeof doc === 'object') {
    const copy = { ...doc };
    const k = head as string;
    const next = rest.length === 0 ? f(copy[k]!) : setAt(copy[k]!, rest, f);
    if (next === undefined) delete copy[k];
    else copy[k] = next;
    return copy;
  }
  return doc;
}

const ODD_VALUES: Json[] = [null, true, 0, -1, 1e12, 0.5, '', 'x', '0s', '-5s', '999999h', [], {}, '10.0.0.1', '10.0.0.1:0', '::', '0.0.0.0/0', 'NaN'];

export interface Mutation {
  readonly what: string;
  readonly doc: Json;
}

export function mutate(doc: Json, rng: Rng): Mutation {
  const all = sites(doc).filter((s) => s.path.length > 0);
  const names = [...strings(doc)];
  const site = all[rng.int(0, all.length)]!;
  const where = site.path.join('.');
  switch (rng.int(0, 7)) {
    case 0:
      return { what: `remove ${where}`, doc: setAt(doc, site.path, () => undefined) };
    case 1: {
      const v = ODD_VALUES[rng.int(0, ODD_VALUES.length)]!;
      return { what: `${where} = ${JSON.stringify(v)}`, doc: setAt(doc, site.path, () => v) };
    }
    case 2: {
      const v = names[rng.int(0, names.length)]!;
      return { what: `${where} = ${JSON.stringify(v)} (a name from the document)`, doc: setAt(doc, site.path, () => v) };
    }
    case 3:
      return { what: `${where} emptied`, doc: setAt(doc, site.path, (old) => (Array.isArray(old) ? [] : old && typeof old === 'object' ? {} : '')) };
    case 4:
      return { what: `${where} doubled`, doc: setAt(doc, site.path, (old) => (Array.isArray(old) ? [...old, ...old] : typeof old === 'number' ? old * 2 : typeof old === 'string' ? old + old : old)) };
    case 5: {
      // an element of an array duplicated (an app twice, an address twice)
      const arrays = all.filter((s) => Array.isArray(s.value) && s.value.length > 0);
      const a = arrays[rng.int(0, arrays.length)];
      if (!a) return { what: 'unchanged', doc };
      const arr = a.value as Json[];
      const i = rng.int(0, arr.length);
      return { what: `${a.path.join('.')}[${i}] duplicated`, doc: setAt(doc, a.path, () => [...arr, arr[i]!]) };
    }
    default: {
      const v = typeof site.value === 'number' ? -site.value : typeof site.value === 'string' ? site.value.split('').reverse().join('') : 7;
      return { what: `${where} = ${JSON.stringify(v)}`, doc: setAt(doc, site.path, () => v) };
    }
  }
}
