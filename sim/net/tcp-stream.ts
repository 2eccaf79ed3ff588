import type { TransportAddress } from '../core/endpoint.ts';
import type { Micros } from '../core/time.ts';
import type { TcpConnection } from '../tcp/connection.ts';
import type { StackEvent, TcpListener } from '../tcp/stack.ts';
import type { ByteStream, ByteStreamHandlers } from './stream.ts';
import type { TcpHost } from './tcp-host.ts';

/**
 * What a TcpStream needs from whoever runs its connection's stack: the time, and a way to let the stack act after a
 * call (a TcpHost on the virtual network; the kernel bridge's stack in bridge/tun-stream.ts).
 */
export interface TcpStackRunner {
  readonly now: Micros;
  act(fn: () => void): void;
}

/**
 * A TCP connection as a ByteStream. Bytes the connection's send buffer cannot take yet wait here and go out as ACKs
 * free space ('writable'); `end` sends FIN once they have all been taken. Streams come from `connectStream` (active
 * open) and `listenStreams` (passive open), which share one event dispatcher per TcpHost.
 */
export class TcpStream implements ByteStream {
  handlers: ByteStreamHandlers = {};
  open = false;
  private closed = false;
  private readonly pending: Uint8Array[] = [];
  private ending = false;
  private finQueued = false;

  constructor(
    private readonly tcp: TcpStackRunner,
    readonly connection: TcpConnection,
  ) {}

  get label(): string {
    return `tcp ${this.connection.name}`;
  }

  get local(): TransportAddress {
    return this.connection.local;
  }

  get remote(): TransportAddress {
    return this.connection.remote;
  }

  write(_now: Micros, bytes: Uint8Array): void {
    if (this.closed || this.ending || bytes.length === 0) return;
    this.pending.push(bytes);
    this.tcp.act(() => this.flush());
  }

  end(now: Micros): void {
    if (this.closed || this.ending) return;
    this.ending = true;
    this.tcp.act(() => this.flush(now));
  }

  abort(now: Micros): void {
    if (this.closed) return;
    this.pending.length = 0;
    this.tcp.act(() => this.connection.abort(now));
  }

  /** Hands queued bytes to the connection while its send buffer takes them; FIN after the last one when ending. */
  flush(now: Micros = this.tcp.now): void {
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
      this.connection.close(now);
    }
  }

  /** Bytes written but not yet taken by the connection's send buffer. */
  get queued(): number {
    let n = 0;
    for (const c of this.pending) n += c.length;
    return n;
  }

  /** @internal the dispatcher's entry point. */
  dispatch(e: StackEvent, now: Micros): void {
    switch (e.type) {
      case 'connected':
        if (this.open) return;
        this.open = true;
        this.flush(now);
        this.handlers.onOpen?.(now);
        return;
      case 'readable': {
        const bytes = this.connection.read();
        if (bytes.length > 0) this.handlers.onData?.(now, bytes);
        return;
      }
      case 'writable':
        this.flush(now);
        return;
      case 'end':
        this.handlers.onEnd?.(now);
        return;
      case 'closed':
        if (this.closed) return;
        this.closed = true;
        this.open = false;
        this.pending.length = 0;
        this.handlers.onClose?.(now, e.error);
        return;
      case 'incoming':
        return;
    }
  }

  /** @internal a passively opened connection is established when accepted. */
  accepted(now: Micros): void {
    this.open = true;
    this.handlers.onOpen?.(now);
  }
}

/** One per TcpHost: routes the stack's events to the stream of their connection or the callback of their listener. */
class Dispatcher {
  readonly streams = new Map<TcpConnection, TcpStream>();
  readonly listeners = new Map<TcpListener, (stream: TcpStream, now: Micros) => void>();

  constructor(private readonly tcp: TcpHost) {
    tcp.onEvent((e) => this.event(e));
  }

  private event(e: StackEvent): void {
    const now = this.tcp.now;
    if (e.type === 'incoming') {
      const onStream = this.listeners.get(e.listener);
      if (!onStream) return;
      for (let c = e.listener.accept(); c; c = e.listener.accept()) {
        const stream = new TcpStream(this.tcp, c);
        this.streams.set(c, stream);
        onStream(stream, now);
        stream.accepted(now);
      }
      return;
    }
    const stream = this.streams.get(e.connection);
    if (!stream) return;
    stream.dispatch(e, now);
    if (e.type === 'closed') this.streams.delete(e.connection);
  }
}

const dispatchers = new WeakMap<TcpHost, Dispatcher>();

function dispatcher(tcp: TcpHost): Dispatcher {
  let d = dispatchers.get(tcp);
  if (!d) dispatchers.set(tcp, (d = new Dispatcher(tcp)));
  return d;
}

/** Active open: a stream whose `onOpen` fires when the handshake completes, `onClose('refused')` on a RST. */
export function connectStream(tcp: TcpHost, remote: TransportAddress, local?: Partial<TransportAddress>): TcpStream {
  const d = dispatcher(tcp);
  const connection = tcp.connect(remote, local);
  const stream = new TcpStream(tcp, connection);
  d.streams.set(connection, stream);
  return stream;
}

/**
 * Passive open on `port`: `onStream` receives each accepted connection's stream before its `onOpen`, so it can set
 * the handlers first. Returns the listener (close it to stop accepting).
 */
export function listenStreams(
  tcp: TcpHost,
  port: number,
  onStream: (stream: TcpStream, now: Micros) => void,
  options: { ip?: string; backlog?: number } = {},
): TcpListener {
  const d = dispatcher(tcp);
  const listener = tcp.listen(port, options);
  d.listeners.set(listener, onStream);
  return listener;
}
