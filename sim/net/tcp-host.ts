import type { TransportAddress } from '../core/endpoint.ts';
import type { Timer } from '../core/scheduler.ts';
import type { TcpConfig } from '../tcp/config.ts';
import type { TcpConnection } from '../tcp/connection.ts';
import { TcpStack, type StackEvent, type TcpListener } from '../tcp/stack.ts';
import { ipFamily } from '../wire/ip/address.ts';
import type { Host } from './host.ts';
import type { Network } from './network.ts';

/**
 * Runs a host's TCP stack on the virtual network: segments the host receives go to the stack, the stack's
 * segments leave through the host (real IP + TCP bytes), its earliest timer becomes a scheduler event with the
 * timer's reason ("tcp-rto", "tcp-delack", "time-wait" …), its notes go into the trace under "<host>/tcp", and its
 * events go to the app's handler. Apps call `listen`/`connect` here and the connection's methods, then `pump()`
 * (event handlers need not: the driver pumps after them).
 */
export class TcpHost {
  readonly stack: TcpStack;
  readonly source: string;
  private timer: Timer | undefined;
  /** The reason of the stack's next deadline ("tcp-rto", "tcp-delack", "time-wait" …), for panels. */
  pendingReason: string | undefined;
  private pumping = false;
  private again = false;
  private readonly handlers: ((e: StackEvent) => void)[] = [];

  constructor(
    private readonly net: Network,
    readonly host: Host,
    config: Partial<TcpConfig> = {},
  ) {
    this.source = `${host.name}/tcp`;
    this.stack = new TcpStack(net.rng.fork(`tcp/${host.name}`), host.name, config);
    host.attachTcp((from, to, segment) => {
      this.stack.handleDatagram(this.net.now, from, to, segment, 'tcp');
      this.pump();
    });
  }

  /** The network's virtual time. */
  get now(): number {
    return this.net.now;
  }

  /** Calls `handler` with every stack event, in order. */
  onEvent(handler: (e: StackEvent) => void): this {
    this.handlers.push(handler);
    return this;
  }

  /** Ports claimed at build time by apps that listen later (at their start time), with the claimer's name. */
  private readonly reserved: { readonly ip: string; readonly port: number; readonly by: string }[] = [];

  /**
   * Claims `port` (on `ip`, or every address) for an app that will listen on it later: a second claim of the same
   * port throws at once, naming the first claimer, so a scenario with two servers on one port fails while it is built
   * (a ScenarioError naming the app) instead of when the second one starts listening.
   */
  reserve(port: number, by: string, ip = '::'): void {
    const wild = (a: string): boolean => a === '::' || a === '0.0.0.0';
    const clash = this.reserved.find((r) => r.port === port && (r.ip === ip || wild(r.ip) || wild(ip)));
    if (clash) throw new Error(`${this.host.name}: TCP port ${port} is already taken by ${clash.by}`);
    this.reserved.push({ ip, port, by });
  }

  /** Listens on `port` of every address of the host (IPv4 and IPv6) unless `ip` names one. */
  listen(port: number, options: { ip?: string; backlog?: number } = {}): TcpListener {
    const l = this.stack.listen({ ip: options.ip ?? '::', port }, options.backlog);
    this.pump();
    return l;
  }

  /** Connects from the host's address of the remote's family (or `local`), ephemeral port unless given. */
  connect(remote: TransportAddress, local?: Partial<TransportAddress>): TcpConnection {
    const ip = local?.ip ?? this.host.routes.lookup(remote.ip)?.addressOf(ipFamily(remote.ip));
    if (ip === undefined) throw new Error(`${this.host.name}: no address to connect to ${remote.ip} from`);
    const c = this.stack.connect(this.net.now, { ip, port: local?.port ?? 0 }, remote);
    this.pump();
    return c;
  }

  /** Runs `fn` (app actions at the current time), then lets the stack act. */
  act(fn: () => void): void {
    fn();
    this.pump();
  }

  /** Drains the stack's events and outputs until both are empty, then arms its next timer. */
  pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      // events first: an app that reads on 'readable' frees its window before the ACK goes out, as it would in
      // a kernel whose reader was already waiting
      do {
        this.again = false;
        for (let e = this.stack.pollEvent(); e; e = this.stack.pollEvent()) {
          for (const h of this.handlers) h(e);
        }
        this.drainOutputs();
        if (this.stack.hasEvents()) this.again = true;
      } while (this.again);
    } finally {
      this.pumping = false;
    }
  }

  private drainOutputs(): void {
    const now = this.net.now;
    for (let i = 0; ; i++) {
      if (i > 1_000_000) throw new Error(`${this.source}: poll() produced more than 1000000 outputs at ${now}µs without a timeout`);
      const out = this.stack.poll(now);
      switch (out.type) {
        case 'transmit':
          this.host.sendTcp(out.from, out.to, out.bytes);
          break;
        case 'note':
          this.net.note(this.source, out);
          break;
        case 'secret':
          this.net.trace.secret({ t: now, kind: out.kind, source: this.source, text: out.text });
          break;
        case 'timeout':
          this.arm(out.at, out.reason);
          return;
        case 'idle':
          this.timer?.cancel();
          this.timer = undefined;
          this.pendingReason = undefined;
          return;
      }
    }
  }

  private arm(at: number, reason: string): void {
    if (this.timer && !this.timer.cancelled && this.timer.at === at && this.timer.reason === reason) return;
    this.timer?.cancel();
    this.pendingReason = reason;
    this.timer = this.net.scheduler.at(at, reason, () => {
      this.timer = undefined;
      this.stack.handleTimeout(this.net.now);
      this.pump();
    });
  }
}
