import { readFileSync, writeFileSync } from 'node:fs';
import { FIELDS_END, fieldsBegin, KINDS_BEGIN, kindMarkdown, kindsMarkdown, kindsText, kindText } from '../sim/apps/describe.ts';
import { APP_KINDS, appKind } from '../sim/apps/registry.ts';

const USAGE = `rtclab apps — the scenario app kinds and their fields, read from the app registry (sim/apps/registry.ts)

Usage:
  rtclab apps                      every kind, one line each
  rtclab apps <kind>               every field of one kind: type, default, an example, what it means
  rtclab apps --markdown [kind]    the field tables of docs/scenario-apps.md
  rtclab apps --write-docs FILE    rewrite the generated field tables in FILE (docs/scenario-apps.md)
`;

/** `text` with every kind's marked field tables regenerated from the registry (unmarked text is kept as it is). */
export function updateAppDocs(text: string): string {
  let out = text;
  const blocks: [string, string][] = [[KINDS_BEGIN, kindsMarkdown()], ...APP_KINDS.map((app): [string, string] => [fieldsBegin(app.kind), kindMarkdown(app)])];
  for (const [begin, body] of blocks) {
    const at = out.indexOf(begin);
    if (at < 0) continue;
    const end = out.indexOf(FIELDS_END, at);
    if (end < 0) continue;
    out = `${out.slice(0, at)}${begin}\n${body}\n${out.slice(end)}`;
  }
  return out;
}

/** `rtclab apps`: returns the exit code. */
export function appsCommand(argv: string[]): number {
  const markdown = argv.includes('--markdown');
  const rest = argv.filter((a) => a !== '--markdown');
  if (rest[0] === '--help' || rest[0] === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (rest[0] === '--write-docs') {
    const file = rest[1];
    if (!file) {
      process.stderr.write(`rtclab apps: --write-docs needs a file\n${USAGE}`);
      return 2;
    }
    const before = readFileSync(file, 'utf8');
    const after = updateAppDocs(before);
    if (after !== before) writeFileSync(file, after);
    process.stdout.write(`${file}: ${after === before ? 'already up to date' : 'field tables rewritten'}\n`);
    return 0;
  }
  if (rest.length > 1 || rest[0]?.startsWith('-')) {
    process.stderr.write(`rtclab apps: unexpected ${rest.join(' ')}\n${USAGE}`);
    return 2;
  }
  const kinds = rest[0] === undefined ? [...APP_KINDS] : [appKind(rest[0])];
  if (kinds[0] === undefined) {
    process.stderr.write(`rtclab apps: no app kind ${JSON.stringify(rest[0])}; kinds are ${APP_KINDS.map((k) => k.kind).join(', ')}\n`);
    return 2;
  }
  if (markdown) {
    process.stdout.write(kinds.map((k) => `## \`${k!.kind}\`\n\n${fieldsBegin(k!.kind)}\n${kindMarkdown(k!)}\n${FIELDS_END}\n`).join('\n'));
  } else {
    process.stdout.write(rest[0] === undefined ? kindsText() : kindText(kinds[0]));
  }
  return 0;
}
