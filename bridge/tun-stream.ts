// Node only: a TCP connection of a TunTcpBridge's stack as a ByteStream (sim/net/stream.ts), so stream protocols
// (TLS, HTTP, WebSocket …) run over the bridge against the Linux kernel and the programs on it. The simulator's own
// adapter is sim/net/tcp-stream.ts (for a TcpHost); this one is the same for the bridge's bare TcpStack.
import type { ByteStream, ByteStreamHandlers } from '../sim/net/stream.ts';
import type { TcpConnection } from '../sim/tcp/connection.ts';
import type { StackEvent, TcpListener } from '../sim/tcp/stack.ts';
import type { TunTcpBridge } from './tun-tcp.ts';

export class TunStream implements ByteStream {
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

  write(_now: number, bytes: Uint8Array): void {
    if (this.closed || this.ending || bytes.length === 0) return;
    this.pending.push(bytes);
    this.flush();
    this.bridge.pump();
  }

  end(_now: number): void {
    if (this.closed || this.ending) return;
    this.ending = true;
    this.flush();
    this.bridge.pump();
  }

  abort(now: number): void {
    if (this.closed) return;
    this.pending.length = 0;
    this.connection.abort(now);
    this.bridge.pump();
  }

  private flush(): void {
    while (this.pending.length > 0) {
      const chunk = this.pending[0]!;
      const taken = this.connection.write(chunk);
      if (taken < chunk.length) {
        this.pending[0] = chunk.subarray(taken);
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
        if (this.open) return;
        this.open = true;
        this.flush();
        this.handlers.onOpen?.(now);
        return;
      case 'readable': {
        const bytes = this.connection.read();
        if (bytes.length > 0) this.handlers.onData?.(now, bytes);
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

/** Routes a bridge's stack events to streams: give `event` as the bridge's onEvent. */
export class TunStreams {
  private readonly streams = new Map<TcpConnection, TunStream>();
  private readonly listeners = new Map<TcpListener, (s: TunStream) => void>();
  bridge!: TunTcpBridge;

  readonly event = (e: StackEvent): void => {
    if (e.type === 'incoming') {
      const onStream = this.listeners.get(e.listener);
      for (let c = e.listener.accept(); c && onStream; c = e.listener.accept()) {
        const s = new TunStream(this.bridge, c);
        this.streams.set(c, s);
        onStream(s);
        s.open = true;
        s.handlers.onOpen?.(this.bridge.now());
      }
      return;
    }
    this.streams.get(e.connection)?.dispatch(e);
  };

  connect(local: string, remote: { ip: string; port: number }): TunStream {
    const c = this.bridge.stack.connect(this.bridge.now(), { ip: local, port: 0 }, remote);
    const s = new TunStream(this.bridge, c);
    this.streams.set(c, s);
    this.bridge.pump();
    return s;
  }

  listen(ip: string, port: number, onStream: (s: TunStream) => void): void {
    const l = this.bridge.stack.listen({ ip, port });
    this.listeners.set(l, onStream);
    this.bridge.pump();
  }
}
