// Node only: a ByteStream (sim/net/stream.ts) over a real TCP socket from node:net, one we connected (the simulator's
// HTTP client talking to a real server on loopback) or one a node:net server accepted (a sim server serving a real
// client). Handlers run with the bridge's clock and are followed by `after` (the bridge's pump), as the simulator
// lets an endpoint act after a stream callback.
import { connect, type Socket } from 'node:net';
import type { ByteStream, ByteStreamHandlers } from '../sim/net/stream.ts';

/** What both kinds share: bytes, end and close handed to the handlers, and writes, end and abort on the socket. */
abstract class SocketStream implements ByteStream {
  handlers: ByteStreamHandlers = {};
  abstract open: boolean;
  abstract readonly label: string;
  private closed = false;
  protected readonly act: (f: () => void) => void;

  constructor(
    protected readonly socket: Socket,
    now: () => number,
    after: () => void,
    /** `open` turns false when the socket closes */
    closeEndsOpen: boolean,
  ) {
    this.act = (f) => {
      f();
      after();
    };
    socket.on('data', (b: Buffer) => this.act(() => this.handlers.onData?.(now(), new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice())));
    socket.on('end', () => this.act(() => this.handlers.onEnd?.(now())));
    socket.on('error', () => undefined); // reported by 'close'
    socket.on('close', (hadError) => this.act(() => {
      if (this.closed) return;
      this.closed = true;
      if (closeEndsOpen) this.open = false;
      this.handlers.onClose?.(now(), hadError ? 'reset' : undefined);
    }));
  }

  write(_now: number, bytes: Uint8Array): void {
    if (!this.closed) this.socket.write(bytes);
  }

  end(_now: number): void {
    this.socket.end();
  }

  abort(_now: number): void {
    this.socket.destroy();
  }
}

/** A connection we open to host:port; open once the handshake is over. */
export class NodeSocketStream extends SocketStream {
  open = false;
  readonly label: string;

  constructor(host: string, port: number, now: () => number, after: () => void = () => {}) {
    super(connect({ host, port, noDelay: true }), now, after, false);
    this.label = `tcp → ${host}:${port}`;
    this.socket.on('connect', () => this.act(() => {
      this.open = true;
      this.handlers.onOpen?.(now());
    }));
  }
}

/** A connection a node:net server accepted: the handshake is over, bytes flow at once. */
export class NodeAcceptedStream extends SocketStream {
  open = true;
  readonly label: string;

  constructor(socket: Socket, now: () => number, after: () => void = () => {}) {
    super(socket, now, after, true);
    this.label = `tcp ${socket.remoteAddress}:${socket.remotePort} > ${socket.localAddress}:${socket.localPort}`;
    socket.setNoDelay(true);
  }
}
