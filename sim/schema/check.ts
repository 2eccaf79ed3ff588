import type { TransportAddress } from '../core/endpoint.ts';
import { parseDuration, type Micros } from '../core/time.ts';
import { canonicalIp } from '../wire/ip/address.ts';

/** One thing wrong with a scenario: the field's path ("nodes.natA.nat.filtering") and what was expected. */
export interface ScenarioIssue {
  readonly path: string;
  readonly message: string;
}

export class ScenarioError extends Error {
  constructor(readonly issues: readonly ScenarioIssue[]) {
    super(`invalid scenario:\n${issues.map((i) => `  ${i.path || '(top)'}: ${i.message}`).join('\n')}`);
    this.name = 'ScenarioError';
  }
}

/**
 * Small validation helpers that collect every problem with its path instead of stopping at the first,
 * so a learner editing a scenario sees all of them at once.
 */
export class Check {
  readonly issues: ScenarioIssue[] = [];

  fail(path: string, message: string): undefined {
    this.issues.push({ path, message });
    return undefined;
  }

  throwIfAny(): void {
    if (this.issues.length > 0) throw new ScenarioError(this.issues);
  }

  object(path: string, v: unknown): Record<string, unknown> | undefined {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    return this.fail(path, `expected an object, got ${describe(v)}`);
  }

  /** Reports keys that are not in `allowed` (typos are the most common scenario mistake). */
  onlyKeys(path: string, o: Record<string, unknown>, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) this.fail(join(path, k), `unknown field; expected one of ${allowed.join(', ')}`);
    }
  }

  array(path: string, v: unknown): unknown[] | undefined {
    if (Array.isArray(v)) return v;
    return this.fail(path, `expected an array, got ${describe(v)}`);
  }

  string(path: string, v: unknown): string | undefined {
    if (typeof v === 'string') return v;
    return this.fail(path, `expected a string, got ${describe(v)}`);
  }

  number(path: string, v: unknown, min = -Infinity, max = Infinity): number | undefined {
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.fail(path, `expected a number, got ${describe(v)}`);
    if (v < min || v > max) return this.fail(path, `expected a number from ${min} to ${max}, got ${v}`);
    return v;
  }

  integer(path: string, v: unknown, min = -Infinity, max = Infinity): number | undefined {
    const n = this.number(path, v, min, max);
    if (n === undefined) return undefined;
    if (!Number.isInteger(n)) return this.fail(path, `expected a whole number, got ${n}`);
    return n;
  }

  boolean(path: string, v: unknown): boolean | undefined {
    if (typeof v === 'boolean') return v;
    return this.fail(path, `expected true or false, got ${describe(v)}`);
  }

  oneOf<T extends string>(path: string, v: unknown, options: readonly T[]): T | undefined {
    if (typeof v === 'string' && (options as readonly string[]).includes(v)) return v as T;
    return this.fail(path, `expected one of ${options.map((o) => JSON.stringify(o)).join(', ')}, got ${describe(v)}`);
  }

  duration(path: string, v: unknown): Micros | undefined {
    if (typeof v !== 'string' && typeof v !== 'number') return this.fail(path, `expected a duration like "30s" or "250ms", got ${describe(v)}`);
    const d = parseDuration(v);
    if (typeof d === 'object') return this.fail(path, d.error);
    return d;
  }

  ip(path: string, v: unknown): string | undefined {
    const s = this.string(path, v);
    if (s === undefined) return undefined;
    const c = canonicalIp(s);
    return c ?? this.fail(path, `expected an IPv4 or IPv6 address, got ${JSON.stringify(s)}`);
  }

  /** "192.0.2.1/24" → { ip, prefix }; a bare address gets the full-length prefix. */
  cidr(path: string, v: unknown): { ip: string; prefix: number } | undefined {
    const s = this.string(path, v);
    if (s === undefined) return undefined;
    const [addr = '', len] = s.split('/');
    const ip = canonicalIp(addr);
    if (!ip) return this.fail(path, `expected an address with an optional prefix like "192.168.1.1/24", got ${JSON.stringify(s)}`);
    const max = ip.includes(':') ? 128 : 32;
    const prefix = len === undefined ? max : Number(len);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return this.fail(path, `prefix length must be 0–${max}, got ${JSON.stringify(len)}`);
    return { ip, prefix };
  }

  /** "192.0.2.1:3478" or "[2001:db8::1]:3478". */
  transport(path: string, v: unknown): TransportAddress | undefined {
    const s = this.string(path, v);
    if (s === undefined) return undefined;
    const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
    const ip = m ? canonicalIp(m[1]!) : undefined;
    const port = m ? Number(m[2]) : NaN;
    if (!ip || !(port >= 0 && port <= 65535)) {
      return this.fail(path, `expected "address:port" like "192.0.2.1:3478" or "[2001:db8::1]:3478", got ${JSON.stringify(s)}`);
    }
    return { ip, port };
  }
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return JSON.stringify(v);
}
