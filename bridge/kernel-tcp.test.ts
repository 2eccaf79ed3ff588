// Interop: the Linux kernel's TCP judges ours. Inside a network namespace created for the test, our TcpStack sits
// behind a TUN device (socat relays the raw IP packets); the kernel listens and we connect, then we listen and the
// kernel connects; each time several MB go both ways and each side checks the bytes. Without loss, tshark on the
// TUN finds nothing to complain about; with 2% loss injected both ways the transfers still complete, byte-exact.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestNamespace } from './test-netns.ts';

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const root = process.getuid?.() === 0;
// CI runs as root with socat installed (.ci/run), so there it must run
const skip = !process.env['CI'] && !(root && has('socat') && has('ip') && has('tshark'));
const ns = `rtclab-tcp-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'rtclab-kernel-tcp-'));

function run(size: number, loss: number, capture?: string): Record<string, string | number | boolean> {
  const args = ['netns', 'exec', ns, process.execPath, '--import', 'tsx', 'bridge/kernel-tcp-run.ts', String(size), String(loss), ...(capture ? [capture] : [])];
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0) throw new Error(`kernel-tcp-run failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, string | number | boolean>;
}

describe.skipIf(skip)('the Linux kernel talks TCP with our stack through a TUN device', () => {
  useTestNamespace(ns, dir, skip);

  it('1 MB each way, both directions of opening: same bytes, and tshark on the TUN finds no TCP problem', { timeout: 300_000 }, () => {
    const file = join(dir, 'kernel.pcapng');
    const r = run(1_000_000, 0, file);
    expect(r).toMatchObject({ kernelBytesMatch: true, ourBytesMatch: true, kernelBytesMatch2: true, ourBytesMatch2: true, errors: '', malformed: 0 });
    const out = execFileSync('tshark', ['-r', file, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=|', '-e', 'ip.src', '-e', '_ws.expert.message', '-e', '_ws.malformed'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const messages = new Set(out.split('\n').flatMap((l) => {
      const [src, ...rest] = l.split('|');
      return rest.join(',').split(',').map((m) => m.trim()).filter(Boolean).map((m) => `${src} ${m}`);
    }));
    // Flow control doing its job: a full window (each side can outrun the other), and zero windows from the
    // kernel, whose reader (node:net in this one process) waits while our stack runs on the same event loop
    const expected = [/ Connection establish/, / Connection finish/, /connection closing/, / TCP window update$/, /window specified by the receiver is now completely full/, /^10\.77\.0\.1 TCP Zero Window segment$/];
    // Packets the relay itself lost (socat → UDP → us, under load) are loss too: tshark saw them on the TUN, we did
    // not. Only then may loss recovery show up.
    const fromKernel = Number(execFileSync('tshark', ['-r', file, '-Y', 'ip.src==10.77.0.1 && tcp', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' }).trim().split('\n').length);
    const relayLost = fromKernel - Number(r.fromKernel);
    if (relayLost > 0) expected.push(/Duplicate ACK/, /retransmission/, /out-of-order/, /Previous segment/, /ACKed segment that wasn't captured/);
    expect([...messages].filter((m) => !expected.some((e) => e.test(m))), `relay lost ${relayLost}`).toEqual([]);
    if (relayLost === 0) expect(r.retransmissions).toBe(0);
    expect([...messages].some((m) => m.startsWith('10.77.0.2 Connection establish request (SYN): server port 40001'))).toBe(true);
    const syn = execFileSync('tshark', ['-r', file, '-Y', 'ip.src==10.77.0.2 && tcp.flags.syn==1', '-T', 'fields', '-e', 'tcp.option_kind'], { encoding: 'utf8' }).trim().split('\n');
    // our SYN and SYN-ACK carry MSS(2), SACK_PERM(4), TS(8), NOP(1), WS(3): the order Linux uses
    expect(syn).toEqual(['2,4,8,1,3', '2,4,8,1,3']);
  });

  it('3 MB each way with 2% loss both ways: retransmissions on both sides, same bytes', { timeout: 300_000 }, () => {
    const r = run(3_000_000, 0.02);
    expect(r).toMatchObject({ kernelBytesMatch: true, ourBytesMatch: true, kernelBytesMatch2: true, ourBytesMatch2: true, errors: '', malformed: 0 });
    expect(r.droppedFromKernel).toBeGreaterThan(0);
    expect(r.droppedToKernel).toBeGreaterThan(0);
    expect(r.retransmissions).toBeGreaterThan(0);
    expect(r.fastRetransmits).toBeGreaterThan(0);
  });
});
