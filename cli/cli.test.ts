// The rtclab command as a user runs it: a fresh process, real files, exit codes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../sim/wire/pcap/capture-reader.ts';

const dir = mkdtempSync(join(tmpdir(), 'rtclab-cli-'));
const rtclab = (...args: string[]) => spawnSync(process.execPath, ['bin/rtclab.js', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });

describe('rtclab', () => {
  it('lists the presets one per line, the name first', () => {
    const r = rtclab('presets');
    expect(r.status).toBe(0);
    const names = r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]);
    expect(names).toContain('nat-symmetric');
    expect(names).toContain('double-nat');
  });

  it('runs a NAT preset, prints a summary and writes pcapng, JSON summary and trace', () => {
    const pcap = join(dir, 'x.pcapng');
    const json = join(dir, 'x.json');
    const trace = join(dir, 'x.trace.json');
    const r = rtclab('run', 'nat-symmetric', '--pcap', pcap, '--json', json, '--trace', trace);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/NAT natA \(symmetric\): 2 mappings created/);
    const summary = JSON.parse(readFileSync(json, 'utf8'));
    expect(summary).toMatchObject({ scenario: 'nat-symmetric', seed: 1, outcome: 'completed', drops: { 'NAT filtering': 2 } });
    expect(summary.hosts.alice).toMatchObject({ sent: 2, received: 2 });
    const cap = readCapture(new Uint8Array(readFileSync(pcap)));
    expect(cap.interfaces.map((i) => i.name)).toEqual(expect.arrayContaining(['alice-lan', 'natA-wan', 'server-wan']));
    expect(cap.packets).toHaveLength(summary.hops);
    expect(JSON.parse(readFileSync(trace, 'utf8')).format).toBe('rtclab-trace');
  });

  it('applies --set and --seed', () => {
    const json = join(dir, 'set.json');
    const r = rtclab('run', 'nat-full-cone', '--set', 'nodes.natA.nat.filtering=address-and-port-dependent', '--seed', '9', '--json', json, '--quiet');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    const s = JSON.parse(readFileSync(json, 'utf8'));
    expect(s.seed).toBe(9);
    expect(s.drops['NAT filtering']).toBe(2);
  });

  it('stops at --until', () => {
    const json = join(dir, 'until.json');
    expect(rtclab('run', 'nat-expiry', '--until', '10s', '--json', json, '--quiet').status).toBe(0);
    const s = JSON.parse(readFileSync(json, 'utf8'));
    expect(s.duration).toBe(10_000_000);
    expect(s.nats.natA.expired).toBe(0);
  });

  it('runs a scenario file written by `rtclab show`', () => {
    const file = join(dir, 'hairpin.json');
    const shown = rtclab('show', 'nat-hairpin');
    writeFileSync(file, shown.stdout);
    const r = rtclab('run', file);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/hairpin: 192\.168\.1\.20:6000 → 203\.0\.113\.10:5000/);
  });

  it('names every wrong field of a bad scenario file and exits 1', () => {
    const file = join(dir, 'bad.json');
    const raw = JSON.parse(rtclab('show', 'nat-symmetric').stdout);
    raw.nodes.natA.nat = { mapping: 'sometimes' };
    raw.nodes.alice.link = { delay: 'fast' };
    writeFileSync(file, JSON.stringify(raw));
    const r = rtclab('run', file);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('nodes.natA.nat.mapping: expected one of');
    expect(r.stderr).toContain('nodes.alice.link.delay: expected a duration');
  });

  it('says where a file is not JSON, and what is wrong with a --set', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "name": "x", ');
    const r = rtclab('run', file);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/broken\.json: not valid JSON/);
    const s = rtclab('run', 'nat-symmetric', '--set', 'nodes.natA.preset=cone-shaped');
    expect(s.status).toBe(1);
    expect(s.stderr).toMatch(/nodes\.natA\.preset: expected one of "full-cone"/);
    expect(rtclab('run', 'no-such-thing').stderr).toMatch(/no such preset or file/);
    expect(rtclab('run', 'nat-symmetric', '--seed', '-1').status).toBe(2);
  });

  it('dissects its own call export with the key log: every SRTP packet on every link decrypts, none is a replay', () => {
    // each pcapng interface is one link, so a datagram appears once per link it crossed: each is its own vantage point
    const pcap = join(dir, 'call.pcapng');
    const keylog = join(dir, 'call.keylog');
    expect(rtclab('run', 'call-p2p', '--pcap', pcap, '--keylog', keylog, '--quiet').status).toBe(0);
    const r = rtclab('dissect', pcap, '--keylog', keylog);
    expect(r.status).toBe(0);
    const srtp = r.stdout.split('\n').filter((l) => / SRTP /.test(l));
    expect(srtp.length).toBeGreaterThan(5000);
    expect(srtp.filter((l) => !l.includes('decrypted'))).toEqual([]);
    expect(r.stdout).not.toMatch(/replay/);
  });
});

