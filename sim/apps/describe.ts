import type { Field, FieldType } from '../schema/fields.ts';
import type { AppKind } from './app-kind.ts';
import { APP_KINDS } from './registry.ts';

/**
 * The app kinds described from their schemas: the field tables of docs/scenario-apps.md (`rtclab apps --markdown`,
 * checked by test/docs.test.ts) and the text `rtclab apps` prints.
 */

const isList = (t: FieldType<unknown>): boolean => t.text.startsWith('array of');
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(fields: readonly Field[]): string[] {
  return ['| field | type | default | meaning |', '| --- | --- | --- | --- |', ...fields.map((f) => `| \`${f.name}\` | ${cell(f.type.text)} | ${cell(f.defaultText)} | ${cell(f.doc)} |`)];
}

/** The tables of the fields inside `type` (objects, arrays of objects, tagged objects), under `label`. */
function nested(label: string, type: FieldType<unknown>, inList: boolean): string[] {
  const out: string[] = [];
  const intro = inList ? `Each entry of \`${label}\`` : `Fields of \`${label}\``;
  if (type.variants) {
    const v = type.variants;
    const common = v.common.map((f) => `\`${f.name}\` (${f.type.text}, default ${f.defaultText}: ${f.doc.replace(/\.$/, '').toLowerCase()})`).join(', ');
    out.push('', `${intro} has ${common} and \`${v.tag}\`, one of:`, '', `| \`${v.tag}\` | other fields | what it does |`, '| --- | --- | --- |');
    for (const [name, fields] of Object.entries(v.of)) {
      const others = fields.map((f) => `\`${f.name}\` (${f.type.text}, ${f.presence === 'required' ? 'required' : f.defaultText === 'none' ? 'optional' : `optional, default ${f.defaultText}`}): ${f.doc}`).join(' ');
      out.push(`| \`${name}\` | ${cell(others || 'none')} | ${cell(v.docs[name] ?? '')} |`);
    }
    return out;
  }
  if (!type.fields) return out;
  out.push('', `${intro}:`, '', ...table(type.fields));
  for (const f of type.fields) out.push(...nested(`${label}.${f.name}`, f.type, isList(f.type)));
  return out;
}

/** The markdown field tables of one kind: its fields, then one table per nested object. */
export function kindMarkdown(app: AppKind): string {
  const out = table(app.fields);
  for (const f of app.fields) out.push(...nested(f.name, f.type, isList(f.type)));
  return out.join('\n');
}

/** The markers around a kind's generated tables in docs/scenario-apps.md. */
export const fieldsBegin = (kind: string): string => `<!-- fields of ${kind}: generated from sim/apps by \`rtclab apps --markdown ${kind}\`; test/docs.test.ts checks them -->`;
export const FIELDS_END = '<!-- end of fields -->';

/** The table of every kind and what it is, in registry order. */
export function kindsMarkdown(): string {
  return ['| kind | what it is |', '| --- | --- |', ...APP_KINDS.map((k) => `| \`${k.kind}\` | ${cell(k.about)} |`)].join('\n');
}

export const KINDS_BEGIN = '<!-- app kinds: generated from sim/apps/registry.ts by `rtclab apps --write-docs`; test/docs.test.ts checks them -->';

/** One line per kind: its name and what it is. */
export function kindsText(): string {
  const width = Math.max(...APP_KINDS.map((k) => k.kind.length));
  return `${APP_KINDS.map((k) => `${k.kind.padEnd(width)}  ${k.about.replace(/`/g, '')}`).join('\n')}\n`;
}

function fieldLines(fields: readonly Field[], indent: string): string[] {
  const out: string[] = [];
  for (const f of fields) {
    const dflt = f.presence === 'required' ? 'required' : `default ${f.defaultText.replace(/`/g, '')}`;
    const example = f.example === undefined || f.name === 'kind' ? '' : `  e.g. ${JSON.stringify(f.example)}`;
    out.push(`${indent}${f.name}: ${f.type.text.replace(/`/g, '')}, ${dflt}${example}`);
    if (f.doc) out.push(`${indent}    ${f.doc.replace(/`/g, '')}`);
    if (f.type.fields) out.push(...fieldLines(f.type.fields, `${indent}  `));
    if (f.type.variants) {
      const v = f.type.variants;
      for (const [name, vf] of Object.entries(v.of)) {
        out.push(`${indent}  ${v.tag}: "${name}" (with ${v.common.map((c) => c.name).join(', ')}): ${(v.docs[name] ?? '').replace(/`/g, '')}`);
        out.push(...fieldLines(vf, `${indent}    `));
      }
    }
  }
  return out;
}

/** Every field of one kind, as text: type, default, example and what it means. */
export function kindText(app: AppKind): string {
  return `${app.kind}: ${app.about.replace(/`/g, '')}\n${fieldLines(app.fields, '  ').join('\n')}\n`;
}
