// Node only: runs our sans-IO TcpStack as a host behind a TUN device, so the Linux kernel's TCP talks to it with
// real IP packets. socat owns the TUN (TUN address, no packet info header) and relays each IP packet as one UDP
// datagram on loopback; this bridge unwraps them, feeds the stack, wraps its segments and arms its timers as real
// timers. Everything runs inside a network namespace the caller creates (see kernel-tcp.test.ts).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { Rng } from '../sim/core/rng.ts';
import type { TcpConfig } from '../sim/tcp/config.ts';
import { TcpStack, type StackEvent } from '../sim/tcp/stack.ts';
import { peekTcpDatagram, tcpSegmentOf, wrapTcpSegment } from '../sim/wire/tcp/tcp-ip.ts';

export interface TunTcpOptions {
  /** The kernel's address on the TUN, with prefix ("10.77.0.1/24"). */
  readonly kernel: string;
  /** Our simulated host's address on that subnet ("10.77.0.2"). */
  readonly ours: string;
  /** Name of the TUN device to create. */
  readonly device: string;
  /** Probability of dropping a packet, each direction, drawn from a seeded stream. */
  readonly loss?: number;
  readonly seed?: number;
  readonly config?: Partial<TcpConfig>;
  readonly onEvent?: (e: StackEvent) => void;
}

export class TunTcpBridge {
  readonly stack: TcpStack;
  readonly counters = { fromKernel: 0, toKernel: 0, droppedFromKernel: 0, droppedToKernel: 0, notTcp: 0 };
  readonly notes: { t: number; kind: string; text: string }[] = [];
  readonly errors: Error[] = [];
  /** The last IP packet we took from the kernel and the last one socat was given for it (a capture waits for them before it stops). */
  readonly last: { in: Uint8Array | undefined; out: Uint8Array | undefined } = { in: undefined, out: undefined };
  private readonly start = performance.now();
  private readonly loss: Rng;
  private sock: Socket | undefined;
  private socat: ChildProcess | undefined;
  private socatPort = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private pumping = false;

  constructor(private readonly options: TunTcpOptions) {
    const rng = Rng.fromSeed(options.seed ?? 1);
    this.stack = new TcpStack(rng.fork('tcp'), 'sim', options.config ?? {});
    this.loss = rng.fork('loss');
  }

  now(): number {
    return Math.round((performance.now() - this.start) * 1000);
  }

  /** Starts socat with the TUN device and waits until the device is up. */
  async open(): Promise<void> {
    // a deep receive buffer: the kernel sends a whole window in a burst, and JavaScript reads slower than that
    const sock = createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    this.sock = sock;
    const ours = sock.address().port;
    // a free port for socat's side: bind, read, release
    const probe = createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
    this.socatPort = probe.address().port;
    probe.close();
    sock.on('message', (msg) => this.fromKernel(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength).slice()));
    const tun = `TUN:${this.options.kernel},tun-name=${this.options.device},tun-type=tun,iff-no-pi,iff-up`;
    this.socat = spawn('socat', ['-b', '65536', tun, `UDP-DATAGRAM:127.0.0.1:${ours},bind=127.0.0.1:${this.socatPort},rcvbuf=4194304`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    this.socat.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    for (let i = 0; i < 100; i++) {
      if (this.socat.exitCode !== null) throw new Error(`socat exited: ${stderr}`);
      const r = spawnSyncText('ip', ['-o', 'link', 'show', this.options.device]);
      if (r.includes('UP')) return;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`TUN ${this.options.device} did not come up: ${stderr}`);
  }

  private fromKernel(packet: Uint8Array): void {
    if (this.closed) return;
    const v = peekTcpDatagram(packet);
    if ('error' in v || v.dst !== this.options.ours) {
      this.counters.notTcp++;
      return;
    }
    if (this.options.loss && this.loss.chance(this.options.loss)) {
      this.counters.droppedFromKernel++;
      return;
    }
    this.counters.fromKernel++;
    this.last.in = packet.slice();
    this.guard(() => this.stack.handleDatagram(this.now(), { ip: v.src, port: v.srcPort }, { ip: v.dst, port: v.dstPort }, tcpSegmentOf(packet, v), 'tcp'));
    this.pump();
  }

  /** Lets the stack act now: sends its segments, delivers its events, arms its next timer. */
  pump(): void {
    if (this.closed || this.pumping) return;
    this.pumping = true;
    try {
      for (let round = 0; round < 1000; round++) {
        // events first, so a reader frees its window before the ACK goes out (as sim/net/tcp-host.ts does)
        for (let e = this.stack.pollEvent(); e; e = this.stack.pollEvent()) this.guard(() => this.options.onEvent?.(e!));
        for (let i = 0; i < 100_000; i++) {
          const out = this.stack.poll(this.now());
          if (out.type === 'transmit') this.toKernel(wrapTcpSegment(out.from.ip, out.to.ip, out.bytes));
          else if (out.type === 'note') this.notes.push({ t: this.now(), kind: out.kind, text: out.text });
          else {
            clearTimeout(this.timer);
            this.timer = undefined;
            if (out.type === 'timeout') {
              this.timer = setTimeout(() => {
                this.timer = undefined;
                this.guard(() => this.stack.handleTimeout(this.now()));
                this.pump();
              }, Math.max(0, (out.at - this.now()) / 1000));
            }
            break;
          }
        }
        if (!this.stack.hasEvents()) break;
      }
    } finally {
      this.pumping = false;
    }
  }

  private toKernel(packet: Uint8Array): void {
    if (this.options.loss && this.loss.chance(this.options.loss)) {
      this.counters.droppedToKernel++;
      return;
    }
    this.counters.toKernel++;
    this.sock?.send(packet, this.socatPort, '127.0.0.1', (e) => !e && (this.last.out = packet));
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.errors.push(e as Error);
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.sock?.close();
    this.socat?.kill('SIGTERM');
  }
}

function spawnSyncText(cmd: string, args: string[]): string {
  return spawnSync(cmd, args, { encoding: 'utf8' }).stdout ?? '';
}
