import { join, type Check } from '../schema/check.ts';
import type { ParseContext } from './app-kind.ts';

/** A field naming a host of the scenario (`host`, `peer`, `sfu`): a string that is the name of a node of kind host. */
export function hostField(c: Check, path: string, key: string, v: unknown, ctx: ParseContext): string | undefined {
  const host = c.string(join(path, key), v);
  if (host !== undefined && ctx.kinds.get(host) !== 'host') c.fail(join(path, key), `no host named ${JSON.stringify(host)}`);
  return host;
}
