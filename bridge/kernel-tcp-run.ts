// Node only, run inside a network namespace (kernel-tcp.test.ts starts it): the Linux kernel's TCP and ours
// exchange several MB both ways over a TUN device with injected loss, and the result is printed as JSON.
//   1. the kernel listens (node:net) and our stack connects: we send A bytes, the kernel answers with B bytes;
//   2. our stack listens and the kernel connects: it sends B bytes, we answer with A bytes.
// Each side checks the bytes it got against the pattern it expected.
import { createHash } from 'node:crypto';
import { createConnection, createServer, type Socket } from 'node:net';
import type { TcpConnection } from '../sim/tcp/connection.ts';
import { pattern } from '../sim/net/tcp-test-support.ts';
import { captureDevice, runScript, stopCapture, untilCapturedLast } from './tun-session.ts';
import { TunTcpBridge } from './tun-tcp.ts';

const size = Number(process.argv[2] ?? 2_000_000);
const loss = Number(process.argv[3] ?? 0.01);
/** When given, tshark captures the TUN device (the kernel's view of our packets) into this file. */
const captureFile = process.argv[4];
const KERNEL = '10.77.0.1';
const OURS = '10.77.0.2';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const A = Buffer.from(pattern(size, 1));
const B = Buffer.from(pattern(size, 2));

/** Our side of one connection: write `send`, collect until EOF, close. */
function ourSide(c: TcpConnection, send: Uint8Array, bridge: () => TunTcpBridge, done: (got: Buffer) => void): { onEvent: (type: string) => void } {
  let off = 0;
  const got: Buffer[] = [];
  let finished = false;
  const push = (): void => {
    while (off < send.length) {
      const n = c.write(send.subarray(off));
      if (n === 0) break;
      off += n;
    }
    if (off >= send.length) c.close(bridge().now());
  };
  return {
    onEvent(type) {
      if (type === 'connected' || type === 'writable') push();
      if (type === 'readable' || type === 'end') {
        const d = c.read();
        if (d.length > 0) got.push(Buffer.from(d));
      }
      if ((type === 'end' || type === 'closed') && !finished && (c.state === 'CLOSE-WAIT' || c.state === 'LAST-ACK' || c.state === 'TIME-WAIT' || c.state === 'CLOSED')) {
        finished = true;
        done(Buffer.concat(got));
      }
    },
  };
}

/** The kernel's side: write `send`, end, collect until EOF. */
function kernelSide(s: Socket, send: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    s.on('end', () => resolve(Buffer.concat(got)));
    s.on('error', reject);
    s.end(send);
  });
}

async function main(): Promise<void> {
  const handlers = new Map<TcpConnection, { onEvent: (type: string) => void }>();
  const results: Record<string, string | number | boolean> = {};
  let ourGot1: Promise<Buffer> | undefined;
  let resolveOurs2: (b: Buffer) => void = () => {};
  const ourGot2 = new Promise<Buffer>((r) => (resolveOurs2 = r));
  const bridge: TunTcpBridge = new TunTcpBridge({
    kernel: `${KERNEL}/24`,
    ours: OURS,
    device: 'rtclab-tun0',
    loss,
    seed: 7,
    onEvent: (e) => {
      if (e.type === 'incoming') {
        const c = e.listener.accept()!;
        handlers.set(c, ourSide(c, A, () => bridge, resolveOurs2));
        handlers.get(c)!.onEvent('connected');
        return;
      }
      handlers.get(e.connection as TcpConnection)?.onEvent(e.type);
    },
  });
  await bridge.open();
  const tshark = captureFile ? await captureDevice('rtclab-tun0', captureFile) : undefined;
  try {
    // 1. the kernel listens, we connect
    const server = createServer();
    const kernelGot1 = new Promise<Buffer>((resolve, reject) => server.once('connection', (s) => kernelSide(s, B).then(resolve, reject)));
    await new Promise<void>((r) => server.listen(40001, KERNEL, r));
    ourGot1 = new Promise<Buffer>((resolve) => {
      const c = bridge.stack.connect(bridge.now(), { ip: OURS, port: 0 }, { ip: KERNEL, port: 40001 });
      handlers.set(c, ourSide(c, A, () => bridge, resolve));
      bridge.pump();
    });
    const [k1, o1] = await Promise.all([kernelGot1, ourGot1]);
    results.kernelReceivedFromUs = k1.length;
    results.kernelBytesMatch = sha(k1) === sha(A);
    results.weReceivedFromKernel = o1.length;
    results.ourBytesMatch = sha(o1) === sha(B);
    server.close();
    // 2. we listen, the kernel connects
    bridge.stack.listen({ ip: OURS, port: 40002 });
    bridge.pump();
    const s = createConnection({ host: OURS, port: 40002 });
    const [k2, o2] = await Promise.all([kernelSide(s, B), ourGot2]);
    results.kernelReceivedFromUs2 = k2.length;
    results.kernelBytesMatch2 = sha(k2) === sha(A);
    results.weReceivedFromKernel2 = o2.length;
    results.ourBytesMatch2 = sha(o2) === sha(B);
    let retransmissions = 0;
    let fastRetransmits = 0;
    let timeouts = 0;
    for (const c of handlers.keys()) {
      retransmissions += c.stats.retransmissions;
      fastRetransmits += c.stats.fastRetransmits;
      timeouts += c.stats.timeouts;
    }
    Object.assign(results, bridge.counters, { retransmissions, fastRetransmits, timeouts, errors: bridge.errors.map((e) => e.message).join('; '), malformed: bridge.stack.stats.malformed, notes: bridge.notes.filter((n) => n.kind === 'tcp.malformed' || n.kind === 'tcp.reset-sent' || n.kind === 'tcp.out-of-window').map((n) => n.text).slice(0, 10).join(' | ') });
  } finally {
    // let TIME-WAIT and the last ACKs go; then stop everything
    await new Promise((r) => setTimeout(r, 200));
    if (tshark && captureFile) await untilCapturedLast(captureFile, bridge);
    await stopCapture(tshark);
    bridge.close();
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

runScript(main);
