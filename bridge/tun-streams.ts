// Node only: ByteStreams (sim/net/stream.ts) over the connections of a TunTcpBridge's TcpStack, so that protocols
// written against ByteStream (sim/http, sim/websocket) talk to the Linux kernel's TCP through the TUN device. The
// same contract as sim/net/tcp-stream.ts gives on the simulated network, with the bridge's real clock.
import type { TransportAddress } from '../sim/core/endpoint.ts';
import type { Micros } from '../sim/core/time.ts';
import type { ByteStream, ByteStreamHandlers } from '../sim/net/stream.ts';
import type { TcpConnection } from '../sim/tcp/connection.ts';
import type { StackEvent, TcpListener } from '../sim/tcp/stack.ts';
import type { TunTcpBridge } from './tun-tcp.ts';

export class BridgeStream implements ByteStream {
  handlers: ByteStreamHandlers = {};
  open = false;
  private closed = false;
  private ending = false;
  private finQueued = false;
  private readonly pending: Uint8Array[] = [];

  constructor(
    private readonly bridge: TunTcpBridge,
    readonly connection: TcpConnection,
  ) {}

  get label(): string {
    return `tcp ${this.connection.name}`;
  }

  write(_now: Micros, bytes: Uint8Array): void {
    if (this.closed || this.ending || bytes.length === 0) return;
    this.pending.push(bytes);
    this.flush();
    this.bridge.pump();
  }

  end(): void {
    if (this.closed || this.ending) return;
    this.ending = true;
    this.flush();
    this.bridge.pump();
  }

  abort(): void {
    if (this.closed) return;
    this.pending.length = 0;
    this.connection.abort(this.bridge.now());
    this.bridge.pump();
  }

  private flush(): void {
    while (this.pending.length > 0) {
      const chunk = this.pending[0]!;
      const n = this.connection.write(chunk);
      if (n < chunk.length) {
        this.pending[0] = chunk.subarray(n);
        return;
      }
      this.pending.shift();
    }
    if (this.ending && !this.finQueued) {
      this.finQueued = true;
      this.connection.close(this.bridge.now());
    }
  }

  dispatch(e: StackEvent): void {
    const now = this.bridge.now();
    switch (e.type) {
      case 'connected':
        this.open = true;
        this.flush();
        this.handlers.onOpen?.(now);
        return;
      case 'readable': {
        const b = this.connection.read();
        if (b.length) this.handlers.onData?.(now, b);
        return;
      }
      case 'writable':
        this.flush();
        return;
      case 'end':
        this.handlers.onEnd?.(now);
        return;
      case 'closed':
        if (this.closed) return;
        this.closed = true;
        this.open = false;
        this.handlers.onClose?.(now, e.error);
        return;
      case 'incoming':
        return;
    }
  }
}

/** Routes a bridge's stack events to streams; give `event` to the bridge's `onEvent`, then `attach` the bridge. */
export class BridgeStreams {
  private bridge: TunTcpBridge | undefined;
  private readonly streams = new Map<TcpConnection, BridgeStream>();
  private readonly listeners = new Map<TcpListener, (s: BridgeStream) => void>();

  attach(bridge: TunTcpBridge): void {
    this.bridge = bridge;
  }

  readonly event = (e: StackEvent): void => {
    if (e.type === 'incoming') {
      const on = this.listeners.get(e.listener);
      if (!on) return;
      for (let c = e.listener.accept(); c; c = e.listener.accept()) {
        const s = new BridgeStream(this.bridge!, c);
        this.streams.set(c, s);
        on(s);
        s.dispatch({ type: 'connected', connection: c });
      }
      return;
    }
    this.streams.get(e.connection)?.dispatch(e);
  };

  connect(local: string, remote: TransportAddress): BridgeStream {
    const b = this.bridge!;
    const c = b.stack.connect(b.now(), { ip: local, port: 0 }, remote);
    const s = new BridgeStream(b, c);
    this.streams.set(c, s);
    b.pump();
    return s;
  }

  listen(local: TransportAddress, on: (s: BridgeStream) => void): void {
    const b = this.bridge!;
    this.listeners.set(b.stack.listen(local), on);
    b.pump();
  }
}
