// Node only: drives a sans-IO endpoint on real UDP sockets and real timers, for interop tests against openssl,
// coturn, werift and Chromium (docs/architecture.md, "The endpoint contract"). Virtual time here is wall time since start.
import { createSocket, type Socket } from 'node:dgram';
import type { Endpoint, JsonValueish, TransportAddress } from './types.ts';

export interface BridgeNote {
  readonly t: number;
  readonly kind: string;
  readonly text: string;
  readonly data?: JsonValueish;
}

/** The receive buffer a bridge's socket asks for (SO_RCVBUF), in bytes. */
export const RECV_BUFFER = 4 << 20;

export interface BridgeOptions<M = unknown> {
  /** Called for every note the endpoint emits (tests collect them). */
  readonly onNote?: (n: BridgeNote) => void;
  /** Called for every signaling message the endpoint sends (the test carries it to the other side). */
  onSignal?(to: string, message: M): void;
  /** Called for every secret (key-log lines). */
  readonly onSecret?: (kind: string, text: string) => void;
  /** Called for every datagram sent or received, for packet logs. */
  readonly onDatagram?: (dir: 'in' | 'out', from: TransportAddress, to: TransportAddress, bytes: Uint8Array) => void;
}

/**
 * A running bridge: sockets bound on loopback, the endpoint pumped after every input, its deadline armed as a
 * real timer. `close()` stops everything; nothing keeps running after a test.
 */
export class UdpBridge<M = unknown> {
  private readonly sockets = new Map<string, Socket>();
  private timer: NodeJS.Timeout | undefined;
  private readonly start = performance.now();
  private closed = false;
  readonly errors: Error[] = [];
  /** The last datagram received and the last one the socket has sent (a live capture waits for them before it stops). */
  readonly last: { in: Uint8Array | undefined; out: Uint8Array | undefined } = { in: undefined, out: undefined };

  constructor(
    readonly endpoint: Endpoint<M>,
    private readonly options: BridgeOptions<M> = {},
  ) {}

  /** µs since the bridge started: the endpoint's "now". */
  now(): number {
    return Math.round((performance.now() - this.start) * 1000);
  }

  /** Binds a real UDP socket (port 0: the OS picks); datagrams on it go to the endpoint. Resolves to the address. */
  async bind(ip = '127.0.0.1', port = 0): Promise<TransportAddress> {
    const sock = createSocket(ip.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(port, ip, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    // the endpoint runs on this process's event loop, beside Playwright and vitest: on a busy machine the loop stalls
    // and the default receive buffer (rmem_default, 208 KiB: some 90 datagrams) overflows. The SFU's sockets dropped
    // 80+ datagrams each in a mediasoup room beside two busy loops (/proc/net/udp), and a 20 kB message on a
    // maxRetransmits 1 channel was abandoned. The kernel caps this at net.core.rmem_max.
    sock.setRecvBufferSize(RECV_BUFFER);
    const a = sock.address();
    const local = { ip: a.address, port: a.port };
    sock.on('message', (msg, rinfo) => {
      if (this.closed) return;
      const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength).slice();
      const from = { ip: rinfo.address, port: rinfo.port };
      this.last.in = bytes.slice();
      this.options.onDatagram?.('in', from, local, bytes);
      this.guard(() => this.endpoint.handleDatagram(this.now(), from, local, bytes, 'udp'));
      this.pump();
    });
    sock.on('error', (e) => this.errors.push(e));
    this.sockets.set(`${local.ip}|${local.port}`, sock);
    return local;
  }

  /** Lets the endpoint act now; call after construction and after poking it directly. */
  pump(): void {
    if (this.closed) return;
    for (let i = 0; i < 100_000; i++) {
      const now = this.now();
      let out: ReturnType<Endpoint<M>['poll']>;
      try {
        out = this.endpoint.poll(now);
      } catch (e) {
        this.errors.push(e as Error);
        return;
      }
      switch (out.type) {
        case 'transmit': {
          const s = this.sockets.get(`${out.from.ip}|${out.from.port}`);
          if (!s) {
            this.errors.push(new Error(`endpoint sent from ${out.from.ip}:${out.from.port}, which the bridge has not bound`));
            break;
          }
          this.options.onDatagram?.('out', out.from, out.to, out.bytes);
          const bytes = out.bytes;
          s.send(bytes, out.to.port, out.to.ip, (e) => !e && (this.last.out = bytes));
          break;
        }
        case 'signal':
          this.options.onSignal?.(out.to, out.message);
          break;
        case 'note':
          this.options.onNote?.({ t: now, kind: out.kind, text: out.text, ...(out.data ? { data: out.data } : {}) });
          break;
        case 'secret':
          this.options.onSecret?.(out.kind, out.text);
          break;
        case 'timeout': {
          clearTimeout(this.timer);
          const wait = Math.max(0, (out.at - now) / 1000);
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.guard(() => this.endpoint.handleTimeout(this.now()));
            this.pump();
          }, wait);
          return;
        }
        case 'idle':
          clearTimeout(this.timer);
          this.timer = undefined;
          return;
      }
    }
    this.errors.push(new Error('endpoint produced 100000 outputs without a timeout'));
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.errors.push(e as Error);
    }
  }

  /** Waits until `predicate()` holds, or rejects after `ms` milliseconds naming `what`. */
  async until(predicate: () => boolean, ms: number, what: string): Promise<void> {
    const deadline = performance.now() + ms;
    while (!predicate()) {
      if (this.errors.length > 0) throw this.errors[0];
      if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }
}
