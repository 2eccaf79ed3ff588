import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

/**
 * A project outside the repository that depends on the packed tarball, as a user's would: `npm pack` packs rtclab
 * with its built dist/, then a temporary folder gets one of examples/ with
 * `rtclab: file:<the tarball>` and a package-lock.json made from the repository's own lock (the same versions of
 * vitest and @noble/*, with their integrity hashes), so `npm ci --offline` installs from the npm cache alone. When
 * the cache lacks something, `npm install --prefer-offline` asks the npm registry instead.
 */
export const ROOT = resolve(import.meta.dirname, '../..');

type LockEntry = { version?: string; integrity?: string; resolved?: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; peerDependencies?: Record<string, string>; dev?: boolean; [k: string]: unknown };

/** The newest modification time of the TypeScript files under `dirs`. */
function newest(dirs: readonly string[]): number {
  let t = 0;
  for (const d of dirs) {
    for (const e of readdirSync(join(ROOT, d), { recursive: true, withFileTypes: true })) {
      if (e.isFile() && e.name.endsWith('.ts')) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
    }
  }
  return t;
}

/**
 * Packs the repository into `dir` and returns the tarball's path. `npm test` has built dist/ (build:cli, build:lib)
 * before any test starts; packing with `prepare` would rebuild dist/cli while other tests run the CLI from it, so
 * this packs what is built, building only what is missing or older than its sources.
 */
export function packTarball(dir: string): string {
  const sources = newest(['sim', 'cli', 'lib']);
  for (const [file, script] of [['dist/cli/main.js', 'build:cli'], ['dist/lib/index.js', 'build:lib']] as const) {
    const built = join(ROOT, file);
    if (!existsSync(built) || statSync(built).mtimeMs < sources) execFileSync('npm', ['run', script], { cwd: ROOT, stdio: 'ignore' });
  }
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--json', '--no-fund'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const start = out.indexOf('[');
  const [info] = JSON.parse(out.slice(start)) as { filename: string }[];
  return join(dir, basename(info!.filename));
}

/** The lock entries of `roots` and everything they depend on, resolved as Node resolves them over the lock's paths. */
function closure(packages: Record<string, LockEntry>, roots: readonly string[]): Record<string, LockEntry> {
  const out: Record<string, LockEntry> = {};
  const find = (from: string, name: string): string | undefined => {
    let base = from;
    for (;;) {
      const p = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
      if (packages[p]) return p;
      if (!base) return undefined;
      const i = base.lastIndexOf('/node_modules/');
      base = i < 0 ? '' : base.slice(0, i);
    }
  };
  const visit = (path: string): void => {
    if (out[path]) return;
    const e = packages[path]!;
    out[path] = e;
    for (const deps of [e.dependencies, e.optionalDependencies, e.peerDependencies]) {
      for (const d of Object.keys(deps ?? {})) {
        const p = find(path, d);
        if (p) visit(p);
      }
    }
  };
  for (const r of roots) {
    const p = find('', r);
    if (!p) throw new Error(`${r} is not in the repository's package-lock.json`);
    visit(p);
  }
  return out;
}

export interface FreshProject {
  readonly dir: string;
  readonly tarball: string;
  /** How the dependencies came: from the npm cache alone, or with the registry's help. */
  readonly install: 'offline' | 'registry';
}

/** Makes a fresh project from examples/<example> in a temporary folder and installs rtclab from `tarball` in it. */
export function freshProject(example: string, tarball: string): FreshProject {
  const dir = mkdtempSync(join(tmpdir(), 'rtclab-fresh-'));
  cpSync(join(ROOT, 'examples', example), dir, { recursive: true });
  const tgz = join(dir, basename(tarball));
  copyFileSync(tarball, tgz);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; [k: string]: unknown };
  const spec = `file:${basename(tarball)}`;
  pkg.devDependencies.rtclab = spec;
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);

  const repoLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const repoPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; peerDependencies: Record<string, string>; peerDependenciesMeta: unknown; bin: unknown; engines: unknown };
  const deps = closure(repoLock.packages, ['vitest', ...Object.keys(repoPkg.dependencies)]);
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
  const lock = {
    name: pkg.name,
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: pkg.name, devDependencies: pkg.devDependencies },
      'node_modules/rtclab': {
        version: repoPkg.version,
        resolved: spec,
        integrity,
        dev: true,
        license: 'MIT',
        dependencies: repoPkg.dependencies,
        bin: repoPkg.bin,
        engines: repoPkg.engines,
        peerDependencies: repoPkg.peerDependencies,
        peerDependenciesMeta: repoPkg.peerDependenciesMeta,
      },
      ...Object.fromEntries(Object.entries(deps).map(([p, e]) => [p, { ...e, dev: true }])),
    },
  };
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  const npm = (args: string[]): void => {
    execFileSync('npm', [...args, '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  };
  try {
    npm(['ci', '--offline']);
    return { dir, tarball: tgz, install: 'offline' };
  } catch {
    npm(['install', '--prefer-offline']);
    return { dir, tarball: tgz, install: 'registry' };
  }
}
