import type { JsonValue } from '../core/trace.ts';
import type { AppKind, BuiltApp, Obj, SummarySection } from './app-kind.ts';
import { allAppKinds, appKind } from './registry.ts';

/** A built app with the kind that built it. */
export interface RegisteredApp extends BuiltApp {
  readonly app: AppKind;
}

/**
 * The apps' part of a run summary: `apps` (one entry per app, in scenario order: kind, host and what its kind adds)
 * and the sections the kinds add to. A section comes where the first kind of the registry that is present in the
 * scenario and adds to it declares it; its entries come in scenario order (a later entry under the same key of a
 * keyed section replaces an earlier one in place).
 */
export function appsSummary(apps: readonly RegisteredApp[]): { apps: JsonValue[]; sections: Obj } {
  const entries: JsonValue[] = apps.map((a) => ({ kind: a.spec.kind, host: a.spec.host, ...a.app.appEntry?.(a) }));
  const present = new Set(apps.map((a) => a.app));
  const order: SummarySection[] = [];
  for (const k of allAppKinds()) {
    if (!present.has(k)) continue;
    for (const s of k.sections) if (!order.some((o) => o.name === s.name)) order.push(s);
  }
  const lists = new Map<string, JsonValue[]>();
  const keyed = new Map<string, Obj>();
  for (const a of apps) {
    for (const part of a.app.summary?.(a) ?? []) {
      const name = part.section.name;
      if (!order.some((s) => s.name === name)) throw new Error(`app kind ${a.spec.kind} adds to summary section "${name}" without declaring it`);
      if (part.key === undefined) {
        const list = lists.get(name) ?? [];
        list.push(part.value);
        lists.set(name, list);
      } else {
        const obj = keyed.get(name) ?? {};
        obj[part.key] = part.value;
        keyed.set(name, obj);
      }
    }
  }
  const sections: Obj = {};
  for (const s of order) {
    const v = s.keyed ? keyed.get(s.name) : lists.get(s.name);
    if (v !== undefined) sections[s.name] = v;
  }
  return { apps: entries, sections };
}

/**
 * The printed-summary lines of the apps: `appLines` of each `summary.apps` entry's kind (printed before the NATs),
 * then every section in summary order, each entry printed by its section (keyed) or its kind (list).
 */
export function appsSummaryLines(summary: Obj): { apps: string[]; sections: string[] } {
  const apps: string[] = [];
  for (const a of (summary.apps as Obj[] | undefined) ?? []) apps.push(...(appKind(String(a.kind))?.appLines?.(a) ?? []));
  const sections: string[] = [];
  const known = new Map<string, SummarySection>();
  for (const k of allAppKinds()) for (const s of k.sections) if (!known.has(s.name)) known.set(s.name, s);
  for (const [name, value] of Object.entries(summary)) {
    const s = known.get(name);
    if (!s) continue;
    if (s.keyed) {
      for (const [key, entry] of Object.entries(value as Obj)) sections.push(...(s.lines?.(key, entry as Obj) ?? []));
    } else {
      for (const entry of value as Obj[]) sections.push(...(appKind(String(entry.kind))?.entryLines?.(name, entry) ?? []));
    }
  }
  return { apps, sections };
}
