// Command-line conventions: --help for every command on standard output, --version, no colour, documented exit codes.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const rtclab = (...args: string[]) => spawnSync(process.execPath, ['bin/rtclab.js', ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '1' } });
const COMMANDS = ['run', 'dissect', 'matrix', 'sweep', 'presets', 'apps', 'show'];

describe('rtclab conventions', { timeout: 300_000 }, () => {
  it.each(COMMANDS)('%s --help prints its usage on standard output and exits 0', (cmd) => {
    const r = rtclab(cmd, '--help');
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`rtclab ${cmd}`));
    expect(rtclab('help', cmd).stdout).toBe(r.stdout);
  });

  it("prints package.json's version", () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
    for (const flag of ['--version', '-V']) expect(rtclab(flag).stdout).toBe(`rtclab ${version}\n`);
  });

  it('documents its exit codes and keeps them: 2 for usage, 1 for an invalid scenario', () => {
    expect(rtclab('--help').stdout).toMatch(/Exit codes:\n {2}0 {2}done\n {2}1 .*\n {2}2 {2}usage/);
    expect(rtclab('frobnicate').status).toBe(2);
    expect(rtclab('run', 'nat-symmetric', '--bogus').status).toBe(2);
    expect(rtclab('run', 'nat-symmetric', '--set', 'nodes.natA.preset=nope', '--quiet').status).toBe(1);
  });

  it('never colours its output, even when asked to by FORCE_COLOR', () => {
    const r = rtclab('run', 'nat-symmetric');
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/\x1b\[/);
  });
});
